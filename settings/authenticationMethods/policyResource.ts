import type * as pulumi from "@pulumi/pulumi";
import { type ArgsOf, settingResource } from "../../providers/framework/declare";
import { ownUrn } from "../../providers/framework/resource";
import { authenticationMethodsPolicy, authenticationMethodsPolicyDeclaration } from "./policy";

/** The type token: pulumi-nodejs:dynamic/m365-mfa:<authenticationMethodsPolicy.type>. */
const TYPE = authenticationMethodsPolicy.type;

/**
 * registrationCampaign, policyMigrationState, systemCredentialPreferences, reportSuspiciousActivitySettings (only
 * the fields set are managed), and confirm (as m365-mfa:baseline.guards.confirm). diagnosticsUrn is the class's own.
 */
export interface AuthenticationMethodsPolicyArgs extends Omit<ArgsOf<typeof authenticationMethodsPolicyDeclaration>, "diagnosticsUrn"> {}

/**
 * The tenant-wide part of the authentication methods policy (Graph policies/authenticationMethodsPolicy):
 * registration campaign, migration state, system-preferred MFA, report suspicious activity. Targets are
 * { id: group object id or "all_users", targetType?: "group" | "user" }. Its outputs: the inputs, policy (what
 * Graph reported for the managed parts at the last read) and tenantId. Deleting the resource stops managing;
 * the tenant keeps them.
 */
export class AuthenticationMethodsPolicy extends settingResource(TYPE, authenticationMethodsPolicyDeclaration) {
    constructor(name: string, args: AuthenticationMethodsPolicyArgs, opts?: pulumi.CustomResourceOptions) {
        // Its own URN (computable before registration), so plan-time warnings land on this resource.
        super(name, { ...args, diagnosticsUrn: ownUrn(name, TYPE, opts?.parent) }, opts);
    }
}
