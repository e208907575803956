import * as pulumi from "@pulumi/pulumi";
import { SettingResource } from "../../providers/framework/resource";
import { EXTERNAL_KEYS, externalAuthenticationMethod } from "./externalMethod";

/** The type token: pulumi-nodejs:dynamic/m365-mfa:<externalAuthenticationMethod.type>. */
const TYPE = externalAuthenticationMethod.type;

export interface ExternalAuthenticationMethodArgs {
    /** The name users see at sign-in; it is which external method this resource is. */
    displayName: pulumi.Input<string>;
    /** The application (client) id of the app registration that represents the provider. */
    appId?: pulumi.Input<string>;
    /** The client id the provider gave Microsoft Entra ID (openIdConnectSetting.clientId). */
    clientId?: pulumi.Input<string>;
    /** The provider's OpenID Connect discovery endpoint, https (openIdConnectSetting.discoveryUrl). */
    discoveryUrl?: pulumi.Input<string>;
    state?: pulumi.Input<"enabled" | "disabled">;
    includeTargets?: pulumi.Input<pulumi.Input<{ id: string; targetType?: "group" | "user"; isRegistrationRequired?: boolean }>[]>;
    excludeTargets?: pulumi.Input<pulumi.Input<{ id: string; targetType?: "group" | "user" }>[]>;
}

/**
 * One external authentication method (External MFA; Graph externalAuthenticationMethodConfiguration): created
 * when the tenant has none of this name, then only the fields set are managed. Deleting the resource stops
 * managing; the tenant keeps the method.
 */
export class ExternalAuthenticationMethod extends SettingResource {
    declare public readonly displayName: pulumi.Output<string>;
    /** The method as Graph reported it at the last read (OpenID Connect settings flattened). */
    declare public readonly configuration: pulumi.Output<Record<string, unknown>>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: ExternalAuthenticationMethodArgs, opts?: pulumi.CustomResourceOptions) {
        const inputs: Record<string, unknown> = { configuration: undefined, tenantId: undefined };
        for (const k of EXTERNAL_KEYS) inputs[k] = (args as unknown as Record<string, unknown>)[k];
        super(TYPE, name, inputs, opts);
    }
}
