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
        // What this baseline's Conditional Access enforces once applied: switching security defaults off
        // without both is a weakening, which the provider judges from the tenant at preview.
        const ca = require("../conditionalAccess/member") as typeof import("../conditionalAccess/member");
        const on = (m: BaselineMember<{ mode: string }, any>) => ctx.argsOf?.(m)?.mode === "on";
        const replacement = { requiresMfa: on(ca.requireMfaMember), blocksLegacy: on(ca.legacyAuthenticationMember) };
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
        return others && enforcedConditionalAccess(others.valueOf) ? { enabled: false } : undefined;
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

/** Whether the baseline (each member's value as it will have it) enforces any Conditional Access policy. */
export function enforcedConditionalAccess(valueOf: <A>(m: BaselineMember<A, any>) => A | undefined): boolean {
    const ca = require("../conditionalAccess/member") as typeof import("../conditionalAccess/member");
    const managed = require("../managedPolicies/member") as typeof import("../managedPolicies/member");
    const members: BaselineMember<{ mode: string }, any>[] = [
        ca.legacyAuthenticationMember,
        ca.requireMfaMember,
        ca.phishingResistantAdminsMember,
        ca.deviceCodeFlowMember,
    ];
    return members.some((m) => valueOf(m)?.mode === "on") || (valueOf(managed.managedPoliciesMember) ?? []).some((e) => e.mode === "on");
}
