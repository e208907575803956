/** Guardrails about SMTP AUTH. */
import type { StackValidationPolicy } from "@pulumi/policy";
import { ofType } from "../../providers/framework/guardrail";
import { dynamicType } from "../../providers/framework/setting";
import { keyOf } from "../../providers/framework/member";
import { smtpAuthMember } from "./member";
import { smtpAuth } from "./setting";

const SMTP_AUTH_TYPE = dynamicType(smtpAuth.type);

export const smtpAuthDisabled: StackValidationPolicy = {
    name: "smtp-auth-disabled",
    description: "SMTP AUTH is disabled for the organisation; exceptions are named mailboxes (ScubaGear MS.EXO.5.1).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const smtp = ofType(args.resources, SMTP_AUTH_TYPE);
        if (!smtp.length) {
            reportViolation(`SMTP AUTH is not managed by this stack: add ${keyOf(smtpAuthMember)} with disabledForOrganization: true.`);
        }
        for (const r of smtp) {
            if (r.props.disabledForOrganization !== true) {
                reportViolation(
                    `${r.name}: SMTP AUTH is enabled for the whole organisation; set disabledForOrganization: true and name ` +
                        "the mailboxes that need it in exceptions.",
                );
            }
        }
    },
};
