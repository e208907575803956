/**
 * What the baseline's Conditional Access enforces, summed from each member's own `enforces` (issue 23:
 * security defaults no longer name the Conditional Access or managed-policy members): any enforced
 * policy (Entra then refuses security defaults), and whether together they require MFA of every user and
 * block legacy authentication (else switching security defaults off is a weakening). The component hands
 * the sum to security defaults as their replacement.
 */
import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { baselineArgsFromConfig } from "../../components/config";
import { type AnyMember, enforcedBy } from "../../providers/framework/member";
import { MEMBERS, MEMBER_KEYS } from "../../settings/members";

const BG = ["bg1@contoso.com"];
const members = MEMBER_KEYS.map((k) => MEMBERS[k] as AnyMember);
const enforcedIn = (values: Record<string, unknown>) => enforcedBy(members, (m) => values[m.key]);

describe("unit: the Conditional Access a baseline enforces (each member's enforces, summed)", () => {
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

    it("only members in mode on enforce; MFA for all and the legacy block say what they replace", () => {
        assert.deepStrictEqual(enforcedIn({}), { any: false, requiresMfa: false, blocksLegacy: false });
        assert.deepStrictEqual(enforcedIn({ conditionalAccessMfa: { mode: "reportOnly" }, legacyAuthentication: { mode: "off" } }), {
            any: false,
            requiresMfa: false,
            blocksLegacy: false,
        });
        assert.deepStrictEqual(enforcedIn({ conditionalAccessMfa: { mode: "on" } }), { any: true, requiresMfa: true, blocksLegacy: false });
        assert.deepStrictEqual(enforcedIn({ legacyAuthentication: { mode: "on" } }), { any: true, requiresMfa: false, blocksLegacy: true });
        for (const k of ["phishingResistantAdmins", "deviceCodeFlow"]) {
            assert.deepStrictEqual(enforcedIn({ [k]: { mode: "on" } }), { any: true, requiresMfa: false, blocksLegacy: false }, k);
        }
        assert.deepStrictEqual(enforcedIn({ managedPolicies: [{ policy: "Microsoft-managed: Block device code flow", mode: "on" }] }), {
            any: true,
            requiresMfa: false,
            blocksLegacy: false,
        });
        assert.strictEqual(
            enforcedIn({ managedPolicies: [{ policy: "Microsoft-managed: Block device code flow", mode: "reportOnly" }] }).any,
            false,
        );
        // Members with no Conditional Access say nothing.
        assert.deepStrictEqual(
            members.filter((m) => m.enforces).map((m) => m.key),
            ["legacyAuthentication", "conditionalAccessMfa", "phishingResistantAdmins", "deviceCodeFlow", "managedPolicies"],
        );
    });

    it("the component gives security defaults the sum as their replacement (migration stage 2: both enforced)", async () => {
        const { TenantMfaBaseline } = await import("../../components/TenantMfaBaseline");
        new TenantMfaBaseline(
            "stage2",
            baselineArgsFromConfig({ preset: "per-user-mfa-to-conditional-access", migrationStage: 2, breakGlassAccounts: BG }),
        );
        new TenantMfaBaseline(
            "mfa-only",
            baselineArgsFromConfig({ securityDefaults: { enabled: false }, conditionalAccessMfa: { mode: "on" }, breakGlassAccounts: BG }),
        );
        await new Promise((r) => setTimeout(r, 50));
        const sd = (name: string) => created.find((c) => c.name === `${name}-security-defaults`)?.inputs;
        assert.strictEqual(sd("stage2")?.isEnabled, false);
        assert.deepStrictEqual(sd("stage2")?.replacement, { requiresMfa: true, blocksLegacy: true });
        assert.deepStrictEqual(sd("mfa-only")?.replacement, { requiresMfa: true, blocksLegacy: false });
    });
});
