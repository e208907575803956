import * as pulumi from "@pulumi/pulumi";
import { SettingResource } from "../../providers/framework/resource";
import { smtpAuth, type MailboxSmtpAuth, type ObservedMailboxSmtpAuth } from "./setting";

/** The type token: pulumi-nodejs:dynamic/m365-mfa:<smtpAuth.type>. */
const TYPE = smtpAuth.type;

export interface SmtpAuthArgs {
    /** SMTP AUTH off for the organisation (Set-TransportConfig -SmtpClientAuthenticationDisabled). */
    disabledForOrganization: pulumi.Input<boolean>;
    /** Mailboxes that keep SMTP AUTH (a printer, an app), by user principal name or primary SMTP address. */
    exceptions?: pulumi.Input<pulumi.Input<string>[]>;
    /** When true, every other mailbox with its own SMTP AUTH value is reset to follow the organisation. */
    manageAllMailboxes?: pulumi.Input<boolean>;
}

/**
 * SMTP AUTH in Exchange Online: the organisation switch and per-mailbox exceptions (Set-CASMailbox
 * -SmtpClientAuthenticationDisabled). Mailboxes not named are left alone unless manageAllMailboxes is set.
 * Deleting the resource stops managing; the organisation and every mailbox keep their values.
 */
export class SmtpAuth extends SettingResource {
    declare public readonly disabledForOrganization: pulumi.Output<boolean>;
    declare public readonly exceptions: pulumi.Output<string[] | undefined>;
    declare public readonly manageAllMailboxes: pulumi.Output<boolean | undefined>;
    /** Resolved at plan time: primary SMTP address -> "enabled" | "followsOrganization" (| "disabled" after a refresh). */
    declare public readonly mailboxes: pulumi.Output<Record<string, MailboxSmtpAuth>>;
    /** What Exchange reported for each managed mailbox at the last read ("mailboxNotFound" when it is gone). */
    declare public readonly observedMailboxes: pulumi.Output<Record<string, ObservedMailboxSmtpAuth>>;
    /** "namedMailboxes", or "allMailboxes" with manageAllMailboxes. */
    declare public readonly readScope: pulumi.Output<string>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: SmtpAuthArgs, opts?: pulumi.CustomResourceOptions) {
        super(TYPE, name, {
                disabledForOrganization: args.disabledForOrganization,
                exceptions: args.exceptions,
                manageAllMailboxes: args.manageAllMailboxes,
                mailboxes: undefined,
                observedMailboxes: undefined,
                readScope: undefined,
                tenantId: undefined,
            }, opts);
    }
}
