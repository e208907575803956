/** Guardrails about the adopted Microsoft-managed Conditional Access policies. */
import type { StackValidationPolicy } from "@pulumi/policy";
import { ofType } from "../../providers/framework/guardrail";
import { dynamicType } from "../../providers/framework/setting";
import { managedConditionalAccessPolicy } from "./setting";

const TYPE = dynamicType(managedConditionalAccessPolicy.type);

/**
 * An adopted managed policy that is on excludes the break-glass accounts (entra-docs managed-policies.md:
 * "Exclude your break-glass or emergency access accounts from managed policies just like other
 * Conditional Access policies"; Maester MT.1005). Checked on the plan's inputs: every break-glass account
 * of the baseline is among the policy's excludeUsers, compared by object id where the preview resolved
 * both. Every managed policy that is on is checked, blocking or not, as the quoted advice covers all of
 * them (the constant name says "blocking" for history; the rule's name, which a pack's
 * configuration refers to, is kept).
 */
export const managedBlockingPoliciesExcludeBreakGlass: StackValidationPolicy = {
    name: "managed-policies-exclude-break-glass",
    description: "An adopted Microsoft-managed Conditional Access policy that is on excludes the break-glass accounts (Maester MT.1005).",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        for (const r of ofType(args.resources, TYPE)) {
            if (r.props.mode !== "on") continue;
            const accounts = (r.props.breakGlassAccounts ?? []) as string[];
            // By object id where the preview resolved them (an exclusion by id and a break-glass account by UPN
            // are the same user); else (no resolution in the plan) by the names as written.
            const ids = r.props.breakGlassIds as string[] | undefined;
            const byId = Array.isArray(r.props.excludeUserIds) && Array.isArray(ids) && ids.length === accounts.length;
            const excluded = new Set(
                ((byId ? r.props.excludeUserIds : r.props.excludeUsers) ?? ([] as string[])).map((x: string) => x.toLowerCase()),
            );
            const missing = accounts.filter((b, i) => !excluded.has((byId ? ids![i] : b).toLowerCase()) || (byId && !ids![i]));
            if (missing.length || !(r.props.breakGlassAccounts ?? []).length) {
                reportViolation(
                    `${r.name}: the Microsoft-managed policy ${r.props.policy} is on and does not exclude ` +
                        `${missing.length ? missing.join(", ") : "any break-glass account"}.`,
                );
            }
        }
    },
};
