import { createHash } from "crypto";
import type { TenantClients } from "../../client";
import { ADVANCED_QUERY_HEADERS, BatchCall, pages, runBatched } from "../../client/batch";
import { trace } from "../../client/trace";
import { assessReadiness, describeFinding, findingsFor } from "../../readiness/assess";
import { engineLog, progressReporter, progressTickMs } from "../../providers/framework/diagnostics";
import { PartialFailureError, nameList, writeReport } from "../../providers/framework/report";
import { TenantSetting, ValidationFailure } from "../../providers/framework/setting";
import { isObject } from "../../providers/framework/validation";
import { globalAdminLockout } from "./lockout";
import { ListedUsers, PER_USER_READ_ENV, listReadPays, listUsers, perUserReadMode, recentlyChangedUsers, shouldReadList } from "./listRead";
import {
    AUDIT_ACTIVITIES,
    DEFAULT_MAX_USER_CHANGE_SHARE,
    type GuardSettings,
    type ObservedState,
    type PerUserMfaAssignment,
    type PerUserMfaDesired,
    type PerUserMfaLive,
    type PerUserMfaState,
    type ReadinessSettings,
    configKeyOf,
    isState,
    perUserMfaDeclaration,
    satisfies,
} from "./declaration";

export {
    DEFAULT_MAX_USER_CHANGE_SHARE,
    PER_USER_MFA_STATES,
    configKeyOf,
    type GuardSettings,
    type ObservedState,
    type PerUserMfaAssignment,
    type PerUserMfaDesired,
    type PerUserMfaLive,
    type PerUserMfaState,
    type ReadinessSettings,
} from "./declaration";

/**
 * Per-user MFA (legacy "MFA status"): Graph beta users/{id|upn}/authentication/requirements,
 * perUserMfaState disabled | enabled | enforced.
 *
 * One resource holds a set of users and the state each should have:
 * - assignments name users (UPN or object id) and groups (object id, members resolved transitively
 *   at plan time, so a new member shows in the preview);
 * - excludeUsers are never touched (break-glass accounts);
 * - allOtherUsers, when set, makes the resource own the whole tenant: every user not otherwise
 *   targeted gets that state. Without it, users not named are left alone.
 * `enabled` is satisfied by an observed `enforced` (Microsoft flips a user to enforced once a method
 * is registered), so there is no perpetual diff. Writes go through Graph JSON batching on the documented
 * route. Reads take the user list where the tenant serves perUserMfaState there (./listRead.ts, issue #27),
 * and read again through the documented per-user route every user the list shows in another state than
 * their target (the list may lag a write); verification after a write reads the written users through the
 * documented route only. Elsewhere reads go through $batch as writes do.
 *
 * Its inputs and outputs are declared once (./declaration.ts).
 */

/** What the resource's state holds as inputs: the configured and resolved ones, and the plumbing (read picks these from the state). */
const KEYS = [...perUserMfaDeclaration.inputKeys, ...perUserMfaDeclaration.internalFields];
const requirementsPath = (upn: string) => `/users/${encodeURIComponent(upn)}/authentication/requirements`;
/** A list of strings as given, trimmed (undefined when it is not one: the declared schema says so). */
const trimmed = (v: unknown): string[] | undefined =>
    Array.isArray(v) && v.every((x) => typeof x === "string") ? v.map((x: string) => x.trim()) : undefined;

/**
 * The rules between fields, on inputs whose shape may be wrong in places (the declared schema says those):
 * each assignment targets someone, excludes only from groups, no user is named with two states or both
 * named and excluded. Returns the assignments and excluded users as the desired state holds them (trimmed;
 * empty exclusions dropped).
 */
function checkAssignments(
    inputs: Record<string, unknown>,
    failures: ValidationFailure[],
): { assignments: PerUserMfaAssignment[]; excludeUsers?: string[] } {
    const assignments: PerUserMfaAssignment[] = [];
    (Array.isArray(inputs.assignments) ? inputs.assignments : []).forEach((a: unknown, i: number) => {
        if (!isObject(a)) return;
        const at = `assignments[${i}]`;
        const [users, groups, exUsers, exGroups] = [a.users, a.groups, a.excludeUsers, a.excludeGroups].map(trimmed);
        if (!users?.length && !groups?.length) {
            failures.push({ property: at, reason: `${at} targets nobody: give users and/or groups` });
        }
        if ((exUsers?.length || exGroups?.length) && !groups?.length) {
            failures.push({
                property: at,
                reason: `${at} excludes users but has no groups: exclusions take members of its groups out; remove excludeUsers/excludeGroups, or name the users it applies to instead`,
            });
        }
        if (isState(a.state)) {
            assignments.push({
                state: a.state,
                ...(users ? { users } : {}),
                ...(groups ? { groups } : {}),
                ...(exUsers?.length ? { excludeUsers: exUsers } : {}),
                ...(exGroups?.length ? { excludeGroups: exGroups } : {}),
            });
        }
    });
    // The same user named with two different states.
    const named = new Map<string, PerUserMfaState>();
    for (const a of assignments) {
        for (const u of a.users ?? []) {
            const prev = named.get(u.toLowerCase());
            if (prev && prev !== a.state) {
                failures.push({
                    property: "assignments",
                    reason: `user ${u} is assigned both "${prev}" and "${a.state}"; name each user in one assignment`,
                });
            }
            named.set(u.toLowerCase(), a.state);
        }
    }
    const excludeUsers = trimmed(inputs.excludeUsers);
    const keys = isObject(inputs.configKeys) ? (inputs.configKeys as Record<string, string>) : undefined;
    for (const [i, u] of (excludeUsers ?? []).entries()) {
        if (named.has(u.toLowerCase())) {
            failures.push({
                property: "excludeUsers",
                reason: `user ${u} (${configKeyOf(`excludeUsers[${i}]`, keys)}) is both excluded and assigned "${named.get(u.toLowerCase())}"; remove it from one of them`,
            });
        }
    }
    return { assignments, ...(excludeUsers ? { excludeUsers } : {}) };
}

export const perUserMfa: TenantSetting<PerUserMfaDesired, PerUserMfaLive> = {
    type: "PerUserMfa",
    title: "Per-user MFA",
    itemFields: { targets: "users" },
    auditActivities: AUDIT_ACTIVITIES,
    resolvedFields: perUserMfaDeclaration.resolvedFields,
    weakens: (c) =>
        c.field === "targets" && c.to === "disabled" && (c.from === "enabled" || c.from === "enforced")
            ? "users lose per-user MFA"
            : undefined,
    // Plumbing, not posture: never shown in a preview or PR summary. The guards stay shown (a confirmation
    // added is a change of the stack's config), and what the plan counted at preview is not shown as a field.
    internalFields: [...perUserMfaDeclaration.internalFields.filter((k) => k !== "guards"), "planned", "plannedFrom"],
    // Set at preview: each user who changes, with their state in the tenant then (the PR summary's rows, as the guard counts them).
    plannedItems: (inputs) => {
        const from = inputs.plannedFrom as Record<string, string> | undefined;
        const targets = (inputs.targets as Record<string, string> | undefined) ?? {};
        return from && typeof from === "object"
            ? Object.entries(from).map(([item, f]) => ({ item, from: f, to: targets[item] }))
            : undefined;
    },
    plannedTransitions: (inputs) =>
        Object.entries((inputs.planned as Record<string, number> | undefined) ?? {}).map(([t, count]) => {
            const [from, to] = t.split(" -> ");
            return { from, to, count };
        }),
    permissions: {
        read: ["Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"],
        write: ["Policy.ReadWrite.AuthenticationMethod"],
    },
    onDelete: "Removing the resource stops managing these users' per-user MFA state; every user keeps the state they have.",
    inputKeys: KEYS,
    schema: perUserMfaDeclaration.schema,

    validate(inputs) {
        // The shape of every input from the declaration (all problems at once, did-you-mean, long lists
        // folded), then the rules between fields on what is well-formed, in the same pass.
        const checked = perUserMfaDeclaration.validate(inputs);
        const failures: ValidationFailure[] = [...checked.failures];
        const { assignments, excludeUsers } = checkAssignments(inputs, failures);
        if (failures.length || !checked.desired) {
            return { failures };
        }
        const given = checked.desired as PerUserMfaDesired;
        const readiness: ReadinessSettings | undefined = given.readiness && {
            ...given.readiness,
            ...(given.readiness.acceptedUsers ? { acceptedUsers: trimmed(given.readiness.acceptedUsers) } : {}),
        };
        const guards: GuardSettings | undefined = given.guards && {
            ...given.guards,
            ...(given.guards.confirm ? { confirm: trimmed(given.guards.confirm) } : {}),
        };
        return {
            desired: {
                ...given,
                assignments,
                ...(excludeUsers ? { excludeUsers } : {}),
                ...(readiness ? { readiness } : {}),
                ...(guards ? { guards } : {}),
            },
            failures,
        };
    },
    async prepare(clients: TenantClients, desired, context) {
        const started = Date.now();
        const failures: ValidationFailure[] = [];
        const graph = clients.graph;
        // Users named explicitly: look each up (UPN or id) to check it exists and learn its UPN.
        const explicit = [
            ...new Set(desired.assignments.flatMap((a) => (a.users ?? []).concat(a.excludeUsers ?? [])).concat(desired.excludeUsers ?? [])),
        ];
        const { results } = await runBatched(
            graph,
            explicit.map((ref): BatchCall => ({ method: "GET", url: `/users/${encodeURIComponent(ref)}?$select=id,userPrincipalName` })),
        );
        const upnOf = new Map<string, string>();
        const unknown = new Set<string>();
        explicit.forEach((ref, i) => {
            const r = results[i];
            if (r.status === 200) {
                upnOf.set(ref.toLowerCase(), String(r.body.userPrincipalName).toLowerCase());
            } else if (r.status === 404) {
                unknown.add(ref);
            } else {
                throw new Error(
                    `looking up user ${ref} answered ${r.status} ${r.body?.error?.code ?? ""}: ${r.body?.error?.message ?? ""}`,
                );
            }
        });
        if (unknown.size) {
            // Each unknown user under the key it was written at (an assignment, excludeUsers, or breakGlassAccounts through configKeys).
            const keyOf = (p: string) => configKeyOf(p, desired.configKeys);
            const where = {
                assignments: desired.assignments.flatMap((a, i) => [
                    ...(a.users ?? []).map((u, j): [string, string] => [u, `assignments[${i}].users[${j}]`]),
                    ...(a.excludeUsers ?? []).map((u, j): [string, string] => [u, `assignments[${i}].excludeUsers[${j}]`]),
                ]),
                excludeUsers: (desired.excludeUsers ?? []).map((u, i) => [u, `excludeUsers[${i}]`] as const),
            };
            for (const [property, refs] of Object.entries(where)) {
                const named = refs.filter(([u]) => unknown.has(u)).map(([u, p]) => `${u} (${keyOf(p)})`);
                if (named.length) {
                    failures.push({
                        property,
                        reason:
                            `no such user in the tenant: ${named.length > 1 ? `${named.length} users, ` : ""}${nameList(named, "unknown users")}. ` +
                            `Check the user principal names or object ids at ${named.length > 1 ? "these keys" : "this key"}.`,
                    });
                }
            }
        }
        const targets = new Map<string, { state: PerUserMfaState; from: string; explicit?: boolean }>();
        const conflicts: string[] = [];
        // The most specific assignment wins: a user named explicitly keeps that state whatever a group gives them.
        const overrides: string[] = [];
        const assign = (upn: string, state: PerUserMfaState, from: string, explicit = false) => {
            const prev = targets.get(upn);
            if (prev?.explicit && !explicit) {
                if (prev.state !== state) overrides.push(`${upn} (${prev.from}: ${prev.state}, over ${from}: ${state})`);
                return;
            }
            if (prev && prev.state !== state) {
                conflicts.push(`${upn} (${prev.from}: ${prev.state}, ${from}: ${state})`);
                return;
            }
            if (!prev) {
                targets.set(upn, { state, from, explicit });
            }
        };
        for (const a of desired.assignments) {
            for (const ref of a.users ?? []) {
                const upn = upnOf.get(ref.toLowerCase());
                if (upn) {
                    assign(upn, a.state, `user ${ref}`, true);
                }
            }
        }
        const unknownGroups: string[] = [];
        /** The transitive members of a group (UPNs, lower case), or undefined when the group does not exist. */
        const membersOf = async (gid: string): Promise<string[] | undefined> => {
            const out: string[] = [];
            try {
                for await (const batch of pages<{ userPrincipalName: string }>(
                    graph,
                    // The cast is an advanced query: $count=true and ConsistencyLevel: eventual (aad-advanced-queries.md).
                    `/groups/${encodeURIComponent(gid)}/transitiveMembers/microsoft.graph.user?$count=true&$select=id,userPrincipalName&$top=999`,
                    "v1.0",
                    ADVANCED_QUERY_HEADERS,
                )) {
                    out.push(...batch.map((u) => u.userPrincipalName.toLowerCase()));
                }
            } catch (err: any) {
                if (err?.status === 404) return undefined;
                throw err;
            }
            return out;
        };
        for (const [i, a] of desired.assignments.entries()) {
            // This assignment's own exclusions: named users and the members of excluded groups.
            const excluded = new Set((a.excludeUsers ?? []).map((ref) => upnOf.get(ref.toLowerCase()) ?? ref.toLowerCase()));
            for (const [j, gid] of (a.excludeGroups ?? []).entries()) {
                const members = await membersOf(gid);
                if (!members) unknownGroups.push(`${gid} (${configKeyOf(`assignments[${i}].excludeGroups[${j}]`, desired.configKeys)})`);
                for (const m of members ?? []) excluded.add(m);
            }
            for (const [j, gid] of (a.groups ?? []).entries()) {
                const members = await membersOf(gid);
                if (!members) {
                    unknownGroups.push(`${gid} (${configKeyOf(`assignments[${i}].groups[${j}]`, desired.configKeys)})`);
                    continue;
                }
                for (const upn of members) {
                    if (!excluded.has(upn)) assign(upn, a.state, `group ${gid}`);
                }
            }
        }
        if (overrides.length) {
            await engineLog(
                "info",
                `Per-user MFA: ${overrides.length} user${overrides.length === 1 ? "" : "s"} named explicitly keep${overrides.length === 1 ? "s" : ""} that state over what a group gives them (the most specific assignment wins): ${nameList(overrides, "users whose named state overrides a group")}`,
                desired.diagnosticsUrn,
            );
        }
        if (unknownGroups.length) {
            failures.push({
                property: "assignments",
                reason: `no such group in the tenant: ${unknownGroups.length > 1 ? `${unknownGroups.length} groups, ` : ""}${nameList(unknownGroups, "unknown groups")}. Groups are named by object id.`,
            });
        }
        if (conflicts.length) {
            failures.push({
                property: "assignments",
                reason: `users assigned two different states: ${nameList(conflicts, "users assigned two states")}. Give each user one state: name the user in the assignment that should win (a named user overrides groups), or exclude them from one group's assignment (excludeUsers / excludeGroups).`,
            });
        }
        // Every user of the tenant, when allOtherUsers lists them anyway: the blast-radius guard's total, without paging them twice.
        let tenantUsers: number | undefined;
        // With the user list serving per-user MFA states (./listRead.ts), the same pages carry every user's state: the check reads nobody again.
        let listed: ListedUsers | undefined;
        if (desired.allOtherUsers) {
            listed = await listUsers(clients, {
                withStates: shouldReadList(clients, Number.MAX_SAFE_INTEGER),
                upnsAnyway: true,
                urn: desired.diagnosticsUrn,
            });
            tenantUsers = listed!.upns.length;
            for (const upn of listed!.upns) {
                if (!targets.has(upn)) {
                    targets.set(upn, { state: desired.allOtherUsers, from: "allOtherUsers" });
                }
            }
            if (!listed!.states) listed = undefined;
        }
        for (const ref of desired.excludeUsers ?? []) {
            targets.delete(upnOf.get(ref.toLowerCase()) ?? ref.toLowerCase());
        }
        if (failures.length) {
            return { failures };
        }
        trace("PerUserMfa targets resolved", started, { users: targets.size });
        const sorted = [...targets.keys()].sort();
        const resolved: PerUserMfaDesired = { ...desired, targets: Object.fromEntries(sorted.map((u) => [u, targets.get(u)!.state])) };
        const plan = await checkPlan(clients, resolved, context?.refreshed ?? [], tenantUsers, listed);
        failures.push(...plan.failures);
        // The tenant as the plan read it goes to the create or update of this plan (the adapter keeps it briefly).
        return failures.length
            ? { failures }
            : { desired: { ...resolved, planned: plan.planned, plannedFrom: plan.plannedFrom }, failures, live: plan.live };
    },

    async read(clients, desired, context) {
        // A create or update right after its check takes the check's reads instead of reading every user again.
        const known = context?.checked.length ? knownStates(context.checked) : undefined;
        return (
            await readStates(clients, Object.keys(desired.targets ?? {}), {}, known, {
                phase: known ? "apply" : "read",
                progress: "Per-user MFA: reading users:",
                urn: desired.diagnosticsUrn,
                targets: desired.targets,
            })
        ).live;
    },

    async reread(clients, desired, live, changes) {
        // Verification reads back only what was changed (and is not yet seen in its desired state), through
        // the documented per-user route: the user list may still show a user's state from before the write.
        const users = changes.map((c) => c.field.slice("targets.".length));
        return (
            await readStates(clients, users, live.observed, undefined, {
                phase: "verify",
                progress: "Per-user MFA: verifying users:",
                urn: desired.diagnosticsUrn,
                documentedOnly: true,
            })
        ).live;
    },

    desiredFromLive(live, desired) {
        const targets: Record<string, PerUserMfaState> = {};
        for (const [upn, want] of Object.entries(desired.targets ?? {})) {
            const have = live.observed[upn];
            // What the tenant has, said the way the stack says it where they mean the same.
            targets[upn] = have === undefined || have === "userNotFound" ? want : satisfies(want, have) ? want : have;
        }
        return { ...desired, targets };
    },

    /**
     * The outputs keep `targets` and, in `observed`, only the users whose state differs from theirs: a
     * converged tenant of 10,000 users holds each user once in the outputs, not twice. (A state written
     * before this holds every user in `observed`; both read the same way, see diff.)
     */
    stored(desired, live) {
        const observed: Record<string, ObservedState> = {};
        for (const [upn, state] of Object.entries(live.observed)) {
            if (desired.targets?.[upn] !== state) observed[upn] = state;
        }
        return { ...live, observed };
    },

    diff(desired, live) {
        const changes = [];
        // In outputs from state, a target missing from `observed` had the state `targets` says (stored()).
        const recorded = (live as { targets?: Record<string, PerUserMfaState> }).targets ?? {};
        for (const [upn, want] of Object.entries(desired.targets ?? {})) {
            const have = live.observed?.[upn] ?? recorded[upn];
            if (!satisfies(want, have)) {
                changes.push({ field: `targets.${upn}`, from: have, to: want });
            }
        }
        return changes;
    },

    async apply(clients, desired, _live, changes) {
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
    },

    id(tenantId) {
        return `${tenantId}/perUserMfa`;
    },
};

/**
 * Who would break if the plan goes ahead: users moving from disabled to enabled/enforced who still
 * sign in with legacy protocols or have no MFA method. Warns in the preview; in block mode, fails
 * for each such user not in readiness.acceptedUsers.
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

async function checkPlan(
    clients: TenantClients,
    desired: PerUserMfaDesired,
    refreshed: readonly PerUserMfaLive[],
    tenantUsers?: number,
    listed?: ListedUsers,
): Promise<{ failures: ValidationFailure[]; planned: Record<string, number>; plannedFrom: Record<string, string>; live: PerUserMfaLive }> {
    const targets = desired.targets ?? {};
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
            `Per-user MFA: ${changing.length.toLocaleString("en")} user${changing.length === 1 ? "" : "s"} change (the tenant as read now): ` +
                Object.entries(planned)
                    .sort((a, b) => b[1] - a[1])
                    .map(([t, n]) => `${t}: ${n.toLocaleString("en")}`)
                    .join("; "),
            desired.diagnosticsUrn,
        );
    }
    const plannedFrom = Object.fromEntries(changing.map((u) => [u, live.observed[u] ?? "unknown"]));
    const result = (failures: ValidationFailure[]) => ({ failures, planned, plannedFrom, live });
    const moving = changing.filter((u) => targets[u] !== "disabled" && live.observed[u] === "disabled");
    const failures: ValidationFailure[] = [];
    if (moving.length && desired.guards?.lockout !== "off" && !(desired.excludeUsers ?? []).length) {
        failures.push({
            property: "excludeUsers",
            reason:
                `this plan moves ${moving.length} users to MFA but no break-glass account is excluded: declare m365-mfa:baseline.breakGlassAccounts ` +
                `(emergency-access accounts, never touched) or set m365-mfa:baseline.guards.lockout to off to accept the risk; nothing was changed.`,
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
                    `this plan changes the per-user MFA state of ${changing.length} users, ${Math.round((100 * changing.length) / Math.max(1, total))}% of the tenant's ${total} ` +
                    `(the limit is ${Math.round(share * 100)}%: m365-mfa:baseline.guards.maxUserChangeShare). If that is intended, add "${token}" to ` +
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

async function checkReadiness(clients: TenantClients, desired: PerUserMfaDesired, moving: string[]): Promise<ValidationFailure[]> {
    const mode = desired.readiness?.mode ?? "warn";
    if (mode === "off" || !moving.length) {
        return [];
    }
    const report = await assessReadiness(clients, { windowDays: desired.readiness?.windowDays, users: moving });
    const accepted = new Set((desired.readiness?.acceptedUsers ?? []).map((u) => u.toLowerCase()));
    const findings = findingsFor(report, moving);
    const open = findings.filter((f) => !accepted.has(f.userPrincipalName));
    for (const note of report.notes) {
        await engineLog("warning", `Per-user MFA readiness: ${note}`, desired.diagnosticsUrn);
    }
    if (!open.length) {
        return [];
    }
    // Users who will break (a legacy protocol in use stops working) first, by protocol; then users who
    // will only be asked to register a method at their next sign-in.
    const breaking = open.filter((f) => f.legacy.length);
    const registering = open.filter((f) => !f.legacy.length);
    const byProtocol = new Map<string, Set<string>>();
    for (const f of breaking)
        for (const l of f.legacy) byProtocol.set(l.protocol, (byProtocol.get(l.protocol) ?? new Set()).add(f.userPrincipalName));
    const listed = (fs: typeof open, what: string) => {
        const lines = fs.slice(0, 25).map((f) => `  - ${describeFinding(f)}`);
        const file = fs.length > 25 ? writeReport(what, fs.map(describeFinding)) : undefined;
        return (
            lines.join("\n") +
            (fs.length > 25
                ? `\n  ... and ${fs.length - 25} more (${file ? `all ${fs.length}: ${file}; ` : ""}npm run readiness for the full report)`
                : "")
        );
    };
    const parts = [`${open.length} of ${moving.length} users this plan moves to MFA would be affected.`];
    if (breaking.length) {
        parts.push(
            `Will break: ${breaking.length} user${breaking.length === 1 ? "" : "s"} still sign in with legacy protocols, which stop working for them (` +
                [...byProtocol]
                    .sort((a, b) => b[1].size - a[1].size)
                    .map(([p, us]) => `${p}: ${us.size}`)
                    .join(", ") +
                `):\n${listed(breaking, "users who will break")}`,
        );
    }
    if (registering.length) {
        parts.push(
            `Asked to register: ${registering.length} user${registering.length === 1 ? "" : "s"} have no MFA method and must register one at their next sign-in:\n${listed(registering, "users who must register")}`,
        );
    }
    const summary = parts.join("\n");
    if (mode === "block") {
        return [
            {
                property: "readiness",
                reason: `${summary}\nFix them first, or accept them in m365-mfa:baseline.readiness.acceptedUsers; nothing was changed.`,
            },
        ];
    }
    await engineLog("warning", `Per-user MFA readiness: ${summary}`, desired.diagnosticsUrn);
    return [];
}

/** Each user's state in live states read earlier in this operation (the last one read wins). */
function knownStates(lives: readonly PerUserMfaLive[]): Map<string, ObservedState> {
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
async function readStates(
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
                `Per-user MFA: ${PER_USER_READ_ENV}=list, but the directory audit log cannot be read, so a change made within the user list's lag could not be seen ` +
                    `(a user moved away from their target would look unchanged). Grant the app AuditLog.Read.All and Directory.Read.All (both), or set ${PER_USER_READ_ENV}=auto (or unset it) to read every user through authentication/requirements instead.`,
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
        // What the list shows as the target, and nobody changed lately, is taken; everything else is read again through the documented route.
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
