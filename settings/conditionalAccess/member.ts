import type { ExportContext } from "../../adoption/context";
import type { BaselineMember, RuleContext } from "../../components/member";
import { obj, oneOf, str } from "../../providers/framework/validation";
import { securityDefaultsMember } from "../securityDefaults/member";
import type { LegacyAuthenticationBlock, LegacyAuthenticationMode, RequireMfaPolicy } from "./resource";
import { CONFIRMATION_KIND, conditionalAccessRollout } from "./rollout";

/** `m365-mfa:baseline.legacyAuthentication` and `.conditionalAccessMfa`: a Conditional Access policy (Entra ID P1), report-only first, then on. */
export interface ConditionalAccessSettings {
    /** reportOnly (enabledForReportingButNotEnforced), on (enabled) or off (disabled). */
    mode: LegacyAuthenticationMode;
    /** Display name of the policy. */
    displayName?: string;
    /** The object id of an existing policy of this shape that the first up adopts (azuread's import; written by npm run export). */
    adoptPolicyId?: string;
}

/** The type token of the azuread resource the Conditional Access members compose. */
export const CONDITIONAL_ACCESS_POLICY_TYPE = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy";

const SCHEMA = obj(
    {
        mode: oneOf(["reportOnly", "on", "off"], "report-only first, as Microsoft recommends"),
        displayName: str(),
        adoptPolicyId: str({ pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, hint: "the object id of the existing policy the first up adopts (written by npm run export)" }),
    },
    { required: ["mode"] },
);

const parse = (v: any): ConditionalAccessSettings => ({
    mode: v.mode,
    ...(typeof v.displayName === "string" ? { displayName: v.displayName } : {}),
    ...(typeof v.adoptPolicyId === "string" ? { adoptPolicyId: v.adoptPolicyId } : {}),
});

/** Conditional Access presets: report-only; the migration preset enforces from stage 2. */
const preset = (name: string, stage: number | undefined): ConditionalAccessSettings | undefined =>
    name === "conditional-access" ? { mode: "reportOnly" } : name === "per-user-mfa-to-conditional-access" ? { mode: (stage ?? 1) >= 2 ? "on" : "reportOnly" } : undefined;

/** An adopted policy needs the accounts it excludes and, when on, its confirmation, in the same config. */
const EXPORT_WIDE = {
    breakGlassAccounts: (ctx: ExportContext) => (require("./export") as typeof import("./export")).exportBreakGlassAccounts(ctx),
    guards: (ctx: ExportContext) => (require("./export") as typeof import("./export")).exportGuards(ctx),
};

/** Entra's directory audit activities for Conditional Access policies (the drift report's "who and when"). */
const CA_AUDIT_ACTIVITIES = ["Add Conditional Access policy", "Update Conditional Access policy", "Delete Conditional Access policy"];

/** What weakens a Conditional Access policy: enforcement going back to report-only or off, break-glass exclusions removed. */
function composedWeakens(_type: string, c: { field: string; from: unknown; to: unknown }): string | undefined {
    if (c.field === "state" && c.from === "enabled" && c.to !== "enabled") return `a Conditional Access policy goes back from enforced to ${c.to === "disabled" ? "off" : "report-only"}`;
    if (/^conditions\.users\.excludedUsers/.test(c.field)) {
        const from = Array.isArray(c.from) ? (c.from as unknown[]) : c.from === undefined ? [] : [c.from];
        const to = Array.isArray(c.to) ? (c.to as unknown[]) : c.to === undefined ? [] : [c.to];
        if (from.some((x) => !to.includes(x))) return "an exclusion (break-glass account) is removed from a Conditional Access policy";
    }
    return undefined;
}

/**
 * Rules every Conditional Access member follows: a break-glass account to exclude. Switching a policy
 * on is confirmed at preview, where the tenant is read (the rollout guard, ./rollout.ts): the
 * confirmation names the change ("<policy>:<users>:<digest>"). The static "<policy>:on" of earlier
 * versions confirmed any enforcement forever; it is no longer read, and a config that still has it is
 * told so.
 */
function caProblems() {
    return (args: ConditionalAccessSettings | undefined, ctx: RuleContext): string[] => {
        const problems: string[] = [];
        if (args && args.mode !== "off" && !(ctx.wide.breakGlassAccounts ?? []).length) {
            problems.push(
                `${ctx.key} needs ${ctx.wideKey("breakGlassAccounts")}: every block or MFA policy must exclude at least one emergency-access account, or a mistake locks every admin out.`,
            );
        }
        return problems;
    };
}

function caWarnings(kind: string) {
    return (args: ConditionalAccessSettings | undefined, ctx: RuleContext): string[] => {
        const old = `${kind}:on`;
        return (ctx.wide.guards?.confirm ?? []).includes(old)
            ? [
                  `${ctx.wideKey("guards")}.confirm lists "${old}", which no longer confirms anything: switching ${ctx.key} on is confirmed at preview by a confirmation that names the change ` +
                      `("${kind}:<users>:<digest>", which the preview asks for when the tenant's policy is not enforced yet). Remove "${old}".`,
              ]
            : [];
    };
}

/** Entra refuses to enforce a Conditional Access policy while security defaults are on: the policies wait for that setting (off first). */
function afterSecurityDefaults(ctx: { builtBy: <B>(m: BaselineMember<any, B>) => B | undefined }) {
    const sd = ctx.builtBy(securityDefaultsMember);
    return sd ? { dependsOn: [sd] } : {};
}

export const legacyAuthenticationMember: BaselineMember<ConditionalAccessSettings, LegacyAuthenticationBlock> = {
    title: "Legacy authentication block (Conditional Access)",
    composes: { [CONDITIONAL_ACCESS_POLICY_TYPE]: "Conditional Access policy" },
    composedWeakens,
    composedAuditActivities: CA_AUDIT_ACTIVITIES,
    guardrails: () => {
        const p = require("./policy") as typeof import("./policy");
        return [p.legacyAuthenticationBlocked, p.breakGlassExcludedEverywhere, p.reportOnlyTimeLimited];
    },
    settings: [conditionalAccessRollout],
    exportMember: (ctx) => (require("./export") as typeof import("./export")).exportLegacyAuthentication(ctx),
    exportWide: EXPORT_WIDE,
    schema: SCHEMA,
    parse,
    build: (args, ctx) => {
        const { LegacyAuthenticationBlock } = require("./resource") as typeof import("./resource");
        return new LegacyAuthenticationBlock(
            `${ctx.name}-legacy-authentication`,
            {
                mode: args.mode,
                breakGlassAccounts: ctx.wide.breakGlassAccounts ?? [],
                displayName: args.displayName,
                adoptPolicyId: args.adoptPolicyId,
                ...(ctx.wide.guards?.confirm ? { confirm: ctx.wide.guards.confirm } : {}),
                ...(ctx.wide.readiness ? { readiness: ctx.wide.readiness } : {}),
            },
            { parent: ctx.parent, ...afterSecurityDefaults(ctx) },
        );
    },
    preset,
    problems: (args, ctx) => {
        const problems: string[] = [];
        // Security defaults against any enforced Conditional Access policy: said once, here.
        const caOn = [args, ctx.argsOf(requireMfaMember)].some((c) => c?.mode === "on");
        if (ctx.argsOf(securityDefaultsMember)?.enabled && caOn) {
            const sd = ctx.keyOf(securityDefaultsMember);
            problems.push(
                `${sd}.enabled is true while a Conditional Access policy is on (${ctx.key} / ${ctx.keyOf(requireMfaMember).split(".").pop()} mode: on): ` +
                    `Entra ID refuses security defaults while Conditional Access policies are enabled. Either set securityDefaults.enabled: false (preset conditional-access) ` +
                    `or set the Conditional Access modes to off (preset security-defaults).`,
            );
        }
        return problems.concat(caProblems()(args, ctx));
    },
    warnings: caWarnings(CONFIRMATION_KIND.legacyAuthentication),
    posture: (args) =>
        args.mode === "off"
            ? {}
            : {
                  blocksLegacy: {
                      how: args.mode === "on" ? "conditional-access" : "conditional-access (report-only)",
                      rank: 2,
                      log: `legacy authentication is blocked by a Conditional Access policy (${args.mode === "on" ? "enforced" : "report-only: nothing is blocked yet"})`,
                  },
              },
};

export const requireMfaMember: BaselineMember<ConditionalAccessSettings, RequireMfaPolicy> = {
    title: "MFA for all users (Conditional Access)",
    composes: { [CONDITIONAL_ACCESS_POLICY_TYPE]: "Conditional Access policy" },
    composedWeakens,
    composedAuditActivities: CA_AUDIT_ACTIVITIES,
    settings: [conditionalAccessRollout],
    exportMember: (ctx) => (require("./export") as typeof import("./export")).exportConditionalAccessMfa(ctx),
    exportWide: EXPORT_WIDE,
    schema: SCHEMA,
    parse,
    build: (args, ctx) => {
        const { RequireMfaPolicy } = require("./resource") as typeof import("./resource");
        return new RequireMfaPolicy(
            `${ctx.name}-require-mfa`,
            {
                mode: args.mode,
                breakGlassAccounts: ctx.wide.breakGlassAccounts ?? [],
                displayName: args.displayName,
                adoptPolicyId: args.adoptPolicyId,
                ...(ctx.wide.guards?.confirm ? { confirm: ctx.wide.guards.confirm } : {}),
                ...(ctx.wide.readiness ? { readiness: ctx.wide.readiness } : {}),
            },
            { parent: ctx.parent, ...afterSecurityDefaults(ctx) },
        );
    },
    preset,
    problems: caProblems(),
    warnings: caWarnings(CONFIRMATION_KIND.conditionalAccessMfa),
    posture: (args) => ({ requiresMfa: { path: "conditional-access", rank: 2, active: args.mode !== "off" } }),
};
