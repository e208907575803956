import type { BaselineMember } from "../../providers/framework/member";
import { list } from "../../providers/framework/validation";
import { securityDefaultsMember } from "../securityDefaults/member";
import { exportManagedPolicies } from "./export";
import { ManagedConditionalAccessPolicy } from "./resource";
import { MANAGED_PREFIX, type ManagedPolicySettings, managedConditionalAccessPolicy, managedPolicyDeclaration } from "./setting";

/**
 * `m365-mfa:baseline.managedPolicies`: the Microsoft-managed Conditional Access policies the stack
 * adopts, a list (one entry per policy), each managing what Microsoft lets an admin change: the state
 * and the users and groups it excludes (entra-docs conditional-access/managed-policies.md). An entry is
 * the resource's configured inputs, declared once (managedPolicyDeclaration): policy, mode, excludeUsers,
 * excludeGroups.
 *
 *   managedPolicies:
 *     - policy: "Microsoft-managed: Block device code flow"
 *       mode: on
 *       excludeUsers: [breakglass1@contoso.com, breakglass2@contoso.com]
 */
export type { ManagedPolicyEntry, ManagedPolicySettings } from "./setting";

/** The Pulumi resource name part of one entry (stable for the policy named). */
export function managedPolicySlug(ref: string): string {
    return (
        ref
            .replace(new RegExp(`^${MANAGED_PREFIX}`), "")
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, "-")
            .replace(/^-|-$/g, "")
            .slice(0, 60) || "policy"
    );
}

export const managedPoliciesMember: BaselineMember<ManagedPolicySettings, ManagedConditionalAccessPolicy[]> = {
    key: "managedPolicies",
    title: "Microsoft-managed Conditional Access policies",
    enforces: (args) => (args.some((e) => e.mode === "on") ? {} : undefined),
    settings: [managedConditionalAccessPolicy],
    schema: list(managedPolicyDeclaration.schema, {
        hint: "a list of the Microsoft-managed policies to adopt, each { policy, mode, excludeUsers, excludeGroups }",
    }),
    // Each entry's shape and values (the policy reference included) are the declaration's; across entries, one per policy.
    parse: (raw: ManagedPolicySettings, ctx) => {
        const before = ctx.problems.length;
        const seen = new Map<string, number>();
        raw.forEach((e, i) => {
            const k = e.policy.toLowerCase();
            if (seen.has(k))
                ctx.problems.push(
                    `${ctx.key}[${i}].policy: "${e.policy}" is adopted twice (also ${ctx.key}[${seen.get(k)}]); keep one ` +
                        "entry per managed policy.",
                );
            else seen.set(k, i);
        });
        if (ctx.problems.length > before) return undefined;
        return raw.map((e) => ({
            policy: e.policy,
            mode: e.mode,
            ...(e.excludeUsers ? { excludeUsers: [...e.excludeUsers] } : {}),
            ...(e.excludeGroups ? { excludeGroups: [...e.excludeGroups] } : {}),
        }));
    },
    build: (args, ctx) => {
        // Entra refuses to enforce a Conditional Access policy while security defaults are on: wait for that setting.
        const sd = ctx.builtBy(securityDefaultsMember);
        return args.map(
            (e, i) =>
                new ManagedConditionalAccessPolicy(
                    `${ctx.name}-managed-${managedPolicySlug(e.policy)}`,
                    {
                        policy: e.policy,
                        mode: e.mode,
                        excludeUsers: e.excludeUsers ?? [],
                        excludeGroups: e.excludeGroups ?? [],
                        breakGlassAccounts: ctx.wide.breakGlassAccounts ?? [],
                        ...(ctx.wide.guards?.confirm ? { confirm: ctx.wide.guards.confirm } : {}),
                        configKey: `${ctx.key}[${i}]`,
                        ...(ctx.wide.readiness ? { readiness: ctx.wide.readiness } : {}),
                    },
                    { parent: ctx.parent, ...(sd ? { dependsOn: [sd] } : {}) },
                ),
        );
    },
    // Resolving the excluded users (and the break-glass accounts) and groups by name at preview.
    permissions: (args, wide) => [
        ...(args.some((e) => e.mode === "on") && wide.readiness?.mode !== "off"
            ? [
                  {
                      feature: "Microsoft-managed Conditional Access policies switch-on evidence (sign-in logs' report-only results)",
                      service: "graph" as const,
                      anyOf: ["AuditLog.Read.All"],
                  },
              ]
            : []),
        {
            feature: "Microsoft-managed Conditional Access policies (excluded users, break-glass accounts)",
            service: "graph",
            anyOf: ["User.Read.All", "Directory.Read.All"],
        },
        // group-get.md and group-list.md: GroupMember.Read.All is the least privileged permission that reads groups.
        ...(args.some((e) => e.excludeGroups?.length)
            ? [
                  {
                      feature: "Microsoft-managed Conditional Access policies (excluded groups)",
                      service: "graph" as const,
                      anyOf: ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"],
                  },
              ]
            : []),
    ],
    problems: (args, ctx) => {
        if (!args?.some((e) => e.mode === "on") || !ctx.argsOf(securityDefaultsMember)?.enabled) return [];
        return [
            `${ctx.keyOf(securityDefaultsMember)}.enabled is true while ${ctx.key} switches a managed policy on: Entra ID ` +
                "refuses to enable Conditional Access policies while security defaults are on. " +
                `Set securityDefaults.enabled: false (Conditional Access takes over), or keep the managed policies in reportOnly.`,
        ];
    },
    exportMember: exportManagedPolicies,
    posture: (args) => ({ fields: { managedPolicies: Object.fromEntries(args.map((e) => [e.policy, e.mode])) } }),
};
