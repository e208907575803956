import type { TenantClients } from "../../client";
import { type BatchCall, runBatched } from "../../client/batch";
import { trace } from "../../client/trace";
import { progressReporter, progressTickMs } from "../../providers/framework/diagnostics";
import { PartialFailureError, nameList } from "../../providers/framework/report";
import type { FieldChange } from "../../providers/framework/setting";
import {
    AUDIT_ACTIVITIES,
    type ObservedState,
    type PerUserMfaDesired,
    type PerUserMfaLive,
    type PerUserMfaState,
    isState,
    satisfies,
} from "./declaration";
import { type ListedUsers, PER_USER_READ_ENV, listReadPays, listUsers, perUserReadMode, recentlyChangedUsers } from "./listRead";

/**
 * Per-user MFA's state I/O: each user's perUserMfaState read and written on the documented route, Graph beta
 * users/{id|upn}/authentication/requirements (GET and PATCH, through JSON batching), or read from the user
 * list where the tenant serves it (./listRead.ts, with the audit log's recent changes read again per user).
 */
export const requirementsPath = (upn: string) => `/users/${encodeURIComponent(upn)}/authentication/requirements`;

/** Each user's state in live states read earlier in this operation (the last one read wins). */
export function knownStates(lives: readonly PerUserMfaLive[]): Map<string, ObservedState> {
    const known = new Map<string, ObservedState>();
    for (const live of lives) {
        for (const [upn, state] of Object.entries(live.observed ?? {})) known.set(upn, state);
    }
    return known;
}

/**
 * Reads the per-user MFA state of `users`, merged into `previous`. Users whose state is in `known` (what
 * this operation's refresh or check just read) are taken from there and not read again. The rest come
 * from the user list where it serves the states (./listRead.ts: `listed` when the caller paged it already)
 * and otherwise through $batch on the documented per-user route; of a list read, every user the list shows
 * in another state than their target (or not at all), and every user the directory audit log shows changed
 * in the last hour (listRead.ts recentlyChangedUsers: the list may show them at their target while they were
 * moved away), is read again through the documented route, so a list that lags a write neither invents a
 * change in a plan nor hides drift in a refresh; where the audit log cannot be read, every user is. `documentedOnly`
 * (verification after a write) never takes the list. The trace says, per phase, how many were read and
 * how many taken ("PerUserMfa read", with the path, the list's pages and the users read again); a phase
 * that lasts says how far it is (progress) at least every 5 s, waits included.
 */
export async function readStates(
    clients: TenantClients,
    users: string[],
    previous: Record<string, ObservedState>,
    known: ReadonlyMap<string, ObservedState> | undefined,
    options: {
        phase: string;
        progress: string;
        urn?: string;
        targets?: Record<string, PerUserMfaState>;
        listed?: ListedUsers;
        documentedOnly?: boolean;
    },
): Promise<{ live: PerUserMfaLive; tenantUsers?: number }> {
    const started = Date.now();
    const observed: Record<string, ObservedState> = { ...previous };
    let toRead: string[] = [];
    for (const upn of users) {
        const state = known?.get(upn);
        if (state !== undefined) {
            observed[upn] = state;
        } else {
            toRead.push(upn);
        }
    }
    const fresh = toRead.length;
    let listed = options.listed;
    const tenantUsers = listed?.states ? listed.upns.length : undefined;
    // The list may lag a change in either direction: a user it shows at their target may have been moved away
    // within the lag. So a list read takes only users the directory audit log shows unchanged in the last hour;
    // where the log cannot be read (recentlyChangedUsers says so once per tenant), the list is not used at all and
    // every user is read through the documented route.
    let recent: Set<string> | undefined;
    if (!options.documentedOnly && toRead.length && (listed ? listed.states : await listReadPays(clients, toRead.length))) {
        recent = await recentlyChangedUsers(clients, AUDIT_ACTIVITIES, { urn: options.urn });
        if (!recent && perUserReadMode() === "list") {
            throw new Error(
                `Per-user MFA: ${PER_USER_READ_ENV}=list, but the directory audit log cannot be read, so a change made ` +
                    "within the user list's lag could not be seen " +
                    "(a user moved away from their target would look unchanged). Grant the app AuditLog.Read.All and " +
                    `Directory.Read.All (both), or set ${PER_USER_READ_ENV}=auto (or unset it) to read every user through ` +
                    "authentication/requirements instead.",
            );
        }
        if (!recent) {
            listed = undefined;
        } else if (!listed) {
            listed = await listUsers(clients, {
                withStates: true,
                upnsAnyway: false,
                urn: options.urn,
                progress: options.progress,
                expected: new Set(toRead),
            });
        }
    } else if (options.documentedOnly || !toRead.length) {
        listed = undefined;
    }
    let confirmed = 0;
    if (listed?.states && recent) {
        const fromList = listed.states;
        // What the list shows as the target, and nobody changed lately, is taken; everything else is read again through the documented
        // route.
        const again: string[] = [];
        for (const upn of toRead) {
            const state = fromList.get(upn);
            const want = options.targets?.[upn];
            if (!recent.has(upn) && state !== undefined && (want === undefined || satisfies(want, state as PerUserMfaState))) {
                observed[upn] = state as PerUserMfaState;
            } else {
                again.push(upn);
            }
        }
        confirmed = again.length;
        toRead = again;
    }
    const { results } = await runBatched(
        clients.graph,
        toRead.map((upn): BatchCall => ({ method: "GET", url: requirementsPath(upn) })),
        {
            version: "beta",
            label: `PerUserMfa ${options.phase}`,
            onProgress: progressReporter(
                listed?.states ? "Per-user MFA: reading again the users the list shows in another state:" : options.progress,
                options.urn,
                undefined,
                false,
            ),
            tickMs: progressTickMs(),
        },
    );
    trace("PerUserMfa read", started, {
        phase: options.phase,
        users: users.length,
        read: fresh,
        reused: users.length - fresh,
        path: listed?.states ? "list" : "batch",
        pages: listed?.pages ?? 0,
        confirmed,
    });
    const errors: string[] = [];
    toRead.forEach((upn, i) => {
        const r = results[i];
        if (r.status === 200 && isState(r.body?.perUserMfaState)) {
            observed[upn] = r.body.perUserMfaState;
        } else if (r.status === 404) {
            observed[upn] = "userNotFound";
        } else {
            errors.push(`${upn}: ${r.status} ${r.body?.error?.code ?? ""}`.trim());
        }
    });
    if (errors.length) {
        throw new Error(
            `could not read the per-user MFA state of ${errors.length} users: ${nameList(errors, "users whose state could not be read")}`,
        );
    }
    const counts: Record<ObservedState, number> = { disabled: 0, enabled: 0, enforced: 0, userNotFound: 0 };
    for (const s of Object.values(observed)) {
        counts[s]++;
    }
    const sorted = Object.fromEntries(
        Object.keys(observed)
            .sort()
            .map((k) => [k, observed[k]]),
    );
    return { live: { observed: sorted, counts }, tenantUsers: listed?.states ? listed.upns.length : tenantUsers };
}

/**
 * Writes each change's state (targets.<upn> -> state) through $batch; users gone since the plan and failed writes are one
 * PartialFailureError.
 */
export async function writeStates(clients: TenantClients, desired: PerUserMfaDesired, changes: readonly FieldChange[]): Promise<void> {
    const writes = changes.filter((c) => c.from !== "userNotFound");
    const { results } = await runBatched(
        clients.graph,
        writes.map(
            (c): BatchCall => ({
                method: "PATCH",
                url: requirementsPath(c.field.slice("targets.".length)),
                body: { perUserMfaState: c.to },
            }),
        ),
        // A long up says how far it is, at least every 5 s.
        {
            version: "beta",
            label: "PerUserMfa write",
            onProgress: progressReporter("Per-user MFA: writing users:", desired.diagnosticsUrn),
            tickMs: progressTickMs(),
        },
    );
    const failed = writes
        .map((c, i) => ({ user: c.field.slice("targets.".length), r: results[i] }))
        .filter(({ r }) => r.status >= 400)
        .map(({ user, r }) => `${user}: ${r.status} ${r.body?.error?.code ?? ""}`.trim());
    const missing = changes.filter((c) => c.from === "userNotFound").map((c) => c.field.slice("targets.".length));
    if (failed.length || missing.length) {
        throw new PartialFailureError(
            "users",
            writes.length,
            failed,
            missing,
            "run pulumi preview again to re-resolve the targets",
            "Run the update again to retry; users already changed are not touched twice.",
        );
    }
}
