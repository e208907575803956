/** Guardrails about Conditional Access, legacy authentication and the break-glass accounts. */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ofType } from "../../policies/ofType";
import { dynamicType } from "../../providers/framework/setting";
import { perUserMfa } from "../perUserMfa/setting";
import { keyOf, wideKey } from "../registry";
import { securityDefaultsMember } from "../securityDefaults/member";
import { securityDefaultsOn } from "../securityDefaults/policy";
import { CONDITIONAL_ACCESS_POLICY_TYPE, legacyAuthenticationMember } from "./member";

const PER_USER_MFA_TYPE = dynamicType(perUserMfa.type);

const LEGACY_APPS = ["exchangeActiveSync", "other"];

/** A Conditional Access policy that blocks the legacy client app types, and its state. */
function legacyBlocks(resources: PolicyResource[]): { name: string; state: string }[] {
    return ofType(resources, CONDITIONAL_ACCESS_POLICY_TYPE)
        .filter((r) => {
            const apps: string[] = r.props.conditions?.clientAppTypes ?? [];
            const controls: string[] = r.props.grantControls?.builtInControls ?? [];
            return LEGACY_APPS.every((a) => apps.includes(a) || apps.includes("all")) && controls.includes("block");
        })
        .map((r) => ({ name: r.name, state: r.props.state }));
}

export const legacyAuthenticationBlocked: StackValidationPolicy = {
    name: "legacy-authentication-blocked",
    description: "Legacy authentication is blocked: security defaults on, or a Conditional Access policy blocking exchangeActiveSync and other, enforced (ScubaGear MS.AAD.1.1; Maester MT.1009, MT.1010).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        if (securityDefaultsOn(args.resources)) return;
        const blocks = legacyBlocks(args.resources);
        if (!blocks.length) {
            reportViolation(`Nothing in this stack blocks legacy authentication: enable security defaults (${keyOf(securityDefaultsMember)}.enabled) or add ${keyOf(legacyAuthenticationMember)}.`);
        } else if (!blocks.some((b) => b.state === "enabled")) {
            reportViolation(`The legacy authentication block (${blocks.map((b) => b.name).join(", ")}) is in ${blocks[0].state}: nothing is blocked yet. Set ${keyOf(legacyAuthenticationMember)}.mode to on when the report-only results are clean.`);
        }
    },
};

export const breakGlassExcludedEverywhere: StackValidationPolicy = {
    name: "break-glass-excluded-everywhere",
    description: "Every Conditional Access policy and the per-user MFA resource exclude the break-glass accounts (Maester MT.1005).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            breakGlassUserPrincipalNames: { type: "array", items: { type: "string" }, default: [] },
            breakGlassObjectIds: { type: "array", items: { type: "string" }, default: [] },
        },
    },
    validateStack: (args, reportViolation) => {
        const cfg = args.getConfig<{ breakGlassUserPrincipalNames: string[]; breakGlassObjectIds: string[] }>();
        for (const r of ofType(args.resources, CONDITIONAL_ACCESS_POLICY_TYPE)) {
            const excluded: string[] = (r.props.conditions?.users?.excludedUsers ?? []).map((x: string) => String(x).toLowerCase());
            const groups: string[] = r.props.conditions?.users?.excludedGroups ?? [];
            if (!excluded.length && !groups.length) {
                reportViolation(`${r.name}: the Conditional Access policy excludes no emergency-access account or group.`);
                continue;
            }
            const missing = (cfg.breakGlassObjectIds ?? []).filter((id) => !excluded.includes(id.toLowerCase()));
            if (missing.length) {
                reportViolation(`${r.name}: break-glass account(s) ${missing.join(", ")} are not excluded.`);
            }
        }
        for (const r of ofType(args.resources, PER_USER_MFA_TYPE)) {
            const excluded: string[] = (r.props.excludeUsers ?? []).map((u: string) => u.toLowerCase());
            const missing = (cfg.breakGlassUserPrincipalNames ?? []).filter((u) => !excluded.includes(u.toLowerCase()));
            if (missing.length) {
                reportViolation(`${r.name}: break-glass account(s) ${missing.join(", ")} are not excluded from per-user MFA (add them to ${wideKey("breakGlassAccounts")}).`);
            }
        }
    },
};

export const reportOnlyTimeLimited: StackValidationPolicy = {
    name: "report-only-time-limited",
    description: "No Conditional Access policy stays in report-only longer than maxReportOnlyDays after the date recorded in reportOnlySince (policy display name -> YYYY-MM-DD); Microsoft's rollout guidance is report-only first, then on.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            maxReportOnlyDays: { type: "integer", default: 30 },
            reportOnlySince: { type: "object", additionalProperties: { type: "string" }, default: {} },
            today: { type: "string" },
        },
    },
    validateStack: (args, reportViolation) => {
        const cfg = args.getConfig<{ maxReportOnlyDays: number; reportOnlySince: Record<string, string>; today?: string }>();
        const now = cfg.today ? Date.parse(cfg.today) : Date.now();
        for (const r of ofType(args.resources, CONDITIONAL_ACCESS_POLICY_TYPE)) {
            if (r.props.state !== "enabledForReportingButNotEnforced") continue;
            const since = cfg.reportOnlySince?.[r.props.displayName];
            if (!since) {
                reportViolation(`${r.props.displayName}: in report-only with no start date; record it in this policy's reportOnlySince so the time limit can be checked.`);
                continue;
            }
            const days = Math.floor((now - Date.parse(since)) / 86_400_000);
            if (days > cfg.maxReportOnlyDays) {
                reportViolation(`${r.props.displayName}: in report-only for ${days} days (since ${since}; the limit is ${cfg.maxReportOnlyDays}). Review the report-only results and set the mode to on.`);
            }
        }
    },
};
