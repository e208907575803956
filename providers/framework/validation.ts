import type { ValidationFailure } from "./setting";

/**
 * One small declarative checker, shared by every setting and by the stack config: a schema says what
 * each key may hold (type, value set, range, known keys), and every problem names its key. An unknown
 * key is answered with the nearest known key by edit distance ("did you mean acceptedUsers?").
 *
 * Used through the baseline, the key is the full config key (m365-mfa:baseline.smtpAuth.exceptions);
 * used on a resource of its own (checkInputs), the resource property (exceptions). The schema checks
 * shape only; a setting's own rules (its validate) run afterwards on inputs whose shape is right, so a
 * problem is reported once.
 */
export type Schema =
    | { type: "any" }
    | { type: "boolean"; hint?: string }
    | { type: "string"; oneOf?: readonly string[]; pattern?: RegExp; hint?: string }
    | { type: "number"; integer?: boolean; min?: number; max?: number; exclusiveMin?: boolean; hint?: string }
    | { type: "list"; items: Schema; nonEmpty?: string; hint?: string }
    | { type: "object"; fields: Record<string, Schema>; required?: readonly string[]; nonEmpty?: string; hint?: string }
    /** An object keyed by names: keys from a set (e.g. authentication methods) or matching a pattern. */
    | { type: "map"; keys?: readonly string[]; keyPattern?: RegExp; keyHint?: string; values: Schema; nonEmpty?: string; hint?: string };

export const any: Schema = { type: "any" };
export const bool: Schema = { type: "boolean" };
/** A boolean whose message says what true and false do. */
export const boolWith = (hint: string): Schema => ({ type: "boolean", hint });
export const str = (opts: Omit<Extract<Schema, { type: "string" }>, "type"> = {}): Schema => ({ type: "string", ...opts });
export const oneOf = (values: readonly string[], hint?: string): Schema => ({ type: "string", oneOf: values, ...(hint ? { hint } : {}) });
export const num = (opts: Omit<Extract<Schema, { type: "number" }>, "type"> = {}): Schema => ({ type: "number", ...opts });
export const list = (items: Schema, opts: Omit<Extract<Schema, { type: "list" }>, "type" | "items"> = {}): Schema => ({ type: "list", items, ...opts });
export const obj = (fields: Record<string, Schema>, opts: Omit<Extract<Schema, { type: "object" }>, "type" | "fields"> = {}): Schema => ({ type: "object", fields, ...opts });
export const map = (values: Schema, opts: Omit<Extract<Schema, { type: "map" }>, "type" | "values"> = {}): Schema => ({ type: "map", values, ...opts });
/**
 * The config schema of a setting whose config is its inputs: its declared schema (which leaves out
 * the properties it resolves at plan time, e.g. mailboxes: they are not configured).
 */
export function configSchema(setting: { schema?: Schema; inputKeys: readonly string[]; resolvedFields?: readonly string[] }): Schema {
    const resolved = new Set(setting.resolvedFields ?? []);
    return setting.schema ?? keysOf(setting.inputKeys.filter((k) => !resolved.has(k)));
}

/** An object whose keys are a setting's inputs, each checked by the setting itself. */
export const keysOf = (keys: readonly string[], opts: Omit<Extract<Schema, { type: "object" }>, "type" | "fields"> = {}): Schema =>
    obj(Object.fromEntries(keys.map((k) => [k, any])), opts);

/**
 * Checks `value` at config key `key` against `schema`, appending one line per problem to `problems`.
 * Returns true when this value has no problem.
 */
export function check(value: unknown, schema: Schema, key: string, problems: string[]): boolean {
    const before = problems.length;
    const hint = "hint" in schema && schema.hint ? ` (${schema.hint})` : "";
    switch (schema.type) {
        case "any":
            break;
        case "boolean":
            if (typeof value !== "boolean") problems.push(`${key} must be true or false${hint}, got ${describe(value)}`);
            break;
        case "string":
            if (typeof value !== "string" || !value.trim()) {
                problems.push(`${key} must be ${schema.oneOf ? `one of ${schema.oneOf.join(", ")}` : "a non-empty string"}${hint}, got ${describe(value)}`);
            } else if (schema.oneOf && !schema.oneOf.includes(value)) {
                const near = nearest(value, schema.oneOf);
                problems.push(`${key} must be one of ${schema.oneOf.join(", ")}${hint}, got ${describe(value)}${near ? `; did you mean ${near}?` : ""}`);
            } else if (schema.pattern && !schema.pattern.test(value)) {
                problems.push(`${key} is not valid${hint}, got ${describe(value)}`);
            }
            break;
        case "number": {
            const { integer, min, max, exclusiveMin } = schema;
            const ok =
                typeof value === "number" &&
                Number.isFinite(value) &&
                (!integer || Number.isInteger(value)) &&
                (min === undefined || (exclusiveMin ? value > min : value >= min)) &&
                (max === undefined || value <= max);
            if (!ok) {
                const range =
                    min !== undefined && max !== undefined
                        ? ` ${exclusiveMin ? "above" : "from"} ${min} ${exclusiveMin ? "and at most" : "to"} ${max}`
                        : min !== undefined
                          ? ` ${exclusiveMin ? "above" : "of at least"} ${min}`
                          : max !== undefined
                            ? ` of at most ${max}`
                            : "";
                problems.push(`${key} must be a ${integer ? "whole number" : "number"}${range}${hint}, got ${describe(value)}`);
            }
            break;
        }
        case "list":
            if (!Array.isArray(value)) {
                problems.push(`${key} must be a list${hint}, got ${describe(value)}`);
            } else if (!value.length && schema.nonEmpty) {
                problems.push(`${key} is empty: ${schema.nonEmpty}`);
            } else {
                value.forEach((v, i) => check(v, schema.items, `${key}[${i}]`, problems));
            }
            break;
        case "object":
        case "map": {
            if (!isObject(value)) {
                problems.push(`${key} must be an object${hint}, got ${describe(value)}`);
                break;
            }
            const keys = Object.keys(value);
            if (!keys.length && schema.nonEmpty) {
                problems.push(`${key} is empty: ${schema.nonEmpty}`);
                break;
            }
            if (schema.type === "object") {
                // Unknown keys first: a typo is the likeliest cause of what follows.
                const known = Object.keys(schema.fields);
                for (const k of keys) {
                    if (!(k in schema.fields)) problems.push(unknownKey(`${key}.${k}`, k, known));
                }
                for (const k of keys) {
                    if (k in schema.fields && value[k] !== undefined) check(value[k], schema.fields[k], `${key}.${k}`, problems);
                }
                for (const k of schema.required ?? []) {
                    if (value[k] === undefined) problems.push(`${key}.${k} is required${hint}`);
                }
            } else {
                for (const k of keys) {
                    if (schema.keys && !schema.keys.includes(k)) {
                        problems.push(unknownKey(`${key}.${k}`, k, schema.keys, schema.keyHint));
                    } else if (schema.keyPattern && !schema.keyPattern.test(k)) {
                        problems.push(`${key}.${k}: ${schema.keyHint ?? "not a valid name"}`);
                    } else {
                        check(value[k], schema.values, `${key}.${k}`, problems);
                    }
                }
            }
            break;
        }
    }
    return problems.length === before;
}

/**
 * A resource's inputs against the schema of its properties (an object schema): one failure per
 * problem, under the top-level property it is about, with messages that name the property path.
 * `skip`: properties the setting resolves at plan time and checks itself (its resolvedFields).
 */
export function checkInputs(inputs: Record<string, unknown>, schema: Schema, skip: readonly string[] = []): ValidationFailure[] {
    if (schema.type !== "object") throw new Error("checkInputs needs an object schema");
    const failures: ValidationFailure[] = [];
    const known = Object.keys(schema.fields);
    // Unknown keys first, as for stack config: a typo is the likeliest cause of what follows.
    for (const [k, v] of Object.entries(inputs)) {
        if (v !== undefined && !(k in schema.fields) && !skip.includes(k)) failures.push({ property: k, reason: unknownKey(k, k, known, "a known property") });
    }
    for (const [k, v] of Object.entries(inputs)) {
        if (v === undefined || !(k in schema.fields)) continue;
        const problems: string[] = [];
        check(v, schema.fields[k], k, problems);
        failures.push(...foldProblems(problems, k).map((reason) => ({ property: k, reason })));
    }
    for (const k of schema.required ?? []) {
        if (inputs[k] !== undefined) continue;
        // What the property must be, said for "nothing" (e.g. "isEnabled must be true or false, got nothing").
        const problems: string[] = [];
        check(undefined, schema.fields[k], k, problems);
        failures.push(...(problems.length ? problems : [`${k} is required`]).map((reason) => ({ property: k, reason })));
    }
    return failures;
}

/** At most this many problems are told one by one under one key (a list of 3,000 bad names stays readable). */
export const PROBLEMS_PER_KEY = 10;

/** The first PROBLEMS_PER_KEY problems, then one line that counts the rest. */
export function foldProblems(problems: string[], key: string): string[] {
    if (problems.length <= PROBLEMS_PER_KEY) return problems;
    return [...problems.slice(0, PROBLEMS_PER_KEY), `${key}: ${problems.length - PROBLEMS_PER_KEY} more problems of the same kind (${problems.length} in all); fix the first ones and preview again`];
}

/** "<key> is not a known setting; did you mean <nearest>? (known: ...)". */
export function unknownKey(fullKey: string, k: string, known: readonly string[], what = "a known setting"): string {
    const near = nearest(k, known);
    return `${fullKey} is not ${what}${near ? `; did you mean ${near}?` : ""} (known: ${known.join(", ")})`;
}

/**
 * The known name nearest to `name` by edit distance (case-insensitive), or undefined when none is
 * close enough to be a likely typo (at most a third of the name's length, and at least 2, differ).
 */
export function nearest(name: string, known: readonly string[]): string | undefined {
    const limit = Math.max(2, Math.floor(name.length / 3));
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const k of known) {
        const d = editDistance(name.toLowerCase(), k.toLowerCase());
        if (d < bestDistance) {
            best = k;
            bestDistance = d;
        }
    }
    return bestDistance <= limit ? best : undefined;
}

/** Levenshtein distance (insert, delete, substitute; each costs 1). */
export function editDistance(a: string, b: string): number {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const row = [i];
        for (let j = 1; j <= b.length; j++) {
            row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        prev = row;
    }
    return prev[b.length];
}

export function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value as config shows it, cut short when long (a list of 3,000 users is not repeated back). */
export function describe(v: unknown, max = 120): string {
    if (v === undefined) return "nothing";
    const s = JSON.stringify(v) ?? String(v);
    return s.length > max ? `${s.slice(0, max)}... (${s.length} characters)` : s;
}
