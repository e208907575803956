import type { RuleTable } from "../rules";

const DOC = "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/api";
const SIGNINS = `${DOC}/signin-list.md`;
const REG = `${DOC}/authenticationmethodsroot-list-userregistrationdetails.md`;
const THROTTLE =
    "microsoftgraph/microsoft-graph-docs-contrib includes/throttling-entra-logs-reports.md (included in " +
    "concepts/throttling-limits.md: 'Five requests per 10 seconds' per app per tenant; its resources list signIn, " +
    "directoryAudit and authenticationMethod)";
const SIGNIN_RESOURCE = "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/resources/signin.md";
const NOT_ALLOWED =
    "Graph's answer to an option the page does not list is not documented; the emulator refuses it with 400 BadRequest (the safe model).";

/** Sign-in logs and the registration report (./reports.ts). */
export const RULES: RuleTable = {
    area: "reports",
    file: "emulator/graph/reports.ts",
    rules: [
        {
            id: "reports.signIns.route",
            kind: "route",
            statement: "GET /auditLogs/signIns supports the $top, $skiptoken and $filter query parameters.",
            source: SIGNINS,
            modelled: true,
            route: {
                methods: ["GET"],
                path: "/auditLogs/signIns",
                versions: ["v1.0", "beta"],
                queryOptions: ["$top", "$skiptoken", "$filter"],
                maxTop: 1000,
            },
            probe: { method: "GET", path: "/auditLogs/signIns", query: "$top=5&$filter=createdDateTime ge 2020-01-01T00:00:00Z" },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "reports.signIns.select",
            kind: "query",
            statement: "$select is not among the options signIns supports.",
            source: SIGNINS,
            modelled: true,
            stricter: NOT_ALLOWED,
            probe: { method: "GET", path: "/auditLogs/signIns", query: "$select=id" },
            expect: { status: 400, code: "BadRequest" },
        },
        {
            id: "reports.signIns.orderby",
            kind: "query",
            statement:
                '$orderby is documented on createdDateTime only (the resource page: "Supports $orderby"; the list page\'s ' +
                "option list leaves $orderby out, the resource page is followed); on any other property it is refused.",
            source: `${SIGNIN_RESOURCE} (createdDateTime: Supports $orderby, $filter (eq, le, and ge)); ${SIGNINS}`,
            modelled: true,
            stricter: NOT_ALLOWED,
            probe: { method: "GET", path: "/auditLogs/signIns", query: "$orderby=userPrincipalName" },
            expect: { status: 400, code: "BadRequest", message: "not modelled by the emulator" },
        },
        {
            id: "reports.signIns.clientAppUsedEqOnly",
            kind: "query",
            statement: "clientAppUsed supports $filter with eq only: `in` (or startsWith, ne) on it is refused.",
            source: `${SIGNIN_RESOURCE} (clientAppUsed: Supports $filter (eq))`,
            modelled: true,
            stricter:
                "Graph's error text for an unsupported operator on sign-ins is not documented; the emulator answers 400 " +
                "BadRequest naming the property and the page.",
            probe: { method: "GET", path: "/auditLogs/signIns", query: "$filter=clientAppUsed in ('IMAP4','POP3')" },
            expect: { status: 400, code: "BadRequest", message: "clientAppUsed" },
        },
        {
            id: "reports.signIns.clientAppUsedOrRefused",
            kind: "query",
            statement:
                "The sign-in pages list per-property operators (clientAppUsed: eq) and nothing about combining clauses with " +
                "or; the general page lists or among Graph's operators and says support may vary by resource. So a $filter " +
                "with or on sign-ins is refused by default (400), and the documented one-protocol-a-query form works.",
            source:
                `${SIGNIN_RESOURCE} (clientAppUsed: Supports $filter (eq)); ${SIGNINS}; microsoftgraph/microsoft-graph-docs-contrib ` +
                "concepts/filter-query-parameter.md (Conditional operators: and, or; 'support by individual resources and its " +
                "properties or relationships may vary')",
            modelled: true,
            stricter:
                "The docs are silent for sign-ins: the emulator takes the stricter reading by default (tenant option " +
                "signInOrFilter absent or refused) and answers 400 BadRequest naming the operator; Graph's own answer and text " +
                "are not documented.",
            probe: {
                method: "GET",
                path: "/auditLogs/signIns",
                query: "$filter=createdDateTime ge 2020-01-01T00:00:00Z and (clientAppUsed eq 'IMAP4' or clientAppUsed eq 'POP3')",
            },
            expect: { status: 400, code: "BadRequest", message: "'or'" },
        },
        {
            id: "reports.signIns.clientAppUsedOr",
            kind: "query",
            statement:
                "On a tenant that takes it, clientAppUsed eq clauses combined with or, e.g. createdDateTime ge <since> and " +
                "(clientAppUsed eq 'IMAP4' or clientAppUsed eq 'POP3'), filter sign-ins in one query. Peer code, not documented.",
            source:
                "peer code, not documented: KelvinTegelaar/CIPP-API ListBasicAuth/run.ps1 (thirteen legacy clientAppUsed values " +
                "or-ed with createdDateTime ge/lt on /beta/auditLogs/signIns; the code does not show Graph's answer), " +
                "jasonfritts/AADReportingAPI MSGraphSDK_ExportLogs.ps1 (the same or-chain through Get-MgAuditLogSignIn, beta " +
                "profile); the clauses: " +
                `${SIGNIN_RESOURCE} (clientAppUsed eq, createdDateTime ge)`,
            modelled: true,
            stricter: 'Only on a tenant with signInOrFilter "accepted" (emulator/store.ts); the default refuses it.',
            probe: {
                method: "GET",
                path: "/auditLogs/signIns",
                query: "$filter=createdDateTime ge 2020-01-01T00:00:00Z and (clientAppUsed eq 'IMAP4' or clientAppUsed eq 'POP3')",
                given: "signInOrAccepted",
            },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "reports.signIns.createdDateTimeOperators",
            kind: "query",
            statement: "createdDateTime supports $filter eq, le and ge; gt and lt are refused.",
            source: `${SIGNIN_RESOURCE} (createdDateTime: Supports $orderby, $filter (eq, le, and ge))`,
            modelled: true,
            stricter: "Graph's error text is not documented.",
            probe: { method: "GET", path: "/auditLogs/signIns", query: "$filter=createdDateTime gt 2026-01-01T00:00:00Z" },
            expect: { status: 400, code: "BadRequest" },
        },
        {
            id: "reports.registration.filterOperators",
            kind: "query",
            statement:
                "isMfaRegistered, isMfaCapable and isPasswordlessCapable support $filter eq only; isAdmin and userType list " +
                "no $filter; $orderby on userDisplayName and userPrincipalName.",
            source:
                "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/resources/userregistrationdetails.md " +
                "(Properties: Supports $filter (eq); userDisplayName and userPrincipalName: Supports $filter (eq, startsWith) " +
                "and $orderby)",
            modelled: true,
            probe: {
                method: "GET",
                path: "/reports/authenticationMethods/userRegistrationDetails",
                query: "$filter=isMfaRegistered ne true",
            },
            expect: { status: 400, code: "BadRequest", message: "isMfaRegistered" },
        },
        {
            id: "reports.signIns.paging",
            kind: "paging",
            statement: "Results are paged with @odata.nextLink; a page holds up to 1,000 sign-ins.",
            source: `${SIGNINS}; microsoftgraph/microsoft-graph-docs-contrib concepts/paging.md`,
            modelled: true,
            stricter: "Graph's answer to $top above 1,000 is not documented; the emulator answers 400.",
            probe: { method: "GET", path: "/auditLogs/signIns", query: "$top=1001" },
            expect: { status: 400 },
        },
        {
            id: "reports.signIns.permission",
            kind: "permission",
            statement: "Sign-in logs need AuditLog.Read.All (application); without it 403.",
            source: SIGNINS,
            modelled: true,
            probe: { method: "GET", path: "/auditLogs/signIns", app: ["Policy.Read.All"] },
            expect: { status: 403 },
        },
        {
            id: "reports.signIns.premium",
            kind: "error",
            statement:
                "Sign-in logs need Microsoft Entra ID P1 or P2; a free tenant gets 403 " +
                "Authentication_RequestFromNonPremiumTenantOrB2CTenant.",
            source: `${SIGNINS} (license requirement); microsoftgraph/microsoft-graph-docs-contrib concepts/errors.md`,
            modelled: true,
            stricter: "The code is the one Graph is widely reported to send; its message text is not documented.",
            probe: { method: "GET", path: "/auditLogs/signIns", given: "freeTenant" },
            expect: { status: 403, code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant" },
        },
        {
            id: "reports.signIns.retention",
            kind: "status",
            statement: "Sign-ins are kept 7 days (free) or 30 days (P1/P2).",
            source: "learn.microsoft.com entra/identity/monitoring-health/reference-reports-data-retention",
            modelled: false,
            stricter: "The emulator keeps 30 days for every tenant; no test sends an older sign-in.",
        },
        {
            id: "reports.registration.route",
            kind: "route",
            statement: "GET /reports/authenticationMethods/userRegistrationDetails supports only $filter and $orderby.",
            source: REG,
            modelled: true,
            route: {
                methods: ["GET"],
                path: "/reports/authenticationMethods/userRegistrationDetails",
                versions: ["v1.0", "beta"],
                // $skiptoken: only as the endpoint's own @odata.nextLink carries it (concepts/paging.md).
                queryOptions: ["$filter", "$orderby", "$skiptoken"],
            },
            probe: {
                method: "GET",
                path: "/reports/authenticationMethods/userRegistrationDetails",
                query: "$filter=isMfaRegistered eq false&$orderby=userPrincipalName",
            },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "reports.registration.top",
            kind: "query",
            statement: "$top is not among the options userRegistrationDetails supports.",
            source: REG,
            modelled: true,
            stricter: NOT_ALLOWED,
            probe: { method: "GET", path: "/reports/authenticationMethods/userRegistrationDetails", query: "$top=10" },
            expect: { status: 400, code: "BadRequest" },
        },
        {
            id: "reports.registration.select",
            kind: "query",
            statement: "$select is not among the options userRegistrationDetails supports.",
            source: REG,
            modelled: true,
            stricter: NOT_ALLOWED,
            probe: { method: "GET", path: "/reports/authenticationMethods/userRegistrationDetails", query: "$select=id" },
            expect: { status: 400, code: "BadRequest" },
        },
        {
            id: "reports.registration.permission",
            kind: "permission",
            statement: "The registration report needs AuditLog.Read.All (application).",
            source: REG,
            modelled: true,
            probe: { method: "GET", path: "/reports/authenticationMethods/userRegistrationDetails", app: ["AuditLog.Read.All"] },
            expect: { status: 200 },
        },
        {
            id: "reports.throttling",
            kind: "throttling",
            statement:
                "Sign-in logs, directory audits and the registration report are throttled at five requests per 10 seconds " +
                "per app per tenant; the 429 carries Retry-After.",
            source: THROTTLE,
            modelled: true,
            probe: { method: "GET", path: "/reports/authenticationMethods/userRegistrationDetails", repeat: 6, throttleScale: 1 },
            expect: { status: 429, headers: { "retry-after": "^\\d+$" } },
        },
    ],
};
