import * as crypto from "node:crypto";
import * as net from "node:net";
import { GraphHttpError, jsonBody } from "../http";
import { requireRole } from "../identity";
import { loadSchema, propertiesOf } from "../schema/check";
import type { ConditionalAccessPolicyState, NamedLocationState, TenantState } from "../store";
import type { AuditDraft, AuditInitiator } from "../auditLog";
import { caCreateAudit, caDeleteAudit, caUpdateAudit } from "./audit";
import { renderStrength, strengthPolicy } from "./authenticationStrengths";
import { type EntitySet, createdAnswer, getRoute, listRoute } from "./crud";
import type { FilterRow, QueryCapability } from "./query";
import type { Route, RouteContext } from "./routes";

/**
 * Conditional Access, as Graph v1.0 documents it:
 * - /identity/conditionalAccess/policies: GET (list, small $filter), POST (201 with the created policy;
 *   id and createdDateTime set by the service, modifiedDateTime null until the first change, as in
 *   Microsoft's examples), GET/PATCH (204)/DELETE (204) by id;
 * - /identity/conditionalAccess/namedLocations likewise, for #microsoft.graph.ipNamedLocation (CIDR
 *   ranges) and #microsoft.graph.countryNamedLocation (ISO 3166 two-letter codes); POST and PATCH need
 *   the derived type in @odata.type.
 * Bodies are checked against Graph's own schema (emulator/schema/v1.0.json): unknown properties, wrong
 * JSON types, enum values that are not members (state, clientAppTypes, builtInControls, platforms, risk
 * levels ...), null where Graph does not allow it. Then the service's own rules: displayName, state,
 * conditions (applications, users or client applications, clientAppTypes) and grant or session controls
 * are required; locations name existing named locations (or All / AllTrusted); a named location that a
 * policy uses cannot be deleted.
 *
 * Graph's answers: a policy that does not fit the schema gets Graph's 400 BadRequest "1007: Incoming
 * ConditionalAccessPolicy object is null or does not match the schema of ConditionalAccessPolicy type..."
 * (reported by users of the API); the emulator appends what exactly did not fit, which Graph does not.
 * Which of the checks Graph answers with 1007 and which with the OData layer's own messages (used here for
 * named locations) is unconfirmed, as are the texts of the service-rule errors.
 *
 * Security defaults and Conditional Access exclude each other: creating a policy in state `enabled`, or
 * PATCHing one to it, while security defaults are on is refused with 400. The message is the one users
 * report from Graph; the error code is unconfirmed. (Report-only and disabled policies are accepted.)
 *
 * Permissions as documented: read with Policy.Read.All, Policy.Read.ConditionalAccess or
 * Policy.ReadWrite.ConditionalAccess; write with Policy.ReadWrite.ConditionalAccess *and* Policy.Read.All
 * (Microsoft lists both for create, update and delete, noting "a known permissions issue"; for policies
 * Application.Read.All may stand in for Policy.Read.All).
 *
 * Throttling: these routes are in the `conditionalAccess` bucket: 1 request per second per tenant, shared
 * by all apps, and the 429 carries no Retry-After header (see throttle.ts).
 *
 * Only v1.0 is emulated (the vendored beta schema has no Conditional Access types).
 */
type Version = "v1.0";

const READ = ["Policy.Read.All", "Policy.Read.ConditionalAccess", "Policy.ReadWrite.ConditionalAccess"];
const WRITE = ["Policy.ReadWrite.ConditionalAccess"];
const POLICY_WRITE_ALSO = ["Policy.Read.All", "Application.Read.All"];
const LOCATION_WRITE_ALSO = ["Policy.Read.All"];

const POLICIES = /^\/identity\/conditionalAccess\/policies$/;
const POLICY = /^\/identity\/conditionalAccess\/policies\/([^/]+)$/;
const LOCATIONS = /^\/identity\/conditionalAccess\/namedLocations$/;
const LOCATION = /^\/identity\/conditionalAccess\/namedLocations\/([^/]+)$/;

/** Read-only properties: Graph sets them. */
const READ_ONLY = ["id", "createdDateTime", "modifiedDateTime", "deletedDateTime", "templateId"];
/** Location ids every tenant has: all locations, all trusted ones, and the legacy MFA trusted IPs. */
const BUILT_IN_LOCATIONS = ["All", "AllTrusted", "00000000-0000-0000-0000-000000000000"];
const LOCATION_TYPES = ["ipNamedLocation", "countryNamedLocation"];

export const SECURITY_DEFAULTS_CONFLICT =
    "Security Defaults is enabled in the tenant. You must disable Security defaults before enabling a Conditional Access policy.";

// ---- Graph's answers to bad bodies -------------------------------------------------------------

/** A body that does not fit Graph's schema; turned into the resource's own 400 by the caller. */
class SchemaProblem extends Error {}

const lit = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

function policySchemaError(detail: string): GraphHttpError {
    return new GraphHttpError(
        400,
        "BadRequest",
        "1007: Incoming ConditionalAccessPolicy object is null or does not match the schema of ConditionalAccessPolicy type. " +
            "For examples, please see API documentation at " +
            `https://learn.microsoft.com/en-us/graph/api/conditionalaccessroot-post-policies?view=graph-rest-1.0. (${detail})`,
    );
}

const bad = (message: string) => new GraphHttpError(400, "BadRequest", message);

function notFound(kind: string, id: string): GraphHttpError {
    // Graph's code for a missing Conditional Access object is unconfirmed; the directory's is used.
    return new GraphHttpError(
        404,
        "Request_ResourceNotFound",
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present. (${kind})`,
    );
}

function requireWrite(ctx: RouteContext, also: readonly string[]): void {
    requireRole(ctx.claims, WRITE);
    requireRole(ctx.claims, also);
}

// ---- the schema walk ---------------------------------------------------------------------------

interface PropertyDef {
    type: string;
    nullable: boolean;
}

function schema(version: Version) {
    return loadSchema(version);
}

function derivesFrom(version: Version, type: string, base: string): boolean {
    for (let t: string | null = type; t; t = schema(version).types[t]?.base ?? null) {
        if (t === base) {
            return true;
        }
    }
    return false;
}

function navigationOf(version: Version, type: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (let t: string | null = type; t; t = schema(version).types[t]?.base ?? null) {
        Object.assign(out, schema(version).types[t]?.navigation ?? {});
    }
    return out;
}

function noSuchProperty(key: string, type: string): SchemaProblem {
    return new SchemaProblem(
        `The property '${key}' does not exist on type 'microsoft.graph.${type}'. Make sure to only use property names that ` +
            "are defined by the type or mark the type as open type.",
    );
}

/**
 * Checks a complex or entity value against `type` (or the derived type its @odata.type names) and
 * returns it as Graph returns it: every collection present (empty when not sent), every other nullable
 * property null when not sent, @odata.type kept for derived types.
 */
function parseObject(version: Version, type: string, value: unknown, skip: readonly string[] = []): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new SchemaProblem(`Cannot convert the literal '${lit(value)}' to the expected type 'microsoft.graph.${type}'.`);
    }
    const v = value as Record<string, unknown>;
    let effective = type;
    const named = v["@odata.type"];
    if (named !== undefined) {
        const t = typeof named === "string" ? named.replace(/^#?microsoft\.graph\./, "") : "";
        if (!schema(version).types[t] || !derivesFrom(version, t, type)) {
            throw new SchemaProblem(`The type '${lit(named)}' is not compatible with the expected type 'microsoft.graph.${type}'.`);
        }
        effective = t;
    }
    const props = propertiesOf(schema(version), effective);
    const nav = navigationOf(version, effective);
    const out: Record<string, unknown> = effective !== type ? { "@odata.type": `#microsoft.graph.${effective}` } : {};
    for (const [key, raw] of Object.entries(v)) {
        if (key.includes("@odata.")) {
            continue;
        }
        if (!props[key]) {
            if (nav[key]) {
                out[key] = raw === null ? null : structuredClone(raw); // e.g. grantControls.authenticationStrength: { id }
                continue;
            }
            throw noSuchProperty(key, effective);
        }
        out[key] = parseValue(version, props[key], raw, key);
    }
    for (const [key, def] of Object.entries(props)) {
        if (key in out || skip.includes(key)) {
            continue;
        }
        if (def.type.startsWith("Collection(")) {
            out[key] = [];
        } else if (def.nullable) {
            out[key] = null;
        }
    }
    return out;
}

function parseValue(version: Version, def: PropertyDef, value: unknown, key: string): unknown {
    const t = def.type.replace(/^microsoft\.graph\./, "");
    if (value === null) {
        if (def.nullable) {
            return null;
        }
        throw new SchemaProblem(
            `A null value was found for the property named '${key}', which has the expected type '` +
                `${def.type}[Nullable=False]'. The expected type '${def.type}[Nullable=False]' does not allow null values.`,
        );
    }
    const collection = /^Collection\((.+)\)$/.exec(def.type);
    if (collection) {
        if (!Array.isArray(value)) {
            throw new SchemaProblem(
                `An unexpected '${typeof value === "object" ? "StartObject" : "PrimitiveValue"}' node was found when reading ` +
                    `from the JSON reader. A 'StartArray' node was expected. (property '${key}')`,
            );
        }
        return value.map((item) => parseValue(version, { type: collection[1], nullable: false }, item, key));
    }
    const literal = (edm: string) => new SchemaProblem(`Cannot convert the literal '${lit(value)}' to the expected type '${edm}'.`);
    switch (t) {
        case "Edm.Boolean":
            if (typeof value !== "boolean") throw literal(t);
            return value;
        case "Edm.String":
        case "Edm.Guid":
        case "Edm.DateTimeOffset":
        case "Edm.Duration":
            if (typeof value !== "string") throw literal(t);
            return value;
        case "Edm.Int32":
        case "Edm.Int64":
            if (typeof value !== "number" || !Number.isInteger(value)) throw literal(t);
            return value;
    }
    const members = schema(version).enums[t];
    if (members) {
        // Flag enums (e.g. insiderRiskLevels) take several members separated by commas.
        if (typeof value !== "string" || !value.split(",").every((m) => members.includes(m.trim()))) {
            throw new SchemaProblem(
                `Requested value '${lit(value)}' was not found. (property '${key}', type 'microsoft.graph.${t}': ${members.join(", ")})`,
            );
        }
        return value;
    }
    if (schema(version).types[t]) {
        return parseObject(version, t, value);
    }
    throw new SchemaProblem(`Unknown type ${def.type} for property '${key}'.`);
}

/** PATCH of complex values merges into what is there (Graph: properties not sent keep their values). */
function merge(existing: unknown, patch: unknown): unknown {
    if (isPlainObject(existing) && isPlainObject(patch)) {
        const out: Record<string, unknown> = { ...existing };
        for (const [k, v] of Object.entries(patch)) {
            out[k] = merge(existing[k], v);
        }
        return out;
    }
    return patch;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function refuseReadOnly(body: Record<string, unknown>, wrap: (e: Error) => GraphHttpError): void {
    for (const key of READ_ONLY) {
        if (key in body) {
            throw wrap(new SchemaProblem(`Property '${key}' is read-only and cannot be set.`));
        }
    }
}

// ---- policies ----------------------------------------------------------------------------------

function policies(tenant: TenantState): ConditionalAccessPolicyState[] {
    return tenant.conditionalAccessPolicies;
}

function namedLocations(tenant: TenantState): NamedLocationState[] {
    return tenant.namedLocations ?? [];
}

function policyOr404(tenant: TenantState, id: string): ConditionalAccessPolicyState {
    const p = policies(tenant).find((x) => x.id.toLowerCase() === id.toLowerCase());
    if (!p) {
        throw notFound("conditionalAccessPolicy", id);
    }
    return p;
}

/** The given top-level properties of a policy body, checked against the schema and completed as Graph returns them. */
function parsePolicyProperties(
    version: Version,
    body: Record<string, unknown>,
    existing?: Record<string, unknown>,
): Record<string, unknown> {
    const props = propertiesOf(schema(version), "conditionalAccessPolicy");
    const out: Record<string, unknown> = {};
    try {
        for (const [key, raw] of Object.entries(body)) {
            if (key.includes("@odata.")) {
                if (
                    key === "@odata.type" &&
                    raw !== "#microsoft.graph.conditionalAccessPolicy" &&
                    raw !== "microsoft.graph.conditionalAccessPolicy"
                ) {
                    throw new SchemaProblem(
                        `The type '${lit(raw)}' is not compatible with the expected type 'microsoft.graph.conditionalAccessPolicy'.`,
                    );
                }
                continue;
            }
            const def = props[key];
            if (!def) {
                throw noSuchProperty(key, "conditionalAccessPolicy");
            }
            const merged = existing && isPlainObject(existing[key]) && isPlainObject(raw) ? merge(existing[key], raw) : raw;
            out[key] = parseValue(version, def, merged, key);
        }
    } catch (err) {
        if (err instanceof SchemaProblem) {
            throw policySchemaError(err.message);
        }
        throw err;
    }
    return out;
}

/** The service's rules for a whole policy (after a create, or after a PATCH is merged). */
function checkPolicy(tenant: TenantState, p: Record<string, unknown>): void {
    const missing = (what: string) => policySchemaError(`${what} is required.`);
    if (typeof p.displayName !== "string" || !p.displayName.trim()) {
        throw missing("displayName");
    }
    if (typeof p.state !== "string") {
        throw missing("state");
    }
    const c = p.conditions as Record<string, any> | null | undefined;
    if (!c) {
        throw missing("conditions");
    }
    const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0;
    const apps = c.applications;
    if (
        !apps ||
        !(
            nonEmpty(apps.includeApplications) ||
            nonEmpty(apps.includeUserActions) ||
            nonEmpty(apps.includeAuthenticationContextClassReferences)
        )
    ) {
        throw missing(
            "conditions.applications with includeApplications, includeUserActions or includeAuthenticationContextClassReferences",
        );
    }
    const users = c.users;
    const hasUsers =
        users &&
        (nonEmpty(users.includeUsers) ||
            nonEmpty(users.includeGroups) ||
            nonEmpty(users.includeRoles) ||
            users.includeGuestsOrExternalUsers);
    const hasClients = c.clientApplications && nonEmpty(c.clientApplications.includeServicePrincipals);
    if (!hasUsers && !hasClients) {
        throw missing(
            "conditions.users (includeUsers, includeGroups, includeRoles or includeGuestsOrExternalUsers) or conditions.clientApplications",
        );
    }
    if (!nonEmpty(c.clientAppTypes)) {
        throw missing("conditions.clientAppTypes");
    }
    const grant = p.grantControls as Record<string, any> | null;
    if (!grant && !p.sessionControls) {
        throw missing("grantControls or sessionControls");
    }
    if (grant) {
        if (
            !(
                nonEmpty(grant.builtInControls) ||
                nonEmpty(grant.termsOfUse) ||
                nonEmpty(grant.customAuthenticationFactors) ||
                grant.authenticationStrength
            )
        ) {
            throw missing("grantControls.builtInControls, termsOfUse, customAuthenticationFactors or authenticationStrength");
        }
        if (grant.operator !== "AND" && grant.operator !== "OR") {
            throw policySchemaError(`grantControls.operator must be AND or OR; got ${lit(grant.operator)}.`);
        }
        if (
            grant.builtInControls.includes("block") &&
            (grant.builtInControls.length > 1 || nonEmpty(grant.termsOfUse) || grant.authenticationStrength)
        ) {
            throw bad("The block control cannot be combined with other grant controls.");
        }
        if (grant.authenticationStrength) {
            // grantControls.authenticationStrength names a strength policy by id (resources/conditionalaccessgrantcontrols.md,
            // v1.0 metadata navigation authenticationStrength -> authenticationStrengthPolicy). Graph's answer to an id that
            // names no policy is not documented: the emulator refuses it (stricter).
            const id = (grant.authenticationStrength as Record<string, unknown>).id;
            if (typeof id !== "string" || !strengthPolicy(tenant, id)) {
                throw bad(`grantControls.authenticationStrength names no authentication strength policy of this tenant (${lit(id)}).`);
            }
            grant.authenticationStrength = { id: strengthPolicy(tenant, id)!.id };
        }
    }
    const known = new Set([...BUILT_IN_LOCATIONS.map((l) => l.toLowerCase()), ...namedLocations(tenant).map((l) => l.id.toLowerCase())]);
    for (const id of [...(c.locations?.includeLocations ?? []), ...(c.locations?.excludeLocations ?? [])] as string[]) {
        if (!known.has(id.toLowerCase())) {
            throw bad(`The named location '${id}' referenced in conditions.locations does not exist.`);
        }
    }
    if (p.state === "enabled" && tenant.securityDefaults.isEnabled) {
        throw bad(SECURITY_DEFAULTS_CONFLICT);
    }
}

/** A policy as Graph returns it, in Graph's property order. */
function renderPolicy(p: ConditionalAccessPolicyState, tenant: TenantState): Record<string, unknown> {
    const { id, templateId, displayName, createdDateTime, modifiedDateTime, state, ...rest } = p;
    const out: Record<string, unknown> = {
        id,
        templateId: templateId ?? null,
        displayName,
        createdDateTime: createdDateTime ?? null,
        modifiedDateTime: modifiedDateTime ?? null,
        state,
        ...structuredClone(rest),
    };
    // The grant's authentication strength is returned as the strength policy it names (its current properties).
    const grant = out.grantControls as Record<string, any> | null | undefined;
    if (grant?.authenticationStrength?.id) {
        const strength = strengthPolicy(tenant, String(grant.authenticationStrength.id));
        grant.authenticationStrength = strength ? renderStrength(strength) : { id: grant.authenticationStrength.id };
    }
    return out;
}

const nowIso = () => new Date().toISOString();

/** `prop eq 'value'` clauses joined by `and`, on the properties named. */
const CA_LIST_PAGE = "docs-contrib api-reference/v1.0/api/conditionalaccessroot-list-policies.md";
const NL_LIST_PAGE = "docs-contrib api-reference/v1.0/api/conditionalaccessroot-list-namedlocations.md";
const caEq = (page: string): FilterRow => ({
    ops: ["eq"],
    source: `${page} lists $filter but no operators per property; eq is the emulator's stricter model (not stated by the page)`,
});
/**
 * GET identity/conditionalAccess/policies: the page lists $skip, $top, $count, $filter, $orderBy and
 * $select; the emulator models $filter (eq on id, displayName, state) and refuses the rest as not modelled.
 */
export const CA_POLICIES_QUERY: QueryCapability = {
    options: ["$filter"],
    filter: { id: caEq(CA_LIST_PAGE), displayName: caEq(CA_LIST_PAGE), state: caEq(CA_LIST_PAGE) },
    select: false,
    resource: "conditionalAccessPolicy",
    source: CA_LIST_PAGE,
};
/** GET identity/conditionalAccess/namedLocations: $filter (eq on id, displayName) modelled, the rest refused. */
export const NAMED_LOCATIONS_QUERY: QueryCapability = {
    options: ["$filter"],
    filter: { id: caEq(NL_LIST_PAGE), displayName: caEq(NL_LIST_PAGE) },
    select: false,
    resource: "namedLocation",
    source: NL_LIST_PAGE,
};

/** Conditional Access policies as an entity set: list and get (./crud.ts). */
const POLICY_SET: EntitySet<ConditionalAccessPolicyState> = {
    path: "identity/conditionalAccess/policies",
    collection: POLICIES,
    member: POLICY,
    entity: "conditionalAccessPolicy",
    versions: ["v1.0"],
    bucket: "conditionalAccess",
    readRoles: READ,
    query: CA_POLICIES_QUERY,
    all: policies,
    one: policyOr404,
    render: renderPolicy,
};

const policyRoutes: Route[] = [
    listRoute(POLICY_SET),
    {
        method: "POST",
        pattern: POLICIES,
        versions: ["v1.0"],
        entity: "conditionalAccessPolicy",
        bucket: "conditionalAccess",
        write: true,
        audit: caCreateAudit((ctx, id) => policies(ctx.tenant).find((x) => x.id.toLowerCase() === id.toLowerCase())),
        handle(ctx, version) {
            requireWrite(ctx, POLICY_WRITE_ALSO);
            const body = jsonBody(ctx.req);
            refuseReadOnly(body, (e) => policySchemaError(e.message));
            const given = parsePolicyProperties(version as Version, body);
            // Everything Graph returns, with what was not sent filled in as Graph fills it.
            const policy: Record<string, unknown> = {
                id: crypto.randomUUID(),
                templateId: null,
                displayName: given.displayName,
                createdDateTime: nowIso(),
                modifiedDateTime: null,
                state: given.state,
                description: null,
                sessionControls: null,
                grantControls: null,
                ...given,
            };
            checkPolicy(ctx.tenant, policy);
            const stored = policy as ConditionalAccessPolicyState;
            ctx.store.mutate(() => {
                ctx.tenant.conditionalAccessPolicies.push(stored);
            });
            return createdAnswer(ctx, version, POLICY_SET, stored);
        },
    },
    getRoute(POLICY_SET),
    {
        method: "PATCH",
        pattern: POLICY,
        versions: ["v1.0"],
        entity: "conditionalAccessPolicy",
        bucket: "conditionalAccess",
        write: true,
        audit: caUpdateAudit((ctx, id) => policies(ctx.tenant).find((x) => x.id.toLowerCase() === id.toLowerCase())),
        handle(ctx, version) {
            requireWrite(ctx, POLICY_WRITE_ALSO);
            const p = policyOr404(ctx.tenant, ctx.params[0]);
            const body = jsonBody(ctx.req);
            refuseReadOnly(body, (e) => policySchemaError(e.message));
            if (isManaged(ctx.tenant, p.id)) checkManagedPatch(p, body);
            const given = parsePolicyProperties(version as Version, body, p);
            const updated = { ...p, ...given, modifiedDateTime: nowIso() };
            checkPolicy(ctx.tenant, updated);
            ctx.store.mutate(() => {
                Object.assign(p, updated);
            });
            return { status: 204 };
        },
    },
    {
        method: "DELETE",
        pattern: POLICY,
        versions: ["v1.0"],
        bucket: "conditionalAccess",
        write: true,
        audit: caDeleteAudit((ctx, id) => policies(ctx.tenant).find((x) => x.id.toLowerCase() === id.toLowerCase())),
        handle(ctx) {
            requireWrite(ctx, POLICY_WRITE_ALSO);
            const p = policyOr404(ctx.tenant, ctx.params[0]);
            if (isManaged(ctx.tenant, p.id)) {
                throw bad(
                    `'${p.displayName}' is a Microsoft-managed policy: organizations can't rename or delete ` +
                        "Microsoft-managed policies (set its state to disabled to opt out).",
                );
            }
            ctx.store.mutate(() => {
                ctx.tenant.conditionalAccessPolicies = ctx.tenant.conditionalAccessPolicies.filter((x) => x !== p);
            });
            return { status: 204 };
        },
    },
];

// ---- named locations ---------------------------------------------------------------------------

function locationOr404(tenant: TenantState, id: string): NamedLocationState {
    const l = namedLocations(tenant).find((x) => x.id.toLowerCase() === id.toLowerCase());
    if (!l) {
        throw notFound("namedLocation", id);
    }
    return l;
}

/** The derived type a named location body names, which Graph needs on POST and PATCH. */
function locationType(body: Record<string, unknown>): string {
    const named =
        typeof body["@odata.type"] === "string" ? (body["@odata.type"] as string).replace(/^#?microsoft\.graph\./, "") : undefined;
    if (!named || !LOCATION_TYPES.includes(named)) {
        throw bad(
            "The @odata.type of a named location must be #microsoft.graph.ipNamedLocation or " +
                `#microsoft.graph.countryNamedLocation; got ${named === undefined ? "none" : lit(body["@odata.type"])}.`,
        );
    }
    return named;
}

function checkCidr(range: Record<string, unknown>, at: string): void {
    const type = String(range["@odata.type"] ?? "").replace(/^#?microsoft\.graph\./, "");
    if (type !== "iPv4CidrRange" && type !== "iPv6CidrRange") {
        throw bad(
            `${at}: named locations take IP ranges in CIDR notation (@odata.type #microsoft.graph.iPv4CidrRange or ` +
                `#microsoft.graph.iPv6CidrRange); got ${lit(range["@odata.type"] ?? "none")}.`,
        );
    }
    const cidr = String(range.cidrAddress ?? "");
    const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
    const v4 = type === "iPv4CidrRange";
    if (!m || !(v4 ? net.isIPv4(m[1]) : net.isIPv6(m[1])) || Number(m[2]) > (v4 ? 32 : 128)) {
        throw bad(`${at}: '${cidr}' is not a valid ${v4 ? "IPv4" : "IPv6"} CIDR range.`);
    }
    // Entra's documented limit for named locations: ranges of /8 or narrower (the error text is unconfirmed).
    if (Number(m[2]) < 8) {
        throw bad(`${at}: '${cidr}' is too wide; IP ranges in named locations must be /8 or narrower.`);
    }
}

/** A whole named location (after a create, or after a PATCH is merged), checked and completed. */
function parseLocation(version: Version, type: string, body: Record<string, unknown>): Record<string, unknown> {
    let parsed: Record<string, unknown>;
    try {
        parsed = parseObject(version, "namedLocation", { ...body, "@odata.type": `#microsoft.graph.${type}` }, ["deletedDateTime"]);
    } catch (err) {
        if (err instanceof SchemaProblem) {
            throw bad(err.message);
        }
        throw err;
    }
    if (typeof parsed.displayName !== "string" || !parsed.displayName.trim()) {
        throw bad("The property 'displayName' is required and cannot be empty.");
    }
    if (type === "ipNamedLocation") {
        const ranges = parsed.ipRanges as Record<string, unknown>[];
        if (!ranges.length) {
            throw bad("ipRanges is required: give at least one IP range.");
        }
        ranges.forEach((r, i) => {
            checkCidr(r, `ipRanges[${i}]`);
        });
        parsed.isTrusted ??= false;
    } else {
        const countries = parsed.countriesAndRegions as string[];
        if (!countries.length) {
            throw bad("countriesAndRegions is required: give at least one two-letter country or region code (ISO 3166-1).");
        }
        for (const c of countries) {
            if (!/^[A-Za-z]{2}$/.test(c)) {
                throw bad(`'${c}' is not a two-letter country or region code (ISO 3166-1).`);
            }
        }
        parsed.includeUnknownCountriesAndRegions ??= false;
        parsed.countryLookupMethod ??= "clientIpAddress";
    }
    return parsed;
}

function renderLocation(l: NamedLocationState): Record<string, unknown> {
    const { "@odata.type": type, id, displayName, createdDateTime, modifiedDateTime, ...rest } = l;
    return { "@odata.type": type, id, displayName, modifiedDateTime, createdDateTime, ...rest };
}

/** Named locations as an entity set: list and get (./crud.ts). */
const LOCATION_SET: EntitySet<NamedLocationState> = {
    path: "identity/conditionalAccess/namedLocations",
    collection: LOCATIONS,
    member: LOCATION,
    entity: "namedLocation",
    versions: ["v1.0"],
    bucket: "conditionalAccess",
    readRoles: READ,
    query: NAMED_LOCATIONS_QUERY,
    all: namedLocations,
    one: locationOr404,
    render: renderLocation,
};

const locationRoutes: Route[] = [
    listRoute(LOCATION_SET),
    {
        method: "POST",
        pattern: LOCATIONS,
        versions: ["v1.0"],
        entity: "namedLocation",
        bucket: "conditionalAccess",
        write: true,
        handle(ctx, version) {
            requireWrite(ctx, LOCATION_WRITE_ALSO);
            const body = jsonBody(ctx.req);
            const type = locationType(body);
            refuseReadOnly(body, (e) => bad(e.message));
            const now = nowIso();
            const location = {
                ...parseLocation(version as Version, type, body),
                id: crypto.randomUUID(),
                createdDateTime: now,
                modifiedDateTime: now,
            } as NamedLocationState;
            ctx.store.mutate(() => {
                (ctx.tenant.namedLocations ??= []).push(location);
            });
            return createdAnswer(ctx, version, LOCATION_SET, location);
        },
    },
    getRoute(LOCATION_SET),
    {
        method: "PATCH",
        pattern: LOCATION,
        versions: ["v1.0"],
        entity: "namedLocation",
        bucket: "conditionalAccess",
        write: true,
        handle(ctx, version) {
            requireWrite(ctx, LOCATION_WRITE_ALSO);
            const l = locationOr404(ctx.tenant, ctx.params[0]);
            const body = jsonBody(ctx.req);
            const type = locationType(body);
            if (`#microsoft.graph.${type}` !== l["@odata.type"]) {
                throw bad(
                    `The named location '${l.id}' is a ${String(l["@odata.type"]).replace("#microsoft.graph.", "")}; its ` +
                        `type cannot be changed to ${type}.`,
                );
            }
            refuseReadOnly(body, (e) => bad(e.message));
            const { id, createdDateTime, modifiedDateTime, ...current } = l;
            const merged = parseLocation(version as Version, type, { ...current, ...body });
            ctx.store.mutate(() => {
                Object.assign(l, merged, { id, createdDateTime, modifiedDateTime: nowIso() });
            });
            return { status: 204 };
        },
    },
    {
        method: "DELETE",
        pattern: LOCATION,
        versions: ["v1.0"],
        bucket: "conditionalAccess",
        write: true,
        handle(ctx) {
            requireWrite(ctx, LOCATION_WRITE_ALSO);
            const l = locationOr404(ctx.tenant, ctx.params[0]);
            const users = policies(ctx.tenant).filter((p) => {
                const loc = (p.conditions as any)?.locations;
                return [...(loc?.includeLocations ?? []), ...(loc?.excludeLocations ?? [])].some(
                    (x: string) => x.toLowerCase() === l.id.toLowerCase(),
                );
            });
            if (users.length) {
                // Entra refuses to delete a location a policy uses; Graph's exact answer is unconfirmed.
                throw bad(
                    `The named location '${l.id}' is used by Conditional Access policies (` +
                        `${users.map((p) => p.displayName).join(", ")}); remove it from them first.`,
                );
            }
            ctx.store.mutate(() => {
                ctx.tenant.namedLocations = namedLocations(ctx.tenant).filter((x) => x !== l);
            });
            return { status: 204 };
        },
    },
];

export const conditionalAccessRoutes: Route[] = [...policyRoutes, ...locationRoutes];

// ---- Microsoft-managed policies -----------------------------------------------------------------

/**
 * Microsoft-managed Conditional Access policies (entra-docs docs/identity/conditional-access/managed-policies.md):
 * Microsoft creates them in report-only and enables them "no less than 45 days after they're
 * introduced" (28 days' notice); admins can "edit the state of a policy and what identities the policy
 * should exclude", and "can't rename or delete" them; Microsoft's own changes are audited as initiated
 * by the app "Microsoft Managed Policy Manager" in the Policy category.
 * Graph documents no property that marks a policy as Microsoft-managed: exported tenants show display
 * names beginning "Microsoft-managed: " (observed in peers' tenant exports, not documented), which the
 * emulator uses; it keeps which policies are managed in TenantState.managedConditionalAccessPolicyIds.
 * What an admin's PATCH may change beyond state and exclusions is not documented: the emulator refuses
 * anything else (stricter).
 */
export const MANAGED_POLICY_MANAGER = "Microsoft Managed Policy Manager";
export const MANAGED_PREFIX = "Microsoft-managed: ";
const ADMIN_ROLE_IDS = [
    "62e90394-69f5-4237-9190-012177145e10",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "c4e39bd9-1100-46d3-8c65-fb160da0071f",
    "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    "158c047a-c907-4556-b7ef-446551a6b5f7",
    "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
    "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "966707d0-3269-4727-9be2-8c3a10f19b9d",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "fe930be7-5e62-47db-91af-98c3a49a38b1",
];
const users = (u: Record<string, unknown>) => ({
    includeUsers: [],
    excludeUsers: [],
    includeGroups: [],
    excludeGroups: [],
    includeRoles: [],
    excludeRoles: [],
    includeGuestsOrExternalUsers: null,
    excludeGuestsOrExternalUsers: null,
    ...u,
});
const apps = {
    includeApplications: ["All"],
    excludeApplications: [],
    includeUserActions: [],
    includeAuthenticationContextClassReferences: [],
    applicationFilter: null,
};
/** The managed policies the emulator seeds (the page's list, those the package has members for). */
const MANAGED_TEMPLATES: { displayName: string; conditions: Record<string, unknown>; grantControls: Record<string, unknown> }[] = [
    {
        displayName: "Block legacy authentication",
        conditions: { users: users({ includeUsers: ["All"] }), applications: apps, clientAppTypes: ["exchangeActiveSync", "other"] },
        grantControls: { operator: "OR", builtInControls: ["block"], customAuthenticationFactors: [], termsOfUse: [] },
    },
    {
        displayName: "Block device code flow",
        conditions: {
            users: users({ includeUsers: ["All"] }),
            applications: apps,
            clientAppTypes: ["all"],
            authenticationFlows: { transferMethods: "deviceCodeFlow" },
        },
        grantControls: { operator: "OR", builtInControls: ["block"], customAuthenticationFactors: [], termsOfUse: [] },
    },
    {
        displayName: "Multifactor authentication for admins accessing Microsoft Admin Portals",
        conditions: {
            users: users({ includeRoles: ADMIN_ROLE_IDS }),
            applications: { ...apps, includeApplications: ["MicrosoftAdminPortals"] },
            clientAppTypes: ["all"],
        },
        grantControls: { operator: "OR", builtInControls: ["mfa"], customAuthenticationFactors: [], termsOfUse: [] },
    },
    {
        displayName: "Multifactor authentication for all users",
        conditions: { users: users({ includeUsers: ["All"] }), applications: apps, clientAppTypes: ["all"] },
        grantControls: { operator: "OR", builtInControls: ["mfa"], customAuthenticationFactors: [], termsOfUse: [] },
    },
    {
        displayName: "Phishing-resistant multifactor authentication for admins",
        conditions: { users: users({ includeRoles: ADMIN_ROLE_IDS }), applications: apps, clientAppTypes: ["all"] },
        grantControls: {
            operator: "OR",
            builtInControls: [],
            customAuthenticationFactors: [],
            termsOfUse: [],
            authenticationStrength: { id: "00000000-0000-0000-0000-000000000004" },
        },
    },
];

export function isManaged(tenant: TenantState, id: string): boolean {
    return (tenant.managedConditionalAccessPolicyIds ?? []).some((x) => x.toLowerCase() === id.toLowerCase());
}

/** An admin's PATCH of a managed policy: state and the excluded identities only; no rename. */
function checkManagedPatch(p: ConditionalAccessPolicyState, body: Record<string, unknown>): void {
    const refuse = (what: string) =>
        bad(
            `'${p.displayName}' is a Microsoft-managed policy: ${what}. Admins can change its state and the identities it ` +
                "excludes; duplicate it to change more (managed-policies.md).",
        );
    for (const [k, v] of Object.entries(body)) {
        if (k.includes("@odata.") || k === "state") continue;
        if (k === "displayName") {
            if (v !== p.displayName) throw refuse("it can't be renamed");
            continue;
        }
        if (k !== "conditions" || !isPlainObject(v)) throw refuse(`${k} can't be changed`);
        const current = p.conditions as Record<string, unknown>;
        for (const [ck, cv] of Object.entries(v)) {
            if (ck === "users" && isPlainObject(cv)) {
                const cu = (current.users ?? {}) as Record<string, unknown>;
                for (const [uk, uv] of Object.entries(cv)) {
                    if (/^exclude/.test(uk)) continue;
                    if (JSON.stringify(uv ?? null) !== JSON.stringify(cu[uk] ?? null))
                        throw refuse(`conditions.users.${uk} can't be changed`);
                }
                continue;
            }
            if (JSON.stringify(cv ?? null) !== JSON.stringify(current[ck] ?? null)) throw refuse(`conditions.${ck} can't be changed`);
        }
    }
}

/** Seeds the Microsoft-managed policies into a tenant, in report-only, as Microsoft introduces them (returns them). */
export function seedManagedPolicies(
    store: { mutate(f: () => void): void },
    tenant: TenantState,
    introduced = new Date(),
): ConditionalAccessPolicyState[] {
    const created = MANAGED_TEMPLATES.map(
        (t): ConditionalAccessPolicyState => ({
            id: crypto.randomUUID(),
            templateId: null,
            displayName: `${MANAGED_PREFIX}${t.displayName}`,
            createdDateTime: introduced.toISOString(),
            modifiedDateTime: null,
            state: "enabledForReportingButNotEnforced",
            description: null,
            conditions: structuredClone(t.conditions),
            grantControls: structuredClone(t.grantControls),
            sessionControls: null,
        }),
    );
    store.mutate(() => {
        tenant.conditionalAccessPolicies.push(...created);
        tenant.managedConditionalAccessPolicyIds = [...(tenant.managedConditionalAccessPolicyIds ?? []), ...created.map((p) => p.id)];
    });
    return created;
}

/**
 * Microsoft changes a managed policy's state (e.g. enables it after the notice period): the change is
 * audited as made by the app "Microsoft Managed Policy Manager", category Policy (managed-policies.md,
 * "How do I monitor when Microsoft makes a change to these policies").
 */
export function microsoftSetsManagedPolicyState(
    store: { mutate(f: () => void): void; auditLog(tenantId: string): { record(draft: AuditDraft, by: AuditInitiator): unknown } },
    tenant: TenantState,
    id: string,
    state: ConditionalAccessPolicyState["state"],
): void {
    const p = policyOr404(tenant, id);
    if (!isManaged(tenant, p.id)) throw new Error(`${p.displayName} is not a Microsoft-managed policy`);
    const before = structuredClone(p);
    store.mutate(() => {
        p.state = state;
        p.modifiedDateTime = nowIso();
    });
    store.auditLog(tenant.tenantId).record(
        {
            category: "Policy",
            activityDisplayName: "Update Conditional Access policy",
            loggedByService: "Conditional Access",
            operationType: "Update",
            targetResources: [
                {
                    id: p.id,
                    displayName: p.displayName,
                    type: "Policy",
                    modifiedProperties: [
                        { displayName: "ConditionalAccessPolicy", oldValue: JSON.stringify(before), newValue: JSON.stringify(p) },
                    ],
                },
            ],
        },
        {
            // The Managed Policy Manager's app id is not documented: a fixed id stands for it here.
            app: {
                appId: "00000000-0000-0000-0000-000000000a11",
                displayName: MANAGED_POLICY_MANAGER,
                servicePrincipalId: "00000000-0000-0000-0000-000000000a12",
                servicePrincipalName: null,
            },
            user: null,
        },
    );
}
