import {
    ALL_USERS,
    type AuthenticationMethodsPolicyState,
    type FeatureConfigurationState,
    type FeatureTargetState,
    METHOD_IDS,
    type MethodConfigurationState,
    type MethodId,
    type MethodTargetState,
    type MigrationState,
    NO_ONE,
    type RegistrationCampaignState,
    type SystemCredentialPreferencesState,
    type TargetRef,
    newAuthenticationMethodsPolicy,
} from "../authenticationMethods";
import { randomUUID } from "node:crypto";
import { GraphHttpError, jsonBody } from "../http";
import { requireRole } from "../identity";
import { checkBody, loadSchema, propertiesOf } from "../schema/check";
import type { TenantState } from "../store";
import { methodsPolicyAudit } from "./audit";
import type { Route, RouteContext } from "./routes";

/**
 * policies/authenticationMethodsPolicy and its method configurations, as Graph documents them:
 * - GET/PATCH the policy (PATCH answers 200 with the policy): the registration campaign
 *   (registrationEnforcement.authenticationMethodsRegistrationCampaign), policyMigrationState (preMigration,
 *   migrationInProgress, migrationComplete, in either direction: Microsoft documents it as reversible),
 *   reconfirmationInDays, and in beta systemCredentialPreferences (system-preferred MFA). policyVersion,
 *   lastModifiedDateTime, id, displayName and description are read-only; lastModifiedDateTime moves when
 *   the policy or one of its method configurations changes.
 * - GET the configurations, GET/PATCH one by id (case-insensitive, as Graph's ids are): PATCH needs the
 *   configuration's derived type in @odata.type and answers 204. Common: state, includeTargets (the
 *   method's own target type), excludeTargets. Microsoft Authenticator's featureSettings (number matching
 *   is always on and refused; companionAppAllowedState is beta only), Temporary Access Pass lifetimes and
 *   length with their ranges, and the methods' other properties.
 * Unknown properties, wrong types and enum values are refused with Graph's 400s; nothing is half-applied.
 * Read: Policy.Read.All or Policy.ReadWrite.AuthenticationMethod. Write: Policy.ReadWrite.AuthenticationMethod.
 */
const READ = ["Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"];
const WRITE = ["Policy.ReadWrite.AuthenticationMethod"];

const POLICY_PATH = /^\/policies\/authenticationMethodsPolicy$/;
const CONFIGS_PATH = /^\/policies\/authenticationMethodsPolicy\/authenticationMethodConfigurations$/;
const CONFIG_PATH = /^\/policies\/authenticationMethodsPolicy\/authenticationMethodConfigurations\/([^/]+)$/;

const POLICY_ID = "authenticationMethodsPolicy";
const POLICY_NAME = "Authentication Methods Policy";
const POLICY_DESCRIPTION =
    "The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method " +
    "registration requirements, and self-service password reset settings";
const POLICY_READ_ONLY = ["id", "displayName", "description", "policyVersion", "lastModifiedDateTime"];

type Version = "v1.0" | "beta";

interface MethodDef {
    /** The configuration's Graph type. */
    readonly entity: string;
    /** The id Graph reports in bodies. */
    readonly graphId: string;
    /** The Graph type of its includeTargets entries. */
    target(version: Version): string;
    /** Target properties beyond id, targetType and isRegistrationRequired, with what a new target gets. */
    readonly targetExtras: Record<string, { parse: (v: unknown, at: string) => unknown; default: unknown }>;
    /** The method's own properties that the emulator checks itself (the rest of its schema is checked by type). */
    readonly fields: Record<string, (v: unknown, at: string) => unknown>;
    /** The Graph versions whose schema has the configuration (both unless said). */
    readonly versions?: readonly Version[];
    /** PATCH answers 200 with the configuration instead of 204 (as its update page documents). */
    readonly patchAnswers200?: true;
}

const AUTHENTICATION_MODES = ["any", "deviceBasedPush", "push"];

export const METHOD_DEFS: Readonly<Record<MethodId, MethodDef>> = {
    microsoftAuthenticator: {
        entity: "microsoftAuthenticatorAuthenticationMethodConfiguration",
        graphId: "MicrosoftAuthenticator",
        target: () => "microsoftAuthenticatorAuthenticationMethodTarget",
        targetExtras: { authenticationMode: { parse: (v) => enumValue(v, AUTHENTICATION_MODES), default: "any" } },
        fields: { isSoftwareOathEnabled: bool },
    },
    sms: {
        entity: "smsAuthenticationMethodConfiguration",
        graphId: "Sms",
        target: () => "smsAuthenticationMethodTarget",
        targetExtras: { isUsableForSignIn: { parse: bool, default: true } },
        fields: {},
    },
    voice: {
        entity: "voiceAuthenticationMethodConfiguration",
        graphId: "Voice",
        target: (version) => (version === "beta" ? "voiceAuthenticationMethodTarget" : "authenticationMethodTarget"),
        targetExtras: {},
        fields: { isOfficePhoneAllowed: bool },
    },
    fido2: {
        entity: "fido2AuthenticationMethodConfiguration",
        graphId: "Fido2",
        target: () => "passkeyAuthenticationMethodTarget",
        targetExtras: {},
        fields: { isAttestationEnforced: bool, isSelfServiceRegistrationAllowed: bool },
    },
    softwareOath: {
        entity: "softwareOathAuthenticationMethodConfiguration",
        graphId: "SoftwareOath",
        target: () => "authenticationMethodTarget",
        targetExtras: {},
        fields: {},
    },
    temporaryAccessPass: {
        entity: "temporaryAccessPassAuthenticationMethodConfiguration",
        graphId: "TemporaryAccessPass",
        target: () => "authenticationMethodTarget",
        targetExtras: {},
        fields: {
            defaultLifetimeInMinutes: (v, at) => int(v, at, 10, 43200),
            defaultLength: (v, at) => int(v, at, 8, 48),
            minimumLifetimeInMinutes: (v, at) => int(v, at, 10, 43200),
            maximumLifetimeInMinutes: (v, at) => int(v, at, 10, 43200),
            isUsableOnce: bool,
        },
    },
    email: {
        entity: "emailAuthenticationMethodConfiguration",
        graphId: "Email",
        target: () => "authenticationMethodTarget",
        targetExtras: {},
        fields: { allowExternalIdToUseEmailOtp: (v) => enumValue(v, ["default", "enabled", "disabled"]) },
    },
    x509Certificate: {
        entity: "x509CertificateAuthenticationMethodConfiguration",
        graphId: "X509Certificate",
        target: () => "authenticationMethodTarget",
        targetExtras: {},
        fields: {},
    },
    // docs-contrib api-reference/v1.0/resources/qrcodepinauthenticationmethodconfiguration.md: pinLength 8-20
    // digits, standardQRCodeLifetimeInDays 1-395 (default 365); entra-docs concept-authentication-qr-code.md: disabled
    // by default, PIN length default eight digits; qrcodepinauthenticationmethodconfiguration-update.md:
    // PATCH .../qrCodePin answers 200 with the configuration, whose id is "qrCodePin". The vendored beta schema
    // has no such type, so the emulator serves it on v1.0 only.
    qrCodePin: {
        entity: "qrCodePinAuthenticationMethodConfiguration",
        graphId: "qrCodePin",
        target: () => "authenticationMethodTarget",
        targetExtras: {},
        fields: {
            pinLength: (v, at) => int(v, at, 8, 20),
            standardQRCodeLifetimeInDays: (v, at) => int(v, at, 1, 395),
        },
        versions: ["v1.0"],
        patchAnswers200: true,
    },
    // docs-contrib api-reference/beta/resources/hardwareoathauthenticationmethodconfiguration.md: beta only; state,
    // includeTargets, excludeTargets. The id Graph reports is not shown by the page; the emulator says "HardwareOath"
    // like the other methods.
    hardwareOath: {
        entity: "hardwareOathAuthenticationMethodConfiguration",
        graphId: "HardwareOath",
        target: () => "authenticationMethodTarget",
        targetExtras: {},
        fields: {},
        versions: ["beta"],
    },
};

const servedIn = (id: MethodId, version: Version) => (METHOD_DEFS[id].versions ?? ["v1.0", "beta"]).includes(version);
const servedMethods = (version: Version) => METHOD_IDS.filter((id) => servedIn(id, version));

// ---- passkey profiles (FIDO2) -------------------------------------------------------------------
//
// docs-contrib api-reference/v1.0/resources/passkeyprofile.md: id, name, passkeyTypes (deviceBound, synced),
// attestationEnforcement (disabled, registrationOnly) and keyRestrictions, all required.
// learn.microsoft.com graph/api/resources/fido2authenticationmethodconfiguration (v1.0): defaultPasskeyProfile is
// "the non-deletable baseline passkey profile ... automatically created when migrating to passkey profiles and
// initially mirrors the tenant's legacy global passkey (FIDO2) authentication methods policy settings";
// isAttestationEnforced is deprecated. passkeyauthenticationmethodtarget (v1.0): allowedPasskeyProfiles, required.
// entra-docs how-to-authentication-passkey-profiles.md: the global settings transfer to a "Default passkey profile";
// up to three profiles including the default; after opting in there is no opting out; a profile can be deleted only
// when no target is assigned it. Tenants that had not configured FIDO2 were migrated automatically (April-May 2026,
// shared/reference/microsoft-api-facts.md): the emulator migrates a tenant whose FIDO2 configuration is still a new
// tenant's the first time it is read; a tenant seeded with a configured FIDO2 stays on the legacy shape until a
// PATCH sends passkeyProfiles (the Graph update example sends them with the default profile's id).
export const DEFAULT_PASSKEY_PROFILE_ID = "00000000-0000-0000-0000-000000000001";
export const DEFAULT_PASSKEY_PROFILE_NAME = "Default passkey profile";
const MAX_PASSKEY_PROFILES = 3;
const PASSKEY_TYPES = ["deviceBound", "synced"];
const ATTESTATION_ENFORCEMENT = ["disabled", "registrationOnly"];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PasskeyProfileState {
    id: string;
    name: string;
    passkeyTypes: string;
    attestationEnforcement: string;
    keyRestrictions: { isEnforced: boolean; enforcementType: string; aaGuids: string[] };
}

const isMigrated = (fido2: MethodConfigurationState) =>
    Array.isArray(fido2.passkeyProfiles) && (fido2.passkeyProfiles as unknown[]).length > 0;

/** A new tenant's FIDO2 configuration (../authenticationMethods.ts): what "had not configured FIDO2" means. */
function neverConfigured(fido2: MethodConfigurationState): boolean {
    const k = fido2.keyRestrictions as PasskeyProfileState["keyRestrictions"] | undefined;
    return (
        fido2.state === "disabled" &&
        fido2.excludeTargets.length === 0 &&
        fido2.includeTargets.length === 1 &&
        fido2.includeTargets[0].id === ALL_USERS &&
        !fido2.includeTargets[0].isRegistrationRequired &&
        fido2.isAttestationEnforced !== true &&
        fido2.isSelfServiceRegistrationAllowed !== false &&
        !k?.isEnforced &&
        !(k?.aaGuids ?? []).length
    );
}

/** Moves a FIDO2 configuration to passkey profiles: the default profile mirrors the legacy settings. */
function migrateFido2(fido2: MethodConfigurationState): void {
    const k = (fido2.keyRestrictions as PasskeyProfileState["keyRestrictions"] | undefined) ?? {
        isEnforced: false,
        enforcementType: "block",
        aaGuids: [],
    };
    const profile: PasskeyProfileState = {
        id: DEFAULT_PASSKEY_PROFILE_ID,
        name: DEFAULT_PASSKEY_PROFILE_NAME,
        // Before profiles, Entra ID registered device-bound passkeys only (synced passkeys need a profile:
        // entra-docs how-to-authentication-synced-passkeys.md).
        passkeyTypes: "deviceBound",
        attestationEnforcement: fido2.isAttestationEnforced === true ? "registrationOnly" : "disabled",
        keyRestrictions: clone(k),
    };
    fido2.passkeyProfiles = [profile];
    fido2.defaultPasskeyProfile = DEFAULT_PASSKEY_PROFILE_ID;
    for (const t of fido2.includeTargets) {
        (t as any).allowedPasskeyProfiles = [DEFAULT_PASSKEY_PROFILE_ID];
    }
}

function aaGuid(v: unknown): string {
    if (typeof v !== "string") {
        throw literal(v, "Edm.String");
    }
    return v;
}

function passkeyProfile(v: unknown): PasskeyProfileState {
    const type = "passkeyProfile";
    const o = object(v, type);
    keysOf(o, type, ["id", "name", "passkeyTypes", "attestationEnforcement", "keyRestrictions"]);
    const id = requiredString(o, "id", type);
    if (!GUID.test(id)) {
        throw literal(id, "Edm.Guid");
    }
    const name = requiredString(o, "name", type);
    const types = requiredString(o, "passkeyTypes", type)
        .split(",")
        .map((x) => x.trim());
    types.forEach((x) => {
        enumValue(x, PASSKEY_TYPES);
    });
    const attestation = enumValue(requiredString(o, "attestationEnforcement", type), ATTESTATION_ENFORCEMENT);
    if (o.keyRestrictions === undefined || o.keyRestrictions === null) {
        throw bad(`The property 'keyRestrictions' of type 'microsoft.graph.${type}' is required and cannot be null.`);
    }
    const kr = object(o.keyRestrictions, "fido2KeyRestrictions");
    keysOf(kr, "fido2KeyRestrictions", ["isEnforced", "enforcementType", "aaGuids"]);
    const keyRestrictions = {
        isEnforced: kr.isEnforced === undefined ? false : bool(kr.isEnforced),
        enforcementType: kr.enforcementType === undefined ? "block" : enumValue(kr.enforcementType, ["allow", "block"]),
        aaGuids: kr.aaGuids === undefined || kr.aaGuids === null ? [] : collection(kr.aaGuids, "Edm.String").map(aaGuid),
    };
    return {
        id: id.toLowerCase(),
        name,
        passkeyTypes: [...new Set(types)].join(","),
        attestationEnforcement: attestation,
        keyRestrictions,
    };
}

function allowedProfiles(v: unknown): string[] {
    return collection(v, "Edm.Guid").map((x) => {
        if (typeof x !== "string" || !GUID.test(x)) {
            throw literal(x, "Edm.Guid");
        }
        return x.toLowerCase();
    });
}

/** The rules that hold between the profiles and the targets once a PATCH is applied. */
function checkPasskeyProfiles(fido2: MethodConfigurationState): void {
    const profiles = fido2.passkeyProfiles as PasskeyProfileState[];
    if (profiles.length > MAX_PASSKEY_PROFILES) {
        throw bad(
            `A passkey (FIDO2) policy supports up to ${MAX_PASSKEY_PROFILES} passkey profiles, including the default passkey ` +
                `profile; the request has ${profiles.length}.`,
        );
    }
    noDuplicates(profiles, "passkeyProfiles");
    const names = new Set<string>();
    for (const p of profiles) {
        if (names.has(p.name.toLowerCase())) {
            throw bad(`The passkey profile name '${p.name}' is used more than once.`);
        }
        names.add(p.name.toLowerCase());
    }
    if (!profiles.some((p) => p.id === fido2.defaultPasskeyProfile)) {
        throw bad(`The default passkey profile '${String(fido2.defaultPasskeyProfile)}' cannot be deleted.`);
    }
    const ids = new Set(profiles.map((p) => p.id));
    for (const t of fido2.includeTargets) {
        const allowed = (t as any).allowedPasskeyProfiles as string[] | undefined;
        if (!allowed?.length) {
            throw bad(
                "The property 'allowedPasskeyProfiles' of type 'microsoft.graph.passkeyAuthenticationMethodTarget' is " +
                    `required: target '${t.id}' names no passkey profile.`,
            );
        }
        const missing = allowed.filter((a) => !ids.has(a));
        if (missing.length) {
            throw bad(
                `The passkey profile '${missing[0]}' assigned to target '${t.id}' does not exist; a profile can be deleted ` +
                    "only when no target is assigned it.",
            );
        }
    }
}

/** Authenticator feature settings by Graph version (number matching is answered on its own). */
const FEATURES: Record<Version, readonly string[]> = {
    "v1.0": ["displayAppInformationRequiredState", "displayLocationInformationRequiredState"],
    beta: ["displayAppInformationRequiredState", "displayLocationInformationRequiredState", "companionAppAllowedState"],
};

export const NUMBER_MATCHING_REFUSAL =
    "Number matching is enabled for all users of Microsoft Authenticator push notifications and can no longer be configured. " +
    "Remove numberMatchingRequiredState from featureSettings.";

const MIGRATION_ORDER: readonly MigrationState[] = ["preMigration", "migrationInProgress", "migrationComplete"];
const ADVANCED_STATES = ["default", "enabled", "disabled"];
const TARGET_TYPES = ["user", "group"];
const FEATURE_TARGET_TYPES = ["group", "administrativeUnit", "role"];

// ---- Graph's answers to bad bodies -------------------------------------------------------------

const bad = (message: string) => new GraphHttpError(400, "BadRequest", message);

function noSuchProperty(key: string, type: string): GraphHttpError {
    return bad(
        `The property '${key}' does not exist on type 'microsoft.graph.${type}'. Make sure to only use property names that ` +
            "are defined by the type or mark the type as open type.",
    );
}

function literal(v: unknown, type: string): GraphHttpError {
    return bad(`Cannot convert the literal '${typeof v === "string" ? v : JSON.stringify(v)}' to the expected type '${type}'.`);
}

function bool(v: unknown): boolean {
    if (typeof v !== "boolean") {
        throw literal(v, "Edm.Boolean");
    }
    return v;
}

function int(v: unknown, at: string, min: number, max: number): number {
    if (typeof v !== "number" || !Number.isInteger(v)) {
        throw literal(v, "Edm.Int32");
    }
    if (v < min || v > max) {
        throw bad(`${at} must be between ${min} and ${max}; got ${v}.`);
    }
    return v;
}

function enumValue(v: unknown, members: readonly string[]): string {
    if (typeof v !== "string" || !members.includes(v)) {
        throw bad(`Requested value '${typeof v === "string" ? v : JSON.stringify(v)}' was not found.`);
    }
    return v;
}

function object(v: unknown, type: string): Record<string, unknown> {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
        throw literal(v, `microsoft.graph.${type}`);
    }
    return v as Record<string, unknown>;
}

function collection(v: unknown, type: string): unknown[] {
    if (!Array.isArray(v)) {
        throw literal(v, `Collection(microsoft.graph.${type})`);
    }
    return v;
}

const annotation = (key: string) => key.includes("@odata.");

function keysOf(o: Record<string, unknown>, type: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
        if (!annotation(k) && !allowed.includes(k)) {
            throw noSuchProperty(k, type);
        }
    }
}

function requiredString(o: Record<string, unknown>, key: string, type: string): string {
    const v = o[key];
    if (v === undefined || v === null) {
        throw bad(`The property '${key}' of type 'microsoft.graph.${type}' is required and cannot be null.`);
    }
    if (typeof v !== "string" || !v) {
        throw literal(v, "Edm.String");
    }
    return v;
}

function targetRef(v: unknown, type: string): TargetRef {
    const o = object(v, type);
    keysOf(o, type, ["id", "targetType"]);
    const id = requiredString(o, "id", type);
    if (o.targetType === undefined || o.targetType === null) {
        throw bad(`The property 'targetType' of type 'microsoft.graph.${type}' is required and cannot be null.`);
    }
    return { id, targetType: enumValue(o.targetType, TARGET_TYPES) as TargetRef["targetType"] };
}

function noDuplicates(targets: readonly { id: string }[], property: string): void {
    const seen = new Set<string>();
    for (const t of targets) {
        const k = t.id.toLowerCase();
        if (seen.has(k)) {
            throw bad(`The target '${t.id}' appears more than once in ${property}.`);
        }
        seen.add(k);
    }
}

function methodTarget(v: unknown, def: MethodDef, version: Version, previous: MethodTargetState | undefined): MethodTargetState {
    const type = def.target(version);
    const o = object(v, type);
    keysOf(o, type, ["id", "targetType", "isRegistrationRequired", ...Object.keys(def.targetExtras)]);
    const ref = targetRef({ id: o.id, targetType: o.targetType }, type);
    const out: MethodTargetState = {
        ...ref,
        isRegistrationRequired:
            o.isRegistrationRequired === undefined ? (previous?.isRegistrationRequired ?? false) : bool(o.isRegistrationRequired),
    };
    for (const [k, extra] of Object.entries(def.targetExtras)) {
        (out as any)[k] = o[k] === undefined ? ((previous as any)?.[k] ?? extra.default) : extra.parse(o[k], k);
    }
    return out;
}

function featureTarget(v: unknown, fallback: FeatureTargetState): FeatureTargetState {
    if (v === null) {
        return fallback;
    }
    const o = object(v, "featureTarget");
    keysOf(o, "featureTarget", ["id", "targetType"]);
    return {
        id: requiredString(o, "id", "featureTarget"),
        targetType: (o.targetType === undefined
            ? "group"
            : enumValue(o.targetType, FEATURE_TARGET_TYPES)) as FeatureTargetState["targetType"],
    };
}

function featureConfiguration(v: unknown, existing: FeatureConfigurationState | undefined): FeatureConfigurationState {
    const type = "authenticationMethodFeatureConfiguration";
    const o = object(v, type);
    keysOf(o, type, ["state", "includeTarget", "excludeTarget"]);
    const base: FeatureConfigurationState = existing ?? {
        state: "default",
        includeTarget: { id: ALL_USERS, targetType: "group" },
        excludeTarget: { id: NO_ONE, targetType: "group" },
    };
    return {
        state: o.state === undefined ? base.state : (enumValue(o.state, ADVANCED_STATES) as FeatureConfigurationState["state"]),
        includeTarget:
            o.includeTarget === undefined ? base.includeTarget : featureTarget(o.includeTarget, { id: ALL_USERS, targetType: "group" }),
        excludeTarget:
            o.excludeTarget === undefined ? base.excludeTarget : featureTarget(o.excludeTarget, { id: NO_ONE, targetType: "group" }),
    };
}

function featureSettings(
    v: unknown,
    existing: Record<string, FeatureConfigurationState>,
    version: Version,
): Record<string, FeatureConfigurationState> {
    const type = "microsoftAuthenticatorFeatureSettings";
    const o = object(v, type);
    const out = { ...existing };
    for (const [k, value] of Object.entries(o)) {
        if (annotation(k)) {
            continue;
        }
        if (k === "numberMatchingRequiredState") {
            // v1.0 no longer has the property (../graph-schema/v1.0.json); beta has it but an update that sends
            // it fails since number matching became mandatory (Microsoft365DSC#3406). Whether Graph accepts
            // the unchanged value is not documented: any sending is refused (the stricter model).
            throw version === "v1.0" ? noSuchProperty(k, type) : bad(NUMBER_MATCHING_REFUSAL);
        }
        if (!FEATURES[version].includes(k)) {
            throw noSuchProperty(k, type);
        }
        out[k] = featureConfiguration(value, existing[k]);
    }
    return out;
}

// ---- external authentication methods --------------------------------------------------------------
//
// docs-contrib api-reference/v1.0/resources/externalauthenticationmethodconfiguration.md: displayName, appId and
// openIdConnectSetting (clientId, discoveryUrl; resources/openidconnectsetting.md), all non-nullable in
// ../schema/v1.0.json, plus state and targets (authenticationMethodTarget); update by GUID id answers 204
// (externalauthenticationmethodconfiguration-update.md); they are created with POST on the configurations and
// deleted with DELETE (the resource page's methods). The create page is not in the stored docs: the emulator
// answers 201 with the configuration (Graph's convention for a create) and, stricter where the docs are silent,
// requires state, an appId that is a GUID, an https discoveryUrl and a displayName no other external method has.
export const EXTERNAL_TYPE = "externalAuthenticationMethodConfiguration";
type ExternalState = NonNullable<AuthenticationMethodsPolicyState["externalMethods"]>[string];
const EXTERNAL_DEF: MethodDef = {
    entity: EXTERNAL_TYPE,
    graphId: "",
    target: () => "authenticationMethodTarget",
    targetExtras: {},
    fields: {},
};

function externalOr404(policy: AuthenticationMethodsPolicyState, param: string): string | undefined {
    if (!GUID.test(param)) return undefined;
    const id = Object.keys(policy.externalMethods ?? {}).find((k) => k.toLowerCase() === param.toLowerCase());
    if (!id) {
        throw new GraphHttpError(404, "NotFound", `The authentication method configuration '${param}' was not found.`);
    }
    return id;
}

function renderExternal(id: string, e: ExternalState): Record<string, unknown> {
    return {
        "@odata.type": `#microsoft.graph.${EXTERNAL_TYPE}`,
        id,
        state: e.state,
        displayName: e.displayName,
        appId: e.appId,
        openIdConnectSetting: clone(e.openIdConnectSetting),
        excludeTargets: clone(e.excludeTargets),
        includeTargets: e.includeTargets.map((t) => ({
            targetType: t.targetType,
            id: t.id,
            isRegistrationRequired: t.isRegistrationRequired,
        })),
    };
}

function updateExternal(
    existing: ExternalState | undefined,
    body: Record<string, unknown>,
    others: readonly ExternalState[],
): ExternalState {
    const odataType = body["@odata.type"];
    if (typeof odataType !== "string" || odataType.replace(/^#/, "").replace(/^microsoft\.graph\./, "") !== EXTERNAL_TYPE) {
        throw bad(
            existing
                ? `The request body must name the type in '@odata.type' ('#microsoft.graph.${EXTERNAL_TYPE}').`
                : "Only external authentication methods can be created: the body's '@odata.type' must be '#microsoft.graph." +
                      `${EXTERNAL_TYPE}' (got ${JSON.stringify(odataType)}).`,
        );
    }
    keysOf(body, EXTERNAL_TYPE, ["id", "state", "displayName", "appId", "openIdConnectSetting", "includeTargets", "excludeTargets"]);
    if (body.id !== undefined) {
        throw bad("Property 'id' is read-only and cannot be set.");
    }
    const out: ExternalState = existing
        ? clone(existing)
        : ({
              state: "disabled",
              includeTargets: [],
              excludeTargets: [],
              displayName: "",
              appId: "",
              openIdConnectSetting: { clientId: "", discoveryUrl: "" },
          } as ExternalState);
    if (!existing) {
        for (const k of ["displayName", "appId", "openIdConnectSetting", "state"]) {
            if (body[k] === undefined || body[k] === null) {
                throw bad(`The property '${k}' of type 'microsoft.graph.${EXTERNAL_TYPE}' is required and cannot be null.`);
            }
        }
    }
    if (body.state !== undefined) out.state = enumValue(body.state, ["enabled", "disabled"]) as ExternalState["state"];
    if (body.displayName !== undefined) {
        out.displayName = requiredString(body, "displayName", EXTERNAL_TYPE);
        if (others.some((o) => o.displayName.toLowerCase() === out.displayName.toLowerCase())) {
            throw bad(`An external authentication method named '${out.displayName}' already exists.`);
        }
    }
    if (body.appId !== undefined) {
        out.appId = requiredString(body, "appId", EXTERNAL_TYPE);
        if (!GUID.test(out.appId)) throw literal(out.appId, "Edm.Guid");
    }
    if (body.openIdConnectSetting !== undefined) {
        const o = object(body.openIdConnectSetting, "openIdConnectSetting");
        keysOf(o, "openIdConnectSetting", ["clientId", "discoveryUrl"]);
        const discoveryUrl = requiredString(o, "discoveryUrl", "openIdConnectSetting");
        if (!/^https:\/\/[^/\s]+/.test(discoveryUrl)) {
            throw bad(`discoveryUrl must be the https URL of the provider's OIDC discovery endpoint (got '${discoveryUrl}').`);
        }
        out.openIdConnectSetting = { clientId: requiredString(o, "clientId", "openIdConnectSetting"), discoveryUrl };
    }
    if (body.includeTargets !== undefined) {
        const previous = new Map(out.includeTargets.map((t) => [t.id.toLowerCase(), t]));
        out.includeTargets = collection(body.includeTargets, "authenticationMethodTarget").map((t) =>
            methodTarget(t, EXTERNAL_DEF, "v1.0", previous.get(String((t as any)?.id ?? "").toLowerCase())),
        );
        noDuplicates(out.includeTargets, "includeTargets");
    }
    if (body.excludeTargets !== undefined) {
        out.excludeTargets = collection(body.excludeTargets, "excludeTarget").map((t) => targetRef(t, "excludeTarget"));
        noDuplicates(out.excludeTargets, "excludeTargets");
    }
    return out;
}

// ---- state -------------------------------------------------------------------------------------

/** The tenant's policy; tenants loaded from before it was emulated get a new tenant's policy. */
function policyOf(tenant: TenantState): AuthenticationMethodsPolicyState {
    const p = (tenant.authenticationMethodsPolicy ??= newAuthenticationMethodsPolicy());
    // Tenant files from before a method or setting was emulated get a new tenant's.
    const fresh = newAuthenticationMethodsPolicy();
    for (const id of METHOD_IDS) {
        p.methods[id] ??= fresh.methods[id];
    }
    p.reportSuspiciousActivitySettings ??= fresh.reportSuspiciousActivitySettings;
    // The automatic move to passkey profiles of tenants that had not configured FIDO2 (see above).
    if (!isMigrated(p.methods.fido2) && neverConfigured(p.methods.fido2)) {
        migrateFido2(p.methods.fido2);
    }
    return p;
}

function methodOr404(param: string, version: Version = "v1.0"): MethodId {
    const id = METHOD_IDS.find((m) => m.toLowerCase() === param.toLowerCase());
    if (!id || !servedIn(id, version)) {
        throw new GraphHttpError(
            404,
            "NotFound",
            `The authentication method configuration '${param}' was not found${id ? ` in ${version}` : ""}.`,
        );
    }
    return id;
}

function clone<T>(v: T): T {
    return JSON.parse(JSON.stringify(v)) as T;
}

/** Saves `next` as the tenant's policy when it differs, moving lastModifiedDateTime. */
function save(ctx: RouteContext, next: AuthenticationMethodsPolicyState): void {
    const current = policyOf(ctx.tenant);
    if (JSON.stringify(current) === JSON.stringify(next)) {
        return;
    }
    next.lastModifiedDateTime = new Date().toISOString();
    ctx.store.mutate(() => {
        ctx.tenant.authenticationMethodsPolicy = next;
    });
}

// ---- rendering ---------------------------------------------------------------------------------

const policyContext = (ctx: RouteContext, version: Version) => `${ctx.origin}/${version}/$metadata#policies/authenticationMethodsPolicy`;

function renderMethod(
    ctx: RouteContext,
    policy: AuthenticationMethodsPolicyState,
    id: MethodId,
    version: Version,
): Record<string, unknown> {
    const def = METHOD_DEFS[id];
    const cfg = policy.methods[id];
    // Only what the version's type has (e.g. crlValidationConfiguration is v1.0 only).
    const known = propertiesOf(loadSchema(version), def.entity);
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(cfg)) {
        if (k === "state" || k === "includeTargets" || k === "excludeTargets" || !known[k]) {
            continue;
        }
        own[k] = k === "featureSettings" ? pickFeatures(v as Record<string, unknown>, version) : clone(v);
    }
    // Passkey profiles (a v1.0 relationship; the vendored beta schema has none of it). On a migrated tenant the
    // deprecated isAttestationEnforced and the global keyRestrictions read as the default profile's: what Graph
    // reports for them then is not documented.
    const profiles = id === "fido2" && version === "v1.0";
    const migrated = id === "fido2" && isMigrated(cfg);
    if (profiles) {
        own.defaultPasskeyProfile = migrated ? cfg.defaultPasskeyProfile : null;
        own.passkeyProfiles = migrated ? clone(cfg.passkeyProfiles) : [];
    }
    if (migrated) {
        const d = (cfg.passkeyProfiles as PasskeyProfileState[]).find((p) => p.id === cfg.defaultPasskeyProfile)!;
        own.isAttestationEnforced = d.attestationEnforcement === "registrationOnly";
        own.keyRestrictions = clone(d.keyRestrictions);
    }
    return {
        "@odata.type": `#microsoft.graph.${def.entity}`,
        id: def.graphId,
        state: cfg.state,
        excludeTargets: clone(cfg.excludeTargets),
        ...own,
        "includeTargets@odata.context":
            `${policyContext(ctx, version)}/authenticationMethodConfigurations('` + `${def.graphId}')/${def.entity}/includeTargets`,
        includeTargets: cfg.includeTargets.map((t) => {
            const out: Record<string, unknown> = { targetType: t.targetType, id: t.id, isRegistrationRequired: t.isRegistrationRequired };
            for (const k of Object.keys(def.targetExtras)) {
                out[k] = (t as any)[k];
            }
            if (profiles && migrated) {
                out.allowedPasskeyProfiles = clone((t as any).allowedPasskeyProfiles ?? []);
            }
            return out;
        }),
    };
}

function pickFeatures(settings: Record<string, unknown>, version: Version): Record<string, unknown> {
    const out = Object.fromEntries(
        Object.entries(settings)
            .filter(([k]) => FEATURES[version].includes(k))
            .map(([k, v]) => [k, clone(v)]),
    );
    if (version === "beta") {
        // The beta type still has numberMatchingRequiredState (../graph-schema/beta.json
        // microsoftAuthenticatorFeatureSettings; docs-contrib api-reference/beta/resources/
        // microsoftauthenticatorfeaturesettings.md) and reads return it, though it can no longer be changed
        // (Microsoft365DSC#3406; a PATCH that sends it is refused below). The values Graph reports are not
        // documented: number matching is on for everyone, so it reads as enabled for all users.
        out.numberMatchingRequiredState = {
            state: "enabled",
            includeTarget: { targetType: "group", id: ALL_USERS },
            excludeTarget: { targetType: "group", id: NO_ONE },
        };
    }
    return out;
}

function renderCampaign(c: RegistrationCampaignState, version: Version): Record<string, unknown> {
    return {
        snoozeDurationInDays: c.snoozeDurationInDays,
        ...(version === "beta" ? { enforceRegistrationAfterAllowedSnoozes: c.enforceRegistrationAfterAllowedSnoozes } : {}),
        state: c.state,
        excludeTargets: clone(c.excludeTargets),
        includeTargets: clone(c.includeTargets),
    };
}

function renderPolicy(ctx: RouteContext, version: Version): Record<string, unknown> {
    const p = policyOf(ctx.tenant);
    return {
        "@odata.context": `${policyContext(ctx, version)}/$entity`,
        id: POLICY_ID,
        displayName: POLICY_NAME,
        description: POLICY_DESCRIPTION,
        lastModifiedDateTime: p.lastModifiedDateTime,
        policyVersion: p.policyVersion,
        reconfirmationInDays: p.reconfirmationInDays,
        policyMigrationState: p.policyMigrationState,
        registrationEnforcement: { authenticationMethodsRegistrationCampaign: renderCampaign(p.registrationCampaign, version) },
        ...(version === "beta"
            ? {
                  systemCredentialPreferences: clone(p.systemCredentialPreferences),
                  reportSuspiciousActivitySettings: clone(p.reportSuspiciousActivitySettings),
              }
            : {}),
        "authenticationMethodConfigurations@odata.context": `${policyContext(ctx, version)}/authenticationMethodConfigurations`,
        authenticationMethodConfigurations: servedMethods(version).map((id) => renderMethod(ctx, p, id, version)),
    };
}

// ---- updates -----------------------------------------------------------------------------------

function campaign(v: unknown, existing: RegistrationCampaignState, version: Version): RegistrationCampaignState {
    const type = "authenticationMethodsRegistrationCampaign";
    const o = object(v, type);
    keysOf(o, type, [
        "state",
        "snoozeDurationInDays",
        "includeTargets",
        "excludeTargets",
        ...(version === "beta" ? ["enforceRegistrationAfterAllowedSnoozes"] : []),
    ]);
    const out = clone(existing);
    if (o.state !== undefined) {
        out.state = enumValue(o.state, ADVANCED_STATES) as RegistrationCampaignState["state"];
    }
    if (o.snoozeDurationInDays !== undefined) {
        out.snoozeDurationInDays = int(o.snoozeDurationInDays, "snoozeDurationInDays", 0, 14);
    }
    if (o.enforceRegistrationAfterAllowedSnoozes !== undefined) {
        out.enforceRegistrationAfterAllowedSnoozes = bool(o.enforceRegistrationAfterAllowedSnoozes);
    }
    if (o.includeTargets !== undefined) {
        const t = "authenticationMethodsRegistrationCampaignIncludeTarget";
        out.includeTargets = collection(o.includeTargets, t).map((x) => {
            const item = object(x, t);
            keysOf(item, t, ["id", "targetType", "targetedAuthenticationMethod"]);
            const method = item.targetedAuthenticationMethod ?? "microsoftAuthenticator";
            if (method !== "microsoftAuthenticator") {
                throw bad(
                    `targetedAuthenticationMethod '${String(method)}' is not supported; the registration campaign can only ` +
                        "target microsoftAuthenticator.",
                );
            }
            return { ...targetRef({ id: item.id, targetType: item.targetType }, t), targetedAuthenticationMethod: method };
        });
        noDuplicates(out.includeTargets, "includeTargets");
    }
    if (o.excludeTargets !== undefined) {
        out.excludeTargets = collection(o.excludeTargets, "excludeTarget").map((x) => targetRef(x, "excludeTarget"));
        noDuplicates(out.excludeTargets, "excludeTargets");
    }
    return out;
}

/**
 * reportSuspiciousActivitySettings (beta only; docs-contrib api-reference/beta/resources/reportsuspiciousactivitysettings.md):
 * state (advancedConfigState; "default" is disabled), includeTarget (one group or all_users) and voiceReportingCode.
 * The code's range is not documented; the emulator takes 0-9, one phone keypad digit (stricter).
 */
function reportSuspiciousActivity(v: unknown, existing: NonNullable<AuthenticationMethodsPolicyState["reportSuspiciousActivitySettings"]>) {
    const type = "reportSuspiciousActivitySettings";
    const o = object(v, type);
    keysOf(o, type, ["state", "includeTarget", "voiceReportingCode"]);
    const out = clone(existing);
    if (o.state !== undefined) {
        if (o.state === null) throw bad(`The property 'state' of type 'microsoft.graph.${type}' cannot be null.`);
        out.state = enumValue(o.state, ADVANCED_STATES) as AdvancedState;
    }
    if (o.includeTarget !== undefined) {
        if (o.includeTarget === null) throw bad(`The property 'includeTarget' of type 'microsoft.graph.${type}' cannot be null.`);
        out.includeTarget = targetRef(o.includeTarget, "includeTarget");
    }
    if (o.voiceReportingCode !== undefined) {
        out.voiceReportingCode = int(o.voiceReportingCode, "voiceReportingCode", 0, 9);
    }
    return out;
}
type AdvancedState = SystemCredentialPreferencesState["state"];

function systemCredentialPreferences(v: unknown, existing: SystemCredentialPreferencesState): SystemCredentialPreferencesState {
    const type = "systemCredentialPreferences";
    const o = object(v, type);
    keysOf(o, type, ["state", "includeTargets", "excludeTargets"]);
    const out = clone(existing);
    if (o.state !== undefined) {
        out.state = enumValue(o.state, ADVANCED_STATES) as SystemCredentialPreferencesState["state"];
    }
    if (o.includeTargets !== undefined) {
        out.includeTargets = collection(o.includeTargets, "includeTarget").map((x) => targetRef(x, "includeTarget"));
        noDuplicates(out.includeTargets, "includeTargets");
    }
    if (o.excludeTargets !== undefined) {
        out.excludeTargets = collection(o.excludeTargets, "excludeTarget").map((x) => targetRef(x, "excludeTarget"));
        noDuplicates(out.excludeTargets, "excludeTargets");
    }
    return out;
}

/**
 * policyMigrationState takes any member of authenticationMethodsPolicyMigrationState (../graph-schema),
 * in either direction: Microsoft documents the migration as reversible (learn.microsoft.com
 * entra/identity/authentication/how-to-authentication-methods-manage: "on your own schedule, and the
 * process is fully reversible"). What a step back does after the legacy MFA/SSPR policies stopped being
 * manageable (2025-09-30) is not documented; the emulator only records the state.
 */
function migration(v: unknown): MigrationState {
    return enumValue(v, MIGRATION_ORDER) as MigrationState;
}

function updatePolicy(ctx: RouteContext, body: Record<string, unknown>, version: Version): AuthenticationMethodsPolicyState {
    const next = clone(policyOf(ctx.tenant));
    for (const [key, value] of Object.entries(body)) {
        if (annotation(key)) {
            continue;
        }
        if (POLICY_READ_ONLY.includes(key)) {
            throw bad(`Property '${key}' is read-only and cannot be set.`);
        }
        switch (key) {
            case "policyMigrationState":
                next.policyMigrationState = migration(value);
                break;
            case "reconfirmationInDays":
                next.reconfirmationInDays = int(value, key, 0, 730);
                break;
            case "registrationEnforcement": {
                const o = object(value, "registrationEnforcement");
                keysOf(o, "registrationEnforcement", ["authenticationMethodsRegistrationCampaign"]);
                if (o.authenticationMethodsRegistrationCampaign !== undefined) {
                    next.registrationCampaign = campaign(o.authenticationMethodsRegistrationCampaign, next.registrationCampaign, version);
                }
                break;
            }
            case "systemCredentialPreferences":
                if (version !== "beta") {
                    throw noSuchProperty(key, "authenticationMethodsPolicy");
                }
                next.systemCredentialPreferences = systemCredentialPreferences(value, next.systemCredentialPreferences);
                break;
            case "reportSuspiciousActivitySettings":
                if (version !== "beta") {
                    throw noSuchProperty(key, "authenticationMethodsPolicy");
                }
                next.reportSuspiciousActivitySettings = reportSuspiciousActivity(value, next.reportSuspiciousActivitySettings!);
                break;
            case "authenticationMethodConfigurations":
                throw bad(
                    "Change a method configuration with PATCH " +
                        "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}.",
                );
            default:
                throw noSuchProperty(key, "authenticationMethodsPolicy");
        }
    }
    return next;
}

function updateMethod(
    id: MethodId,
    cfg: MethodConfigurationState,
    body: Record<string, unknown>,
    version: Version,
): MethodConfigurationState {
    const def = METHOD_DEFS[id];
    const odataType = body["@odata.type"];
    if (odataType === undefined) {
        throw bad(
            "The request body must name the type of the authentication method configuration in '@odata.type' (for '" +
                `${def.graphId}': '#microsoft.graph.${def.entity}').`,
        );
    }
    if (typeof odataType !== "string" || odataType.replace(/^#/, "").replace(/^microsoft\.graph\./, "") !== def.entity) {
        throw bad(
            `The type '${String(odataType)}' in '@odata.type' does not match the authentication method configuration '` +
                `${def.graphId}' (#microsoft.graph.${def.entity}).`,
        );
    }
    const out = clone(cfg);
    const schemaProps = propertiesOf(loadSchema(version), def.entity);
    const fido2 = id === "fido2";
    // Sending passkeyProfiles opts a legacy tenant in (no way back): the default profile is made from the legacy
    // settings first, so the profiles sent are applied to a migrated configuration.
    const optingIn = fido2 && !isMigrated(out) && body.passkeyProfiles !== undefined;
    if (optingIn && version === "v1.0") {
        migrateFido2(out);
    }
    const migrated = fido2 && isMigrated(out);
    for (const [key, value] of Object.entries(body)) {
        if (annotation(key)) {
            continue;
        }
        if (fido2 && version === "v1.0" && key === "passkeyProfiles") {
            out.passkeyProfiles = collection(value, "passkeyProfile").map(passkeyProfile);
            continue;
        }
        if (fido2 && key === "defaultPasskeyProfile") {
            if (
                version === "v1.0" &&
                typeof value === "string" &&
                value.toLowerCase() === String(out.defaultPasskeyProfile ?? "").toLowerCase()
            ) {
                continue;
            }
            throw bad(
                "Property 'defaultPasskeyProfile' is read-only and cannot be set: the default passkey profile is created by " +
                    "the migration to passkey profiles.",
            );
        }
        if (migrated && (key === "isAttestationEnforced" || key === "keyRestrictions")) {
            // Deprecated with passkey profiles: whether Graph still takes it on a migrated tenant is not documented;
            // the emulator refuses it (stricter) and names the profile property that replaced it.
            throw bad(
                `Property '${key}' on a tenant that uses passkey profiles is not modelled by the emulator (deprecated, ` +
                    "resources/fido2authenticationmethodconfiguration.md; " +
                    "what Graph does with it then is not documented, so the emulator refuses it). Set " +
                    `${key === "isAttestationEnforced" ? "attestationEnforcement" : "keyRestrictions"} on a passkey profile ` +
                    "in passkeyProfiles instead.",
            );
        }
        switch (key) {
            case "id":
                if (typeof value !== "string" || value.toLowerCase() !== id.toLowerCase()) {
                    throw bad(`Property 'id' is read-only and cannot be set.`);
                }
                continue;
            case "state":
                out.state = enumValue(value, ["enabled", "disabled"]) as MethodConfigurationState["state"];
                continue;
            case "includeTargets": {
                const previous = new Map(cfg.includeTargets.map((t) => [t.id.toLowerCase(), t]));
                out.includeTargets = collection(value, def.target(version)).map((t) => {
                    const prior = previous.get(String((t as any)?.id ?? "").toLowerCase());
                    if (!fido2 || version !== "v1.0") {
                        const target = methodTarget(t, def, version, prior);
                        if (migrated) {
                            // The vendored beta schema has no passkey profiles: a beta write keeps each target's profiles
                            // (a new target gets the default profile, as the migration gives every target).
                            (target as any).allowedPasskeyProfiles = clone(
                                (prior as any)?.allowedPasskeyProfiles ?? [out.defaultPasskeyProfile],
                            );
                        }
                        return target;
                    }
                    const { allowedPasskeyProfiles: allowed, ...rest } = object(t, def.target(version));
                    const target = methodTarget(rest, def, version, prior);
                    if (allowed !== undefined) {
                        if (!migrated) {
                            throw bad(
                                "allowedPasskeyProfiles needs passkey profiles: this tenant has not moved to passkey " +
                                    "profiles; send passkeyProfiles in the same request.",
                            );
                        }
                        (target as any).allowedPasskeyProfiles = allowedProfiles(allowed);
                    } else if (migrated) {
                        (target as any).allowedPasskeyProfiles = clone((prior as any)?.allowedPasskeyProfiles);
                    }
                    return target;
                });
                noDuplicates(out.includeTargets, "includeTargets");
                continue;
            }
            case "excludeTargets":
                out.excludeTargets = collection(value, "excludeTarget").map((t) => targetRef(t, "excludeTarget"));
                noDuplicates(out.excludeTargets, "excludeTargets");
                continue;
        }
        if (id === "microsoftAuthenticator" && key === "featureSettings") {
            out.featureSettings = featureSettings(value, (cfg.featureSettings ?? {}) as Record<string, FeatureConfigurationState>, version);
            continue;
        }
        const field = def.fields[key];
        if (field) {
            out[key] = field(value, key);
            continue;
        }
        // The rest of the type (e.g. x509 bindings, FIDO2 key restrictions): checked against Graph's schema, kept as sent.
        if (!schemaProps[key]) {
            throw noSuchProperty(key, def.entity);
        }
        const problems = checkBody(version, def.entity, { [key]: value }, def.entity);
        if (problems.length) {
            throw bad(`Invalid value for property '${key}': ${problems.join("; ")}.`);
        }
        out[key] = clone(value);
    }
    if (migrated) {
        checkPasskeyProfiles(out);
    }
    if (id === "temporaryAccessPass") {
        const n = (k: string) => out[k] as number;
        if (n("minimumLifetimeInMinutes") > n("maximumLifetimeInMinutes")) {
            throw bad(
                `minimumLifetimeInMinutes (${n("minimumLifetimeInMinutes")}) must not be greater than ` +
                    `maximumLifetimeInMinutes (${n("maximumLifetimeInMinutes")}).`,
            );
        }
        if (
            n("defaultLifetimeInMinutes") < n("minimumLifetimeInMinutes") ||
            n("defaultLifetimeInMinutes") > n("maximumLifetimeInMinutes")
        ) {
            throw bad(
                `defaultLifetimeInMinutes (${n("defaultLifetimeInMinutes")}) must be between minimumLifetimeInMinutes (` +
                    `${n("minimumLifetimeInMinutes")}) and maximumLifetimeInMinutes (${n("maximumLifetimeInMinutes")}).`,
            );
        }
    }
    return out;
}

export const authenticationMethodsPolicyRoutes: Route[] = [
    {
        method: "GET",
        pattern: POLICY_PATH,
        versions: ["v1.0", "beta"],
        entity: "authenticationMethodsPolicy",
        write: false,
        handle(ctx, version) {
            requireRole(ctx.claims, READ);
            return { status: 200, body: renderPolicy(ctx, version) };
        },
    },
    {
        method: "PATCH",
        pattern: POLICY_PATH,
        versions: ["v1.0", "beta"],
        entity: "authenticationMethodsPolicy",
        write: true,
        // The audit log's modified properties are the v1.0 Graph properties that changed (./audit.ts).
        audit: methodsPolicyAudit((ctx) => {
            const rendered = renderPolicy(ctx, "v1.0");
            const state = Object.fromEntries(
                Object.entries(rendered).filter(
                    ([k]) => !k.includes("@odata") && k !== "lastModifiedDateTime" && k !== "authenticationMethodConfigurations",
                ),
            );
            return { id: POLICY_ID, displayName: POLICY_NAME, state };
        }),
        handle(ctx, version) {
            requireRole(ctx.claims, WRITE);
            save(ctx, updatePolicy(ctx, jsonBody(ctx.req), version));
            return { status: 200, body: renderPolicy(ctx, version) };
        },
    },
    {
        method: "GET",
        pattern: CONFIGS_PATH,
        versions: ["v1.0", "beta"],
        entity: "authenticationMethodConfiguration",
        write: false,
        handle(ctx, version) {
            requireRole(ctx.claims, READ);
            const p = policyOf(ctx.tenant);
            return {
                status: 200,
                body: {
                    "@odata.context": `${policyContext(ctx, version)}/authenticationMethodConfigurations`,
                    value: [
                        ...servedMethods(version).map((id) => renderMethod(ctx, p, id, version)),
                        ...Object.entries(p.externalMethods ?? {}).map(([id, e]) => renderExternal(id, e)),
                    ],
                },
            };
        },
    },
    {
        // Creates an external authentication method (see "external authentication methods" above).
        method: "POST",
        pattern: CONFIGS_PATH,
        versions: ["v1.0", "beta"],
        entity: "authenticationMethodConfiguration",
        write: true,
        handle(ctx, version) {
            requireRole(ctx.claims, WRITE);
            const next = clone(policyOf(ctx.tenant));
            const created = updateExternal(undefined, jsonBody(ctx.req), Object.values(next.externalMethods ?? {}));
            const id = randomUUID();
            next.externalMethods = { ...(next.externalMethods ?? {}), [id]: created };
            save(ctx, next);
            return {
                status: 201,
                body: {
                    "@odata.context": `${policyContext(ctx, version)}/authenticationMethodConfigurations/$entity`,
                    ...renderExternal(id, created),
                },
            };
        },
    },
    {
        // DELETE of an external method removes it; a built-in method's DELETE ("reverts ... to its default
        // configuration", e.g. fido2authenticationmethodconfiguration.md) is not modelled.
        method: "DELETE",
        pattern: CONFIG_PATH,
        versions: ["v1.0", "beta"],
        entity: "authenticationMethodConfiguration",
        write: true,
        handle(ctx) {
            requireRole(ctx.claims, WRITE);
            const next = clone(policyOf(ctx.tenant));
            const external = externalOr404(next, ctx.params[0]);
            if (!external) {
                methodOr404(ctx.params[0], "beta");
                throw bad(
                    "Reverting a built-in authentication method configuration to its defaults (DELETE) is not modelled by the emulator.",
                );
            }
            delete next.externalMethods![external];
            save(ctx, next);
            return { status: 204 };
        },
    },
    {
        method: "GET",
        pattern: CONFIG_PATH,
        versions: ["v1.0", "beta"],
        entity: "authenticationMethodConfiguration",
        write: false,
        handle(ctx, version) {
            requireRole(ctx.claims, READ);
            const p = policyOf(ctx.tenant);
            const external = externalOr404(p, ctx.params[0]);
            return {
                status: 200,
                body: {
                    "@odata.context": `${policyContext(ctx, version)}/authenticationMethodConfigurations/$entity`,
                    ...(external
                        ? renderExternal(external, p.externalMethods![external])
                        : renderMethod(ctx, p, methodOr404(ctx.params[0], version), version)),
                },
            };
        },
    },
    {
        method: "PATCH",
        pattern: CONFIG_PATH,
        versions: ["v1.0", "beta"],
        entity: "authenticationMethodConfiguration",
        write: true,
        audit: methodsPolicyAudit((ctx) => {
            const p = policyOf(ctx.tenant);
            const external = GUID.test(ctx.params[0])
                ? Object.keys(p.externalMethods ?? {}).find((k) => k.toLowerCase() === ctx.params[0].toLowerCase())
                : undefined;
            if (external) {
                const state = Object.fromEntries(
                    Object.entries(renderExternal(external, p.externalMethods![external])).filter(([k]) => !k.includes("@odata")),
                );
                return { id: external, displayName: p.externalMethods![external].displayName, state };
            }
            const id = methodOr404(
                ctx.params[0],
                servedIn(METHOD_IDS.find((m) => m.toLowerCase() === ctx.params[0].toLowerCase()) ?? "sms", "v1.0") ? "v1.0" : "beta",
            );
            const rendered = renderMethod(ctx, policyOf(ctx.tenant), id, servedIn(id, "v1.0") ? "v1.0" : "beta");
            const state = Object.fromEntries(Object.entries(rendered).filter(([k]) => !k.includes("@odata")));
            return { id: String(rendered.id), displayName: String(rendered.id), state };
        }),
        handle(ctx, version) {
            requireRole(ctx.claims, WRITE);
            const body = jsonBody(ctx.req);
            const next = clone(policyOf(ctx.tenant));
            const external = externalOr404(next, ctx.params[0]);
            if (external) {
                const others = Object.entries(next.externalMethods!)
                    .filter(([k]) => k !== external)
                    .map(([, e]) => e);
                next.externalMethods![external] = updateExternal(next.externalMethods![external], body, others);
                save(ctx, next);
                return { status: 204 };
            }
            const id = methodOr404(ctx.params[0], version);
            next.methods[id] = updateMethod(id, next.methods[id], body, version);
            save(ctx, next);
            if (METHOD_DEFS[id].patchAnswers200) {
                return {
                    status: 200,
                    body: {
                        "@odata.context": `${policyContext(ctx, version)}/authenticationMethodConfigurations/$entity`,
                        ...renderMethod(ctx, policyOf(ctx.tenant), id, version),
                    },
                };
            }
            return { status: 204 };
        },
    },
];
