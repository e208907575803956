import { pages } from "./batch";
import type { GraphClient } from "./graph";

/**
 * Reads the directory audit log (GET /auditLogs/directoryAudits; docs-contrib
 * api-reference/v1.0/api/directoryaudit-list.md) for the drift report: the changes made since a
 * moment, optionally only those that touched given objects. Needs AuditLog.Read.All and
 * Directory.Read.All (both, as the page lists them). Audit logs need no P1 licence and are kept 30
 * days by default, so `since` further back than that returns what is left.
 */
export interface AuditEntry {
    id: string;
    activityDateTime: string;
    activityDisplayName: string;
    category: string;
    loggedByService: string;
    operationType: string;
    result: string;
    correlationId: string;
    initiatedBy: {
        app: { appId: string | null; displayName: string | null; servicePrincipalId: string | null } | null;
        user: { id: string | null; displayName: string | null; userPrincipalName: string | null } | null;
    };
    targetResources: {
        id: string;
        displayName: string | null;
        type: string;
        modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[];
    }[];
    additionalDetails: { key: string; value: string }[];
}

export interface RecentChangesOptions {
    since: Date;
    /** Only entries with one of these among their target resources (object ids). */
    targetIds?: readonly string[];
    /** Page size (1..999 in the emulator; Graph does not document a maximum). */
    pageSize?: number;
}

/** Ids per request in the targetResources/any(...) or-chain, to keep the URL short. */
const IDS_PER_QUERY = 15;

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Newest first; each entry once even when it names several of the targets. */
export async function recentChanges(graph: GraphClient, { since, targetIds, pageSize = 999 }: RecentChangesOptions): Promise<AuditEntry[]> {
    const base = `activityDateTime ge ${since.toISOString()}`;
    const filters: string[] = [];
    if (targetIds === undefined) {
        filters.push(base);
    } else {
        for (let i = 0; i < targetIds.length; i += IDS_PER_QUERY) {
            const ids = targetIds.slice(i, i + IDS_PER_QUERY).map((id) => `targetResources/any(t: t/id eq ${quote(id)})`);
            filters.push(`${base} and (${ids.join(" or ")})`);
        }
    }
    const seen = new Map<string, AuditEntry>();
    for (const f of filters) {
        const path =
            `/auditLogs/directoryAudits?$filter=${encodeURIComponent(f)}&$orderby=` +
            `${encodeURIComponent("activityDateTime desc")}&$top=${pageSize}`;
        for await (const page of pages<AuditEntry>(graph, path)) {
            for (const e of page) seen.set(e.id, e);
        }
    }
    return [...seen.values()].sort((a, b) => Date.parse(b.activityDateTime) - Date.parse(a.activityDateTime) || b.id.localeCompare(a.id));
}
