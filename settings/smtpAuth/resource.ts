import type * as pulumi from "@pulumi/pulumi";
import { type ArgsOf, settingResource } from "../../providers/framework/declare";
import { smtpAuth, smtpAuthDeclaration } from "./setting";

/** disabledForOrganization (the organisation switch), exceptions (mailboxes that keep SMTP AUTH), manageAllMailboxes. */
export interface SmtpAuthArgs extends ArgsOf<typeof smtpAuthDeclaration> {}

/**
 * SMTP AUTH in Exchange Online: the organisation switch and per-mailbox exceptions (Set-CASMailbox
 * -SmtpClientAuthenticationDisabled), type token pulumi-nodejs:dynamic/m365-mfa:SmtpAuth. Mailboxes not
 * named are left alone unless manageAllMailboxes is set. Its outputs: the inputs, mailboxes (resolved at
 * plan time), observedMailboxes, readScope and tenantId. Deleting the resource stops managing; the
 * organisation and every mailbox keep their values.
 */
export class SmtpAuth extends settingResource(smtpAuth.type, smtpAuthDeclaration) {
    // The Args by name, so that a consumer's type error names SmtpAuthArgs.
    constructor(name: string, args: SmtpAuthArgs, opts?: pulumi.CustomResourceOptions) {
        super(name, args, opts);
    }
}
