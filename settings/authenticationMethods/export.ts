import type { ExportContext } from "../../providers/framework/exportContext";
import {
    AUTHENTICATION_METHODS,
    AUTHENTICATOR_FEATURES,
    type AuthenticationMethod,
    type LiveProfile,
    METHOD_SPECS,
    authenticationMethodConfiguration,
} from "./methodConfiguration";
import { externalAuthenticationMethod, readExternalMethods } from "./externalMethod";
import { authenticationMethodsPolicy } from "./policy";
import type { Target } from "./shared";

/**
 * m365-mfa:baseline.authenticationMethods: the tenant-wide policy (registrationCampaign,
 * policyMigrationState, systemCredentialPreferences, reportSuspiciousActivitySettings) and every method configuration
 * (FIDO2 by passkey profiles; a tenant still on the legacy FIDO2 shape is exported without the deprecated fields), each with only
 * the fields the AuthenticationMethodConfiguration setting manages (Authenticator's feature settings
 * included, companionAppAllowedState read from beta as the setting does). Each part is checked with its
 * setting's own validation before it is exported; a part the setting would refuse is left out with a
 * warning rather than written as config the preview fails on.
 */
const CAMPAIGN_KEYS = ["state", "snoozeDurationInDays", "includeTargets", "excludeTargets"] as const;
const PREFERENCE_KEYS = ["state", "includeTargets", "excludeTargets"] as const;

/** A target list said the way a stack says it: id, targetType and the given extra properties. */
function targets(v: unknown, extras: readonly string[] = []): Target[] {
    return (Array.isArray(v) ? (v as Target[]) : []).map((t) => {
        const out: Target = { id: t.id, targetType: t.targetType };
        for (const k of extras) if (t[k] !== undefined && t[k] !== null) out[k] = t[k];
        return out;
    });
}

function section(
    have: Record<string, unknown> | undefined,
    keys: readonly string[],
    includeExtras: readonly string[],
): Record<string, unknown> | undefined {
    if (!have) return undefined;
    const out: Record<string, unknown> = {};
    for (const k of keys) {
        const v = have[k];
        if (v === undefined || v === null) continue;
        out[k] = k === "includeTargets" ? targets(v, includeExtras) : k === "excludeTargets" ? targets(v) : v;
    }
    return Object.keys(out).length ? out : undefined;
}

async function exportPolicy(ctx: ExportContext): Promise<Record<string, unknown> | undefined> {
    // Nothing recorded: the setting reads all of it (beta, for systemCredentialPreferences).
    const { policy } = await authenticationMethodsPolicy.read(ctx.clients, {});
    const out: Record<string, unknown> = {};
    const campaign = section(policy.registrationCampaign, CAMPAIGN_KEYS, ["targetedAuthenticationMethod"]);
    if (campaign) out.registrationCampaign = campaign;
    if (policy.policyMigrationState) out.policyMigrationState = policy.policyMigrationState;
    const preferences = section(policy.systemCredentialPreferences, PREFERENCE_KEYS, []);
    if (preferences) out.systemCredentialPreferences = preferences;
    const report = policy.reportSuspiciousActivitySettings;
    if (report && typeof report.state === "string") {
        out.reportSuspiciousActivitySettings = {
            state: report.state,
            ...(report.includeTarget?.id
                ? { includeTarget: { id: report.includeTarget.id, targetType: report.includeTarget.targetType } }
                : {}),
            ...(typeof report.voiceReportingCode === "number" ? { voiceReportingCode: report.voiceReportingCode } : {}),
        };
    }
    if (!Object.keys(out).length) return undefined;
    const { failures } = authenticationMethodsPolicy.validate(out);
    if (failures.length) {
        ctx.warnings.push(
            "authenticationMethods.policy was left out: the tenant's values are not ones the setting accepts (" +
                `${failures.map((f) => f.reason).join("; ")}).`,
        );
        return undefined;
    }
    return out;
}

async function exportMethod(ctx: ExportContext, method: AuthenticationMethod): Promise<Record<string, unknown> | undefined> {
    const spec = METHOD_SPECS[method];
    // Asking for a beta-only feature makes the setting read beta, where every feature setting is.
    const probe = spec.features ? { method, featureSettings: { companionAppAllowedState: { state: "default" as const } } } : { method };
    const { configuration: have } = await authenticationMethodConfiguration.read(ctx.clients, probe);
    const out: Record<string, unknown> = {};
    if (have.state === "enabled" || have.state === "disabled") out.state = have.state;
    const include = targets(have.includeTargets, Object.keys(spec.targetExtras));
    // An empty include list is not something a stack may write (it leaves the method for no one): not managed.
    if (include.length) out.includeTargets = include;
    out.excludeTargets = targets(have.excludeTargets);
    if (spec.features && have.featureSettings && typeof have.featureSettings === "object") {
        const features: Record<string, unknown> = {};
        for (const f of AUTHENTICATOR_FEATURES) {
            const s = (have.featureSettings as Record<string, any>)[f];
            if (!s || typeof s !== "object") continue;
            const setting: Record<string, unknown> = {};
            if (typeof s.state === "string") setting.state = s.state;
            for (const k of ["includeTarget", "excludeTarget"]) {
                if (s[k]?.id) setting[k] = { id: String(s[k].id), ...(s[k].targetType ? { targetType: s[k].targetType } : {}) };
            }
            if (Object.keys(setting).length) features[f] = setting;
        }
        if (Object.keys(features).length) out.featureSettings = features;
    }
    for (const field of Object.keys(spec.fields)) {
        if (have[field] !== undefined && have[field] !== null) out[field] = have[field];
    }
    if (spec.profiles) {
        // Passkey profiles by key ("default" and names), each whole; the deprecated isAttestationEnforced never.
        const profiles = (have.passkeyProfiles ?? {}) as Record<string, LiveProfile>;
        if (typeof have.defaultPasskeyProfile === "string" && Object.keys(profiles).length) {
            out.passkeyProfiles = Object.fromEntries(
                Object.entries(profiles).map(([key, p]) => [
                    key,
                    {
                        passkeyTypes: p.passkeyTypes,
                        attestationEnforcement: p.attestationEnforcement,
                        keyRestrictions: { ...p.keyRestrictions },
                    },
                ]),
            );
        } else {
            ctx.warnings.push(
                `authenticationMethods.methods.${method}: the tenant has not moved to passkey profiles ` +
                    `(isAttestationEnforced ${JSON.stringify(have.isAttestationEnforced)}); attestation and key restrictions ` +
                    "were left out, as the deprecated settings are never written. Declare passkeyProfiles.default to manage them " +
                    "(this moves the tenant to passkey profiles, which cannot be undone).",
            );
        }
    }
    const { failures } = authenticationMethodConfiguration.validate({ ...out, method });
    if (failures.length) {
        ctx.warnings.push(
            `authenticationMethods.methods.${method} was left out: the tenant's values are not ones the setting accepts (` +
                `${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}).`,
        );
        return undefined;
    }
    return out;
}

export async function exportMember(ctx: ExportContext): Promise<Record<string, unknown> | undefined> {
    const out: Record<string, unknown> = {};
    const policy = await exportPolicy(ctx);
    if (policy) out.policy = policy;
    const methods: Record<string, unknown> = {};
    for (const method of AUTHENTICATION_METHODS) {
        const m = await exportMethod(ctx, method);
        if (m) methods[method] = m;
        ctx.onProgress?.("authentication methods", Object.keys(methods).length);
    }
    if (Object.keys(methods).length) out.methods = methods;
    // External authentication methods by displayName, each with what the setting manages.
    const external: Record<string, unknown> = {};
    for (const { configuration: c } of await readExternalMethods(ctx.clients)) {
        const name = String(c.displayName);
        const m: Record<string, unknown> = {};
        for (const k of ["appId", "clientId", "discoveryUrl", "state"]) if (c[k] !== undefined && c[k] !== null) m[k] = c[k];
        const include = targets(c.includeTargets, ["isRegistrationRequired"]);
        if (include.length) m.includeTargets = include;
        m.excludeTargets = targets(c.excludeTargets);
        const { failures } = externalAuthenticationMethod.validate({ ...m, displayName: name });
        if (failures.length) {
            ctx.warnings.push(
                `authenticationMethods.externalMethods.${name} was left out: the tenant's values are not ones the setting ` +
                    `accepts (${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}).`,
            );
            continue;
        }
        external[name] = m;
    }
    if (Object.keys(external).length) out.externalMethods = external;
    return Object.keys(out).length ? out : undefined;
}
