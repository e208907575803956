import type { UserRecord } from "../directory";
import { GraphHttpError, headerValue } from "../http";
import { requireRole } from "../identity";
import type { SignInRecord } from "../signIns";
import type { RecordedSignInState } from "../store";
import { type FilterRow, type QueryCapability, filterOf, orderOf } from "./query";
import type { Route, RouteContext } from "./routes";

const SIGNIN_MD = 'docs-contrib api-reference/v1.0/resources/signin.md (Properties: "Supports $filter (...)")';
const eqStarts = (source: string): FilterRow => ({ ops: ["eq", "startsWith"], source });
const eq = (source: string): FilterRow => ({ ops: ["eq"], source });
/** $filter on sign-ins, property by property as resources/signin.md lists the operators. */
const SIGNIN_FILTER: Record<string, FilterRow> = {
    appDisplayName: eqStarts(SIGNIN_MD),
    appId: eq(SIGNIN_MD),
    clientAppUsed: eq(SIGNIN_MD),
    conditionalAccessStatus: eq(SIGNIN_MD),
    correlationId: eq(SIGNIN_MD),
    createdDateTime: { ops: ["eq", "le", "ge"], source: SIGNIN_MD },
    "deviceDetail/browser": eqStarts(SIGNIN_MD),
    "deviceDetail/operatingSystem": eqStarts(SIGNIN_MD),
    id: eq(SIGNIN_MD),
    ipAddress: eqStarts(SIGNIN_MD),
    "location/city": eqStarts(SIGNIN_MD),
    "location/state": eqStarts(SIGNIN_MD),
    "location/countryOrRegion": eqStarts(SIGNIN_MD),
    resourceDisplayName: eq(SIGNIN_MD),
    resourceId: eq(SIGNIN_MD),
    riskDetail: eq(SIGNIN_MD),
    riskLevelAggregated: eq(SIGNIN_MD),
    riskLevelDuringSignIn: eq(SIGNIN_MD),
    riskState: eq(SIGNIN_MD),
    "status/errorCode": eq(SIGNIN_MD),
    userDisplayName: eqStarts(SIGNIN_MD),
    userId: eq(SIGNIN_MD),
    userPrincipalName: eqStarts(SIGNIN_MD),
};
/**
 * GET auditLogs/signIns: "$top, $skiptoken, and $filter" (signin-list.md); $orderby on createdDateTime
 * from resources/signin.md ("Supports $orderby"), which the list page's option list leaves out.
 * Anything else is refused.
 */
export const SIGNINS_QUERY: QueryCapability = {
    options: ["$top", "$skiptoken", "$filter", "$orderby"],
    filter: SIGNIN_FILTER,
    orderby: { createdDateTime: SIGNIN_MD },
    select: false,
    resource: "signIn",
    // Rules reports.signIns.clientAppUsedOr (a tenant with signInOrFilter "accepted") and ...OrRefused (the default).
    or: {
        source:
            "peers' code sends `clientAppUsed eq '...' or ...` to sign-ins (CIPP-API ListBasicAuth/run.ps1, on /beta); not " +
            "documented: the sign-in pages do not list `or`",
        tenant: (t) => t.signInOrFilter === "accepted",
        refusedUnless: "the sign-in pages do not list it; the tenant option signInOrFilter: accepted takes it",
    },
    source: "docs-contrib api-reference/v1.0/api/signin-list.md",
};
const URD_MD = 'docs-contrib api-reference/v1.0/resources/userregistrationdetails.md (Properties: "Supports $filter (...)")';
/**
 * $filter on the registration report, as resources/userregistrationdetails.md lists it. Left out:
 * userPreferredMethodForSecondaryAuthentication (the page says "any with eq" on a single-valued
 * property, which OData cannot express), isAdmin and userType (no operators listed).
 */
const URD_FILTER: Record<string, FilterRow> = {
    isMfaCapable: eq(URD_MD),
    isMfaRegistered: eq(URD_MD),
    isPasswordlessCapable: eq(URD_MD),
    isSsprCapable: eq(URD_MD),
    isSsprEnabled: eq(URD_MD),
    isSsprRegistered: eq(URD_MD),
    isSystemPreferredAuthenticationMethodEnabled: eq(URD_MD),
    methodsRegistered: { ops: ["any"], any: { "": ["eq"] }, source: URD_MD },
    systemPreferredAuthenticationMethods: { ops: ["any"], any: { "": ["eq"] }, source: URD_MD },
    userDisplayName: eqStarts(URD_MD),
    userPrincipalName: eqStarts(URD_MD),
};
/**
 * GET reports/authenticationMethods/userRegistrationDetails: "supports only the $filter and $orderBy
 * OData query parameters" (authenticationmethodsroot-list-userregistrationdetails.md); the page size is
 * the service's own, $skiptoken comes from its @odata.nextLink (concepts/paging.md).
 */
export const REGISTRATION_QUERY: QueryCapability = {
    options: ["$filter", "$orderby", "$skiptoken"],
    filter: URD_FILTER,
    orderby: { userDisplayName: URD_MD, userPrincipalName: URD_MD },
    select: false,
    resource: "userRegistrationDetails",
    source: "docs-contrib api-reference/v1.0/api/authenticationmethodsroot-list-userregistrationdetails.md",
};

/**
 * Sign-in logs and the authentication methods registration report, as Graph documents them:
 * - both need Microsoft Entra ID P1: a free tenant gets 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant;
 * - AuditLog.Read.All; sign-ins kept 30 days; newest first; $top up to 1,000 with @odata.nextLink;
 * - query options, $filter operators and $orderby per property from the pages (SIGNINS_QUERY,
 *   REGISTRATION_QUERY, checked by the dispatcher; ./query.ts);
 * - throttled as reports are (5 requests per 10 s per app per tenant; see server.ts).
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

/** Pages as Graph does; `takesTop` false for an endpoint whose page size is its own (no $top). */
export function paged<T>(
    ctx: RouteContext,
    version: string,
    items: T[],
    render: (t: T) => unknown,
    context: string,
    max: number,
    takesTop = true,
) {
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
        deviceDetail: {
            deviceId: "",
            displayName: "",
            operatingSystem: "Windows",
            browser: s.isInteractive ? "Edge 130.0.0" : "",
            isCompliant: false,
            isManaged: false,
            trustType: "",
        },
        location: {
            city: "Redmond",
            state: "Washington",
            countryOrRegion: "US",
            geoCoordinates: { altitude: null, latitude: 47.68, longitude: -122.12 },
        },
        appliedConditionalAccessPolicies: [] as RecordedSignInState["appliedConditionalAccessPolicies"],
    };
}

/**
 * appliedConditionalAccessPolicies of a sign-in (resources/appliedconditionalaccesspolicy.md): the
 * report-only results (reportOnlySuccess, reportOnlyFailure, reportOnlyNotApplied, reportOnlyInterrupted)
 * are members of an evolvable enum, returned only with the request header `Prefer:
 * include-unknown-enum-members`; without it Graph answers unknownFutureValue in their place
 * (best-practices-concept.md, "Handling future members in evolvable enumerations").
 */
const REPORT_ONLY_RESULTS = ["reportOnlySuccess", "reportOnlyFailure", "reportOnlyNotApplied", "reportOnlyInterrupted"];

function appliedPolicies(applied: RecordedSignInState["appliedConditionalAccessPolicies"], ctx: RouteContext) {
    const prefer = String(headerValue(ctx.req.headers.prefer) ?? "");
    const evolvable = /include-unknown-enum-members/i.test(prefer);
    return applied.map((a) => ({ ...a, result: !evolvable && REPORT_ONLY_RESULTS.includes(a.result) ? "unknownFutureValue" : a.result }));
}

/**
 * A sign-in given to the emulator (TenantState.recordedSignIns; seeded by a test or an operator) with
 * the Conditional Access results Entra would have recorded on it. The emulator does not evaluate
 * policies against sign-ins: these results are what it was given.
 */
function renderRecorded(r: RecordedSignInState, ctx: RouteContext, user: UserRecord | undefined) {
    const u = user;
    const enforced = r.appliedConditionalAccessPolicies.filter((a) => a.result === "success" || a.result === "failure");
    return {
        ...renderSignIn({
            id: r.id,
            createdDateTime: r.createdDateTime,
            at: Date.parse(r.createdDateTime),
            userId: u?.id ?? "",
            userPrincipalName: u?.userPrincipalName ?? r.userPrincipalName,
            userDisplayName: u?.displayName ?? r.userPrincipalName,
            appId: "4765445b-32c6-49b0-83e6-1d93765276ca",
            appDisplayName: r.appDisplayName,
            clientAppUsed: r.clientAppUsed,
            ipAddress: "203.0.113.10",
            isInteractive: true,
            success: true,
        } as SignInRecord),
        conditionalAccessStatus: enforced.some((a) => a.result === "failure") ? "failure" : enforced.length ? "success" : "notApplied",
        appliedConditionalAccessPolicies: appliedPolicies(r.appliedConditionalAccessPolicies, ctx),
    };
}

const PASSWORDLESS = ["fido2SecurityKey", "windowsHelloForBusiness", "microsoftAuthenticatorPasswordless"];
const MFA_METHODS = [
    "microsoftAuthenticatorPush",
    "softwareOneTimePasscode",
    "mobilePhone",
    "fido2SecurityKey",
    "windowsHelloForBusiness",
    "microsoftAuthenticatorPasswordless",
];

function registration(u: UserRecord) {
    const mfa = u.methods.some((m) => MFA_METHODS.includes(m));
    const preferred = u.methods.includes("microsoftAuthenticatorPush")
        ? "push"
        : u.methods.includes("mobilePhone")
          ? "sms"
          : u.methods.includes("softwareOneTimePasscode")
            ? "oath"
            : "none";
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
        query: SIGNINS_QUERY,
        bucket: "reports",
        handle(ctx, version) {
            requireRole(ctx.claims, READ);
            requireP1(ctx);
            const since = Date.now() - RETENTION_DAYS * 24 * 3600 * 1000;
            const keep = filterOf<ReturnType<typeof renderSignIn>>(ctx.req, SIGNINS_QUERY);
            const directory = ctx.store.directory(ctx.tenant.tenantId);
            const recorded = (ctx.tenant.recordedSignIns ?? [])
                .filter((r) => Date.parse(r.createdDateTime) >= since)
                .map((r) => renderRecorded(r, ctx, directory.user(r.userPrincipalName)));
            const generated = directory
                .signIns()
                .filter((s) => s.at >= since)
                .map(renderSignIn);
            const items = (
                recorded.length ? [...recorded, ...generated].sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime)) : generated
            ).filter(keep);
            const order = orderOf(ctx.req, SIGNINS_QUERY);
            if (order) items.sort(order);
            return paged(ctx, version, items, (s) => s, "auditLogs/signIns", 1000);
        },
    },
    {
        method: "GET",
        pattern: /^\/reports\/authenticationMethods\/userRegistrationDetails$/,
        versions: ["v1.0", "beta"],
        write: false,
        query: REGISTRATION_QUERY,
        bucket: "reports",
        handle(ctx, version) {
            requireRole(ctx.claims, READ);
            requireP1(ctx);
            const rows = [...ctx.store.directory(ctx.tenant.tenantId).users.values()].map(registration);
            const kept = rows.filter(filterOf<ReturnType<typeof registration>>(ctx.req, REGISTRATION_QUERY));
            const order = orderOf(ctx.req, REGISTRATION_QUERY);
            if (order) {
                kept.sort(order);
            }
            return paged(ctx, version, kept, (r) => r, "reports/authenticationMethods/userRegistrationDetails", 999, false);
        },
    },
];
