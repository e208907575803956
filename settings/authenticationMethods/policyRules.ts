/** Guardrails about the authentication methods policy and its methods. */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { ofType } from "../../policies/ofType";
import { dynamicType } from "../../providers/framework/setting";
import { keyOf } from "../registry";
import { authenticationMethodsMember } from "./member";
import { authenticationMethodConfiguration } from "./methodConfiguration";
import { authenticationMethodsPolicy } from "./policy";

const METHOD_CONFIGURATION_TYPE = dynamicType(authenticationMethodConfiguration.type);
const METHODS_POLICY_TYPE = dynamicType(authenticationMethodsPolicy.type);

export const noSmsOrVoiceForAdmins: ResourceValidationPolicy = {
    name: "no-sms-or-voice-for-admins",
    description: "SMS and voice are not enabled for administrators (ScubaGear MS.AAD.3.5 disables them for everyone; configure adminGroupIds to check admin groups only).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { adminGroupIds: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, reportViolation) => {
        if (args.type !== METHOD_CONFIGURATION_TYPE || !["sms", "voice"].includes(args.props.method) || args.props.state !== "enabled") return;
        const admins: string[] = (args.getConfig<{ adminGroupIds: string[] }>().adminGroupIds ?? []).map((g) => g.toLowerCase());
        const targets: string[] = (args.props.includeTargets ?? []).map((t: any) => String(t.id).toLowerCase());
        const excluded: string[] = (args.props.excludeTargets ?? []).map((t: any) => String(t.id).toLowerCase());
        const reached = targets.includes("all_users") ? admins.filter((a) => !excluded.includes(a)) : admins.filter((a) => targets.includes(a));
        if (targets.includes("all_users") && !admins.length) {
            reportViolation(`${args.props.method} is enabled for all users, administrators included. Disable it, or exclude the admin groups and list them in this policy's adminGroupIds.`);
        } else if (reached.length) {
            reportViolation(`${args.props.method} is enabled for administrator group(s) ${reached.join(", ")}. Exclude them (excludeTargets) or disable ${args.props.method}.`);
        }
    },
};

export const migrationComplete: StackValidationPolicy = {
    name: "authentication-methods-migration-complete",
    description: "The authentication methods policy migration is complete, so legacy MFA/SSPR settings no longer apply (ScubaGear MS.AAD.3.4).",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const p = ofType(args.resources, METHODS_POLICY_TYPE);
        if (!p.some((r) => r.props.policyMigrationState === "migrationComplete")) {
            reportViolation(`Set ${keyOf(authenticationMethodsMember)}.policy.policyMigrationState to migrationComplete.`);
        }
    },
};
