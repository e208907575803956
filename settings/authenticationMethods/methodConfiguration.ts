import { randomUUID } from "node:crypto";
import type { TenantClients } from "../../client";
import { engineLog } from "../../providers/framework/diagnostics";
import { type DesiredOf, declareSetting } from "../../providers/framework/declare";
import { type FieldChange, TENANT_AT_PREVIEW, type TenantSetting, weakeningRefusal } from "../../providers/framework/setting";
import {
    type Infer,
    type Schema,
    any,
    bool,
    documented,
    list,
    map,
    num,
    obj,
    oneOf,
    str,
    unknownKey,
} from "../../providers/framework/validation";
import {
    ADVANCED_CONFIG_STATES,
    ALL_USERS,
    AUTH_POLICY_PERMISSIONS,
    InputChecks,
    POLICY_PATH,
    type Target,
    type TargetKind,
    type FieldCheck,
    checkTargets,
    declaredCheck,
    isObject,
    liveTargets,
    sameTargets,
    targetSchema,
    targetsAsManaged,
    targetsForWrite,
} from "./shared";

/**
 * One method of the authentication methods policy: Graph
 * `policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{method}` (v1.0; beta when
 * Authenticator's companionAppAllowedState is managed, which only beta has).
 *
 * One resource per method. Only the fields the stack sets are managed, the rest of the method's
 * configuration is left as the tenant has it; targets are compared without regard to order and only on
 * the target properties the stack sets. Writes PATCH just the fields that differ (Graph needs the
 * configuration's @odata.type and answers 204), then the adapter reads back.
 * Number matching is not a setting any more (always on since May 2023) and is refused at check.
 */
export const AUTHENTICATION_METHODS = [
    "microsoftAuthenticator",
    "sms",
    "voice",
    "fido2",
    "softwareOath",
    "temporaryAccessPass",
    "email",
    "x509Certificate",
    "qrCodePin",
    "hardwareOath",
] as const;
export type AuthenticationMethod = (typeof AUTHENTICATION_METHODS)[number];

export const AUTHENTICATOR_FEATURES = [
    "displayAppInformationRequiredState",
    "displayLocationInformationRequiredState",
    "companionAppAllowedState",
] as const;
export type AuthenticatorFeature = (typeof AUTHENTICATOR_FEATURES)[number];
/** Only in Graph beta. */
const BETA_FEATURES: readonly AuthenticatorFeature[] = ["companionAppAllowedState"];
export const FEATURE_TARGET_TYPES = ["group", "administrativeUnit", "role"] as const;

const FEATURE_TARGET = obj(
    { id: str({ hint: `"${ALL_USERS}" or an object id` }), targetType: oneOf(FEATURE_TARGET_TYPES) },
    { required: ["id"] },
);
/** One of Microsoft Authenticator's featureSettings (advanced settings): its state and whom it applies to. */
const FEATURE = obj(
    { state: oneOf(ADVANCED_CONFIG_STATES), includeTarget: FEATURE_TARGET, excludeTarget: FEATURE_TARGET },
    { hint: 'like { state: "enabled", includeTarget: { id: "all_users" } }' },
);

export const PASSKEY_TYPES = ["deviceBound", "synced"] as const;
export const ATTESTATION_ENFORCEMENT = ["disabled", "registrationOnly"] as const;
/** The key that names the tenant's default passkey profile, whatever its name. */
export const DEFAULT_PROFILE_KEY = "default";
const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One passkey profile as a stack declares it (Graph passkeyProfile without its id and name: its key in passkeyProfiles names it). */
const PROFILE = obj(
    {
        passkeyTypes: list(oneOf(PASSKEY_TYPES), { nonEmpty: `name at least one of ${PASSKEY_TYPES.join(", ")}` }),
        attestationEnforcement: oneOf(ATTESTATION_ENFORCEMENT),
        keyRestrictions: obj({
            isEnforced: bool,
            enforcementType: oneOf(["allow", "block"] as const),
            aaGuids: list(str({ pattern: AAGUID, hint: "an AAGUID" })),
        }),
    },
    { hint: 'like { passkeyTypes: ["deviceBound"], attestationEnforcement: "registrationOnly" }' },
);

/** Every property an includeTargets entry of some method may have beyond id and targetType (METHOD_SPECS says which method has which). */
const TARGET_EXTRAS = {
    isRegistrationRequired: bool,
    /** microsoftAuthenticator: which notifications may be used to sign in. */
    authenticationMode: oneOf(["any", "deviceBasedPush", "push"] as const),
    /** sms: whether the phone number may be used to sign in (primary authentication). */
    isUsableForSignIn: bool,
    /** fido2 (passkey profiles): the profiles the target may use, by key ("default" or a profile's name). */
    allowedPasskeyProfiles: list(str(), {
        nonEmpty: `name a passkey profile, like ["${DEFAULT_PROFILE_KEY}"]`,
        hint: "passkey profile keys",
    }),
};
const INCLUDE_HINT = 'like [{ id: "all_users" }] or [{ id: "<group object id>" }]';
const MINUTES = num({ integer: true, min: 10, max: 43200, hint: "minutes (10 minutes to 30 days)" });

/**
 * The inputs and outputs of one method's configuration, declared once: every method's fields (METHOD_SPECS
 * says which method has which; the member's schema is per method, see methodSchema).
 */
export const methodConfigurationDeclaration = declareSetting({
    inputs: {
        /**
         * Which method: microsoftAuthenticator, sms, voice, fido2, softwareOath, temporaryAccessPass, email, x509Certificate, qrCodePin,
         * hardwareOath (beta).
         */
        method: oneOf(AUTHENTICATION_METHODS),
        state: oneOf(["enabled", "disabled"] as const),
        /**
         * Who may use the method: group object ids or "all_users", and per method authenticationMode (Authenticator), isUsableForSignIn
         * (SMS), allowedPasskeyProfiles (FIDO2).
         */
        includeTargets: list(targetSchema(true, TARGET_EXTRAS), { hint: INCLUDE_HINT }),
        excludeTargets: list(targetSchema(false), { hint: 'like [{ id: "<group object id>" }]' }),
        /**
         * microsoftAuthenticator: displayAppInformationRequiredState, displayLocationInformationRequiredState, companionAppAllowedState
         * (beta).
         */
        featureSettings: obj(
            Object.fromEntries(AUTHENTICATOR_FEATURES.map((f) => [f, FEATURE])) as Record<AuthenticatorFeature, typeof FEATURE>,
            {
                hint: 'like { displayAppInformationRequiredState: { state: "enabled" } }',
            },
        ),
        /**
         * fido2: passkey profiles by key: "default" (the tenant's default passkey profile) or a profile's name. Targets choose
         * profiles with allowedPasskeyProfiles. (The deprecated isAttestationEnforced is not an input: it is never written.)
         */
        passkeyProfiles: map(PROFILE, {
            nonEmpty: `declare the default profile ("${DEFAULT_PROFILE_KEY}") and/or profiles by name, or leave it out`,
        }),
        /** microsoftAuthenticator */
        isSoftwareOathEnabled: bool,
        /** voice */
        isOfficePhoneAllowed: bool,
        /** fido2 */
        isSelfServiceRegistrationAllowed: bool,
        /** temporaryAccessPass: 10-43200, between the minimum and the maximum. */
        defaultLifetimeInMinutes: MINUTES,
        /** temporaryAccessPass: 8-48. */
        defaultLength: num({ integer: true, min: 8, max: 48, hint: "characters" }),
        /** temporaryAccessPass: 10-43200. */
        minimumLifetimeInMinutes: MINUTES,
        /** temporaryAccessPass: 10-43200. */
        maximumLifetimeInMinutes: MINUTES,
        /** temporaryAccessPass */
        isUsableOnce: bool,
        /** email: "default" | "enabled" | "disabled". */
        allowExternalIdToUseEmailOtp: oneOf(ADVANCED_CONFIG_STATES),
        /** qrCodePin: 8-20 digits. */
        pinLength: num({ integer: true, min: 8, max: 20, hint: "digits" }),
        /** qrCodePin: 1-395 days. */
        standardQRCodeLifetimeInDays: num({ integer: true, min: 1, max: 395, hint: "days" }),
    },
    required: ["method"],
    // Confirmations (as m365-mfa:baseline.guards.confirm), e.g. of a weakening the preview named (SMS switched on).
    confirms: true,
    // The method's state and (FIDO2) the declared passkey profiles as the tenant had them at preview.
    tenantAtPreview: obj({ state: oneOf(["enabled", "disabled"] as const), passkeyProfiles: map(PROFILE) }),
    outputs: {
        /** The method's whole configuration as Graph reported it at the last read. */
        configuration: map(any),
    },
});
const INPUTS = methodConfigurationDeclaration.inputs;
type Input = keyof typeof INPUTS;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type FeatureTarget = Infer<typeof FEATURE_TARGET>;
export type AuthenticatorFeatureSetting = Infer<typeof FEATURE>;
export type MethodTarget = Infer<ReturnType<typeof targetSchema<typeof TARGET_EXTRAS>>>;
export type PasskeyProfileSetting = Infer<typeof PROFILE>;
export type PasskeyKeyRestrictions = NonNullable<PasskeyProfileSetting["keyRestrictions"]>;

/** The inputs as validate returns them: targets normalised (ids lower case, targetType filled in). */
export type AuthenticationMethodConfigurationDesired = Mutable<
    Omit<DesiredOf<typeof methodConfigurationDeclaration>, "includeTargets" | "excludeTargets">
> & {
    includeTargets?: Target[];
    excludeTargets?: Target[];
} & Record<string, unknown>;

export interface AuthenticationMethodConfigurationLive extends Record<string, unknown> {
    method: AuthenticationMethod;
    /** The method's whole configuration as Graph reports it (targets normalised, annotations dropped). */
    configuration: Record<string, unknown>;
}

/** What a number is counted in, for the messages (the range is the declaration's). */
const UNITS: Partial<Record<string, string>> = {
    defaultLifetimeInMinutes: " minutes (10 minutes to 30 days)",
    minimumLifetimeInMinutes: " minutes (10 minutes to 30 days)",
    maximumLifetimeInMinutes: " minutes (10 minutes to 30 days)",
    defaultLength: " characters",
    pinLength: " digits",
    standardQRCodeLifetimeInDays: " days",
};

/** The checks of some declared fields, each by its declaration. */
const checksOf = (schemas: Record<string, Schema>, names: readonly string[]): Record<string, FieldCheck> =>
    Object.fromEntries(names.map((n) => [n, declaredCheck(schemas[n], UNITS[n])]));
/** A method's own scalar fields, checked as declared. */
const fields = (...names: Input[]) => checksOf(INPUTS, names);
/** Properties of a method's include targets beyond id and targetType, checked as declared. */
const extras = (...names: (keyof typeof TARGET_EXTRAS)[]) => checksOf(TARGET_EXTRAS, names);

interface MethodSpec {
    /** The configuration's Graph type (sent as @odata.type). */
    readonly entity: string;
    /** Properties of its includeTargets entries beyond id and targetType. */
    readonly targetExtras: Record<string, FieldCheck>;
    /** Its own scalar properties. */
    readonly fields: Record<string, FieldCheck>;
    /** Microsoft Authenticator's featureSettings. */
    readonly features?: true;
    /** FIDO2's passkey profiles. */
    readonly profiles?: true;
    /** Only Graph beta has the configuration. */
    readonly betaOnly?: true;
}

export const METHOD_SPECS: Readonly<Record<AuthenticationMethod, MethodSpec>> = {
    microsoftAuthenticator: {
        entity: "microsoftAuthenticatorAuthenticationMethodConfiguration",
        targetExtras: extras("isRegistrationRequired", "authenticationMode"),
        fields: fields("isSoftwareOathEnabled"),
        features: true,
    },
    sms: {
        entity: "smsAuthenticationMethodConfiguration",
        targetExtras: extras("isRegistrationRequired", "isUsableForSignIn"),
        fields: {},
    },
    voice: {
        entity: "voiceAuthenticationMethodConfiguration",
        targetExtras: extras("isRegistrationRequired"),
        fields: fields("isOfficePhoneAllowed"),
    },
    // isAttestationEnforced is deprecated (passkey profiles): never managed, never written; attestation is a
    // passkey profile's attestationEnforcement.
    fido2: {
        entity: "fido2AuthenticationMethodConfiguration",
        targetExtras: { ...extras("isRegistrationRequired"), allowedPasskeyProfiles: (c, v, p) => checkProfileKeys(c, v, p) },
        fields: fields("isSelfServiceRegistrationAllowed"),
        profiles: true,
    },
    softwareOath: { entity: "softwareOathAuthenticationMethodConfiguration", targetExtras: extras("isRegistrationRequired"), fields: {} },
    temporaryAccessPass: {
        entity: "temporaryAccessPassAuthenticationMethodConfiguration",
        targetExtras: extras("isRegistrationRequired"),
        fields: fields("defaultLifetimeInMinutes", "defaultLength", "minimumLifetimeInMinutes", "maximumLifetimeInMinutes", "isUsableOnce"),
    },
    email: {
        entity: "emailAuthenticationMethodConfiguration",
        targetExtras: extras("isRegistrationRequired"),
        fields: fields("allowExternalIdToUseEmailOtp"),
    },
    x509Certificate: {
        entity: "x509CertificateAuthenticationMethodConfiguration",
        targetExtras: extras("isRegistrationRequired"),
        fields: {},
    },
    qrCodePin: {
        entity: "qrCodePinAuthenticationMethodConfiguration",
        targetExtras: extras("isRegistrationRequired"),
        fields: fields("pinLength", "standardQRCodeLifetimeInDays"),
    },
    hardwareOath: {
        entity: "hardwareOathAuthenticationMethodConfiguration",
        targetExtras: extras("isRegistrationRequired"),
        fields: {},
        betaOnly: true,
    },
};

/**
 * One method's config as m365-mfa:baseline.authenticationMethods.methods.<method> takes it (the JSON Schema's): the
 * declaration's fields that method has, its include targets with its own properties. FIDO2's isAttestationEnforced
 * passes the shape so that the setting's own check says why it is refused and what replaces it.
 */
export function methodSchema(method: AuthenticationMethod): Schema {
    const spec = METHOD_SPECS[method];
    const own: Record<string, Schema> = Object.fromEntries(
        keysOfMethod(method)
            .filter((k) => k !== "method")
            .map((k) => [k, INPUTS[k as Input] as Schema]),
    );
    const targetExtras = Object.fromEntries(
        Object.keys(spec.targetExtras).map((k) => [k, TARGET_EXTRAS[k as keyof typeof TARGET_EXTRAS] as Schema]),
    );
    own.includeTargets = list(targetSchema(true, targetExtras), { hint: INCLUDE_HINT });
    if (spec.profiles) own.isAttestationEnforced = documented(any, ATTESTATION_DEPRECATED);
    return obj(own, { hint: "like { state: enabled }" });
}

function checkProfileKeys(checks: InputChecks, v: unknown, property: string): string[] | undefined {
    if (!Array.isArray(v) || !v.length || v.some((k) => typeof k !== "string" || !k.trim())) {
        return checks.fail(
            property,
            `${property} must be a non-empty list of passkey profile keys, like ["${DEFAULT_PROFILE_KEY}"] or ["` +
                `${DEFAULT_PROFILE_KEY}", "<profile name>"] (got ${JSON.stringify(v)})`,
        );
    }
    const keys = v.map((k: string) => k.trim());
    if (new Set(keys).size !== keys.length) {
        return checks.fail(property, `${property} names a passkey profile twice; name each once`);
    }
    return [...keys].sort();
}

export const ATTESTATION_DEPRECATED =
    "isAttestationEnforced is deprecated by Microsoft (passkey profiles replaced it) and is never written; set " +
    "passkeyProfiles.default.attestationEnforcement: registrationOnly (or on the profile your admins use) instead. On a " +
    "tenant not yet on passkey profiles this moves it to them, which Microsoft does not let you undo";

function checkPasskeyProfiles(checks: InputChecks, v: unknown): Record<string, PasskeyProfileSetting> | undefined {
    const o = checks.object(
        v,
        "passkeyProfiles",
        `{ default: { attestationEnforcement: "registrationOnly" }, Admins: { passkeyTypes: ["deviceBound"], ` +
            `attestationEnforcement: "registrationOnly" } }`,
    );
    if (!o) return undefined;
    const out: Record<string, PasskeyProfileSetting> = {};
    const keys = Object.keys(o).filter((k) => o[k] !== undefined);
    if (!keys.length) {
        checks.fail(
            "passkeyProfiles",
            `passkeyProfiles manages nothing: declare the default profile ("${DEFAULT_PROFILE_KEY}") and/or profiles by ` +
                "name, or leave it out",
        );
    }
    if (keys.length > 3) {
        checks.fail(
            "passkeyProfiles",
            `passkeyProfiles declares ${keys.length} profiles; Microsoft supports up to 3, the default profile included`,
        );
    }
    for (const key of keys) {
        const at = `passkeyProfiles.${key}`;
        const p = checks.object(o[key], at, `{ passkeyTypes: ["deviceBound"], attestationEnforcement: "registrationOnly" }`);
        if (!p) continue;
        checks.knownKeys(p, ["passkeyTypes", "attestationEnforcement", "keyRestrictions"], at, (k) =>
            k === "isAttestationEnforced"
                ? `${at}.isAttestationEnforced: a passkey profile says attestationEnforcement: "registrationOnly" or "disabled"`
                : k === "name" || k === "id"
                  ? `${at}.${k}: a profile is named by its key in passkeyProfiles ("${DEFAULT_PROFILE_KEY}" for the tenant's ` +
                    `default profile); remove ${k}`
                  : undefined,
        );
        const profile: PasskeyProfileSetting = {};
        if (p.passkeyTypes !== undefined) {
            if (
                !Array.isArray(p.passkeyTypes) ||
                !p.passkeyTypes.length ||
                p.passkeyTypes.some((t) => !(PASSKEY_TYPES as readonly unknown[]).includes(t))
            ) {
                checks.fail(
                    `${at}.passkeyTypes`,
                    `${at}.passkeyTypes must be a non-empty list of ${PASSKEY_TYPES.map((t) => `"${t}"`).join(", ")} (got ` +
                        `${JSON.stringify(p.passkeyTypes)})`,
                );
            } else {
                profile.passkeyTypes = [
                    ...new Set(p.passkeyTypes as PasskeyProfileSetting["passkeyTypes"] & string[]),
                ].sort() as PasskeyProfileSetting["passkeyTypes"];
            }
        }
        if (p.attestationEnforcement !== undefined) {
            profile.attestationEnforcement = checks.oneOf(
                p.attestationEnforcement,
                ATTESTATION_ENFORCEMENT,
                `${at}.attestationEnforcement`,
            );
        }
        if (p.keyRestrictions !== undefined) {
            const k = checks.object(
                p.keyRestrictions,
                `${at}.keyRestrictions`,
                `{ isEnforced: true, enforcementType: "allow", aaGuids: ["<AAGUID>"] }`,
            );
            if (k) {
                checks.knownKeys(k, ["isEnforced", "enforcementType", "aaGuids"], `${at}.keyRestrictions`);
                const kr: PasskeyKeyRestrictions = {};
                if (k.isEnforced !== undefined) kr.isEnforced = checks.boolean(k.isEnforced, `${at}.keyRestrictions.isEnforced`);
                if (k.enforcementType !== undefined)
                    kr.enforcementType = checks.oneOf(
                        k.enforcementType,
                        ["allow", "block"] as const,
                        `${at}.keyRestrictions.enforcementType`,
                    );
                if (k.aaGuids !== undefined) {
                    const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
                    if (!Array.isArray(k.aaGuids) || k.aaGuids.some((g) => typeof g !== "string" || !guid.test(g))) {
                        checks.fail(
                            `${at}.keyRestrictions.aaGuids`,
                            `${at}.keyRestrictions.aaGuids must be a list of AAGUIDs (GUIDs; got ${JSON.stringify(k.aaGuids)})`,
                        );
                    } else {
                        kr.aaGuids = [...new Set((k.aaGuids as string[]).map((g) => g.toLowerCase()))].sort();
                    }
                }
                profile.keyRestrictions = kr;
            }
        }
        if (
            key !== DEFAULT_PROFILE_KEY &&
            (profile.passkeyTypes === undefined || profile.attestationEnforcement === undefined) &&
            !checks.failures.some((f) => f.property.startsWith(at))
        ) {
            checks.fail(
                at,
                `${at} needs passkeyTypes and attestationEnforcement (a profile other than "${DEFAULT_PROFILE_KEY}" may be ` +
                    "new to the tenant, and Microsoft requires both)",
            );
        }
        if (!Object.keys(p).filter((x) => p[x] !== undefined).length) {
            checks.fail(at, `${at} manages nothing: set passkeyTypes, attestationEnforcement and/or keyRestrictions, or leave it out`);
        }
        out[key] = profile;
    }
    return out;
}

const COMMON = ["method", "state", "includeTargets", "excludeTargets"];
const ALL_KEYS = methodConfigurationDeclaration.inputKeys;
const LIFETIMES = ["minimumLifetimeInMinutes", "defaultLifetimeInMinutes", "maximumLifetimeInMinutes"] as const;

export const NUMBER_MATCHING_REASON =
    "number matching is always on for Microsoft Authenticator (Microsoft made it mandatory in May 2023) and Graph refuses " +
    "the setting; remove numberMatchingRequiredState";

const configPath = (method: AuthenticationMethod) => `${POLICY_PATH}/authenticationMethodConfigurations/${method}`;

/** beta when a beta-only feature setting is managed, v1.0 otherwise. */
function versionFor(desired: AuthenticationMethodConfigurationDesired): "v1.0" | "beta" {
    return METHOD_SPECS[desired.method]?.betaOnly || BETA_FEATURES.some((f) => desired.featureSettings?.[f] !== undefined)
        ? "beta"
        : "v1.0";
}

function keysOfMethod(method: AuthenticationMethod): string[] {
    const spec = METHOD_SPECS[method];
    return [
        ...COMMON,
        ...(spec.features ? ["featureSettings"] : []),
        ...(spec.profiles ? ["passkeyProfiles"] : []),
        ...Object.keys(spec.fields),
    ];
}

function checkFeatureTarget(checks: InputChecks, v: unknown, property: string): FeatureTarget | undefined {
    const o = checks.object(v, property, `{ id: "${ALL_USERS}" } or { id: "<group object id>" }`);
    if (!o) {
        return undefined;
    }
    checks.knownKeys(o, ["id", "targetType"], property);
    const id =
        typeof o.id === "string" && o.id.trim()
            ? o.id.trim()
            : checks.fail(`${property}.id`, `${property}.id must be "${ALL_USERS}" or an object id (got ${JSON.stringify(o.id)})`);
    const targetType = o.targetType === undefined ? "group" : checks.oneOf(o.targetType, FEATURE_TARGET_TYPES, `${property}.targetType`);
    return id && targetType ? { id: id.toLowerCase() === ALL_USERS ? ALL_USERS : id.toLowerCase(), targetType } : undefined;
}

function checkFeatureSettings(checks: InputChecks, v: unknown): AuthenticationMethodConfigurationDesired["featureSettings"] {
    const o = checks.object(v, "featureSettings", `{ displayAppInformationRequiredState: { state: "enabled" } }`);
    if (!o) {
        return undefined;
    }
    checks.knownKeys(o, AUTHENTICATOR_FEATURES, "featureSettings", (k) =>
        k === "numberMatchingRequiredState"
            ? `featureSettings.numberMatchingRequiredState: ${NUMBER_MATCHING_REASON} from featureSettings`
            : undefined,
    );
    const out: Partial<Record<AuthenticatorFeature, AuthenticatorFeatureSetting>> = {};
    for (const f of AUTHENTICATOR_FEATURES) {
        if (o[f] === undefined) {
            continue;
        }
        const at = `featureSettings.${f}`;
        const s = checks.object(o[f], at, `{ state: "enabled", includeTarget: { id: "${ALL_USERS}" } }`);
        if (!s) {
            continue;
        }
        checks.knownKeys(s, ["state", "includeTarget", "excludeTarget"], at);
        const setting: AuthenticatorFeatureSetting = {};
        if (s.state !== undefined) {
            setting.state = checks.oneOf(s.state, ADVANCED_CONFIG_STATES, `${at}.state`);
        }
        if (s.includeTarget !== undefined) {
            setting.includeTarget = checkFeatureTarget(checks, s.includeTarget, `${at}.includeTarget`);
        }
        if (s.excludeTarget !== undefined) {
            setting.excludeTarget = checkFeatureTarget(checks, s.excludeTarget, `${at}.excludeTarget`);
        }
        if (Object.keys(s).filter((k) => s[k] !== undefined).length === 0) {
            checks.fail(at, `${at} manages nothing: set state, includeTarget and/or excludeTarget, or leave it out`);
        }
        out[f] = setting;
    }
    return out;
}

/** The tenant's value of one managed feature setting, said the way the stack says it. */
function featureAsManaged(have: any, want: AuthenticatorFeatureSetting): AuthenticatorFeatureSetting {
    const out: AuthenticatorFeatureSetting = {};
    if (want.state !== undefined) {
        out.state = have?.state;
    }
    for (const k of ["includeTarget", "excludeTarget"] as const) {
        if (want[k] !== undefined && have?.[k]) {
            out[k] = { id: String(have[k].id).toLowerCase(), targetType: have[k].targetType };
        }
    }
    return out;
}

function sameFeature(want: AuthenticatorFeatureSetting, have: any): boolean {
    const h = featureAsManaged(have, want);
    return (
        (want.state === undefined || want.state === h.state) &&
        (["includeTarget", "excludeTarget"] as const).every(
            (k) =>
                want[k] === undefined || (h[k]?.id === want[k]!.id && (h[k]?.targetType ?? "group") === (want[k]!.targetType ?? "group")),
        )
    );
}

/** Reads one method configuration as Graph reports it. */
async function readConfiguration(
    clients: TenantClients,
    method: AuthenticationMethod,
    version: "v1.0" | "beta",
): Promise<Record<string, unknown>> {
    const body = await clients.graph.get(configPath(method), { version });
    if (!isObject(body) || typeof body.state !== "string") {
        throw new Error(`Graph returned no state for ${configPath(method)}`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) {
        if (!k.includes("@odata.")) {
            out[k] = v;
        }
    }
    out.includeTargets = liveTargets(body.includeTargets);
    out.excludeTargets = liveTargets(body.excludeTargets);
    if (isObject(out.featureSettings)) {
        // Graph may still report number matching; it is not a setting, so it is not part of the state.
        const { numberMatchingRequiredState: _ignored, ...rest } = out.featureSettings;
        out.featureSettings = rest;
    }
    if (method === "fido2") {
        normaliseProfiles(out);
    }
    return out;
}

/** A passkey profile as read: its key in the stack, id and name, and its settings said the way a stack says them. */
export interface LiveProfile {
    id: string;
    name: string;
    passkeyTypes: string[];
    attestationEnforcement: string;
    keyRestrictions: { isEnforced: boolean; enforcementType: string; aaGuids: string[] };
}

/**
 * FIDO2 as read, in the stack's terms: passkeyProfiles keyed by "default" (the tenant's defaultPasskeyProfile)
 * or name; targets' allowedPasskeyProfiles as those keys, sorted. A tenant still in the pre-profile shape has
 * no profiles (passkeyProfiles {} and defaultPasskeyProfile null) and keeps its legacy fields as read.
 */
function normaliseProfiles(out: Record<string, unknown>): void {
    const list = Array.isArray(out.passkeyProfiles) ? (out.passkeyProfiles as Record<string, any>[]) : [];
    const defaultId = typeof out.defaultPasskeyProfile === "string" && list.length ? out.defaultPasskeyProfile.toLowerCase() : null;
    const byKey: Record<string, LiveProfile> = {};
    const keyOfId = new Map<string, string>();
    for (const p of list) {
        const id = String(p.id).toLowerCase();
        const key = id === defaultId ? DEFAULT_PROFILE_KEY : String(p.name);
        keyOfId.set(id, key);
        byKey[key] = {
            id,
            name: String(p.name),
            passkeyTypes: String(p.passkeyTypes ?? "")
                .split(",")
                .map((t) => t.trim())
                .filter(Boolean)
                .sort(),
            attestationEnforcement: String(p.attestationEnforcement),
            keyRestrictions: {
                isEnforced: !!p.keyRestrictions?.isEnforced,
                enforcementType: String(p.keyRestrictions?.enforcementType ?? "block"),
                aaGuids: ((p.keyRestrictions?.aaGuids ?? []) as string[]).map((g) => g.toLowerCase()).sort(),
            },
        };
    }
    out.passkeyProfiles = byKey;
    out.defaultPasskeyProfile = defaultId;
    for (const t of out.includeTargets as Target[]) {
        if (Array.isArray(t.allowedPasskeyProfiles)) {
            t.allowedPasskeyProfiles = (t.allowedPasskeyProfiles as string[])
                .map((id) => keyOfId.get(String(id).toLowerCase()) ?? String(id))
                .sort();
        }
    }
}

const onProfiles = (have: Record<string, unknown>) => typeof have.defaultPasskeyProfile === "string";

/** The tenant's profile said the way the stack says it: the properties (and key restriction parts) the stack sets. */
function profileAsManaged(have: LiveProfile, want: PasskeyProfileSetting): PasskeyProfileSetting {
    const out: PasskeyProfileSetting = {};
    if (want.passkeyTypes) out.passkeyTypes = have.passkeyTypes as PasskeyProfileSetting["passkeyTypes"];
    if (want.attestationEnforcement)
        out.attestationEnforcement = have.attestationEnforcement as PasskeyProfileSetting["attestationEnforcement"];
    if (want.keyRestrictions) {
        const k: Record<string, unknown> = {};
        for (const f of Object.keys(want.keyRestrictions)) k[f] = (have.keyRestrictions as Record<string, unknown>)[f];
        out.keyRestrictions = k as PasskeyKeyRestrictions;
    }
    return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The changes to passkey profiles, one per profile property (a profile the tenant lacks is one change). */
function profileChanges(want: Record<string, PasskeyProfileSetting>, have: Record<string, LiveProfile> | undefined): FieldChange[] {
    const changes: FieldChange[] = [];
    for (const [key, w] of Object.entries(want)) {
        const h = have?.[key];
        if (!h) {
            changes.push({ field: `passkeyProfiles.${key}`, from: undefined, to: w });
            continue;
        }
        const m = profileAsManaged(h, w);
        for (const prop of ["passkeyTypes", "attestationEnforcement", "keyRestrictions"] as const) {
            if (w[prop] !== undefined && !same(w[prop], m[prop])) {
                changes.push({ field: `passkeyProfiles.${key}.${prop}`, from: m[prop], to: w[prop] });
            }
        }
    }
    return changes;
}

/**
 * The passkey profiles to write: the tenant's (or, for a tenant still on the legacy shape, the default profile
 * Microsoft makes from its legacy settings, with the id Graph's update example uses) with the stack's profiles
 * changed or added. Returns the list and each key's id.
 */
function profilesForWrite(
    desired: AuthenticationMethodConfigurationDesired,
    have: Record<string, unknown>,
): { list: Record<string, unknown>[]; ids: Map<string, string> } {
    const byKey = new Map<string, LiveProfile>(Object.entries(effectiveProfiles(have)).map(([k, p]) => [k, structuredClone(p)]));
    for (const [key, w] of Object.entries(desired.passkeyProfiles ?? {})) {
        const p = byKey.get(key) ?? {
            id: randomUUID(),
            name: key,
            passkeyTypes: [],
            attestationEnforcement: "disabled",
            keyRestrictions: { isEnforced: false, enforcementType: "block", aaGuids: [] },
        };
        if (w.passkeyTypes) p.passkeyTypes = [...w.passkeyTypes];
        if (w.attestationEnforcement) p.attestationEnforcement = w.attestationEnforcement;
        if (w.keyRestrictions)
            p.keyRestrictions = {
                ...p.keyRestrictions,
                ...strip(w.keyRestrictions as Record<string, unknown>),
            } as LiveProfile["keyRestrictions"];
        byKey.set(key, p);
    }
    const list = [...byKey.values()].map((p) => ({
        id: p.id,
        name: p.name,
        passkeyTypes: p.passkeyTypes.join(","),
        attestationEnforcement: p.attestationEnforcement,
        keyRestrictions: {
            isEnforced: p.keyRestrictions.isEnforced,
            enforcementType: p.keyRestrictions.enforcementType,
            aaGuids: p.keyRestrictions.aaGuids,
        },
    }));
    return { list, ids: new Map([...byKey].map(([k, p]) => [k, p.id])) };
}

/**
 * The tenant's passkey profiles; for a tenant still on the legacy shape, the default profile Microsoft makes from its
 * legacy settings when it moves (the fido2 resource page: the default profile "initially mirrors the tenant's legacy
 * global passkey (FIDO2) authentication methods policy settings"; device-bound only, as before profiles).
 */
function effectiveProfiles(have: Record<string, unknown>): Record<string, LiveProfile> {
    if (onProfiles(have)) return (have.passkeyProfiles ?? {}) as Record<string, LiveProfile>;
    const legacy = (have.keyRestrictions ?? {}) as Record<string, any>;
    return {
        [DEFAULT_PROFILE_KEY]: {
            id: LEGACY_DEFAULT_PROFILE_ID,
            name: "Default passkey profile",
            passkeyTypes: ["deviceBound"],
            attestationEnforcement: have.isAttestationEnforced === true ? "registrationOnly" : "disabled",
            keyRestrictions: {
                isEnforced: !!legacy.isEnforced,
                enforcementType: String(legacy.enforcementType ?? "block"),
                aaGuids: ((legacy.aaGuids ?? []) as string[]).map((g) => g.toLowerCase()).sort(),
            },
        },
    };
}

/** The id Graph's fido2 update example gives the default passkey profile (docs-contrib fido2authenticationmethodconfiguration-update). */
const LEGACY_DEFAULT_PROFILE_ID = "00000000-0000-0000-0000-000000000001";

export const authenticationMethodConfiguration: TenantSetting<
    AuthenticationMethodConfigurationDesired,
    AuthenticationMethodConfigurationLive
> = {
    type: "AuthenticationMethodConfiguration",
    title: "Authentication method configuration",
    auditActivities: ["Authentication Methods Policy Update"],
    weakens: (c, inputs) => methodWeakens(inputs?.method as AuthenticationMethod | undefined, c),
    internalFields: methodConfigurationDeclaration.internalFields,
    resolvedFields: methodConfigurationDeclaration.resolvedFields,
    permissions: AUTH_POLICY_PERMISSIONS,
    onDelete: "Removing the resource stops managing the method; the tenant keeps the method's configuration as it is.",
    inputKeys: ALL_KEYS,
    // The method is which configuration this resource is: another method is another resource.
    replaceOnChanges: ["method"],

    validate(all) {
        // Plumbing beside the method's own fields: the baseline's confirmations, and the tenant as read at preview.
        const { confirm, [TENANT_AT_PREVIEW]: atPreview, ...inputs } = all;
        const extras: Record<string, unknown> = {
            ...(Array.isArray(confirm) ? { confirm: confirm.map(String) } : {}),
            ...(isObject(atPreview) ? { [TENANT_AT_PREVIEW]: atPreview } : {}),
        };
        const checks = new InputChecks();
        const method = checks.oneOf(inputs.method, AUTHENTICATION_METHODS, "method");
        if (!method) {
            checks.knownKeys(inputs, ALL_KEYS, "");
            return { failures: checks.failures };
        }
        const spec = METHOD_SPECS[method];
        const allowed = keysOfMethod(method);
        checks.knownKeys(inputs, allowed, "", (key) => {
            if (key === "numberMatchingRequiredState") {
                return `numberMatchingRequiredState: ${NUMBER_MATCHING_REASON}`;
            }
            if (key === "isAttestationEnforced") {
                return ATTESTATION_DEPRECATED;
            }
            const owners = AUTHENTICATION_METHODS.filter((m) => keysOfMethod(m).includes(key));
            if (owners.length) {
                return `${key} is not a setting of ${method}; it belongs to ${owners.join(", ")}. Remove it, or set method to ${owners[0]}`;
            }
            return unknownKey(key, key, allowed, `a known property of ${method}`);
        });
        const desired: AuthenticationMethodConfigurationDesired = { method };
        if (inputs.state !== undefined) {
            desired.state = checks.oneOf(inputs.state, ["enabled", "disabled"], "state");
        }
        const include: TargetKind = { allowAllUsers: true, subject: method, extras: spec.targetExtras };
        if (inputs.includeTargets !== undefined) {
            desired.includeTargets = checkTargets(checks, inputs.includeTargets, "includeTargets", include);
            if (desired.includeTargets?.length === 0) {
                checks.fail(
                    "includeTargets",
                    `includeTargets is empty, which leaves ${method} for no one; name a group or "${ALL_USERS}", or set state: "disabled"`,
                );
            }
        }
        if (inputs.excludeTargets !== undefined) {
            desired.excludeTargets = checkTargets(checks, inputs.excludeTargets, "excludeTargets", {
                allowAllUsers: false,
                subject: method,
            });
        }
        if (spec.features && inputs.featureSettings !== undefined) {
            desired.featureSettings = checkFeatureSettings(checks, inputs.featureSettings);
        }
        if (spec.profiles && inputs.passkeyProfiles !== undefined) {
            desired.passkeyProfiles = checkPasskeyProfiles(checks, inputs.passkeyProfiles);
        }
        for (const [field, check] of Object.entries(spec.fields)) {
            if (inputs[field] !== undefined) {
                desired[field] = check(checks, inputs[field], field);
            }
        }
        if (method === "temporaryAccessPass") {
            checkLifetimes(checks, desired as Record<string, number | undefined>, {});
        }
        if (Object.keys(desired).length === 1 && !checks.failures.length) {
            checks.fail(
                "method",
                `nothing to manage for ${method}: set state and/or ${allowed.filter((k) => k !== "method" && k !== "state").join(", ")}`,
            );
        }
        return checks.failures.length ? { failures: checks.failures } : { desired: { ...strip(desired), ...extras }, failures: [] };
    },

    async prepare(clients, desired) {
        // The method's state as the tenant has it now: the from-value of the plan (also of a create), and
        // what a weakening is judged from (enabling SMS, voice or email OTP; disabling a phishing-resistant method).
        const live = await readConfiguration(clients, desired.method, versionFor(desired));
        const atPreview: Record<string, unknown> = { state: live.state };
        if (desired.method === "fido2" && desired.passkeyProfiles) {
            // The profiles as the tenant has them (a legacy tenant: the default profile it would start from), said as the stack says them.
            const have = effectiveProfiles(live);
            atPreview.passkeyProfiles = Object.fromEntries(
                Object.entries(desired.passkeyProfiles)
                    .filter(([k]) => have[k])
                    .map(([k, w]) => [k, profileAsManaged(have[k], w)]),
            );
        }
        const resolved = { ...desired, [TENANT_AT_PREVIEW]: atPreview };
        const changes: FieldChange[] =
            desired.state !== undefined && desired.state !== live.state ? [{ field: "state", from: live.state, to: desired.state }] : [];
        if (changes.length)
            await engineLog(
                "info",
                `Authentication method ${desired.method}: state ${live.state} -> ${desired.state} (the tenant as read now)`,
            );
        if (desired.method === "fido2") {
            const problems = await preparePasskeyProfiles(desired, live);
            if (problems.length) return { desired: resolved, failures: problems };
            // Attestation switched off on a profile weakens like a method switched off (judged from the tenant read now).
            changes.push(
                ...profileChanges(desired.passkeyProfiles ?? {}, effectiveProfiles(live)).filter((c) =>
                    c.field.endsWith(".attestationEnforcement"),
                ),
            );
        }
        const weakenings = changes.map((c) => methodWeakens(desired.method, c)).filter((w): w is string => !!w);
        const refusal = weakeningRefusal(`method-${desired.method}`, weakenings, changes, desired.confirm as string[] | undefined);
        if (refusal) return { desired: resolved, failures: [{ ...refusal, reason: `${desired.method}: ${refusal.reason}` }] };
        // Temporary Access Pass lifetimes must nest (minimum <= default <= maximum) with what the tenant has too.
        if (desired.method !== "temporaryAccessPass" || !LIFETIMES.some((k) => desired[k] !== undefined)) {
            return { desired: resolved, failures: [] };
        }
        const checks = new InputChecks();
        checkLifetimes(checks, desired as Record<string, number | undefined>, live as Record<string, number | undefined>);
        return checks.failures.length ? { failures: checks.failures } : { desired: resolved, failures: [] };
    },

    async read(clients, desired) {
        if (!desired.method) {
            throw new Error(`the recorded inputs name no method; set method to one of ${AUTHENTICATION_METHODS.join(", ")}`);
        }
        return { method: desired.method, configuration: await readConfiguration(clients, desired.method, versionFor(desired)) };
    },

    desiredFromLive(live, desired) {
        const have = live.configuration;
        const out: AuthenticationMethodConfigurationDesired = { ...desired };
        for (const field of Object.keys(desired)) {
            const want = desired[field];
            if (field === "method" || want === undefined || PLUMBING.includes(field)) {
                continue;
            }
            if (field === "passkeyProfiles") {
                const profiles: Record<string, PasskeyProfileSetting> = {};
                for (const [key, w] of Object.entries(want as Record<string, PasskeyProfileSetting>)) {
                    const h = (have.passkeyProfiles as Record<string, LiveProfile> | undefined)?.[key];
                    if (h) profiles[key] = profileAsManaged(h, w);
                }
                out.passkeyProfiles = profiles;
            } else if (field === "includeTargets" || field === "excludeTargets") {
                out[field] = targetsAsManaged((have[field] as Target[]) ?? [], want as Target[]);
            } else if (field === "featureSettings") {
                const settings: Record<string, AuthenticatorFeatureSetting> = {};
                for (const [f, w] of Object.entries(want as Record<string, AuthenticatorFeatureSetting>)) {
                    settings[f] = featureAsManaged((have.featureSettings as any)?.[f], w);
                }
                out.featureSettings = settings;
            } else if (have[field] !== undefined) {
                out[field] = have[field];
            }
        }
        return out;
    },

    diff(desired, live) {
        const have = (live.configuration ?? {}) as Record<string, unknown>;
        const changes: FieldChange[] = [];
        for (const [field, want] of Object.entries(desired)) {
            if (field === "method" || want === undefined || PLUMBING.includes(field)) {
                continue;
            }
            if (field === "passkeyProfiles") {
                changes.push(
                    ...profileChanges(
                        want as Record<string, PasskeyProfileSetting>,
                        have.passkeyProfiles as Record<string, LiveProfile> | undefined,
                    ),
                );
            } else if (field === "includeTargets" || field === "excludeTargets") {
                const h = have[field] as Target[] | undefined;
                if (!sameTargets(want as Target[], h)) {
                    changes.push({ field, from: h && targetsAsManaged(h, want as Target[]), to: want });
                }
            } else if (field === "featureSettings") {
                for (const [f, w] of Object.entries(want as Record<string, AuthenticatorFeatureSetting>)) {
                    const h = (have.featureSettings as any)?.[f];
                    if (!sameFeature(w, h)) {
                        changes.push({ field: `featureSettings.${f}`, from: h && featureAsManaged(h, w), to: w });
                    }
                }
            } else if (have[field] !== want) {
                changes.push({ field, from: have[field], to: want });
            }
        }
        return changes;
    },

    async apply(clients, desired, live, changes) {
        const have = live.configuration;
        const spec = METHOD_SPECS[desired.method];
        const body: Record<string, unknown> = { "@odata.type": `#microsoft.graph.${spec.entity}` };
        const touched = new Set(changes.map((c) => c.field.split(".")[0]));
        // FIDO2: the profiles and targets are written together, the targets' profile keys as the profiles' ids.
        const profiles =
            desired.method === "fido2" && (touched.has("passkeyProfiles") || touched.has("includeTargets"))
                ? profilesForWrite(desired, have)
                : undefined;
        const sendProfiles = !!profiles && (touched.has("passkeyProfiles") || (!!desired.passkeyProfiles && !onProfiles(have)));
        for (const field of touched) {
            switch (field) {
                case "passkeyProfiles":
                    body.passkeyProfiles = profiles!.list;
                    break;
                case "includeTargets":
                    // Unmanaged target properties (e.g. authenticationMode) keep the tenant's values.
                    body.includeTargets = targetsForWrite(desired.includeTargets!, have.includeTargets as Target[]);
                    if (profiles) {
                        const withProfiles = onProfiles(have) || sendProfiles;
                        body.includeTargets = (body.includeTargets as Target[]).map((t) => {
                            const { allowedPasskeyProfiles: keys, ...rest } = t;
                            if (!withProfiles) return rest as Target;
                            const ids = ((keys as string[] | undefined) ?? [DEFAULT_PROFILE_KEY]).map((k) => profiles.ids.get(k) ?? k);
                            return { ...rest, allowedPasskeyProfiles: ids } as Target;
                        });
                    }
                    break;
                case "excludeTargets":
                    body.excludeTargets = desired.excludeTargets!.map((t) => ({ id: t.id, targetType: t.targetType }));
                    break;
                case "featureSettings": {
                    // The whole featureSettings as the tenant has it, with the managed parts changed.
                    const settings: Record<string, unknown> = { ...((have.featureSettings as Record<string, unknown>) ?? {}) };
                    // Beta reads return numberMatchingRequiredState, and Graph refuses an update that sends it
                    // back (Microsoft365DSC#3406): never part of the write, whatever the read held.
                    delete settings.numberMatchingRequiredState;
                    for (const [f, w] of Object.entries(desired.featureSettings ?? {})) {
                        const current = (settings[f] as Record<string, unknown>) ?? {};
                        settings[f] = {
                            ...current,
                            ...(w.state !== undefined ? { state: w.state } : {}),
                            ...(w.includeTarget ? { includeTarget: { targetType: "group", ...w.includeTarget } } : {}),
                            ...(w.excludeTarget ? { excludeTarget: { targetType: "group", ...w.excludeTarget } } : {}),
                        };
                    }
                    body.featureSettings = settings;
                    break;
                }
                default:
                    body[field] = desired[field];
            }
        }
        if (sendProfiles && !body.passkeyProfiles) body.passkeyProfiles = profiles!.list;
        await clients.graph.patch(configPath(desired.method), body, { version: versionFor(desired) });
    },

    id(tenantId, live) {
        return `${tenantId}/authenticationMethodConfigurations/${live.method}`;
    },
};

/** Temporary Access Pass: minimum <= default <= maximum, over the stack's values and (at prepare) the tenant's. */
function checkLifetimes(
    checks: InputChecks,
    desired: Record<string, number | undefined>,
    tenant: Record<string, number | undefined>,
): void {
    const value = (k: string) => desired[k] ?? tenant[k];
    const where = (k: string) => (desired[k] !== undefined ? `${k} ${desired[k]}` : `the tenant's ${k} ${tenant[k]}`);
    const [min, def, max] = LIFETIMES.map(value);
    const setByStack = (...keys: string[]) => keys.some((k) => desired[k] !== undefined);
    if (min !== undefined && max !== undefined && min > max && setByStack("minimumLifetimeInMinutes", "maximumLifetimeInMinutes")) {
        const property = desired.minimumLifetimeInMinutes !== undefined ? "minimumLifetimeInMinutes" : "maximumLifetimeInMinutes";
        checks.fail(
            property,
            `${where("minimumLifetimeInMinutes")} is greater than ${where("maximumLifetimeInMinutes")}; the minimum must not ` +
                "exceed the maximum (set both)",
        );
    }
    if (def !== undefined && min !== undefined && def < min && setByStack("defaultLifetimeInMinutes", "minimumLifetimeInMinutes")) {
        const property = desired.defaultLifetimeInMinutes !== undefined ? "defaultLifetimeInMinutes" : "minimumLifetimeInMinutes";
        checks.fail(
            property,
            `${where("defaultLifetimeInMinutes")} is below ${where("minimumLifetimeInMinutes")}; the default must lie ` +
                "between the minimum and the maximum (set minimumLifetimeInMinutes too, or raise the default)",
        );
    }
    if (def !== undefined && max !== undefined && def > max && setByStack("defaultLifetimeInMinutes", "maximumLifetimeInMinutes")) {
        const property = desired.defaultLifetimeInMinutes !== undefined ? "defaultLifetimeInMinutes" : "maximumLifetimeInMinutes";
        checks.fail(
            property,
            `${where("defaultLifetimeInMinutes")} is above ${where("maximumLifetimeInMinutes")}; the default must lie ` +
                "between the minimum and the maximum (set maximumLifetimeInMinutes too, or lower the default)",
        );
    }
}

/**
 * FIDO2 at prepare, against the tenant as read now: targets name profiles that exist (or that the stack
 * declares); a tenant still on the legacy shape is said to move to passkey profiles (Microsoft: no opting out);
 * and each target whose profiles change is named, from which profiles to which.
 */
async function preparePasskeyProfiles(
    desired: AuthenticationMethodConfigurationDesired,
    live: Record<string, unknown>,
): Promise<{ property: string; reason: string }[]> {
    const failures: { property: string; reason: string }[] = [];
    const liveProfiles = (live.passkeyProfiles ?? {}) as Record<string, LiveProfile>;
    const migrated = onProfiles(live);
    const known = new Set([
        ...Object.keys(liveProfiles),
        ...Object.keys(desired.passkeyProfiles ?? {}),
        ...(desired.passkeyProfiles || migrated ? [DEFAULT_PROFILE_KEY] : []),
    ]);
    (desired.includeTargets ?? []).forEach((t, i) => {
        const keys = t.allowedPasskeyProfiles as string[] | undefined;
        if (!keys) return;
        const at = `includeTargets[${i}].allowedPasskeyProfiles`;
        if (!migrated && !desired.passkeyProfiles) {
            failures.push({
                property: at,
                reason:
                    `${at}: the tenant has not moved to passkey profiles yet; declare passkeyProfiles (at least "` +
                    `${DEFAULT_PROFILE_KEY}") to move it, or remove allowedPasskeyProfiles`,
            });
            return;
        }
        const unknown = keys.filter((k) => !known.has(k));
        if (unknown.length) {
            failures.push({
                property: at,
                reason:
                    `${at} names passkey profile(s) ${unknown.map((k) => `"${k}"`).join(", ")} that neither the tenant nor ` +
                    "passkeyProfiles has; the tenant has " +
                    `${[...Object.keys(liveProfiles)].map((k) => `"${k}"`).join(", ") || "none"}`,
            });
        }
    });
    if (failures.length) return failures;
    if (!migrated && desired.passkeyProfiles) {
        await engineLog(
            "warning",
            "Authentication method fido2: the tenant still has the FIDO2 settings from before passkey profiles " +
                `(isAttestationEnforced ${JSON.stringify(live.isAttestationEnforced)}); this plan moves it to passkey profiles, ` +
                "which Microsoft does not let you undo. Its settings become the default passkey profile, then the stack's " +
                "profiles apply.",
        );
    }
    const liveTargets = new Map(((live.includeTargets ?? []) as Target[]).map((t) => [t.id, t]));
    for (const t of desired.includeTargets ?? []) {
        const want = t.allowedPasskeyProfiles as string[] | undefined;
        const h = liveTargets.get(t.id);
        const had = (h?.allowedPasskeyProfiles as string[] | undefined) ?? (h && !migrated ? [DEFAULT_PROFILE_KEY] : undefined);
        if (want && had && !same([...want].sort(), [...had].sort())) {
            await engineLog(
                "warning",
                `Authentication method fido2: users in ${t.id === ALL_USERS ? "all users" : `${t.targetType} ${t.id}`} move ` +
                    `from passkey profile(s) ${had.join(", ")} to ${want.join(", ")}: they may register and sign in only with ` +
                    "passkeys that one of the new profiles allows.",
            );
        }
    }
    return [];
}

/** Drops keys left undefined, so the inputs show only what is managed. */
/** Inputs that are not the method's configuration: never diffed, never written. */
const PLUMBING = ["confirm", TENANT_AT_PREVIEW];

/** Methods that resist phishing: switching one off weakens the tenant. */
export const PHISHING_RESISTANT: readonly string[] = ["fido2", "x509Certificate", "windowsHelloForBusiness"];
/** Methods that are phishable and interceptable (ScubaGear MS.AAD.3.5, Maester): switching one on weakens the tenant. */
export const WEAK_METHODS: readonly string[] = ["sms", "voice", "email"];

/**
 * Whether a change of a method's state weakens the tenant, by method and direction: enabling SMS, voice
 * or email OTP weakens (what ScubaGear and Maester recommend off); disabling a phishing-resistant method
 * (FIDO2, certificate-based, Windows Hello) weakens; disabling SMS, voice or email does not, and neither
 * does enabling a strong method. The from-value is the tenant's as read at preview.
 */
export function methodWeakens(method: AuthenticationMethod | string | undefined, c: FieldChange): string | undefined {
    const attestation = /^passkeyProfiles\.(.+)\.attestationEnforcement$/.exec(c.field);
    const unattested = (key: string) =>
        `passkey profile ${key}: attestation no longer enforced (passkeys registered from now on need not prove their make and model)`;
    if (attestation && c.from === "registrationOnly" && c.to === "disabled") {
        return unattested(attestation[1]);
    }
    if (c.field === "passkeyProfiles" && isObject(c.to)) {
        // The preview of a create: the whole profiles, from the tenant at preview.
        const from = (isObject(c.from) ? c.from : {}) as Record<string, PasskeyProfileSetting>;
        const keys = Object.entries(c.to as Record<string, PasskeyProfileSetting>)
            .filter(([k, w]) => from[k]?.attestationEnforcement === "registrationOnly" && w?.attestationEnforcement === "disabled")
            .map(([k]) => k);
        return keys.length ? keys.map(unattested).join("; ") : undefined;
    }
    if (c.field !== "state" || c.from === c.to || !method) return undefined;
    if (c.to === "enabled" && WEAK_METHODS.includes(method)) {
        return (
            `${method} switched on: a phishable method (one-time codes by ` +
            `${method === "email" ? "email" : method === "sms" ? "text message" : "phone call"}) becomes usable for sign-in`
        );
    }
    if (c.to === "disabled" && c.from === "enabled" && PHISHING_RESISTANT.includes(method)) {
        return `${method} switched off: a phishing-resistant method is taken away (users who rely on it fall back to weaker methods)`;
    }
    return undefined;
}

function strip<T extends Record<string, unknown>>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
