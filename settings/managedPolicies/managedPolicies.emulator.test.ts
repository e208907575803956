/**
 * The Microsoft-managed Conditional Access policy provider (settings/managedPolicies) against the
 * emulator: it finds the policy by display name or id, PATCHes only state and exclusions (what
 * managed-policies.md lets an admin change), asks for the confirmation of switching it on, refuses an
 * enforced blocking policy that leaves a break-glass account out, names a weakening from the tenant at
 * preview, and a refresh reads drift.
 */
import * as assert from "node:assert";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { APPS, type ConditionalAccessPolicyState } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { seedManagedPolicies } from "@m365-mfa/emulator";
import { managedConditionalAccessPolicy, managedPolicyOnConfirmation } from "../../settings/managedPolicies/setting";
import { exportManagedPolicies } from "../../settings/managedPolicies/export";
import { exportContext } from "../../providers/framework/exportContext";
import { warningsOf } from "../../tests/support/warnings";

const BG = ["breakglass1@contoso.onmicrosoft.com", "breakglass2@contoso.onmicrosoft.com"];
const DEVICE_CODE = "Microsoft-managed: Block device code flow";
const MFA_ALL = "Microsoft-managed: Multifactor authentication for all users";

describe("emulator: Microsoft-managed Conditional Access policy provider", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    let seeded: ConditionalAccessPolicyState[];
    /** The bodies the provider PATCHed (as it sent them). */
    let sentBodies: unknown[] = [];
    const provider = () =>
        new SettingProvider(managedConditionalAccessPolicy, { verifyDelayMs: 20 }, () => {
            const c = clientsAs(emu, APPS.provider);
            const patch = c.graph.patch.bind(c.graph);
            c.graph.patch = ((path: string, body: unknown, req?: any) => {
                sentBodies.push(body);
                return patch(path, body, req);
            }) as typeof c.graph.patch;
            return c;
        });
    const policy = (name: string) => emu.defaultTenant().conditionalAccessPolicies.find((p) => p.displayName === name)!;
    const bgIds = () => BG.map((u) => emu.directory().user(u)!.id.toLowerCase()).sort();
    const inputs = (o: Record<string, unknown>) => ({
        policy: DEVICE_CODE,
        mode: "reportOnly",
        excludeUsers: [],
        excludeGroups: [],
        breakGlassAccounts: BG,
        configKey: "m365-mfa:baseline.managedPolicies[0]",
        ...o,
    });

    useEmulator((e) => (emu = e));
    before(() => {
        emu.store.mutate(() => (emu.defaultTenant().securityDefaults.isEnabled = false));
        seeded = seedManagedPolicies(emu.store, emu.defaultTenant());
    });

    it("adopting a managed policy as it is writes nothing; the id names the policy", async () => {
        const p = provider();
        const checked = await p.check({}, inputs({}));
        assert.deepStrictEqual(checked.failures, []);
        assert.strictEqual(checked.inputs.policyId, policy(DEVICE_CODE).id);
        sentBodies = [];
        const r = await p.create(checked.inputs);
        assert.deepStrictEqual(sentBodies, [], "nothing written");
        assert.strictEqual(r.id, `${emu.defaultTenant().tenantId}/managedConditionalAccessPolicy/${policy(DEVICE_CODE).id}`);
    });

    it("switching a blocking managed policy on without the break-glass accounts excluded is refused, naming them and the key", async () => {
        const r = await provider().check({}, inputs({ mode: "on", confirm: ["whatever"] }));
        const text = r.failures!.map((f) => f.reason).join("\n");
        assert.match(
            text,
            new RegExp(
                String.raw`m365-mfa:baseline\.managedPolicies\[0\] \("Microsoft-managed: Block device code flow"\) blocks ` +
                    "sign-ins and would be enforced excluding the break-glass accounts " +
                    String.raw`breakglass1@contoso\.onmicrosoft\.com, breakglass2@contoso\.onmicrosoft\.com`,
            ),
        );
        assert.match(text, /add .* to m365-mfa:baseline\.managedPolicies\[0\]\.excludeUsers/i);
    });

    it(
        "switching it on asks for a confirmation bound to the policy and its exclusions; with it, only state and excludeUsers " +
            "are PATCHed",
        async () => {
            // Its report-only run: one user's device code sign-in would have been blocked (the evidence before "on").
            const someone = [...emu.directory().users.values()]
                .find((u) => !u.breakGlass && u.userType === "Member")!
                .userPrincipalName.toLowerCase();
            const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
            emu.store.mutate(() => {
                emu.defaultTenant().recordedSignIns = [
                    {
                        id: "6a0e0a53-0000-4000-8000-000000000001",
                        createdDateTime: at(3),
                        userPrincipalName: someone,
                        appDisplayName: "Microsoft Azure CLI",
                        clientAppUsed: "Mobile Apps and Desktop clients",
                        appliedConditionalAccessPolicies: [
                            {
                                id: policy(DEVICE_CODE).id,
                                displayName: DEVICE_CODE,
                                result: "reportOnlyFailure",
                                enforcedGrantControls: ["Block"],
                                enforcedSessionControls: [],
                            },
                        ],
                    },
                ];
            });
            const p = provider();
            const refused = await p.check({}, inputs({ mode: "on", excludeUsers: BG }));
            const token = managedPolicyOnConfirmation(policy(DEVICE_CODE).id, "enabledForReportingButNotEnforced", bgIds());
            const text = refused.failures!.map((f) => f.reason).join("\n");
            assert.ok(text.includes(`add "${token}" to m365-mfa:baseline.guards.confirm`), text);
            assert.match(
                text,
                new RegExp(
                    String.raw`enforces a block \(deviceCodeFlow\) for all users, excluding ` +
                        String.raw`breakglass1@contoso\.onmicrosoft\.com, breakglass2@contoso\.onmicrosoft\.com`,
                ),
            );
            assert.match(
                text,
                new RegExp(
                    `Report-only results of the last 30 days: 1 user would have been blocked or interrupted:\\n  - ` +
                        `${someone.replace(/\./g, "\\.")}: 1 sign-in reportOnlyFailure, app Microsoft Azure CLI`,
                ),
            );
            const blocked = await p.check({}, inputs({ mode: "on", excludeUsers: BG, confirm: [token], readiness: { mode: "block" } }));
            assert.match(
                blocked.failures!.map((f) => f.reason).join("\n"),
                /Fix them first, or accept them in m365-mfa:baseline\.readiness\.acceptedUsers/,
            );
            assert.strictEqual(policy(DEVICE_CODE).state, "enabledForReportingButNotEnforced");

            const ok = await p.check({}, inputs({ mode: "on", excludeUsers: BG, confirm: [token] }));
            assert.deepStrictEqual(ok.failures, []);
            sentBodies = [];
            await p.update("id", {}, ok.inputs);
            assert.deepStrictEqual(sentBodies, [{ state: "enabled", conditions: { users: { excludeUsers: bgIds() } } }]);
            assert.strictEqual(policy(DEVICE_CODE).state, "enabled");
            assert.deepStrictEqual(
                [...(policy(DEVICE_CODE).conditions as any).users.excludeUsers].map((x: string) => x.toLowerCase()).sort(),
                bgIds(),
            );
            assert.deepStrictEqual(
                (policy(DEVICE_CODE).conditions as any).authenticationFlows,
                { transferMethods: "deviceCodeFlow" },
                "the rest of the policy is Microsoft's, untouched",
            );
        },
    );

    it("an enforced policy going back to report-only, or excluding more, is a weakening named from the tenant at preview", async () => {
        const p = provider();
        const back = await p.check({}, inputs({ mode: "reportOnly", excludeUsers: BG }));
        const t1 = back.failures!.map((f) => f.reason).join("\n");
        assert.match(
            t1,
            /this plan WEAKENS security \(the tenant as read now\): a Microsoft-managed policy goes back from enforced to report-only/,
        );
        assert.match(t1, /add "weakens:managed-policy:[0-9a-f]{8}"/);
        const someone = [...emu.directory().users.values()]
            .find((u) => !u.breakGlass && u.userType === "Member")!
            .userPrincipalName.toLowerCase();
        const more = await p.check({}, inputs({ mode: "on", excludeUsers: [...BG, someone] }));
        assert.match(
            more.failures!.map((f) => f.reason).join("\n"),
            new RegExp(
                `an enforced Microsoft-managed policy no longer applies to ${someone.replace(/\./g, "\\.")} \\(users newly excluded\\)`,
            ),
        );
    });

    it(
        "by object id too; a policy of the tenant's own is refused " + "as not managed; an unknown user in excludeUsers names the key",
        async () => {
            const mfa = seeded.find((x) => x.displayName === MFA_ALL)!;
            const byId = await provider().check({}, inputs({ policy: mfa.id, excludeUsers: BG }));
            assert.deepStrictEqual(byId.failures, []);
            const nope = await provider().check({}, inputs({ policy: "My own policy" }));
            assert.match(
                nope.failures!.map((f) => f.reason).join("\n"),
                new RegExp(
                    String.raw`policy is not valid \(the display name of a Microsoft-managed policy, which begins ` +
                        '"Microsoft-managed: ", or its object id; a policy of your own is managed with the Conditional ' +
                        String.raw`Access members\), got "My own policy"`,
                ),
            );
            const unknown = await provider().check({}, inputs({ excludeUsers: ["nobody@contoso.onmicrosoft.com"] }));
            assert.match(
                unknown.failures!.map((f) => f.reason).join("\n"),
                /m365-mfa:baseline\.managedPolicies\[0\]\.excludeUsers: the tenant has no user "nobody@contoso\.onmicrosoft\.com"/,
            );
        },
    );

    it("a refresh reads Microsoft's or an admin's change as drift", async () => {
        const p = provider();
        const checked = await p.check({}, inputs({ policy: MFA_ALL, excludeUsers: BG }));
        const created = await p.create(checked.inputs);
        emu.store.mutate(() => ((policy(MFA_ALL).conditions as any).users.excludeUsers = []));
        const read = await p.read(created.id, created.outs);
        assert.deepStrictEqual(read.props!.excludedUserIds, []);
        assert.deepStrictEqual(await p.diff(created.id, read.props, checked.inputs), { changes: true });
        assert.deepStrictEqual(await p.diff(created.id, created.outs, checked.inputs), { changes: false });
    });

    // Issue 24 review (P1-1): Microsoft turns "Block device code flow" on by itself after 45 days; the export of
    // that tenant is { mode: on } with no exclusions. The plan changes nothing, so the preview is not refused.
    it(
        "a blocking policy the tenant already enforces: its export previews without a refusal, warning with both steps; the " +
            "exclusion flows as announced",
        async () => {
            emu.store.mutate(() => {
                policy(DEVICE_CODE).state = "enabled";
                (policy(DEVICE_CODE).conditions as any).users.excludeUsers = [];
            });
            const exported = (await exportManagedPolicies(exportContext(clientsAs(emu, APPS.provider), {})))!.find(
                (e) => e.policy === DEVICE_CODE,
            )!;
            assert.deepStrictEqual(exported, { policy: DEVICE_CODE, mode: "on" });
            const p = provider();
            let first: Awaited<ReturnType<SettingProvider["check"]>> | undefined;
            const warned = (
                await warningsOf(async () => {
                    first = await p.check({}, inputs({ mode: exported.mode, excludeUsers: exported.excludeUsers ?? [] }));
                })
            ).join("\n");
            assert.deepStrictEqual(first!.failures, [], "the plan makes nothing worse: not refused");
            assert.match(
                warned,
                new RegExp(
                    String.raw`"Microsoft-managed: Block device code flow"\) is enforced in the tenant and blocks sign-ins ` +
                        String.raw`without excluding the break-glass accounts breakglass1@contoso\.onmicrosoft\.com, ` +
                        String.raw`breakglass2@contoso\.onmicrosoft\.com`,
                ),
            );
            const announced = new RegExp(
                String.raw`add breakglass1@contoso\.onmicrosoft\.com, breakglass2@contoso\.onmicrosoft\.com to ` +
                    String.raw`m365-mfa:baseline\.managedPolicies\[0\]\.excludeUsers and "(weakens:managed-policy:[0-9a-f]{8})" ` +
                    String.raw`to m365-mfa:baseline\.guards\.confirm`,
                "i",
            ).exec(warned);
            assert.ok(announced, warned);
            // Step 1 alone: the exclusion is named as a weakening (the enforced policy applies to fewer users), with the token the warning
            // announced.
            const alone = await p.check({}, inputs({ mode: "on", excludeUsers: BG }));
            const text = alone.failures!.map((f) => f.reason).join("\n");
            assert.match(
                text,
                new RegExp(
                    String.raw`an enforced Microsoft-managed policy no longer applies to breakglass1@contoso\.onmicrosoft\.com, ` +
                        String.raw`breakglass2@contoso\.onmicrosoft\.com \(users newly excluded\)`,
                ),
            );
            assert.ok(text.includes(`add "${announced![1]}" to m365-mfa:baseline.guards.confirm`), text);
            // Both steps as announced: accepted, and the exclusion is written.
            const both = await p.check({}, inputs({ mode: "on", excludeUsers: BG, confirm: [announced![1]] }));
            assert.deepStrictEqual(both.failures, []);
            await p.update("id", {}, both.inputs);
            assert.deepStrictEqual(
                [...(policy(DEVICE_CODE).conditions as any).users.excludeUsers].map((x: string) => x.toLowerCase()).sort(),
                bgIds(),
            );
            // Taking a break-glass account back out of the enforced blocking policy is refused (that is what the plan does).
            const out = await p.check({}, inputs({ mode: "on", excludeUsers: [BG[0]], confirm: ["weakens:managed-policy:anything"] }));
            assert.match(
                out.failures!.map((f) => f.reason).join("\n"),
                /this plan takes the break-glass account breakglass2@contoso\.onmicrosoft\.com out of its exclusions/,
            );
        },
    );

    // P1-2: exclusions compared by object id, not by the config's spelling; an exclusion is a weakening only of an enforced policy that
    // stays on.
    it(
        "exclusions compare by object id: the same users and groups named by id or name are no change; preview and the PR " +
            "summary judge a weakening alike",
        async () => {
            const group = [...emu.directory().groups.values()][0];
            const user = emu.directory().user(BG[0])!;
            emu.store.mutate(() => {
                const pol = policy(MFA_ALL) as any;
                pol.state = "enabledForReportingButNotEnforced";
                pol.conditions.users.excludeUsers = [user.id];
                pol.conditions.users.excludeGroups = [group.id];
            });
            const p = provider();
            const judged = (r: { inputs?: Record<string, unknown> }) => {
                const changes = managedConditionalAccessPolicy.previewChanges!(r.inputs!);
                return { changes, weakens: changes.map((c) => managedConditionalAccessPolicy.weakens!(c, r.inputs)).filter(Boolean) };
            };
            for (const [excludeUsers, excludeGroups] of [
                [[user.id], [group.id]],
                [[BG[0]], [group.displayName]],
                [[user.id.toUpperCase()], [group.displayName]],
            ]) {
                const r = await p.check({}, inputs({ policy: MFA_ALL, excludeUsers, excludeGroups }));
                assert.deepStrictEqual(r.failures, []);
                assert.deepStrictEqual(judged(r), { changes: [], weakens: [] }, `${excludeUsers} / ${excludeGroups}`);
            }
            // The export of this tenant (users by UPN, groups by id): no change either.
            const exported = (await exportManagedPolicies(exportContext(clientsAs(emu, APPS.provider), {})))!.find(
                (e) => e.policy === MFA_ALL,
            )!;
            assert.deepStrictEqual(exported, { policy: MFA_ALL, mode: "reportOnly", excludeUsers: [BG[0]], excludeGroups: [group.id] });
            const round = await p.check(
                {},
                inputs({ policy: MFA_ALL, excludeUsers: exported.excludeUsers, excludeGroups: exported.excludeGroups }),
            );
            assert.deepStrictEqual(judged(round), { changes: [], weakens: [] });
            const created = await p.create(round.inputs);
            assert.deepStrictEqual(await p.diff(created.id, created.outs, round.inputs), { changes: false });
            // Report-only: an added exclusion is a change, not a weakening (the preview does not refuse it either).
            const more = await p.check({}, inputs({ policy: MFA_ALL, excludeUsers: BG, excludeGroups: [group.id] }));
            assert.deepStrictEqual(more.failures, []);
            const j = judged(more);
            assert.deepStrictEqual(j.changes, [{ field: "excludeUsers", from: [BG[0]], to: BG }]);
            assert.deepStrictEqual(j.weakens, []);
            // Enforced and staying on: the same addition is a weakening, in the preview's refusal and in the PR's judgement.
            emu.store.mutate(() => (policy(MFA_ALL).state = "enabled"));
            const enforced = await p.check(
                {},
                inputs({ policy: MFA_ALL, mode: "on", excludeUsers: BG, excludeGroups: [group.displayName] }),
            );
            assert.match(
                enforced.failures!.map((f) => f.reason).join("\n"),
                /an enforced Microsoft-managed policy no longer applies to breakglass2@contoso\.onmicrosoft\.com \(users newly excluded\)/,
            );
            const resolved = await p.check(
                {},
                inputs({
                    policy: MFA_ALL,
                    mode: "on",
                    excludeUsers: BG,
                    excludeGroups: [group.displayName],
                    confirm: [/"(weakens:managed-policy:[0-9a-f]{8})"/.exec(enforced.failures!.map((f) => f.reason).join("\n"))![1]],
                }),
            );
            assert.deepStrictEqual(resolved.failures, []);
            assert.deepStrictEqual(judged(resolved).weakens, [
                "an enforced Microsoft-managed policy no longer applies to breakglass2@contoso.onmicrosoft.com (users newly excluded)",
            ]);
            emu.store.mutate(() => (policy(MFA_ALL).state = "enabledForReportingButNotEnforced"));
        },
    );

    // P2-5: export keeps the ids of users it cannot look up (e.g. deleted, still referenced); a read that fails is not "no user".
    it(
        "an excluded id the policy already holds is kept without lookup; an unknown user is 404; a failing read is an error, not " +
            "'no user'",
        async () => {
            const gone = "0b5e4c1d-0000-4000-8000-00000000dead";
            emu.store.mutate(() => ((policy(MFA_ALL).conditions as any).users.excludeUsers = [gone, emu.directory().user(BG[0])!.id]));
            const exported = (await exportManagedPolicies(exportContext(clientsAs(emu, APPS.provider), {})))!.find(
                (e) => e.policy === MFA_ALL,
            )!;
            assert.deepStrictEqual([...exported.excludeUsers!].sort(), [gone, BG[0]].sort());
            const kept = await provider().check(
                {},
                inputs({ policy: MFA_ALL, excludeUsers: exported.excludeUsers, excludeGroups: exported.excludeGroups ?? [] }),
            );
            assert.deepStrictEqual(kept.failures, []);
            assert.deepStrictEqual(managedConditionalAccessPolicy.previewChanges!(kept.inputs), []);
            const unknownId = await provider().check(
                {},
                inputs({ policy: MFA_ALL, excludeUsers: [...exported.excludeUsers!, "0b5e4c1d-0000-4000-8000-00000000beef"] }),
            );
            assert.match(
                unknownId.failures!.map((f) => f.reason).join("\n"),
                /excludeUsers: the tenant has no user "0b5e4c1d-0000-4000-8000-00000000beef"/,
            );
            // 503 on every read of that user (beyond an 8 s retry budget): an error of the read, not "the tenant has no user".
            const failing = new SettingProvider(managedConditionalAccessPolicy, { verifyDelayMs: 20 }, () =>
                clientsAs(emu, APPS.provider, { M365_MFA_RETRY_BUDGET_SECONDS: "8" }),
            );
            emu.faults = { batchItems: [{ kind: "503", count: 1000, match: "breakglass2" }] };
            try {
                const r = await failing.check({}, inputs({ policy: MFA_ALL, excludeUsers: [...exported.excludeUsers!, BG[1]] })).then(
                    (x) => x.failures!.map((f) => f.reason).join("\n"),
                    (err) => `threw: ${err?.message ?? err}`,
                );
                assert.doesNotMatch(r, /has no user/, r);
                assert.match(r, /503/, r);
            } finally {
                emu.faults = {};
            }
        },
    );

    it(
        "the reference changing from the policy's display name to its object id (the same policy) is no replacement; another " +
            "policy is",
        async () => {
            const p = provider();
            const byName = await p.check({}, inputs({ policy: MFA_ALL, excludeUsers: BG }));
            const created = await p.create(byName.inputs);
            const byId = await p.check({}, inputs({ policy: policy(MFA_ALL).id, excludeUsers: BG }));
            assert.deepStrictEqual(byId.failures, []);
            assert.deepStrictEqual(await p.diff(created.id, created.outs, byId.inputs), { changes: false });
            const other = await p.check(
                {},
                inputs({ policy: DEVICE_CODE, mode: policy(DEVICE_CODE).state === "enabled" ? "on" : "reportOnly", excludeUsers: BG }),
            );
            assert.deepStrictEqual(other.failures, []);
            const d = await p.diff(created.id, created.outs, other.inputs!);
            assert.deepStrictEqual(d.replaces, ["policyId"]);
        },
    );

    it("switching a managed policy on while the tenant has security defaults on is said at preview (Entra refuses it at up)", async () => {
        emu.store.mutate(() => {
            policy(MFA_ALL).state = "enabledForReportingButNotEnforced";
            emu.defaultTenant().securityDefaults.isEnabled = true;
        });
        try {
            const warned = (
                await warningsOf(async () => void (await provider().check({}, inputs({ policy: MFA_ALL, mode: "on", excludeUsers: BG }))))
            ).join("\n");
            assert.match(
                warned,
                new RegExp(
                    String.raw`"Microsoft-managed: Multifactor authentication for all users"\): security defaults are on in ` +
                        "the tenant, and Entra ID refuses to enable a Conditional Access policy while they are",
                ),
            );
            assert.match(warned, /m365-mfa:baseline\.securityDefaults\.enabled: false/);
        } finally {
            emu.store.mutate(() => (emu.defaultTenant().securityDefaults.isEnabled = false));
        }
    });
});
