import type { BaselineMember } from "../../components/member";
import { list, obj, oneOf, str } from "../../providers/framework/validation";
import { securityDefaultsMember } from "../securityDefaults/member";
import type { ManagedConditionalAccessPolicy } from "./resource";
import { MANAGED_PREFIX, ManagedPolicyMode, managedConditionalAccessPolicy } from "./setting";

/**
 * `m365-mfa:baseline.managedPolicies`: the Microsoft-managed Conditional Access policies the stack
 * adopts, a list (one entry per policy), each managing what Microsoft lets an admin change: the state
 * and the users and groups it excludes (entra-docs conditional-access/managed-policies.md).
 *
 *   managedPolicies:
 *     - policy: "Microsoft-managed: Block device code flow"
 *       mode: on
 *       excludeUsers: [breakglass1@contoso.com, breakglass2@contoso.com]
 */
export interface ManagedPolicyEntry {
    /** The managed policy: its display name (beginning "Microsoft-managed: ") or its object id. */
    policy: string;
    /** reportOnly, on or off (off opts out: Microsoft then never turns it on). */
    mode: ManagedPolicyMode;
    /** The users it excludes (user principal names or object ids): exactly these. */
    excludeUsers?: string[];
    /** The groups it excludes (object ids or display names): exactly these. */
    excludeGroups?: string[];
}
export type ManagedPolicySettings = ManagedPolicyEntry[];

const ENTRY = obj(
    {
        policy: str({
            hint: 'the display name of a Microsoft-managed policy ("Microsoft-managed: Block device code flow") or its object id',
        }),
        mode: oneOf(["reportOnly", "on", "off"], "the states Microsoft lets an admin set on a managed policy"),
        excludeUsers: list(str(), { hint: "user principal names or object ids" }),
        excludeGroups: list(str(), { hint: "group object ids or display names" }),
    },
    {
        required: ["policy", "mode"],
        hint: 'like { policy: "Microsoft-managed: Block device code flow", mode: reportOnly, excludeUsers: [...] }',
    },
);

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
    title: "Microsoft-managed Conditional Access policies",
    settings: [managedConditionalAccessPolicy],
    schema: list(ENTRY, { hint: "a list of the Microsoft-managed policies to adopt, each { policy, mode, excludeUsers, excludeGroups }" }),
    parse: (raw: any[], ctx) => {
        const before = ctx.problems.length;
        const seen = new Map<string, number>();
        raw.forEach((e, i) => {
            const k = String(e.policy).toLowerCase();
            if (seen.has(k))
                ctx.problems.push(
                    `${ctx.key}[${i}].policy: "${e.policy}" is adopted twice (also ${ctx.key}[${seen.get(k)}]); keep one entry per managed policy.`,
                );
            else seen.set(k, i);
            if (
                !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(e.policy) &&
                !String(e.policy).startsWith(MANAGED_PREFIX)
            ) {
                ctx.problems.push(
                    `${ctx.key}[${i}].policy: "${e.policy}" is not a Microsoft-managed policy's display name (they begin "${MANAGED_PREFIX}") nor an object id; a policy of your own is managed with the Conditional Access members.`,
                );
            }
        });
        if (ctx.problems.length > before) return undefined;
        return raw.map((e) => ({
            policy: e.policy,
            mode: e.mode,
            ...(Array.isArray(e.excludeUsers) ? { excludeUsers: [...e.excludeUsers] } : {}),
            ...(Array.isArray(e.excludeGroups) ? { excludeGroups: [...e.excludeGroups] } : {}),
        }));
    },
    build: (args, ctx) => {
        const { ManagedConditionalAccessPolicy } = require("./resource") as typeof import("./resource");
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
            `${ctx.keyOf(securityDefaultsMember)}.enabled is true while ${ctx.key} switches a managed policy on: Entra ID refuses to enable Conditional Access policies while security defaults are on. ` +
                `Set securityDefaults.enabled: false (Conditional Access takes over), or keep the managed policies in reportOnly.`,
        ];
    },
    guardrails: () => [(require("./policy") as typeof import("./policy")).managedBlockingPoliciesExcludeBreakGlass],
    exportMember: (ctx) => (require("./export") as typeof import("./export")).exportManagedPolicies(ctx),
    posture: (args) => ({ fields: { managedPolicies: Object.fromEntries(args.map((e) => [e.policy, e.mode])) } }),
};
