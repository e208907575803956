import type * as pulumi from "@pulumi/pulumi";
import { type ArgsOf, settingResource } from "../../providers/framework/declare";
import { managedConditionalAccessPolicy, managedPolicyDeclaration } from "./setting";

/**
 * policy (display name or object id), mode (reportOnly, on, off), excludeUsers and excludeGroups (exactly
 * these; none when left out); breakGlassAccounts, confirm, readiness and configKey as the baseline sets them.
 */
export interface ManagedConditionalAccessPolicyArgs extends ArgsOf<typeof managedPolicyDeclaration> {}

/**
 * A Microsoft-managed Conditional Access policy, adopted: only its state and the users and groups it
 * excludes are managed (what Microsoft lets an admin change; settings/managedPolicies/setting.ts), type
 * token pulumi-nodejs:dynamic/m365-mfa:ManagedConditionalAccessPolicy. Its outputs: the inputs, what the
 * preview resolved (policyId, excludeUserIds, excludeGroupIds, breakGlassIds, tenantAtPreview), the
 * policy as read (displayName, state, excludedUserIds, excludedGroupIds) and tenantId. Deleting the
 * resource stops managing it and leaves the tenant as it is.
 */
export class ManagedConditionalAccessPolicy extends settingResource(managedConditionalAccessPolicy.type, managedPolicyDeclaration) {
    // The Args by name, so that a consumer's type error names ManagedConditionalAccessPolicyArgs.
    constructor(name: string, args: ManagedConditionalAccessPolicyArgs, opts?: pulumi.CustomResourceOptions) {
        super(name, args, opts);
    }
}
