import type { RuleTable } from "../rules";

const DOC = "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0";
const LIST = `${DOC}/api/directoryaudit-list.md`;
const RES = `${DOC}/resources/directoryaudit.md`;
const ACTIVITIES = "MicrosoftDocs/entra-docs docs/identity/monitoring-health/reference-audit-activities.md";
const CA_AUDIT = "MicrosoftDocs/entra-docs docs/identity/conditional-access/troubleshoot-policy-changes-audit-log.md";
const READER = ["AuditLog.Read.All", "Directory.Read.All"];
const SD = "/policies/identitySecurityDefaultsEnforcementPolicy";
/** Two activities joined by `or` (rules auditLogs.directoryAudits.orRefused and .or). */
const OR_OF_ACTIVITIES =
    "$filter=activityDateTime ge 2020-01-01T00:00:00Z and (activityDisplayName eq 'Update security defaults' or " +
    "activityDisplayName eq 'Update user')";
/** A change that changes nothing (PATCH {} answers 204), so the probes leave the shared tenant as it was. */
const TOUCH_SD = { method: "PATCH", path: SD, body: {} } as const;

/** The directory audit log (./auditLogs.ts) and what the emulator records in it (./audit.ts). */
export const RULES: RuleTable = {
    area: "auditLogs",
    file: "emulator/graph/auditLogs.ts",
    rules: [
        {
            id: "auditLogs.directoryAudits.route",
            kind: "route",
            statement: "GET /auditLogs/directoryAudits supports $filter (eq, ge, le, startswith), $top, $orderby and skiptoken.",
            source: LIST,
            modelled: true,
            route: {
                methods: ["GET"],
                path: "/auditLogs/directoryAudits",
                versions: ["v1.0", "beta"],
                queryOptions: ["$filter", "$top", "$orderby", "$skiptoken"],
                maxTop: 999,
            },
            probe: { method: "GET", path: "/auditLogs/directoryAudits", query: "$top=5", app: READER, setup: [TOUCH_SD] },
            expect: {
                status: 200,
                bodyHas: ["value", "value.0.id", "value.0.activityDateTime", "value.0.initiatedBy", "value.0.targetResources"],
            },
        },
        {
            id: "auditLogs.directoryAudits.get",
            kind: "route",
            statement: "GET /auditLogs/directoryAudits/{id}; an unknown id answers 404.",
            source: `${DOC}/api/directoryaudit-get.md`,
            modelled: true,
            stricter: "Graph's code for an unknown audit id is not documented; the directory's Request_ResourceNotFound is used.",
            route: { methods: ["GET"], path: "/auditLogs/directoryAudits/{id}", versions: ["v1.0", "beta"] },
            probe: { method: "GET", path: "/auditLogs/directoryAudits/Directory_nope", app: READER },
            expect: { status: 404 },
        },
        {
            id: "auditLogs.directoryAudits.permission",
            kind: "permission",
            statement:
                "Listing directory audits needs AuditLog.Read.All and Directory.Read.All (application); no higher permission is listed.",
            source: `${DOC}/includes/permissions/directoryaudit-list-permissions.md (via ${LIST})`,
            modelled: true,
            stricter:
                "Both roles are required, as the page's 'and' says; Directory.ReadWrite.All does not stand in for " +
                "Directory.Read.All ('Higher privileged permissions: Not available').",
            probe: { method: "GET", path: "/auditLogs/directoryAudits", app: ["AuditLog.Read.All"] },
            expect: { status: 403, code: "Authorization_RequestDenied" },
        },
        {
            id: "auditLogs.directoryAudits.permissionDirectory",
            kind: "permission",
            statement: "Directory.Read.All alone is not enough either.",
            source: LIST,
            modelled: true,
            probe: { method: "GET", path: "/auditLogs/directoryAudits", app: ["Directory.Read.All"] },
            expect: { status: 403 },
        },
        {
            id: "auditLogs.directoryAudits.free",
            kind: "status",
            statement: "Audit logs are available in every edition of Microsoft Entra ID (no P1 needed, unlike the sign-in logs API).",
            source:
                "MicrosoftDocs/entra-docs docs/includes/licensing-monitoring-health.md (Audit logs: Free yes); the 'premium " +
                "license' error of howto-configure-prerequisites-for-reporting-api is documented for sign-ins",
            modelled: true,
            probe: { method: "GET", path: "/auditLogs/directoryAudits", app: READER, given: "freeTenant" },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "auditLogs.directoryAudits.select",
            kind: "query",
            statement: "$select is not among the query options the page lists.",
            source: LIST,
            modelled: true,
            stricter:
                "Graph's answer to an unlisted option is not documented; the emulator refuses it with 400 BadRequest (as for sign-ins).",
            probe: { method: "GET", path: "/auditLogs/directoryAudits", query: "$select=id", app: READER },
            expect: { status: 400, code: "BadRequest" },
        },
        {
            id: "auditLogs.directoryAudits.maxTop",
            kind: "paging",
            statement: "Results are paged with @odata.nextLink; the page does not give a maximum $top.",
            source: `${LIST}; microsoftgraph/microsoft-graph-docs-contrib concepts/paging.md`,
            modelled: true,
            stricter: "The maximum is not documented; the emulator takes 1..999 (below sign-ins' 1,000) and answers 400 above.",
            probe: { method: "GET", path: "/auditLogs/directoryAudits", query: "$top=1000", app: READER },
            expect: { status: 400 },
        },
        {
            id: "auditLogs.directoryAudits.paging",
            kind: "paging",
            statement: "A page smaller than the result carries @odata.nextLink.",
            source: "microsoftgraph/microsoft-graph-docs-contrib concepts/paging.md",
            modelled: true,
            probe: { method: "GET", path: "/auditLogs/directoryAudits", query: "$top=1", app: READER, setup: [TOUCH_SD, TOUCH_SD] },
            expect: { status: 200, bodyHas: ["@odata.nextLink"] },
        },
        {
            id: "auditLogs.directoryAudits.filterDate",
            kind: "query",
            statement: "activityDateTime supports $filter eq, ge and le (and $orderby).",
            source: RES,
            modelled: true,
            probe: {
                method: "GET",
                path: "/auditLogs/directoryAudits",
                query:
                    "$filter=activityDateTime ge 2020-01-01T00:00:00Z and activityDateTime le " +
                    "2999-01-01T00:00:00Z&$orderby=activityDateTime desc",
                app: READER,
            },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "auditLogs.directoryAudits.filterGt",
            kind: "query",
            statement: "gt and lt are not among the operators the page lists for $filter.",
            source: `${LIST}; ${RES}`,
            modelled: true,
            stricter: "Refused with 400 BadRequest; Graph's answer is not documented.",
            probe: {
                method: "GET",
                path: "/auditLogs/directoryAudits",
                query: "$filter=activityDateTime gt 2020-01-01T00:00:00Z",
                app: READER,
            },
            expect: { status: 400, code: "BadRequest" },
        },
        {
            id: "auditLogs.directoryAudits.filterActivity",
            kind: "query",
            statement:
                "activityDisplayName supports $filter eq and startswith; targetResources supports eq on id and displayName " +
                "(targetResources/any).",
            source: RES,
            modelled: true,
            probe: {
                method: "GET",
                path: "/auditLogs/directoryAudits",
                query:
                    "$filter=activityDisplayName eq 'Update security defaults' and targetResources/any(t: t/id eq " +
                    "'00000000-0000-0000-0000-000000000005')",
                app: READER,
                setup: [TOUCH_SD],
            },
            expect: { status: 200, bodyHas: ["value.0.targetResources.0.modifiedProperties"] },
        },
        {
            id: "auditLogs.directoryAudits.orRefused",
            kind: "query",
            statement:
                "The directory audit pages list per-property operators (activityDisplayName: eq, startswith; targetResources: " +
                "eq on id and displayName) and nothing about combining clauses with or; the general page lists or among " +
                "Graph's operators and says support may vary by resource. So a $filter with or on directory audits is " +
                "refused by default (400), and one query per activity or target (each documented) works.",
            source:
                `${LIST} ($filter (eq, ge, le, startswith)); ${RES}; microsoftgraph/microsoft-graph-docs-contrib ` +
                "concepts/filter-query-parameter.md (Conditional operators: and, or; 'support by individual resources and its " +
                "properties or relationships may vary')",
            modelled: true,
            stricter:
                "The docs are silent for directory audits: the emulator takes the stricter reading by default (tenant option " +
                "auditOrFilter absent or refused) and answers 400 BadRequest naming the operator; Graph's own answer and text " +
                "are not documented.",
            probe: {
                method: "GET",
                path: "/auditLogs/directoryAudits",
                query: OR_OF_ACTIVITIES,
                app: READER,
            },
            expect: { status: 400, code: "BadRequest", message: "'or'" },
        },
        {
            id: "auditLogs.directoryAudits.or",
            kind: "query",
            statement:
                "On a tenant that takes it, clauses combined with or, e.g. activityDateTime ge <since> and (activityDisplayName " +
                "eq 'A' or activityDisplayName eq 'B'), filter directory audits in one query. Peer code, not documented.",
            source:
                "peer code, not documented: KelvinTegelaar/CIPP-API Modules/CIPPCore/Public/Alerts/" +
                "Get-CIPPAlertGroupMembershipChange.ps1 (activityDateTime ge ... and (activityDisplayName eq 'Add member to group' " +
                `or activityDisplayName eq 'Remove member from group') on /v1.0/auditLogs/directoryAudits); the clauses: ${RES}`,
            modelled: true,
            stricter:
                'Only on a tenant with auditOrFilter "accepted" (emulator/store.ts); the default refuses it. Only between ' +
                "plain comparisons, as the peer's code sends it: `or` between targetResources/any(...) lambdas or inside one is " +
                "refused on every tenant (no source shows it). The refusal comes from the query check, before the permission " +
                "and throttling checks, as every query refusal of the emulator (Graph's order is not documented).",
            probe: {
                method: "GET",
                path: "/auditLogs/directoryAudits",
                query: OR_OF_ACTIVITIES,
                app: READER,
                setup: [TOUCH_SD],
                given: "auditOrAccepted",
            },
            expect: { status: 200, bodyHas: ["value.0"] },
        },
        {
            id: "auditLogs.directoryAudits.orLambdaRefused",
            kind: "query",
            statement:
                "or between targetResources/any(...) lambdas (or inside one) is shown by no Microsoft page and no identified " +
                "peer: refused, even on a tenant that takes or between plain comparisons; one query per target works.",
            source: `${RES} (targetResources: Supports $filter (eq) for id and displayName); ${LIST}`,
            modelled: true,
            stricter: "The docs are silent: the emulator refuses it (400 BadRequest naming the operator) on every tenant.",
            probe: {
                method: "GET",
                path: "/auditLogs/directoryAudits",
                query:
                    "$filter=targetResources/any(t: t/id eq '00000000-0000-0000-0000-000000000005') or " +
                    "targetResources/any(t: t/id eq '00000000-0000-0000-0000-000000000006')",
                app: READER,
                given: "auditOrAccepted",
            },
            expect: { status: 400, code: "BadRequest", message: "'or'.*lambda" },
        },
        {
            id: "auditLogs.directoryAudits.filterCategory",
            kind: "query",
            statement:
                "$filter category eq '...': not stated by Microsoft's pages; only peers' public code shows it (Graph answers it for them).",
            source:
                "no Microsoft page: resources/directoryaudit.md lists no $filter on category; only peers' public code filters on " +
                "it (e.g. scripts querying /auditLogs/directoryAudits?$filter=category eq 'RoleManagement' or 'GroupManagement')",
            modelled: true,
            stricter: "resources/directoryaudit.md does not mark category as filterable; the emulator accepts eq only (no startswith).",
            probe: {
                method: "GET",
                path: "/auditLogs/directoryAudits",
                query: "$filter=category eq 'Policy'",
                app: READER,
                setup: [TOUCH_SD],
            },
            expect: { status: 200, bodyHas: ["value.0"] },
        },
        {
            id: "auditLogs.directoryAudits.filterUnknown",
            kind: "query",
            statement: "Only the properties the resource page marks as filterable (and category) can be filtered.",
            source: RES,
            modelled: true,
            stricter:
                "Other properties (resultReason, additionalDetails, ...) are refused with 400 BadRequest; Graph's answer is " +
                "not documented.",
            probe: { method: "GET", path: "/auditLogs/directoryAudits", query: "$filter=resultReason eq 'x'", app: READER },
            expect: { status: 400 },
        },
        {
            id: "auditLogs.directoryAudits.orderbyOther",
            kind: "query",
            statement: "$orderby is documented for activityDateTime only.",
            source: RES,
            modelled: true,
            stricter: "Ordering by another property is refused with 400 BadRequest.",
            probe: { method: "GET", path: "/auditLogs/directoryAudits", query: "$orderby=category", app: READER },
            expect: { status: 400 },
        },
        {
            id: "auditLogs.securityDefaults.recorded",
            kind: "body",
            statement: "A security defaults change is logged by Conditional Access as 'Update security defaults' (category Policy).",
            source: `${ACTIVITIES} (Conditional Access)`,
            modelled: true,
            stricter:
                "The modified property's name (isEnabled) and the target's type (Policy) are not documented; the emulator " +
                "names the Graph property.",
            probe: {
                method: "GET",
                path: "/auditLogs/directoryAudits",
                query: "$filter=activityDisplayName eq 'Update security defaults'&$top=1",
                app: READER,
                setup: [TOUCH_SD],
            },
            expect: {
                status: 200,
                body: { "value.0.category": "Policy", "value.0.loggedByService": "Conditional Access", "value.0.operationType": "Update" },
            },
        },
        {
            id: "auditLogs.initiatedByApp",
            kind: "body",
            statement:
                "initiatedBy names the app that made the change (appId, displayName, servicePrincipalId); user is null for " +
                "an app-only token.",
            source: `${RES}; ${DOC}/resources/auditactivityinitiator.md`,
            modelled: true,
            probe: {
                method: "GET",
                path: "/auditLogs/directoryAudits",
                query: "$filter=initiatedBy/app/displayName eq 'm365-mfa-provider'&$top=1",
                app: READER,
                setup: [TOUCH_SD],
            },
            expect: { status: 200, body: { "value.0.initiatedBy.app.displayName": "m365-mfa-provider", "value.0.initiatedBy.user": null } },
        },
        {
            id: "auditLogs.perUserMfa.recorded",
            kind: "body",
            statement:
                "Per-user MFA changes are logged by Core Directory as 'Enable Strong Authentication' / 'Disable Strong " +
                "Authentication' (category UserManagement).",
            source: `${ACTIVITIES} (Core Directory)`,
            modelled: true,
            stricter:
                "Which of Entra's activities a Graph authentication/requirements PATCH logs is not documented; the modified " +
                "property is named perUserMfaState here.",
            probe: {
                method: "GET",
                path: "/auditLogs/directoryAudits",
                query: "$filter=activityDisplayName eq 'Disable Strong Authentication'&$top=1",
                app: READER,
                setup: [
                    {
                        method: "PATCH",
                        path: "/users/{userWithMethods}/authentication/requirements",
                        version: "beta",
                        body: { perUserMfaState: "disabled" },
                    },
                ],
            },
            expect: {
                status: 200,
                body: {
                    "value.0.activityDisplayName": "Disable Strong Authentication",
                    "value.0.category": "UserManagement",
                    "value.0.loggedByService": "Core Directory",
                },
            },
        },
        {
            id: "auditLogs.methodsPolicy.recorded",
            kind: "body",
            statement:
                "Authentication methods policy and method configuration changes are logged by Authentication Methods as " +
                "'Authentication Methods Policy Update' (category ApplicationManagement).",
            source: `${ACTIVITIES} (Authentication Methods)`,
            modelled: true,
            stricter:
                "The target ids (authenticationMethodsPolicy, or the configuration's id) and modified property names (the " +
                "Graph properties) are not documented.",
            probe: {
                method: "GET",
                path: "/auditLogs/directoryAudits",
                query: "$filter=activityDisplayName eq 'Authentication Methods Policy Update'&$top=1",
                app: READER,
                setup: [{ method: "PATCH", path: "/policies/authenticationMethodsPolicy", body: {} }],
            },
            expect: {
                status: 200,
                body: { "value.0.category": "ApplicationManagement", "value.0.loggedByService": "Authentication Methods" },
            },
        },
        {
            id: "auditLogs.conditionalAccess.recorded",
            kind: "body",
            statement:
                "Conditional Access policy changes are logged as 'Add / Update / Delete Conditional Access policy' (category " +
                "Policy) with the policy's old and new JSON as modified values.",
            source: `${ACTIVITIES} (Conditional Access); ${CA_AUDIT}`,
            modelled: true,
            stricter:
                "The modified property's name (ConditionalAccessPolicy) follows what Entra is widely reported to show; the " +
                "documentation shows only the JSON values.",
            probe: {
                method: "GET",
                path: "/auditLogs/directoryAudits",
                query: "$filter=startswith(activityDisplayName,'Add Conditional Access')&$top=1",
                app: READER,
                setup: [
                    {
                        method: "POST",
                        path: "/identity/conditionalAccess/policies",
                        body: {
                            displayName: "conformance: audit",
                            state: "disabled",
                            conditions: {
                                users: { includeUsers: ["None"] },
                                applications: { includeApplications: ["None"] },
                                clientAppTypes: ["all"],
                            },
                            grantControls: { operator: "OR", builtInControls: ["mfa"] },
                        },
                    },
                ],
            },
            expect: {
                status: 200,
                body: { "value.0.category": "Policy", "value.0.loggedByService": "Conditional Access", "value.0.operationType": "Add" },
            },
        },
        {
            id: "auditLogs.retention",
            kind: "status",
            statement: "Audit entries are kept 30 days by default (7 days on Microsoft Entra ID Free).",
            source:
                `${CA_AUDIT} ("only kept for 30 days by default"); learn.microsoft.com ` +
                "entra/identity/monitoring-health/reference-reports-data-retention",
            modelled: false,
            stricter: "The emulator keeps 30 days for every tenant; no test sends an older entry.",
        },
    ],
};
