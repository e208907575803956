import * as pulumi from "@pulumi/pulumi";
import { SettingResource } from "../../providers/framework/resource";
import { mailboxProtocols, type PlanValues, type ProtocolException, type ProtocolValues } from "./setting";

/** The type token: pulumi-nodejs:dynamic/m365-mfa:<mailboxProtocols.type>. */
const TYPE = mailboxProtocols.type;

export interface MailboxProtocolsArgs {
    /** Every mailbox's (and every CAS mailbox plan's) value of each protocol named; a protocol left out is not managed. */
    defaults?: pulumi.Input<ProtocolValues>;
    /** Per CAS mailbox plan (display name), values for new mailboxes of that licence that differ from the defaults. */
    plans?: pulumi.Input<Record<string, PlanValues>>;
    /** Named mailboxes with their own values. */
    exceptions?: pulumi.Input<pulumi.Input<ProtocolException>[]>;
    /** Above this many mailboxes changed by one plan, a confirmation is needed (default 500). */
    maxMailboxChanges?: pulumi.Input<number>;
    /** Confirmations of large changes and weakenings (m365-mfa:baseline.guards.confirm). */
    confirm?: pulumi.Input<pulumi.Input<string>[]>;
    /** The config key messages name (set by the baseline). */
    configKey?: pulumi.Input<string>;
}

/**
 * POP, IMAP, Exchange ActiveSync and SMTP AUTH per mailbox (Set-CASMailbox) and for new mailboxes
 * (Set-CASMailboxPlan). Deleting the resource stops managing; every mailbox and plan keeps its values.
 */
export class MailboxProtocols extends SettingResource {
    declare public readonly defaults: pulumi.Output<ProtocolValues | undefined>;
    declare public readonly exceptions: pulumi.Output<ProtocolException[] | undefined>;
    /** Resolved at plan time: transitions this plan makes, with counts. */
    declare public readonly planned: pulumi.Output<Record<string, number> | undefined>;
    /** The mailboxes found differing from their target at the last read (address -> Exchange's values). */
    declare public readonly differing: pulumi.Output<Record<string, unknown>>;
    declare public readonly mailboxCount: pulumi.Output<number>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: MailboxProtocolsArgs, opts?: pulumi.CustomResourceOptions) {
        super(TYPE, name, {
                defaults: args.defaults,
                plans: args.plans,
                exceptions: args.exceptions,
                maxMailboxChanges: args.maxMailboxChanges,
                confirm: args.confirm,
                configKey: args.configKey,
                exceptionAddresses: undefined,
                planned: undefined,
                mailboxes: undefined,
                casMailboxPlans: undefined,
                differing: undefined,
                mailboxCount: undefined,
                targetsDigest: undefined,
                tenantId: undefined,
            }, opts);
    }
}
