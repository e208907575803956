import { type Answer, type EmuRequest, GraphHttpError, errorAnswer, graphErrorBody, headerValue } from "../http";
import type { Identity } from "../identity";
import type { Store, TenantState } from "../store";
import type { Throttle } from "../throttle";
import { auditLogRoutes } from "./auditLogs";
import { authenticationMethodsPolicyRoutes } from "./authenticationMethodsPolicy";
import { authenticationStrengthRoutes } from "./authenticationStrengths";
import { conditionalAccessRoutes } from "./conditionalAccess";
import { directoryRoutes } from "./directory";
import { directoryRoleRoutes } from "./directoryRoles";
import { checkQuery } from "./query";
import { reportRoutes } from "./reports";
import type { Route } from "./routes";
import { securityDefaultsRoutes } from "./securityDefaults";
import { userMethodRoutes } from "./userMethods";

/** Every Graph route the emulator serves (the dispatcher's table). */
export const GRAPH_ROUTES: Route[] = [
    ...securityDefaultsRoutes,
    ...directoryRoutes,
    ...reportRoutes,
    ...authenticationMethodsPolicyRoutes,
    ...conditionalAccessRoutes,
    ...authenticationStrengthRoutes,
    ...userMethodRoutes,
    ...directoryRoleRoutes,
    ...auditLogRoutes,
];

export interface GraphCallDeps {
    readonly identity: Identity;
    readonly store: Store;
    readonly throttle: Throttle;
    /** https://host:port of the emulator (known once it listens). */
    origin(): string;
}

/** One Graph call (also each item of a $batch): token, route, permission, throttling, handler, audit. */
export type GraphCall = (req: EmuRequest, version: "v1.0" | "beta", rest: string) => Answer;

export function graphCall({ identity, store, throttle, origin }: GraphCallDeps): GraphCall {
    return (req, version, rest) => {
        const candidates = GRAPH_ROUTES.filter((r) => r.versions.includes(version) && matcher(r).test(rest));
        const route = candidates.find((r) => r.method === req.method);
        let appId: string | undefined;
        try {
            const claims = identity.verify(headerValue(req.headers.authorization), "graph");
            appId = claims.appid;
            if (!route) {
                if (candidates.length) {
                    throw new GraphHttpError(
                        405,
                        "Request_BadRequest",
                        `Specified HTTP method '${req.method}' is not allowed for the request target.`,
                    );
                }
                const unmodelled = UNMODELLED_ROUTES.find((u) => u.pattern.test(rest) && (!u.versions || u.versions.includes(version)));
                if (unmodelled) {
                    throw new GraphHttpError(
                        400,
                        "BadRequest",
                        `${req.method} ${rest} (${unmodelled.what}) is not modelled by the emulator; Graph serves it (` +
                            `${unmodelled.source}).`,
                    );
                }
                throw new GraphHttpError(400, "BadRequest", `Resource not found for the segment '${rest.split("/")[1] ?? ""}'.`);
            }
            const tenant = store.tenant(claims.tid)!;
            const params = matcher(route).exec(rest)!.slice(1);
            const ctx = { req, params, claims, tenant, store, origin: origin() };
            // What the route does not model is refused before anything runs (./query.ts).
            checkQuery(req, route.query, req.method, rest, version, tenant);
            const units = route.units ? route.units(ctx) : 1;
            const charge =
                route.bucket === "reports"
                    ? throttle.chargeReports(tenant.tenantId, claims.appid)
                    : route.bucket === "conditionalAccess"
                      ? throttle.chargeConditionalAccess(tenant.tenantId)
                      : throttle.charge(tenant.tenantId, claims.appid, store.directory(tenant.tenantId).userCount, units, route.write);
            if (!charge.ok) {
                // Some limits (Conditional Access) answer 429 without Retry-After, as Graph documents.
                const wait: Record<string, string> = charge.retryAfter === undefined ? {} : { "Retry-After": String(charge.retryAfter) };
                return {
                    response: {
                        status: 429,
                        headers: { ...charge.headers, ...wait },
                        body: graphErrorBody(
                            req,
                            "TooManyRequests",
                            charge.retryAfter === undefined
                                ? "Too many requests."
                                : "Too many requests. Please retry after the time in the Retry-After header.",
                        ),
                    },
                    appId,
                    write: false,
                };
            }
            let before: unknown;
            try {
                before = route.audit?.before?.(ctx);
            } catch {
                before = undefined; // the handler answers the error (an unknown object, say)
            }
            const response = route.handle(ctx, version);
            if (route.audit && response.status >= 200 && response.status < 300) {
                const draft = route.audit.entry(ctx, before, response);
                if (draft) {
                    store.auditLog(tenant.tenantId).record(draft, initiator(tenant, claims.appid));
                }
            }
            response.headers = { ...charge.headers, ...(response.headers ?? {}) };
            return { response, appId, write: route.write, version, entity: route.entity };
        } catch (err) {
            return errorAnswer(req, err, appId);
        }
    };
}

/**
 * Who made a change, for the audit log: the token's app (directoryaudit-list.md: initiatedBy has
 * `app` or `user`; an app-only token has no user), by its app id, display name and service principal.
 */
function initiator(tenant: TenantState, appId: string) {
    const app = tenant.apps.find((a) => a.appId === appId);
    return {
        app: { appId, displayName: app?.displayName ?? appId, servicePrincipalId: app?.objectId ?? appId, servicePrincipalName: null },
        user: null,
    };
}

/**
 * A route's pattern, matched case-insensitively: Graph's path segments are (group-list-transitivemembers.md
 * itself writes /transitivemembers/ in its example 3 request).
 */
const matchers = new Map<Route, RegExp>();
function matcher(route: Route): RegExp {
    let m = matchers.get(route);
    if (!m) {
        m = route.pattern.flags.includes("i") ? route.pattern : new RegExp(route.pattern.source, `${route.pattern.flags}i`);
        matchers.set(route, m);
    }
    return m;
}

/**
 * Paths Graph serves that the emulator does not: answered 400 "not modelled by the emulator" instead of
 * the "Resource not found for the segment" of a path Graph does not have, so a test never mistakes one
 * for the other. Each names the page that documents the route.
 */
const UNMODELLED_ROUTES: readonly { pattern: RegExp; what: string; source: string; versions?: readonly string[] }[] = [
    {
        pattern: /^\/groups\/[^/]+\/transitiveMembers\/microsoft\.graph\.(?!user$)\w+$/i,
        what: "an OData cast of transitiveMembers to a type other than microsoft.graph.user",
        source: "docs-contrib api-reference/v1.0/api/group-list-transitivemembers.md, example 3",
    },
    {
        pattern: /^\/groups\/[^/]+\/members(\/.*)?$/i,
        what: "a group's direct members",
        source: "docs-contrib api-reference/v1.0/api/group-list-members.md",
    },
    {
        pattern: /^\/users\/[^/]+\/authentication\/signInPreferences$/i,
        what: "a user's sign-in preferences (system-preferred MFA)",
        source: "docs-contrib api-reference/beta/api/authentication-get.md and authentication-update.md, example 1",
        versions: ["beta"],
    },
    {
        pattern: /^\/users\/[^/]+\/(memberOf|transitiveMemberOf)(\/.*)?$/i,
        what: "a user's group memberships",
        source: "docs-contrib api-reference/v1.0/api/user-list-memberof.md",
    },
];
