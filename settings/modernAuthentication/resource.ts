import { type ArgsOf, settingResource } from "../../providers/framework/declare";
import { modernAuthentication, modernAuthenticationDeclaration } from "./setting";

/** enabled: whether Exchange Online accepts modern authentication (OAuth2ClientProfileEnabled). */
export type ModernAuthenticationArgs = ArgsOf<typeof modernAuthenticationDeclaration>;

/**
 * Modern authentication of Exchange Online (Set-OrganizationConfig -OAuth2ClientProfileEnabled), type
 * token pulumi-nodejs:dynamic/m365-mfa:ModernAuthentication. Deleting the resource stops managing the
 * setting and leaves Exchange Online as it is.
 */
export class ModernAuthentication extends settingResource(modernAuthentication.type, modernAuthenticationDeclaration) {}
