import type { TenantClients } from "../../client";
import { engineLog } from "../../providers/framework/diagnostics";
import { FieldChange, TenantSetting } from "../../providers/framework/setting";
import {
    ADVANCED_CONFIG_STATES,
    AUTH_POLICY_PERMISSIONS,
    AdvancedConfigState,
    InputChecks,
    POLICY_PATH,
    Target,
    TargetKind,
    checkTargets,
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
 * - systemCredentialPreferences (beta only): system-preferred MFA.
 * Only what the stack sets is managed; targets are compared without regard to order. The method
 * configurations are AuthenticationMethodConfiguration resources, one per method.
 */
export const MIGRATION_STATES = ["preMigration", "migrationInProgress", "migrationComplete"] as const;
export type PolicyMigrationState = (typeof MIGRATION_STATES)[number];

export type RegistrationCampaign = {
    state?: AdvancedConfigState;
    snoozeDurationInDays?: number;
    includeTargets?: Target[];
    excludeTargets?: Target[];
};

export type SystemCredentialPreferences = {
    state?: AdvancedConfigState;
    includeTargets?: Target[];
    excludeTargets?: Target[];
};

export interface AuthenticationMethodsPolicyDesired extends Record<string, unknown> {
    registrationCampaign?: RegistrationCampaign;
    policyMigrationState?: PolicyMigrationState;
    systemCredentialPreferences?: SystemCredentialPreferences;
    /** The resource's own URN, so that plan-time warnings are shown on it (set by the resource class). */
    diagnosticsUrn?: string;
}

export interface AuthenticationMethodsPolicyLive extends Record<string, unknown> {
    /** The managed parts of the policy as Graph reports them (systemCredentialPreferences when read from beta). */
    policy: {
        registrationCampaign: Required<RegistrationCampaign> & Record<string, unknown>;
        policyMigrationState: PolicyMigrationState | null;
        systemCredentialPreferences?: Required<SystemCredentialPreferences>;
    };
}

/** What the resource manages in the tenant. */
const MANAGED = ["registrationCampaign", "policyMigrationState", "systemCredentialPreferences"];
const KEYS = [...MANAGED, "diagnosticsUrn"];
const managesNothing = (d: Record<string, unknown>) => MANAGED.every((k) => d[k] === undefined);
const CAMPAIGN_KEYS = ["state", "snoozeDurationInDays", "includeTargets", "excludeTargets"] as const;
const PREFERENCE_KEYS = ["state", "includeTargets", "excludeTargets"] as const;

const CAMPAIGN_INCLUDE: TargetKind = {
    allowAllUsers: true,
    subject: "the registration campaign",
    extras: {
        targetedAuthenticationMethod: (c, v, p) => c.oneOf(v, ["microsoftAuthenticator"], p),
    },
    defaults: { targetedAuthenticationMethod: "microsoftAuthenticator" },
};

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
        out.snoozeDurationInDays = checks.integer(o.snoozeDurationInDays, `${property}.snoozeDurationInDays`, 0, 14, " days (0 asks at every sign-in)");
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
        `Microsoft documents the migration as reversible, so it is applied. But the legacy MFA and SSPR policies stopped being manageable ` +
        `on 2025-09-30: stepping back does not give you back control of methods through them, and what it changes for users is not ` +
        `documented. Keep managing methods in the authentication methods policy; if the step back is not intended, set policyMigrationState ` +
        `to "${have}" or remove it to stop managing it.`
    );
}

export const authenticationMethodsPolicy: TenantSetting<AuthenticationMethodsPolicyDesired, AuthenticationMethodsPolicyLive> = {
    type: "AuthenticationMethodsPolicy",
    title: "Authentication methods policy",
    internalFields: ["diagnosticsUrn"],
    auditActivities: ["Authentication Methods Policy Update"],
    permissions: AUTH_POLICY_PERMISSIONS,
    onDelete: "Removing the resource stops managing the registration campaign, migration state and system-preferred MFA; the tenant keeps them as they are.",
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
        if (typeof inputs.diagnosticsUrn === "string") {
            desired.diagnosticsUrn = inputs.diagnosticsUrn;
        }
        if (!checks.failures.length && managesNothing(desired)) {
            checks.fail("registrationCampaign", `nothing to manage: set registrationCampaign, policyMigrationState and/or systemCredentialPreferences`);
        }
        return checks.failures.length ? { failures: checks.failures } : { desired, failures: [] };
    },

    async prepare(clients, desired) {
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
        return readPolicy(clients, desired.systemCredentialPreferences !== undefined || everything ? "beta" : "v1.0");
    },

    desiredFromLive(live, desired) {
        const p = live.policy;
        if (managesNothing(desired)) {
            // Nothing recorded: all of it, as a stack would write it.
            return {
                registrationCampaign: sectionAsManaged(p.registrationCampaign, Object.fromEntries(CAMPAIGN_KEYS.map((k) => [k, p.registrationCampaign[k]]))),
                ...(p.policyMigrationState ? { policyMigrationState: p.policyMigrationState } : {}),
                ...(p.systemCredentialPreferences
                    ? { systemCredentialPreferences: sectionAsManaged(p.systemCredentialPreferences, p.systemCredentialPreferences) }
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
                    changes.push({ field: `${name}.${k}`, from: Array.isArray(w) && h ? targetsAsManaged(h as Target[], w as Target[]) : h, to: w });
                }
            }
        };
        section("registrationCampaign");
        if (desired.policyMigrationState !== undefined && desired.policyMigrationState !== p.policyMigrationState) {
            changes.push({ field: "policyMigrationState", from: p.policyMigrationState, to: desired.policyMigrationState });
        }
        section("systemCredentialPreferences");
        return changes;
    },

    async apply(clients, desired, live, changes) {
        const touched = new Set(changes.map((c) => c.field.split(".")[0]));
        const p = live.policy;
        const body: Record<string, unknown> = {};
        if (touched.has("registrationCampaign")) {
            // The whole campaign (v1.0 properties), so the write means the same whether Graph merges or replaces it.
            body.registrationEnforcement = {
                authenticationMethodsRegistrationCampaign: sectionForWrite(p.registrationCampaign, desired.registrationCampaign ?? {}, CAMPAIGN_KEYS),
            };
        }
        if (touched.has("policyMigrationState")) {
            body.policyMigrationState = desired.policyMigrationState;
        }
        if (Object.keys(body).length) {
            await clients.graph.patch(POLICY_PATH, body, { version: "v1.0" });
        }
        if (touched.has("systemCredentialPreferences")) {
            await clients.graph.patch(
                POLICY_PATH,
                { systemCredentialPreferences: sectionForWrite(p.systemCredentialPreferences ?? ({} as any), desired.systemCredentialPreferences ?? {}, PREFERENCE_KEYS) },
                { version: "beta" },
            );
        }
    },

    id(tenantId) {
        return `${tenantId}/authenticationMethodsPolicy`;
    },
};
