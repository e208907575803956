/**
 * One small declarative checker for stack config: a schema says what each key may hold (type, value
 * set, range, known keys), and every problem names the full config key. An unknown key is answered
 * with the nearest known key by edit distance ("did you mean acceptedUsers?").
 *
 * The schema checks shape only; the provider's own rules (a setting's validate) run afterwards on a
 * member whose shape is right, so a problem is reported once.
 */
export type Schema =
    | { type: "any" }
    | { type: "boolean" }
    | { type: "string"; oneOf?: readonly string[]; pattern?: RegExp; hint?: string }
    | { type: "number"; integer?: boolean; min?: number; max?: number; exclusiveMin?: boolean; hint?: string }
    | { type: "list"; items: Schema; nonEmpty?: string; hint?: string }
    | { type: "object"; fields: Record<string, Schema>; required?: readonly string[]; nonEmpty?: string; hint?: string }
    /** An object keyed by names: keys from a set (e.g. authentication methods) or matching a pattern. */
    | { type: "map"; keys?: readonly string[]; keyPattern?: RegExp; keyHint?: string; values: Schema; nonEmpty?: string; hint?: string };

export const any: Schema = { type: "any" };
export const bool: Schema = { type: "boolean" };
export const str = (opts: Omit<Extract<Schema, { type: "string" }>, "type"> = {}): Schema => ({ type: "string", ...opts });
export const oneOf = (values: readonly string[], hint?: string): Schema => ({ type: "string", oneOf: values, ...(hint ? { hint } : {}) });
export const num = (opts: Omit<Extract<Schema, { type: "number" }>, "type"> = {}): Schema => ({ type: "number", ...opts });
export const list = (items: Schema, opts: Omit<Extract<Schema, { type: "list" }>, "type" | "items"> = {}): Schema => ({ type: "list", items, ...opts });
export const obj = (fields: Record<string, Schema>, opts: Omit<Extract<Schema, { type: "object" }>, "type" | "fields"> = {}): Schema => ({ type: "object", fields, ...opts });
export const map = (values: Schema, opts: Omit<Extract<Schema, { type: "map" }>, "type" | "values"> = {}): Schema => ({ type: "map", values, ...opts });
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
            if (typeof value !== "boolean") problems.push(`${key} must be true or false, got ${describe(value)}`);
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
