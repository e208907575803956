import type { DirectoryAuditRecord } from "../auditLog";
import { GraphHttpError } from "../http";
import { requireRole } from "../identity";
import { onlyQueryOptions, paged } from "./reports";
import type { Route, RouteContext } from "./routes";

/**
 * GET /auditLogs/directoryAudits as Graph documents it (docs-contrib api-reference/v1.0/api/directoryaudit-list.md,
 * resources/directoryaudit.md):
 * - application permission "AuditLog.Read.All and Directory.Read.All" (both; no higher permission listed);
 * - no licence gate: audit logs are available in Microsoft Entra ID Free (entra-docs includes/licensing-monitoring-health.md);
 * - query options $filter (eq, ge, le, startswith), $top, $orderby, $skiptoken; any other is refused (stricter);
 * - $filter on activityDateTime (eq, ge, le), activityDisplayName (eq, startswith), category, loggedByService,
 *   id, correlationId (eq), initiatedBy/app/appId, initiatedBy/app/displayName, initiatedBy/user/id,
 *   initiatedBy/user/userPrincipalName (eq), targetResources/any(t: t/id eq '…'), targetResources/any(t:
 *   t/displayName eq '…' | startswith(t/displayName, '…')); `and`, `or` and parentheses;
 * - $orderby activityDateTime [asc|desc]; newest first without one (not documented; the order of the
 *   page's examples and of the portal);
 * - entries kept 30 days (troubleshoot-policy-changes-audit-log.md: "only kept for 30 days by default").
 */
const READ_ALL_OF = ["AuditLog.Read.All", "Directory.Read.All"];
const RETENTION_DAYS = 30;
/** Not documented for directoryAudits; 999 is below sign-ins' 1,000 (the stricter choice). */
export const AUDIT_MAX_TOP = 999;

type Pred = (e: DirectoryAuditRecord) => boolean;

const bad = (message: string) => new GraphHttpError(400, "BadRequest", message);

const EQ_FIELDS: Record<string, (e: DirectoryAuditRecord) => unknown> = {
    id: (e) => e.id,
    category: (e) => e.category,
    correlationid: (e) => e.correlationId,
    loggedbyservice: (e) => e.loggedByService,
    activitydisplayname: (e) => e.activityDisplayName,
    result: (e) => e.result,
    operationtype: (e) => e.operationType,
    "initiatedby/app/appid": (e) => e.initiatedBy.app?.appId,
    "initiatedby/app/displayname": (e) => e.initiatedBy.app?.displayName,
    "initiatedby/user/id": (e) => e.initiatedBy.user?.id,
    "initiatedby/user/displayname": (e) => e.initiatedBy.user?.displayName,
    "initiatedby/user/userprincipalname": (e) => e.initiatedBy.user?.userPrincipalName,
};
const STARTSWITH_FIELDS: Record<string, (e: DirectoryAuditRecord) => unknown> = {
    activitydisplayname: (e) => e.activityDisplayName,
    "initiatedby/user/userprincipalname": (e) => e.initiatedBy.user?.userPrincipalName,
};

/** Tokens: quoted strings, punctuation, words (paths with / included), date-times. */
function tokenize(s: string): string[] {
    const out: string[] = [];
    const re = /\s*('(?:[^']|'')*'|\(|\)|,|:|[A-Za-z_][\w/]*|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)?|\S)/gy;
    let m: RegExpExecArray | null;
    while ((m = re.exec(s)) && m[1] !== undefined) {
        out.push(m[1]);
        if (re.lastIndex >= s.length) break;
    }
    if (out.join("").replace(/\s/g, "") !== s.replace(/\s/g, "")) {
        throw bad(`Invalid filter clause: '${s}'.`);
    }
    return out;
}

function unquote(tok: string | undefined): string {
    if (!tok || !/^'.*'$/.test(tok)) throw bad(`Expected a string literal, found '${tok ?? ""}'.`);
    return tok.slice(1, -1).replace(/''/g, "'");
}

export function auditFilter(expr: string | null): Pred {
    if (!expr) return () => true;
    const t = tokenize(expr);
    let i = 0;
    const peek = () => t[i]?.toLowerCase();
    const take = (want?: string) => {
        const tok = t[i++];
        if (want !== undefined && tok?.toLowerCase() !== want) throw bad(`Invalid filter clause: expected '${want}' in '${expr}'.`);
        return tok;
    };
    const orExpr = (): Pred => {
        let left = andExpr();
        while (peek() === "or") {
            take();
            const l = left, r = andExpr();
            left = (e) => l(e) || r(e);
        }
        return left;
    };
    const andExpr = (): Pred => {
        let left = unary();
        while (peek() === "and") {
            take();
            const l = left, r = unary();
            left = (e) => l(e) && r(e);
        }
        return left;
    };
    const unary = (): Pred => {
        if (peek() === "(") {
            take();
            const inner = orExpr();
            take(")");
            return inner;
        }
        if (peek() === "startswith") {
            take();
            take("(");
            const field = take()?.toLowerCase() ?? "";
            take(",");
            const v = unquote(take()).toLowerCase();
            take(")");
            const get = STARTSWITH_FIELDS[field];
            if (!get) throw bad(`startswith is not supported on '${field}'.`);
            return (e) => String(get(e) ?? "").toLowerCase().startsWith(v);
        }
        if (peek() === "targetresources/any") {
            take();
            take("(");
            const v = take() ?? "";
            take(":");
            const inner = lambda(v.toLowerCase());
            take(")");
            return (e) => e.targetResources.some(inner);
        }
        const field = (take() ?? "").toLowerCase();
        const op = (take() ?? "").toLowerCase();
        const lit = take() ?? "";
        if (field === "activitydatetime") {
            if (!["eq", "ge", "le"].includes(op)) throw bad(`Operator '${op}' is not supported on activityDateTime; use eq, ge or le.`);
            const at = Date.parse(lit.replace(/^'(.*)'$/, "$1"));
            if (!/^'?\d{4}-\d\d-\d\dT/.test(lit) || Number.isNaN(at)) throw bad(`Invalid date '${lit}' in filter.`);
            return (e) => {
                const x = Date.parse(e.activityDateTime);
                return op === "eq" ? x === at : op === "ge" ? x >= at : x <= at;
            };
        }
        const get = EQ_FIELDS[field];
        if (!get) throw bad(`Invalid filter clause: the property '${field}' cannot be filtered.`);
        if (op !== "eq") throw bad(`Operator '${op}' is not supported on '${field}'; use eq.`);
        const want = unquote(lit).toLowerCase();
        return (e) => String(get(e) ?? "").toLowerCase() === want;
    };
    const lambda = (v: string): ((r: DirectoryAuditRecord["targetResources"][number]) => boolean) => {
        if (peek() === "startswith") {
            take();
            take("(");
            const f = (take() ?? "").toLowerCase();
            take(",");
            const want = unquote(take()).toLowerCase();
            take(")");
            if (f !== `${v}/displayname`) throw bad(`startswith in targetResources/any is supported on displayName only.`);
            return (r) => String(r.displayName ?? "").toLowerCase().startsWith(want);
        }
        const f = (take() ?? "").toLowerCase();
        take("eq");
        const want = unquote(take()).toLowerCase();
        if (f === `${v}/id`) return (r) => r.id.toLowerCase() === want;
        if (f === `${v}/displayname`) return (r) => String(r.displayName ?? "").toLowerCase() === want;
        throw bad(`targetResources/any supports id and displayName (eq) only.`);
    };
    const pred = orExpr();
    if (i < t.length) throw bad(`Invalid filter clause: unexpected '${t[i]}' in '${expr}'.`);
    return pred;
}

function order(expr: string | null): (a: DirectoryAuditRecord, b: DirectoryAuditRecord) => number {
    const m = /^\s*activityDateTime(?:\s+(asc|desc))?\s*$/i.exec(expr ?? "activityDateTime desc");
    if (!m) throw bad(`Invalid $orderby clause: '${expr}'; directoryAudits order by activityDateTime.`);
    const sign = m[1]?.toLowerCase() === "desc" ? -1 : 1;
    return (a, b) => sign * (Date.parse(a.activityDateTime) - Date.parse(b.activityDateTime));
}

export function requireAll(ctx: RouteContext, roles: readonly string[]): void {
    for (const r of roles) requireRole(ctx.claims, [r]);
}

export const auditLogRoutes: Route[] = [
    {
        method: "GET",
        pattern: /^\/auditLogs\/directoryAudits$/,
        versions: ["v1.0", "beta"],
        write: false,
        handle(ctx, version) {
            requireAll(ctx, READ_ALL_OF);
            onlyQueryOptions(ctx, ["$filter", "$top", "$orderby", "$skiptoken"]);
            const q = ctx.req.url.searchParams;
            const keep = auditFilter(q.get("$filter"));
            const since = Date.now() - RETENTION_DAYS * 24 * 3600 * 1000;
            const items = ctx.store
                .auditLog(ctx.tenant.tenantId)
                .all()
                .filter((e) => Date.parse(e.activityDateTime) >= since && keep(e))
                .sort(order(q.get("$orderby")));
            return paged(ctx, version, items, (e) => e, "auditLogs/directoryAudits", AUDIT_MAX_TOP);
        },
    },
    {
        method: "GET",
        pattern: /^\/auditLogs\/directoryAudits\/([^/]+)$/,
        versions: ["v1.0", "beta"],
        write: false,
        handle(ctx, version) {
            requireAll(ctx, READ_ALL_OF);
            const e = ctx.store.auditLog(ctx.tenant.tenantId).all().find((x) => x.id === ctx.params[0]);
            if (!e) {
                throw new GraphHttpError(404, "Request_ResourceNotFound", `Resource '${ctx.params[0]}' does not exist or one of its queried reference-property objects are not present.`);
            }
            return { status: 200, body: { "@odata.context": `${ctx.origin}/${version}/$metadata#auditLogs/directoryAudits/$entity`, ...e } };
        },
    },
];
