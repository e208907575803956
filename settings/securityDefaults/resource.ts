import { settingResource } from "../../providers/framework/declare";
import type { ArgsOf } from "../../providers/framework/declare";
import { securityDefaults, securityDefaultsDeclaration } from "./setting";

/** isEnabled (whether security defaults are on), replacement (what enforced Conditional Access takes over), confirm (as m365-mfa:baseline.guards.confirm). */
export type SecurityDefaultsArgs = ArgsOf<typeof securityDefaultsDeclaration>;

/**
 * Security defaults of the tenant (Graph policies/identitySecurityDefaultsEnforcementPolicy), type token
 * pulumi-nodejs:dynamic/m365-mfa:SecurityDefaults. Deleting the resource stops managing the setting and
 * leaves the tenant as it is.
 */
export class SecurityDefaults extends settingResource(securityDefaults.type, securityDefaultsDeclaration) {}
