import type { TenantClients } from "../../client";
import { engineLog } from "../../providers/framework/diagnostics";
import { type DesiredOf, declareSetting } from "../../providers/framework/declare";
import { type FieldChange, type TenantSetting, weakeningRefusal } from "../../providers/framework/setting";
import { type Infer, type Schema, any, list, map, num, obj, oneOf, str } from "../../providers/framework/validation";
import {
    ADVANCED_CONFIG_STATES,
    AUTH_POLICY_PERMISSIONS,
    type AdvancedConfigState,
    InputChecks,
    POLICY_PATH,
    type Target,
    type TargetKind,
    checkTargets,
    declaredCheck,
    targetSchema,
    isObject,
    liveTargets,
    sameValue,
    targetsAsManaged,
    targetsForWrite,
} from "./shared";

/**
 * The tenant-wide part of the authentication methods policy: Graph `policies/authenticationMethodsPolicy`.
 * - registrationCampaign: registrationEnforcement.authenticationMethodsRegistrationCampaign (v1.0), the
 *   "nudge" to register Microsoft Authenticator: state, snoozeDurationInDays (0-14), includeTargets,
 *   excludeTargets;
 * - policyMigrationState (v1.0): the move off the legacy MFA and SSPR method settings
 *   (preMigration -> migrationInProgress -> migrationComplete). Microsoft documents the migration as
 *   reversible (how-to-authentication-methods-manage: "the process is fully reversible"), so a step back
 *   is applied like any change; prepare reads what the tenant has and, for a step back, warns at preview
 *   what it means now that the legacy policies can no longer be managed (since 2025-09-30);
 * - systemCredentialPreferences (beta only): system-preferred MFA;
 * - reportSuspiciousActivitySettings (beta only): whether users may report an MFA prompt as suspicious (their
 *   user risk becomes high), for whom (one includeTarget), and the phone keypad code (voiceReportingCode).
 *   Switching it off weakens the tenant.
 * Only what the stack sets is managed; targets are compared without regard to order. The method
 * configurations are AuthenticationMethodConfiguration resources, one per method.
 */
export const MIGRATION_STATES = ["preMigration", "migrationInProgress", "migrationComplete"] as const;
export type PolicyMigrationState = (typeof MIGRATION_STATES)[number];

const STATE = oneOf(ADVANCED_CONFIG_STATES);
const EXCLUDE = list(targetSchema(false), { hint: 'like [{ id: "<group object id>" }]' });
const INCLUDE_HINT = 'like [{ id: "all_users" }] or [{ id: "<group object id>" }]';

/** The registration campaign (registrationEnforcement.authenticationMethodsRegistrationCampaign). */
const CAMPAIGN = obj({
    state: STATE,
    /** Days a user may postpone registering (0 asks at every sign-in). */
    snoozeDurationInDays: num({ integer: true, min: 0, max: 14, hint: "days (0 asks at every sign-in)" }),
    includeTargets: list(targetSchema(true, { targetedAuthenticationMethod: oneOf(["microsoftAuthenticator"] as const) }), {
        hint: INCLUDE_HINT,
    }),
    excludeTargets: EXCLUDE,
});
/** System-preferred MFA (beta systemCredentialPreferences). */
const PREFERENCES = obj({ state: STATE, includeTargets: list(targetSchema(true), { hint: INCLUDE_HINT }), excludeTargets: EXCLUDE });
/** Report suspicious activity (beta reportSuspiciousActivitySettings): one includeTarget, the phone keypad code. */
const REPORT = obj({
    state: STATE,
    includeTarget: targetSchema(true),
    voiceReportingCode: num({ integer: true, min: 0, max: 9, hint: "one phone keypad digit" }),
});

/** The inputs and outputs of the authentication methods policy, declared once. */
export const authenticationMethodsPolicyDeclaration = declareSetting({
    inputs: {
        /** The registration campaign (nudge to set up Microsoft Authenticator at sign-in). Only the fields set are managed. */
        registrationCampaign: CAMPAIGN,
        /** Migration off the legacy MFA/SSPR method settings (reversible; a step back is warned about at preview). */
        policyMigrationState: oneOf(MIGRATION_STATES),
        /** System-preferred MFA (Graph beta systemCredentialPreferences). Only the fields set are managed. */
        systemCredentialPreferences: PREFERENCES,
        /**
         * Report suspicious activity (Graph beta reportSuspiciousActivitySettings): state, includeTarget, voiceReportingCode. Only the
         * fields set are managed.
         */
        reportSuspiciousActivitySettings: REPORT,
    },
    internal: {
        /** The resource's own URN, so that plan-time warnings are shown on it (set by the resource class). */
        diagnosticsUrn: str(),
    },
    // Confirmations (as m365-mfa:baseline.guards.confirm), e.g. of a weakening the preview named (report suspicious activity switched off).
    confirms: true,
    tenantAtPreview: false,
    outputs: {
        /** What Graph reported for the managed parts of the policy at the last read. */
        policy: map(any),
    },
});

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** A section as validate returns it: its targets normalised (ids lower case, targetType filled in). */
type WithTargets<T> = Mutable<Omit<T, "includeTargets" | "excludeTargets">> & { includeTargets?: Target[]; excludeTargets?: Target[] };

export type RegistrationCampaign = WithTargets<Infer<typeof CAMPAIGN>>;
export type SystemCredentialPreferences = WithTargets<Infer<typeof PREFERENCES>>;
export type ReportSuspiciousActivitySettings = Mutable<Omit<Infer<typeof REPORT>, "includeTarget">> & {
    includeTarget?: { id: string; targetType: "group" | "user" };
};

export type AuthenticationMethodsPolicyDesired = Mutable<
    Omit<
        DesiredOf<typeof authenticationMethodsPolicyDeclaration>,
        "registrationCampaign" | "systemCredentialPreferences" | "reportSuspiciousActivitySettings"
    >
> & {
    registrationCampaign?: RegistrationCampaign;
    systemCredentialPreferences?: SystemCredentialPreferences;
    reportSuspiciousActivitySettings?: ReportSuspiciousActivitySettings;
} & Record<string, unknown>;

export interface AuthenticationMethodsPolicyLive extends Record<string, unknown> {
    /** The managed parts of the policy as Graph reports them (systemCredentialPreferences when read from beta). */
    policy: {
        registrationCampaign: Required<RegistrationCampaign> & Record<string, unknown>;
        policyMigrationState: PolicyMigrationState | null;
        systemCredentialPreferences?: Required<SystemCredentialPreferences>;
        reportSuspiciousActivitySettings?: Required<ReportSuspiciousActivitySettings>;
    };
}

/** What the resource manages in the tenant. */
const MANAGED = authenticationMethodsPolicyDeclaration.inputKeys;
/** The inputs a read picks from the state: the managed ones and the plumbing (as before the declaration). */
const KEYS = [...MANAGED, ...authenticationMethodsPolicyDeclaration.internalFields];
const managesNothing = (d: Record<string, unknown>) => MANAGED.every((k) => d[k] === undefined);
/** The fields of a declared section. */
function fieldsOf(section: Schema): Record<string, Schema> {
    if (section.type !== "object") throw new Error("a section is declared as an object");
    return section.fields;
}
const CAMPAIGN_KEYS = Object.keys(fieldsOf(CAMPAIGN)) as (keyof RegistrationCampaign & string)[];
const PREFERENCE_KEYS = Object.keys(fieldsOf(PREFERENCES)) as (keyof SystemCredentialPreferences & string)[];
export const REPORT_KEYS = Object.keys(fieldsOf(REPORT)) as (keyof ReportSuspiciousActivitySettings & string)[];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkReportSuspiciousActivity(checks: InputChecks, v: unknown): ReportSuspiciousActivitySettings | undefined {
    const at = "reportSuspiciousActivitySettings";
    const o = checks.object(v, at, `{ state: "enabled", includeTarget: { id: "all_users" }, voiceReportingCode: 0 }`);
    if (!o) return undefined;
    checks.knownKeys(o, REPORT_KEYS, at, (k) =>
        k === "includeTargets"
            ? `${at}.includeTargets: report suspicious activity has one includeTarget ({ id: "all_users" } or a group), not a list`
            : undefined,
    );
    const out: ReportSuspiciousActivitySettings = {};
    if (o.state !== undefined) out.state = checks.oneOf(o.state, ADVANCED_CONFIG_STATES, `${at}.state`);
    if (o.includeTarget !== undefined) {
        const t = checks.object(o.includeTarget, `${at}.includeTarget`, `{ id: "all_users" } or { id: "<group object id>" }`);
        if (t) {
            checks.knownKeys(t, ["id", "targetType"], `${at}.includeTarget`);
            const id = typeof t.id === "string" ? t.id.trim().toLowerCase() : "";
            if (id !== "all_users" && !GUID.test(id)) {
                checks.fail(
                    `${at}.includeTarget.id`,
                    `${at}.includeTarget.id must be "all_users" or a group's object id (a GUID; got ${JSON.stringify(t.id)})`,
                );
            }
            const targetType =
                t.targetType === undefined
                    ? "group"
                    : checks.oneOf(t.targetType, ["group", "user"] as const, `${at}.includeTarget.targetType`);
            if (targetType) out.includeTarget = { id, targetType };
        }
    }
    if (o.voiceReportingCode !== undefined)
        out.voiceReportingCode = VOICE_CODE(checks, o.voiceReportingCode, `${at}.voiceReportingCode`) as number | undefined;
    if (Object.values(o).every((x) => x === undefined))
        checks.fail(at, `${at} manages nothing: set ${REPORT_KEYS.join(", ")}, or leave it out`);
    return out;
}

function normaliseReport(v: unknown): Required<ReportSuspiciousActivitySettings> {
    const o = isObject(v) ? v : {};
    const t = isObject(o.includeTarget) ? o.includeTarget : {};
    return {
        state: o.state as AdvancedConfigState,
        includeTarget: { id: String(t.id ?? "").toLowerCase(), targetType: (t.targetType as "group" | "user") ?? "group" },
        voiceReportingCode: o.voiceReportingCode as number,
    };
}

/** The tenant's report-suspicious-activity settings said the way the stack says them. */
function reportAsManaged(
    have: Required<ReportSuspiciousActivitySettings> | undefined,
    want: ReportSuspiciousActivitySettings,
): ReportSuspiciousActivitySettings {
    const out: ReportSuspiciousActivitySettings = {};
    for (const k of REPORT_KEYS) if (want[k] !== undefined && have?.[k] !== undefined) (out as any)[k] = have[k];
    return out;
}

/** Switching report suspicious activity off ("default" is off, per the resource page) weakens the tenant. */
export function policyWeakens(c: FieldChange): string | undefined {
    if (c.field === "reportSuspiciousActivitySettings.state" && c.from === "enabled" && c.to !== "enabled") {
        return (
            "report suspicious activity switched off: users can no longer flag an MFA prompt they did not start (which sets " +
            "their user risk to high)"
        );
    }
    return undefined;
}

const CAMPAIGN_INCLUDE: TargetKind = {
    allowAllUsers: true,
    subject: "the registration campaign",
    extras: {
        targetedAuthenticationMethod: (c, v, p) => c.oneOf(v, ["microsoftAuthenticator"], p),
    },
    defaults: { targetedAuthenticationMethod: "microsoftAuthenticator" },
};

// The ranges as declared (CAMPAIGN, REPORT), said in the setting's words.
const SNOOZE = declaredCheck(fieldsOf(CAMPAIGN).snoozeDurationInDays, " days (0 asks at every sign-in)");
const VOICE_CODE = declaredCheck(fieldsOf(REPORT).voiceReportingCode, " (one phone keypad digit)");

const rank = (s: PolicyMigrationState | null | undefined) => (s ? MIGRATION_STATES.indexOf(s) : -1);

function checkSection<K extends string>(
    checks: InputChecks,
    v: unknown,
    property: string,
    keys: readonly K[],
    example: string,
    include: TargetKind,
    subject: string,
): Record<string, unknown> | undefined {
    const o = checks.object(v, property, example);
    if (!o) {
        return undefined;
    }
    checks.knownKeys(o, keys, property);
    const out: Record<string, unknown> = {};
    if (o.state !== undefined) {
        out.state = checks.oneOf(o.state, ADVANCED_CONFIG_STATES, `${property}.state`);
    }
    if (o.snoozeDurationInDays !== undefined && (keys as readonly string[]).includes("snoozeDurationInDays")) {
        out.snoozeDurationInDays = SNOOZE(checks, o.snoozeDurationInDays, `${property}.snoozeDurationInDays`);
    }
    if (o.includeTargets !== undefined) {
        out.includeTargets = checkTargets(checks, o.includeTargets, `${property}.includeTargets`, include);
    }
    if (o.excludeTargets !== undefined) {
        out.excludeTargets = checkTargets(checks, o.excludeTargets, `${property}.excludeTargets`, { allowAllUsers: false, subject });
    }
    if (Object.values(o).every((x) => x === undefined)) {
        checks.fail(property, `${property} manages nothing: set ${keys.join(", ")}, or leave it out`);
    }
    return out;
}

function normaliseSection(v: unknown): Record<string, unknown> {
    const o = isObject(v) ? v : {};
    const out: Record<string, unknown> = {};
    for (const [k, value] of Object.entries(o)) {
        if (!k.includes("@odata.")) {
            out[k] = k === "includeTargets" || k === "excludeTargets" ? liveTargets(value) : value;
        }
    }
    return out;
}

async function readPolicy(clients: TenantClients, version: "v1.0" | "beta"): Promise<AuthenticationMethodsPolicyLive> {
    const body = await clients.graph.get(POLICY_PATH, { version });
    if (!isObject(body)) {
        throw new Error(`Graph returned no policy for ${POLICY_PATH}`);
    }
    const enforcement = isObject(body.registrationEnforcement) ? body.registrationEnforcement : {};
    const policy: AuthenticationMethodsPolicyLive["policy"] = {
        registrationCampaign: normaliseSection(enforcement.authenticationMethodsRegistrationCampaign) as any,
        policyMigrationState: (body.policyMigrationState as PolicyMigrationState | undefined) ?? null,
    };
    if (version === "beta") {
        policy.systemCredentialPreferences = normaliseSection(body.systemCredentialPreferences) as any;
        policy.reportSuspiciousActivitySettings = normaliseReport(body.reportSuspiciousActivitySettings);
    }
    return { policy };
}

/** The tenant's value of a managed section, said the way the stack says it. */
function sectionAsManaged(have: Record<string, unknown> | undefined, want: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, w] of Object.entries(want)) {
        if (w === undefined || have?.[k] === undefined) {
            continue;
        }
        out[k] = Array.isArray(w) ? targetsAsManaged(have[k] as Target[], w as Target[]) : have[k];
    }
    return out;
}

/** The whole section to send: the tenant's values with the managed ones changed. */
function sectionForWrite(have: Record<string, unknown>, want: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of keys) {
        const w = want[k];
        out[k] = w === undefined ? have[k] : Array.isArray(w) ? targetsForWrite(w as Target[], have[k] as Target[]) : w;
    }
    return out;
}

/**
 * What a step back of the migration means, said at preview. Microsoft documents the migration as
 * reversible; the legacy MFA and SSPR method settings it would hand control back to stopped being
 * manageable on 2025-09-30, and what users see after a step back is not documented.
 */
export function migrationStepBackWarning(have: PolicyMigrationState, want: PolicyMigrationState): string {
    return (
        `Authentication methods policy: this plan moves policyMigrationState back from "${have}" (what the tenant has) to "${want}". ` +
        "Microsoft documents the migration as reversible, so it is applied. But the legacy MFA and SSPR policies stopped " +
        "being manageable " +
        `on 2025-09-30: stepping back does not give you back control of methods through them, and what it changes for users is not ` +
        "documented. Keep managing methods in the authentication methods policy; if the step back is not intended, set " +
        "policyMigrationState " +
        `to "${have}" or remove it to stop managing it.`
    );
}

export const authenticationMethodsPolicy: TenantSetting<AuthenticationMethodsPolicyDesired, AuthenticationMethodsPolicyLive> = {
    type: "AuthenticationMethodsPolicy",
    title: "Authentication methods policy",
    internalFields: authenticationMethodsPolicyDeclaration.internalFields,
    weakens: (c) => policyWeakens(c),
    auditActivities: ["Authentication Methods Policy Update"],
    permissions: AUTH_POLICY_PERMISSIONS,
    onDelete:
        "Removing the resource stops managing the registration campaign, migration state, system-preferred MFA and report " +
        "suspicious activity; the tenant keeps them as they are.",
    inputKeys: KEYS,

    validate(inputs) {
        const checks = new InputChecks();
        checks.knownKeys(inputs, KEYS, "", (key) =>
            key === "authenticationMethodConfigurations" || key === "method"
                ? `${key}: method configurations are managed by AuthenticationMethodConfiguration resources, one per method`
                : undefined,
        );
        const desired: AuthenticationMethodsPolicyDesired = {};
        if (inputs.registrationCampaign !== undefined) {
            desired.registrationCampaign = checkSection(
                checks,
                inputs.registrationCampaign,
                "registrationCampaign",
                CAMPAIGN_KEYS,
                `{ state: "enabled", snoozeDurationInDays: 1, includeTargets: [{ id: "all_users" }] }`,
                CAMPAIGN_INCLUDE,
                "the registration campaign",
            ) as RegistrationCampaign;
        }
        if (inputs.policyMigrationState !== undefined) {
            desired.policyMigrationState = checks.oneOf(inputs.policyMigrationState, MIGRATION_STATES, "policyMigrationState");
        }
        if (inputs.systemCredentialPreferences !== undefined) {
            desired.systemCredentialPreferences = checkSection(
                checks,
                inputs.systemCredentialPreferences,
                "systemCredentialPreferences",
                PREFERENCE_KEYS,
                `{ state: "enabled", includeTargets: [{ id: "all_users" }] }`,
                { allowAllUsers: true, subject: "system-preferred MFA" },
                "system-preferred MFA",
            ) as SystemCredentialPreferences;
        }
        if (inputs.reportSuspiciousActivitySettings !== undefined) {
            desired.reportSuspiciousActivitySettings = checkReportSuspiciousActivity(checks, inputs.reportSuspiciousActivitySettings);
        }
        if (Array.isArray(inputs.confirm)) {
            desired.confirm = inputs.confirm.map(String);
        }
        if (typeof inputs.diagnosticsUrn === "string") {
            desired.diagnosticsUrn = inputs.diagnosticsUrn;
        }
        if (!checks.failures.length && managesNothing(desired)) {
            checks.fail(
                "registrationCampaign",
                "nothing to manage: set registrationCampaign, policyMigrationState, systemCredentialPreferences and/or " +
                    "reportSuspiciousActivitySettings",
            );
        }
        return checks.failures.length ? { failures: checks.failures } : { desired, failures: [] };
    },

    async prepare(clients, desired) {
        const report = desired.reportSuspiciousActivitySettings?.state;
        if (report !== undefined) {
            // Switching report suspicious activity off weakens the tenant (judged from the tenant read now).
            const { policy } = await readPolicy(clients, "beta");
            const change: FieldChange = {
                field: "reportSuspiciousActivitySettings.state",
                from: policy.reportSuspiciousActivitySettings?.state,
                to: report,
            };
            const weakening = policyWeakens(change);
            const refusal =
                weakening && weakeningRefusal("report-suspicious-activity", [weakening], [change], desired.confirm as string[] | undefined);
            if (refusal) return { failures: [refusal] };
        }
        const want = desired.policyMigrationState;
        if (!want) {
            return { desired, failures: [] };
        }
        const { policy } = await readPolicy(clients, "v1.0");
        const have = policy.policyMigrationState;
        if (rank(want) < rank(have)) {
            await engineLog("warning", migrationStepBackWarning(have!, want), desired.diagnosticsUrn);
        }
        return { desired, failures: [] };
    },

    async read(clients, desired) {
        // systemCredentialPreferences exists in beta only; a read with nothing recorded reads everything.
        const everything = managesNothing(desired);
        const beta =
            desired.systemCredentialPreferences !== undefined || desired.reportSuspiciousActivitySettings !== undefined || everything;
        return readPolicy(clients, beta ? "beta" : "v1.0");
    },

    desiredFromLive(live, desired) {
        const p = live.policy;
        if (managesNothing(desired)) {
            // Nothing recorded: all of it, as a stack would write it.
            return {
                registrationCampaign: sectionAsManaged(
                    p.registrationCampaign,
                    Object.fromEntries(CAMPAIGN_KEYS.map((k) => [k, p.registrationCampaign[k]])),
                ),
                ...(p.policyMigrationState ? { policyMigrationState: p.policyMigrationState } : {}),
                ...(p.systemCredentialPreferences
                    ? { systemCredentialPreferences: sectionAsManaged(p.systemCredentialPreferences, p.systemCredentialPreferences) }
                    : {}),
                ...(p.reportSuspiciousActivitySettings
                    ? {
                          reportSuspiciousActivitySettings: reportAsManaged(
                              p.reportSuspiciousActivitySettings,
                              p.reportSuspiciousActivitySettings,
                          ),
                      }
                    : {}),
            };
        }
        const out: AuthenticationMethodsPolicyDesired = { ...desired };
        if (desired.registrationCampaign) {
            out.registrationCampaign = sectionAsManaged(p.registrationCampaign, desired.registrationCampaign);
        }
        if (desired.policyMigrationState) {
            // A tenant with no migration state (null) is shown as what the stack wants, and the diff still reads the tenant.
            out.policyMigrationState = p.policyMigrationState ?? undefined;
            if (out.policyMigrationState === undefined) {
                delete out.policyMigrationState;
            }
        }
        if (desired.systemCredentialPreferences) {
            out.systemCredentialPreferences = sectionAsManaged(p.systemCredentialPreferences, desired.systemCredentialPreferences);
        }
        if (desired.reportSuspiciousActivitySettings) {
            out.reportSuspiciousActivitySettings = reportAsManaged(
                p.reportSuspiciousActivitySettings,
                desired.reportSuspiciousActivitySettings,
            );
        }
        return out;
    },

    diff(desired, live) {
        const p = live.policy ?? ({} as AuthenticationMethodsPolicyLive["policy"]);
        const changes: FieldChange[] = [];
        const section = (name: "registrationCampaign" | "systemCredentialPreferences") => {
            const want = desired[name] as Record<string, unknown> | undefined;
            const have = p[name] as Record<string, unknown> | undefined;
            for (const [k, w] of Object.entries(want ?? {})) {
                if (w !== undefined && !sameValue(w, have?.[k])) {
                    const h = have?.[k];
                    changes.push({
                        field: `${name}.${k}`,
                        from: Array.isArray(w) && h ? targetsAsManaged(h as Target[], w as Target[]) : h,
                        to: w,
                    });
                }
            }
        };
        section("registrationCampaign");
        if (desired.policyMigrationState !== undefined && desired.policyMigrationState !== p.policyMigrationState) {
            changes.push({ field: "policyMigrationState", from: p.policyMigrationState, to: desired.policyMigrationState });
        }
        section("systemCredentialPreferences");
        const report = p.reportSuspiciousActivitySettings;
        for (const [k, w] of Object.entries(desired.reportSuspiciousActivitySettings ?? {})) {
            const h = (report as Record<string, unknown> | undefined)?.[k];
            if (w !== undefined && JSON.stringify(w) !== JSON.stringify(h)) {
                changes.push({ field: `reportSuspiciousActivitySettings.${k}`, from: h, to: w });
            }
        }
        return changes;
    },

    async apply(clients, desired, live, changes) {
        const touched = new Set(changes.map((c) => c.field.split(".")[0]));
        const p = live.policy;
        const body: Record<string, unknown> = {};
        if (touched.has("registrationCampaign")) {
            // The whole campaign (v1.0 properties), so the write means the same whether Graph merges or replaces it.
            body.registrationEnforcement = {
                authenticationMethodsRegistrationCampaign: sectionForWrite(
                    p.registrationCampaign,
                    desired.registrationCampaign ?? {},
                    CAMPAIGN_KEYS,
                ),
            };
        }
        if (touched.has("policyMigrationState")) {
            body.policyMigrationState = desired.policyMigrationState;
        }
        if (Object.keys(body).length) {
            await clients.graph.patch(POLICY_PATH, body, { version: "v1.0" });
        }
        const beta: Record<string, unknown> = {};
        if (touched.has("systemCredentialPreferences")) {
            beta.systemCredentialPreferences = sectionForWrite(
                p.systemCredentialPreferences ?? ({} as any),
                desired.systemCredentialPreferences ?? {},
                PREFERENCE_KEYS,
            );
        }
        if (touched.has("reportSuspiciousActivitySettings")) {
            // The whole settings (the tenant's with the managed ones changed): each property is required in Graph's type.
            beta.reportSuspiciousActivitySettings = {
                ...(p.reportSuspiciousActivitySettings ?? {}),
                ...desired.reportSuspiciousActivitySettings,
            };
        }
        if (Object.keys(beta).length) {
            await clients.graph.patch(POLICY_PATH, beta, { version: "beta" });
        }
    },

    id(tenantId) {
        return `${tenantId}/authenticationMethodsPolicy`;
    },
};
