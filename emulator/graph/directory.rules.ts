import type { RuleTable } from "../rules";

const DOC = "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/api";
const BETA = "microsoftgraph/microsoft-graph-docs-contrib api-reference/beta";
const ADV = "microsoftgraph/microsoft-graph-docs-contrib concepts/aad-advanced-queries.md";
const REQ = "/users/{userWithMethods}/authentication/requirements";

/**
 * perUserMfaState on the user list: observed, not documented. Graph's published metadata has no such
 * property of user (graph-schema v1.0.json user); CIPP reads every user's state this way since March 2025
 * and msgraph-sdk-powershell#3368 reports the property served on v1.0 and beta.
 */
export const PER_USER_MFA_ON_LIST_SOURCE =
    "observed, not documented: KelvinTegelaar/CIPP-API Modules/CIPPCore/Public/Get-CIPPPerUserMFA.ps1 at commit 78f7154a6 " +
    '(2025-03-14, "per user mfa changes per MS\'s requests": ' +
    "GET /v1.0/users?$top=999&$select=UserPrincipalName,Id,perUserMfaState replaces the $batch of authentication/requirements reads); " +
    'microsoftgraph/msgraph-sdk-powershell#3368 (2025-07-21: "The parameter perUserMfaState is now available in the REST API ' +
    'users endpoint from both v1.0 and beta version", labelled Dependency: metadata-issue); ' +
    "not in graph-schema v1.0.json user";

/** Users, groups, group expansion and per-user MFA (./directory.ts). */
export const RULES: RuleTable = {
    area: "directory",
    file: "emulator/graph/directory.ts",
    rules: [
        {
            id: "directory.users.route",
            kind: "route",
            statement: "GET /users lists users; $select, $filter, $top (1..999) and @odata.nextLink paging.",
            source: `${DOC}/user-list.md`,
            modelled: true,
            route: { methods: ["GET"], path: "/users", versions: ["v1.0", "beta"], maxTop: 999 },
            probe: { method: "GET", path: "/users", query: "$select=id,userPrincipalName" },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "directory.users.paging",
            kind: "paging",
            statement: "A page smaller than the result carries @odata.nextLink.",
            source: "microsoftgraph/microsoft-graph-docs-contrib concepts/paging.md",
            modelled: true,
            probe: { method: "GET", path: "/users", query: "$top=1" },
            expect: { status: 200, bodyHas: ["@odata.nextLink"] },
        },
        {
            id: "directory.users.maxTop",
            kind: "paging",
            statement: "Page sizes for users are 1 to 999 ($top).",
            source: `${DOC}/user-list.md`,
            modelled: true,
            stricter: "Graph's exact answer to $top=1000 is not documented; the emulator answers 400 Request_BadRequest.",
            probe: { method: "GET", path: "/users", query: "$top=1000" },
            expect: { status: 400 },
        },
        {
            id: "directory.users.select",
            kind: "query",
            statement: "$select names properties of microsoft.graph.user; a name that is not one is refused with 400.",
            source: "graph-schema v1.0.json user; microsoftgraph/microsoft-graph-docs-contrib concepts/query-parameters.md",
            modelled: true,
            probe: { method: "GET", path: "/users", query: "$select=noSuchProperty" },
            expect: { status: 400 },
        },
        {
            id: "directory.users.perUserMfaStateServed",
            kind: "query",
            statement:
                "On a tenant that serves it, GET /users?$select=id,userPrincipalName,perUserMfaState&$top=999 lists each " +
                "user's per-user MFA state (disabled, enabled, enforced), paged by @odata.nextLink like any user list; " +
                "Graph's published metadata does not list the property. Observed, not documented.",
            source:
                `${PER_USER_MFA_ON_LIST_SOURCE}; the states: MicrosoftDocs/entra-docs ` +
                "docs/identity/authentication/howto-mfa-userstates.md (Disabled, Enabled, Enforced) and graph-schema beta.json " +
                "perUserMfaState",
            modelled: true,
            stricter:
                'Served only on a tenant with perUserMfaStateOnUserList "served" (emulator/store.ts); whether every tenant ' +
                "serves it, which permission it needs and how far the list lags a write are not documented (the lag is the " +
                "test setting perUserMfaListLagMs).",
            probe: {
                method: "GET",
                path: "/users",
                query: "$select=id,userPrincipalName,perUserMfaState&$top=999",
                given: "perUserMfaStateServed",
            },
            expect: { status: 200, bodyHas: ["value.0.perUserMfaState", "value.0.userPrincipalName"] },
        },
        {
            id: "directory.users.perUserMfaStateUnits",
            kind: "throttling",
            statement:
                "The list read GET users?$select=...&$top=999 costs 1 resource unit a page: GET users 2, $select -1 ($top " +
                "999 is not under 20).",
            source:
                "docs-contrib concepts/throttling-limits.md (Identity and access service limits: the base request costs table, " +
                "'Other factors that affect a request cost')",
            modelled: true,
            probe: {
                method: "GET",
                path: "/users",
                query: "$select=id,userPrincipalName,perUserMfaState&$top=999",
                given: "perUserMfaStateServed",
            },
            expect: { status: 200, headers: { "x-ms-resource-unit": "^1$" } },
        },
        {
            id: "directory.users.perUserMfaStateRefused",
            kind: "query",
            statement:
                "On a tenant that does not serve it (the emulator's default), $select=perUserMfaState on /users is refused " +
                "as a property microsoft.graph.user does not have: 400 Request_BadRequest.",
            source:
                "graph-schema v1.0.json user (no perUserMfaState); microsoftgraph/microsoft-graph-docs-contrib " +
                'concepts/query-parameters.md ("Some requests will return an error message if a specified query parameter is not ' +
                'supported")',
            modelled: true,
            stricter:
                'query-parameters.md also says query parameters "might fail silently"; what a tenant without the property ' +
                "answers is not documented, so the default is the stricter refusal. The silent variant (the property left " +
                'out, 200) is the tenant option perUserMfaStateOnUserList "ignored".',
            probe: { method: "GET", path: "/users", query: "$select=id,userPrincipalName,perUserMfaState&$top=999" },
            expect: { status: 400, code: "Request_BadRequest", message: "perUserMfaState" },
        },
        {
            id: "directory.users.search",
            kind: "header",
            statement:
                "$search on users is an advanced query: it needs ConsistencyLevel: eventual. Not modelled: refused with 400 " +
                "'not modelled by the emulator'.",
            source: ADV,
            modelled: false,
        },
        {
            id: "directory.users.notModelled",
            kind: "query",
            statement: "A query option the emulator does not model ($search, $orderby, $expand on /users) is refused, never ignored.",
            source:
                `${DOC}/user-list.md (lists $count, $expand, $filter, $orderby, $search, $select, $top); the refusal is the ` +
                "emulator's own (emulator/graph/query.ts), no Graph behaviour",
            modelled: true,
            stricter:
                "Graph answers these; the emulator refuses them with 400 'not modelled by the emulator' so that no test " +
                "passes on data that ignored the option.",
            probe: { method: "GET", path: "/users", query: "$orderby=displayName" },
            expect: { status: 400, message: "not modelled by the emulator" },
        },
        {
            id: "directory.users.filterOperators",
            kind: "query",
            statement:
                "userType supports $filter eq, ne, not, in and eq on null; ne and not are advanced queries " +
                "(ConsistencyLevel: eventual and $count=true).",
            source:
                "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/resources/user.md (userType: Supports $filter " +
                "(eq, ne, not, in, and eq on null values)); concepts/aad-advanced-queries.md (ne and not)",
            modelled: true,
            probe: { method: "GET", path: "/users", query: "$filter=userType ne 'Guest'" },
            expect: { status: 400, code: "Request_UnsupportedQuery", message: "ConsistencyLevel:eventual" },
        },
        {
            id: "directory.users.or",
            kind: "query",
            statement: "Clauses on users combine with or in a standard query (no ConsistencyLevel needed).",
            source:
                'microsoftgraph/microsoft-graph-docs-contrib concepts/filter-query-parameter.md ("Get all users with the name Mary ' +
                "across multiple properties\": ~/users?$filter=startswith(displayName,'mary') or startswith(givenName,'mary') or " +
                "..., an example not marked as needing advanced query capabilities)",
            modelled: true,
            probe: { method: "GET", path: "/users", query: "$filter=startswith(displayName,'a') or startswith(mail,'a')" },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "directory.groups.orRefused",
            kind: "query",
            statement:
                "Graph lists or among its operators but says support may vary by resource; the group pages show no or. A " +
                "route whose pages do not show it refuses or.",
            source:
                "microsoftgraph/microsoft-graph-docs-contrib concepts/filter-query-parameter.md (Conditional operators: and, or; " +
                "'support by individual resources and its properties or relationships may vary'); api-reference/v1.0/api/" +
                "group-list.md (no example with or)",
            modelled: true,
            stricter:
                "The docs are silent for groups: the emulator refuses or (400, 'not modelled by the emulator', naming the " +
                "operator) on every route that does not declare it (emulator/graph/query.ts QueryCapability.or); Graph's own " +
                "answer is not documented.",
            probe: { method: "GET", path: "/groups", query: "$filter=displayName eq 'a' or displayName eq 'b'" },
            expect: { status: 400, message: "'or'.*not modelled by the emulator" },
        },
        {
            id: "directory.users.defaults",
            kind: "body",
            statement:
                "Without $select, users come with the default set (businessPhones, displayName, givenName, id, jobTitle, " +
                "mail, mobilePhone, officeLocation, preferredLanguage, surname, userPrincipalName) and @odata.context names " +
                "the entity set ($metadata#users).",
            source:
                `${DOC}/user-list.md ("By default, only a limited set of properties are returned" and its example 1 response); ` +
                `microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/resources/user.md ("Returned by default")`,
            modelled: true,
            probe: { method: "GET", path: "/users", query: "$top=1" },
            expect: {
                status: 200,
                bodyHas: ["value.0.businessPhones", "value.0.givenName", "value.0.surname", "value.0.userPrincipalName"],
                bodyLacks: ["value.0.accountEnabled"],
            },
        },
        {
            id: "directory.users.count",
            kind: "header",
            statement:
                "$count on directory collections needs ConsistencyLevel: eventual (advanced query); without it 400 " +
                "Request_UnsupportedQuery.",
            source: ADV,
            modelled: true,
            probe: { method: "GET", path: "/users", query: "$count=true&$top=1" },
            expect: { status: 400, code: "Request_UnsupportedQuery" },
        },
        {
            id: "directory.users.orderby",
            kind: "query",
            statement: "$orderby on displayName and userPrincipalName is supported on /users.",
            source: `${DOC}/user-list.md`,
            modelled: false,
        },
        {
            id: "directory.user.route",
            kind: "route",
            statement: "GET /users/{id | userPrincipalName}; an unknown user answers 404.",
            source: `${DOC}/user-get.md`,
            modelled: true,
            route: { methods: ["GET"], path: "/users/{id}", versions: ["v1.0", "beta"] },
            probe: { method: "GET", path: "/users/nobody@example.invalid" },
            expect: { status: 404, code: "Request_ResourceNotFound" },
        },
        {
            id: "directory.users.units",
            kind: "throttling",
            statement: "GET users costs 2 resource units (a listed path); $select decreases the cost by 1.",
            source:
                "docs-contrib concepts/throttling-limits.md (Identity and access service limits: the base request costs table, " +
                "'Other factors that affect a request cost')",
            modelled: true,
            probe: { method: "GET", path: "/users" },
            expect: {
                status: 200,
                headers: { "x-ms-resource-unit": "^2$", "x-ms-throttle-scope": null, "x-ms-throttle-information": null },
            },
        },
        {
            id: "directory.user.units",
            kind: "throttling",
            statement:
                'GET users/{id} is not in the base costs table: "Any requests not listed have a base cost of 1"; never lower ' +
                "than 1 (so $select changes nothing).",
            source:
                "docs-contrib concepts/throttling-limits.md (Identity and access service limits: the base request costs table, " +
                "'Other factors that affect a request cost')",
            modelled: true,
            probe: { method: "GET", path: "/users/{user}" },
            expect: { status: 200, headers: { "x-ms-resource-unit": "^1$" } },
        },
        {
            id: "directory.user.unitsSelect",
            kind: "throttling",
            statement: "GET users with $select costs 1 resource unit (2 - 1).",
            source:
                "docs-contrib concepts/throttling-limits.md (Identity and access service limits: the base request costs table, " +
                "'Other factors that affect a request cost')",
            modelled: true,
            probe: { method: "GET", path: "/users", query: "$select=id" },
            expect: { status: 200, headers: { "x-ms-resource-unit": "^1$" } },
        },
        {
            id: "directory.transitiveMembers.units",
            kind: "throttling",
            statement: "GET groups/{id}/transitiveMembers costs 5 resource units; $select -1; $top with a value under 20 -1.",
            source:
                "docs-contrib concepts/throttling-limits.md (Identity and access service limits: the base request costs table, " +
                "'Other factors that affect a request cost')",
            modelled: true,
            probe: { method: "GET", path: "/groups/{group}/transitiveMembers" },
            expect: { status: 200, headers: { "x-ms-resource-unit": "^5$" } },
        },
        {
            id: "directory.transitiveMembers.unitsTopSelect",
            kind: "throttling",
            statement:
                "GET groups/{id}/transitiveMembers?$select=id&$top=10 costs 3 resource units (5 - 1 for $select - 1 for $top under 20).",
            source:
                "docs-contrib concepts/throttling-limits.md (Identity and access service limits: the base request costs table, " +
                "'Other factors that affect a request cost')",
            modelled: true,
            probe: { method: "GET", path: "/groups/{group}/transitiveMembers", query: "$select=id&$top=10" },
            expect: { status: 200, headers: { "x-ms-resource-unit": "^3$" } },
        },
        {
            id: "directory.user.permission",
            kind: "permission",
            statement: "Reading users needs User.Read.All (or Directory.Read.All); without it 403.",
            source: `${DOC}/user-get.md`,
            modelled: true,
            probe: { method: "GET", path: "/users/{user}", app: [] },
            expect: { status: 403 },
        },
        {
            id: "directory.user.write",
            kind: "verb",
            statement: "PATCH and DELETE /users/{id} exist in Graph (user-update, user-delete); the emulator serves neither (405).",
            source: `${DOC}/user-update.md`,
            modelled: false,
        },
        {
            id: "directory.manager.route",
            kind: "route",
            statement: "GET /users/{id}/manager; a user without a manager answers 404 Not Found.",
            source: `${DOC}/user-list-manager.md`,
            modelled: true,
            route: { methods: ["GET"], path: "/users/{id}/manager", versions: ["v1.0", "beta"] },
            probe: { method: "GET", path: "/users/{user}/manager" },
            expect: { status: 404 },
        },
        {
            id: "directory.groups.route",
            kind: "route",
            statement:
                "GET /groups lists groups; $count, $expand, $filter, $orderBy, $search, $select, $top; default page 100, maximum 999.",
            source: `${DOC}/group-list.md`,
            modelled: true,
            route: {
                methods: ["GET"],
                path: "/groups",
                versions: ["v1.0", "beta"],
                maxTop: 999,
                queryOptions: ["$count", "$expand", "$filter", "$orderby", "$search", "$select", "$top", "$skiptoken"],
            },
            probe: { method: "GET", path: "/groups", query: "$select=id,displayName" },
            expect: { status: 200, bodyHas: ["value", "value.0.id", "value.0.displayName"] },
        },
        {
            id: "directory.groups.selectUnmodelled",
            kind: "query",
            statement: "$select takes any property of microsoft.graph.group; a property the tenant has no value for comes back null.",
            source:
                "emulator/schema/v1.0.additions.json group (from msgraph-metadata schemas/v1.0-Prod.csdl; not in " +
                "shared/graph-schema); microsoftgraph/microsoft-graph-docs-contrib concepts/query-parameters.md",
            modelled: true,
            stricter:
                "Only id and displayName are modelled; every other group property is null (or [] for a collection), as Graph " +
                "returns an unset property.",
            probe: { method: "GET", path: "/groups", query: "$select=id,mailNickname,proxyAddresses&$top=1" },
            expect: { status: 200, bodyHas: ["value.0.id", "value.0.proxyAddresses"] },
        },
        {
            id: "directory.groups.select",
            kind: "query",
            statement: "$select names properties of microsoft.graph.group; a name that is not one is refused with 400.",
            source:
                "emulator/schema/v1.0.additions.json group (msgraph-metadata v1.0-Prod.csdl); " +
                "microsoftgraph/microsoft-graph-docs-contrib concepts/query-parameters.md",
            modelled: true,
            stricter: "Graph's message text is not documented; the users route's wording is used.",
            probe: { method: "GET", path: "/groups", query: "$select=noSuchProperty" },
            expect: { status: 400, code: "Request_BadRequest" },
        },
        {
            id: "directory.groups.filterDisplayName",
            kind: "query",
            statement:
                "$filter on displayName supports eq, ne, not, ge, le, in, startsWith and eq on null (ne and not as advanced queries).",
            source:
                "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/resources/group.md (displayName: $filter eq, ne, " +
                `not, ge, le, in, startsWith, and eq on null); ${DOC}/group-list.md (example 4: startswith(displayName, 'a'))`,
            modelled: true,
            probe: { method: "GET", path: "/groups", query: "$filter=startswith(displayName,'Department')&$select=displayName" },
            expect: { status: 200, bodyHas: ["value.0.displayName"] },
        },
        {
            id: "directory.groups.filterOther",
            kind: "query",
            statement:
                "Filters on other group properties (groupTypes/any, mailEnabled, ...) exist in Graph; the emulator models " +
                "displayName and id only.",
            source: `${DOC}/group-list.md; microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/resources/group.md`,
            modelled: true,
            stricter:
                "Unmodelled filters are refused with 400 Request_UnsupportedQuery (Graph's code for a filter it does not " +
                "support), though Graph serves some of them.",
            probe: { method: "GET", path: "/groups", query: "$filter=groupTypes/any(c:c eq 'Unified')" },
            expect: { status: 400, code: "Request_UnsupportedQuery" },
        },
        {
            id: "directory.groups.filterAdvanced",
            kind: "header",
            statement:
                "endsWith, ne and not on displayName are advanced queries: without ConsistencyLevel: eventual and " +
                "$count=true they are refused with 400 Request_UnsupportedQuery.",
            source: ADV,
            modelled: true,
            probe: { method: "GET", path: "/groups", query: "$filter=endswith(displayName,'Sales')" },
            expect: { status: 400, code: "Request_UnsupportedQuery" },
        },
        {
            id: "directory.groups.maxTop",
            kind: "paging",
            statement: "Page sizes for groups are 1 to 999 ($top).",
            source: `${DOC}/group-list.md ("The default and maximum page sizes are 100 and 999 group objects respectively")`,
            modelled: true,
            stricter: "Graph's exact answer to $top=1000 is not documented; the emulator answers 400 Request_BadRequest.",
            probe: { method: "GET", path: "/groups", query: "$top=1000" },
            expect: { status: 400 },
        },
        {
            id: "directory.groups.paging",
            kind: "paging",
            statement: "A page smaller than the result carries @odata.nextLink.",
            source: "microsoftgraph/microsoft-graph-docs-contrib concepts/paging.md",
            modelled: true,
            probe: { method: "GET", path: "/groups", query: "$top=1" },
            expect: { status: 200, bodyHas: ["@odata.nextLink"] },
        },
        {
            id: "directory.groups.skip",
            kind: "query",
            statement: "$skip isn't supported on /groups.",
            source: `${DOC}/group-list.md`,
            modelled: true,
            stricter: "Graph's status and code for $skip are not documented; the emulator answers 400 Request_BadRequest.",
            probe: { method: "GET", path: "/groups", query: "$skip=1" },
            expect: { status: 400 },
        },
        {
            id: "directory.groups.countNeedsHeader",
            kind: "header",
            statement: "$count=true on groups needs ConsistencyLevel: eventual (advanced query); without it 400 Request_UnsupportedQuery.",
            source:
                `${DOC}/group-list.md (example 2: "requires the ConsistencyLevel header set to eventual because $count is in the ` +
                `request"); ${ADV}`,
            modelled: true,
            stricter: "Graph's sentence is not documented; the wording of aad-advanced-queries.md's example is adapted.",
            probe: { method: "GET", path: "/groups", query: "$count=true" },
            expect: { status: 400, code: "Request_UnsupportedQuery" },
        },
        {
            id: "directory.groups.count",
            kind: "header",
            statement: "With ConsistencyLevel: eventual, $count=true adds @odata.count.",
            source: `${DOC}/group-list.md (example 2)`,
            modelled: true,
            probe: {
                method: "GET",
                path: "/groups",
                query: "$count=true&$select=id,displayName",
                headers: { ConsistencyLevel: "eventual" },
            },
            expect: { status: 200, bodyHas: ["@odata.count", "value"] },
        },
        {
            id: "directory.groups.countSegment",
            kind: "route",
            statement: "GET /groups/$count with ConsistencyLevel: eventual answers the count as text/plain.",
            source: `${DOC}/group-list.md (example 3)`,
            modelled: true,
            route: {
                methods: ["GET"],
                path: "/groups/$count",
                versions: ["v1.0", "beta"],
                requires: { headers: { consistencylevel: "eventual" } },
            },
            probe: { method: "GET", path: "/groups/$count", headers: { ConsistencyLevel: "eventual" } },
            expect: { status: 200, headers: { "content-type": "^text/plain" } },
        },
        {
            id: "directory.groups.permission",
            kind: "permission",
            statement:
                "Listing groups needs GroupMember.Read.All, Group.Read.All, Directory.Read.All, Group.ReadWrite.All or " +
                "Directory.ReadWrite.All; without one 403.",
            source: `${DOC}/group-list.md`,
            modelled: true,
            probe: { method: "GET", path: "/groups", app: ["User.Read.All"] },
            expect: { status: 403 },
        },
        {
            id: "directory.groups.permissionLeast",
            kind: "permission",
            statement: "GroupMember.Read.All (least privileged) lists groups.",
            source: `${DOC}/group-list.md`,
            modelled: true,
            probe: { method: "GET", path: "/groups", app: ["GroupMember.Read.All"] },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "directory.groups.search",
            kind: "query",
            statement: "$search on groups (displayName, description) needs ConsistencyLevel: eventual.",
            source: `${DOC}/group-list.md`,
            modelled: false,
            stricter: "Not modelled: the emulator refuses $search, $orderby and $expand on /groups with 400.",
        },
        {
            id: "directory.group.route",
            kind: "route",
            statement: "GET /groups/{id}; an unknown group answers 404.",
            source: `${DOC}/group-get.md`,
            modelled: true,
            route: { methods: ["GET"], path: "/groups/{id}", versions: ["v1.0", "beta"] },
            probe: { method: "GET", path: "/groups/00000000-0000-0000-0000-00000000dead" },
            expect: { status: 404 },
        },
        {
            id: "directory.group.select",
            kind: "query",
            statement:
                'GET /groups/{id} takes $select ("You can use $select to get specific group properties, including those that ' +
                'are not returned by default"); the answer holds the selected properties.',
            source: `${DOC}/group-get.md (Optional query parameters; example 2)`,
            modelled: true,
            stricter: "Only $select is modelled on this route; any other query option is refused as not modelled.",
            probe: { method: "GET", path: "/groups/{group}", query: "$select=id,displayName" },
            expect: { status: 200, bodyHas: ["id", "displayName"], bodyLacks: ["mailNickname"] },
        },
        {
            id: "directory.group.permission",
            kind: "permission",
            statement: "Reading a group needs GroupMember.Read.All or Group.Read.All (or Directory.Read.All).",
            source: `${DOC}/group-get.md`,
            modelled: true,
            probe: { method: "GET", path: "/groups/{group}", app: ["GroupMember.Read.All"] },
            expect: { status: 200 },
        },
        {
            id: "directory.transitiveMembers.route",
            kind: "route",
            statement: "GET /groups/{id}/transitiveMembers lists direct and nested members.",
            source: `${DOC}/group-list-transitivemembers.md`,
            modelled: true,
            route: { methods: ["GET"], path: "/groups/{id}/transitiveMembers", versions: ["v1.0", "beta"], maxTop: 999 },
            probe: { method: "GET", path: "/groups/{group}/transitiveMembers" },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "directory.transitiveMembers.cast",
            kind: "header",
            statement:
                "The OData cast transitiveMembers/microsoft.graph.user is an advanced query: without ConsistencyLevel: " +
                "eventual and $count=true Graph answers 400 Request_UnsupportedQuery.",
            source: `${ADV} ("OData cast with transitive members list"); ${DOC}/group-list-transitivemembers.md`,
            modelled: true,
            stricter: "Graph's sentence for a cast is not documented; the wording of the page's endsWith example is adapted.",
            route: {
                methods: ["GET"],
                path: "/groups/{id}/transitiveMembers/microsoft.graph.user",
                versions: ["v1.0", "beta"],
                maxTop: 999,
                requires: { headers: { consistencylevel: "eventual" }, query: { $count: "true" } },
            },
            probe: { method: "GET", path: "/groups/{group}/transitiveMembers/microsoft.graph.user" },
            expect: { status: 400, code: "Request_UnsupportedQuery" },
        },
        {
            id: "directory.transitiveMembers.castAdvanced",
            kind: "header",
            statement: "With ConsistencyLevel: eventual and $count=true the cast answers 200 with @odata.count.",
            source: ADV,
            modelled: true,
            probe: {
                method: "GET",
                path: "/groups/{group}/transitiveMembers/microsoft.graph.user",
                query: "$count=true",
                headers: { ConsistencyLevel: "eventual" },
            },
            expect: { status: 200, bodyHas: ["@odata.count", "value"] },
        },
        {
            id: "directory.transitiveMembers.headerAlone",
            kind: "header",
            statement: "The header without $count=true is not enough for the cast.",
            source: ADV,
            modelled: true,
            probe: {
                method: "GET",
                path: "/groups/{group}/transitiveMembers/microsoft.graph.user",
                headers: { ConsistencyLevel: "eventual" },
            },
            expect: { status: 400, code: "Request_UnsupportedQuery" },
        },
        {
            id: "directory.methods.route",
            kind: "route",
            statement: "GET /users/{id}/authentication/methods lists every registered method (the password too).",
            source: `${DOC}/authentication-list-methods.md`,
            modelled: true,
            route: { methods: ["GET"], path: "/users/{id}/authentication/methods", versions: ["v1.0", "beta"] },
            probe: { method: "GET", path: "/users/{userWithMethods}/authentication/methods" },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "directory.methods.permission",
            kind: "permission",
            statement: "Listing a user's methods needs UserAuthenticationMethod.Read.All (or .ReadWrite.All).",
            source: `${DOC}/authentication-list-methods.md`,
            modelled: true,
            probe: { method: "GET", path: "/users/{userWithMethods}/authentication/methods", app: ["User.Read.All"] },
            expect: { status: 403 },
        },
        {
            id: "directory.requirements.route",
            kind: "route",
            statement:
                "GET and PATCH /users/{id | upn}/authentication/requirements exist in beta only; PATCH takes perUserMfaState " +
                "and answers 204.",
            source:
                `${BETA}/resources/strongauthenticationrequirements.md; learn.microsoft.com ` +
                "entra/identity/authentication/howto-mfa-userstates",
            modelled: true,
            stricter:
                "The identity-and-access write limit is applied to these writes; the throttling page does not list " +
                "authentication/requirements, so that is an assumption (BENCHMARKS.md).",
            route: {
                methods: ["GET", "PATCH"],
                path: "/users/{id}/authentication/requirements",
                versions: ["beta"],
                bodyEntity: { PATCH: "strongAuthenticationRequirements" },
                writable: ["perUserMfaState"],
            },
            probe: { method: "PATCH", path: REQ, version: "beta", body: { perUserMfaState: "disabled" } },
            expect: { status: 204 },
        },
        {
            id: "directory.requirements.v1",
            kind: "route",
            statement: "authentication/requirements is a beta resource: v1.0 has no such segment.",
            source: `${BETA}/resources/strongauthenticationrequirements.md; graph-schema v1.0.json authentication (no requirements)`,
            modelled: true,
            stricter:
                "Graph's status for the missing segment is not documented; the emulator answers 400 BadRequest as for any unknown segment.",
            probe: { method: "GET", path: REQ },
            expect: { status: 400 },
        },
        {
            id: "directory.requirements.valueSet",
            kind: "valueSet",
            statement: "perUserMfaState is one of disabled, enabled, enforced.",
            source: "graph-schema beta.json perUserMfaState",
            modelled: true,
            probe: { method: "PATCH", path: REQ, version: "beta", body: { perUserMfaState: "on" } },
            expect: { status: 400 },
        },
        {
            id: "directory.requirements.stateAsSet",
            kind: "status",
            statement:
                "An administrator may move a user between any states, Enforced to Enabled included; a user set to Enabled " +
                "stays Enabled (whatever methods they registered before) until they complete a registration while Enabled.",
            source:
                'MicrosoftDocs/entra-docs docs/identity/authentication/howto-mfa-userstates.md ("Administrators may move users ' +
                'between states, including from Enforced to Enabled or Disabled"; "Users who complete registration while in the ' +
                'Enabled state are automatically moved to the Enforced state"; "If per-user MFA is re-enabled on a user and the ' +
                "user doesn't re-register, their MFA state doesn't transition from Enabled to Enforced\")",
            modelled: true,
            probe: {
                method: "GET",
                path: REQ,
                version: "beta",
                setup: [
                    { method: "PATCH", path: REQ, version: "beta", body: { perUserMfaState: "enforced" } },
                    { method: "PATCH", path: REQ, version: "beta", body: { perUserMfaState: "enabled" } },
                ],
            },
            expect: { status: 200, body: { perUserMfaState: "enabled" } },
        },
        {
            id: "directory.requirements.permission",
            kind: "permission",
            statement: "Writing per-user MFA needs Policy.ReadWrite.AuthenticationMethod; Policy.Read.All reads only.",
            source:
                `${BETA}/api/authentication-update.md ("Permissions to update per-user MFA state", "Permissions acting on ` +
                `others": api-reference/beta/includes/permissions/authentication-update-3-permissions.md, Application: ` +
                "Policy.ReadWrite.AuthenticationMethod, no higher permission)",
            modelled: true,
            probe: { method: "PATCH", path: REQ, version: "beta", body: { perUserMfaState: "disabled" }, app: ["Policy.Read.All"] },
            expect: { status: 403 },
        },
        {
            id: "directory.requirements.readGranted",
            kind: "permission",
            statement: "Policy.Read.All reads per-user MFA (Policy.ReadWrite.AuthenticationMethod too).",
            source:
                `${BETA}/api/authentication-get.md (per-user MFA state of others: ` +
                "api-reference/beta/includes/permissions/authentication-get-3-permissions.md, Application: Policy.Read.All, " +
                "higher Policy.ReadWrite.AuthenticationMethod)",
            modelled: true,
            probe: { method: "GET", path: REQ, version: "beta", app: ["Policy.Read.All"] },
            expect: { status: 200, bodyHas: ["perUserMfaState"] },
        },
        {
            id: "directory.unauthenticated",
            kind: "status",
            statement: "A Graph call without a token answers 401 InvalidAuthenticationToken.",
            source: "microsoftgraph/microsoft-graph-docs-contrib concepts/resolve-auth-errors.md",
            modelled: true,
            probe: { method: "GET", path: "/users", app: "(no token)" },
            expect: { status: 401, code: "InvalidAuthenticationToken" },
        },
    ],
};
