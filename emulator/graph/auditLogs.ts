import type { DirectoryAuditRecord } from "../auditLog";
import { GraphHttpError } from "../http";
import { requireRole } from "../identity";
import { type FilterRow, type QueryCapability, filterOf, orderOf } from "./query";
import { paged } from "./reports";
import type { Route, RouteContext } from "./routes";

/**
 * GET /auditLogs/directoryAudits as Graph documents it (docs-contrib api-reference/v1.0/api/directoryaudit-list.md,
 * resources/directoryaudit.md):
 * - application permission "AuditLog.Read.All and Directory.Read.All" (both; no higher permission listed);
 * - no licence gate: audit logs are available in Microsoft Entra ID Free (entra-docs includes/licensing-monitoring-health.md);
 * - query options $filter, $top, $orderby, $skiptoken (AUDITS_QUERY, checked by the dispatcher); any other is refused;
 * - throttled under the Entra logs and reports limit (includes/throttling-entra-logs-reports.md);
 * - $filter per property as resources/directoryaudit.md lists it (AUDIT_FILTER); `and`, parentheses; `or` only on a tenant
 *   with auditOrFilter "accepted" and only between plain comparisons (AUDITS_QUERY.or);
 * - $orderby activityDateTime [asc|desc]; newest first without one (not documented; the order of the
 *   page's examples and of the portal);
 * - entries kept 30 days (troubleshoot-policy-changes-audit-log.md: "only kept for 30 days by default").
 */
const READ_ALL_OF = ["AuditLog.Read.All", "Directory.Read.All"];
const RETENTION_DAYS = 30;
/** Not documented for directoryAudits; 999 is below sign-ins' 1,000 (the stricter choice). */
export const AUDIT_MAX_TOP = 999;

const AUDIT_MD = 'docs-contrib api-reference/v1.0/resources/directoryaudit.md (Properties: "Supports $filter (...)")';
/**
 * $filter on directory audits, as resources/directoryaudit.md lists it (category from peers' code, see
 * its row). operationType and result list no operators there, so they are not filterable here.
 */
const AUDIT_FILTER: Record<string, FilterRow> = {
    activityDateTime: { ops: ["eq", "ge", "le"], source: AUDIT_MD },
    activityDisplayName: { ops: ["eq", "startsWith"], source: AUDIT_MD },
    correlationId: { ops: ["eq"], source: AUDIT_MD },
    id: { ops: ["eq"], source: AUDIT_MD },
    "initiatedBy/user/id": { ops: ["eq"], source: AUDIT_MD },
    "initiatedBy/user/displayName": { ops: ["eq"], source: AUDIT_MD },
    "initiatedBy/user/userPrincipalName": { ops: ["eq", "startsWith"], source: AUDIT_MD },
    "initiatedBy/app/appId": { ops: ["eq"], source: AUDIT_MD },
    "initiatedBy/app/displayName": { ops: ["eq"], source: AUDIT_MD },
    loggedByService: { ops: ["eq"], source: AUDIT_MD },
    // Not on the resource page: peers' public code filters directory audits on category with eq (Graph
    // answers it); the emulator takes eq only, the operator their requests use.
    category: {
        ops: ["eq"],
        source:
            "not stated by resources/directoryaudit.md; only peers' public code shows `$filter=category eq '...'` (e.g. PIM and " +
            "role-change audit scripts querying category eq 'RoleManagement')",
    },
    targetResources: { ops: ["any"], any: { id: ["eq"], displayName: ["eq", "startsWith"] }, source: AUDIT_MD },
};
/** GET auditLogs/directoryAudits: $filter, $top, $orderby and the $skiptoken of its nextLink (directoryaudit-list.md). */
export const AUDITS_QUERY: QueryCapability = {
    options: ["$filter", "$top", "$orderby", "$skiptoken"],
    filter: AUDIT_FILTER,
    orderby: { activityDateTime: AUDIT_MD },
    select: false,
    resource: "directoryAudit",
    // Rules auditLogs.directoryAudits.or (a tenant with auditOrFilter "accepted") and ...orRefused (the default).
    or: {
        source:
            "peers' code sends `activityDisplayName eq '...' or ...` to directory audits (CIPP-API " +
            "Modules/CIPPCore/Public/Alerts/Get-CIPPAlertGroupMembershipChange.ps1); not documented: directoryaudit-list.md and " +
            "resources/directoryaudit.md do not list `or`",
        tenant: (t) => t.auditOrFilter === "accepted",
        refusedUnless: "the directory audit pages do not list it; the tenant option auditOrFilter: accepted takes it",
    },
    source: "docs-contrib api-reference/v1.0/api/directoryaudit-list.md",
};

export function requireAll(ctx: RouteContext, roles: readonly string[]): void {
    for (const r of roles) requireRole(ctx.claims, [r]);
}

export const auditLogRoutes: Route[] = [
    {
        method: "GET",
        pattern: /^\/auditLogs\/directoryAudits$/,
        versions: ["v1.0", "beta"],
        write: false,
        query: AUDITS_QUERY,
        // Directory audits are under the Entra logs and reports limit (five requests per 10 seconds per
        // app per tenant), not identity and access: docs-contrib includes/throttling-entra-logs-reports.md
        // lists directoryAudit and signIn among its resources.
        bucket: "reports",
        handle(ctx, version) {
            requireAll(ctx, READ_ALL_OF);
            const keep = filterOf<DirectoryAuditRecord>(ctx.req, AUDITS_QUERY);
            const since = Date.now() - RETENTION_DAYS * 24 * 3600 * 1000;
            // Newest first without $orderby (not documented; the order of the page's examples and of the portal).
            const order =
                orderOf<DirectoryAuditRecord>(ctx.req, AUDITS_QUERY) ??
                ((a, b) => Date.parse(b.activityDateTime) - Date.parse(a.activityDateTime));
            const items = ctx.store
                .auditLog(ctx.tenant.tenantId)
                .all()
                .filter((e) => Date.parse(e.activityDateTime) >= since && keep(e))
                .sort(order);
            return paged(ctx, version, items, (e) => e, "auditLogs/directoryAudits", AUDIT_MAX_TOP);
        },
    },
    {
        method: "GET",
        pattern: /^\/auditLogs\/directoryAudits\/([^/]+)$/,
        versions: ["v1.0", "beta"],
        write: false,
        bucket: "reports",
        handle(ctx, version) {
            requireAll(ctx, READ_ALL_OF);
            const e = ctx.store
                .auditLog(ctx.tenant.tenantId)
                .all()
                .find((x) => x.id === ctx.params[0]);
            if (!e) {
                throw new GraphHttpError(
                    404,
                    "Request_ResourceNotFound",
                    `Resource '${ctx.params[0]}' does not exist or one of its queried reference-property objects are not present.`,
                );
            }
            return {
                status: 200,
                body: { "@odata.context": `${ctx.origin}/${version}/$metadata#auditLogs/directoryAudits/$entity`, ...e },
            };
        },
    },
];
