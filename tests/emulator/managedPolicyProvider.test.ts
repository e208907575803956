/**
 * The Microsoft-managed Conditional Access policy provider (settings/managedPolicies) against the
 * emulator: it finds the policy by display name or id, PATCHes only state and exclusions (what
 * managed-policies.md lets an admin change), asks for the confirmation of switching it on, refuses an
 * enforced blocking policy that leaves a break-glass account out, names a weakening from the tenant at
 * preview, and a refresh reads drift.
 */
import * as assert from "assert";
import type { RunningEmulator } from "../../emulator/server";
import { useEmulator } from "../support/emulatorSuite";
import { APPS, ConditionalAccessPolicyState } from "../../emulator/store";
import { clientsAs } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { seedManagedPolicies } from "../../emulator/graph/conditionalAccess";
import { managedConditionalAccessPolicy, managedPolicyOnConfirmation } from "../../settings/managedPolicies/setting";

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
            c.graph.patch = ((path: string, body: unknown, req?: any) => (sentBodies.push(body), patch(path, body, req))) as typeof c.graph.patch;
            return c;
        });
    const policy = (name: string) => emu.defaultTenant().conditionalAccessPolicies.find((p) => p.displayName === name)!;
    const bgIds = () => BG.map((u) => emu.directory().user(u)!.id.toLowerCase()).sort();
    const inputs = (o: Record<string, unknown>) => ({ policy: DEVICE_CODE, mode: "reportOnly", excludeUsers: [], excludeGroups: [], breakGlassAccounts: BG, configKey: "m365-mfa:baseline.managedPolicies[0]", ...o });

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
        assert.match(text, /m365-mfa:baseline\.managedPolicies\[0\] \("Microsoft-managed: Block device code flow"\) blocks sign-ins and would be enforced excluding the break-glass accounts breakglass1@contoso\.onmicrosoft\.com, breakglass2@contoso\.onmicrosoft\.com/);
        assert.match(text, /add .* to m365-mfa:baseline\.managedPolicies\[0\]\.excludeUsers/i);
    });

    it("switching it on asks for a confirmation bound to the policy and its exclusions; with it, only state and excludeUsers are PATCHed", async () => {
        // Its report-only run: one user's device code sign-in would have been blocked (the evidence before "on").
        const someone = [...emu.directory().users.values()].find((u) => !u.breakGlass && u.userType === "Member")!.userPrincipalName.toLowerCase();
        const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
        emu.store.mutate(() => {
            emu.defaultTenant().recordedSignIns = [
                { id: "6a0e0a53-0000-4000-8000-000000000001", createdDateTime: at(3), userPrincipalName: someone, appDisplayName: "Microsoft Azure CLI", clientAppUsed: "Mobile Apps and Desktop clients", appliedConditionalAccessPolicies: [{ id: policy(DEVICE_CODE).id, displayName: DEVICE_CODE, result: "reportOnlyFailure", enforcedGrantControls: ["Block"], enforcedSessionControls: [] }] },
            ];
        });
        const p = provider();
        const refused = await p.check({}, inputs({ mode: "on", excludeUsers: BG }));
        const token = managedPolicyOnConfirmation(policy(DEVICE_CODE).id, "enabledForReportingButNotEnforced", bgIds());
        const text = refused.failures!.map((f) => f.reason).join("\n");
        assert.ok(text.includes(`add "${token}" to m365-mfa:baseline.guards.confirm`), text);
        assert.match(text, /enforces a block \(deviceCodeFlow\) for all users, excluding breakglass1@contoso\.onmicrosoft\.com, breakglass2@contoso\.onmicrosoft\.com/);
        assert.match(text, new RegExp(`Report-only results of the last 30 days: 1 user would have been blocked or interrupted:\\n  - ${someone.replace(/\./g, "\\.")}: 1 sign-in reportOnlyFailure, app Microsoft Azure CLI`));
        const blocked = await p.check({}, inputs({ mode: "on", excludeUsers: BG, confirm: [token], readiness: { mode: "block" } }));
        assert.match(blocked.failures!.map((f) => f.reason).join("\n"), /Fix them first, or accept them in m365-mfa:baseline\.readiness\.acceptedUsers/);
        assert.strictEqual(policy(DEVICE_CODE).state, "enabledForReportingButNotEnforced");

        const ok = await p.check({}, inputs({ mode: "on", excludeUsers: BG, confirm: [token] }));
        assert.deepStrictEqual(ok.failures, []);
        sentBodies = [];
        await p.update("id", {}, ok.inputs);
        assert.deepStrictEqual(sentBodies, [{ state: "enabled", conditions: { users: { excludeUsers: bgIds() } } }]);
        assert.strictEqual(policy(DEVICE_CODE).state, "enabled");
        assert.deepStrictEqual([...(policy(DEVICE_CODE).conditions as any).users.excludeUsers].map((x: string) => x.toLowerCase()).sort(), bgIds());
        assert.deepStrictEqual((policy(DEVICE_CODE).conditions as any).authenticationFlows, { transferMethods: "deviceCodeFlow" }, "the rest of the policy is Microsoft's, untouched");
    });

    it("an enforced policy going back to report-only, or excluding more, is a weakening named from the tenant at preview", async () => {
        const p = provider();
        const back = await p.check({}, inputs({ mode: "reportOnly", excludeUsers: BG }));
        const t1 = back.failures!.map((f) => f.reason).join("\n");
        assert.match(t1, /this plan WEAKENS security \(the tenant as read now\): a Microsoft-managed policy goes back from enforced to report-only/);
        assert.match(t1, /add "weakens:managed-policy:[0-9a-f]{8}"/);
        const someone = [...emu.directory().users.values()].find((u) => !u.breakGlass && u.userType === "Member")!.userPrincipalName.toLowerCase();
        const more = await p.check({}, inputs({ mode: "on", excludeUsers: [...BG, someone] }));
        assert.match(more.failures!.map((f) => f.reason).join("\n"), new RegExp(`an enforced Microsoft-managed policy no longer applies to ${someone.replace(/\./g, "\\.")} \\(users newly excluded\\)`));
    });

    it("by object id too; a policy of the tenant's own is refused as not managed; an unknown user in excludeUsers names the key", async () => {
        const mfa = seeded.find((x) => x.displayName === MFA_ALL)!;
        const byId = await provider().check({}, inputs({ policy: mfa.id, excludeUsers: BG }));
        assert.deepStrictEqual(byId.failures, []);
        const nope = await provider().check({}, inputs({ policy: "My own policy" }));
        assert.match(nope.failures!.map((f) => f.reason).join("\n"), /is not the display name of a Microsoft-managed policy/);
        const unknown = await provider().check({}, inputs({ excludeUsers: ["nobody@contoso.onmicrosoft.com"] }));
        assert.match(unknown.failures!.map((f) => f.reason).join("\n"), /m365-mfa:baseline\.managedPolicies\[0\]\.excludeUsers: the tenant has no user "nobody@contoso\.onmicrosoft\.com"/);
    });

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
});
