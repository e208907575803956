import type { BaselineMember } from "../../components/member";
import { bool, obj } from "../../providers/framework/validation";
import type { SecurityDefaults } from "./resource";
import { securityDefaults } from "./setting";

/** `m365-mfa:baseline.securityDefaults` */
export interface SecurityDefaultsSettings {
    /** true: Microsoft's security defaults are on (MFA registration and prompts for everyone, legacy authentication blocked). */
    enabled: boolean;
}

export const securityDefaultsMember: BaselineMember<SecurityDefaultsSettings, SecurityDefaults> = {
    title: securityDefaults.title,
    guardrails: () => {
        const p = require("./policy") as typeof import("./policy");
        return [p.securityDefaultsWithoutConditionalAccess];
    },
    settings: [securityDefaults],
    exportMember: (ctx) => (require("./export") as typeof import("./export")).exportMember(ctx),
    schema: obj({ enabled: bool }, { required: ["enabled"], hint: "like { enabled: true }" }),
    parse: (raw) => ({ enabled: raw.enabled }),
    build: (args, ctx) => {
        const { SecurityDefaults } = require("./resource") as typeof import("./resource");
        return new SecurityDefaults(`${ctx.name}-security-defaults`, { isEnabled: args.enabled }, { parent: ctx.parent });
    },
    // Small tenants without Entra ID P1 take security defaults; Conditional Access needs them off.
    preset: (preset) => ({ enabled: preset === "security-defaults" }),
    posture: (args, built) => ({
        requiresMfa: { path: "security-defaults", rank: 3, active: built.isEnabled },
        ...(args.enabled ? { blocksLegacy: { how: "security-defaults", rank: 1, log: "legacy authentication is blocked by security defaults (no Conditional Access)" } } : {}),
        fields: { securityDefaultsEnabled: built.isEnabled },
    }),
};
