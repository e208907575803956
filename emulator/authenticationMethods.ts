/**
 * The authentication methods policy of one emulated tenant (Graph policies/authenticationMethodsPolicy):
 * its state as kept in the tenant file, and what a new tenant starts with. The routes that read and
 * change it are in ./graph/authenticationMethodsPolicy.ts.
 *
 * Property names and values are Graph's own (checked against ./schema/v1.0.json and beta.json), so a
 * method configuration is stored as Graph renders it, without its OData annotations and id.
 */

/** The method configurations the emulator serves, by the id used in the URL. */
export const METHOD_IDS = [
    "microsoftAuthenticator",
    "sms",
    "voice",
    "fido2",
    "softwareOath",
    "temporaryAccessPass",
    "email",
    "x509Certificate",
    /** v1.0 (qrcodepinauthenticationmethodconfiguration-update.md); not in the vendored beta schema. */
    "qrCodePin",
    /** beta only (hardwareoathauthenticationmethodconfiguration-update.md). */
    "hardwareOath",
] as const;
export type MethodId = (typeof METHOD_IDS)[number];

export type TargetType = "user" | "group";
export type AdvancedConfigState = "default" | "enabled" | "disabled";
export type MigrationState = "preMigration" | "migrationInProgress" | "migrationComplete";

/** excludeTarget / includeTarget (Graph complex types). */
export interface TargetRef {
    id: string;
    targetType: TargetType;
}

/** An entry of a method's includeTargets (authenticationMethodTarget and its derived types). */
export interface MethodTargetState extends TargetRef {
    isRegistrationRequired: boolean;
    /** microsoftAuthenticatorAuthenticationMethodTarget only. */
    authenticationMode?: "any" | "deviceBasedPush" | "push";
    /** smsAuthenticationMethodTarget only. */
    isUsableForSignIn?: boolean;
}

/** featureTarget: a group, administrative unit or role (id "all_users" for everyone, all zeros for nobody). */
export interface FeatureTargetState {
    id: string;
    targetType: "group" | "administrativeUnit" | "role";
}

/** authenticationMethodFeatureConfiguration */
export interface FeatureConfigurationState {
    state: AdvancedConfigState;
    includeTarget: FeatureTargetState;
    excludeTarget: FeatureTargetState;
}

/** One method configuration: the common part, plus the method's own properties by Graph name. */
export interface MethodConfigurationState {
    state: "enabled" | "disabled";
    includeTargets: MethodTargetState[];
    excludeTargets: TargetRef[];
    [property: string]: unknown;
}

export interface RegistrationCampaignState {
    state: AdvancedConfigState;
    snoozeDurationInDays: number;
    /** beta only. */
    enforceRegistrationAfterAllowedSnoozes: boolean;
    includeTargets: (TargetRef & { targetedAuthenticationMethod: string })[];
    excludeTargets: TargetRef[];
}

export interface SystemCredentialPreferencesState {
    state: AdvancedConfigState;
    includeTargets: TargetRef[];
    excludeTargets: TargetRef[];
}

export interface AuthenticationMethodsPolicyState {
    /** Read-only: the version of the policy schema in use. */
    policyVersion: string;
    /** Read-only: when the policy or one of its method configurations last changed. */
    lastModifiedDateTime: string;
    /** null in tenants that never had legacy MFA/SSPR method settings to migrate. */
    policyMigrationState: MigrationState | null;
    reconfirmationInDays: number;
    registrationCampaign: RegistrationCampaignState;
    /** beta: system-preferred MFA. */
    systemCredentialPreferences: SystemCredentialPreferencesState;
    /** beta: report suspicious activity (filled in by the routes for tenant files from before it was emulated). */
    reportSuspiciousActivitySettings?: { state: AdvancedConfigState; includeTarget: TargetRef; voiceReportingCode: number };
    methods: Record<MethodId, MethodConfigurationState>;
    /** External authentication methods (externalAuthenticationMethodConfiguration), by their GUID id; created by POST. */
    externalMethods?: Record<
        string,
        MethodConfigurationState & { displayName: string; appId: string; openIdConnectSetting: { clientId: string; discoveryUrl: string } }
    >;
}

export const ALL_USERS = "all_users";
/** The id Graph uses in a feature setting's excludeTarget when nobody is excluded. */
export const NO_ONE = "00000000-0000-0000-0000-000000000000";

const allUsers = (extra: Partial<MethodTargetState> = {}): MethodTargetState => ({
    targetType: "group",
    id: ALL_USERS,
    isRegistrationRequired: false,
    ...extra,
});

const feature = (): FeatureConfigurationState => ({
    state: "default",
    includeTarget: { targetType: "group", id: ALL_USERS },
    excludeTarget: { targetType: "group", id: NO_ONE },
});

/**
 * What a new tenant's policy looks like through Graph: Microsoft Authenticator and email OTP on for
 * all users, the other methods off but targeted at all users, Microsoft-managed ("default") feature
 * settings, registration campaign and system-preferred MFA, the Temporary Access Pass defaults the
 * portal shows (1 hour default and minimum, 8 hours maximum, 8 characters), and no migration state.
 */
export function newAuthenticationMethodsPolicy(now: Date = new Date()): AuthenticationMethodsPolicyState {
    return {
        policyVersion: "1.5",
        lastModifiedDateTime: now.toISOString(),
        policyMigrationState: null,
        reconfirmationInDays: 0,
        registrationCampaign: {
            state: "default",
            snoozeDurationInDays: 1,
            enforceRegistrationAfterAllowedSnoozes: true,
            includeTargets: [{ id: ALL_USERS, targetType: "group", targetedAuthenticationMethod: "microsoftAuthenticator" }],
            excludeTargets: [],
        },
        systemCredentialPreferences: {
            state: "default",
            includeTargets: [{ id: ALL_USERS, targetType: "group" }],
            excludeTargets: [],
        },
        methods: {
            microsoftAuthenticator: {
                state: "enabled",
                includeTargets: [allUsers({ authenticationMode: "any" })],
                excludeTargets: [],
                isSoftwareOathEnabled: false,
                featureSettings: {
                    displayAppInformationRequiredState: feature(),
                    displayLocationInformationRequiredState: feature(),
                    companionAppAllowedState: feature(),
                },
            },
            sms: { state: "disabled", includeTargets: [allUsers({ isUsableForSignIn: true })], excludeTargets: [] },
            voice: { state: "disabled", includeTargets: [allUsers()], excludeTargets: [], isOfficePhoneAllowed: false },
            fido2: {
                state: "disabled",
                includeTargets: [allUsers()],
                excludeTargets: [],
                isAttestationEnforced: false,
                isSelfServiceRegistrationAllowed: true,
                keyRestrictions: { isEnforced: false, enforcementType: "block", aaGuids: [] },
            },
            softwareOath: { state: "disabled", includeTargets: [allUsers()], excludeTargets: [] },
            temporaryAccessPass: {
                state: "disabled",
                includeTargets: [allUsers()],
                excludeTargets: [],
                defaultLifetimeInMinutes: 60,
                defaultLength: 8,
                minimumLifetimeInMinutes: 60,
                maximumLifetimeInMinutes: 480,
                isUsableOnce: false,
            },
            email: { state: "enabled", includeTargets: [allUsers()], excludeTargets: [], allowExternalIdToUseEmailOtp: "default" },
            x509Certificate: {
                state: "disabled",
                includeTargets: [allUsers()],
                excludeTargets: [],
                certificateUserBindings: [
                    {
                        x509CertificateField: "PrincipalName",
                        userProperty: "onPremisesUserPrincipalName",
                        priority: 1,
                        trustAffinityLevel: "low",
                    },
                    { x509CertificateField: "RFC822Name", userProperty: "userPrincipalName", priority: 2, trustAffinityLevel: "low" },
                ],
                authenticationModeConfiguration: {
                    x509CertificateAuthenticationDefaultMode: "x509CertificateSingleFactor",
                    x509CertificateDefaultRequiredAffinityLevel: "low",
                    rules: [],
                },
                crlValidationConfiguration: { state: "disabled", exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [] },
            },
            qrCodePin: {
                state: "disabled",
                includeTargets: [allUsers()],
                excludeTargets: [],
                pinLength: 8,
                standardQRCodeLifetimeInDays: 365,
            },
            hardwareOath: { state: "disabled", includeTargets: [allUsers()], excludeTargets: [] },
        },
        reportSuspiciousActivitySettings: {
            state: "default",
            includeTarget: { targetType: "group", id: ALL_USERS },
            voiceReportingCode: 0,
        },
    };
}
