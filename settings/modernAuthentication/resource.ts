import type * as pulumi from "@pulumi/pulumi";
import { type ArgsOf, settingResource } from "../../providers/framework/declare";
import { modernAuthentication, modernAuthenticationDeclaration } from "./setting";

/** enabled: whether Exchange Online accepts modern authentication (OAuth2ClientProfileEnabled). */
export interface ModernAuthenticationArgs extends ArgsOf<typeof modernAuthenticationDeclaration> {}

/**
 * Modern authentication of Exchange Online (Set-OrganizationConfig -OAuth2ClientProfileEnabled), type
 * token pulumi-nodejs:dynamic/m365-mfa:ModernAuthentication. Deleting the resource stops managing the
 * setting and leaves Exchange Online as it is.
 */
export class ModernAuthentication extends settingResource(modernAuthentication.type, modernAuthenticationDeclaration) {
    // The Args by name, so that a consumer's type error names ModernAuthenticationArgs.
    constructor(name: string, args: ModernAuthenticationArgs, opts?: pulumi.CustomResourceOptions) {
        super(name, args, opts);
    }
}
