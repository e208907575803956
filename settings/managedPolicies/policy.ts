/** Guardrails about the adopted Microsoft-managed Conditional Access policies. */
import type { StackValidationPolicy } from "@pulumi/policy";
import { ofType } from "../../policies/ofType";
import { dynamicType } from "../../providers/framework/setting";
import { managedConditionalAccessPolicy } from "./setting";

const TYPE = dynamicType(managedConditionalAccessPolicy.type);

/**
 * An adopted managed policy that is on excludes the break-glass accounts (entra-docs managed-policies.md:
 * "Exclude your break-glass or emergency access accounts from managed policies just like other
 * Conditional Access policies"; Maester MT.1005). Checked on the plan's inputs: every break-glass account
 * of the baseline is among the policy's excludeUsers.
 */
export const managedBlockingPoliciesExcludeBreakGlass: StackValidationPolicy = {
    name: "managed-policies-exclude-break-glass",
    description: "An adopted Microsoft-managed Conditional Access policy that is on excludes the break-glass accounts (Maester MT.1005).",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        for (const r of ofType(args.resources, TYPE)) {
            if (r.props.mode !== "on") continue;
            const excluded = new Set(((r.props.excludeUsers ?? []) as string[]).map((x) => x.toLowerCase()));
            const missing = ((r.props.breakGlassAccounts ?? []) as string[]).filter((b) => !excluded.has(b.toLowerCase()));
            if (missing.length || !(r.props.breakGlassAccounts ?? []).length) {
                reportViolation(`${r.name}: the Microsoft-managed policy ${r.props.policy} is on and does not exclude ${missing.length ? missing.join(", ") : "any break-glass account"}.`);
            }
        }
    },
};
