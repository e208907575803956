import * as pulumi from "@pulumi/pulumi";
import { SettingResource } from "../../providers/framework/resource";
import { userHygiene } from "./setting";

/** The type token: pulumi-nodejs:dynamic/m365-mfa:<userHygiene.type>. */
const TYPE = userHygiene.type;

export interface UserHygieneArgs {
    /** The users, by user principal name or object id (resolved at plan time; the preview lists them). */
    users: pulumi.Input<pulumi.Input<string>[]>;
    /** Revoke the users' sign-in sessions (refresh and session tokens issued before the run stop working). */
    revokeSessions?: pulumi.Input<boolean>;
    /** Remove the users' registered authentication methods (the password stays), so they register again. */
    requireReregistration?: pulumi.Input<boolean>;
    /** Any text, e.g. an incident number or a date: the operation runs on create and again each time it changes, never otherwise. */
    trigger: pulumi.Input<string>;
}

/**
 * Session and method hygiene for named users, run once per value of `trigger` (not on every up).
 * Deleting the resource changes nothing in the tenant.
 */
export class UserHygiene extends SettingResource {
    declare public readonly users: pulumi.Output<string[]>;
    declare public readonly trigger: pulumi.Output<string>;
    /** Resolved at plan time: user principal name -> object id. */
    declare public readonly targets: pulumi.Output<Record<string, string>>;
    /** User principal name -> the trigger the operation last completed with for that user. */
    declare public readonly lastRun: pulumi.Output<Record<string, string>>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: UserHygieneArgs, opts?: pulumi.CustomResourceOptions) {
        super(TYPE, name, {
                users: args.users,
                revokeSessions: args.revokeSessions,
                requireReregistration: args.requireReregistration,
                trigger: args.trigger,
                targets: undefined,
                lastRun: undefined,
                tenantId: undefined,
            }, opts);
    }
}
