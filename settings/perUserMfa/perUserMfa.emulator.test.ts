/**
 * Per-user MFA against the emulator: targeting by user and by nested group, exclusions, owning the
 * whole tenant, enabled satisfied by enforced, drift, bad input at check, JSON batching rules and
 * Graph's throttling.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import { runBatched } from "../../client/batch";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { clientsAs, portal } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { confirmationToken, perUserMfa, targetsDigest } from "./setting";
import { resolveTargets } from "./targets";

describe("emulator: per-user MFA provider", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    const provider = () => new SettingProvider(perUserMfa, { verifyDelayMs: 20 }, () => clientsAs(emu));
    const dir = () => emu.directory();
    const group = (name: string) => [...dir().groups.values()].find((g) => g.displayName === name)!;
    const stateOf = (upn: string) => dir().user(upn)!.perUserMfaState;
    /**
     * Who the check's inputs give which state: the targets stay in the provider (the inputs carry their digest,
     * issue #27), so they are resolved here the way the provider does, and tied to the check by the digest.
     */
    const targetsOf = async (checked: { inputs?: Record<string, unknown> }) => {
        const { targets } = await resolveTargets(clientsAs(emu), perUserMfa.validate(checked.inputs!).desired!);
        assert.strictEqual(checked.inputs!.targetsDigest, targetsDigest(targets!), "the check's digest is of these targets");
        return targets as Record<string, string>;
    };
    const mfaWrites = () => emu.requests.filter((r) => r.method === "PATCH" && r.path.endsWith("/authentication/requirements")).length;

    useEmulator(
        (e) => (emu = e),
        {},
        async () => {
            dir().seed(300, 7);
        },
    );
    beforeEach(() => {
        emu.faults = {};
        emu.throttle.options = { enabled: true };
    });

    it("resolves users and nested groups at check, excludes break-glass, and applies through batches", async () => {
        const p = provider();
        const finance = group("Finance and Sales");
        const someone = [...dir().users.values()].find(
            (u) => u.userType === "Member" && !u.breakGlass && !dir().transitiveUsers(finance.id).includes(u),
        )!;
        const inputs = {
            assignments: [
                { state: "enforced", groups: [finance.id] },
                { state: "enabled", users: [someone.userPrincipalName.toUpperCase()] },
            ],
            excludeUsers: ["breakglass1@contoso.onmicrosoft.com"],
        };
        // Blast radius: half the tenant at once needs a confirmation that names the change.
        const token = confirmationToken({
            ...Object.fromEntries(
                dir()
                    .transitiveUsers(finance.id)
                    .map((u) => [u.userPrincipalName, "enforced" as const]),
            ),
            [someone.userPrincipalName]: "enabled",
        });
        const refused = await p.check({}, inputs);
        assert.strictEqual(refused.failures!.length, 1);
        assert.strictEqual(refused.failures![0].property, "guards");
        assert.match(
            refused.failures![0].reason,
            new RegExp(
                `changes the per-user MFA state of \\d+ users, \\d+% of the tenant's 300 \\(the limit is 10%: ` +
                    `m365-mfa:baseline\\.guards\\.maxUserChangeShare\\)\\. If that is intended, add "${token}" to ` +
                    `m365-mfa:baseline\\.guards\\.confirm`,
            ),
        );
        const checked = await p.check({}, { ...inputs, guards: { confirm: [token] } });
        assert.deepStrictEqual(checked.failures, []);
        const targets = await targetsOf(checked);
        const members = dir().transitiveUsers(finance.id);
        assert.strictEqual(Object.keys(targets).length, members.length + 1);
        assert.deepStrictEqual(checked.inputs.targetCounts, { disabled: 0, enabled: 1, enforced: members.length });
        assert.ok(!("targets" in checked.inputs), "the inputs carry no per-user map");
        assert.strictEqual(targets[someone.userPrincipalName.toLowerCase()], "enabled");
        assert.ok(members.length > 100, "the nested group reaches both departments");

        const before = mfaWrites();
        const created = await p.create(checked.inputs);
        for (const m of members) {
            assert.strictEqual(stateOf(m.id), "enforced", m.userPrincipalName);
        }
        // The administrator's state is kept: enabled stays enabled until the user completes a registration
        // (howto-mfa-userstates.md; a method registered earlier does not move the user to enforced).
        assert.strictEqual(stateOf(someone.id), "enabled");
        assert.strictEqual(mfaWrites() - before, members.length + 1);
        assert.ok(
            emu.requests.some((r) => r.batched),
            "went through $batch",
        );
        // The next preview (its check, then the diff) finds nothing to change; the state holds no per-user map.
        assert.deepStrictEqual(created.outs.observed, {}, "every target has its state: the outputs list nobody");
        const next = await p.check(created.outs, { ...inputs, guards: { confirm: [token] } });
        assert.deepStrictEqual(next.inputs.plannedTo, {});
        const diff = await p.diff(created.id, created.outs, next.inputs);
        assert.deepStrictEqual(diff, { changes: false });
        assert.strictEqual(stateOf("breakglass1@contoso.onmicrosoft.com"), "disabled");
    });

    it("a user who registers a method later flips enabled -> enforced without a diff", async () => {
        const u = [...dir().users.values()].find((x) => x.methods.length === 0 && !x.breakGlass && x.userType === "Member")!;
        const p = provider();
        const checked = await p.check(
            {},
            { assignments: [{ state: "enabled", users: [u.id] }], excludeUsers: ["breakglass1@contoso.onmicrosoft.com"] },
        );
        const created = await p.create(checked.inputs);
        assert.strictEqual(stateOf(u.id), "enabled");
        await emu.store.directory(emu.defaultTenant().tenantId); // same directory
        const res = await fetch(`${emu.origin}/_emulator/users/${u.id}/methods`, {
            method: "POST",
            headers: { "x-emulator-admin-key": emu.store.adminKey },
            body: "{}",
        });
        assert.strictEqual(res.status, 200);
        assert.strictEqual(stateOf(u.id), "enforced");
        const refreshed = await p.read(created.id, created.outs);
        assert.deepStrictEqual((refreshed.props as any).observed, { [u.userPrincipalName.toLowerCase()]: "enforced" });
        assert.deepStrictEqual((refreshed.inputs as any).targetCounts, { disabled: 0, enabled: 1, enforced: 0 });
        // The engine's order: refresh, check, diff.
        const again = await p.check(refreshed.inputs, checked.inputs);
        assert.deepStrictEqual(again.inputs.plannedTo, {});
        assert.deepStrictEqual(await p.diff(created.id, refreshed.props, again.inputs), { changes: false });
    });

    it("reads drift made in the portal and restores it", async () => {
        const u = [...dir().users.values()].find((x) => x.userType === "Member" && !x.breakGlass && x.perUserMfaState === "disabled")!;
        const p = provider();
        const checked = await p.check(
            {},
            { assignments: [{ state: "enforced", users: [u.userPrincipalName] }], excludeUsers: ["breakglass1@contoso.onmicrosoft.com"] },
        );
        const created = await p.create(checked.inputs);
        await portal(emu).patch(`/users/${u.id}/authentication/requirements`, { perUserMfaState: "disabled" }, { version: "beta" });
        const refreshed = await p.read(created.id, created.outs);
        const upn = u.userPrincipalName.toLowerCase();
        // The refreshed outputs name the user who differs from their target, with what the tenant has.
        assert.deepStrictEqual((refreshed.props as any).observed, { [upn]: "disabled" });
        assert.ok(!("targets" in refreshed.props!) && !("targets" in refreshed.inputs!), "no per-user map in the state");
        // The engine's order: refresh, check, diff; the check plans the repair from the tenant as read.
        const again = await p.check(refreshed.inputs, checked.inputs);
        assert.deepStrictEqual(again.inputs.plannedFrom, { [upn]: "disabled" });
        assert.deepStrictEqual(again.inputs.plannedTo, { [upn]: "enforced" });
        assert.deepStrictEqual(await p.diff(created.id, refreshed.props, again.inputs), { changes: true });
        await p.update(created.id, refreshed.props, again.inputs);
        assert.strictEqual(stateOf(u.id), "enforced");
    });

    it(
        "a check right after a refresh counts from the refresh's reads, reading only the users the refresh did not; the next " +
            "check reads again",
        async () => {
            const reads = () =>
                emu.requests.filter((r) => r.batched && r.method === "GET" && r.path.endsWith("/authentication/requirements")).length;
            const members = [...dir().users.values()].filter((x) => x.userType === "Member" && !x.breakGlass).slice(0, 12);
            const [drifted, added] = [members[0], members[11]];
            const p = provider();
            const declared = {
                assignments: [{ state: "enforced", users: members.slice(0, 11).map((u) => u.userPrincipalName) }],
                excludeUsers: ["breakglass1@contoso.onmicrosoft.com"],
                guards: { maxUserChangeShare: 1 },
            };
            const created = await p.create((await p.check({}, declared)).inputs);
            await portal(emu).patch(
                `/users/${drifted.id}/authentication/requirements`,
                { perUserMfaState: "disabled" },
                { version: "beta" },
            );
            await portal(emu).patch(`/users/${added.id}/authentication/requirements`, { perUserMfaState: "disabled" }, { version: "beta" });

            // The refresh reads the 11 users in state; the check then plans 12: only the one the refresh did not read is read again.
            let before = reads();
            const refreshed = await p.read(created.id, created.outs);
            assert.strictEqual(reads() - before, 11);
            const widened = { ...declared, assignments: [{ state: "enforced", users: members.map((u) => u.userPrincipalName) }] };
            before = reads();
            const checked = await p.check(refreshed.inputs, widened);
            assert.deepStrictEqual(checked.failures, []);
            assert.strictEqual(reads() - before, 1, "only the user the refresh did not read");
            assert.deepStrictEqual(
                checked.inputs.planned,
                { "disabled -> enforced": 2 },
                "the drifted user (from the refresh's read) and the added one",
            );

            // A refresh's reads serve one check: the next one reads every user.
            before = reads();
            const again = await p.check(refreshed.inputs, widened);
            assert.strictEqual(reads() - before, 12);
            assert.deepStrictEqual(again.inputs.planned, { "disabled -> enforced": 2 });
            await p.update(created.id, refreshed.props, again.inputs);
            assert.strictEqual(stateOf(drifted.id), "enforced");
            assert.strictEqual(stateOf(added.id), "enforced");
        },
    );

    it(
        "an update whose check is not at hand (another process) resolves the targets again: it applies the plan when they " +
            "match the check's digest, and writes nothing when a group's members changed since",
        async () => {
            const members = [...dir().users.values()].filter((u) => u.userType === "Member" && !u.breakGlass).slice(40, 52);
            const [first, second, newcomer] = [members.slice(0, 5), members.slice(5, 10), members[11]];
            dir().putGroup({ id: "g-stale-check", displayName: "Stale check", members: first.map((u) => u.id) });
            for (const u of members) dir().user(u.id)!.perUserMfaState = "disabled";
            const inputs = {
                assignments: [{ state: "enforced", groups: ["g-stale-check"] }],
                excludeUsers: ["breakglass1@contoso.onmicrosoft.com"],
                readiness: { mode: "off" },
                guards: { maxUserChangeShare: 1 },
            };
            const created = await provider().create((await provider().check({}, inputs)).inputs);
            for (const u of first) assert.strictEqual(stateOf(u.id), "enforced");

            // Matching targets: a provider that did not run the check applies exactly its plan.
            dir().putGroup({ id: "g-stale-check", displayName: "Stale check", members: [...first, ...second].map((u) => u.id) });
            const checked = await provider().check(created.outs, inputs);
            assert.strictEqual(Object.keys(checked.inputs.plannedTo).length, second.length);
            const updated = await provider().update(created.id, created.outs, checked.inputs);
            for (const u of second) assert.strictEqual(stateOf(u.id), "enforced");
            assert.deepStrictEqual(updated.outs!.observed, {});

            // A member added after the check: the update resolves other targets and writes nothing.
            const next = await provider().check(updated.outs, {
                ...inputs,
                assignments: [{ state: "enabled", groups: ["g-stale-check"] }],
            });
            dir().putGroup({ id: "g-stale-check", displayName: "Stale check", members: [...first, ...second, newcomer].map((u) => u.id) });
            const before = mfaWrites();
            await assert.rejects(
                provider().update(created.id, updated.outs, next.inputs),
                new RegExp(
                    "Per-user MFA: update failed: who the assignments target changed since this update's plan was " +
                        String.raw`checked \(enabled: 10 then, enabled: 11 now.*nothing was written`,
                ),
            );
            assert.strictEqual(mfaWrites(), before, "nothing written");
            assert.strictEqual(stateOf(newcomer.id), "disabled");
        },
    );

    it("lockout guard: moving users to MFA needs an excluded break-glass account, unless switched off", async () => {
        const p = provider();
        const u = [...dir().users.values()].find((x) => x.userType === "Member" && !x.breakGlass && x.perUserMfaState === "disabled")!;
        const r = await p.check({}, { assignments: [{ state: "enforced", users: [u.id] }] });
        assert.strictEqual(r.failures![0].property, "excludeUsers");
        assert.match(r.failures![0].reason, /no break-glass account is excluded: declare m365-mfa:baseline\.breakGlassAccounts/);
        const off = await p.check({}, { assignments: [{ state: "enforced", users: [u.id] }], guards: { lockout: "off" } });
        assert.deepStrictEqual(off.failures, []);
    });

    it("owns the whole tenant with allOtherUsers, leaving excluded users alone", async () => {
        const p = provider();
        const checked = await p.check(
            {},
            {
                assignments: [{ state: "enforced", groups: [group("Privileged Admins").id] }],
                allOtherUsers: "disabled",
                excludeUsers: ["breakglass2@contoso.onmicrosoft.com"],
                guards: { maxUserChangeShare: 1 },
            },
        );
        assert.deepStrictEqual(checked.failures, []);
        const targets = await targetsOf(checked);
        assert.strictEqual(Object.keys(targets).length, dir().userCount - 1);
        assert.ok(!("breakglass2@contoso.onmicrosoft.com" in targets));
        await p.create(checked.inputs);
        const states = [...dir().users.values()].filter((u) => !u.breakGlass || u.userPrincipalName.startsWith("breakglass1"));
        const admins = new Set(
            dir()
                .transitiveUsers(group("Privileged Admins").id)
                .map((u) => u.id),
        );
        for (const u of states) {
            assert.strictEqual(u.perUserMfaState, admins.has(u.id) ? "enforced" : "disabled", u.userPrincipalName);
        }
    });

    it(
        "the most specific assignment wins: a user named explicitly keeps that state over a group's; an assignment's exclusions " +
            "take users out of it",
        async () => {
            const finance = group("Finance and Sales");
            const members = dir()
                .transitiveUsers(finance.id)
                .filter((u) => !u.breakGlass);
            const [named, excluded] = members;
            const inputs = {
                assignments: [
                    { state: "enforced", groups: [finance.id], excludeUsers: [excluded.userPrincipalName] },
                    { state: "disabled", users: [named.userPrincipalName] },
                ],
                excludeUsers: ["breakglass1@contoso.onmicrosoft.com"],
                guards: { maxUserChangeShare: 1 },
            };
            const r = await provider().check({}, inputs);
            assert.deepStrictEqual(r.failures, [], "a named user over a group is not a conflict");
            const targets = await targetsOf(r);
            assert.strictEqual(targets[named.userPrincipalName.toLowerCase()], "disabled", "the named state wins");
            assert.strictEqual(
                targets[excluded.userPrincipalName.toLowerCase()],
                undefined,
                "excluded from the group's assignment, and named nowhere else",
            );
            assert.strictEqual(targets[members[2].userPrincipalName.toLowerCase()], "enforced");
            // Two groups that give one user two states are still a conflict: neither is more specific.
            const other = [...dir().groups.values()].find(
                (g) =>
                    g.id !== finance.id &&
                    dir()
                        .transitiveUsers(g.id)
                        .some((u) => members.includes(u)),
            )!;
            const clash = await provider().check(
                {},
                {
                    ...inputs,
                    assignments: [
                        { state: "enforced", groups: [finance.id] },
                        { state: "disabled", groups: [other.id] },
                    ],
                },
            );
            assert.match(
                clash.failures![0].reason,
                /users assigned two different states: [\s\S]*name the user in the assignment that should win/,
            );
            // An excluded group takes all its members out of that assignment.
            const out = await provider().check(
                {},
                { ...inputs, assignments: [{ state: "enforced", groups: [finance.id], excludeGroups: [other.id] }] },
            );
            const outTargets = await targetsOf(out);
            for (const u of dir().transitiveUsers(other.id))
                assert.strictEqual(outTargets[u.userPrincipalName.toLowerCase()], undefined, u.userPrincipalName);
            // A typo in an assignment key is answered with the nearest known one (the declared schema's words, issue 23).
            const typo = await provider().check({}, { assignments: [{ state: "enforced", groups: [finance.id], excludeUser: ["x@y"] }] });
            assert.match(typo.failures![0].reason, /assignments\[0\]\.excludeUser is not a known setting; did you mean excludeUsers\?/);
        },
    );

    it("rejects unknown users and groups, conflicts and bad states at check, naming them, writing nothing", async () => {
        const p = provider();
        const before = mfaWrites();
        let r = await p.check(
            {},
            { assignments: [{ state: "enforced", users: ["nobody@contoso.onmicrosoft.com", "ghost@contoso.onmicrosoft.com"] }] },
        );
        assert.match(
            r.failures![0].reason,
            new RegExp(
                String.raw`no such user in the tenant: 2 users, nobody@contoso\.onmicrosoft\.com ` +
                    String.raw`\(assignments\[0\]\.users\[0\]\), ghost@contoso\.onmicrosoft\.com \(assignments\[0\]\.users\[1\]\)`,
            ),
        );
        r = await p.check({}, { assignments: [{ state: "enforced", groups: ["00000000-0000-0000-0000-00000000dead"] }] });
        assert.match(
            r.failures![0].reason,
            /no such group in the tenant: 00000000-0000-0000-0000-00000000dead \(assignments\[0\]\.groups\[0\]\)/,
        );
        const finance = group("Department - Finance");
        const both = group("Finance and Sales");
        r = await p.check(
            {},
            {
                assignments: [
                    { state: "enforced", groups: [finance.id] },
                    { state: "disabled", groups: [both.id] },
                ],
            },
        );
        assert.match(r.failures![0].reason, /users assigned two different states: .*group .*: enforced, group .*: disabled/);
        r = await p.check({}, { assignments: [{ state: "on", users: ["x"] }], excludeUsers: "breakglass" });
        // Each problem under the input property it is about, its message naming the full path (the declared schema's words).
        assert.deepStrictEqual(r.failures!.map((f) => f.property).sort(), ["assignments", "excludeUsers"]);
        assert.match(
            r.failures!.find((f) => f.property === "assignments")!.reason,
            /assignments\[0\]\.state must be one of disabled, enabled, enforced, got "on"/,
        );
        assert.match(r.failures!.find((f) => f.property === "excludeUsers")!.reason, /excludeUsers must be a list, got "breakglass"/);
        r = await p.check(
            {},
            {
                assignments: [
                    { state: "enforced", users: ["a@x"] },
                    { state: "disabled", users: ["A@x"] },
                ],
            },
        );
        assert.match(r.failures![0].reason, /user A@x is assigned both "enforced" and "disabled"/);
        assert.strictEqual(mfaWrites(), before);
    });

    it("names each unknown user at the config key it came from (configKeys: break-glass accounts, excludeUsers, assignments)", async () => {
        const p = provider();
        const before = mfaWrites();
        const someone = [...dir().users.values()].find((u) => u.userType === "Member" && !u.breakGlass)!;
        const r = await p.check(
            {},
            {
                assignments: [{ state: "enforced", users: [someone.userPrincipalName, "ghost@contoso.onmicrosoft.com"] }],
                excludeUsers: [
                    "breakglass1@contoso.onmicrosoft.com",
                    "breakglass9@contoso.onmicrosoft.com",
                    "svc-gone@contoso.onmicrosoft.com",
                ],
                configKeys: {
                    assignments: "m365-mfa:baseline.perUserMfa.assignments",
                    "excludeUsers[0]": "m365-mfa:baseline.breakGlassAccounts[0]",
                    "excludeUsers[1]": "m365-mfa:baseline.breakGlassAccounts[1]",
                    "excludeUsers[2]": "m365-mfa:baseline.perUserMfa.excludeUsers[0]",
                },
            },
        );
        const by = Object.fromEntries(r.failures!.map((f) => [f.property, f.reason]));
        assert.deepStrictEqual(Object.keys(by).sort(), ["assignments", "excludeUsers"]);
        assert.match(
            by.assignments,
            new RegExp(
                String.raw`no such user in the tenant: ghost@contoso\.onmicrosoft\.com ` +
                    String.raw`\(m365-mfa:baseline\.perUserMfa\.assignments\[0\]\.users\[1\]\)\. Check`,
            ),
        );
        assert.match(
            by.excludeUsers,
            new RegExp(
                String.raw`no such user in the tenant: 2 users, breakglass9@contoso\.onmicrosoft\.com ` +
                    String.raw`\(m365-mfa:baseline\.breakGlassAccounts\[1\]\), svc-gone@contoso\.onmicrosoft\.com ` +
                    String.raw`\(m365-mfa:baseline\.perUserMfa\.excludeUsers\[0\]\)\. Check`,
            ),
        );
        assert.doesNotMatch(by.excludeUsers, /breakglass1/);
        assert.strictEqual(mfaWrites(), before);
    });

    it(
        "3,000 unknown users: the message names the count and the first 10, the full list is in a file, the failure is not " +
            "attached to the long input",
        async () => {
            const p = provider();
            const users = Array.from({ length: 3000 }, (_, i) => `nobody${i}@contoso.onmicrosoft.com`);
            const r = await p.check({}, { assignments: [{ state: "enforced", users }] });
            assert.strictEqual(r.failures!.length, 1);
            const [f] = r.failures!;
            // The engine prints a property's whole value beside the reason: the failure is on the resource instead.
            assert.strictEqual(f.property, "");
            assert.ok(f.reason.length < 2000, `reason is ${f.reason.length} characters`);
            assert.match(
                f.reason,
                new RegExp(
                    String.raw`^Per-user MFA: no such user in the tenant: 3000 users, nobody0@contoso\.onmicrosoft\.com ` +
                        String.raw`\(assignments\[0\]\.users\[0\]\), `,
                ),
            );
            assert.match(
                f.reason,
                /nobody9@contoso\.onmicrosoft\.com \(assignments\[0\]\.users\[9\]\) and 2990 more; the full list of 3000 unknown users: /,
            );
            assert.doesNotMatch(f.reason, /nobody10@/);
            const file = /the full list of 3000 unknown users: (\S+\.txt)/.exec(f.reason)![1];
            const lines = fs.readFileSync(file, "utf8").trim().split("\n");
            assert.strictEqual(lines.length, 3000);
            assert.strictEqual(lines[2999], "nobody2999@contoso.onmicrosoft.com (assignments[0].users[2999])");
            fs.rmSync(file);
        },
    );

    it("lockout guard: refuses a plan that leaves no usable Global Administrator, accepts it once one can do MFA", async () => {
        const gas = [...dir().users.values()].filter((u) => u.roles.includes("Global Administrator"));
        assert.ok(gas.length >= 2);
        const saved = gas.map((u) => ({ id: u.id, methods: [...u.methods], state: u.perUserMfaState }));
        try {
            for (const u of gas) dir().updateUser(u.id, { methods: [], perUserMfaState: "disabled" });
            const someone = [...dir().users.values()].find((u) => !u.roles.length && u.userType === "Member")!;
            const inputs = {
                assignments: [{ state: "enforced", users: gas.map((u) => u.userPrincipalName) }],
                excludeUsers: [someone.userPrincipalName],
                guards: { maxUserChangeShare: 1 },
            };
            const before = mfaWrites();
            const r = await provider().check({}, inputs);
            assert.strictEqual(r.failures!.length, 1, JSON.stringify(r.failures));
            assert.match(
                r.failures![0].reason,
                new RegExp(
                    String.raw`moves every Global Administrator \(.*breakglass1@contoso\.onmicrosoft\.com.*\) to MFA and ` +
                        "none has an MFA method registered: no administrator could sign in",
                ),
            );
            assert.strictEqual(mfaWrites(), before);
            dir().updateUser(gas[0].id, { methods: ["fido2SecurityKey"] });
            assert.deepStrictEqual((await provider().check({}, inputs)).failures, []);
        } finally {
            for (const s of saved) dir().updateUser(s.id, { methods: s.methods, perUserMfaState: s.state });
        }
    });

    it("follows Graph's throttling: reads converge through 429s with Retry-After", async () => {
        emu.throttle.options = { enabled: true, scale: 0.02 }; // 160 resource units per 10 s
        const upns = [...dir().users.values()].slice(0, 220).map((u) => u.userPrincipalName);
        const clients = clientsAs(emu);
        const { results, stats } = await runBatched(
            clients.graph,
            upns.map((u) => ({ method: "GET" as const, url: `/users/${encodeURIComponent(u)}/authentication/requirements` })),
            { version: "beta" },
        );
        assert.ok(
            results.every((r) => r.status === 200),
            "every read succeeded in the end",
        );
        assert.ok(stats.throttledItems > 0, "the limit was hit and honoured");
    });

    it("enforces $batch rules: 20 at most, unique ids, Content-Type with a body, 424 after a failed dependency", async () => {
        const graph = clientsAs(emu).graph;
        const get = (id: string, url = "/users?$top=1") => ({ id, method: "GET", url });
        await assert.rejects(
            graph.post("/$batch", { requests: Array.from({ length: 21 }, (_, i) => get(String(i))) }),
            /400 BadRequest: Number of requests in batch is too large/,
        );
        await assert.rejects(graph.post("/$batch", { requests: [get("1"), get("1")] }), /must be unique/);
        await assert.rejects(
            graph.post(
                "/$batch",
                { requests: [{ id: "1", method: "PATCH", url: "/users/x/authentication/requirements", body: {} }] },
                { version: "beta" },
            ),
            /does not contain Content-Type/,
        );
        // A write item without a body is refused too, whole batch, even with a Content-Type (json-batching.md).
        for (const method of ["POST", "PATCH", "PUT"]) {
            await assert.rejects(
                graph.post(
                    "/$batch",
                    {
                        requests: [
                            get("1"),
                            {
                                id: "2",
                                method,
                                url: "/users/x/authentication/requirements",
                                headers: { "Content-Type": "application/json" },
                            },
                        ],
                    },
                    { version: "beta" },
                ),
                /400 BadRequest: Write request id : 2 does not contain Content-Type header or body\./,
                method,
            );
        }
        const r = await graph.post("/$batch", { requests: [get("a", "/users/nobody@nowhere"), { ...get("b"), dependsOn: ["a"] }] });
        assert.deepStrictEqual(
            r.responses.map((x: any) => [x.id, x.status]),
            [
                ["a", 404],
                ["b", 424],
            ],
        );
    });
});
