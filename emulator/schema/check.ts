import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Checks JSON bodies against Microsoft Graph's own type definitions (extracted from Graph's CSDL
 * metadata; see README.md here): every property must exist on the type or its base types, every
 * primitive must have the right JSON type, every enum value must be a member.
 */
interface PropertyDef {
    type: string;
    nullable: boolean;
}
interface TypeDef {
    kind: "EntityType" | "ComplexType";
    base: string | null;
    properties: Record<string, PropertyDef>;
    navigation: Record<string, string>;
}
interface SchemaFile {
    types: Record<string, TypeDef>;
    enums: Record<string, string[]>;
}

const cache = new Map<string, SchemaFile>();

export function loadSchema(version: "v1.0" | "beta"): SchemaFile {
    let s = cache.get(version);
    if (!s) {
        s = JSON.parse(fs.readFileSync(path.join(__dirname, `${version}.json`), "utf8")) as SchemaFile;
        // Types Graph's metadata has and the vendored copy of shared/graph-schema does not (each file says
        // where they come from); the vendored file itself stays identical to shared/.
        const additions = path.join(__dirname, `${version}.additions.json`);
        if (fs.existsSync(additions)) {
            const extra = JSON.parse(fs.readFileSync(additions, "utf8")) as SchemaFile;
            s = { ...s, types: { ...s.types, ...extra.types }, enums: { ...s.enums, ...extra.enums } };
        }
        cache.set(version, s);
    }
    return s;
}

/** All properties of a type, its own and its base chain's. */
export function propertiesOf(schema: SchemaFile, typeName: string): Record<string, PropertyDef> {
    const out: Record<string, PropertyDef> = {};
    for (let t: string | null = typeName; t; t = schema.types[t]?.base ?? null) {
        const def: TypeDef | undefined = schema.types[t];
        if (!def) {
            throw new Error(`type ${t} is not in the Graph schema`);
        }
        for (const [k, v] of Object.entries(def.properties)) {
            out[k] ??= v;
        }
    }
    return out;
}

/** Returns the problems found (empty when the body conforms). */
export function checkBody(version: "v1.0" | "beta", typeName: string, body: unknown, at = typeName): string[] {
    const schema = loadSchema(version);
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
        return [`${at}: expected an object of type ${typeName}`];
    }
    // A collection answer ({ value: [...] } and annotations): each item is one of the type.
    const keys = Object.keys(body);
    if (
        Array.isArray((body as any).value) &&
        !propertiesOf(schema, typeName).value &&
        keys.every((k) => k === "value" || k.includes("@odata."))
    ) {
        return ((body as any).value as unknown[]).flatMap((item, i) => checkBody(version, typeName, item, `${at}.value[${i}]`));
    }
    // A derived type named by @odata.type replaces the declared one.
    const odataType = (body as any)["@odata.type"];
    let effective = typeName;
    if (typeof odataType === "string") {
        effective = odataType.replace(/^#?microsoft\.graph\./, "");
        if (!schema.types[effective]) {
            return [`${at}: @odata.type ${odataType} is not a Graph type`];
        }
    }
    const props = propertiesOf(schema, effective);
    const nav = schema.types[effective].navigation;
    const problems: string[] = [];
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
        if (key.startsWith("@odata.") || key.includes("@odata.")) {
            continue;
        }
        const def = props[key];
        if (!def) {
            if (nav[key]) {
                continue;
            }
            problems.push(`${at}.${key}: no such property on ${effective}`);
            continue;
        }
        problems.push(...checkValue(version, def, value, `${at}.${key}`));
    }
    return problems;
}

function checkValue(version: "v1.0" | "beta", def: PropertyDef, value: unknown, at: string): string[] {
    if (value === null) {
        return def.nullable ? [] : [`${at}: null is not allowed`];
    }
    const collection = /^Collection\((.+)\)$/.exec(def.type);
    if (collection) {
        if (!Array.isArray(value)) {
            return [`${at}: expected an array of ${collection[1]}`];
        }
        return value.flatMap((v, i) => checkValue(version, { type: collection[1], nullable: false }, v, `${at}[${i}]`));
    }
    const t = def.type.replace(/^microsoft\.graph\./, "");
    const schema = loadSchema(version);
    switch (t) {
        case "Edm.Boolean":
            return typeof value === "boolean" ? [] : [`${at}: expected a boolean`];
        case "Edm.String":
        case "Edm.Guid":
        case "Edm.DateTimeOffset":
        case "Edm.Date":
        case "Edm.Duration":
        case "Edm.Binary":
            return typeof value === "string" ? [] : [`${at}: expected a string (${t})`];
        case "Edm.Int32":
        case "Edm.Int64":
        case "Edm.Int16":
        case "Edm.Byte":
            return Number.isInteger(value) ? [] : [`${at}: expected an integer (${t})`];
        case "Edm.Double":
        case "Edm.Single":
        case "Edm.Decimal":
            return typeof value === "number" ? [] : [`${at}: expected a number (${t})`];
    }
    if (schema.enums[t]) {
        return typeof value === "string" && value.split(",").every((v) => schema.enums[t].includes(v.trim()))
            ? []
            : [`${at}: ${JSON.stringify(value)} is not a member of ${t} (${schema.enums[t].join(", ")})`];
    }
    if (schema.types[t]) {
        return checkBody(version, t, value, at);
    }
    return [`${at}: unknown type ${def.type}`];
}
