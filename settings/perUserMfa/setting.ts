import type { TenantClients } from "../../client";
import { trace } from "../../client/trace";
import { nameList } from "../../providers/framework/report";
import type { FieldChange, TenantSetting } from "../../providers/framework/setting";
import { type ValidationFailure, isObject } from "../../providers/framework/validation";
import {
    AUDIT_ACTIVITIES,
    type GuardSettings,
    type ObservedState,
    type PerUserMfaAssignment,
    type PerUserMfaDesired,
    type PerUserMfaLive,
    type PerUserMfaState,
    type ReadinessSettings,
    configDigest,
    configKeyOf,
    countTargets,
    isState,
    perUserMfaDeclaration,
    satisfies,
    targetsDigest,
} from "./declaration";
import { checkPlan } from "./guards";
import { readStates, writeStates } from "./states";
import { type ResolvedTargets, resolveTargets } from "./targets";

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
    targetsDigest,
} from "./declaration";
export { confirmationToken } from "./guards";

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
 * Its parts, by job: the model, its inputs and outputs declared once (./declaration.ts); the rules between
 * fields (validate, here); the targets resolved at plan time (./targets.ts); the guards and readiness
 * on the tenant as read now (./guards.ts, ./lockout.ts); each user's state read and written (./states.ts,
 * ./listRead.ts). This file puts them together as the TenantSetting.
 *
 * Who gets which state (the targets: 50,000 entries in a 50,000-user tenant) stays in the provider (issue
 * #27): the inputs carry their digest and counts, and the users the plan changes (plannedFrom, plannedTo);
 * the state carries the digest, the counts and the users whose state differs from their target. A create or
 * update takes the targets its check resolved moments before; without them (a check more than
 * CHECK_REUSE_MS earlier) it resolves them again, and writes nothing if they no longer match the digest.
 */

/** What the resource's state holds as inputs: the configured and resolved ones, and the plumbing (read picks these from the state). */
const KEYS = [...perUserMfaDeclaration.inputKeys, ...perUserMfaDeclaration.internalFields];
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
                reason:
                    `${at} excludes users but has no groups: exclusions take members of its groups out; remove ` +
                    "excludeUsers/excludeGroups, or name the users it applies to instead",
            });
        }
        if (isState(a.state)) {
            // The assignment as declared (a field added to the declaration comes along), its lists trimmed, empty exclusions dropped.
            const { excludeUsers: _u, excludeGroups: _g, ...declared } = a as PerUserMfaAssignment;
            assignments.push({
                ...declared,
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
                reason:
                    `user ${u} (${configKeyOf(`excludeUsers[${i}]`, keys)}) is both excluded and assigned "` +
                    `${named.get(u.toLowerCase())}"; remove it from one of them`,
            });
        }
    }
    return { assignments, ...(excludeUsers ? { excludeUsers } : {}) };
}

export const perUserMfa: TenantSetting<PerUserMfaDesired, PerUserMfaLive> = {
    type: "PerUserMfa",
    title: "Per-user MFA",
    itemFields: { targets: "users" },
    // An earlier version recorded every target in the inputs (issue #27): not a change of the stack.
    retiredFields: ["targets"],
    auditActivities: AUDIT_ACTIVITIES,
    resolvedFields: perUserMfaDeclaration.resolvedFields,
    weakens: (c) =>
        c.field === "targets" && c.to === "disabled" && (c.from === "enabled" || c.from === "enforced")
            ? "users lose per-user MFA"
            : undefined,
    // Plumbing, not posture: never shown in a preview or PR summary. The guards stay shown (a confirmation
    // added is a change of the stack's config), and what the plan counted at preview is not shown as a field.
    internalFields: [
        ...perUserMfaDeclaration.internalFields.filter((k) => k !== "guards"),
        "planned",
        "plannedFrom",
        "plannedTo",
        "plannedAt",
    ],
    // Set at preview: each user who changes, with their state in the tenant then (the PR summary's rows, as the guard counts them).
    plannedItems: (inputs) => {
        const from = inputs.plannedFrom as Record<string, string> | undefined;
        const to = (inputs.plannedTo as Record<string, string> | undefined) ?? {};
        return from && typeof from === "object" ? Object.entries(from).map(([item, f]) => ({ item, from: f, to: to[item] })) : undefined;
    },
    // The targets are not in the inputs (only their digest): how many users get each state.
    itemCounts: (inputs) => (isObject(inputs.targetCounts) ? (inputs.targetCounts as Record<string, number>) : undefined),
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
        const refreshed = (context?.refreshed ?? []) as PerUserMfaLive[];
        const { failures, targets, tenantUsers, listed } = await targetsOf(clients, desired, refreshed);
        if (failures.length || !targets) {
            return { failures };
        }
        const plan = await checkPlan(clients, desired, targets, refreshed, tenantUsers, listed);
        if (plan.failures.length) {
            return { failures: plan.failures };
        }
        const digest = targetsDigest(targets);
        // The inputs carry the digest, the counts and the users who change; the targets and the tenant as the
        // plan read it go to the create or update of this plan (the adapter keeps them briefly).
        return {
            desired: {
                ...desired,
                targetsDigest: digest,
                targetCounts: countTargets(targets),
                planned: plan.planned,
                plannedFrom: plan.plannedFrom,
                plannedTo: plan.plannedTo,
                plannedAt: new Date().toISOString(),
            },
            failures: [],
            live: { ...plan.live, resolvedTargets: targets, targetsDigest: digest, resolvedFor: configDigest(desired), tenantUsers },
        };
    },

    async read(clients, desired, context) {
        // A create or update right after its check takes the check's targets and reads instead of reading every user again.
        const checked = (context?.checked ?? []) as PerUserMfaLive[];
        const fresh = [...checked]
            .reverse()
            .find((l) => l.resolvedTargets && (desired.targetsDigest === undefined || l.targetsDigest === desired.targetsDigest));
        if (fresh) {
            const users = Object.keys(fresh.resolvedTargets!).length;
            trace("PerUserMfa read", Date.now(), { phase: "apply", users, read: 0, reused: users, path: "check" });
            return fresh;
        }
        // Otherwise (a refresh, or a check long before): the targets from the config, on the tenant as it is now.
        if (!Array.isArray(desired.assignments)) {
            throw new Error(
                "the state's recorded outputs for this resource hold no valid assignments, so a refresh cannot tell whom to " +
                    "read. pulumi preview and pulumi up are not affected (they resolve the users from the stack's config); leave " +
                    "this resource out of refreshes (pulumi refresh --exclude <its URN>) until an update rewrites its state",
            );
        }
        const { failures, targets, tenantUsers, listed } = await resolveTargets(clients, desired);
        if (failures.length || !targets) {
            throw new Error(`the users to read cannot be resolved: ${failures.map((f) => f.reason).join("; ")}`);
        }
        const { live } = await readStates(clients, Object.keys(targets), {}, undefined, {
            phase: "read",
            progress: "Per-user MFA: reading users:",
            urn: desired.diagnosticsUrn,
            targets,
            listed,
        });
        return {
            ...live,
            resolvedTargets: targets,
            targetsDigest: targetsDigest(targets),
            resolvedFor: configDigest(desired),
            tenantUsers,
        };
    },

    async reread(clients, desired, live, changes) {
        // Verification reads back only what was changed (and is not yet seen in its desired state), through
        // the documented per-user route: the user list may still show a user's state from before the write.
        const users = changes.map((c) => c.field.slice("targets.".length));
        const after = await readStates(clients, users, live.observed, undefined, {
            phase: "verify",
            progress: "Per-user MFA: verifying users:",
            urn: desired.diagnosticsUrn,
            documentedOnly: true,
        });
        return { ...live, ...after.live };
    },

    // The tenant's per-user states are in the outputs (observed: who differs from their target); the inputs
    // a refresh records stay the stack's, and the check that follows plans the difference (plannedFrom, plannedTo).
    desiredFromLive(_live, desired) {
        return { ...desired };
    },

    /**
     * The outputs keep, in `observed`, only the users whose state differs from their target, with the
     * targets' digest and counts: a converged tenant of 50,000 users stores no user at all. The targets
     * themselves are never stored (resolvedTargets stays in the provider).
     */
    stored(_desired, live) {
        const targets = live.resolvedTargets;
        const observed: Record<string, ObservedState> = {};
        for (const [upn, state] of Object.entries(live.observed)) {
            if (targets?.[upn] !== state) observed[upn] = state;
        }
        const observedTargets: Record<string, PerUserMfaState> = {};
        for (const upn of Object.keys(observed)) if (targets?.[upn]) observedTargets[upn] = targets[upn];
        return {
            observed,
            observedTargets,
            counts: live.counts,
            readAt: new Date().toISOString(),
            ...(live.targetsDigest ? { targetsDigest: live.targetsDigest } : {}),
            ...(targets ? { targetCounts: countTargets(targets) } : {}),
        };
    },

    diff(desired, live) {
        const targets = live.resolvedTargets;
        if (targets) {
            // In the provider, after a read: every target against the tenant as read.
            return Object.entries(targets)
                .filter(([upn, want]) => !satisfies(want, live.observed?.[upn]))
                .map(([upn, want]): FieldChange => ({ field: `targets.${upn}`, from: live.observed?.[upn], to: want }));
        }
        // Against the state: whichever read the tenant last says what differs. The check of a preview (the engine's
        // diff, the PR summary) read it after the state was written: the changes it planned from the tenant as read
        // then. A refresh of the applied inputs read it after their plan (Pulumi's refresh diffs the refreshed
        // outputs against the inputs last applied): the users it found differing from their target, so that a
        // refresh shows drift and not the last update's own changes again.
        const recorded = live as Partial<PerUserMfaLive> & { targetCounts?: Record<string, number>; targets?: Record<string, string> };
        const stateIsNewer =
            desired.plannedTo === undefined ||
            (typeof recorded.readAt === "string" && typeof desired.plannedAt === "string" && recorded.readAt > desired.plannedAt);
        const changes = stateIsNewer
            ? Object.entries(recorded.observed ?? {}).flatMap(([upn, have]): FieldChange[] => {
                  // An earlier version's state names each target in `targets`.
                  const want = (recorded.observedTargets?.[upn] ?? recorded.targets?.[upn]) as PerUserMfaState | undefined;
                  return want && !satisfies(want, have) ? [{ field: `targets.${upn}`, from: have, to: want }] : [];
              })
            : Object.entries(desired.plannedTo ?? {}).map(
                  ([upn, to]): FieldChange => ({ field: `targets.${upn}`, from: desired.plannedFrom?.[upn], to }),
              );
        // A state an earlier version wrote holds every target and no digest: nothing to compare (the next refresh or
        // update stores the digest); a change of the stack is said by its own inputs.
        if (
            desired.targetsDigest !== undefined &&
            recorded.targetsDigest !== undefined &&
            recorded.targetsDigest !== desired.targetsDigest
        ) {
            changes.push({ field: "targets", from: describeCounts(recorded.targetCounts), to: describeCounts(desired.targetCounts) });
        }
        return changes;
    },

    async apply(clients, desired, live, changes) {
        // The plan the preview showed and the update applies is of these targets: if the targets resolved now are
        // others (a group's members changed since the check), nothing is written.
        if (desired.targetsDigest !== undefined && live.targetsDigest !== undefined && live.targetsDigest !== desired.targetsDigest) {
            throw new Error(
                `who the assignments target changed since this update's plan was checked (${describeCounts(desired.targetCounts)} then, ` +
                    `${describeCounts(live.resolvedTargets && countTargets(live.resolvedTargets))} now: a group's members or the ` +
                    "tenant's users changed); nothing was written. Run pulumi preview to see the plan as it is now, then pulumi up.",
            );
        }
        // Exactly the changes the check planned: a user the plan did not show, or another state than it showed (the
        // tenant changed between a check this update could not take and now), writes nothing. Users the plan showed who
        // no longer need a change are simply not written.
        const planned = desired.plannedTo;
        if (planned) {
            const unplanned = changes
                .map((c) => ({ upn: c.field.slice("targets.".length), c }))
                .filter(({ upn, c }) => planned[upn] !== c.to)
                .map(({ upn, c }) => `${upn} (${c.from ?? "unknown"} -> ${c.to})`);
            if (unplanned.length) {
                throw new Error(
                    `the tenant changed since this update's plan was checked: ${unplanned.length} user` +
                        `${unplanned.length === 1 ? " would change that the plan did" : "s would change that the plan did"} not show: ` +
                        `${nameList(unplanned, "users the plan did not show")}; nothing was written. Run pulumi preview to see the ` +
                        "plan as it is now, then pulumi up.",
                );
            }
        }
        await writeStates(clients, desired, changes);
    },

    id(tenantId) {
        return `${tenantId}/perUserMfa`;
    },
};

/** The targets of `desired`: those a refresh of this operation resolved from the same config moments ago, else resolved now. */
async function targetsOf(
    clients: TenantClients,
    desired: PerUserMfaDesired,
    refreshed: readonly PerUserMfaLive[],
): Promise<ResolvedTargets> {
    const config = configDigest(desired);
    const reuse = [...refreshed].reverse().find((l) => l.resolvedFor === config && l.resolvedTargets);
    if (reuse?.resolvedTargets) return { failures: [], targets: reuse.resolvedTargets, tenantUsers: reuse.tenantUsers };
    return resolveTargets(clients, desired);
}

/** Targets counted by state, in words ("enforced: 9,998, disabled: 2"). */
function describeCounts(counts: Record<string, number> | undefined): string {
    const parts = Object.entries(counts ?? {})
        .filter(([, n]) => n > 0)
        .map(([state, n]) => `${state}: ${n.toLocaleString("en")}`);
    return parts.length ? parts.join(", ") : "no users";
}
