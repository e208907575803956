import * as pulumi from "@pulumi/pulumi";
import { SettingResource } from "../../providers/framework/resource";
import { SecurityDefaultsReplacement, securityDefaults } from "./setting";

/** The type token: pulumi-nodejs:dynamic/m365-mfa:<securityDefaults.type>. */
const TYPE = securityDefaults.type;

export interface SecurityDefaultsArgs {
    /** Whether Microsoft's security defaults are on for the tenant. */
    isEnabled: pulumi.Input<boolean>;
    /**
     * What enforced Conditional Access takes over once this plan is applied: switching security defaults
     * off without both (MFA required, legacy authentication blocked) weakens the tenant and needs a
     * confirmation that names it. Left out, nothing replaces them.
     */
    replacement?: pulumi.Input<SecurityDefaultsReplacement>;
    /** Confirmations (as m365-mfa:baseline.guards.confirm), e.g. of a weakening the preview named. */
    confirm?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * Security defaults of the tenant (Graph policies/identitySecurityDefaultsEnforcementPolicy).
 * Deleting the resource stops managing the setting and leaves the tenant as it is.
 */
export class SecurityDefaults extends SettingResource {
    declare public readonly isEnabled: pulumi.Output<boolean>;
    /** Graph's id of the policy object. */
    declare public readonly policyId: pulumi.Output<string>;
    declare public readonly displayName: pulumi.Output<string>;
    /** The tenant the provider was connected to when it last wrote or read. */
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: SecurityDefaultsArgs, opts?: pulumi.CustomResourceOptions) {
        super(TYPE, name, { isEnabled: args.isEnabled, replacement: args.replacement, confirm: args.confirm, tenantAtPreview: undefined, policyId: undefined, displayName: undefined, tenantId: undefined }, opts);
    }
}
