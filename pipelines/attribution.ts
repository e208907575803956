import type { AuditEntry } from "../client/audit";
import { recentChanges } from "../client/audit";
import type { TenantClients } from "../client";
import { TenantApiError } from "../client";
import { SETTINGS, composerOf } from "../settings/registry";
import type { DriftReport } from "./render";

/**
 * Who changed what, and when, for the drift report: the directory audit log (auditLogs/directoryAudits)
 * read for the days the log keeps, matched to each drifted setting by the activities that change it
 * (each setting's auditActivities; a composed resource's, e.g. Conditional Access, from its member),
 * and for per-user settings to the drifted users. Needs AuditLog.Read.All and Directory.Read.All; without
 * them, or for settings the directory log does not record (Exchange), the report says why not.
 */
export interface Change {
    when: string;
    /** The app (display name) or user (UPN) that made the change. */
    who: string;
    activity: string;
    /** What it changed: the user or the object. */
    target: string;
}

export interface Attribution {
    /** Whether the log could be read. */
    available: boolean;
    /** Why not, when it could not. */
    reason?: string;
    /** By resource name: the newest matching changes (at most PER_SETTING). */
    bySetting: Record<string, Change[]>;
}

const PER_SETTING = 5;
/** Entra keeps directory audit entries 30 days (7 on the free edition). */
const LOOKBACK_DAYS = 30;

function activitiesOf(type: string): readonly string[] | undefined {
    return SETTINGS[type]?.auditActivities ?? composerOf(type)?.composedAuditActivities;
}

function who(e: AuditEntry): string {
    return e.initiatedBy.user?.userPrincipalName ?? e.initiatedBy.user?.displayName ?? (e.initiatedBy.app?.displayName ? `${e.initiatedBy.app.displayName} (app)` : "unknown");
}

/** Matches audit entries to the drifted settings of a report (pure; the log is read by attribute()). */
export function matchChanges(report: DriftReport, entries: readonly AuditEntry[]): Record<string, Change[]> {
    const out: Record<string, Change[]> = {};
    for (const s of report.settings.filter((x) => x.kind === "drift")) {
        const activities = activitiesOf(s.type);
        if (!activities?.length) continue;
        const users = new Set(s.users.flatMap((g) => g.users.map((u) => u.toLowerCase())));
        const changes: Change[] = [];
        for (const e of entries) {
            if (!activities.includes(e.activityDisplayName)) continue;
            const targets = e.targetResources.filter((t) => !users.size || users.has(String((t as { userPrincipalName?: string }).userPrincipalName ?? "").toLowerCase()) || users.has(t.id.toLowerCase()));
            if (!targets.length) continue;
            changes.push({ when: e.activityDateTime, who: who(e), activity: e.activityDisplayName, target: targets.map((t) => (t as { userPrincipalName?: string }).userPrincipalName ?? t.displayName ?? t.id).join(", ") });
            if (changes.length >= PER_SETTING) break;
        }
        out[s.name] = changes;
    }
    return out;
}

/** Reads the log and matches it; never throws for a log that cannot be read (the report says why). */
export async function attribute(report: DriftReport, clients: TenantClients, now = new Date()): Promise<Attribution> {
    if (!report.settings.some((s) => s.kind === "drift")) return { available: true, bySetting: {} };
    try {
        const entries = await recentChanges(clients.graph, { since: new Date(now.getTime() - LOOKBACK_DAYS * 86_400_000) });
        return { available: true, bySetting: matchChanges(report, entries) };
    } catch (err) {
        const reason =
            err instanceof TenantApiError && err.status === 403
                ? "the app may not read the directory audit log: grant it AuditLog.Read.All and Directory.Read.All (both) to see who changed what"
                : `the directory audit log could not be read: ${err instanceof Error ? err.message : String(err)}`;
        return { available: false, reason, bySetting: {} };
    }
}
