import type { BaselineMember } from "../../providers/framework/member";
import { bool, obj } from "../../providers/framework/validation";
import { exportMember } from "./export";
import { SecurityDefaults } from "./resource";
import { securityDefaults } from "./setting";

/** `m365-mfa:baseline.securityDefaults` */
export interface SecurityDefaultsSettings {
    /** true: Microsoft's security defaults are on (MFA registration and prompts for everyone, legacy authentication blocked). */
    enabled: boolean;
}

export const securityDefaultsMember: BaselineMember<SecurityDefaultsSettings, SecurityDefaults> = {
    key: "securityDefaults",
    title: securityDefaults.title,
    settings: [securityDefaults],
    exportMember,
    schema: obj({ enabled: bool }, { required: ["enabled"], hint: "like { enabled: true }" }),
    parse: (raw) => ({ enabled: raw.enabled }),
    build: (args, ctx) => {
        // What this baseline's Conditional Access enforces once applied (every member's `enforces`): switching
        // security defaults off without both is a weakening, which the provider judges from the tenant at preview.
        const replacement = { requiresMfa: ctx.enforced.requiresMfa, blocksLegacy: ctx.enforced.blocksLegacy };
        const confirm = ctx.wide.guards?.confirm;
        return new SecurityDefaults(
            `${ctx.name}-security-defaults`,
            { isEnabled: args.enabled, replacement, ...(confirm ? { confirm } : {}) },
            { parent: ctx.parent },
        );
    },
    // Small tenants without Entra ID P1 take security defaults. Conditional Access needs them off, but
    // only once a Conditional Access policy is enforced: until then the tenant keeps them as they are
    // (a preset never weakens a tenant by default; Entra allows report-only policies beside them).
    // Any enforced policy counts (Entra refuses to enable one beside security defaults), also the
    // phishing-resistant-MFA and device code flow policies and an adopted Microsoft-managed policy: the
    // switch-off is then a weakening unless MFA for all and the legacy block are enforced too, which the
    // provider names at preview and asks a confirmation for (replacement, in build).
    preset: (preset, _stage, others) => {
        if (preset === "security-defaults") return { enabled: true };
        return others?.enforced().any ? { enabled: false } : undefined;
    },
    posture: (args, built) => ({
        requiresMfa: { path: "security-defaults", rank: 3, active: built.isEnabled },
        ...(args.enabled
            ? {
                  blocksLegacy: {
                      how: "security-defaults",
                      rank: 1,
                      log: "legacy authentication is blocked by security defaults (no Conditional Access)",
                  },
              }
            : {}),
        fields: { securityDefaultsEnabled: built.isEnabled },
    }),
};
