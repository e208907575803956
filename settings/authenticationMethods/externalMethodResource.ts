import type * as pulumi from "@pulumi/pulumi";
import { type ArgsOf, settingResource } from "../../providers/framework/declare";
import { externalAuthenticationMethod, externalMethodDeclaration } from "./externalMethod";

/** displayName (which external method), appId, clientId, discoveryUrl, state, includeTargets, excludeTargets. */
export interface ExternalAuthenticationMethodArgs extends ArgsOf<typeof externalMethodDeclaration> {}

/**
 * One external authentication method (External MFA; Graph externalAuthenticationMethodConfiguration), type token
 * pulumi-nodejs:dynamic/m365-mfa:ExternalAuthenticationMethod: created when the tenant has none of this name, then
 * only the fields set are managed. Its outputs: the inputs, configuration (the method as Graph reported it at the
 * last read, OpenID Connect settings flattened) and tenantId. Deleting the resource stops managing; the tenant
 * keeps the method.
 */
export class ExternalAuthenticationMethod extends settingResource(externalAuthenticationMethod.type, externalMethodDeclaration) {
    // The Args by name, so that a consumer's type error names ExternalAuthenticationMethodArgs.
    constructor(name: string, args: ExternalAuthenticationMethodArgs, opts?: pulumi.CustomResourceOptions) {
        super(name, args, opts);
    }
}
