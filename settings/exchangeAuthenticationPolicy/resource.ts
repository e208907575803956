import type * as pulumi from "@pulumi/pulumi";
import { type ArgsOf, settingResource } from "../../providers/framework/declare";
import { authenticationPolicy, authenticationPolicyDeclaration } from "./setting";

/**
 * name (at most 64 characters; a new name creates a new policy), allowBasicAuth (protocols that keep Basic authentication),
 * organizationDefault.
 */
export interface AuthenticationPolicyArgs extends ArgsOf<typeof authenticationPolicyDeclaration> {}

/**
 * An Exchange Online authentication policy (New/Set-AuthenticationPolicy -AllowBasicAuth<Protocol>), optionally
 * the organisation's default, type token pulumi-nodejs:dynamic/m365-mfa:AuthenticationPolicy. Outputs: the
 * inputs, exists, policyName, policyGuid, isOrganizationDefault and tenantId. Deleting the resource stops
 * managing; the policy and the default stay as they are.
 */
export class AuthenticationPolicy extends settingResource(authenticationPolicy.type, authenticationPolicyDeclaration) {
    // The Args by name, so that a consumer's type error names AuthenticationPolicyArgs.
    constructor(name: string, args: AuthenticationPolicyArgs, opts?: pulumi.CustomResourceOptions) {
        super(name, args, opts);
    }
}
