import type { RuleTable } from "../rules";

const DOC = "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/api";
const GA = "62e90394-69f5-4237-9190-012177145e10";
const MEMBERS = `/directoryRoles(roleTemplateId='${GA}')/members`;
const LIMITED =
    "microsoftgraph/microsoft-graph-docs-contrib api-reference/includes/limited-info.md (included in " +
    "directoryrole-list-members.md's Permissions) and concepts/permissions-overview.md " +
    '("Limited information returned for inaccessible member objects": "only the object type and ID are returned and other ' +
    'properties have the value null")';
const ROLE_GROUPS = "MicrosoftDocs/entra-docs docs/identity/role-based-access-control/groups-concept.md";

/** Activated directory roles and their members (./directoryRoles.ts). */
export const RULES: RuleTable = {
    area: "directoryRoles",
    file: "emulator/graph/directoryRoles.ts",
    rules: [
        {
            id: "directoryRoles.route.list",
            kind: "route",
            statement: "GET /directoryRoles lists the activated roles; it takes no OData query parameters.",
            source:
                `${DOC}/directoryrole-list.md ("This operation only returns roles that have been activated"; "This method does ` +
                `not support the OData Query Parameters")`,
            modelled: true,
            route: { methods: ["GET"], path: "/directoryRoles", versions: ["v1.0", "beta"], queryOptions: [] },
            probe: { method: "GET", path: "/directoryRoles" },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "directoryRoles.list.query",
            kind: "query",
            statement: 'The page says GET /directoryRoles does not support the OData query parameters ("$filter is not supported here").',
            source: `${DOC}/directoryrole-list.md`,
            modelled: true,
            stricter:
                "Graph's answer to a query option here is not documented; the emulator refuses any with 400 \"not modelled " +
                'by the emulator".',
            probe: { method: "GET", path: "/directoryRoles", query: `$filter=roleTemplateId eq '${GA}'` },
            expect: { status: 400, message: "not modelled by the emulator" },
        },
        {
            id: "directoryRoles.route.members",
            kind: "route",
            statement: "GET /directoryRoles(roleTemplateId='{roleTemplateId}')/members lists the principals assigned the role.",
            source: `${DOC}/directoryrole-list-members.md ("GET /directoryRoles(roleTemplateId='{roleTemplateId}')/members")`,
            modelled: true,
            route: {
                methods: ["GET"],
                path: "/directoryRoles(roleTemplateId='{template}')/members",
                versions: ["v1.0", "beta"],
                queryOptions: ["$select"],
            },
            probe: { method: "GET", path: MEMBERS },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "directoryRoles.route.membersById",
            kind: "route",
            statement: "GET /directoryRoles/{role-id}/members; a role id that is not an activated role answers 404.",
            source: `${DOC}/directoryrole-list-members.md ("GET /directoryRoles/{role-id}/members")`,
            modelled: true,
            route: { methods: ["GET"], path: "/directoryRoles/{id}/members", versions: ["v1.0", "beta"], queryOptions: ["$select"] },
            probe: { method: "GET", path: "/directoryRoles/00000000-0000-0000-0000-000000000000/members" },
            expect: { status: 404 },
        },
        {
            id: "directoryRoles.members.principals",
            kind: "body",
            statement:
                "The members are every principal assigned the role (users, service principals, role-assignable groups), " +
                "returned as a collection of directoryObject, each with its @odata.type. " +
                "Only a group created with isAssignableToRole true can be assigned a role (immutable; Microsoft Entra ID P1 " +
                "or P2); group nesting is not supported; the group's members hold the role through it, so the group, not its " +
                "members, is the role's member.",
            source:
                `${DOC}/directoryrole-list-members.md ("Retrieve the list of principals that are assigned to the directory ` +
                `role"; "collection of directoryObject objects"); ` +
                `${ROLE_GROUPS} ("Only groups that have the isAssignableToRole property set to true at creation time can be ` +
                `assigned a role"; "Group nesting isn't supported. A group can't be added as a member of a role-assignable ` +
                `group"; ` +
                `"With Microsoft Entra ID P1 or P2, you can create role-assignable groups"; "When people join the group, ` +
                `they're assigned the role indirectly")`,
            modelled: true,
            stricter:
                "That the group itself (not its members) is listed follows from the page listing the principals assigned; " +
                "the docs show no example with a group. The conformance tenant's Global Administrators are users only: " +
                "the service principal and role-assignable group cases are asserted in " +
                "tests/emulator/directoryRoles.test.ts. The store refuses the rest (Directory.putGroup, " +
                "Store.addRoleAssignableGroup).",
            probe: { method: "GET", path: MEMBERS, app: "portal-admin", query: "$select=userPrincipalName" },
            expect: { status: 200, body: { "value.0.userPrincipalName": "breakglass1@contoso.onmicrosoft.com" } },
        },
        {
            id: "directoryRoles.members.limitedInformation",
            kind: "permission",
            statement:
                "An app without permission to read a member's type gets that member with limited information: its " +
                "@odata.type and id, every other property null. RoleManagement.Read.Directory alone reads the membership, " +
                "not the member objects.",
            source: LIMITED,
            modelled: true,
            probe: { method: "GET", path: MEMBERS, app: ["RoleManagement.Read.Directory"] },
            expect: { status: 200, body: { "value.0.userPrincipalName": null, "value.0.displayName": null }, bodyHas: ["value.0.id"] },
        },
        {
            id: "directoryRoles.members.readsByType",
            kind: "permission",
            statement:
                "The permissions that read each member type in full: users User.Read.All, User.ReadWrite.All, " +
                "Directory.Read.All, Directory.ReadWrite.All; service principals Application.Read.All, " +
                "Application.ReadWrite.OwnedBy, Application.ReadWrite.All, Directory.Read.All; groups GroupMember.Read.All, " +
                "Group.Read.All, Directory.Read.All, Group.ReadWrite.All, Directory.ReadWrite.All. " +
                "A service principal can retrieve its own service principal details without any application permission.",
            source:
                `${DOC}/user-get.md (its permissions include), ${DOC}/serviceprincipal-get.md (Application row, and the Note ` +
                `under Permissions), ${DOC}/group-get.md (Application row)`,
            modelled: true,
            stricter:
                "User.ReadBasic.All is not counted as reading users; Directory.ReadWrite.All is counted for service " +
                "principals (higher than Directory.Read.All).",
            probe: {
                method: "GET",
                path: MEMBERS,
                app: ["RoleManagement.Read.Directory", "User.Read.All"],
                query: "$select=userPrincipalName",
            },
            expect: { status: 200, body: { "value.0.userPrincipalName": "breakglass1@contoso.onmicrosoft.com" } },
        },
        {
            id: "directoryRoles.members.defaults",
            kind: "body",
            statement:
                "Without $select each member carries its type's default properties: a user the default set (businessPhones, " +
                "displayName, givenName, id, jobTitle, mail, mobilePhone, officeLocation, preferredLanguage, surname, " +
                "userPrincipalName), a group the default set, a service principal its properties.",
            source:
                `${DOC}/user-get.md ("By default, only a limited set of properties are returned"), ${DOC}/group-get.md (example ` +
                `1, "only the default properties"), ${DOC}/serviceprincipal-get.md (example 1)`,
            modelled: true,
            stricter:
                "The list-members page shows a truncated user only; the defaults of each type's Get page are assumed for the " +
                "collection. Service principal properties from resources/serviceprincipal.md (the vendored Graph schema " +
                "lacks the type).",
            probe: { method: "GET", path: MEMBERS },
            expect: {
                status: 200,
                body: { "value.0.displayName": "Break Glass 1" },
                bodyHas: ["value.0.businessPhones", "value.0.mobilePhone"],
                bodyLacks: ["value.0.accountEnabled"],
            },
        },
        {
            id: "directoryRoles.members.select",
            kind: "query",
            statement: "$select names properties; each member carries the selected properties its type has (and its @odata.type).",
            source:
                `${DOC}/directoryrole-list-members.md ("This method supports the OData query parameters"), ` +
                "microsoftgraph/microsoft-graph-docs-contrib concepts/query-parameters.md",
            modelled: true,
            stricter:
                "A name that no member type (user, group, servicePrincipal) has is refused with 400 Request_BadRequest; " +
                "Graph's answer to it on a directoryObject collection is not documented.",
            probe: { method: "GET", path: MEMBERS, query: "$select=noSuchProperty" },
            expect: { status: 400 },
        },
        {
            id: "directoryRoles.members.otherOptions",
            kind: "query",
            statement: "The page lists the usual OData query parameters without saying which apply to this collection.",
            source: `${DOC}/directoryrole-list-members.md ("This method supports the OData query parameters")`,
            modelled: true,
            stricter:
                "Only $select is modelled; $filter, $top, $count, $orderby, $search, $expand, $skip and any other option or " +
                'parameter are refused with 400 "not modelled by the emulator".',
            probe: { method: "GET", path: MEMBERS, query: "$top=5" },
            expect: { status: 400, message: "not modelled by the emulator" },
        },
        {
            id: "directoryRoles.permission",
            kind: "permission",
            statement:
                "Listing roles needs RoleManagement.Read.Directory, Directory.Read.All, RoleManagement.ReadWrite.Directory " +
                "or Directory.ReadWrite.All; without one, 403.",
            source: `${DOC}/directoryrole-list.md (Permissions, Application row)`,
            modelled: true,
            probe: { method: "GET", path: "/directoryRoles", app: [] },
            expect: { status: 403 },
        },
        {
            id: "directoryRoles.permission.granted",
            kind: "permission",
            statement: "RoleManagement.Read.Directory is the least privileged permission for listing roles.",
            source: `${DOC}/directoryrole-list.md (Permissions, Application row)`,
            modelled: true,
            probe: { method: "GET", path: "/directoryRoles", app: ["RoleManagement.Read.Directory"] },
            expect: { status: 200 },
        },
        {
            id: "directoryRoles.members.permission",
            kind: "permission",
            statement:
                "Listing a role's members needs RoleManagement.Read.Directory, Directory.Read.All, " +
                "RoleManagement.ReadWrite.Directory or Directory.ReadWrite.All; without one, 403.",
            source: `${DOC}/directoryrole-list-members.md (Permissions, Application row)`,
            modelled: true,
            probe: { method: "GET", path: MEMBERS, app: ["User.Read.All"] },
            expect: { status: 403 },
        },
        {
            id: "directoryRoles.verb",
            kind: "verb",
            statement: "Activating a role is POST /directoryRoles (documented); the emulator does not serve it.",
            source: `${DOC}/directoryrole-post-directoryroles.md`,
            modelled: false,
        },
    ],
};
