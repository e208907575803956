import { createHash } from "node:crypto";
import type { TenantClients } from "../../client";
import { pages } from "../../client/batch";
import { trace } from "../../client/trace";
import { assessReadiness, describeFinding, findingsFor } from "../../providers/framework/readinessReport";
import { engineLog } from "../../providers/framework/diagnostics";
import { acceptedUsers, affectedParts, readinessMode, readinessRefusal } from "../../providers/framework/readinessGate";
import type { ValidationFailure } from "../../providers/framework/validation";
import { DEFAULT_MAX_USER_CHANGE_SHARE, type PerUserMfaDesired, type PerUserMfaLive, type PerUserMfaState, satisfies } from "./declaration";
import type { ListedUsers } from "./listRead";
import { globalAdminLockout } from "./lockout";
import { knownStates, readStates } from "./states";

/**
 * Per-user MFA's guards at plan time, on the tenant as read now: the lockout guard (a break-glass account
 * excluded, a usable Global Administrator left: ./lockout.ts), the blast-radius guard (a large change needs
 * the confirmation that names it) and the readiness check (who would break), and what the plan counts
 * (planned, plannedFrom: the PR summary's rows).
 */
/**
 * The confirmation of a large per-user MFA change: "per-user-mfa:<count>:<digest>", the digest the
 * first 8 hex digits of SHA-256 over the sorted "user=state" lines of the change. It names the change,
 * not only its size: the same count with other users (or other states) needs a new confirmation.
 */
export function confirmationToken(change: Record<string, PerUserMfaState>): string {
    const lines = Object.entries(change)
        .map(([u, st]) => `${u.toLowerCase()}=${st}`)
        .sort();
    const digest = createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 8);
    return `per-user-mfa:${lines.length}:${digest}`;
}

export interface CheckedPlan {
    failures: ValidationFailure[];
    planned: Record<string, number>;
    plannedFrom: Record<string, string>;
    plannedTo: Record<string, PerUserMfaState>;
    live: PerUserMfaLive;
}

/** The plan of `targets` (resolved from `desired`) on the tenant as read now, with the guards' and readiness' verdicts. */
export async function checkPlan(
    clients: TenantClients,
    desired: PerUserMfaDesired,
    targets: Record<string, PerUserMfaState>,
    refreshed: readonly PerUserMfaLive[],
    tenantUsers?: number,
    listed?: ListedUsers,
): Promise<CheckedPlan> {
    const started = Date.now();
    // The tenant as read now: this operation's refresh where it just read these users, a read here for the rest.
    const read = await readStates(clients, Object.keys(targets), {}, refreshed.length ? knownStates(refreshed) : undefined, {
        phase: refreshed.length ? "check after refresh" : "check",
        progress: "Per-user MFA: reading users:",
        urn: desired.diagnosticsUrn,
        targets,
        listed,
    });
    const live = read.live;
    // A list read counted every user of the tenant: the blast-radius guard's total without paging them again.
    tenantUsers ??= read.tenantUsers;
    trace("PerUserMfa plan read", started, { users: Object.keys(targets).length });
    const changing = Object.keys(targets).filter((u) => !satisfies(targets[u], live.observed[u]));
    // One line per transition, from the tenant as read now: what the preview, the guard and the PR summary count.
    const planned: Record<string, number> = {};
    for (const u of changing) {
        const t = `${live.observed[u] ?? "unknown"} -> ${targets[u]}`;
        planned[t] = (planned[t] ?? 0) + 1;
    }
    if (changing.length) {
        await engineLog(
            "info",
            `Per-user MFA: ${changing.length.toLocaleString("en")} user${changing.length === 1 ? "" : "s"} change (the ` +
                "tenant as read now): " +
                Object.entries(planned)
                    .sort((a, b) => b[1] - a[1])
                    .map(([t, n]) => `${t}: ${n.toLocaleString("en")}`)
                    .join("; "),
            desired.diagnosticsUrn,
        );
    }
    const plannedFrom = Object.fromEntries(changing.map((u) => [u, live.observed[u] ?? "unknown"]));
    const plannedTo = Object.fromEntries(changing.map((u) => [u, targets[u]]));
    const result = (failures: ValidationFailure[]): CheckedPlan => ({ failures, planned, plannedFrom, plannedTo, live });
    const moving = changing.filter((u) => targets[u] !== "disabled" && live.observed[u] === "disabled");
    const failures: ValidationFailure[] = [];
    if (moving.length && desired.guards?.lockout !== "off" && !(desired.excludeUsers ?? []).length) {
        failures.push({
            property: "excludeUsers",
            reason:
                `this plan moves ${moving.length} users to MFA but no break-glass account is excluded: declare ` +
                "m365-mfa:baseline.breakGlassAccounts " +
                "(emergency-access accounts, never touched) or set m365-mfa:baseline.guards.lockout to off to accept the " +
                "risk; nothing was changed.",
        });
    }
    if (moving.length && desired.guards?.lockout !== "off") {
        const lockout = await globalAdminLockout(clients, desired, new Set(moving));
        if (lockout) {
            failures.push({ property: "assignments", reason: lockout });
        }
    }
    if (changing.length) {
        const share = desired.guards?.maxUserChangeShare ?? DEFAULT_MAX_USER_CHANGE_SHARE;
        const total = tenantUsers ?? (await countUsers(clients));
        const token = confirmationToken(Object.fromEntries(changing.map((u) => [u, targets[u]])));
        if (changing.length > share * total && !(desired.guards?.confirm ?? []).includes(token)) {
            failures.push({
                property: "guards",
                reason:
                    `this plan changes the per-user MFA state of ${changing.length} users, ` +
                    `${Math.round((100 * changing.length) / Math.max(1, total))}% of the tenant's ${total} ` +
                    `(the limit is ${Math.round(share * 100)}%: m365-mfa:baseline.guards.maxUserChangeShare). If that is ` +
                    `intended, add "${token}" to ` +
                    `m365-mfa:baseline.guards.confirm and preview again; nothing was changed.`,
            });
        }
    }
    if (failures.length) {
        return result(failures);
    }
    return result(await checkReadiness(clients, desired, moving));
}

async function countUsers(clients: TenantClients): Promise<number> {
    let n = 0;
    for await (const page of pages(clients.graph, "/users?$select=id&$top=999")) {
        n += page.length;
    }
    return n;
}

/**
 * Who would break if the plan goes ahead: users moving from disabled to enabled/enforced who still
 * sign in with legacy protocols or have no MFA method. Warns in the preview; in block mode, fails
 * for each such user not in readiness.acceptedUsers.
 */
async function checkReadiness(clients: TenantClients, desired: PerUserMfaDesired, moving: string[]): Promise<ValidationFailure[]> {
    const mode = readinessMode(desired.readiness);
    if (mode === "off" || !moving.length) {
        return [];
    }
    const report = await assessReadiness(clients, { windowDays: desired.readiness?.windowDays, users: moving });
    const accepted = acceptedUsers(desired.readiness);
    const open = findingsFor(report, moving).filter((f) => !accepted.has(f.userPrincipalName));
    for (const note of report.notes) {
        await engineLog("warning", `Per-user MFA readiness: ${note}`, desired.diagnosticsUrn);
    }
    if (!open.length) {
        return [];
    }
    const summary = [
        `${open.length} of ${moving.length} users this plan moves to MFA would be affected.`,
        ...affectedParts(open, describeFinding, true),
    ].join("\n");
    if (mode === "block") {
        return [readinessRefusal(undefined, summary, "readiness")];
    }
    await engineLog("warning", `Per-user MFA readiness: ${summary}`, desired.diagnosticsUrn);
    return [];
}
