import type { GroupRecord, UserRecord } from "../directory";
import { GraphHttpError } from "../http";
import { requireRole } from "../identity";
import { loadSchema, propertiesOf } from "../schema/check";
import type { AppRegistration } from "../store";
import type { Route, RouteContext } from "./routes";

/**
 * Activated directory roles and their members, as Graph lists them: GET /directoryRoles, and
 * GET /directoryRoles/{id}/members or /directoryRoles(roleTemplateId='...')/members. Read with
 * RoleManagement.Read.Directory (or Directory.Read.All) (directoryrole-list.md, directoryrole-list-members.md).
 *
 * A role's members are the principals assigned it (directoryrole-list-members.md: "Retrieve the list of
 * principals that are assigned to the directory role"), as directoryObjects with their @odata.type:
 * - users (the users' `roles`);
 * - service principals (the tenant's app registrations' `directoryRoles`);
 * - role-assignable groups (groups with isAssignableToRole and `roles`): the group itself is the member;
 *   its own members hold the role through it and are read from the group (entra-docs groups-concept.md).
 *
 * Limited information (api-reference/includes/limited-info.md, concepts/permissions-overview.md "Limited
 * information returned for inaccessible member objects"): a member of a type the app may not read comes
 * back with its @odata.type and id, every other property null. Which permission reads which type: the
 * Get page of each type (user-get.md, serviceprincipal-get.md, group-get.md; READS below). A service
 * principal may read its own object without any permission (serviceprincipal-get.md note).
 *
 * Query options: $select is modelled on the members list; every other option, on either route, is
 * refused with 400 "not modelled by the emulator". /directoryRoles itself takes none
 * (directoryrole-list.md: "This method does not support the OData Query Parameters").
 */
export const ROLE_TEMPLATES: Record<string, string> = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "Security Administrator": "194ae4cb-b126-40b2-bd5b-6091b380977d",
};

/** The Application row of directoryrole-list.md and directoryrole-list-members.md (least to most privileged). */
const READ = ["RoleManagement.Read.Directory", "Directory.Read.All", "RoleManagement.ReadWrite.Directory", "Directory.ReadWrite.All"];

export type MemberType = "user" | "servicePrincipal" | "group";

/**
 * The application permissions that read each member type in full (the Application row of each type's
 * Get page): user-get.md, serviceprincipal-get.md, group-get.md. RoleManagement.Read.Directory reads the
 * role and its membership, not the member objects.
 */
export const READS: Record<MemberType, readonly string[]> = {
    user: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
    servicePrincipal: [
        "Application.Read.All",
        "Application.ReadWrite.OwnedBy",
        "Application.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ],
    group: ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"],
};

/** user-get.md: "By default, only a limited set of properties are returned". */
const DEFAULT_USER = [
    "businessPhones",
    "displayName",
    "givenName",
    "id",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
];
/** group-get.md example 1 ("It includes only the default properties"). */
const DEFAULT_GROUP = [
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesDomainName",
    "onPremisesLastSyncDateTime",
    "onPremisesNetBiosName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "securityIdentifier",
    "theme",
    "visibility",
    "onPremisesProvisioningErrors",
];
/**
 * microsoft.graph.servicePrincipal's properties (resources/serviceprincipal.md, Properties; `true` marks a
 * collection). The vendored Graph schema does not carry the type. serviceprincipal-get.md returns them
 * all by default.
 */
const SERVICE_PRINCIPAL: Record<string, boolean> = {
    id: false,
    deletedDateTime: false,
    accountEnabled: false,
    addIns: true,
    alternativeNames: true,
    appDescription: false,
    appDisplayName: false,
    appId: false,
    applicationTemplateId: false,
    appOwnerOrganizationId: false,
    appRoleAssignmentRequired: false,
    appRoles: true,
    description: false,
    disabledByMicrosoftStatus: false,
    displayName: false,
    homepage: false,
    info: false,
    keyCredentials: true,
    loginUrl: false,
    logoutUrl: false,
    notes: false,
    notificationEmailAddresses: true,
    oauth2PermissionScopes: true,
    passwordCredentials: true,
    preferredSingleSignOnMode: false,
    replyUrls: true,
    resourceSpecificApplicationPermissions: true,
    samlSingleSignOnSettings: false,
    servicePrincipalNames: true,
    servicePrincipalType: false,
    signInAudience: false,
    tags: true,
    tokenEncryptionKeyId: false,
    verifiedPublisher: false,
};

/** The role object's id: Graph gives each tenant its own; here it is derived from the template id. */
const roleId = (templateId: string) => `${templateId.slice(0, 24)}${"d1ec70"}${templateId.slice(30)}`;

type Member =
    | { type: "user"; user: UserRecord }
    | { type: "servicePrincipal"; app: AppRegistration }
    | { type: "group"; group: GroupRecord };

/** Every principal holding `role`: users, then service principals, then role-assignable groups. */
function holders(ctx: RouteContext, role: string): Member[] {
    const { users, groups } = ctx.store.directory(ctx.tenant.tenantId).roleHolders(role);
    return [
        ...users.map((user): Member => ({ type: "user", user })),
        ...ctx.tenant.apps.filter((a) => (a.directoryRoles ?? []).includes(role)).map((app): Member => ({ type: "servicePrincipal", app })),
        ...groups.map((group): Member => ({ type: "group", group })),
    ];
}

function activated(ctx: RouteContext) {
    return Object.entries(ROLE_TEMPLATES)
        .filter(([name]) => holders(ctx, name).length > 0)
        .map(([displayName, roleTemplateId]) => ({
            id: roleId(roleTemplateId),
            displayName,
            roleTemplateId,
            description: `${displayName} role`,
            deletedDateTime: null,
        }));
}

/** Property name -> is a collection, per member type. */
function propertiesOfType(type: MemberType): Record<string, boolean> {
    if (type === "servicePrincipal") return SERVICE_PRINCIPAL;
    const props = propertiesOf(loadSchema("v1.0"), type);
    return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.type.startsWith("Collection(")]));
}

function modelled(m: Member, tenantId: string): Record<string, unknown> {
    switch (m.type) {
        case "user": {
            const u = m.user;
            return {
                id: u.id,
                userPrincipalName: u.userPrincipalName,
                displayName: u.displayName,
                userType: u.userType,
                accountEnabled: u.accountEnabled,
                mail: u.mail,
            };
        }
        case "servicePrincipal": {
            const a = m.app;
            return {
                id: a.objectId,
                appId: a.appId,
                displayName: a.displayName,
                appDisplayName: a.displayName,
                accountEnabled: true,
                servicePrincipalType: "Application",
                appOwnerOrganizationId: tenantId,
                signInAudience: "AzureADMyOrg",
            };
        }
        case "group": {
            const g = m.group;
            return {
                id: g.id,
                displayName: g.displayName,
                isAssignableToRole: g.isAssignableToRole ? true : null,
                securityEnabled: g.isAssignableToRole ? true : null,
                mailEnabled: g.isAssignableToRole ? false : null,
                groupTypes: [],
            };
        }
    }
}

const idOf = (m: Member) => (m.type === "user" ? m.user.id : m.type === "servicePrincipal" ? m.app.objectId : m.group.id);

/** Whether the calling app may read this member in full (READS; a service principal reads itself). */
function readable(ctx: RouteContext, m: Member): boolean {
    if (m.type === "servicePrincipal" && m.app.objectId === ctx.claims.oid) return true;
    const roles = ctx.claims.roles ?? [];
    return READS[m.type].some((r) => roles.includes(r));
}

/**
 * One member as a directoryObject: @odata.type, then the selected (or the type's default) properties
 * the type has. Unmodelled properties come back null (or [] for a collection), as Graph returns an unset
 * property; a member the app may not read has only @odata.type and id, every other property null.
 */
function shapeMember(ctx: RouteContext, m: Member, select: string[] | undefined): Record<string, unknown> {
    const props = propertiesOfType(m.type);
    const fields = (
        select ?? (m.type === "user" ? DEFAULT_USER : m.type === "group" ? DEFAULT_GROUP : Object.keys(SERVICE_PRINCIPAL))
    ).filter((f) => f in props);
    const full = readable(ctx, m);
    const values = modelled(m, ctx.tenant.tenantId);
    const out: Record<string, unknown> = { "@odata.type": `#microsoft.graph.${m.type}` };
    if (!full) out.id = idOf(m);
    for (const f of fields) {
        if (f === "id") {
            out.id = idOf(m);
        } else if (!full) {
            out[f] = null;
        } else {
            out[f] = values[f] ?? (props[f] ? [] : null);
        }
    }
    return out;
}

/** The query options the members list models (declared once: the dispatcher's check and the handler's both read it). */
const MEMBER_OPTIONS: readonly string[] = ["$select"];

/**
 * Refuses every query option but those `allowed` with 400 "not modelled by the emulator": what the
 * emulator does not model, it refuses loudly rather than answer as if the option were applied. The
 * dispatcher (../server.ts with ./query.ts) makes the same check first from the route's `query`; this
 * keeps the route loud on its own.
 */
function refuseUnmodelled(ctx: RouteContext, allowed: readonly string[], route: string): void {
    for (const key of ctx.req.url.searchParams.keys()) {
        if (!allowed.includes(key)) {
            throw new GraphHttpError(
                400,
                "Request_BadRequest",
                `Query option '${key}' on ${route} is not modelled by the emulator` +
                    (allowed.length ? ` (it models ${allowed.join(", ")} there).` : " (it models none there)."),
            );
        }
    }
}

/**
 * $select over the member types: each name must be a property of at least one of user, group or
 * servicePrincipal, else Graph's 400 for an unknown property (stricter where Graph's handling of a name
 * no derived type has is undocumented).
 */
function memberSelect(ctx: RouteContext): string[] | undefined {
    const raw = ctx.req.url.searchParams.get("$select");
    if (raw === null) return undefined;
    const fields = raw
        .split(",")
        .map((f) => f.trim())
        .filter(Boolean);
    const types: MemberType[] = ["user", "group", "servicePrincipal"];
    for (const f of fields) {
        if (!types.some((t) => f in propertiesOfType(t))) {
            throw new GraphHttpError(
                400,
                "Request_BadRequest",
                `Could not find a property named '${f}' on type 'microsoft.graph.directoryObject'.`,
            );
        }
    }
    if (!fields.length) {
        throw new GraphHttpError(400, "Request_BadRequest", "Invalid $select: no property named.");
    }
    return fields;
}

export const directoryRoleRoutes: Route[] = [
    {
        method: "GET",
        pattern: /^\/directoryRoles$/,
        versions: ["v1.0", "beta"],
        write: false,
        handle(ctx, version) {
            requireRole(ctx.claims, READ);
            refuseUnmodelled(ctx, [], "/directoryRoles");
            return { status: 200, body: { "@odata.context": `${ctx.origin}/${version}/$metadata#directoryRoles`, value: activated(ctx) } };
        },
    },
    {
        method: "GET",
        pattern: /^\/directoryRoles(?:\/([^/(]+)|\(roleTemplateId='([^']+)'\))\/members$/,
        versions: ["v1.0", "beta"],
        write: false,
        // The dispatcher's query check (./query.ts): $select passes to the handler, which checks it over the member types.
        query: {
            options: MEMBER_OPTIONS,
            select: false,
            resource: "directoryObject",
            source: "docs-contrib api-reference/v1.0/api/directoryrole-list-members.md",
        },
        handle(ctx, version) {
            requireRole(ctx.claims, READ);
            refuseUnmodelled(ctx, MEMBER_OPTIONS, "/directoryRoles/{id}/members");
            const select = memberSelect(ctx);
            const [byId, byTemplate] = ctx.params;
            const role = activated(ctx).find((r) => (byId ? r.id === byId.toLowerCase() : r.roleTemplateId === byTemplate?.toLowerCase()));
            if (!role) {
                throw new GraphHttpError(
                    404,
                    "Request_ResourceNotFound",
                    `Resource '${byId ?? byTemplate}' does not exist or one of its queried reference-property objects are not present.`,
                );
            }
            return {
                status: 200,
                body: {
                    "@odata.context": `${ctx.origin}/${version}/$metadata#directoryObjects${select ? `(${select.join(",")})` : ""}`,
                    value: holders(ctx, role.displayName).map((m) => shapeMember(ctx, m, select)),
                },
            };
        },
    },
];
