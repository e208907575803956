import { z } from "zod";
import { distance } from "fastest-levenshtein";

/**
 * The schemas of settings and of the stack config, held by one maintained library (zod 4): a schema
 * says what each key may hold (type, value set, range, known keys), zod validates, and every problem
 * it finds is told in this package's words under its key: an unknown key is answered with the nearest
 * known key by edit distance ("did you mean acceptedUsers?"), all problems at once, long lists folded.
 *
 * Used through the baseline, the key is the full config key (m365-mfa:baseline.smtpAuth.exceptions);
 * used on a resource of its own (checkInputs), the resource property (exceptions). The schema checks
 * shape only; a setting's own rules (its validate) run afterwards on inputs whose shape is right, so a
 * problem is reported once.
 *
 * The helpers below (bool, str, oneOf, num, list, obj, map, keysOf, ...) keep the declarative
 * description (its hint, value set, range, known keys: what the messages and the JSON Schema of
 * m365-mfa:baseline say) and build the zod schema that checks it (zodOf). `Infer<typeof schema>` is
 * the TypeScript type of a value the schema accepts.
 */
declare const INFERRED: unique symbol;

/**
 * A problem with one input: the property it is about and what is wrong and how to fix it (a setting's validate returns these; ./setting.ts
 * re-exports it).
 */
export interface ValidationFailure {
    /** Input property name the failure is about. */
    readonly property: string;
    /** What is wrong and how to fix it. */
    readonly reason: string;
}

/** `doc`: what the key is, for people (the JSON Schema's description and the README's table; messages use `hint`). */
type Desc = (
    | { type: "any" }
    | { type: "boolean"; hint?: string }
    | { type: "string"; oneOf?: readonly string[]; pattern?: RegExp; hint?: string }
    | { type: "number"; integer?: boolean; min?: number; max?: number; exclusiveMin?: boolean; hint?: string }
    | { type: "list"; items: Schema; nonEmpty?: string; hint?: string }
    | { type: "object"; fields: Record<string, Schema>; required?: readonly string[]; nonEmpty?: string; hint?: string }
    /** An object keyed by names: keys from a set (e.g. authentication methods) or matching a pattern. */
    | { type: "map"; keys?: readonly string[]; keyPattern?: RegExp; keyHint?: string; values: Schema; nonEmpty?: string; hint?: string }
) & {
    doc?: string;
    /**
     * What values are checked against, where it is not the declared schema: a setting whose own validate says
     * its values' problems in its words declares them (the JSON Schema, the types) and is checked here only for
     * this (e.g. its keys), the rest by its validate, which runs next.
     */
    check?: Schema;
};

/** A schema; `T` is the type of the values it accepts (see Infer). */
export type Schema<T = unknown> = Desc & { readonly [INFERRED]?: T };
/** The TypeScript type of the values a schema accepts: `type X = Infer<typeof schema>`. */
export type Infer<S> = S extends { readonly [INFERRED]?: infer T } ? T : never;

type Opts<K extends Desc["type"]> = Omit<Extract<Desc, { type: K }>, "type" | "items" | "fields" | "values">;
/** The same schema with what it is said for people (`doc`). */
export const documented = <T>(schema: Schema<T>, doc: string): Schema<T> => ({ ...schema, doc });
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<F extends Record<string, Schema<any>>, R extends string> = Simplify<
    { [K in keyof F as K extends R ? K : never]: Infer<F[K]> } & { [K in keyof F as K extends R ? never : K]?: Infer<F[K]> }
>;

export const any: Schema<unknown> = { type: "any" };
export const bool: Schema<boolean> = { type: "boolean" };
/** A boolean whose message says what true and false do. */
export const boolWith = (hint: string): Schema<boolean> => ({ type: "boolean", hint });
export const str = (opts: Opts<"string"> = {}): Schema<string> => ({ type: "string", ...opts });
export const oneOf = <const V extends readonly string[]>(values: V, hint?: string): Schema<V[number]> => ({
    type: "string",
    oneOf: values,
    ...(hint ? { hint } : {}),
});
export const num = (opts: Opts<"number"> = {}): Schema<number> => ({ type: "number", ...opts });
export const list = <T>(items: Schema<T>, opts: Opts<"list"> = {}): Schema<T[]> => ({ type: "list", items, ...opts });
export const obj = <F extends Record<string, Schema<any>>, const R extends readonly (keyof F & string)[] = []>(
    fields: F,
    opts: Omit<Opts<"object">, "required"> & { required?: R } = {},
): Schema<ObjectOf<F, R[number]>> => ({ type: "object", fields, ...opts });
export const map = <T>(values: Schema<T>, opts: Opts<"map"> = {}): Schema<Record<string, T>> => ({ type: "map", values, ...opts });
/**
 * The config schema of a setting whose config is its inputs: its declared schema (which leaves out
 * the properties it resolves at plan time, e.g. mailboxes: they are not configured).
 */
export function configSchema(setting: { schema?: Schema; inputKeys: readonly string[]; resolvedFields?: readonly string[] }): Schema {
    const resolved = new Set(setting.resolvedFields ?? []);
    return setting.schema ?? keysOf(setting.inputKeys.filter((k) => !resolved.has(k)));
}

/** An object whose keys are a setting's inputs, each checked by the setting itself. */
export const keysOf = (keys: readonly string[], opts: Opts<"object"> = {}): Schema<Record<string, unknown>> =>
    obj(Object.fromEntries(keys.map((k) => [k, any])), opts as Omit<Opts<"object">, "required">) as Schema<Record<string, unknown>>;

/** The description of each zod schema built here, for the messages and the JSON Schema. */
const described = new WeakMap<object, Desc>();
/** Two builds of one description: one checks values, one is written as JSON Schema (see nonEmpty). */
type Use = "check" | "json";
const built: Record<Use, WeakMap<Desc, z.ZodType>> = { check: new WeakMap(), json: new WeakMap() };

/** The zod schema that checks values against `schema` (built once per schema). */
function zodOf<T>(schema: Schema<T>, use: Use = "check"): z.ZodType<T> {
    let s = built[use].get(schema);
    if (!s) {
        s = buildZod(schema, use);
        const doc = schema.doc ?? ("hint" in schema ? schema.hint : undefined);
        if (doc) s = s.describe(doc);
        built[use].set(schema, s);
        described.set(s, schema);
    }
    return s as z.ZodType<T>;
}

/**
 * Not empty, when the schema says so: an empty object is told as that alone (its missing keys are not
 * listed), so the check runs on the value as given, before the object's own schema. JSON Schema says
 * it as minProperties (jsonSchemaOf).
 */
const nonEmptyObject = (s: z.ZodType, use: Use) =>
    use === "json"
        ? s
        : z
              .unknown()
              .refine((v) => !isObject(v) || Object.keys(v).length > 0, { message: "empty" })
              .pipe(s);

function buildZod(schema: Desc, use: Use): z.ZodType {
    if (use === "check" && schema.check) return zodOf(schema.check, use);
    switch (schema.type) {
        case "any":
            return z.unknown();
        case "boolean":
            return z.boolean();
        case "string":
            if (schema.oneOf) return z.enum(schema.oneOf as [string, ...string[]]);
            return schema.pattern ? z.string().regex(/\S/).regex(schema.pattern) : z.string().regex(/\S/);
        case "number": {
            let n = z.number();
            if (schema.integer) n = n.int();
            if (schema.min !== undefined) n = schema.exclusiveMin ? n.gt(schema.min) : n.gte(schema.min);
            if (schema.max !== undefined) n = n.lte(schema.max);
            return n;
        }
        case "list": {
            const a = z.array(zodOf(schema.items, use));
            return schema.nonEmpty ? a.min(1) : a;
        }
        case "object": {
            const required = new Set(schema.required ?? []);
            const shape = Object.fromEntries(
                Object.entries(schema.fields).map(([k, f]) => {
                    const field = zodOf(f, use);
                    // A required key holds a value; zod's unknown() would take a missing one.
                    if (!required.has(k)) return [k, field.optional()];
                    return [k, f.type === "any" ? field.refine((v) => v !== undefined, { message: "required" }) : field];
                }),
            );
            const o = z.strictObject(shape);
            return schema.nonEmpty ? nonEmptyObject(o, use) : o;
        }
        case "map": {
            const values = zodOf(schema.values, use);
            const r = schema.keys
                ? z.partialRecord(z.enum(schema.keys as [string, ...string[]]), values)
                : z.record(schema.keyPattern ? z.string().regex(schema.keyPattern) : z.string(), values);
            return schema.nonEmpty ? nonEmptyObject(r, use) : r;
        }
    }
}

type Segment = string | number;
/** Where zod found a problem: a value (node), a key the schema does not know or whose name is not valid, a required key missing. */
interface Site {
    path: Segment[];
    kind: "node" | "unknown" | "badKey" | "missing";
    /** zod's own words, told only if this package has none for the problem (never expected). */
    said: string;
}

/** The key of a place below `key` ("" for a resource's inputs: the path starts at the property). */
const keyAt = (key: string, path: readonly Segment[]) =>
    path.reduce<string>((k, s) => (typeof s === "number" ? `${k}[${s}]` : k ? `${k}.${s}` : s), key);
const hintOf = (d: Desc | undefined) => (d && "hint" in d && d.hint ? ` (${d.hint})` : "");

/** The description and the value at `path` (undefined past an unknown key). */
function walk(schema: Desc, value: unknown, path: readonly Segment[]): { desc?: Desc; value: unknown } {
    let d: Desc | undefined = schema;
    let v: unknown = value;
    for (const s of path) {
        if (!d) break;
        if (d.check) d = d.check;
        d = d.type === "object" ? d.fields[s as string] : d.type === "map" ? d.values : d.type === "list" ? d.items : undefined;
        v = isObject(v) || Array.isArray(v) ? (v as Record<string, unknown>)[s as string] : undefined;
    }
    return { desc: d?.check ?? d, value: v };
}

/**
 * The order problems are told in, as a person reads the value: at each object, unknown keys first (a
 * typo is the likeliest cause of what follows), then its keys' problems in the order they are written,
 * then the required keys missing; map keys as written; list items by index.
 */
function rankOf(schema: Desc, value: unknown, site: Site): number[] {
    const ranks: number[] = [];
    let d: Desc | undefined = schema;
    let v: unknown = value;
    site.path.forEach((s, i) => {
        const last = i === site.path.length - 1;
        const keys = isObject(v) ? Object.keys(v) : [];
        if (d?.type === "object") {
            if (last && site.kind === "unknown") ranks.push(0, keys.indexOf(s as string));
            else if (last && site.kind === "missing") ranks.push(2, (d.required ?? []).indexOf(s as string));
            else ranks.push(1, keys.indexOf(s as string));
        } else if (d?.type === "map") ranks.push(0, keys.indexOf(s as string));
        else ranks.push(typeof s === "number" ? s : 0);
        ({ desc: d, value: v } = walk(d ?? { type: "any" }, v, [s]));
    });
    return ranks;
}

function compareRanks(a: number[], b: number[]): number {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
}

/** The problem of one value against its own schema, in this package's words (undefined: none at this level). */
function nodeMessage(d: Desc, value: unknown, key: string): string | undefined {
    const hint = hintOf(d);
    switch (d.type) {
        case "any":
            return undefined;
        case "boolean":
            return typeof value === "boolean" ? undefined : `${key} must be true or false${hint}, got ${describe(value)}`;
        case "string":
            if (typeof value !== "string" || !value.trim()) {
                return `${key} must be ${d.oneOf ? `one of ${d.oneOf.join(", ")}` : "a non-empty string"}${hint}, got ${describe(value)}`;
            }
            if (d.oneOf && !d.oneOf.includes(value)) {
                const near = nearest(value, d.oneOf);
                return `${key} must be one of ${d.oneOf.join(", ")}${hint}, got ${describe(value)}${near ? `; did you mean ${near}?` : ""}`;
            }
            return d.pattern && !d.pattern.test(value) ? `${key} is not valid${hint}, got ${describe(value)}` : undefined;
        case "number": {
            const { integer, min, max, exclusiveMin } = d;
            const range =
                min !== undefined && max !== undefined
                    ? ` ${exclusiveMin ? "above" : "from"} ${min} ${exclusiveMin ? "and at most" : "to"} ${max}`
                    : min !== undefined
                      ? ` ${exclusiveMin ? "above" : "of at least"} ${min}`
                      : max !== undefined
                        ? ` of at most ${max}`
                        : "";
            return `${key} must be a ${integer ? "whole number" : "number"}${range}${hint}, got ${describe(value)}`;
        }
        case "list":
            if (!Array.isArray(value)) return `${key} must be a list${hint}, got ${describe(value)}`;
            return !value.length && d.nonEmpty ? `${key} is empty: ${d.nonEmpty}` : undefined;
        case "object":
        case "map":
            if (!isObject(value)) return `${key} must be an object${hint}, got ${describe(value)}`;
            return !Object.keys(value).length && d.nonEmpty ? `${key} is empty: ${d.nonEmpty}` : undefined;
    }
}

function siteMessage(schema: Desc, value: unknown, key: string, site: Site): string {
    const full = keyAt(key, site.path);
    if (site.kind === "node") {
        const { desc, value: v } = walk(schema, value, site.path);
        return (desc && nodeMessage(desc, v, full)) ?? `${full}: ${site.said}`;
    }
    const parent = walk(schema, value, site.path.slice(0, -1)).desc;
    const k = String(site.path[site.path.length - 1]);
    if (site.kind === "unknown" && parent?.type === "object") return unknownKey(full, k, Object.keys(parent.fields));
    if (site.kind === "unknown" && parent?.type === "map") return unknownKey(full, k, parent.keys ?? [], parent.keyHint);
    if (site.kind === "badKey" && parent?.type === "map") return `${full}: ${parent.keyHint ?? "not a valid name"}`;
    if (site.kind === "missing") return `${full} is required${hintOf(parent)}`;
    return `${full}: ${site.said}`;
}

/**
 * Checks `value` at config key `key` against `schema` (with zod), appending one line per problem to
 * `problems`, all of them at once. Returns true when this value has no problem.
 */
export function check(value: unknown, schema: Schema, key: string, problems: string[]): boolean {
    const sites = sitesOf(value, schema);
    for (const site of sites) problems.push(siteMessage(schema, value, key, site));
    return !sites.length;
}

/** zod's findings on `value`, one per place, in the order they are told (see rankOf). */
function sitesOf(value: unknown, schema: Schema): Site[] {
    const result = zodOf(schema).safeParse(value);
    if (result.success) return [];
    const sites: Site[] = [];
    for (const issue of result.error.issues) {
        const path = issue.path.map((s) => (typeof s === "number" ? s : String(s)));
        if (issue.code === "unrecognized_keys") {
            sites.push(...issue.keys.map((k) => ({ path: [...path, k], kind: "unknown" as const, said: issue.message })));
        } else if (issue.code === "invalid_key") {
            sites.push({ path, kind: "badKey", said: issue.message });
        } else {
            const parent = walk(schema, value, path.slice(0, -1));
            const missing =
                path.length > 0 &&
                parent.desc?.type === "object" &&
                isObject(parent.value) &&
                parent.value[path[path.length - 1] as string] === undefined;
            sites.push({ path, kind: missing ? "missing" : "node", said: issue.message });
        }
    }
    // One line per place; nothing under a value that is itself wrong (e.g. empty, or not an object).
    const id = (s: Site) => JSON.stringify(s.path);
    const wrong = new Set(sites.filter((s) => s.kind === "node").map(id));
    const under = (s: Site) => s.path.some((_, i) => wrong.has(JSON.stringify(s.path.slice(0, i))));
    const seen = new Set<string>();
    if (!sites.length) throw new Error(`zod refused a value without saying where: ${result.error.message}`);
    return sites
        .filter((s) => !under(s) && !seen.has(id(s) + s.kind) && seen.add(id(s) + s.kind))
        .map((s) => ({ s, rank: rankOf(schema, value, s) }))
        .sort((a, b) => compareRanks(a.rank, b.rank))
        .map(({ s }) => s);
}

/**
 * The JSON Schema (draft 2020-12) of values `schema` accepts, for editors: generated by zod from the
 * same schema, with each hint as its description. A pattern's `i` flag, which JSON Schema has no way
 * to say, is written into the pattern (a-f as a-fA-F). Each `doc` (else hint) is the description.
 */
export function jsonSchemaOf(schema: Schema): Record<string, unknown> {
    return z.toJSONSchema(zodOf(schema, "json"), {
        io: "input",
        unrepresentable: "throw",
        override: (ctx) => {
            const d = described.get(ctx.zodSchema);
            const json = ctx.jsonSchema as Record<string, unknown>;
            if (!d) return;
            if (d.type === "string" && !d.oneOf) {
                delete json.allOf;
                json.pattern = "\\S";
                if (d.pattern) json.allOf = [{ pattern: patternSource(d.pattern) }];
            }
            if (d.type === "map" && d.keyPattern) json.propertyNames = { type: "string", pattern: patternSource(d.keyPattern) };
            if ((d.type === "object" || d.type === "map") && d.nonEmpty) json.minProperties = 1;
            if (d.type === "map" && d.keyHint && d.keyPattern)
                json.propertyNames = { ...(json.propertyNames as object), description: d.keyHint };
        },
    }) as Record<string, unknown>;
}

/** A RegExp's source as a JSON Schema pattern: flags other than `i` cannot be said, and `i` is spelt out. */
export function patternSource(re: RegExp): string {
    const flags = re.flags.replace("i", "");
    if (flags && flags !== "u") throw new Error(`the pattern ${re} has flags JSON Schema cannot say (${flags})`);
    if (!re.flags.includes("i")) return re.source;
    let out = "";
    let inClass = false;
    const src = re.source;
    for (let i = 0; i < src.length; i++) {
        const c = src[i];
        if (c === "\\") {
            out += c + (src[++i] ?? "");
        } else if (c === "[" && !inClass) {
            inClass = true;
            out += c;
        } else if (c === "]" && inClass) {
            inClass = false;
            out += c;
        } else if (/[a-z]/i.test(c)) {
            const lo = c.toLowerCase();
            const up = c.toUpperCase();
            if (inClass && src[i + 1] === "-" && /[a-z]/i.test(src[i + 2] ?? "")) {
                // A letter range: both cases of it.
                const to = src[i + 2];
                out += `${lo}-${to.toLowerCase()}${up}-${to.toUpperCase()}`;
                i += 2;
            } else {
                out += inClass ? `${lo}${up}` : `[${lo}${up}]`;
            }
        } else {
            out += c;
        }
    }
    return out;
}
/**
 * A resource's inputs against the schema of its properties (an object schema): one failure per
 * problem, under the top-level property it is about, with messages that name the property path.
 * `skip`: properties the setting resolves at plan time and checks itself (its resolvedFields).
 */
export function checkInputs(inputs: Record<string, unknown>, schema: Schema, skip: readonly string[] = []): ValidationFailure[] {
    if (schema.type !== "object") throw new Error("checkInputs needs an object schema");
    // An input left undefined is not given; the skipped ones are the setting's to check.
    const given = Object.fromEntries(Object.entries(inputs).filter(([k, v]) => v !== undefined && !skip.includes(k)));
    const told: ValidationFailure[] = sitesOf(given, schema).map((site) => {
        const property = String(site.path[0]);
        if (site.path.length === 1 && site.kind === "unknown") {
            return { property, reason: unknownKey(property, property, Object.keys(schema.fields), "a known property") };
        }
        if (site.path.length === 1 && site.kind === "missing") {
            // What the property must be, said for "nothing" (e.g. "isEnabled must be true or false, got nothing").
            return { property, reason: nodeMessage(schema.fields[property], undefined, property) ?? `${property} is required` };
        }
        return { property, reason: siteMessage(schema, given, "", site) };
    });
    // Folded per property: unknown keys first, then each property's problems, then the required ones missing (rankOf's order).
    const failures: ValidationFailure[] = [];
    for (let i = 0; i < told.length; ) {
        let j = i;
        while (j < told.length && told[j].property === told[i].property) j++;
        const property = told[i].property;
        failures.push(
            ...foldProblems(
                told.slice(i, j).map((f) => f.reason),
                property,
            ).map((reason) => ({ property, reason })),
        );
        i = j;
    }
    return failures;
}

/** At most this many problems are told one by one under one key (a list of 3,000 bad names stays readable). */
export const PROBLEMS_PER_KEY = 10;

/** The first PROBLEMS_PER_KEY problems, then one line that counts the rest. */
export function foldProblems(problems: string[], key: string): string[] {
    if (problems.length <= PROBLEMS_PER_KEY) return problems;
    return [
        ...problems.slice(0, PROBLEMS_PER_KEY),
        `${key}: ${problems.length - PROBLEMS_PER_KEY} more problems of the same kind (${problems.length} in all); fix the ` +
            "first ones and preview again",
    ];
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

/** Levenshtein distance (insert, delete, substitute; each costs 1): fastest-levenshtein's. */
export const editDistance = (a: string, b: string): number => distance(a, b);

export function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value as config shows it, cut short when long (a list of 3,000 users is not repeated back). */
export function describe(v: unknown, max = 120): string {
    if (v === undefined) return "nothing";
    const s = JSON.stringify(v) ?? String(v);
    return s.length > max ? `${s.slice(0, max)}... (${s.length} characters)` : s;
}
