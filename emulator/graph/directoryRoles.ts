import { GraphHttpError } from "../http";
import { requireRole } from "../identity";
import type { Route, RouteContext } from "./routes";

/**
 * Activated directory roles and their members, as Graph lists them: GET /directoryRoles, and
 * GET /directoryRoles/{id}/members or /directoryRoles(roleTemplateId='...')/members. Role holders
 * come from the users' `roles`; a role is activated when someone holds it. Read with
 * RoleManagement.Read.Directory (or Directory.Read.All).
 */
export const ROLE_TEMPLATES: Record<string, string> = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "Security Administrator": "194ae4cb-b126-40b2-bd5b-6091b380977d",
};

const READ = ["RoleManagement.Read.Directory", "RoleManagement.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"];

/** The role object's id: Graph gives each tenant its own; here it is derived from the template id. */
const roleId = (templateId: string) => `${templateId.slice(0, 24)}${"d1ec70"}${templateId.slice(30)}`;

function activated(ctx: RouteContext) {
    const held = new Set<string>();
    for (const u of ctx.store.directory(ctx.tenant.tenantId).users.values()) u.roles.forEach((r) => held.add(r));
    return Object.entries(ROLE_TEMPLATES)
        .filter(([name]) => held.has(name))
        .map(([displayName, roleTemplateId]) => ({ id: roleId(roleTemplateId), displayName, roleTemplateId, description: `${displayName} role`, deletedDateTime: null }));
}

export const directoryRoleRoutes: Route[] = [
    {
        method: "GET",
        pattern: /^\/directoryRoles$/,
        versions: ["v1.0", "beta"],
        write: false,
        handle(ctx, version) {
            requireRole(ctx.claims, READ);
            return { status: 200, body: { "@odata.context": `${ctx.origin}/${version}/$metadata#directoryRoles`, value: activated(ctx) } };
        },
    },
    {
        method: "GET",
        pattern: /^\/directoryRoles(?:\/([^/(]+)|\(roleTemplateId='([^']+)'\))\/members$/,
        versions: ["v1.0", "beta"],
        write: false,
        handle(ctx, version) {
            requireRole(ctx.claims, READ);
            const [byId, byTemplate] = ctx.params;
            const role = activated(ctx).find((r) => (byId ? r.id === byId.toLowerCase() : r.roleTemplateId === byTemplate?.toLowerCase()));
            if (!role) {
                throw new GraphHttpError(404, "Request_ResourceNotFound", `Resource '${byId ?? byTemplate}' does not exist or one of its queried reference-property objects are not present.`);
            }
            const members = [...ctx.store.directory(ctx.tenant.tenantId).users.values()].filter((u) => u.roles.includes(role.displayName));
            return {
                status: 200,
                body: {
                    "@odata.context": `${ctx.origin}/${version}/$metadata#directoryObjects`,
                    value: members.map((u) => ({ "@odata.type": "#microsoft.graph.user", id: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName, accountEnabled: u.accountEnabled })),
                },
            };
        },
    },
];
