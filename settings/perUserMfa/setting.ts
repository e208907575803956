import type { TenantClients } from "../../client";
import type { TenantSetting } from "../../providers/framework/setting";
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
    configKeyOf,
    isState,
    perUserMfaDeclaration,
    satisfies,
} from "./declaration";
import { checkPlan } from "./guards";
import { knownStates, readStates, writeStates } from "./states";
import { resolveTargets } from "./targets";

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
        const { failures, targets, tenantUsers, listed } = await resolveTargets(clients, desired);
        if (failures.length || !targets) {
            return { failures };
        }
        const resolved: PerUserMfaDesired = { ...desired, targets };
        const plan = await checkPlan(clients, resolved, context?.refreshed ?? [], tenantUsers, listed);
        // The tenant as the plan read it goes to the create or update of this plan (the adapter keeps it briefly).
        return plan.failures.length
            ? { failures: plan.failures }
            : { desired: { ...resolved, planned: plan.planned, plannedFrom: plan.plannedFrom }, failures: [], live: plan.live };
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
        await writeStates(clients, desired, changes);
    },

    id(tenantId) {
        return `${tenantId}/perUserMfa`;
    },
};
