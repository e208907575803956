/** Guardrails about security defaults (the policy pack collects every folder's from the registry). */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ofType } from "../../providers/framework/guardrail";
import { dynamicType } from "../../providers/framework/setting";
import { CONDITIONAL_ACCESS_POLICY_TYPE } from "../conditionalAccess/member";
import { securityDefaults } from "./setting";

const SECURITY_DEFAULTS_TYPE = dynamicType(securityDefaults.type);

export function securityDefaultsOn(resources: PolicyResource[]): boolean {
    return ofType(resources, SECURITY_DEFAULTS_TYPE).some((r) => r.props.isEnabled === true);
}

export const securityDefaultsWithoutConditionalAccess: StackValidationPolicy = {
    name: "security-defaults-without-conditional-access",
    description: "Where the stack has no enforced Conditional Access policy, security defaults are on (Maester MT.1021).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const caEnforced = ofType(args.resources, CONDITIONAL_ACCESS_POLICY_TYPE).some((r) => r.props.state === "enabled");
        if (!caEnforced && !securityDefaultsOn(args.resources)) {
            reportViolation(
                "No enforced Conditional Access policy and security defaults are not on: nothing requires MFA. Use preset " +
                    "security-defaults or conditional-access.",
            );
        }
    },
};
