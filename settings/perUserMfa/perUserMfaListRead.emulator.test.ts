/**
 * Per-user MFA read from the user list (issue #27): the list (`/users?$select=id,userPrincipalName,
 * perUserMfaState&$top=999`) where the tenant serves the property, the documented per-user route through
 * $batch where it does not (said once), M365_MFA_PER_USER_READ forcing either path, verification through
 * the documented route while the list lags the writes, and no drift from a lagging list.
 */
import * as assert from "node:assert";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { PROVIDER_GRAPH_ROLES } from "@m365-mfa/emulator";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { declarePerUserMfa, perUserBatchedReads, perUserListPages, setUserListServing } from "../../tests/support/perUserMfaDeclare";
import { warningsOf } from "../../tests/support/warnings";
import { clientsAs, portal } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { perUserMfa } from "./setting";
import { forgetAuditSupport, forgetListSupport, listUsers } from "./listRead";

describe("emulator: per-user MFA read from the user list", function () {
    this.timeout(180_000);
    let emu: RunningEmulator;
    const saved = process.env.M365_MFA_PER_USER_READ;
    // The list's states are used only where the directory audit log can be read (the changes within the list's lag):
    // the provider's permissions plus AuditLog.Read.All's companion Directory.Read.All (directoryaudit-list.md: both).
    const AUDITING_APP = "m365-mfa-provider-reading-audits";
    const provider = (app = AUDITING_APP) => new SettingProvider(perUserMfa, { verifyDelayMs: 20 }, () => clientsAs(emu, app));
    const dir = () => emu.directory();
    const tenant = () => emu.defaultTenant();
    const setTenant = (set: Parameters<typeof setUserListServing>[1]) => setUserListServing(emu, set);
    const listPages = () => perUserListPages(emu);
    const batchedReads = () => perUserBatchedReads(emu);

    useEmulator(
        (e) => (emu = e),
        {},
        async () => {
            // Two pages of the list at $top=999.
            dir().seed(1_200, 27);
            emu.store.addServicePrincipal(tenant().tenantId, AUDITING_APP, { graphRoles: [...PROVIDER_GRAPH_ROLES, "Directory.Read.All"] });
        },
    );
    beforeEach(() => {
        emu.faults = {};
        emu.throttle.options = { enabled: false };
        forgetListSupport();
        forgetAuditSupport();
        delete process.env.M365_MFA_PER_USER_READ;
        setTenant({});
        // Every member back to disabled, as seeded.
        for (const u of dir().users.values()) if (u.perUserMfaState !== "disabled") dir().updateUser(u.id, { perUserMfaState: "disabled" });
    });
    afterEach(() => {
        if (saved === undefined) delete process.env.M365_MFA_PER_USER_READ;
        else process.env.M365_MFA_PER_USER_READ = saved;
        emu.throttle.options = { enabled: true };
        setTenant({});
    });

    /** `n` members (not break-glass) from `from`, to `state`; the first `already` of them have it already. */
    const declare = (n: number, state: "enabled" | "enforced", already = 0, from = 0) => declarePerUserMfa(emu, n, state, already, from);

    it(
        "reads the states from the list where the tenant serves them: two pages, and per-user reads only for the users the list " +
            "shows in another state",
        async () => {
            setTenant({ perUserMfaStateOnUserList: "served" });
            const { members, changing, inputs } = declare(150, "enforced", 100);
            let pages = listPages().length;
            let reads = batchedReads();
            const warnings = await warningsOf(async () => {
                const checked = await provider().check({}, inputs);
                assert.deepStrictEqual(checked.failures, []);
                assert.deepStrictEqual(checked.inputs.planned, { "disabled -> enforced": changing });
            });
            assert.deepStrictEqual(warnings, []);
            assert.strictEqual(listPages().length - pages, 2, "1,200 users: two pages of 999");
            assert.strictEqual(batchedReads() - reads, changing, "only the users who change are read again through the documented route");
            assert.ok(
                listPages()
                    .slice(-2)
                    .every((r) => r.status === 200),
            );

            // Nothing to change: the list alone, no per-user read at all.
            for (const u of members) dir().updateUser(u.id, { perUserMfaState: "enforced" });
            const none = declare(150, "enforced");
            pages = listPages().length;
            reads = batchedReads();
            const checked = await provider().check({}, { ...none.inputs, guards: {} });
            assert.deepStrictEqual(checked.failures, []);
            assert.deepStrictEqual(checked.inputs.planned, {});
            assert.strictEqual(listPages().length - pages, 2);
            assert.strictEqual(batchedReads() - reads, 0);
        },
    );

    it("a tenant that refuses the property: per-user reads for the whole run, said once, states right", async () => {
        // The emulator's default: Graph's metadata has no perUserMfaState on user (400 on $select).
        const { changing, inputs } = declare(60, "enabled", 20);
        const p = provider();
        let reads = batchedReads();
        const pages = listPages().length;
        const warnings = await warningsOf(async () => {
            const first = await p.check({}, inputs);
            assert.deepStrictEqual(first.failures, []);
            assert.deepStrictEqual(first.inputs.planned, { "disabled -> enabled": changing });
            const second = await provider().check({}, inputs);
            assert.deepStrictEqual(second.inputs.planned, { "disabled -> enabled": changing });
        });
        assert.strictEqual(listPages().length - pages, 1, "the list is tried once in the run");
        assert.strictEqual(listPages().slice(-1)[0].status, 400);
        assert.strictEqual(batchedReads() - reads, 120, "both checks read every target through $batch");
        assert.strictEqual(warnings.length, 1, warnings.join("\n"));
        assert.match(
            warnings[0],
            new RegExp(
                String.raw`^warning: Per-user MFA: the tenant's user list does not serve perUserMfaState \(the first page ` +
                    String.raw`answered 400 Request_BadRequest\); reading each user's state through \$batch`,
            ),
        );
        assert.match(warnings[0], /M365_MFA_PER_USER_READ=batch skips the list/);

        // A tenant that accepts the $select and leaves the property out: the same fallback.
        forgetListSupport();
        setTenant({ perUserMfaStateOnUserList: "ignored" });
        reads = batchedReads();
        const ignored = await warningsOf(async () => {
            const checked = await provider().check({}, inputs);
            assert.deepStrictEqual(checked.inputs.planned, { "disabled -> enabled": changing });
        });
        assert.strictEqual(ignored.length, 1);
        assert.match(ignored[0], /does not serve perUserMfaState \(page 1 lists \S+ without it\)/);
        assert.strictEqual(batchedReads() - reads, 60);
    });

    it("a value outside the documented states on the list: falls back and says which", async () => {
        setTenant({ perUserMfaStateOnUserList: "unknownFutureValue" });
        // 60 users: 3 batches against the list's 2 pages, so auto tries the list.
        const { changing, inputs } = declare(60, "enforced", 10);
        const reads = batchedReads();
        const warnings = await warningsOf(async () => {
            const checked = await provider().check({}, inputs);
            assert.deepStrictEqual(checked.failures, []);
            assert.deepStrictEqual(checked.inputs.planned, { "disabled -> enforced": changing });
        });
        assert.strictEqual(warnings.length, 1);
        assert.match(warnings[0], /gives \S+ "unknownFutureValue", not one of the documented states disabled, enabled, enforced\)/);
        assert.strictEqual(batchedReads() - reads, 60);
    });

    it(
        "M365_MFA_PER_USER_READ forces a path; list on a tenant without the property fails naming the variable; a bad value is " +
            "refused",
        async () => {
            setTenant({ perUserMfaStateOnUserList: "served" });
            const { inputs } = declare(50, "enforced");
            process.env.M365_MFA_PER_USER_READ = "batch";
            let pages = listPages().length;
            let reads = batchedReads();
            assert.deepStrictEqual((await provider().check({}, inputs)).failures, []);
            assert.strictEqual(listPages().length - pages, 0, "batch never reads the list");
            assert.strictEqual(batchedReads() - reads, 50);

            // list: the list even for a handful of users (auto would take one $batch for them).
            process.env.M365_MFA_PER_USER_READ = "list";
            const few = declare(3, "enforced", 0, 100);
            pages = listPages().length;
            reads = batchedReads();
            assert.deepStrictEqual((await provider().check({}, { ...few.inputs, guards: {} })).failures, []);
            assert.strictEqual(listPages().length - pages, 2);
            assert.strictEqual(batchedReads() - reads, 3, "the three who change are read again through the documented route");

            setTenant({ perUserMfaStateOnUserList: "refused" });
            await assert.rejects(
                provider().check({}, inputs),
                new RegExp(
                    String.raw`M365_MFA_PER_USER_READ=list, but the tenant's user list does not serve perUserMfaState \(the ` +
                        String.raw`first page answered 400 Request_BadRequest\)\. Set M365_MFA_PER_USER_READ=auto`,
                ),
            );

            process.env.M365_MFA_PER_USER_READ = "fast";
            await assert.rejects(
                provider().check({}, inputs),
                /M365_MFA_PER_USER_READ="fast" is not a per-user MFA read path: use auto .*, list .* or batch/,
            );
        },
    );

    it("under the fault benchmark's mix (429, 503, dropped connections) both paths read the right states", async () => {
        setTenant({ perUserMfaStateOnUserList: "served" });
        const { members, changing, inputs } = declare(400, "enforced", 150);
        for (const mode of ["auto", "batch"]) {
            forgetListSupport();
            process.env.M365_MFA_PER_USER_READ = mode;
            const from = emu.requests.length;
            // bench/faults.ts "issue12" rates, Retry-After 0 s to keep the test short; a fixed seed replays the same faults.
            emu.faults = { rate429: 0.3, rate5xx: 0.1, dropRate: 0.05, retryAfterSeconds: 0, seed: 2701 };
            try {
                const checked = await provider().check({}, inputs);
                assert.deepStrictEqual(checked.failures, []);
                assert.deepStrictEqual(checked.inputs.planned, { "disabled -> enforced": changing }, mode);
                assert.strictEqual(
                    Object.values(checked.inputs.targetCounts as object).reduce((n, c) => n + c, 0),
                    members.length,
                );
            } finally {
                emu.faults = {};
            }
            const log = emu.requests.slice(from);
            const faulted = log.filter((r) => r.status === 429 || r.status === 503 || r.status === "dropped").length;
            assert.ok(faulted > 10, `${mode}: ${faulted} faulted answers`);
            const pages = log.filter(
                (r) =>
                    !r.batched && r.path === "/v1.0/users" && /perUserMfaState/.test(decodeURIComponent(r.query ?? "")) && r.status === 200,
            ).length;
            assert.strictEqual(pages, mode === "auto" ? 2 : 0, `${mode}: list pages answered`);
        }
    });

    it(
        "while the list lags the writes: verification reads the written users through the documented route, and a refresh right " +
            "after shows no drift",
        async () => {
            setTenant({ perUserMfaStateOnUserList: "served", perUserMfaListLagMs: 120_000 });
            const { members, changing, inputs } = declare(300, "enforced", 50);
            const p = provider();
            const checked = await p.check({}, inputs);
            assert.deepStrictEqual(checked.failures, []);
            const reads = batchedReads();
            const created = await p.create(checked.inputs);
            for (const u of members) assert.strictEqual(dir().user(u.id)!.perUserMfaState, "enforced");
            assert.strictEqual(batchedReads() - reads, changing, "verification read back exactly the users written, per user");

            // The list still shows the written users as they were.
            const listed = await clientsAs(emu).graph.get("/users?$select=id,userPrincipalName,perUserMfaState&$top=999");
            const lagging = (listed.value as { id: string; perUserMfaState: string }[]).filter(
                (u) => members.some((m) => m.id === u.id) && u.perUserMfaState === "disabled",
            );
            assert.ok(lagging.length > 0, "the list lags the writes");

            // A refresh now: the list says "disabled" for the written users; each is read again through the documented route, so no drift.
            const before = batchedReads();
            const pages = listPages().length;
            const refreshed = await p.read(created.id, created.outs);
            assert.strictEqual(listPages().length - pages, 2);
            assert.strictEqual(batchedReads() - before, changing, "the users the list shows in another state are read again");
            assert.deepStrictEqual((refreshed.props as any).observed, {});
            assert.strictEqual((refreshed.props as any).targetsDigest, checked.inputs.targetsDigest, "the same targets");
            // The engine's order: refresh, check (taking the refresh's reads), diff.
            const next = await p.check(refreshed.inputs, inputs);
            assert.deepStrictEqual(next.inputs.plannedTo, {});
            assert.deepStrictEqual(await p.diff(created.id, refreshed.props, next.inputs), { changes: false });

            // Drift the portal makes is still seen (the documented route confirms what the list shows).
            const drifted = members[0];
            setTenant({ perUserMfaStateOnUserList: "served" });
            await portal(emu).patch(
                `/users/${drifted.id}/authentication/requirements`,
                { perUserMfaState: "disabled" },
                { version: "beta" },
            );
            const again = await p.read(created.id, created.outs);
            assert.deepStrictEqual((again.props as any).observed, { [drifted.userPrincipalName.toLowerCase()]: "disabled" });
            const repair = await p.check(again.inputs, inputs);
            assert.deepStrictEqual(repair.inputs.plannedFrom, { [drifted.userPrincipalName.toLowerCase()]: "disabled" });
            assert.deepStrictEqual(await p.diff(created.id, again.props, repair.inputs), { changes: true });
        },
    );
    it(
        "a portal change AWAY from the target within the list's lag: refresh and preview find it (the directory audit log names " +
            "the user; only that user is read again)",
        async () => {
            setTenant({ perUserMfaStateOnUserList: "served", perUserMfaListLagMs: 120_000 });
            const { members, inputs } = declare(100, "enforced", 100, 600);
            const p = provider();
            const checked = await p.check({}, { ...inputs, guards: {} });
            assert.deepStrictEqual(checked.failures, []);
            assert.deepStrictEqual(checked.inputs.planned, {});
            const created = await p.create(checked.inputs);
            const drifted = members[3];
            await portal(emu).patch(
                `/users/${drifted.id}/authentication/requirements`,
                { perUserMfaState: "disabled" },
                { version: "beta" },
            );
            const listed = await clientsAs(emu, AUDITING_APP).graph.get("/users?$select=id,userPrincipalName,perUserMfaState&$top=999");
            assert.strictEqual(
                (listed.value as { id: string; perUserMfaState: string }[]).find((u) => u.id === drifted.id)?.perUserMfaState,
                "enforced",
                "the list still shows the old state",
            );

            const pages = listPages().length;
            const reads = batchedReads();
            const warnings = await warningsOf(async () => {
                const again = await p.read(created.id, created.outs);
                assert.deepStrictEqual(
                    (again.props as any).observed,
                    { [drifted.userPrincipalName.toLowerCase()]: "disabled" },
                    "refresh sees the user moved away",
                );
                // A preview on its own (another provider: nothing read earlier in this operation).
                const preview = await provider().check({}, { ...inputs, guards: {} });
                assert.deepStrictEqual(preview.failures, []);
                assert.deepStrictEqual(preview.inputs.planned, { "disabled -> enforced": 1 }, "preview plans to restore them");
            });
            assert.deepStrictEqual(warnings, []);
            assert.strictEqual(listPages().length - pages, 4, "refresh and preview still read the list (two pages each)");
            assert.strictEqual(batchedReads() - reads, 2, "only the user the audit log names is read again, once per read");
        },
    );

    it(
        "where the directory audit log cannot be read (no Directory.Read.All): the list's states are not used, said once, and " +
            "the change away from the target is still found",
        async () => {
            setTenant({ perUserMfaStateOnUserList: "served", perUserMfaListLagMs: 120_000 });
            const { members, inputs } = declare(100, "enforced", 100, 800);
            const p = provider("m365-mfa-provider");
            let pages = 0;
            let reads = 0;
            const warnings = await warningsOf(async () => {
                const created = await p.create((await p.check({}, { ...inputs, guards: {} })).inputs);
                const drifted = members[5];
                await portal(emu).patch(
                    `/users/${drifted.id}/authentication/requirements`,
                    { perUserMfaState: "disabled" },
                    { version: "beta" },
                );
                pages = listPages().length;
                reads = batchedReads();
                const again = await p.read(created.id, created.outs);
                assert.deepStrictEqual((again.props as any).observed, { [drifted.userPrincipalName.toLowerCase()]: "disabled" });
                const preview = await provider("m365-mfa-provider").check({}, { ...inputs, guards: {} });
                assert.deepStrictEqual(preview.inputs.planned, { "disabled -> enforced": 1 });
            });
            assert.strictEqual(
                warnings.filter((w) => /could not be found .*AuditLog\.Read\.All and Directory\.Read\.All/.test(w)).length,
                1,
                warnings.join("\n"),
            );
            assert.strictEqual(listPages().length - pages, 0, "the list is not read for states it cannot check");
            assert.strictEqual(batchedReads() - reads, 200, "every user through the documented route, in refresh and in preview");

            // Forcing the list then fails, naming the variable and the permissions.
            process.env.M365_MFA_PER_USER_READ = "list";
            await assert.rejects(
                provider("m365-mfa-provider").check({}, { ...inputs, guards: {} }),
                /M365_MFA_PER_USER_READ=list, but the directory audit log cannot be read.*AuditLog\.Read\.All and Directory\.Read\.All/,
            );
        },
    );
    it(
        "auto weighs the users read against the tenant's size: 30 of 1,200 users take two $batch requests, not the list's two " +
            "pages; 150 take the list; the tenant is counted once",
        async () => {
            setTenant({ perUserMfaStateOnUserList: "served" });
            const counts = () => emu.requests.filter((r) => !r.batched && r.method === "GET" && r.path === "/v1.0/users/$count").length;
            const few = declare(30, "enforced", 10, 900);
            let [pages, reads, counted] = [listPages().length, batchedReads(), counts()];
            const checked = await provider().check({}, few.inputs);
            assert.deepStrictEqual(checked.failures, []);
            assert.deepStrictEqual(checked.inputs.planned, { "disabled -> enforced": few.changing });
            assert.strictEqual(
                listPages().length - pages,
                0,
                "ceil(1,200/999) = 2 pages is not fewer than ceil(30/20) = 2 batches: no list",
            );
            assert.strictEqual(batchedReads() - reads, 30);
            assert.strictEqual(counts() - counted, 1, "the tenant's users counted once");

            const many = declare(150, "enforced", 0, 900);
            [pages, reads, counted] = [listPages().length, batchedReads(), counts()];
            const again = await provider().check({}, many.inputs);
            assert.deepStrictEqual(again.failures, []);
            assert.strictEqual(listPages().length - pages, 2, "2 pages against 8 batches: the list");
            assert.strictEqual(counts() - counted, 0, "the count is not read again in this run");
        },
    );
    it("a 403 on the list's first page is said to be a missing permission, naming it, not a list without the property", async () => {
        setTenant({ perUserMfaStateOnUserList: "served" });
        emu.store.addServicePrincipal(tenant().tenantId, "no-user-read", { graphRoles: ["Policy.Read.All"] });
        await assert.rejects(
            listUsers(clientsAs(emu, "no-user-read"), { withStates: true, upnsAnyway: false, mode: "list" }),
            (err: Error) => {
                assert.match(
                    err.message,
                    new RegExp(
                        "M365_MFA_PER_USER_READ=list, but the app may not read perUserMfaState from the user list " +
                            String.raw`\(the first page answered 403 \S+: .*grant User\.Read\.All`,
                    ),
                );
                assert.doesNotMatch(err.message, /does not serve/);
                return true;
            },
        );
    });
});
