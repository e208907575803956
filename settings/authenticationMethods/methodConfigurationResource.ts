import type * as pulumi from "@pulumi/pulumi";
import { type ArgsOf, settingResource } from "../../providers/framework/declare";
import { authenticationMethodConfiguration, methodConfigurationDeclaration } from "./methodConfiguration";

/**
 * method (which configuration), state, includeTargets, excludeTargets and each method's own fields (featureSettings,
 * passkeyProfiles, isSoftwareOathEnabled, ...; see methodConfigurationDeclaration), and confirm (as
 * m365-mfa:baseline.guards.confirm, e.g. of a weakening the preview named: SMS switched on).
 */
export interface AuthenticationMethodConfigurationArgs extends ArgsOf<typeof methodConfigurationDeclaration> {}

/**
 * One method of the authentication methods policy (Graph .../authenticationMethodConfigurations/{method}), type token
 * pulumi-nodejs:dynamic/m365-mfa:AuthenticationMethodConfiguration. Only the fields set are managed; the rest of the
 * method's configuration is left as it is. Its outputs: the inputs, tenantAtPreview, configuration (the method's whole
 * configuration as Graph reported it at the last read) and tenantId. Deleting the resource stops managing; the method
 * keeps its configuration.
 */
export class AuthenticationMethodConfiguration extends settingResource(
    authenticationMethodConfiguration.type,
    methodConfigurationDeclaration,
) {
    // The Args by name, so that a consumer's type error names AuthenticationMethodConfigurationArgs.
    constructor(name: string, args: AuthenticationMethodConfigurationArgs, opts?: pulumi.CustomResourceOptions) {
        super(name, args, opts);
    }
}
