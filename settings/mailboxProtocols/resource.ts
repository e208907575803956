import type * as pulumi from "@pulumi/pulumi";
import { type ArgsOf, settingResource } from "../../providers/framework/declare";
import { mailboxProtocols, mailboxProtocolsDeclaration } from "./setting";

/**
 * defaults (every mailbox's and CAS mailbox plan's value of each protocol named), plans (per CAS mailbox
 * plan), exceptions (named mailboxes), maxMailboxChanges (default 500), confirm (as
 * m365-mfa:baseline.guards.confirm), configKey (the config key messages name, set by the baseline).
 */
export interface MailboxProtocolsArgs extends ArgsOf<typeof mailboxProtocolsDeclaration> {}

/**
 * POP, IMAP, Exchange ActiveSync and SMTP AUTH per mailbox (Set-CASMailbox) and for new mailboxes
 * (Set-CASMailboxPlan), type token pulumi-nodejs:dynamic/m365-mfa:MailboxProtocols. Outputs: the inputs,
 * planned (resolved at plan time: transitions with counts), differing (the mailboxes found differing from
 * their target at the last read), mailboxCount and tenantId. Deleting the resource stops managing; every
 * mailbox and plan keeps its values.
 */
export class MailboxProtocols extends settingResource(mailboxProtocols.type, mailboxProtocolsDeclaration) {
    // The Args by name, so that a consumer's type error names MailboxProtocolsArgs.
    constructor(name: string, args: MailboxProtocolsArgs, opts?: pulumi.CustomResourceOptions) {
        super(name, args, opts);
    }
}
