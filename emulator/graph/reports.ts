import type { UserRecord } from "../directory";
import { GraphHttpError } from "../http";
import { requireRole } from "../identity";
import type { SignInRecord } from "../signIns";
import type { Route, RouteContext } from "./routes";

/**
 * Sign-in logs and the authentication methods registration report, as Graph documents them:
 * - both need Microsoft Entra ID P1: a free tenant gets 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant;
 * - AuditLog.Read.All; sign-ins kept 30 days; newest first; $top up to 1,000 with @odata.nextLink;
 * - $filter on createdDateTime (ge/le/gt/lt), clientAppUsed and userPrincipalName (eq/in), joined by `and`;
 * - throttled as reports are (5 requests per 10 s per app per tenant; see server.ts);
 * - only the query options each endpoint documents: signIns $top, $skiptoken, $filter; the registration
 *   report $filter and $orderby (paged by its own nextLink); anything else is a 400 BadRequest.
 */
const READ = ["AuditLog.Read.All"];
const RETENTION_DAYS = 30;

function requireP1(ctx: RouteContext) {
    if (ctx.tenant.entraIdP1 === false) {
        throw new GraphHttpError(
            403,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
        );
    }
}

type Predicate<T> = (x: T) => boolean;

/** Parses `a op value and b op value ...` for the given fields; anything else is Graph's 400. */
function filter<T>(expr: string | null, fields: Record<string, (x: T) => unknown>): Predicate<T> {
    if (!expr) {
        return () => true;
    }
    const tests = expr.split(/\s+and\s+/i).map((clause): Predicate<T> => {
        const c = clause.trim().replace(/^\((.*)\)$/, "$1");
        const m = /^(\w+)\s+(eq|ne|ge|le|gt|lt|in)\s+(.+)$/i.exec(c);
        if (!m || !fields[m[1]]) {
            throw new GraphHttpError(400, "BadRequest", `Invalid filter clause: '${clause}'.`);
        }
        const get = fields[m[1]];
        const op = m[2].toLowerCase();
        const raw = m[3].trim();
        const literal = (v: string): unknown => {
            const q = /^'((?:[^']|'')*)'$/.exec(v);
            if (q) return q[1].replace(/''/g, "'");
            if (/^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
            if (/^\d{4}-\d\d-\d\dT/.test(v)) {
                const t = Date.parse(v);
                if (Number.isNaN(t)) throw new GraphHttpError(400, "BadRequest", `Invalid date '${v}' in filter.`);
                return t;
            }
            throw new GraphHttpError(400, "BadRequest", `Invalid literal '${v}' in filter.`);
        };
        const norm = (v: unknown) => (typeof v === "string" ? v.toLowerCase() : v);
        if (op === "in") {
            const values = new Set([...raw.matchAll(/'((?:[^']|'')*)'/g)].map((x) => x[1].replace(/''/g, "'").toLowerCase()));
            return (x) => values.has(String(get(x)).toLowerCase());
        }
        const want = literal(raw);
        switch (op) {
            case "eq":
                return (x) => norm(get(x)) === norm(want);
            case "ne":
                return (x) => norm(get(x)) !== norm(want);
            case "ge":
                return (x) => (get(x) as number) >= (want as number);
            case "le":
                return (x) => (get(x) as number) <= (want as number);
            case "gt":
                return (x) => (get(x) as number) > (want as number);
            default:
                return (x) => (get(x) as number) < (want as number);
        }
    });
    return (x) => tests.every((t) => t(x));
}

/**
 * Refuses every system query option the endpoint does not document, with a 400 BadRequest in Graph's
 * error body. Where Microsoft documents the supported options but not the answer to others, refusing is
 * the stricter (safe) model, so a client that depends on an undocumented option fails here and not on
 * a real tenant; the message is the wording of Microsoft's OData services for a query option they do
 * not allow (not documented for these endpoints). $skiptoken is what the endpoint's own
 * @odata.nextLink carries (docs-contrib concepts/paging.md) and is accepted on every paged report.
 */
export function onlyQueryOptions(ctx: RouteContext, allowed: readonly string[]): void {
    for (const key of ctx.req.url.searchParams.keys()) {
        const option = key.toLowerCase();
        if (!option.startsWith("$")) {
            continue;
        }
        if (!allowed.includes(option)) {
            const name = option.slice(1).replace(/^./, (c) => c.toUpperCase());
            throw new GraphHttpError(
                400,
                "BadRequest",
                `The query specified in the URI is not valid. Query option '${name}' is not allowed. ` +
                    `To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.`,
            );
        }
    }
}

/** `$orderby=prop [asc|desc]` on the given fields (one property). */
function orderBy<T>(expr: string | null, fields: Record<string, (x: T) => unknown>): ((a: T, b: T) => number) | undefined {
    if (!expr) {
        return undefined;
    }
    const m = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(expr);
    if (!m || !fields[m[1]]) {
        throw new GraphHttpError(400, "BadRequest", `Invalid $orderby clause: '${expr}'.`);
    }
    const get = fields[m[1]];
    const sign = m[2]?.toLowerCase() === "desc" ? -1 : 1;
    return (a, b) => {
        const x = get(a) as any;
        const y = get(b) as any;
        return sign * (x === y ? 0 : typeof x === "string" ? String(x).localeCompare(String(y)) : x < y ? -1 : 1);
    };
}

/** Pages as Graph does; `takesTop` false for an endpoint whose page size is its own (no $top). */
export function paged<T>(ctx: RouteContext, version: string, items: T[], render: (t: T) => unknown, context: string, max: number, takesTop = true) {
    const topRaw = takesTop ? ctx.req.url.searchParams.get("$top") : null;
    const top = topRaw === null ? max : Number(topRaw);
    if (!Number.isInteger(top) || top < 1 || top > max) {
        throw new GraphHttpError(400, "BadRequest", `Invalid page size specified: '${topRaw}'. Must be between 1 and ${max} inclusive.`);
    }
    const token = ctx.req.url.searchParams.get("$skiptoken");
    const offset = token ? Number(Buffer.from(token, "base64url").toString("utf8").replace(/^o:/, "")) : 0;
    if (!Number.isInteger(offset) || offset < 0) {
        throw new GraphHttpError(400, "BadRequest", "The $skiptoken is not valid.");
    }
    const body: Record<string, unknown> = {
        "@odata.context": `${ctx.origin}/${version}/$metadata#${context}`,
        value: items.slice(offset, offset + top).map(render),
    };
    if (offset + top < items.length) {
        const next = new URL(`${ctx.origin}${ctx.req.path}`);
        for (const [k, v] of ctx.req.url.searchParams) {
            if (k !== "$skiptoken") next.searchParams.set(k, v);
        }
        next.searchParams.set("$skiptoken", Buffer.from(`o:${offset + top}`).toString("base64url"));
        body["@odata.nextLink"] = next.toString();
    }
    return { status: 200, body };
}

function renderSignIn(s: SignInRecord) {
    return {
        id: s.id,
        createdDateTime: s.createdDateTime,
        userDisplayName: s.userDisplayName,
        userPrincipalName: s.userPrincipalName,
        userId: s.userId,
        appId: s.appId,
        appDisplayName: s.appDisplayName,
        ipAddress: s.ipAddress,
        clientAppUsed: s.clientAppUsed,
        correlationId: s.id,
        conditionalAccessStatus: "notApplied",
        isInteractive: s.isInteractive,
        riskDetail: "none",
        riskLevelAggregated: "none",
        riskLevelDuringSignIn: "none",
        riskState: "none",
        riskEventTypes: [],
        riskEventTypes_v2: [],
        resourceDisplayName: "Office 365 Exchange Online",
        resourceId: "00000002-0000-0ff1-ce00-000000000000",
        status: { errorCode: 0, failureReason: "Other.", additionalDetails: null },
        deviceDetail: { deviceId: "", displayName: "", operatingSystem: "Windows", browser: s.isInteractive ? "Edge 130.0.0" : "", isCompliant: false, isManaged: false, trustType: "" },
        location: { city: "Redmond", state: "Washington", countryOrRegion: "US", geoCoordinates: { altitude: null, latitude: 47.68, longitude: -122.12 } },
        appliedConditionalAccessPolicies: [],
    };
}

const PASSWORDLESS = ["fido2SecurityKey", "windowsHelloForBusiness", "microsoftAuthenticatorPasswordless"];
const MFA_METHODS = ["microsoftAuthenticatorPush", "softwareOneTimePasscode", "mobilePhone", "fido2SecurityKey", "windowsHelloForBusiness", "microsoftAuthenticatorPasswordless"];

function registration(u: UserRecord) {
    const mfa = u.methods.some((m) => MFA_METHODS.includes(m));
    const preferred = u.methods.includes("microsoftAuthenticatorPush") ? "push" : u.methods.includes("mobilePhone") ? "sms" : u.methods.includes("softwareOneTimePasscode") ? "oath" : "none";
    return {
        id: u.id,
        userPrincipalName: u.userPrincipalName,
        userDisplayName: u.displayName,
        userType: u.userType === "Guest" ? "guest" : "member",
        isAdmin: u.roles.length > 0,
        isSsprRegistered: mfa,
        isSsprEnabled: true,
        isSsprCapable: mfa && u.accountEnabled,
        isMfaRegistered: mfa,
        isMfaCapable: mfa && u.accountEnabled,
        isPasswordlessCapable: u.methods.some((m) => PASSWORDLESS.includes(m)),
        isSystemPreferredAuthenticationMethodEnabled: true,
        methodsRegistered: [...u.methods],
        systemPreferredAuthenticationMethods: mfa ? [u.methods.includes("fido2SecurityKey") ? "Fido2" : "PushNotification"] : [],
        userPreferredMethodForSecondaryAuthentication: preferred,
        lastUpdatedDateTime: "2026-11-01T08:00:00Z",
    };
}

export const reportRoutes: Route[] = [
    {
        method: "GET",
        pattern: /^\/auditLogs\/signIns$/,
        versions: ["v1.0", "beta"],
        write: false,
        bucket: "reports",
        handle(ctx, version) {
            requireRole(ctx.claims, READ);
            requireP1(ctx);
            // "This method supports the $top, $skiptoken, and $filter OData query parameters"
            // (docs-contrib api-reference/v1.0/api/signin-list.md); any other option is refused (stricter).
            onlyQueryOptions(ctx, ["$top", "$skiptoken", "$filter"]);
            const since = Date.now() - RETENTION_DAYS * 24 * 3600 * 1000;
            const keep = filter<SignInRecord>(ctx.req.url.searchParams.get("$filter"), {
                createdDateTime: (s) => s.at,
                clientAppUsed: (s) => s.clientAppUsed,
                userPrincipalName: (s) => s.userPrincipalName,
                userId: (s) => s.userId,
                appId: (s) => s.appId,
            });
            const items = ctx.store.directory(ctx.tenant.tenantId).signIns().filter((s) => s.at >= since && keep(s));
            return paged(ctx, version, items, renderSignIn, "auditLogs/signIns", 1000);
        },
    },
    {
        method: "GET",
        pattern: /^\/reports\/authenticationMethods\/userRegistrationDetails$/,
        versions: ["v1.0", "beta"],
        write: false,
        bucket: "reports",
        handle(ctx, version) {
            requireRole(ctx.claims, READ);
            requireP1(ctx);
            // "This method supports only the $filter and $orderBy OData query parameters" (docs-contrib
            // api-reference/v1.0/api/authenticationmethodsroot-list-userregistrationdetails.md): $top,
            // $select, $count and the rest are refused (stricter where Microsoft does not say what
            // happens). The page size is the service's own; $skiptoken comes from its @odata.nextLink.
            onlyQueryOptions(ctx, ["$filter", "$orderby", "$skiptoken"]);
            const rows = [...ctx.store.directory(ctx.tenant.tenantId).users.values()].map(registration);
            const fields: Record<string, (r: ReturnType<typeof registration>) => unknown> = {
                isMfaRegistered: (r) => r.isMfaRegistered,
                isMfaCapable: (r) => r.isMfaCapable,
                isAdmin: (r) => r.isAdmin,
                userType: (r) => r.userType,
                userPrincipalName: (r) => r.userPrincipalName,
                userDisplayName: (r) => r.userDisplayName,
                isPasswordlessCapable: (r) => r.isPasswordlessCapable,
                lastUpdatedDateTime: (r) => r.lastUpdatedDateTime,
            };
            const keep = filter<ReturnType<typeof registration>>(ctx.req.url.searchParams.get("$filter"), fields);
            const kept = rows.filter(keep);
            const order = orderBy(ctx.req.url.searchParams.get("$orderby"), fields);
            if (order) {
                kept.sort(order);
            }
            return paged(ctx, version, kept, (r) => r, "reports/authenticationMethods/userRegistrationDetails", 999, false);
        },
    },
];
