import * as pulumi from "@pulumi/pulumi";
import { SettingResource } from "../../providers/framework/resource";
import { modernAuthentication } from "./setting";

/** The type token: pulumi-nodejs:dynamic/m365-mfa:<modernAuthentication.type>. */
const TYPE = modernAuthentication.type;

export interface ModernAuthenticationArgs {
    /** Whether Exchange Online accepts modern authentication (OAuth2ClientProfileEnabled). */
    enabled: pulumi.Input<boolean>;
}

/**
 * Modern authentication of Exchange Online (Set-OrganizationConfig -OAuth2ClientProfileEnabled).
 * Deleting the resource stops managing the setting and leaves Exchange Online as it is.
 */
export class ModernAuthentication extends SettingResource {
    declare public readonly enabled: pulumi.Output<boolean>;
    /** The Exchange organisation (its initial domain). */
    declare public readonly organizationName: pulumi.Output<string>;
    /** The tenant the provider was connected to when it last wrote or read. */
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: ModernAuthenticationArgs, opts?: pulumi.CustomResourceOptions) {
        super(TYPE, name, { enabled: args.enabled, organizationName: undefined, tenantId: undefined }, opts);
    }
}
