/**
 * The conditional-access preset with only one of the newer policies on (phishing-resistant MFA for
 * administrators, the device code flow block, an adopted Microsoft-managed policy): Entra refuses to
 * enable a Conditional Access policy while security defaults are on, so the preset switches them off,
 * and that switch-off, with neither MFA for all nor the legacy block enforced, is a weakening the
 * security defaults provider names at preview and asks a confirmation for.
 */
import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { presetBaseline } from "../../components/presets";
import { baselineArgsFromConfig } from "../../components/config";
import { securityDefaults } from "../../settings/securityDefaults/setting";
import { WEAKENING_REFUSAL } from "../../providers/framework/setting";

const BG = ["bg1@contoso.com"];
const ONLY_NEW: Record<string, Record<string, unknown>> = {
    phishingResistantAdmins: { phishingResistantAdmins: { mode: "on" } },
    deviceCodeFlow: { deviceCodeFlow: { mode: "on" } },
    managedPolicies: { managedPolicies: [{ policy: "Microsoft-managed: Block device code flow", mode: "on", excludeUsers: BG }] },
};

describe("unit: the conditional-access preset with only a newer policy enforced", () => {
    const created: { name: string; inputs: any }[] = [];
    before(() => {
        pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    created.push({ name: args.name, inputs: args.inputs });
                    return { id: `${args.name}-id`, state: { ...args.inputs, tenantId: "tid" } };
                },
                call: () => ({}),
            },
            "m365-mfa",
            "unit",
            true,
        );
    });

    for (const [member, explicit] of Object.entries(ONLY_NEW)) {
        it(`${member} on: the preset switches security defaults off (Entra refuses the policy beside them)`, () => {
            assert.deepStrictEqual(presetBaseline("conditional-access", undefined, explicit).securityDefaults, { enabled: false });
            const args = baselineArgsFromConfig({ preset: "conditional-access", breakGlassAccounts: BG, ...explicit });
            assert.deepStrictEqual(args.securityDefaults, { enabled: false });
        });
    }

    it("report-only only: the preset keeps the tenant's security defaults (no key)", () => {
        assert.strictEqual(
            presetBaseline("conditional-access", undefined, {
                managedPolicies: [{ policy: "Microsoft-managed: Block device code flow", mode: "reportOnly" }],
            }).securityDefaults,
            undefined,
        );
        assert.strictEqual(presetBaseline("conditional-access").securityDefaults, undefined);
    });

    it(
        "the switch-off is a weakening, named at preview and refused without its confirmation (MFA for all and the legacy block " +
            "are only report-only)",
        async () => {
            const { TenantMfaBaseline } = await import("../../components/TenantMfaBaseline");
            const args = baselineArgsFromConfig({ preset: "conditional-access", breakGlassAccounts: BG, deviceCodeFlow: { mode: "on" } });
            new TenantMfaBaseline("only-new", args);
            await new Promise((r) => setTimeout(r, 50));
            const sd = created.find((c) => c.name === "only-new-security-defaults");
            assert.ok(sd, "security defaults are managed");
            assert.strictEqual(sd!.inputs.isEnabled, false);
            assert.deepStrictEqual(sd!.inputs.replacement, { requiresMfa: false, blocksLegacy: false });
            // The provider, on a tenant that has them on: refused, naming what is lost.
            const clients: any = {
                graph: {
                    get: async () => ({ id: "00000000-0000-0000-0000-000000000005", isEnabled: true, displayName: "Security Defaults" }),
                },
            };
            const { desired } = securityDefaults.validate({ isEnabled: false, replacement: sd!.inputs.replacement });
            const prepared = await securityDefaults.prepare!(clients, desired!);
            assert.strictEqual(prepared.failures.length, 1);
            assert.ok(prepared.failures[0].reason.startsWith(WEAKENING_REFUSAL), prepared.failures[0].reason);
            assert.match(prepared.failures[0].reason, /no MFA is required any more .* and legacy authentication is no longer blocked/);
        },
    );
});
