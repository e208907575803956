import type * as pulumi from "@pulumi/pulumi";
import { settingResource } from "../../providers/framework/declare";
import type { ArgsOf } from "../../providers/framework/declare";
import { type SecurityDefaultsReplacement, securityDefaults, securityDefaultsDeclaration } from "./setting";

/**
 * Written out, not only derived: a consumer's type error names SecurityDefaultsArgs (tests/engine/package.test.ts),
 * which an interface that only extends the derived Args does not. It must stay assignable to the declaration's
 * Args (the constructor passes it on), so a field that is not declared fails the typecheck here.
 */
export interface SecurityDefaultsArgs extends ArgsOf<typeof securityDefaultsDeclaration> {
    /** Whether Microsoft's security defaults are on for the tenant. */
    isEnabled: pulumi.Input<boolean>;
    /**
     * What enforced Conditional Access takes over once this plan is applied: switching security defaults
     * off without both (MFA required, legacy authentication blocked) weakens the tenant and needs a
     * confirmation that names it. Left out, nothing replaces them.
     */
    replacement?: pulumi.Input<SecurityDefaultsReplacement>;
}

/**
 * Security defaults of the tenant (Graph policies/identitySecurityDefaultsEnforcementPolicy), type token
 * pulumi-nodejs:dynamic/m365-mfa:SecurityDefaults. Deleting the resource stops managing the setting and
 * leaves the tenant as it is.
 */
export class SecurityDefaults extends settingResource(securityDefaults.type, securityDefaultsDeclaration) {
    // The Args by name, so that a consumer's type error names SecurityDefaultsArgs.
    constructor(name: string, args: SecurityDefaultsArgs, opts?: pulumi.CustomResourceOptions) {
        super(name, args, opts);
    }
}
