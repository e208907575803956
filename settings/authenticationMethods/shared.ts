import type { ValidationFailure } from "../../providers/framework/setting";
import { type Schema, bool, obj, oneOf, str, unknownKey } from "../../providers/framework/validation";

/**
 * What the authentication methods policy settings (AuthenticationMethodsPolicy and
 * AuthenticationMethodConfiguration) share: checking inputs field by field with messages that name the
 * field and the fix, and Graph's targets (who a method, campaign or feature applies to), which are
 * compared without regard to order, on the properties the stack sets, so there is no perpetual diff.
 */
export const POLICY_PATH = "/policies/authenticationMethodsPolicy";
export const ALL_USERS = "all_users";
/** What Graph reports in a feature setting's excludeTarget when nobody is excluded. */
export const NO_ONE = "00000000-0000-0000-0000-000000000000";

export const AUTH_POLICY_PERMISSIONS = {
    read: ["Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"],
    write: ["Policy.ReadWrite.AuthenticationMethod"],
} as const;

/** Graph's advancedConfigState, as it may be set (unknownFutureValue is Graph's own). */
export const ADVANCED_CONFIG_STATES = ["default", "enabled", "disabled"] as const;
export type AdvancedConfigState = (typeof ADVANCED_CONFIG_STATES)[number];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

const shown = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v));

/** A check of one value in the setting's words: returns the value when it is good, undefined after failing. */
export type FieldCheck = (checks: InputChecks, v: unknown, property: string) => unknown;

/**
 * The check of a declared scalar (true/false, one of its values, a whole number in its range) in the setting's
 * words, from its declaration: the range and the value set are said once, in the declaration. `unit` follows
 * the range in the message (" days").
 */
export function declaredCheck(schema: Schema, unit = ""): FieldCheck {
    switch (schema.type) {
        case "boolean":
            return (c, v, p) => c.boolean(v, p);
        case "number":
            return (c, v, p) => c.integer(v, p, schema.min ?? Number.MIN_SAFE_INTEGER, schema.max ?? Number.MAX_SAFE_INTEGER, unit);
        case "string":
            if (schema.oneOf) return (c, v, p) => c.oneOf(v, schema.oneOf!, p);
    }
    throw new Error(`no scalar check for a declared ${schema.type}`);
}

/** Collects the failures of one resource's inputs. Each check returns the value when it is good. */
export class InputChecks {
    readonly failures: ValidationFailure[] = [];

    fail(property: string, reason: string): undefined {
        this.failures.push({ property, reason });
        return undefined;
    }

    /** Flags keys of `obj` that are not `allowed`; `explain` may give a better reason for a known mistake. */
    knownKeys(obj: Record<string, unknown>, allowed: readonly string[], at: string, explain?: (key: string) => string | undefined): void {
        for (const [key, value] of Object.entries(obj)) {
            if (value === undefined || allowed.includes(key)) {
                continue;
            }
            const property = at ? `${at}.${key}` : key;
            this.fail(property, explain?.(key) ?? unknownKey(property, key, allowed, "a known property"));
        }
    }

    oneOf<T extends string>(v: unknown, values: readonly T[], property: string): T | undefined {
        if (typeof v === "string" && (values as readonly string[]).includes(v)) {
            return v as T;
        }
        return this.fail(property, `${property} must be one of ${values.map((x) => `"${x}"`).join(", ")} (got ${shown(v)})`);
    }

    integer(v: unknown, property: string, min: number, max: number, unit = ""): number | undefined {
        if (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max) {
            return v;
        }
        return this.fail(property, `${property} must be a whole number from ${min} to ${max}${unit} (got ${shown(v)})`);
    }

    boolean(v: unknown, property: string): boolean | undefined {
        if (typeof v === "boolean") {
            return v;
        }
        return this.fail(property, `${property} must be true or false (got ${shown(v)})`);
    }

    object(v: unknown, property: string, example: string): Record<string, unknown> | undefined {
        if (isObject(v)) {
            return v;
        }
        return this.fail(property, `${property} must be an object like ${example} (got ${shown(v)})`);
    }
}

// ---- targets ---------------------------------------------------------------------------------

export type TargetType = "group" | "user";
export const TARGET_TYPES = ["group", "user"] as const satisfies readonly TargetType[];

/** A Graph target (includeTargets / excludeTargets entry): id, targetType and, per kind, more properties. */
export interface Target {
    id: string;
    targetType: TargetType;
    [property: string]: unknown;
}

export interface TargetKind {
    /** Whether "all_users" may be named (include lists yes, exclude lists no). */
    allowAllUsers: boolean;
    /** What leaving a list empty or excluding everyone means, for messages. */
    subject: string;
    /** More properties an entry may have, each with its check (returns the value, or undefined after failing). */
    extras?: Record<string, (checks: InputChecks, v: unknown, property: string) => unknown>;
    /** Values the stack need not write, filled in when absent (e.g. the campaign's targeted method). */
    defaults?: Record<string, unknown>;
}

const TARGET_ID = /^\s*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s*$/i;
const TARGET_ID_OR_ALL = /^\s*(all_users|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s*$/i;

/**
 * The declared shape of one includeTargets / excludeTargets entry: id (a group's or user's object id, or
 * "all_users" where everyone may be named), targetType ("group" unless said), and the kind's own properties.
 * The declarations' types and the JSON Schema of m365-mfa:baseline come from it; checkTargets says the
 * problems in the setting's words and normalises (ids lower case, targetType filled in, each target once).
 */
export function targetSchema<const E extends Record<string, Schema<any>> = {}>(allowAllUsers: boolean, extras?: E) {
    return obj(
        {
            id: str({
                pattern: allowAllUsers ? TARGET_ID_OR_ALL : TARGET_ID,
                hint: allowAllUsers ? `a group's or user's object id (a GUID) or "${ALL_USERS}"` : "a group's or user's object id (a GUID)",
            }),
            targetType: oneOf(TARGET_TYPES, 'what id is: "group" unless you say "user"'),
            ...((extras ?? {}) as E),
        },
        { required: ["id"] },
    );
}
/** Registration required of a method's targets (isRegistrationRequired), as most methods' include targets have it. */
export const REGISTRATION_EXTRAS = { isRegistrationRequired: bool };

/** Checks a list of targets; returns it normalised (targetType defaults to group, ids compared case-insensitively). */
export function checkTargets(checks: InputChecks, v: unknown, property: string, kind: TargetKind): Target[] | undefined {
    if (!Array.isArray(v)) {
        return checks.fail(
            property,
            `${property} must be a list like [{ id: "<group object id>" }]` +
                (kind.allowAllUsers ? ` or [{ id: "${ALL_USERS}" }] for everyone` : "") +
                ` (targetType is "group" unless you say "user"; got ${shown(v)})`,
        );
    }
    const extras = kind.extras ?? {};
    const out: Target[] = [];
    const seen = new Set<string>();
    let ok = true;
    v.forEach((item, i) => {
        const at = `${property}[${i}]`;
        if (!isObject(item)) {
            ok = false;
            checks.fail(at, `${at} must be an object like { id: "<group object id>" } (got ${shown(item)})`);
            return;
        }
        const before = checks.failures.length;
        checks.knownKeys(item, ["id", "targetType", ...Object.keys(extras)], at);
        const id = typeof item.id === "string" ? item.id.trim() : undefined;
        if (!id) {
            checks.fail(
                `${at}.id`,
                `${at}.id must be a group's object id (a GUID)${kind.allowAllUsers ? ` or "${ALL_USERS}"` : ""} (got ${shown(item.id)})`,
            );
        } else if (id.toLowerCase() === ALL_USERS) {
            if (!kind.allowAllUsers) {
                checks.fail(
                    `${at}.id`,
                    `${at}.id cannot be "${ALL_USERS}": excluding everyone leaves ${kind.subject} for no one; to turn it ` +
                        "off, set its state instead",
                );
            }
        } else if (!GUID.test(id)) {
            checks.fail(
                `${at}.id`,
                `${at}.id must be an object id (a GUID such as 2f1c6a7e-...; names are not accepted)` +
                    `${kind.allowAllUsers ? ` or "${ALL_USERS}"` : ""} (got ${shown(item.id)})`,
            );
        }
        const targetType = item.targetType === undefined ? "group" : checks.oneOf(item.targetType, TARGET_TYPES, `${at}.targetType`);
        const target: Target = {
            id: id?.toLowerCase() === ALL_USERS ? ALL_USERS : (id ?? "").toLowerCase(),
            targetType: targetType ?? "group",
        };
        for (const [k, check] of Object.entries(extras)) {
            const value = item[k] === undefined ? kind.defaults?.[k] : check(checks, item[k], `${at}.${k}`);
            if (value !== undefined) {
                target[k] = value;
            }
        }
        if (id && seen.has(target.id)) {
            checks.fail(at, `${at} names ${id} a second time; name each target once`);
        }
        seen.add(target.id);
        ok &&= checks.failures.length === before;
        out.push(target);
    });
    return ok ? out : undefined;
}

/** Normalises targets as Graph reports them (ids lower case, annotations dropped). */
export function liveTargets(v: unknown): Target[] {
    if (!Array.isArray(v)) {
        return [];
    }
    return v.filter(isObject).map((t) => {
        const out: Target = { id: String(t.id ?? "").toLowerCase(), targetType: (t.targetType as TargetType) ?? "group" };
        for (const [k, value] of Object.entries(t)) {
            if (k !== "id" && k !== "targetType" && !k.includes("@odata.")) {
                out[k] = value;
            }
        }
        return out;
    });
}

/** A target property: lists (FIDO2's allowedPasskeyProfiles) compare as sets. */
function sameProperty(have: unknown, want: unknown): boolean {
    if (Array.isArray(want)) {
        return Array.isArray(have) && JSON.stringify([...have].map(String).sort()) === JSON.stringify([...want].map(String).sort());
    }
    return have === want;
}

const keyOf = (t: Target) => `${t.targetType}/${t.id.toLowerCase()}`;

/** Whether the tenant's targets are exactly the wanted ones, in any order, on the properties the stack sets. */
export function sameTargets(want: readonly Target[], have: readonly Target[] | undefined): boolean {
    if (!have || have.length !== want.length) {
        return false;
    }
    const byKey = new Map(have.map((t) => [keyOf(t), t]));
    return want.every((w) => {
        const h = byKey.get(keyOf(w));
        return !!h && Object.entries(w).every(([k, v]) => v === undefined || k === "id" || k === "targetType" || sameProperty(h[k], v));
    });
}

/**
 * The tenant's targets said the way the stack says them: the stack's order first, then the others,
 * each with the properties the stack sets on any of its targets.
 */
export function targetsAsManaged(have: readonly Target[], want: readonly Target[]): Target[] {
    const props = [...new Set(want.flatMap((t) => Object.keys(t)))].filter((k) => k !== "id" && k !== "targetType");
    const order = new Map(want.map((t, i) => [keyOf(t), i]));
    const sorted = [...have].sort((a, b) => (order.get(keyOf(a)) ?? want.length) - (order.get(keyOf(b)) ?? want.length));
    return sorted.map((t) => {
        const out: Target = { id: t.id, targetType: t.targetType };
        for (const k of props) {
            if (t[k] !== undefined) {
                out[k] = t[k];
            }
        }
        return out;
    });
}

/** The wanted targets to send, keeping what the tenant has on properties the stack does not set. */
export function targetsForWrite(want: readonly Target[], have: readonly Target[] | undefined): Target[] {
    const byKey = new Map((have ?? []).map((t) => [keyOf(t), t]));
    return want.map((w) => {
        const h = byKey.get(keyOf(w));
        const out: Target = { ...(h ?? {}), ...Object.fromEntries(Object.entries(w).filter(([, v]) => v !== undefined)) } as Target;
        return out;
    });
}

/** A sub-object of the stack's settings (e.g. the registration campaign) compared field by field. */
export function sameValue(want: unknown, have: unknown): boolean {
    if (Array.isArray(want)) {
        return sameTargets(want as Target[], have as Target[] | undefined);
    }
    return want === have;
}
