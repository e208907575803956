import type * as pulumi from "@pulumi/pulumi";
import { type ArgsOf, settingResource } from "../../providers/framework/declare";
import { userHygiene, userHygieneDeclaration } from "./setting";

/**
 * users (by user principal name or object id), revokeSessions, requireReregistration, trigger (the operation runs again each time it
 * changes).
 */
export interface UserHygieneArgs extends ArgsOf<typeof userHygieneDeclaration> {}

/**
 * Session and method hygiene for named users, run once per value of `trigger` (not on every up), type token
 * pulumi-nodejs:dynamic/m365-mfa:UserHygiene. Outputs: the inputs, targets (resolved at plan time: user
 * principal name -> object id), lastRun (user principal name -> the trigger last completed) and tenantId.
 * Deleting the resource changes nothing in the tenant.
 */
export class UserHygiene extends settingResource(userHygiene.type, userHygieneDeclaration) {
    // The Args by name, so that a consumer's type error names UserHygieneArgs.
    constructor(name: string, args: UserHygieneArgs, opts?: pulumi.CustomResourceOptions) {
        super(name, args, opts);
    }
}
