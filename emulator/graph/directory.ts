import type { GroupRecord, PerUserMfaState, UserRecord } from "../directory";
import { GraphHttpError, jsonBody } from "../http";
import { requireRole } from "../identity";
import { loadSchema, propertiesOf } from "../schema/check";
import { perUserMfaAudit } from "./audit";
import {
    DIRECTORY_ADVANCED,
    type FilterRow,
    type QueryCapability,
    filterOf,
    hasEventual,
    isAdvancedQuery,
    needsAdvanced,
    selectedFields,
    typeProperties,
    unknownSelectProperty,
} from "./query";
import type { Route, RouteContext } from "./routes";
import { METHOD_READ, listedMethods } from "./userMethods";
import { PER_USER_MFA_ON_LIST_SOURCE } from "./directory.rules";

/**
 * Users, groups and per-user MFA, as Graph documents them:
 * - GET /users ($select, $filter, $top up to 999, @odata.nextLink paging), GET /users/{id|upn}; $select of
 *   perUserMfaState on the list as the tenant serves it (observed, not documented; TenantState.perUserMfaStateOnUserList);
 * - GET /groups ($select over microsoft.graph.group, $filter on displayName/id, $top up to 999, paging,
 *   $count and /groups/$count with ConsistencyLevel: eventual; group-list.md);
 * - GET /groups/{id}, GET /groups/{id}/transitiveMembers[/microsoft.graph.user] (paged); the cast is an
 *   advanced query (ConsistencyLevel: eventual and $count=true, else 400 Request_UnsupportedQuery);
 * - GET/PATCH /beta/users/{id|upn}/authentication/requirements (perUserMfaState): the state the
 *   administrator sets (enforced to enabled included); a user who registers a method while `enabled`
 *   becomes `enforced` (howto-mfa-userstates.md).
 */
const USER_READ = ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
const GROUP_READ = ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"];
/** group-list.md's permissions (least to most privileged). */
const GROUP_LIST = ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"];
/** Modelled group properties; every other property of microsoft.graph.group comes back null (or []). */
const GROUP_FIELDS = ["id", "displayName"] as const;
/**
 * The default properties of a listed group (group-list.md: "returns by default only a subset of the
 * properties"; the set is the one of the page's example response).
 */
const DEFAULT_GROUP_SELECT = [
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesLastSyncDateTime",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "theme",
    "visibility",
    "onPremisesProvisioningErrors",
];
/**
 * group-list.md: "The hasMembersWithLicenseErrors and isArchived properties are an exception and are not returned in the $select query."
 */
const NOT_SELECTABLE = ["hasMembersWithLicenseErrors", "isArchived"];
const MFA_READ = ["Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"];
const MFA_WRITE = ["Policy.ReadWrite.AuthenticationMethod"];
const USER_FIELDS = [
    "id",
    "userPrincipalName",
    "displayName",
    "userType",
    "accountEnabled",
    "mail",
    "signInSessionsValidFromDateTime",
] as const;
/**
 * The properties Graph returns without $select (docs-contrib api-reference/v1.0/api/user-list.md and
 * user-get.md: "businessPhones, displayName, givenName, id, jobTitle, mail, mobilePhone, officeLocation,
 * preferredLanguage, surname, and userPrincipalName"; resources/user.md marks the same ones "Returned by
 * default"). Those the emulator does not keep come back null (or [] for businessPhones), as unset.
 */
const DEFAULT_USER_SELECT = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];
const MFA_STATES: readonly string[] = ["disabled", "enabled", "enforced"];

const USER_MD = 'docs-contrib api-reference/v1.0/resources/user.md (Properties: "Supports $filter (...)")';
/**
 * $filter on users, per property as resources/user.md lists the operators; only the properties the
 * emulator keeps (USER_FIELDS) have rows: a filter on any other is refused as not modelled. ne, not and
 * endsWith are advanced queries (DIRECTORY_ADVANCED).
 */
const USER_FILTER: Record<string, FilterRow> = {
    id: { ops: ["eq", "ne", "not", "in"], source: USER_MD },
    accountEnabled: { ops: ["eq", "ne", "not", "in"], source: USER_MD },
    displayName: { ops: ["eq", "ne", "not", "ge", "le", "in", "startsWith", "eqNull"], source: USER_MD },
    mail: { ops: ["eq", "ne", "not", "ge", "le", "in", "startsWith", "endsWith", "eqNull"], source: USER_MD },
    userPrincipalName: { ops: ["eq", "ne", "not", "ge", "le", "in", "startsWith", "endsWith"], source: USER_MD },
    userType: { ops: ["eq", "ne", "not", "in", "eqNull"], source: USER_MD },
};
/**
 * GET /users (user-list.md: $count, $expand, $filter, $orderby, $search, $select, $top): the emulator
 * models $select, $filter, $top, $count (advanced, with ConsistencyLevel: eventual) and the $skiptoken of
 * its own nextLink; $expand, $orderby and $search are refused as not modelled. $select also takes
 * perUserMfaState, which a tenant serves or not (TenantState.perUserMfaStateOnUserList).
 */
export const USERS_QUERY: QueryCapability = {
    options: ["$select", "$filter", "$top", "$skiptoken", "$count"],
    filter: USER_FILTER,
    select: "user",
    selectObserved: { perUserMfaState: PER_USER_MFA_ON_LIST_SOURCE },
    resource: "User",
    filterErrorCode: "Request_UnsupportedQuery",
    advanced: DIRECTORY_ADVANCED,
    or: {
        source:
            'docs-contrib concepts/filter-query-parameter.md ("Get all users with the name Mary across multiple properties": ' +
            "~/users?$filter=startswith(displayName,'mary') or startswith(givenName,'mary') or ..., not marked advanced)",
    },
    source: "docs-contrib api-reference/v1.0/api/user-list.md",
};
/** GET /users/$count (user-list.md example 3): $filter as on the list (`or` too: the documented example is on /users). */
export const USERS_COUNT_QUERY: QueryCapability = { ...USERS_QUERY, options: ["$filter"], select: false, selectObserved: undefined };
/** GET /users/{id} (user-get.md: $select and $expand): $select modelled, $expand not. */
export const USER_QUERY: QueryCapability = {
    options: ["$select"],
    select: "user",
    resource: "User",
    source: "docs-contrib api-reference/v1.0/api/user-get.md",
};
const GROUP_MD = 'docs-contrib api-reference/v1.0/resources/group.md (Properties: "Supports $filter (...)")';
/** $filter on groups (resources/group.md); only id and displayName are kept by the emulator. */
const GROUP_FILTER: Record<string, FilterRow> = {
    id: { ops: ["eq", "ne", "not", "in"], source: GROUP_MD },
    displayName: { ops: ["eq", "ne", "not", "ge", "le", "in", "startsWith", "eqNull"], source: GROUP_MD },
};
/**
 * GET /groups (group-list.md: $count, $expand, $filter, $orderby, $search, $select, $top; "$skip isn't
 * supported"): $skip gets Graph's refusal; $expand, $orderby and $search are not modelled.
 */
export const GROUPS_QUERY: QueryCapability = {
    options: ["$count", "$filter", "$select", "$top", "$skiptoken"],
    filter: GROUP_FILTER,
    select: "group",
    resource: "Group",
    filterErrorCode: "Request_UnsupportedQuery",
    advanced: DIRECTORY_ADVANCED,
    refused: {
        $skip: {
            status: 400,
            code: "Request_BadRequest",
            message: "'$skip' is not supported by the service.",
            source: "docs-contrib api-reference/v1.0/api/group-list.md (\"$skip isn't supported\"; the wording is the emulator's)",
        },
    },
    source: "docs-contrib api-reference/v1.0/api/group-list.md",
};
/**
 * GET /groups/{id} (group-get.md, "Optional query parameters": "You can use `$select` to get specific group
 * properties, including those that are not returned by default"; example 2): $select modelled; nothing else.
 */
export const GROUP_QUERY: QueryCapability = {
    options: ["$select"],
    select: "group",
    resource: "Group",
    source: "docs-contrib api-reference/v1.0/api/group-get.md",
};
/** GET /groups/$count (group-list.md example 3): $filter as on the list. */
export const GROUP_COUNT_QUERY: QueryCapability = { ...GROUPS_QUERY, options: ["$filter"], select: false };
/**
 * GET /groups/{id}/transitiveMembers[/microsoft.graph.user] (group-list-transitivemembers.md: $filter,
 * $count, $select, $search, $top, $expand): $select (of user, the only member type the emulator keeps),
 * $top, $count and the $skiptoken of its nextLink are modelled; $filter, $search and $expand are not.
 */
export const TRANSITIVE_QUERY: QueryCapability = {
    options: ["$select", "$top", "$count", "$skiptoken"],
    select: "user",
    resource: "directoryObject",
    source: "docs-contrib api-reference/v1.0/api/group-list-transitivemembers.md",
};

function notFound(ref: string): GraphHttpError {
    return new GraphHttpError(
        404,
        "Request_ResourceNotFound",
        `Resource '${ref}' does not exist or one of its queried reference-property objects are not present.`,
    );
}

function dir(ctx: RouteContext) {
    return ctx.store.directory(ctx.tenant.tenantId);
}

function userOr404(ctx: RouteContext, ref: string): UserRecord {
    const u = dir(ctx).user(ref);
    if (!u) {
        throw notFound(ref);
    }
    return u;
}

/**
 * `$select` takes any property of microsoft.graph.user in Graph's metadata (emulator/schema, the
 * vendored v1.0 CSDL); a name that is not one is refused with Graph's 400. Properties the emulator
 * does not model come back as Graph returns an unset property: null, or an empty collection.
 */
function select(
    ctx: RouteContext,
    version: string,
    defaults: readonly string[] = DEFAULT_USER_SELECT,
    observed: readonly string[] = [],
): string[] {
    const raw = ctx.req.url.searchParams.get("$select");
    return raw ? selectedFields(raw, "user", version, observed) : [...defaults];
}

/**
 * perUserMfaState in a user list's $select, as the tenant serves it (TenantState.perUserMfaStateOnUserList):
 * refused (the default: Graph's metadata has no such property) with Graph's 400 for an unknown property;
 * otherwise how each listed user carries it: its state as the list shows it (which may lag a write:
 * perUserMfaListLagMs), the evolvable enum's sentinel, or nothing (ignored).
 */
function perUserMfaOnList(ctx: RouteContext, fields: string[]): ((u: UserRecord) => Record<string, unknown>) | undefined {
    if (!fields.includes("perUserMfaState")) return undefined;
    const mode = ctx.tenant.perUserMfaStateOnUserList ?? "refused";
    if (mode === "refused") {
        throw unknownSelectProperty("perUserMfaState", "user");
    }
    if (mode === "ignored") return () => ({});
    if (mode === "unknownFutureValue") return () => ({ perUserMfaState: "unknownFutureValue" });
    const now = Date.now();
    return (u) => ({ perUserMfaState: dir(ctx).listedPerUserMfaState(u, now) });
}

function userProperties(version: string): Record<string, { type: string }> {
    return typeProperties("user", version);
}

function shape(u: UserRecord, fields: string[], version = "v1.0"): Record<string, unknown> {
    return shaper(fields, version)(u);
}

/** Renders users with these fields (the schema looked up once, not per user: a page holds up to 999). */
function shaper(fields: string[], version = "v1.0"): (u: UserRecord) => Record<string, unknown> {
    const props = userProperties(version);
    const plan = fields.map((f) => ({
        f,
        modelled: (USER_FIELDS as readonly string[]).includes(f),
        collection: !!props[f]?.type.startsWith("Collection("),
    }));
    return (u) => {
        const out: Record<string, unknown> = {};
        for (const { f, modelled, collection } of plan) {
            out[f] = (modelled ? (u as any)[f] : undefined) ?? (collection ? [] : null);
        }
        return out;
    };
}

/** Pages a list as Graph does: $top (1..999, default 100), an opaque $skiptoken in @odata.nextLink. */
function page<T>(ctx: RouteContext, version: string, items: T[], render: (t: T) => unknown, context: string) {
    const topRaw = ctx.req.url.searchParams.get("$top");
    const top = topRaw === null ? 100 : Number(topRaw);
    if (!Number.isInteger(top) || top < 1 || top > 999) {
        throw new GraphHttpError(
            400,
            "Request_BadRequest",
            `Invalid page size specified: '${topRaw}'. Must be between 1 and 999 inclusive.`,
        );
    }
    const token = ctx.req.url.searchParams.get("$skiptoken");
    const offset = token ? Number(Buffer.from(token, "base64url").toString("utf8").replace(/^o:/, "")) : 0;
    if (!Number.isInteger(offset) || offset < 0) {
        throw new GraphHttpError(
            400,
            "Directory_ExpiredPageToken",
            "The specified page token value has expired and can no longer be included in your request.",
        );
    }
    const slice = items.slice(offset, offset + top);
    const body: Record<string, unknown> = { "@odata.context": `${ctx.origin}/${version}/$metadata#${context}`, value: slice.map(render) };
    if (offset + top < items.length) {
        const next = new URL(`${ctx.origin}${ctx.req.path}`);
        for (const [k, v] of ctx.req.url.searchParams) {
            if (k !== "$skiptoken") {
                next.searchParams.set(k, v);
            }
        }
        next.searchParams.set("$skiptoken", Buffer.from(`o:${offset + top}`).toString("base64url"));
        body["@odata.nextLink"] = next.toString();
    }
    return { status: 200, body };
}

/**
 * microsoft.graph.group in Graph's v1.0 metadata (emulator/schema/v1.0.additions.json; the vendored beta schema has no group, so v1.0's
 * serves both).
 */
function groupProperties(): Record<string, { type: string }> {
    return propertiesOf(loadSchema("v1.0"), "group");
}

function groupSelect(ctx: RouteContext): string[] {
    const raw = ctx.req.url.searchParams.get("$select");
    return raw ? selectedFields(raw, "group", "v1.0").filter((f) => !NOT_SELECTABLE.includes(f)) : DEFAULT_GROUP_SELECT;
}

function groupShape(g: GroupRecord, fields: string[]): Record<string, unknown> {
    const props = groupProperties();
    const out: Record<string, unknown> = {};
    for (const f of fields) {
        const modelled = (GROUP_FIELDS as readonly string[]).includes(f) ? (g as any)[f] : undefined;
        out[f] = modelled ?? (props[f]?.type.startsWith("Collection(") ? [] : null);
    }
    return out;
}

/**
 * Resource units of a GET (docs-contrib concepts/throttling-limits.md, "Identity and access service
 * limits"): the path's base cost (GET users 2, groups/{id}/members 3, groups/{id}/transitiveMembers 5,
 * any identity path not listed 1), $select decreases it by 1, $expand increases it by 1, $top with a
 * value under 20 decreases it by 1; never below 1.
 */
export function listUnits(ctx: RouteContext, base: number): number {
    const q = ctx.req.url.searchParams;
    const top = q.get("$top");
    const cost = base - (q.has("$select") ? 1 : 0) + (q.has("$expand") ? 1 : 0) - (top !== null && Number(top) < 20 ? 1 : 0);
    return Math.max(1, cost);
}

export const directoryRoutes: Route[] = [
    {
        // GET /users/$count (user-list.md example 3, "Get only a count of users"): plain-text count; the
        // $count segment is an advanced query, so ConsistencyLevel: eventual is needed (aad-advanced-queries.md).
        method: "GET",
        pattern: /^\/users\/\$count$/,
        versions: ["v1.0", "beta"],
        write: false,
        query: USERS_COUNT_QUERY,
        handle(ctx) {
            requireRole(ctx.claims, USER_READ);
            if (!hasEventual(ctx.req)) {
                throw needsAdvanced("Count segment '$count' on 'users'");
            }
            const n = [...dir(ctx).users.values()].filter(filterOf<UserRecord>(ctx.req, USERS_COUNT_QUERY)).length;
            return { status: 200, headers: { "Content-Type": "text/plain" }, body: String(n) };
        },
    },
    {
        // GET /groups/{id}/transitiveMembers/$count (group-list-transitivemembers.md example 2): plain-text
        // count with ConsistencyLevel: eventual; the members the emulator keeps are users (as the list).
        method: "GET",
        pattern: /^\/groups\/([^/]+)\/transitiveMembers\/\$count$/,
        versions: ["v1.0", "beta"],
        write: false,
        units: (ctx) => listUnits(ctx, 5),
        handle(ctx) {
            requireRole(ctx.claims, GROUP_READ);
            if (!hasEventual(ctx.req)) {
                throw needsAdvanced("Count segment '$count' on 'transitiveMembers'");
            }
            if (!dir(ctx).group(ctx.params[0])) {
                throw notFound(ctx.params[0]);
            }
            return { status: 200, headers: { "Content-Type": "text/plain" }, body: String(dir(ctx).transitiveUsers(ctx.params[0]).length) };
        },
    },
    {
        method: "GET",
        pattern: /^\/users\/([^/]+)\/authentication\/methods$/,
        versions: ["v1.0", "beta"],
        write: false,
        handle(ctx, version) {
            requireRole(ctx.claims, METHOD_READ);
            const u = userOr404(ctx, ctx.params[0]);
            return {
                status: 200,
                body: {
                    "@odata.context": `${ctx.origin}/${version}/$metadata#users('${u.id}')/authentication/methods`,
                    value: listedMethods(u),
                },
            };
        },
    },
    {
        method: "GET",
        pattern: /^\/users$/,
        versions: ["v1.0", "beta"],
        write: false,
        query: USERS_QUERY,
        units: (ctx) => listUnits(ctx, 2),
        handle(ctx, version) {
            requireRole(ctx.claims, USER_READ);
            const fields = select(ctx, version, DEFAULT_USER_SELECT, Object.keys(USERS_QUERY.selectObserved ?? {}));
            const mfa = perUserMfaOnList(ctx, fields);
            const count = (ctx.req.url.searchParams.get("$count") ?? "").toLowerCase() === "true";
            if (count && !hasEventual(ctx.req)) {
                throw needsAdvanced("Query option '$count' on 'users'");
            }
            const all = dir(ctx).userList();
            const users = ctx.req.url.searchParams.has("$filter")
                ? all.filter(filterOf<UserRecord>(ctx.req, USERS_QUERY))
                : (all as UserRecord[]);
            const listed = mfa ? fields.filter((f) => f !== "perUserMfaState") : fields;
            const base = shaper(listed, version);
            const render = mfa ? (u: UserRecord) => Object.assign(base(u), mfa(u)) : base;
            // Without $select the context names the entity set; with it, the selected properties (user-list.md examples).
            const answer = page(
                ctx,
                version,
                users,
                render,
                ctx.req.url.searchParams.has("$select") ? `users(${fields.join(",")})` : "users",
            );
            if (count) {
                answer.body = { "@odata.context": answer.body["@odata.context"], "@odata.count": users.length, ...answer.body };
            }
            return answer;
        },
    },
    {
        method: "GET",
        pattern: /^\/users\/([^/]+)$/,
        versions: ["v1.0", "beta"],
        write: false,
        entity: "user",
        query: USER_QUERY,
        units: (ctx) => listUnits(ctx, 1),
        handle(ctx, version) {
            requireRole(ctx.claims, USER_READ);
            const u = userOr404(ctx, ctx.params[0]);
            const fields = select(ctx, version);
            // user-get.md examples: $metadata#users/$entity, or users(<selected>)/$entity with $select.
            const context = ctx.req.url.searchParams.has("$select") ? `users(${fields.join(",")})/$entity` : "users/$entity";
            return {
                status: 200,
                body: { "@odata.context": `${ctx.origin}/${version}/$metadata#${context}`, ...shape(u, fields, version) },
            };
        },
    },
    {
        // GET /users/{id}/manager (docs-contrib api-reference/v1.0/api/user-list-manager.md): "If no
        // manager is assigned to the user, the method returns a 404 Not Found error code." The emulator
        // models no managers, so every user answers 404 as a user without one does.
        method: "GET",
        pattern: /^\/users\/([^/]+)\/manager$/,
        versions: ["v1.0", "beta"],
        write: false,
        handle(ctx) {
            requireRole(ctx.claims, USER_READ);
            userOr404(ctx, ctx.params[0]);
            throw new GraphHttpError(
                404,
                "Request_ResourceNotFound",
                "Resource 'manager' does not exist or one of its queried reference-property objects are not present.",
            );
        },
    },
    {
        // GET /groups/$count (group-list.md example 3): plain-text count; $count is an advanced query,
        // so the ConsistencyLevel: eventual header is needed (aad-advanced-queries.md).
        method: "GET",
        pattern: /^\/groups\/\$count$/,
        versions: ["v1.0", "beta"],
        write: false,
        query: GROUP_COUNT_QUERY,
        handle(ctx) {
            requireRole(ctx.claims, GROUP_LIST);
            if (!hasEventual(ctx.req)) {
                throw needsAdvanced("Count segment '$count' on 'groups'");
            }
            const n = [...dir(ctx).groups.values()].filter(filterOf<GroupRecord>(ctx.req, GROUP_COUNT_QUERY)).length;
            return { status: 200, headers: { "Content-Type": "text/plain" }, body: String(n) };
        },
    },
    {
        // GET /groups (docs-contrib api-reference/v1.0/api/group-list.md): default page 100, max 999;
        // $select over microsoft.graph.group; $filter on displayName (and id); $count=true with
        // ConsistencyLevel: eventual gives @odata.count. $skip is refused ("$skip isn't supported");
        // $search, $orderby and $expand are not modelled and refused (stricter).
        method: "GET",
        pattern: /^\/groups$/,
        versions: ["v1.0", "beta"],
        write: false,
        query: GROUPS_QUERY,
        handle(ctx, version) {
            requireRole(ctx.claims, GROUP_LIST);
            const q = ctx.req.url.searchParams;
            const count = (q.get("$count") ?? "").toLowerCase();
            if (count === "true" && !hasEventual(ctx.req)) {
                throw needsAdvanced("Query option '$count' on 'groups'");
            }
            const fields = groupSelect(ctx);
            const groups = [...dir(ctx).groups.values()]
                .filter(filterOf<GroupRecord>(ctx.req, GROUPS_QUERY))
                .sort((a, b) => a.id.localeCompare(b.id));
            const context = q.has("$select") ? `groups(${fields.join(",")})` : "groups";
            const answer = page(ctx, version, groups, (g) => groupShape(g, fields), context);
            if (count === "true") {
                answer.body = { "@odata.context": answer.body["@odata.context"], "@odata.count": groups.length, ...answer.body };
            }
            return answer;
        },
    },
    {
        method: "GET",
        pattern: /^\/groups\/([^/]+)$/,
        versions: ["v1.0", "beta"],
        write: false,
        query: GROUP_QUERY,
        handle(ctx, version) {
            requireRole(ctx.claims, GROUP_READ);
            const g = dir(ctx).group(ctx.params[0]);
            if (!g) {
                throw notFound(ctx.params[0]);
            }
            // group-get.md example 1 ("includes only the default properties"): the list's default set;
            // example 2: $select names the properties, and the context names them: groups(a,b)/$entity.
            const fields = groupSelect(ctx);
            const context = ctx.req.url.searchParams.has("$select") ? `groups(${fields.join(",")})/$entity` : "groups/$entity";
            return { status: 200, body: { "@odata.context": `${ctx.origin}/${version}/$metadata#${context}`, ...groupShape(g, fields) } };
        },
    },
    {
        method: "GET",
        pattern: /^\/groups\/([^/]+)\/transitiveMembers(\/microsoft\.graph\.user)?$/,
        versions: ["v1.0", "beta"],
        write: false,
        query: TRANSITIVE_QUERY,
        // throttling-limits.md: GET groups/{id}/transitiveMembers costs 5 resource units.
        units: (ctx) => listUnits(ctx, 5),
        handle(ctx, version) {
            requireRole(ctx.claims, GROUP_READ);
            const cast = ctx.params[1] !== undefined;
            const advanced = isAdvancedQuery(ctx.req);
            if ((ctx.req.url.searchParams.get("$count") ?? "").toLowerCase() === "true" && !hasEventual(ctx.req)) {
                throw needsAdvanced("Query option '$count' on 'transitiveMembers'");
            }
            if (cast && !advanced) {
                // An OData cast on a transitive members list is an advanced query: it needs the
                // ConsistencyLevel: eventual header and $count=true, or Graph answers 400
                // Request_UnsupportedQuery. Source: docs-contrib concepts/aad-advanced-queries.md ("Use of
                // OData cast with transitive members list" among the queries that need advanced query
                // parameters; "If a property or query parameter in the URL is supported only in advanced
                // queries but either the ConsistencyLevel header or the $count=true query string is
                // missing, the request returns an error", with the Request_UnsupportedQuery wording used
                // here) and api-reference/v1.0/api/group-list-transitivemembers.md (its cast examples send
                // both). Graph's exact sentence for a cast is not documented; the wording of its endsWith
                // example is adapted.
                throw new GraphHttpError(
                    400,
                    "Request_UnsupportedQuery",
                    "OData cast 'microsoft.graph.user' on 'transitiveMembers' is not supported because the required " +
                        "parameters might be missing. " +
                        "Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to " +
                        "https://aka.ms/graph-docs/advanced-queries for more information",
                );
            }
            if (!dir(ctx).group(ctx.params[0])) {
                throw notFound(ctx.params[0]);
            }
            const fields = select(ctx, version);
            const users = dir(ctx).transitiveUsers(ctx.params[0]);
            // group-list-transitivemembers.md examples: $metadata#directoryObjects, or #users for the cast.
            const answer = page(
                ctx,
                version,
                users,
                (u) => ({ "@odata.type": "#microsoft.graph.user", ...shape(u, fields, version) }),
                cast ? "users" : "directoryObjects",
            );
            if (advanced) {
                // With the advanced query parameters the count comes back (aad-advanced-queries.md).
                answer.body = { "@odata.context": answer.body["@odata.context"], "@odata.count": users.length, ...answer.body };
            }
            return answer;
        },
    },
    {
        method: "GET",
        pattern: /^\/users\/([^/]+)\/authentication\/requirements$/,
        versions: ["beta"],
        write: false,
        entity: "strongAuthenticationRequirements",
        handle(ctx, version) {
            requireRole(ctx.claims, MFA_READ);
            const u = userOr404(ctx, ctx.params[0]);
            return {
                status: 200,
                body: {
                    "@odata.context": `${ctx.origin}/${version}/$metadata#users('${u.id}')/authentication/requirements`,
                    perUserMfaState: u.perUserMfaState,
                },
            };
        },
    },
    {
        method: "PATCH",
        pattern: /^\/users\/([^/]+)\/authentication\/requirements$/,
        versions: ["beta"],
        write: true,
        entity: "strongAuthenticationRequirements",
        audit: perUserMfaAudit((ctx) => dir(ctx).user(ctx.params[0])),
        handle(ctx) {
            requireRole(ctx.claims, MFA_WRITE);
            const u = userOr404(ctx, ctx.params[0]);
            const body = jsonBody(ctx.req);
            for (const key of Object.keys(body)) {
                if (key !== "perUserMfaState" && !key.startsWith("@odata.")) {
                    throw new GraphHttpError(
                        400,
                        "BadRequest",
                        `Invalid property '${key}' on type 'microsoft.graph.strongAuthenticationRequirements'.`,
                    );
                }
            }
            const state = body.perUserMfaState;
            if (typeof state !== "string" || !MFA_STATES.includes(state)) {
                throw new GraphHttpError(400, "BadRequest", `Requested value '${String(state)}' was not found.`);
            }
            // The state is the one the administrator sets (entra-docs
            // docs/identity/authentication/howto-mfa-userstates.md: "Administrators may move users between
            // states, including from Enforced to Enabled or Disabled"; "If per-user MFA is re-enabled on a
            // user and the user doesn't re-register, their MFA state doesn't transition from Enabled to
            // Enforced ... The administrator must move the user directly to Enforced"). Only completing a
            // registration while Enabled moves a user to Enforced ("Users who complete registration while
            // in the Enabled state are automatically moved to the Enforced state"), which the emulator
            // models where a user registers a method (server.ts, POST /_emulator/users/{id}/methods).
            const effective = state as PerUserMfaState;
            if (u.perUserMfaState !== effective) {
                // A tenant whose user list lags writes (perUserMfaListLagMs) shows the old state there for a while.
                dir(ctx).lagListedPerUserMfaState(u.id, u.perUserMfaState, ctx.tenant.perUserMfaListLagMs ?? 0);
                dir(ctx).updateUser(u.id, { perUserMfaState: effective });
            }
            return { status: 204 };
        },
    },
];
