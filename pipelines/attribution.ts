import type { AuditEntry } from "../client/audit";
import { recentChanges } from "../client/audit";
import type { TenantClients } from "../client";
import { TenantApiError } from "../client";
import { composerOf } from "../settings/members";
import { SETTINGS } from "../settings/providerSettings";
import { pages } from "../client/batch";
import type { DriftAttribution, DriftChange, DriftReport, ManagedPolicies } from "./drift";

/** The app whose changes to Microsoft-managed Conditional Access policies are Microsoft's (managed-policies.md). */
export const MANAGED_POLICY_MANAGER = "Microsoft Managed Policy Manager";
/**
 * Graph documents no property marking a policy as Microsoft-managed; tenants' exports show display names
 * beginning "Microsoft-managed: " (observed, not documented), which is what is matched.
 */
export const MANAGED_PREFIX = "Microsoft-managed: ";

/**
 * Who changed what, and when, for the drift report: the directory audit log (auditLogs/directoryAudits)
 * read for the days the log keeps, matched to each drifted setting by the activities that change it
 * (each setting's auditActivities; a composed resource's, e.g. Conditional Access, from its member),
 * and for per-user settings to the drifted users. Needs AuditLog.Read.All and Directory.Read.All; without
 * them, or for settings the directory log does not record (Exchange), the report says why not.
 *
 * Each change says who made it as the log's initiatedBy does (directoryaudit.md: `user` for a person,
 * `app` for an app-only token): a user, an app, or this stack's own app (the app id the check signs in
 * with, from m365-mfa:clientId or AZURE_CLIENT_ID): m365-mfa's own writes, not a portal admin's.
 */
export type Change = DriftChange;
export type Attribution = DriftAttribution;

const PER_SETTING = 5;
/** Entra keeps directory audit entries 30 days (7 on the free edition). */
const LOOKBACK_DAYS = 30;

function activitiesOf(type: string): readonly string[] | undefined {
    return SETTINGS[type]?.auditActivities ?? composerOf(type)?.composedAuditActivities;
}

/** Who made a change: the user, else the app (this stack's own when its app id is `selfAppId`). */
export function initiator(e: AuditEntry, selfAppId?: string): Pick<DriftChange, "who" | "by" | "appId"> {
    const user = e.initiatedBy.user;
    if (user && (user.userPrincipalName || user.displayName || user.id)) {
        return { who: user.userPrincipalName ?? user.displayName ?? user.id!, by: "user" };
    }
    const app = e.initiatedBy.app;
    if (app && (app.appId || app.displayName)) {
        const self = !!selfAppId && !!app.appId && app.appId.toLowerCase() === selfAppId.toLowerCase();
        const microsoft = app.displayName === MANAGED_POLICY_MANAGER;
        return {
            who: app.displayName ?? app.appId!,
            by: self ? "self" : microsoft ? "microsoft" : "app",
            ...(app.appId ? { appId: app.appId } : {}),
        };
    }
    return { who: "unknown", by: "user" };
}

/** Matches audit entries to the drifted settings of a report (pure; the log is read by attribute()). */
export function matchChanges(report: DriftReport, entries: readonly AuditEntry[], selfAppId?: string): Record<string, Change[]> {
    const out: Record<string, Change[]> = {};
    for (const s of report.settings.filter((x) => x.kind === "drift")) {
        const activities = activitiesOf(s.type);
        if (!activities?.length) continue;
        const users = new Set(s.users.flatMap((g) => g.users.map((u) => u.toLowerCase())));
        const changes: Change[] = [];
        for (const e of entries) {
            if (!activities.includes(e.activityDisplayName)) continue;
            const targets = e.targetResources.filter(
                (t) =>
                    !users.size ||
                    users.has(String((t as { userPrincipalName?: string }).userPrincipalName ?? "").toLowerCase()) ||
                    users.has(t.id.toLowerCase()),
            );
            if (!targets.length) continue;
            changes.push({
                when: e.activityDateTime,
                ...initiator(e, selfAppId),
                activity: e.activityDisplayName,
                target: targets.map((t) => (t as { userPrincipalName?: string }).userPrincipalName ?? t.displayName ?? t.id).join(", "),
            });
            if (changes.length >= PER_SETTING) break;
        }
        out[s.name] = changes;
    }
    return out;
}

/** Reads the log and matches it; never throws for a log that cannot be read (the report says why). */
export async function attribute(report: DriftReport, clients: TenantClients, now = new Date()): Promise<Attribution> {
    const selfAppId = clients.connection.clientId;
    const self = selfAppId ? { selfAppId } : {};
    if (!report.settings.some((s) => s.kind === "drift")) return { available: true, ...self, bySetting: {} };
    try {
        const entries = await recentChanges(clients.graph, { since: new Date(now.getTime() - LOOKBACK_DAYS * 86_400_000) });
        return { available: true, ...self, bySetting: matchChanges(report, entries, selfAppId) };
    } catch (err) {
        const reason =
            err instanceof TenantApiError && err.status === 403
                ? "the app may not read the directory audit log: grant it AuditLog.Read.All and Directory.Read.All (both) to " +
                  "see who changed what"
                : `the directory audit log could not be read: ${err instanceof Error ? err.message : String(err)}`;
        return { available: false, reason, ...self, bySetting: {} };
    }
}

/**
 * The Microsoft-managed Conditional Access policies with their state, and the changes to them from the
 * directory audit log (Microsoft's own are initiated by the app "Microsoft Managed Policy Manager").
 * Never throws; says why not.
 */
export async function managedPolicies(clients: TenantClients, now = new Date()): Promise<ManagedPolicies> {
    const policies: ManagedPolicies["policies"] = [];
    try {
        for await (const page of pages<any>(clients.graph, "/identity/conditionalAccess/policies")) {
            for (const p of page) {
                if (!String(p.displayName ?? "").startsWith(MANAGED_PREFIX)) continue;
                const u = p.conditions?.users ?? {};
                policies.push({
                    id: String(p.id),
                    displayName: String(p.displayName),
                    state: String(p.state),
                    excludedUsers: (u.excludeUsers ?? []).length,
                    excludedGroups: (u.excludeGroups ?? []).length,
                });
            }
        }
    } catch (err) {
        const reason =
            err instanceof TenantApiError && err.status === 403
                ? "the Conditional Access policies could not be read (Policy.Read.All, and Microsoft Entra ID P1)"
                : `the Conditional Access policies could not be read: ${err instanceof Error ? err.message : String(err)}`;
        return { available: false, reason, policies: [], changes: [] };
    }
    if (!policies.length) return { available: true, policies, changes: [] };
    try {
        const selfAppId = clients.connection.clientId;
        const entries = await recentChanges(clients.graph, {
            since: new Date(now.getTime() - LOOKBACK_DAYS * 86_400_000),
            targetIds: policies.map((p) => p.id),
        });
        const byId = new Map(policies.map((p) => [p.id.toLowerCase(), p.displayName]));
        const changes = entries
            .filter((e) => /Conditional Access policy$/.test(e.activityDisplayName))
            .flatMap((e) =>
                e.targetResources
                    .filter((t) => byId.has(t.id.toLowerCase()))
                    .map((t) => ({
                        policy: byId.get(t.id.toLowerCase())!,
                        when: e.activityDateTime,
                        ...initiator(e, selfAppId),
                        activity: e.activityDisplayName,
                        target: t.displayName ?? t.id,
                    })),
            );
        return { available: true, policies, changes };
    } catch (err) {
        const changesReason =
            err instanceof TenantApiError && err.status === 403
                ? "the app may not read the directory audit log: grant it AuditLog.Read.All and Directory.Read.All (both) to " +
                  "see who changed them"
                : `the directory audit log could not be read: ${err instanceof Error ? err.message : String(err)}`;
        return { available: true, policies, changes: [], changesReason };
    }
}
