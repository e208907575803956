/** Guardrails about mailbox protocols. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { dynamicType } from "../../providers/framework/setting";
import { mailboxProtocols } from "./setting";

const TYPE = dynamicType(mailboxProtocols.type);

/**
 * ScubaGear MS.EXO.5.1 ("SMTP AUTH SHALL be disabled"; SMTP AUTH MAY be enabled per mailbox) and CIS
 * Microsoft 365 Foundations v4.0.0 6.5.4 ("Ensure SMTP AUTH is disabled"; "a per-mailbox setting ...
 * for special cases"): switching SMTP AUTH on for every mailbox through defaults defeats both; named
 * exceptions are the special cases both allow.
 */
export const mailboxSmtpAuthNotOnByDefault: ResourceValidationPolicy = {
    name: "mailbox-smtp-auth-not-on-by-default",
    description: "SMTP AUTH is not switched on for every mailbox; only named exceptions keep it (ScubaGear MS.EXO.5.1, CIS M365 6.5.4).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPE) return;
        if (args.props.defaults?.smtpAuth === "enabled") {
            reportViolation(
                "defaults.smtpAuth is enabled: every mailbox keeps SMTP AUTH whatever the organisation's switch (ScubaGear " +
                    "MS.EXO.5.1, CIS M365 6.5.4). " +
                    "Use followsOrganization or disabled, and name the mailboxes that need it in exceptions with smtpAuth: enabled.",
            );
        }
    },
};

// POP and IMAP have no ScubaGear or CIS M365 6.5.x control per mailbox (legacy authentication is covered by
// Conditional Access, CIS 5.2.2.3, and by Exchange authentication policies); every guardrail of the pack
// cites a baseline, so there is none for them here.
