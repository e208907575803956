/** Guardrails about Exchange modern authentication. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { dynamicType } from "../../providers/framework/setting";
import { keyOf } from "../../providers/framework/member";
import { modernAuthenticationMember } from "./member";
import { modernAuthentication } from "./setting";

const MODERN_AUTHENTICATION_TYPE = dynamicType(modernAuthentication.type);

export const modernAuthenticationOn: ResourceValidationPolicy = {
    name: "modern-authentication-on",
    description: "Exchange Online accepts modern authentication (OAuth2ClientProfileEnabled), without which MFA cannot be used by Outlook.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === MODERN_AUTHENTICATION_TYPE && args.props.enabled !== true) {
            reportViolation(
                "Modern authentication is off: Outlook and other clients cannot do MFA. Set " +
                    `${keyOf(modernAuthenticationMember)}.enabled: true.`,
            );
        }
    },
};
