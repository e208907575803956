import type { GroupRecord, PerUserMfaState, UserRecord } from "../directory";
import { GraphHttpError, jsonBody } from "../http";
import { requireRole } from "../identity";
import { loadSchema, propertiesOf } from "../schema/check";
import { perUserMfaAudit } from "./audit";
import type { Route, RouteContext } from "./routes";
import { METHOD_READ, listedMethods } from "./userMethods";

/**
 * Users, groups and per-user MFA, as Graph documents them:
 * - GET /users ($select, $filter, $top up to 999, @odata.nextLink paging), GET /users/{id|upn};
 * - GET /groups ($select over microsoft.graph.group, $filter on displayName/id, $top up to 999, paging,
 *   $count and /groups/$count with ConsistencyLevel: eventual; group-list.md);
 * - GET /groups/{id}, GET /groups/{id}/transitiveMembers[/microsoft.graph.user] (paged); the cast is an
 *   advanced query (ConsistencyLevel: eventual and $count=true, else 400 Request_UnsupportedQuery);
 * - GET/PATCH /beta/users/{id|upn}/authentication/requirements (perUserMfaState), where a user set
 *   to `enabled` who already has a method registered is `enforced`, and one who registers later
 *   flips from `enabled` to `enforced`.
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
    "id", "deletedDateTime", "classification", "createdDateTime", "description", "displayName", "expirationDateTime", "groupTypes",
    "isAssignableToRole", "mail", "mailEnabled", "mailNickname", "membershipRule", "membershipRuleProcessingState", "onPremisesLastSyncDateTime",
    "onPremisesSecurityIdentifier", "onPremisesSyncEnabled", "preferredDataLocation", "preferredLanguage", "proxyAddresses", "renewedDateTime",
    "resourceBehaviorOptions", "resourceProvisioningOptions", "securityEnabled", "theme", "visibility", "onPremisesProvisioningErrors",
];
/** group-list.md: "The hasMembersWithLicenseErrors and isArchived properties are an exception and are not returned in the $select query." */
const NOT_SELECTABLE = ["hasMembersWithLicenseErrors", "isArchived"];
/** Query options group-list.md lists ($skip "isn't supported"); $skiptoken is what its own nextLink carries. */
const GROUP_LIST_OPTIONS = ["$count", "$expand", "$filter", "$orderby", "$search", "$select", "$top", "$skiptoken"];
const MFA_READ = ["Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"];
const MFA_WRITE = ["Policy.ReadWrite.AuthenticationMethod"];
const USER_FIELDS = ["id", "userPrincipalName", "displayName", "userType", "accountEnabled", "mail", "signInSessionsValidFromDateTime"] as const;
const DEFAULT_USER_SELECT = ["id", "userPrincipalName", "displayName", "mail"];
const MFA_STATES: readonly string[] = ["disabled", "enabled", "enforced"];

function notFound(ref: string): GraphHttpError {
    return new GraphHttpError(404, "Request_ResourceNotFound", `Resource '${ref}' does not exist or one of its queried reference-property objects are not present.`);
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
function select(ctx: RouteContext, version: string): string[] {
    const raw = ctx.req.url.searchParams.get("$select");
    if (!raw) {
        return DEFAULT_USER_SELECT;
    }
    const known = userProperties(version);
    const fields = raw.split(",").map((f) => f.trim()).filter(Boolean);
    for (const f of fields) {
        if (!known[f]) {
            throw new GraphHttpError(400, "Request_BadRequest", `Could not find a property named '${f}' on type 'microsoft.graph.user'.`);
        }
    }
    return fields;
}

function userProperties(version: string): Record<string, { type: string }> {
    return propertiesOf(loadSchema(version === "beta" ? "beta" : "v1.0"), "user");
}

function shape(u: UserRecord, fields: string[], version = "v1.0"): Record<string, unknown> {
    const props = userProperties(version);
    const out: Record<string, unknown> = {};
    for (const f of fields) {
        const modelled = (USER_FIELDS as readonly string[]).includes(f) ? (u as any)[f] : undefined;
        out[f] = modelled ?? (props[f]?.type.startsWith("Collection(") ? [] : null);
    }
    return out;
}

/** A small $filter: `prop eq 'v'`, `prop eq true`, `prop in ('a','b')`, `startswith(prop,'v')`, joined by `and`. */
function userFilter(expr: string | null): (u: UserRecord) => boolean {
    if (!expr) {
        return () => true;
    }
    const clauses = expr.split(/\s+and\s+/i).map((c) => c.trim());
    const tests = clauses.map((c): ((u: UserRecord) => boolean) => {
        let m = /^(\w+)\s+eq\s+'((?:[^']|'')*)'$/i.exec(c);
        if (m) {
            const [, prop, v] = m;
            const want = v.replace(/''/g, "'").toLowerCase();
            return (u) => String((u as any)[prop] ?? "").toLowerCase() === want;
        }
        m = /^(\w+)\s+eq\s+(true|false)$/i.exec(c);
        if (m) {
            const [, prop, v] = m;
            return (u) => (u as any)[prop] === (v.toLowerCase() === "true");
        }
        m = /^(\w+)\s+in\s+\((.*)\)$/i.exec(c);
        if (m) {
            const values = new Set([...m[2].matchAll(/'((?:[^']|'')*)'/g)].map((x) => x[1].replace(/''/g, "'").toLowerCase()));
            const prop = m[1];
            return (u) => values.has(String((u as any)[prop] ?? "").toLowerCase());
        }
        m = /^startswith\((\w+),\s*'((?:[^']|'')*)'\)$/i.exec(c);
        if (m) {
            const prop = m[1];
            const v = m[2].replace(/''/g, "'").toLowerCase();
            return (u) => String((u as any)[prop] ?? "").toLowerCase().startsWith(v);
        }
        throw new GraphHttpError(400, "Request_UnsupportedQuery", `Unsupported or invalid query filter clause specified for property or operator: '${c}'.`);
    });
    for (const c of clauses) {
        const prop = /^(?:startswith\()?(\w+)/i.exec(c)?.[1];
        if (prop && !(USER_FIELDS as readonly string[]).includes(prop)) {
            throw new GraphHttpError(400, "Request_UnsupportedQuery", `Unsupported or invalid query filter clause specified for property '${prop}' of resource 'User'.`);
        }
    }
    return (u) => tests.every((t) => t(u));
}

/** Pages a list as Graph does: $top (1..999, default 100), an opaque $skiptoken in @odata.nextLink. */
function page<T>(ctx: RouteContext, version: string, items: T[], render: (t: T) => unknown, context: string) {
    const topRaw = ctx.req.url.searchParams.get("$top");
    const top = topRaw === null ? 100 : Number(topRaw);
    if (!Number.isInteger(top) || top < 1 || top > 999) {
        throw new GraphHttpError(400, "Request_BadRequest", `Invalid page size specified: '${topRaw}'. Must be between 1 and 999 inclusive.`);
    }
    const token = ctx.req.url.searchParams.get("$skiptoken");
    const offset = token ? Number(Buffer.from(token, "base64url").toString("utf8").replace(/^o:/, "")) : 0;
    if (!Number.isInteger(offset) || offset < 0) {
        throw new GraphHttpError(400, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.");
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
 * The advanced query parameters: the ConsistencyLevel: eventual header and $count=true
 * (docs-contrib concepts/aad-advanced-queries.md). Inside $batch the header travels in the item's
 * headers (same page: "specify the ConsistencyLevel header in the JSON body of the POST request").
 */
function advancedQuery(ctx: RouteContext): boolean {
    const level = ctx.req.headers["consistencylevel"];
    const eventual = (Array.isArray(level) ? level : [level]).some((v) => typeof v === "string" && v.trim().toLowerCase() === "eventual");
    return eventual && (ctx.req.url.searchParams.get("$count") ?? "").toLowerCase() === "true";
}


/** microsoft.graph.group in Graph's v1.0 metadata (emulator/schema/v1.0.additions.json; the vendored beta schema has no group, so v1.0's serves both). */
function groupProperties(): Record<string, { type: string }> {
    return propertiesOf(loadSchema("v1.0"), "group");
}

function groupSelect(ctx: RouteContext): string[] {
    const raw = ctx.req.url.searchParams.get("$select");
    if (!raw) {
        return DEFAULT_GROUP_SELECT;
    }
    const known = groupProperties();
    const fields = raw.split(",").map((f) => f.trim()).filter(Boolean);
    for (const f of fields) {
        if (!known[f]) {
            throw new GraphHttpError(400, "Request_BadRequest", `Could not find a property named '${f}' on type 'microsoft.graph.group'.`);
        }
    }
    return fields.filter((f) => !NOT_SELECTABLE.includes(f));
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

/** The advanced-query refusal (aad-advanced-queries.md: the header or $count=true missing). */
function needsAdvanced(what: string): GraphHttpError {
    return new GraphHttpError(
        400,
        "Request_UnsupportedQuery",
        `${what} is not supported because the required parameters might be missing. ` +
            "Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
    );
}

function hasEventualHeader(ctx: RouteContext): boolean {
    const level = ctx.req.headers["consistencylevel"];
    return (Array.isArray(level) ? level : [level]).some((v) => typeof v === "string" && v.trim().toLowerCase() === "eventual");
}

/**
 * $filter on groups: `displayName eq 'x'`, `startswith(displayName,'x')`, `displayName in ('a','b')`
 * and `id eq` / `id in`, joined by `and` (group-list.md, resources/group.md: displayName supports
 * eq, in, startsWith; id eq, in). Every other property or operator is refused with Graph's 400
 * Request_UnsupportedQuery: the filters Graph has on other group properties are not modelled (the
 * stricter model), and ne/not/endsWith are advanced queries (aad-advanced-queries.md), refused
 * without ConsistencyLevel: eventual and $count=true and not modelled with them.
 */
function groupFilter(ctx: RouteContext): (g: GroupRecord) => boolean {
    const expr = ctx.req.url.searchParams.get("$filter");
    if (!expr) {
        return () => true;
    }
    const lit = (v: string) => v.replace(/''/g, "'").toLowerCase();
    // `and` outside quoted literals (a display name may contain " and ").
    const tests = expr.split(/\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)/i).map((raw): ((g: GroupRecord) => boolean) => {
        const c = raw.trim().replace(/^\((.*)\)$/, "$1").trim();
        let m = /^(displayName|id)\s+eq\s+'((?:[^']|'')*)'$/i.exec(c);
        if (m) {
            const prop = m[1].toLowerCase() === "id" ? "id" : "displayName";
            const want = lit(m[2]);
            return (g) => String((g as any)[prop]).toLowerCase() === want;
        }
        m = /^(displayName|id)\s+in\s+\((.*)\)$/i.exec(c);
        if (m) {
            const prop = m[1].toLowerCase() === "id" ? "id" : "displayName";
            const values = new Set([...m[2].matchAll(/'((?:[^']|'')*)'/g)].map((x) => lit(x[1])));
            return (g) => values.has(String((g as any)[prop]).toLowerCase());
        }
        m = /^startswith\(\s*displayName\s*,\s*'((?:[^']|'')*)'\s*\)$/i.exec(c);
        if (m) {
            const want = lit(m[1]);
            return (g) => g.displayName.toLowerCase().startsWith(want);
        }
        if (/^(endswith\(|not\s|\w+\s+ne\s)/i.test(c) && !advancedQuery(ctx)) {
            throw needsAdvanced(`Operator in filter clause '${c}'`);
        }
        const prop = /^(?:\w+\()?\s*(\w+(?:\/\w+)?)/.exec(c)?.[1] ?? c;
        throw new GraphHttpError(400, "Request_UnsupportedQuery", `Unsupported or invalid query filter clause specified for property '${prop}' of resource 'Group'.`);
    });
    return (g) => tests.every((t) => t(g));
}

const selectDiscount = (ctx: RouteContext, base: number) => Math.max(1, base - (ctx.req.url.searchParams.has("$select") ? 1 : 0));

export const directoryRoutes: Route[] = [
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
                body: { "@odata.context": `${ctx.origin}/${version}/$metadata#users('${u.id}')/authentication/methods`, value: listedMethods(u) },
            };
        },
    },
    {
        method: "GET",
        pattern: /^\/users$/,
        versions: ["v1.0", "beta"],
        write: false,
        units: (ctx) => selectDiscount(ctx, 2),
        handle(ctx, version) {
            requireRole(ctx.claims, USER_READ);
            const fields = select(ctx, version);
            const keep = userFilter(ctx.req.url.searchParams.get("$filter"));
            const users = [...dir(ctx).users.values()].filter(keep);
            return page(ctx, version, users, (u) => shape(u, fields, version), `users(${fields.join(",")})`);
        },
    },
    {
        method: "GET",
        pattern: /^\/users\/([^/]+)$/,
        versions: ["v1.0", "beta"],
        write: false,
        entity: "user",
        units: (ctx) => selectDiscount(ctx, 2),
        handle(ctx, version) {
            requireRole(ctx.claims, USER_READ);
            const u = userOr404(ctx, ctx.params[0]);
            return { status: 200, body: { "@odata.context": `${ctx.origin}/${version}/$metadata#users/$entity`, ...shape(u, select(ctx, version), version) } };
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
            throw new GraphHttpError(404, "Request_ResourceNotFound", "Resource 'manager' does not exist or one of its queried reference-property objects are not present.");
        },
    },
    {
        // GET /groups/$count (group-list.md example 3): plain-text count; $count is an advanced query,
        // so the ConsistencyLevel: eventual header is needed (aad-advanced-queries.md).
        method: "GET",
        pattern: /^\/groups\/\$count$/,
        versions: ["v1.0", "beta"],
        write: false,
        handle(ctx) {
            requireRole(ctx.claims, GROUP_LIST);
            if (!hasEventualHeader(ctx)) {
                throw needsAdvanced("Count segment '$count' on 'groups'");
            }
            const n = [...dir(ctx).groups.values()].filter(groupFilter(ctx)).length;
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
        handle(ctx, version) {
            requireRole(ctx.claims, GROUP_LIST);
            const q = ctx.req.url.searchParams;
            for (const key of q.keys()) {
                const option = key.toLowerCase();
                if (option === "$skip") {
                    throw new GraphHttpError(400, "Request_BadRequest", "'$skip' is not supported by the service.");
                }
                if (option.startsWith("$") && !GROUP_LIST_OPTIONS.includes(option)) {
                    throw new GraphHttpError(400, "Request_BadRequest", `Query option '${key}' is not supported.`);
                }
                if (["$search", "$orderby", "$expand"].includes(option)) {
                    throw new GraphHttpError(400, "Request_BadRequest", `The emulator does not model '${key}' on /groups.`);
                }
            }
            const count = (q.get("$count") ?? "").toLowerCase();
            if (count !== "" && count !== "true" && count !== "false") {
                throw new GraphHttpError(400, "Request_BadRequest", `Invalid value '${q.get("$count")}' for $count; expected true or false.`);
            }
            if (count === "true" && !hasEventualHeader(ctx)) {
                throw needsAdvanced("Query option '$count' on 'groups'");
            }
            const fields = groupSelect(ctx);
            const groups = [...dir(ctx).groups.values()].filter(groupFilter(ctx)).sort((a, b) => a.id.localeCompare(b.id));
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
        handle(ctx, version) {
            requireRole(ctx.claims, GROUP_READ);
            const g = dir(ctx).group(ctx.params[0]);
            if (!g) {
                throw notFound(ctx.params[0]);
            }
            return { status: 200, body: { "@odata.context": `${ctx.origin}/${version}/$metadata#groups/$entity`, id: g.id, displayName: g.displayName } };
        },
    },
    {
        method: "GET",
        pattern: /^\/groups\/([^/]+)\/transitiveMembers(\/microsoft\.graph\.user)?$/,
        versions: ["v1.0", "beta"],
        write: false,
        handle(ctx, version) {
            requireRole(ctx.claims, GROUP_READ);
            const cast = ctx.params[1] !== undefined;
            const advanced = advancedQuery(ctx);
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
                    "OData cast 'microsoft.graph.user' on 'transitiveMembers' is not supported because the required parameters might be missing. " +
                        "Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
                );
            }
            if (!dir(ctx).group(ctx.params[0])) {
                throw notFound(ctx.params[0]);
            }
            const fields = select(ctx, version);
            const users = dir(ctx).transitiveUsers(ctx.params[0]);
            const answer = page(ctx, version, users, (u) => ({ "@odata.type": "#microsoft.graph.user", ...shape(u, fields, version) }), "users");
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
                body: { "@odata.context": `${ctx.origin}/${version}/$metadata#users('${u.id}')/authentication/requirements`, perUserMfaState: u.perUserMfaState },
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
                    throw new GraphHttpError(400, "BadRequest", `Invalid property '${key}' on type 'microsoft.graph.strongAuthenticationRequirements'.`);
                }
            }
            const state = body.perUserMfaState;
            if (typeof state !== "string" || !MFA_STATES.includes(state)) {
                throw new GraphHttpError(400, "BadRequest", `Requested value '${String(state)}' was not found.`);
            }
            // Enabled means "register at next sign-in"; a user who has already registered is enforced.
            const effective: PerUserMfaState = state === "enabled" && u.methods.length > 0 ? "enforced" : (state as PerUserMfaState);
            if (u.perUserMfaState !== effective) {
                dir(ctx).updateUser(u.id, { perUserMfaState: effective });
            }
            return { status: 204 };
        },
    },
];
