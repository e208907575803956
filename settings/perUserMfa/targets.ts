import type { TenantClients } from "../../client";
import { ADVANCED_QUERY_HEADERS, type BatchCall, pages, runBatched } from "../../client/batch";
import { trace } from "../../client/trace";
import { engineLog } from "../../providers/framework/diagnostics";
import { nameList } from "../../providers/framework/report";
import type { ValidationFailure } from "../../providers/framework/validation";
import { type PerUserMfaDesired, type PerUserMfaState, configKeyOf } from "./declaration";
import { type ListedUsers, listUsers, shouldReadList } from "./listRead";

/**
 * Per-user MFA's targets: who gets which state, resolved at plan time from the assignments (users by UPN
 * or object id, looked up; groups by object id, their transitive members), allOtherUsers (every other user
 * of the tenant) and the exclusions. The most specific assignment wins: a user named explicitly keeps that
 * state whatever a group gives them. Unknown users and groups, and users two assignments give different
 * states, are failures under the config key they were written at (configKeys).
 */
export interface ResolvedTargets {
    failures: ValidationFailure[];
    /** User principal name (lower case) -> desired state, sorted (when there are no failures). */
    targets?: Record<string, PerUserMfaState>;
    /** Every user of the tenant, when allOtherUsers listed them anyway: the blast-radius guard's total, without paging them twice. */
    tenantUsers?: number;
    /** The user list with every user's state, when it served them (./listRead.ts): the check reads nobody again. */
    listed?: ListedUsers;
}

export async function resolveTargets(clients: TenantClients, desired: PerUserMfaDesired): Promise<ResolvedTargets> {
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
            throw new Error(`looking up user ${ref} answered ${r.status} ${r.body?.error?.code ?? ""}: ${r.body?.error?.message ?? ""}`);
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
                        `no such user in the tenant: ${named.length > 1 ? `${named.length} users, ` : ""}` +
                        `${nameList(named, "unknown users")}. ` +
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
                "/groups/" +
                    `${encodeURIComponent(gid)}/transitiveMembers/microsoft.graph.user?$count=true&$select=id,userPrincipalName&$top=999`,
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
            `Per-user MFA: ${overrides.length} user${overrides.length === 1 ? "" : "s"} named explicitly keep` +
                `${overrides.length === 1 ? "s" : ""} that state over what a group gives them (the most specific assignment ` +
                `wins): ${nameList(overrides, "users whose named state overrides a group")}`,
            desired.diagnosticsUrn,
        );
    }
    if (unknownGroups.length) {
        failures.push({
            property: "assignments",
            reason:
                `no such group in the tenant: ${unknownGroups.length > 1 ? `${unknownGroups.length} groups, ` : ""}` +
                `${nameList(unknownGroups, "unknown groups")}. Groups are named by object id.`,
        });
    }
    if (conflicts.length) {
        failures.push({
            property: "assignments",
            reason:
                `users assigned two different states: ${nameList(conflicts, "users assigned two states")}. Give each user one ` +
                "state: name the user in the assignment that should win (a named user overrides groups), or exclude them from " +
                "one group's assignment (excludeUsers / excludeGroups).",
        });
    }
    // Every user of the tenant, when allOtherUsers lists them anyway: the blast-radius guard's total, without paging them twice.
    let tenantUsers: number | undefined;
    // With the user list serving per-user MFA states (./listRead.ts), the same pages carry every user's state: the check reads nobody
    // again.
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
    return { failures, targets: Object.fromEntries(sorted.map((u) => [u, targets.get(u)!.state])), tenantUsers, listed };
}
