import type { PerUserMfaState, UserRecord } from "../directory";
import { GraphHttpError, jsonBody } from "../http";
import { requireRole } from "../identity";
import { loadSchema, propertiesOf } from "../schema/check";
import type { Route, RouteContext } from "./routes";
import { METHOD_READ, listedMethods } from "./userMethods";

/**
 * Users, groups and per-user MFA, as Graph documents them:
 * - GET /users ($select, $filter, $top up to 999, @odata.nextLink paging), GET /users/{id|upn};
 * - GET /groups/{id}, GET /groups/{id}/transitiveMembers[/microsoft.graph.user] (paged); the cast is an
 *   advanced query (ConsistencyLevel: eventual and $count=true, else 400 Request_UnsupportedQuery);
 * - GET/PATCH /beta/users/{id|upn}/authentication/requirements (perUserMfaState), where a user set
 *   to `enabled` who already has a method registered is `enforced`, and one who registers later
 *   flips from `enabled` to `enforced`.
 */
const USER_READ = ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
const GROUP_READ = ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"];
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
