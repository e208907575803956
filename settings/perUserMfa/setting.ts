import { createHash } from "crypto";
import type { TenantClients } from "../../client";
import { ADVANCED_QUERY_HEADERS, BatchCall, pages, runBatched } from "../../client/batch";
import { trace } from "../../client/trace";
import { assessReadiness, describeFinding, findingsFor } from "../../readiness/assess";
import { engineLog, progressReporter, progressTickMs } from "../../providers/framework/diagnostics";
import { nearest, unknownKey } from "../../providers/framework/validation";
import { PartialFailureError, nameList, writeReport } from "../../providers/framework/report";
import { TenantSetting, ValidationFailure } from "../../providers/framework/setting";
import { globalAdminLockout } from "./lockout";
import { ListedUsers, PER_USER_READ_ENV, listReadPays, listUsers, perUserReadMode, recentlyChangedUsers, shouldReadList } from "./listRead";

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
 */
export type PerUserMfaState = "disabled" | "enabled" | "enforced";
export const PER_USER_MFA_STATES: readonly PerUserMfaState[] = ["disabled", "enabled", "enforced"];
const ASSIGNMENT_KEYS = ["state", "users", "groups", "excludeUsers", "excludeGroups"];

/**
 * Who gets one state. A user named in `users` gets it whatever the groups give them (the most
 * specific assignment wins: a named user over a group); `excludeUsers` and `excludeGroups` take users
 * out of this assignment only.
 */
export interface PerUserMfaAssignment {
    state: PerUserMfaState;
    /** Users by user principal name or object id. */
    users?: string[];
    /** Groups by object id: their transitive members. */
    groups?: string[];
    /** Users (UPN or object id) this assignment does not apply to. */
    excludeUsers?: string[];
    /** Groups (object id) whose transitive members this assignment does not apply to. */
    excludeGroups?: string[];
}

/**
 * Readiness check at plan time, for users about to be moved from disabled to enabled/enforced:
 * warn (default) lists who would break in the preview; block fails the preview unless each such user
 * is in acceptedUsers; off skips the check.
 */
export interface ReadinessSettings {
    mode: "off" | "warn" | "block";
    windowDays?: number;
    acceptedUsers?: string[];
}

/**
 * Guards, on by default. Lockout: moving users to MFA needs at least one excluded (break-glass)
 * account. Blast radius: a plan that changes more than maxUserChangeShare of the tenant's users needs
 * "per-user-mfa:<count>:<digest>" in confirm, naming the change: the digest is of who goes to which
 * state, so another plan of the same size needs a new confirmation (confirmationToken).
 */
export interface GuardSettings {
    lockout?: "on" | "off";
    maxUserChangeShare?: number;
    confirm?: string[];
}

export interface PerUserMfaDesired extends Record<string, unknown> {
    assignments: PerUserMfaAssignment[];
    readiness?: ReadinessSettings;
    guards?: GuardSettings;
    /** The resource's own URN, so that readiness warnings are shown on it (set by the component). */
    diagnosticsUrn?: string;
    /**
     * Where each input came from, so messages name the key the user wrote: input path (e.g.
     * "excludeUsers[0]", or a prefix such as "assignments") -> config key (e.g.
     * "m365-mfa:baseline.breakGlassAccounts[0]"). Set by the component; without it, messages name inputs.
     */
    configKeys?: Record<string, string>;
    /**
     * Set at preview: how many targeted users go from which state (as the tenant has it now) to which
     * ("disabled -> enforced": 1219), the same count the blast-radius guard confirms; the PR summary
     * shows it, for a first rollout as for an update.
     */
    planned?: Record<string, number>;
    /** Set at preview: each user who changes -> their state in the tenant as read then (the rows of the PR summary). */
    plannedFrom?: Record<string, string>;
    excludeUsers?: string[];
    allOtherUsers?: PerUserMfaState;
    /** Resolved at plan time: user principal name (lower case) -> desired state. */
    targets?: Record<string, PerUserMfaState>;
}

export type ObservedState = PerUserMfaState | "userNotFound";

export interface PerUserMfaLive extends Record<string, unknown> {
    /** user principal name (lower case) -> state reported by Graph, for every target. */
    observed: Record<string, ObservedState>;
    counts: Record<ObservedState, number>;
}

const KEYS = [
    "assignments",
    "excludeUsers",
    "allOtherUsers",
    "readiness",
    "guards",
    "diagnosticsUrn",
    "configKeys",
    "targets",
    "planned",
    "plannedFrom",
];
export const DEFAULT_MAX_USER_CHANGE_SHARE = 0.1;
const READINESS_MODES = ["off", "warn", "block"];

const isState = (v: unknown): v is PerUserMfaState => typeof v === "string" && (PER_USER_MFA_STATES as readonly string[]).includes(v);
const satisfies = (want: PerUserMfaState, have: ObservedState | undefined) => have === want || (want === "enabled" && have === "enforced");
const requirementsPath = (upn: string) => `/users/${encodeURIComponent(upn)}/authentication/requirements`;

function listOfStrings(v: unknown, property: string, failures: ValidationFailure[]): string[] | undefined {
    if (v === undefined) {
        return undefined;
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || !x.trim())) {
        failures.push({ property, reason: `${property} must be a list of non-empty strings` });
        return undefined;
    }
    return v.map((x: string) => x.trim());
}

/**
 * The config key an input path came from, through the configKeys mapping (exact path, else the
 * longest mapped prefix with the rest appended), else the path itself.
 */
export function configKeyOf(path: string, configKeys: Record<string, string> | undefined): string {
    if (!configKeys) return path;
    if (configKeys[path] !== undefined) return configKeys[path];
    let best = "";
    for (const k of Object.keys(configKeys)) {
        if (k.length > best.length && path.startsWith(k) && /^[.[]/.test(path.slice(k.length))) best = k;
    }
    return best ? configKeys[best] + path.slice(best.length) : path;
}

export const perUserMfa: TenantSetting<PerUserMfaDesired, PerUserMfaLive> = {
    type: "PerUserMfa",
    title: "Per-user MFA",
    itemFields: { targets: "users" },
    auditActivities: ["Enable Strong Authentication", "Disable Strong Authentication"],
    resolvedFields: ["targets", "planned", "plannedFrom"],
    weakens: (c) =>
        c.field === "targets" && c.to === "disabled" && (c.from === "enabled" || c.from === "enforced")
            ? "users lose per-user MFA"
            : undefined,
    internalFields: ["readiness", "diagnosticsUrn", "configKeys", "planned", "plannedFrom"],
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

    validate(inputs) {
        const failures: ValidationFailure[] = [];
        for (const key of Object.keys(inputs)) {
            if (!KEYS.includes(key)) {
                failures.push({
                    property: key,
                    reason: unknownKey(
                        key,
                        key,
                        KEYS.filter((k) => !perUserMfa.resolvedFields!.includes(k) && !perUserMfa.internalFields!.includes(k)),
                        "a known property",
                    ),
                });
            }
        }
        const assignments: PerUserMfaAssignment[] = [];
        if (!Array.isArray(inputs.assignments)) {
            failures.push({
                property: "assignments",
                reason: 'assignments must be a list like [{ state: "enforced", users: ["alice@contoso.com"], groups: ["<group id>"] }]',
            });
        } else {
            inputs.assignments.forEach((a: any, i: number) => {
                const at = `assignments[${i}]`;
                if (typeof a !== "object" || a === null) {
                    failures.push({ property: at, reason: `${at} must be an object with state, users and/or groups` });
                    return;
                }
                for (const k of Object.keys(a)) {
                    if (!ASSIGNMENT_KEYS.includes(k)) {
                        const near = nearest(k, ASSIGNMENT_KEYS);
                        failures.push({
                            property: `${at}.${k}`,
                            reason: `${at}.${k} is not known${near ? `; did you mean ${near}?` : ""} (use ${ASSIGNMENT_KEYS.join(", ")})`,
                        });
                    }
                }
                if (!isState(a.state)) {
                    failures.push({
                        property: `${at}.state`,
                        reason: `${at}.state must be one of ${PER_USER_MFA_STATES.join(", ")} (got ${JSON.stringify(a.state)})`,
                    });
                }
                const users = listOfStrings(a.users, `${at}.users`, failures);
                const groups = listOfStrings(a.groups, `${at}.groups`, failures);
                const exUsers = listOfStrings(a.excludeUsers, `${at}.excludeUsers`, failures);
                const exGroups = listOfStrings(a.excludeGroups, `${at}.excludeGroups`, failures);
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
        }
        const excludeUsers = listOfStrings(inputs.excludeUsers, "excludeUsers", failures);
        if (inputs.allOtherUsers !== undefined && !isState(inputs.allOtherUsers)) {
            failures.push({
                property: "allOtherUsers",
                reason: `allOtherUsers must be one of ${PER_USER_MFA_STATES.join(", ")} (got ${JSON.stringify(inputs.allOtherUsers)})`,
            });
        }
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
        const keys =
            typeof inputs.configKeys === "object" && inputs.configKeys !== null ? (inputs.configKeys as Record<string, string>) : undefined;
        for (const [i, u] of (excludeUsers ?? []).entries()) {
            if (named.has(u.toLowerCase())) {
                failures.push({
                    property: "excludeUsers",
                    reason: `user ${u} (${configKeyOf(`excludeUsers[${i}]`, keys)}) is both excluded and assigned "${named.get(u.toLowerCase())}"; remove it from one of them`,
                });
            }
        }
        let readiness: ReadinessSettings | undefined;
        if (inputs.readiness !== undefined) {
            const r = inputs.readiness as Record<string, unknown>;
            if (typeof r !== "object" || r === null || !READINESS_MODES.includes(r.mode as string)) {
                failures.push({
                    property: "readiness.mode",
                    reason: `readiness.mode must be one of ${READINESS_MODES.join(", ")} (got ${JSON.stringify(r?.mode)})`,
                });
            } else if (
                r.windowDays !== undefined &&
                (!Number.isInteger(r.windowDays) || (r.windowDays as number) < 1 || (r.windowDays as number) > 30)
            ) {
                failures.push({
                    property: "readiness.windowDays",
                    reason: "readiness.windowDays must be a whole number from 1 to 30 (sign-in logs are kept 30 days)",
                });
            } else {
                const accepted = listOfStrings(r.acceptedUsers, "readiness.acceptedUsers", failures);
                readiness = {
                    mode: r.mode as ReadinessSettings["mode"],
                    ...(r.windowDays !== undefined ? { windowDays: r.windowDays as number } : {}),
                    ...(accepted ? { acceptedUsers: accepted } : {}),
                };
            }
        }
        let guards: GuardSettings | undefined;
        if (inputs.guards !== undefined) {
            const g = inputs.guards as Record<string, unknown>;
            if (typeof g !== "object" || g === null) {
                failures.push({ property: "guards", reason: "guards must be an object like { maxUserChangeShare: 0.1, confirm: [] }" });
            } else {
                for (const k of Object.keys(g)) {
                    if (!["lockout", "maxUserChangeShare", "confirm"].includes(k))
                        failures.push({
                            property: `guards.${k}`,
                            reason: unknownKey(`guards.${k}`, k, ["lockout", "maxUserChangeShare", "confirm"], "a known guard"),
                        });
                }
                if (g.lockout !== undefined && g.lockout !== "on" && g.lockout !== "off")
                    failures.push({ property: "guards.lockout", reason: "guards.lockout must be on or off" });
                if (
                    g.maxUserChangeShare !== undefined &&
                    (typeof g.maxUserChangeShare !== "number" || g.maxUserChangeShare <= 0 || g.maxUserChangeShare > 1)
                ) {
                    failures.push({
                        property: "guards.maxUserChangeShare",
                        reason: "guards.maxUserChangeShare must be a share of users above 0 and at most 1 (e.g. 0.1 for 10%)",
                    });
                }
                const confirm = listOfStrings(g.confirm, "guards.confirm", failures);
                guards = {
                    ...(g.lockout ? { lockout: g.lockout as "on" | "off" } : {}),
                    ...(g.maxUserChangeShare !== undefined ? { maxUserChangeShare: g.maxUserChangeShare as number } : {}),
                    ...(confirm ? { confirm } : {}),
                };
            }
        }
        const configKeys = inputs.configKeys as Record<string, unknown> | undefined;
        if (
            configKeys !== undefined &&
            (typeof configKeys !== "object" || configKeys === null || Object.values(configKeys).some((v) => typeof v !== "string"))
        ) {
            failures.push({ property: "configKeys", reason: "configKeys must map input paths to config keys (strings)" });
        }
        let targets: Record<string, PerUserMfaState> | undefined;
        if (inputs.targets !== undefined) {
            const t = inputs.targets as Record<string, unknown>;
            if (typeof t !== "object" || t === null || Object.values(t).some((v) => !isState(v))) {
                failures.push({ property: "targets", reason: "targets is computed at plan time; do not set it" });
            } else {
                targets = t as Record<string, PerUserMfaState>;
            }
        }
        if (failures.length) {
            return { failures };
        }
        return {
            desired: {
                assignments,
                ...(excludeUsers ? { excludeUsers } : {}),
                ...(inputs.allOtherUsers !== undefined ? { allOtherUsers: inputs.allOtherUsers as PerUserMfaState } : {}),
                ...(readiness ? { readiness } : {}),
                ...(guards ? { guards } : {}),
                ...(typeof inputs.diagnosticsUrn === "string" ? { diagnosticsUrn: inputs.diagnosticsUrn } : {}),
                ...(configKeys ? { configKeys: configKeys as Record<string, string> } : {}),
                ...(targets ? { targets } : {}),
                ...(isCountMap(inputs.planned) ? { planned: inputs.planned } : {}),
                ...(typeof inputs.plannedFrom === "object" && inputs.plannedFrom !== null
                    ? { plannedFrom: inputs.plannedFrom as Record<string, string> }
                    : {}),
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
        recent = await recentlyChangedUsers(clients, perUserMfa.auditActivities!, { urn: options.urn });
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

function isCountMap(v: unknown): v is Record<string, number> {
    return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((n) => typeof n === "number");
}
