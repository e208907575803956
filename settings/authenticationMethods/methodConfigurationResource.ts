import * as pulumi from "@pulumi/pulumi";
import { SettingResource } from "../../providers/framework/resource";
import { authenticationMethodConfiguration, type AuthenticationMethod, type AuthenticatorFeature, type AuthenticatorFeatureSetting, type MethodTarget, type PasskeyProfileSetting } from "./methodConfiguration";

/** The type token: pulumi-nodejs:dynamic/m365-mfa:<authenticationMethodConfiguration.type>. */
const TYPE = authenticationMethodConfiguration.type;

export interface AuthenticationMethodConfigurationArgs {
    /** Which method: microsoftAuthenticator, sms, voice, fido2, softwareOath, temporaryAccessPass, email, x509Certificate, qrCodePin, hardwareOath (beta). */
    method: pulumi.Input<AuthenticationMethod>;
    state?: pulumi.Input<"enabled" | "disabled">;
    /** Confirmations (as m365-mfa:baseline.guards.confirm), e.g. of a weakening the preview named (SMS switched on). */
    confirm?: pulumi.Input<pulumi.Input<string>[]>;
    /** Who may use the method: [{ id: group object id or "all_users", targetType?, and per method authenticationMode (Authenticator), isUsableForSignIn (SMS) }]. */
    includeTargets?: pulumi.Input<pulumi.Input<MethodTarget>[]>;
    excludeTargets?: pulumi.Input<pulumi.Input<{ id: string; targetType?: "group" | "user" }>[]>;
    /** microsoftAuthenticator: displayAppInformationRequiredState, displayLocationInformationRequiredState, companionAppAllowedState (beta). */
    featureSettings?: pulumi.Input<Partial<Record<AuthenticatorFeature, AuthenticatorFeatureSetting>>>;
    /** microsoftAuthenticator */
    isSoftwareOathEnabled?: pulumi.Input<boolean>;
    /** voice */
    isOfficePhoneAllowed?: pulumi.Input<boolean>;
    /**
     * fido2: passkey profiles by key: "default" (the tenant's default passkey profile) or a profile's name; each
     * { passkeyTypes?: ("deviceBound" | "synced")[], attestationEnforcement?: "disabled" | "registrationOnly",
     * keyRestrictions?: { isEnforced?, enforcementType?, aaGuids? } }. Targets choose profiles with
     * allowedPasskeyProfiles. (The deprecated isAttestationEnforced is not an input: it is never written.)
     */
    passkeyProfiles?: pulumi.Input<Record<string, PasskeyProfileSetting>>;
    /** fido2 */
    isSelfServiceRegistrationAllowed?: pulumi.Input<boolean>;
    /** temporaryAccessPass: 10-43200, between the minimum and the maximum. */
    defaultLifetimeInMinutes?: pulumi.Input<number>;
    /** temporaryAccessPass: 8-48. */
    defaultLength?: pulumi.Input<number>;
    /** temporaryAccessPass: 10-43200. */
    minimumLifetimeInMinutes?: pulumi.Input<number>;
    /** temporaryAccessPass: 10-43200. */
    maximumLifetimeInMinutes?: pulumi.Input<number>;
    /** temporaryAccessPass */
    isUsableOnce?: pulumi.Input<boolean>;
    /** email: "default" | "enabled" | "disabled". */
    allowExternalIdToUseEmailOtp?: pulumi.Input<"default" | "enabled" | "disabled">;
    /** qrCodePin: 8-20 digits. */
    pinLength?: pulumi.Input<number>;
    /** qrCodePin: 1-395 days. */
    standardQRCodeLifetimeInDays?: pulumi.Input<number>;
}

const AUTHENTICATION_METHOD_FIELDS = [
    "state",
    "includeTargets",
    "excludeTargets",
    "featureSettings",
    "isSoftwareOathEnabled",
    "isOfficePhoneAllowed",
    "passkeyProfiles",
    "isSelfServiceRegistrationAllowed",
    "defaultLifetimeInMinutes",
    "defaultLength",
    "minimumLifetimeInMinutes",
    "maximumLifetimeInMinutes",
    "isUsableOnce",
    "allowExternalIdToUseEmailOtp",
    "pinLength",
    "standardQRCodeLifetimeInDays",
] as const;

/**
 * One method of the authentication methods policy (Graph .../authenticationMethodConfigurations/{method}).
 * Only the fields set are managed; the rest of the method's configuration is left as it is. Deleting the
 * resource stops managing; the method keeps its configuration.
 */
export class AuthenticationMethodConfiguration extends SettingResource {
    declare public readonly method: pulumi.Output<AuthenticationMethod>;
    declare public readonly state: pulumi.Output<"enabled" | "disabled" | undefined>;
    /** The method's whole configuration as Graph reported it at the last read. */
    declare public readonly configuration: pulumi.Output<Record<string, unknown>>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: AuthenticationMethodConfigurationArgs, opts?: pulumi.CustomResourceOptions) {
        const inputs: Record<string, unknown> = { method: args.method, confirm: args.confirm, tenantAtPreview: undefined, configuration: undefined, tenantId: undefined };
        for (const field of AUTHENTICATION_METHOD_FIELDS) {
            inputs[field] = args[field];
        }
        super(TYPE, name, inputs, opts);
    }
}
