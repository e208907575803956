/**
 * Adoption export of per-user MFA through the user list (issue #27): where the tenant serves
 * perUserMfaState on the list and the directory audit log can be read, the export pages the list
 * (one request per 999 users) and reads again through the documented per-user route only the users the
 * log shows changed in the last hour (the list may lag a write); otherwise it falls back, as the preview
 * does, to one $batch item per user. Either way the exported assignments are the tenant's states.
 */
import * as assert from "node:assert";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { PROVIDER_GRAPH_ROLES } from "@m365-mfa/emulator";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { clientsAs, portal } from "../../harness/tenant";
import { exportContext } from "../../providers/framework/exportContext";
import { exportMember } from "./export";
import { forgetAuditSupport, forgetListSupport } from "./listRead";
import { perUserBatchedReads, perUserListPages, setUserListServing } from "../../tests/support/perUserMfaDeclare";

describe("emulator: per-user MFA export through the user list", function () {
    this.timeout(180_000);
    let emu: RunningEmulator;
    const saved = process.env.M365_MFA_PER_USER_READ;
    // The list's states are used only where the directory audit log can be read (directoryaudit-list.md: AuditLog.Read.All and
    // Directory.Read.All).
    const AUDITING_APP = "m365-mfa-exporter-reading-audits";
    const dir = () => emu.directory();
    const tenant = () => emu.defaultTenant();
    const setTenant = (set: Parameters<typeof setUserListServing>[1]) => setUserListServing(emu, set);
    const listPages = () => perUserListPages(emu).length;
    const batchedReads = () => perUserBatchedReads(emu);
    const BREAK_GLASS = "breakglass1@contoso.onmicrosoft.com";
    const run = async (app = AUDITING_APP) => {
        const warnings: string[] = [];
        const value = await exportMember(exportContext(clientsAs(emu, app), { warnings, breakGlassAccounts: [BREAK_GLASS] }));
        return { value, warnings };
    };
    /** What the export must say: every non-break-glass user in enforced or enabled, by state, from the directory itself. */
    const truth = () => {
        const by: Record<"enforced" | "enabled", string[]> = { enforced: [], enabled: [] };
        for (const u of dir().users.values()) {
            const s = u.perUserMfaState;
            if ((s === "enforced" || s === "enabled") && u.userPrincipalName.toLowerCase() !== BREAK_GLASS)
                by[s].push(u.userPrincipalName.toLowerCase());
        }
        const assignments = (["enforced", "enabled"] as const)
            .filter((s) => by[s].length)
            .map((state) => ({ state, users: by[state].sort() }));
        return assignments.length ? { assignments } : undefined;
    };

    useEmulator(
        (e) => (emu = e),
        {},
        async () => {
            // Two pages of the list at $top=999.
            dir().seed(1_200, 31);
            emu.store.addServicePrincipal(tenant().tenantId, AUDITING_APP, { graphRoles: [...PROVIDER_GRAPH_ROLES, "Directory.Read.All"] });
            const members = [...dir().users.values()].filter((u) => u.userType === "Member" && !u.breakGlass);
            members.slice(0, 300).forEach((u) => {
                dir().updateUser(u.id, { perUserMfaState: "enforced" });
            });
            members.slice(300, 420).forEach((u) => {
                dir().updateUser(u.id, { perUserMfaState: "enabled" });
            });
            const bg = [...dir().users.values()].find((u) => u.userPrincipalName.toLowerCase() === BREAK_GLASS)!;
            dir().updateUser(bg.id, { perUserMfaState: "enforced" });
        },
    );
    beforeEach(() => {
        emu.faults = {};
        emu.throttle.options = { enabled: false };
        forgetListSupport();
        forgetAuditSupport();
        delete process.env.M365_MFA_PER_USER_READ;
        setTenant({});
    });
    afterEach(() => {
        if (saved === undefined) delete process.env.M365_MFA_PER_USER_READ;
        else process.env.M365_MFA_PER_USER_READ = saved;
        emu.throttle.options = { enabled: true };
        setTenant({});
    });

    it(
        "reads the states from the list where the tenant serves them: " + "two pages, no per-user read, the tenant's states exactly",
        async () => {
            setTenant({ perUserMfaStateOnUserList: "served" });
            const pages = listPages();
            const reads = batchedReads();
            const { value, warnings } = await run();
            assert.deepStrictEqual(value, truth());
            assert.strictEqual(value!.assignments.find((a) => a.state === "enforced")!.users.length, 300);
            assert.strictEqual(value!.assignments.find((a) => a.state === "enabled")!.users.length, 120);
            assert.strictEqual(listPages() - pages, 2, "1,200 users: two pages of 999");
            assert.strictEqual(batchedReads() - reads, 0, "nobody changed lately: nobody read per user");
            assert.deepStrictEqual(
                warnings.filter((w) => /break-glass/.test(w)),
                [
                    `break-glass account ${BREAK_GLASS} has per-user MFA enforced; it was left out of perUserMfa (the baseline ` +
                        "never changes a break-glass account's per-user MFA), so it stays enforced.",
                ],
            );
        },
    );

    it(
        "while the list lags a portal change: the user the audit log names is read again through the documented route and " +
            "exported as they are now",
        async () => {
            setTenant({ perUserMfaStateOnUserList: "served", perUserMfaListLagMs: 120_000 });
            const moved = [...dir().users.values()].filter((u) => u.perUserMfaState === "enforced" && !u.breakGlass)[7];
            await portal(emu).patch(`/users/${moved.id}/authentication/requirements`, { perUserMfaState: "disabled" }, { version: "beta" });
            const listed = await clientsAs(emu, AUDITING_APP).graph.get("/users?$select=id,userPrincipalName,perUserMfaState&$top=999");
            const shown = (listed.value as { id: string; perUserMfaState: string }[]).find((u) => u.id === moved.id);
            assert.strictEqual(shown?.perUserMfaState, "enforced", "the list still shows the state before the portal's change");
            const reads = batchedReads();
            const { value } = await run();
            assert.deepStrictEqual(value, truth());
            assert.ok(
                !value!.assignments.some((a) => a.users.includes(moved.userPrincipalName.toLowerCase())),
                "exported as it is now: disabled",
            );
            assert.ok(batchedReads() - reads >= 1, "the changed user is read through the documented route");
            assert.ok(batchedReads() - reads < 50, "only the users the audit log names are read per user");
        },
    );

    it(
        "falls back as the preview does: a tenant that refuses the property, an app that cannot read the audit log, or " +
            "M365_MFA_PER_USER_READ=batch read every user per user, with the same result",
        async () => {
            const everyone = dir().users.size;
            // The emulator's default tenant refuses the property on the list (400).
            let reads = batchedReads();
            assert.deepStrictEqual((await run()).value, truth());
            assert.strictEqual(batchedReads() - reads, everyone);

            // The list served, but the least-privilege provider app cannot read the directory audit log.
            forgetListSupport();
            setTenant({ perUserMfaStateOnUserList: "served" });
            let pages = listPages();
            reads = batchedReads();
            assert.deepStrictEqual((await run("m365-mfa-provider")).value, truth());
            assert.strictEqual(listPages() - pages, 0, "the list's states would not be used: not paged");
            assert.strictEqual(batchedReads() - reads, everyone);

            // Forced.
            forgetAuditSupport();
            process.env.M365_MFA_PER_USER_READ = "batch";
            pages = listPages();
            reads = batchedReads();
            assert.deepStrictEqual((await run()).value, truth());
            assert.strictEqual(listPages() - pages, 0);
            assert.strictEqual(batchedReads() - reads, everyone);
        },
    );

    it("M365_MFA_PER_USER_READ=list where the list cannot be used fails, naming the variable", async () => {
        process.env.M365_MFA_PER_USER_READ = "list";
        await assert.rejects(run(), /M365_MFA_PER_USER_READ=list/);
    });
});
