/**
 * Export (adoption) of issue 24's members against the emulator: a phishing-resistant MFA policy for
 * the administrators (a built-in strength, the default roles or others) and a device code flow block
 * (with authentication transfer) are adopted with what makes the first up write nothing; a policy
 * granting a custom strength is left out, named with why.
 */
import * as assert from "node:assert";
import { exportBaseline } from "../../adoption/export";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";
import { PRIVILEGED_ROLES } from "../../settings/conditionalAccess/resource";
import { useEmulator } from "../support/emulatorSuite";

const POLICIES = "/identity/conditionalAccess/policies";
const BG = ["breakglass1@contoso.onmicrosoft.com", "breakglass2@contoso.onmicrosoft.com"];

describe("emulator: export of phishing-resistant MFA for admins and the device code flow block", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    useEmulator((e) => (emu = e));
    const portal = () => clientsAs(emu, APPS.portal);
    const ids = () => BG.map((u) => emu.directory().user(u)!.id);
    const created: Record<string, string> = {};

    before(async () => {
        await portal().graph.patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
        const [a, b] = ids();
        const make = async (key: string, body: unknown) => (created[key] = (await portal().graph.post(POLICIES, body)).id);
        await make("admins", {
            displayName: "Admins: phishing-resistant",
            state: "enabledForReportingButNotEnforced",
            conditions: {
                clientAppTypes: ["all"],
                applications: { includeApplications: ["All"] },
                users: { includeRoles: Object.values(PRIVILEGED_ROLES), excludeUsers: [a, b] },
            },
            grantControls: { operator: "OR", authenticationStrength: { id: "00000000-0000-0000-0000-000000000004" } },
        });
        await make("deviceCode", {
            displayName: "No device code",
            state: "enabled",
            conditions: {
                clientAppTypes: ["all"],
                applications: { includeApplications: ["All"] },
                users: { includeUsers: ["All"], excludeUsers: [a, b] },
                authenticationFlows: { transferMethods: "deviceCodeFlow,authenticationTransfer" },
            },
            grantControls: { operator: "OR", builtInControls: ["block"] },
        });
        const custom = await portal().graph.post("/policies/authenticationStrengthPolicies", {
            displayName: "Keys only",
            allowedCombinations: ["fido2"],
        });
        await make("customStrength", {
            displayName: "Global admins: keys only",
            state: "disabled",
            conditions: {
                clientAppTypes: ["all"],
                applications: { includeApplications: ["All"] },
                users: { includeRoles: [PRIVILEGED_ROLES["Global Administrator"]], excludeUsers: [a, b] },
            },
            grantControls: { operator: "OR", authenticationStrength: { id: custom.id } },
        });
    });

    it("adopts both with mode, name, id and their own parts; a custom strength's policy is left out, named with why", async () => {
        const warnings: string[] = [];
        const baseline = await exportBaseline(clientsAs(emu, APPS.provider), {
            include: ["phishingResistantAdmins", "deviceCodeFlow"],
            warnings,
        });
        assert.deepStrictEqual(baseline, {
            breakGlassAccounts: BG,
            phishingResistantAdmins: { mode: "reportOnly", displayName: "Admins: phishing-resistant", adoptPolicyId: created.admins },
            deviceCodeFlow: { mode: "on", displayName: "No device code", adoptPolicyId: created.deviceCode, authenticationTransfer: true },
        });
        const about = warnings.filter((w) => w.includes(created.customStrength)).join("\n");
        assert.match(about, /not adopted as phishingResistantAdmins.*authentication strength "Keys only" is a custom one/);
    });
});
