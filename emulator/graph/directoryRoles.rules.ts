import type { RuleTable } from "../rules";

const DOC = "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/api";

/** Activated directory roles and their members (./directoryRoles.ts). */
export const RULES: RuleTable = {
    area: "directoryRoles",
    file: "emulator/graph/directoryRoles.ts",
    rules: [
        {
            id: "directoryRoles.route.list",
            kind: "route",
            statement: "GET /directoryRoles lists the activated roles.",
            source: `${DOC}/directoryrole-list.md`,
            modelled: true,
            route: { methods: ["GET"], path: "/directoryRoles", versions: ["v1.0", "beta"] },
            probe: { method: "GET", path: "/directoryRoles" },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "directoryRoles.route.members",
            kind: "route",
            statement: "GET /directoryRoles/{id}/members and /directoryRoles(roleTemplateId='{roleTemplateId}')/members list a role's members.",
            source: `${DOC}/directoryrole-list-members.md`,
            modelled: true,
            route: { methods: ["GET"], path: "/directoryRoles(roleTemplateId='{template}')/members", versions: ["v1.0", "beta"] },
            probe: { method: "GET", path: "/directoryRoles(roleTemplateId='62e90394-69f5-4237-9190-012177145e10')/members" },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "directoryRoles.route.membersById",
            kind: "route",
            statement: "GET /directoryRoles/{id}/members.",
            source: `${DOC}/directoryrole-list-members.md`,
            modelled: true,
            route: { methods: ["GET"], path: "/directoryRoles/{id}/members", versions: ["v1.0", "beta"] },
            probe: { method: "GET", path: "/directoryRoles/00000000-0000-0000-0000-000000000000/members" },
            expect: { status: 404 },
        },
        {
            id: "directoryRoles.permission",
            kind: "permission",
            statement: "Listing roles needs RoleManagement.Read.Directory (or Directory.Read.All); without it 403.",
            source: `${DOC}/directoryrole-list.md`,
            modelled: true,
            probe: { method: "GET", path: "/directoryRoles", app: [] },
            expect: { status: 403 },
        },
        {
            id: "directoryRoles.permission.granted",
            kind: "permission",
            statement: "RoleManagement.Read.Directory is enough.",
            source: `${DOC}/directoryrole-list.md`,
            modelled: true,
            probe: { method: "GET", path: "/directoryRoles", app: ["RoleManagement.Read.Directory"] },
            expect: { status: 200 },
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
