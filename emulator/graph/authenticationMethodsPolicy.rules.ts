import type { RuleTable } from "../rules";

const DOC = "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0";
const BETA = "microsoftgraph/microsoft-graph-docs-contrib api-reference/beta";
const POLICY = "/policies/authenticationMethodsPolicy";
const CONFIGS = `${POLICY}/authenticationMethodConfigurations`;
const AUTHENTICATOR = `${CONFIGS}/MicrosoftAuthenticator`;
const AUTHENTICATOR_TYPE = "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration";
const FIDO2 = `${CONFIGS}/fido2`;
const FIDO2_TYPE = "#microsoft.graph.fido2AuthenticationMethodConfiguration";
const QR = `${CONFIGS}/qrCodePin`;
const QR_TYPE = "#microsoft.graph.qrCodePinAuthenticationMethodConfiguration";
const HARDWARE = `${CONFIGS}/hardwareOath`;
const EXTERNAL_TYPE = "#microsoft.graph.externalAuthenticationMethodConfiguration";
const DEFAULT_PROFILE = "00000000-0000-0000-0000-000000000001";
const ADMINS_PROFILE = "5a0e2b1c-3d4e-4f50-8a6b-7c8d9e0f1a2b";
const profile = (id: string, name: string) => ({
    id,
    name,
    passkeyTypes: "deviceBound",
    attestationEnforcement: "registrationOnly",
    keyRestrictions: { isEnforced: false, enforcementType: "block", aaGuids: [] },
});

/** The authentication methods policy and its method configurations (./authenticationMethodsPolicy.ts). */
export const RULES: RuleTable = {
    area: "authenticationMethodsPolicy",
    file: "emulator/graph/authenticationMethodsPolicy.ts",
    rules: [
        {
            id: "authenticationMethodsPolicy.route",
            kind: "route",
            statement: "GET and PATCH /policies/authenticationMethodsPolicy (v1.0 and beta); PATCH answers 200 with the policy.",
            source: `${DOC}/api/authenticationmethodspolicy-update.md`,
            modelled: true,
            route: {
                methods: ["GET", "PATCH"],
                path: POLICY,
                versions: ["v1.0", "beta"],
                bodyEntity: { PATCH: "authenticationMethodsPolicy" },
                readOnly: ["id", "displayName", "description", "policyVersion", "lastModifiedDateTime"],
            },
            probe: {
                method: "PATCH",
                path: POLICY,
                body: { registrationEnforcement: { authenticationMethodsRegistrationCampaign: { snoozeDurationInDays: 1 } } },
            },
            expect: { status: 200, bodyHas: ["registrationEnforcement", "policyMigrationState"] },
        },
        {
            id: "authenticationMethodsPolicy.permission.write",
            kind: "permission",
            statement: "Updating needs Policy.ReadWrite.AuthenticationMethod; Policy.Read.All is refused with 403.",
            source: `${DOC}/api/authenticationmethodspolicy-update.md`,
            modelled: true,
            probe: { method: "PATCH", path: POLICY, body: { reconfirmationInDays: 180 }, app: ["Policy.Read.All"] },
            expect: { status: 403 },
        },
        {
            id: "authenticationMethodsPolicy.permission.read",
            kind: "permission",
            statement: "Policy.Read.All reads the policy.",
            source: `${DOC}/api/authenticationmethodspolicy-get.md`,
            modelled: true,
            probe: { method: "GET", path: POLICY, app: ["Policy.Read.All"] },
            expect: { status: 200 },
        },
        {
            id: "authenticationMethodsPolicy.readOnly",
            kind: "readOnly",
            statement: "policyVersion and lastModifiedDateTime are set by the service.",
            source: `${DOC}/resources/authenticationmethodspolicy.md`,
            modelled: true,
            stricter:
                'Whether Graph ignores or refuses them in a PATCH is not documented; the emulator refuses them with 400 "not ' +
                'modelled by the emulator".',
            probe: { method: "PATCH", path: POLICY, body: { policyVersion: "9.9" } },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.valueSet.migration",
            kind: "valueSet",
            statement: "policyMigrationState is preMigration, migrationInProgress or migrationComplete.",
            source: "graph-schema v1.0.json authenticationMethodsPolicyMigrationState",
            modelled: true,
            probe: { method: "PATCH", path: POLICY, body: { policyMigrationState: "done" } },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.migration.reversible",
            kind: "status",
            statement: "The migration is reversible: a step back from migrationComplete is accepted.",
            source:
                'learn.microsoft.com entra/identity/authentication/how-to-authentication-methods-manage ("the process is fully ' +
                'reversible")',
            modelled: true,
            probe: {
                method: "PATCH",
                path: POLICY,
                body: { policyMigrationState: "preMigration" },
                setup: [{ method: "PATCH", path: POLICY, body: { policyMigrationState: "migrationComplete" } }],
            },
            expect: { status: 200, body: { policyMigrationState: "preMigration" } },
        },
        {
            id: "authenticationMethodsPolicy.snooze.range",
            kind: "valueSet",
            statement: "snoozeDurationInDays is 0 to 14.",
            source: `${DOC}/resources/authenticationmethodsregistrationcampaign.md`,
            modelled: true,
            probe: {
                method: "PATCH",
                path: POLICY,
                body: { registrationEnforcement: { authenticationMethodsRegistrationCampaign: { snoozeDurationInDays: 15 } } },
            },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.systemCredentialPreferences.v1",
            kind: "body",
            statement: "systemCredentialPreferences (system-preferred MFA) is a beta property; v1.0's type has no such property.",
            source: "graph-schema v1.0.json authenticationMethodsPolicy; graph-schema beta.json authenticationMethodsPolicy",
            modelled: true,
            probe: { method: "PATCH", path: POLICY, body: { systemCredentialPreferences: { state: "enabled" } } },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.configurations.route",
            kind: "route",
            statement: "GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations lists the method configurations.",
            source: `${DOC}/resources/authenticationmethodspolicy.md (relationships)`,
            modelled: true,
            route: { methods: ["GET"], path: CONFIGS, versions: ["v1.0", "beta"] },
            probe: { method: "GET", path: CONFIGS },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "authenticationMethodsPolicy.configuration.route",
            kind: "route",
            statement:
                "GET and PATCH one method configuration by id; PATCH answers 204 and the body names the derived type in @odata.type.",
            source: `${DOC}/api/microsoftauthenticatorauthenticationmethodconfiguration-update.md`,
            modelled: true,
            route: {
                methods: ["GET", "PATCH", "DELETE"],
                path: `${CONFIGS}/{id}`,
                versions: ["v1.0", "beta"],
                bodyEntity: { PATCH: "authenticationMethodConfiguration" },
                needsODataType: true,
            },
            probe: {
                method: "PATCH",
                path: `${CONFIGS}/Sms`,
                body: { "@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", state: "disabled" },
            },
            expect: { status: 204 },
        },
        {
            id: "authenticationMethodsPolicy.configuration.odataType",
            kind: "body",
            statement: "Every documented update request names the configuration's derived type in @odata.type.",
            source: `${DOC}/api/smsauthenticationmethodconfiguration-update.md`,
            modelled: true,
            stricter: "What Graph answers without @odata.type is not documented; the emulator refuses it with 400.",
            probe: { method: "PATCH", path: `${CONFIGS}/Sms`, body: { state: "disabled" } },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.configuration.unknown",
            kind: "status",
            statement:
                "The method ids are the documented ones (microsoftAuthenticator, sms, voice, fido2, softwareOath, " +
                "temporaryAccessPass, email, x509Certificate, qrCodePin, and in beta hardwareOath); another id answers 404.",
            source: `${DOC}/resources/authenticationmethodconfiguration.md`,
            modelled: true,
            probe: { method: "GET", path: `${CONFIGS}/NoSuchMethod` },
            expect: { status: 404 },
        },
        {
            id: "authenticationMethodsPolicy.configuration.permission",
            kind: "permission",
            statement: "Updating a method configuration needs Policy.ReadWrite.AuthenticationMethod.",
            source: `${DOC}/api/smsauthenticationmethodconfiguration-update.md`,
            modelled: true,
            probe: {
                method: "PATCH",
                path: `${CONFIGS}/Sms`,
                body: { "@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", state: "disabled" },
                app: ["Policy.Read.All"],
            },
            expect: { status: 403 },
        },
        {
            id: "authenticationMethodsPolicy.tap.length",
            kind: "valueSet",
            statement: "A Temporary Access Pass defaultLength is 8 to 48 characters.",
            source: `${DOC}/resources/temporaryaccesspassauthenticationmethodconfiguration.md`,
            modelled: true,
            probe: {
                method: "PATCH",
                path: `${CONFIGS}/TemporaryAccessPass`,
                body: { "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration", defaultLength: 7 },
            },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.numberMatching.betaRead",
            kind: "body",
            statement: "The beta microsoftAuthenticatorFeatureSettings still has numberMatchingRequiredState, and reads return it.",
            source:
                `${BETA}/resources/microsoftauthenticatorfeaturesettings.md; graph-schema beta.json ` +
                "microsoftAuthenticatorFeatureSettings",
            modelled: true,
            stricter: "The values Graph reports for it are not documented; the emulator reports it enabled for all users.",
            probe: { method: "GET", path: AUTHENTICATOR, version: "beta" },
            expect: { status: 200, bodyHas: ["featureSettings.numberMatchingRequiredState"] },
        },
        {
            id: "authenticationMethodsPolicy.numberMatching.v1Read",
            kind: "body",
            statement: "v1.0's microsoftAuthenticatorFeatureSettings has no numberMatchingRequiredState.",
            source: "graph-schema v1.0.json microsoftAuthenticatorFeatureSettings",
            modelled: true,
            probe: { method: "GET", path: AUTHENTICATOR },
            expect: { status: 200, bodyLacks: ["featureSettings.numberMatchingRequiredState"] },
        },
        {
            id: "authenticationMethodsPolicy.numberMatching.betaWrite",
            kind: "readOnly",
            statement: "Number matching can no longer be configured: an update that sends numberMatchingRequiredState fails.",
            source:
                "learn.microsoft.com entra/identity/authentication/how-to-mfa-number-match (number matching is always on; the " +
                "setting is no longer configurable); that an update sending numberMatchingRequiredState fails is shown only by " +
                "an issue thread, microsoft/Microsoft365DSC#3406, not by a Microsoft page",
            modelled: true,
            stricter: "Whether Graph accepts the unchanged value is not documented; the emulator refuses any sending with 400.",
            route: {
                methods: ["PATCH"],
                path: AUTHENTICATOR,
                versions: ["beta"],
                readOnly: ["featureSettings.numberMatchingRequiredState"],
            },
            probe: {
                method: "PATCH",
                path: AUTHENTICATOR,
                version: "beta",
                body: { "@odata.type": AUTHENTICATOR_TYPE, featureSettings: { numberMatchingRequiredState: { state: "enabled" } } },
            },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.companionApp.v1",
            kind: "body",
            statement:
                "companionAppAllowedState is a beta feature setting; v1.0's type has only displayAppInformationRequiredState " +
                "and displayLocationInformationRequiredState.",
            source: "graph-schema v1.0.json microsoftAuthenticatorFeatureSettings",
            modelled: true,
            probe: {
                method: "PATCH",
                path: AUTHENTICATOR,
                body: { "@odata.type": AUTHENTICATOR_TYPE, featureSettings: { companionAppAllowedState: { state: "enabled" } } },
            },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.passkeyProfiles.migrated",
            kind: "body",
            statement:
                "FIDO2 has passkeyProfiles and a non-deletable defaultPasskeyProfile that mirrors the legacy FIDO2 settings; " +
                "tenants that had not configured FIDO2 were moved to passkey profiles automatically, each target allowed the " +
                "default profile.",
            source:
                "learn.microsoft.com graph/api/resources/fido2authenticationmethodconfiguration (v1.0, defaultPasskeyProfile); " +
                `${DOC}/resources/passkeyprofile.md; ${DOC}/resources/passkeyauthenticationmethodtarget.md; ` +
                "shared/reference/microsoft-api-facts.md (automatic migration April-May 2026)",
            modelled: true,
            stricter:
                "When exactly a tenant counts as not having configured FIDO2 is not documented; the emulator migrates one " +
                "whose FIDO2 configuration is still a new tenant's, the first time it is read.",
            probe: { method: "GET", path: FIDO2 },
            expect: { status: 200, body: { defaultPasskeyProfile: DEFAULT_PROFILE }, bodyHas: ["passkeyProfiles", "includeTargets"] },
        },
        {
            id: "authenticationMethodsPolicy.passkeyProfiles.attestationDeprecated",
            kind: "body",
            statement:
                "isAttestationEnforced is deprecated with passkey profiles; attestation is each profile's " +
                "attestationEnforcement (disabled, registrationOnly).",
            source:
                `learn.microsoft.com graph/api/resources/fido2authenticationmethodconfiguration (v1.0: isAttestationEnforced "is ` +
                `deprecated"); ${DOC}/resources/passkeyprofile.md`,
            modelled: true,
            stricter:
                "Whether Graph still takes isAttestationEnforced (or the global keyRestrictions) on a tenant with passkey " +
                'profiles is not documented; the emulator refuses them with 400 "not modelled by the emulator".',
            // The project's clients never send the deprecated field, whatever the tenant's shape (checked on every request they send).
            route: { methods: ["PATCH"], path: FIDO2, versions: ["v1.0", "beta"], readOnly: ["isAttestationEnforced"] },
            probe: { method: "PATCH", path: FIDO2, body: { "@odata.type": FIDO2_TYPE, isAttestationEnforced: true } },
            expect: { status: 400, message: "not modelled by the emulator" },
        },
        {
            id: "authenticationMethodsPolicy.passkeyProfiles.max",
            kind: "valueSet",
            statement: "Up to three passkey profiles, the default passkey profile included.",
            source:
                "MicrosoftDocs/entra-docs docs/identity/authentication/how-to-authentication-passkey-profiles.md (Enable passkey " +
                "profiles, note)",
            modelled: true,
            probe: {
                method: "PATCH",
                path: FIDO2,
                body: {
                    "@odata.type": FIDO2_TYPE,
                    passkeyProfiles: [0, 1, 2, 3].map((i) =>
                        profile(i === 0 ? DEFAULT_PROFILE : `00000000-0000-0000-0000-00000000000${i + 1}`, `P${i}`),
                    ),
                },
            },
            expect: { status: 400, message: "up to 3 passkey profiles" },
        },
        {
            id: "authenticationMethodsPolicy.passkeyProfiles.defaultKept",
            kind: "status",
            statement: "The default passkey profile cannot be deleted.",
            source:
                "learn.microsoft.com graph/api/resources/fido2authenticationmethodconfiguration (v1.0: defaultPasskeyProfile, " +
                '"the non-deletable baseline passkey profile")',
            modelled: true,
            probe: {
                method: "PATCH",
                path: FIDO2,
                body: { "@odata.type": FIDO2_TYPE, passkeyProfiles: [profile("00000000-0000-0000-0000-000000000009", "Only")] },
            },
            expect: { status: 400, message: "cannot be deleted" },
        },
        {
            id: "authenticationMethodsPolicy.passkeyProfiles.assignedKept",
            kind: "status",
            statement: "A passkey profile can be deleted only when no target is assigned it; targets name existing profiles.",
            source:
                "MicrosoftDocs/entra-docs docs/identity/authentication/how-to-authentication-passkey-profiles.md (Delete a " +
                "passkey profile)",
            modelled: true,
            stricter: "Graph's status for it is not documented; the emulator answers 400.",
            probe: {
                method: "PATCH",
                path: FIDO2,
                body: { "@odata.type": FIDO2_TYPE, passkeyProfiles: [profile(DEFAULT_PROFILE, "Default passkey profile")] },
                setup: [
                    {
                        method: "PATCH",
                        path: FIDO2,
                        body: {
                            "@odata.type": FIDO2_TYPE,
                            passkeyProfiles: [profile(DEFAULT_PROFILE, "Default passkey profile"), profile(ADMINS_PROFILE, "Admins")],
                            includeTargets: [
                                {
                                    id: "all_users",
                                    targetType: "group",
                                    isRegistrationRequired: false,
                                    allowedPasskeyProfiles: [ADMINS_PROFILE],
                                },
                            ],
                        },
                    },
                ],
            },
            expect: { status: 400, message: "does not exist" },
        },
        {
            id: "authenticationMethodsPolicy.qrCodePin.route",
            kind: "route",
            statement:
                "GET and PATCH .../authenticationMethodConfigurations/qrCodePin (v1.0); PATCH answers 200 with the " +
                "configuration, whose id is qrCodePin.",
            source: `${DOC}/api/qrcodepinauthenticationmethodconfiguration-update.md`,
            modelled: true,
            stricter: "The vendored beta schema has no qrCodePinAuthenticationMethodConfiguration; the emulator serves it on v1.0 only.",
            route: {
                methods: ["GET", "PATCH"],
                path: QR,
                versions: ["v1.0"],
                bodyEntity: { PATCH: "authenticationMethodConfiguration" },
                needsODataType: true,
            },
            probe: { method: "PATCH", path: QR, body: { "@odata.type": QR_TYPE, standardQRCodeLifetimeInDays: 180, pinLength: 10 } },
            expect: { status: 200, body: { id: "qrCodePin", pinLength: 10, standardQRCodeLifetimeInDays: 180 } },
        },
        {
            id: "authenticationMethodsPolicy.qrCodePin.pinLength",
            kind: "valueSet",
            statement: "The QR code PIN is 8 to 20 digits.",
            source:
                `${DOC}/resources/qrcodepinauthenticationmethodconfiguration.md; MicrosoftDocs/entra-docs ` +
                "docs/identity/authentication/concept-authentication-qr-code.md",
            modelled: true,
            probe: { method: "PATCH", path: QR, body: { "@odata.type": QR_TYPE, pinLength: 7 } },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.qrCodePin.lifetime",
            kind: "valueSet",
            statement: "A standard QR code lives 1 to 395 days (default 365).",
            source: `${DOC}/resources/qrcodepinauthenticationmethodconfiguration.md`,
            modelled: true,
            probe: { method: "PATCH", path: QR, body: { "@odata.type": QR_TYPE, standardQRCodeLifetimeInDays: 396 } },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.hardwareOath.beta",
            kind: "route",
            statement:
                "The hardware OATH method configuration is beta only: GET and PATCH " +
                ".../authenticationMethodConfigurations/hardwareOath (PATCH answers 204).",
            source:
                `${BETA}/api/hardwareoathauthenticationmethodconfiguration-update.md; graph-schema v1.0.json (no ` +
                "hardwareOathAuthenticationMethodConfiguration)",
            modelled: true,
            route: {
                methods: ["GET", "PATCH"],
                path: HARDWARE,
                versions: ["beta"],
                bodyEntity: { PATCH: "authenticationMethodConfiguration" },
                needsODataType: true,
            },
            probe: { method: "GET", path: HARDWARE },
            expect: { status: 404 },
        },
        {
            id: "authenticationMethodsPolicy.reportSuspiciousActivity.beta",
            kind: "body",
            statement: "reportSuspiciousActivitySettings (state, includeTarget, voiceReportingCode) is a beta property of the policy.",
            source:
                `${BETA}/resources/reportsuspiciousactivitysettings.md; graph-schema v1.0.json authenticationMethodsPolicy (no ` +
                "such property)",
            modelled: true,
            probe: { method: "PATCH", path: POLICY, body: { reportSuspiciousActivitySettings: { state: "enabled" } } },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.reportSuspiciousActivity.code",
            kind: "valueSet",
            statement: "voiceReportingCode is the number the user enters on the phone to report a prompt.",
            source: `${BETA}/resources/reportsuspiciousactivitysettings.md`,
            modelled: true,
            stricter: "Its range is not documented; the emulator takes 0-9 (one keypad digit) and refuses the rest.",
            probe: {
                method: "PATCH",
                path: POLICY,
                version: "beta",
                body: { reportSuspiciousActivitySettings: { voiceReportingCode: 12 } },
            },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.externalMethods.create",
            kind: "route",
            statement:
                "External authentication methods are created with POST on the method configurations (201 with the " +
                "configuration, a GUID id), updated by id with PATCH (204) and deleted with DELETE; displayName, appId and " +
                "openIdConnectSetting are required.",
            source:
                `${DOC}/resources/externalauthenticationmethodconfiguration.md (methods); ` +
                `${DOC}/api/externalauthenticationmethodconfiguration-update.md; graph-schema v1.0.json ` +
                "externalAuthenticationMethodConfiguration (non-nullable properties)",
            modelled: true,
            stricter:
                "The create page is not in the stored docs: the 201 is Graph's convention; state is required, appId must be " +
                "a GUID, discoveryUrl https, and displayNames unique.",
            route: {
                methods: ["POST"],
                path: CONFIGS,
                versions: ["v1.0", "beta"],
                bodyEntity: { POST: "authenticationMethodConfiguration" },
                needsODataType: true,
            },
            probe: {
                method: "POST",
                path: CONFIGS,
                body: {
                    "@odata.type": EXTERNAL_TYPE,
                    displayName: "Acme MFA",
                    appId: ADMINS_PROFILE,
                    state: "enabled",
                    openIdConnectSetting: { clientId: "entra", discoveryUrl: "https://acme.example/.well-known/openid-configuration" },
                },
            },
            expect: {
                status: 201,
                body: { displayName: "Acme MFA", state: "enabled" },
                bodyHas: ["id", "openIdConnectSetting.discoveryUrl"],
            },
        },
        {
            id: "authenticationMethodsPolicy.externalMethods.required",
            kind: "body",
            statement: "openIdConnectSetting is required (non-nullable) when an external method is created.",
            source: "graph-schema v1.0.json externalAuthenticationMethodConfiguration",
            modelled: true,
            probe: {
                method: "POST",
                path: CONFIGS,
                body: { "@odata.type": EXTERNAL_TYPE, displayName: "No OIDC", appId: ADMINS_PROFILE, state: "enabled" },
            },
            expect: { status: 400, message: "openIdConnectSetting" },
        },
        {
            id: "authenticationMethodsPolicy.externalMethods.builtIn",
            kind: "status",
            statement: "Only external methods are created; the built-in methods exist in every tenant.",
            source: `${DOC}/resources/authenticationmethodspolicy.md (relationships)`,
            modelled: true,
            stricter: "Graph's answer to a create of a built-in type is not documented; the emulator refuses it with 400.",
            probe: {
                method: "POST",
                path: CONFIGS,
                body: { "@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", state: "enabled" },
            },
            expect: { status: 400 },
        },
        {
            id: "authenticationMethodsPolicy.configuration.delete",
            kind: "verb",
            statement: "DELETE of a built-in method configuration reverts it to its default configuration.",
            source: `${DOC}/resources/fido2authenticationmethodconfiguration.md (methods: Delete)`,
            modelled: false,
            stricter:
                'Not modelled by the emulator: refused with 400 "not modelled by the emulator" (DELETE of an external method is modelled).',
        },
        {
            id: "authenticationMethodsPolicy.legacyPolicies",
            kind: "status",
            statement:
                "The legacy MFA and SSPR method settings stopped being manageable on 2025-09-30; what a step back in the " +
                "migration does after that is not documented.",
            source: "learn.microsoft.com entra/identity/authentication/how-to-authentication-methods-manage",
            modelled: false,
            stricter: "The emulator only records the state; the provider warns at preview.",
        },
    ],
};
