import { createHash } from "node:crypto";
import { TenantApiError, type TenantClients } from "../../client";
import { runBatched } from "../../client/batch";
import { engineLog } from "../../providers/framework/diagnostics";
import {
    type FieldChange,
    TENANT_AT_PREVIEW,
    type TenantSetting,
    type ValidationFailure,
    stableJson,
    weakeningRefusal,
    weakeningToken,
} from "../../providers/framework/setting";
import { type DesiredOf, declareSetting } from "../../providers/framework/declare";
import { acceptedUsers, readinessMode, readinessRefusal } from "../../providers/framework/readinessGate";
import { type Infer, type Schema, any, documented, list, map, obj, oneOf, str } from "../../providers/framework/validation";
import { READINESS_SCHEMA } from "../../providers/framework/wide";
import { CA_MODES, CA_STATES, type ConditionalAccessMode, reportOnlyResults } from "../conditionalAccess/rollout";
import { SECURITY_DEFAULTS_PATH } from "../securityDefaults/setting";

/**
 * A Microsoft-managed Conditional Access policy, adopted: its state and the identities it excludes.
 *
 * Microsoft creates these policies in report-only and enables them "no less than 45 days after they're
 * introduced" unless an admin set another state; admins "can edit the state of a policy and what
 * identities the policy should exclude", and "can't rename or delete" them (MicrosoftDocs/entra-docs
 * docs/identity/conditional-access/managed-policies.md, "How Microsoft-managed policies work" and
 * "Policies"). So this is no azuread.ConditionalAccessPolicy (which writes the whole policy): it PATCHes
 * only `state` and `conditions.users.excludeUsers` / `excludeGroups` through Microsoft Graph
 * (conditionalaccesspolicy-update.md: PATCH /identity/conditionalAccess/policies/{id}).
 *
 * Graph marks no policy as Microsoft-managed; tenants show display names beginning "Microsoft-managed: "
 * (observed in tenant exports, not documented), which is how the policy is recognised: any other
 * policy is refused (the Conditional Access members or azuread manage those).
 *
 * Removing the resource stops managing the policy; the tenant keeps its state and exclusions (and
 * Microsoft may then turn a report-only one on by itself).
 */
export const MANAGED_PREFIX = "Microsoft-managed: ";
/** A managed policy's modes and Graph's state for each: the same as every Conditional Access policy's (../conditionalAccess/rollout.ts). */
export const MANAGED_MODES = CA_MODES;
export type ManagedPolicyMode = ConditionalAccessMode;
export const MANAGED_STATES = CA_STATES;
const STATE_WORDS: Record<string, string> = { enabled: "on", enabledForReportingButNotEnforced: "report-only", disabled: "off" };
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A managed policy's reference: its display name (beginning MANAGED_PREFIX) or its object id (said without a flag, for JSON Schema). */
const MANAGED_REF = /^(?:Microsoft-managed: .*\S.*|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
const POLICIES = "/identity/conditionalAccess/policies";

/** Object ids, as the preview resolves them (lower case). */
const ids = (hint: string) => list(str(), { hint });

/**
 * The policy as the tenant had it at preview: its state, its exclusions by object id (what a change is
 * judged by) and by name (what the plan shows), and the names of the ids the plan excludes.
 */
const tenantAtPreviewSchema = obj(
    {
        state: str(),
        /** By name (user principal name / group display name, lower case; an id the tenant cannot name stays an id), sorted. */
        excludeUsers: list(str()),
        excludeGroups: list(str()),
        /** By object id, sorted, lower case: what previewChanges compares with the plan's resolved ids. */
        excludeUserIds: list(str()),
        excludeGroupIds: list(str()),
        /** id -> name of every excluded user and group the preview could name (the tenant's and the plan's). */
        names: map(str()),
    },
    { required: ["state", "excludeUsers", "excludeGroups"], hint: "the policy as the tenant had it at preview; do not set it" },
);
export type TenantAtPreview = Infer<typeof tenantAtPreviewSchema>;

/** A Microsoft-managed policy's inputs and outputs, declared once (the member's entries are its configured inputs). */
export const managedPolicyDeclaration = declareSetting({
    inputs: {
        /** The managed policy: its object id, or its display name ("Microsoft-managed: Block device code flow"). */
        policy: documented(
            str({
                pattern: MANAGED_REF,
                hint:
                    `the display name of a Microsoft-managed policy, which begins "${MANAGED_PREFIX}", or its object id; a ` +
                    "policy of your own is managed with the Conditional Access members",
            }),
            'The Microsoft-managed policy: its display name ("Microsoft-managed: Block device code flow") or its object id',
        ),
        /** reportOnly (enabledForReportingButNotEnforced), on (enabled) or off (disabled: Microsoft then never turns it on). */
        mode: oneOf(MANAGED_MODES, "the states Microsoft lets an admin set on a managed policy"),
        /** Users the policy excludes, by user principal name or object id: exactly these (the tenant's others are removed). */
        excludeUsers: list(str(), { hint: "user principal names or object ids" }),
        /** Groups the policy excludes, by object id or display name: exactly these. */
        excludeGroups: list(str(), { hint: "group object ids or display names" }),
    },
    required: ["policy", "mode"],
    hint: 'like { policy: "Microsoft-managed: Block device code flow", mode: reportOnly, excludeUsers: [...] }',
    internal: {
        /**
         * The baseline's break-glass accounts: an enforced blocking policy must exclude each (refused otherwise), any other is warned
         * about.
         */
        breakGlassAccounts: list(str(), { hint: "user principal names or object ids" }),
        /** The full config key the messages name (set by the baseline component, e.g. m365-mfa:baseline.managedPolicies[0]). */
        configKey: str(),
        /**
         * The evidence before switching it on (m365-mfa:baseline.readiness): its report-only results in the sign-in log; block refuses open
         * findings.
         */
        readiness: READINESS_SCHEMA,
    },
    // Confirmations: switching it on, or a weakening the preview named.
    confirms: true,
    tenantAtPreview: tenantAtPreviewSchema,
    resolved: {
        /** Set at preview: the policy's object id. */
        policyId: str({ hint: "resolved at preview from policy; do not set it" }),
        /** Set at preview: the excluded users' and groups' object ids (sorted, lower case). */
        excludeUserIds: ids("resolved at preview from excludeUsers; do not set it"),
        excludeGroupIds: ids("resolved at preview from excludeGroups; do not set it"),
        /**
         * Set at preview: each break-glass account's object id, in the order of breakGlassAccounts ("" for one the tenant does not have);
         * the guardrail compares these.
         */
        breakGlassIds: list(any, { hint: "resolved at preview from breakGlassAccounts; do not set it" }) as Schema<string[]>,
    },
    outputs: {
        policyId: str(),
        displayName: str(),
        /** Graph's state: enabled, enabledForReportingButNotEnforced or disabled. */
        state: str(),
        /** Object ids, sorted, lower case. */
        excludedUserIds: list(str()),
        excludedGroupIds: list(str()),
    },
});

/** The desired state: the declared inputs, with the tenant at preview in its own shape. */
type Declared = DesiredOf<typeof managedPolicyDeclaration>;
type Lists = "excludeUsers" | "excludeGroups" | "breakGlassAccounts";
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type ManagedPolicyDesired = Mutable<Omit<Declared, typeof TENANT_AT_PREVIEW | Lists>> & {
    /** Exactly these (none when the inputs leave them out). */
    [K in Lists]: string[];
} & { [TENANT_AT_PREVIEW]?: TenantAtPreview };
/** One entry of m365-mfa:baseline.managedPolicies: the configured inputs (policy, mode, excludeUsers, excludeGroups). */
export type ManagedPolicyEntry = Infer<typeof managedPolicyDeclaration.schema>;
export type ManagedPolicySettings = ManagedPolicyEntry[];

/** What a read returns: the declared outputs (the tenant's policy), not the configured inputs. */
export type ManagedPolicyLive = {
    [K in keyof typeof managedPolicyDeclaration.outputs]: Infer<(typeof managedPolicyDeclaration.outputs)[K]>;
};

/**
 * The confirmation of switching a managed policy on: "managed-policy:<exclusions>:<digest>", bound to
 * the policy, the state it leaves and the identities it will exclude (another exclusion list needs a new one).
 */
export function managedPolicyOnConfirmation(policyId: string, from: string, excludedIds: readonly string[]): string {
    const lines = [
        `policy=${policyId.toLowerCase()}`,
        `state=${from}->enabled`,
        ...excludedIds.map((x) => `excluded=${x.toLowerCase()}`),
    ].sort();
    return `managed-policy:${excludedIds.length}:${createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 8)}`;
}

const sortedIds = (xs: unknown): string[] => (Array.isArray(xs) ? [...new Set(xs.map((x) => String(x).toLowerCase()))].sort() : []);

/** The managed policy as the tenant has it, by id or display name; undefined when there is none. */
async function findPolicy(clients: TenantClients, ref: string): Promise<any | undefined> {
    if (GUID.test(ref)) {
        try {
            return await clients.graph.get(`${POLICIES}/${encodeURIComponent(ref)}`);
        } catch (err: any) {
            if (err?.status === 404) return undefined;
            throw err;
        }
    }
    const found = await clients.graph.get(`${POLICIES}?$filter=displayName eq '${ref.replace(/'/g, "''")}'`);
    return (found?.value ?? [])[0];
}

function liveOf(p: any): ManagedPolicyLive {
    const u = p?.conditions?.users ?? {};
    return {
        policyId: String(p.id),
        displayName: String(p.displayName),
        state: String(p.state),
        excludedUserIds: sortedIds(u.excludeUsers),
        excludedGroupIds: sortedIds(u.excludeGroups),
    };
}

/** Whether the policy blocks sign-ins (grant control block): a lockout risk for a break-glass account it does not exclude. */
function blocks(p: any): boolean {
    return (p?.grantControls?.builtInControls ?? []).includes("block");
}

export const managedConditionalAccessPolicy: TenantSetting<ManagedPolicyDesired, ManagedPolicyLive> = {
    type: "ManagedConditionalAccessPolicy",
    title: "Microsoft-managed Conditional Access policy",
    permissions: {
        read: ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"],
        // conditionalaccesspolicy-update.md: Policy.ReadWrite.ConditionalAccess (and Policy.Read.All to read it).
        write: ["Policy.ReadWrite.ConditionalAccess"],
    },
    onDelete:
        "Removing the resource stops managing the Microsoft-managed policy; the tenant keeps its state and exclusions " +
        "(Microsoft may turn a report-only one on by itself).",
    inputKeys: managedPolicyDeclaration.inputKeys,
    schema: managedPolicyDeclaration.schema,
    // Another policy is another resource; the same policy named by id instead of display name (or back) is not:
    // compared by the id the preview resolved, not by how the config spells the reference.
    replaceOnChanges: ["policyId"],
    resolvedFields: managedPolicyDeclaration.resolvedFields,
    internalFields: managedPolicyDeclaration.internalFields,
    auditActivities: ["Update Conditional Access policy"],
    // Judged from the tenant as read at preview (the from-values): an enforced policy going back, or an
    // enforced policy that stays on excluding more. An exclusion added to a policy the tenant has in
    // report-only or off (or that this plan takes out of on, itself named) takes nothing away: not one.
    weakens: (c, inputs) => {
        if (c.field === "state" && c.from === "enabled" && c.to !== "enabled")
            return (
                `a Microsoft-managed policy goes back from enforced to ${STATE_WORDS[String(c.to)] ?? c.to}: what it enforced ` +
                "stops for every user it covered"
            );
        const t = inputs?.[TENANT_AT_PREVIEW] as TenantAtPreview | undefined;
        const enforcedAndStays = inputs === undefined || (t?.state === "enabled" && inputs.mode === "on");
        if (
            enforcedAndStays &&
            (c.field === "excludeUsers" || c.field === "excludeGroups") &&
            Array.isArray(c.from) &&
            Array.isArray(c.to)
        ) {
            const added = (c.to as string[]).filter((x) => !(c.from as string[]).includes(x));
            if (added.length)
                return (
                    `an enforced Microsoft-managed policy no longer applies to ${added.join(", ")} (` +
                    `${c.field === "excludeUsers" ? "users" : "groups"} newly excluded)`
                );
        }
        return undefined;
    },
    // The plan's changes from the tenant at preview, compared by object id (config may name an exclusion by
    // UPN, display name or id; export writes group ids); the names only for display. The same function
    // judges the preview's refusal (prepare) and the PR summary (pipelines/plan.ts), so both say the same.
    previewChanges: (inputs) => {
        const t = inputs[TENANT_AT_PREVIEW] as TenantAtPreview | undefined;
        if (!t) return [];
        return changesFromTenant(
            t,
            MANAGED_STATES[inputs.mode as ManagedPolicyMode],
            sortedIds(inputs.excludeUserIds),
            sortedIds(inputs.excludeGroupIds),
        );
    },

    validate(inputs) {
        const checked = managedPolicyDeclaration.validate(inputs);
        if (!checked.desired) return checked;
        const given = checked.desired as ManagedPolicyDesired;
        // Lists default to none (excludeUsers and excludeGroups are exactly these); resolved ids compared lower case, sorted.
        const desired: ManagedPolicyDesired = {
            ...given,
            excludeUsers: [...(given.excludeUsers ?? [])],
            excludeGroups: [...(given.excludeGroups ?? [])],
            breakGlassAccounts: [...(given.breakGlassAccounts ?? [])],
            ...(given.excludeUserIds ? { excludeUserIds: sortedIds(given.excludeUserIds) } : {}),
            ...(given.excludeGroupIds ? { excludeGroupIds: sortedIds(given.excludeGroupIds) } : {}),
            ...(given.breakGlassIds ? { breakGlassIds: given.breakGlassIds.map((x) => String(x).toLowerCase()) } : {}),
        };
        return { desired, failures: [] };
    },

    /**
     * At preview: finds the policy, resolves the excluded users and groups to object ids, refuses an
     * enforced blocking policy that does not exclude every break-glass account, and refuses a weakening
     * (from the tenant as read now) or a switch to on without the confirmation that names it.
     */
    async prepare(clients, desired) {
        const key = desired.configKey ?? "the managed policy";
        const p = await findPolicy(clients, desired.policy);
        if (!p) {
            return {
                failures: [
                    {
                        property: "policy",
                        reason:
                            `${key}.policy: the tenant has no Conditional Access policy "${desired.policy}". Microsoft ` +
                            "introduces its managed policies over time; list them with npm run export (or the drift report), and " +
                            "give one's display name or object id.",
                    },
                ],
            };
        }
        if (!String(p.displayName ?? "").startsWith(MANAGED_PREFIX)) {
            return {
                failures: [
                    {
                        property: "policy",
                        reason:
                            `${key}.policy: "${p.displayName}" (${p.id}) is not a Microsoft-managed policy (its display name ` +
                            `does not begin "${MANAGED_PREFIX}"). Manage a policy of your own with the Conditional Access ` +
                            "members or azuread.",
                    },
                ],
            };
        }
        const live = liveOf(p);
        const failures: ValidationFailure[] = [];
        const held = new Set(live.excludedUserIds);
        const heldGroups = new Set(live.excludedGroupIds);
        const nameOf = new Map<string, string>();
        // Users by UPN or id -> object ids. An id the policy already excludes is kept as it is, unlooked-up
        // (a deleted user the policy still references, which export writes as its id, stays valid config).
        // A 404 is "no such user"; any other answer (429/5xx after the client's retries, 403) is an error
        // of the read, not a verdict on the user (as settings/conditionalAccess/breakGlass.ts).
        const userIds: string[] = [];
        const lookups = desired.excludeUsers.filter((ref) => !(GUID.test(ref) && held.has(ref.toLowerCase())));
        for (const ref of desired.excludeUsers) if (GUID.test(ref) && held.has(ref.toLowerCase())) userIds.push(ref.toLowerCase());
        const users = await runBatched(
            clients.graph,
            lookups.map((ref) => ({ method: "GET" as const, url: `/users/${encodeURIComponent(ref)}?$select=id,userPrincipalName` })),
        );
        users.results.forEach((r, i) => {
            if (r.status === 200) {
                userIds.push(String(r.body.id).toLowerCase());
                nameOf.set(String(r.body.id).toLowerCase(), String(r.body.userPrincipalName).toLowerCase());
            } else if (r.status === 404) {
                failures.push({
                    property: "excludeUsers",
                    reason:
                        `${key}.excludeUsers: the tenant has no user "${lookups[i]}"; give a user principal name or object id of ` +
                        "an existing user.",
                });
            } else {
                throw new TenantApiError(
                    "Microsoft Graph",
                    "GET",
                    `/users/${lookups[i]}`,
                    r.status,
                    r.body?.error?.code,
                    `reading ${key}.excludeUsers "${lookups[i]}": ${r.body?.error?.message ?? JSON.stringify(r.body ?? null)}`,
                );
            }
        });
        // Groups by id or display name -> object ids; an id the policy already excludes is kept as it is.
        const groupIds: string[] = [];
        for (const ref of desired.excludeGroups) {
            if (GUID.test(ref) && heldGroups.has(ref.toLowerCase())) {
                groupIds.push(ref.toLowerCase());
                continue;
            }
            const g = GUID.test(ref)
                ? await clients.graph
                      .get(`/groups/${encodeURIComponent(ref)}?$select=id,displayName`)
                      .catch((err: any) => (err?.status === 404 ? undefined : Promise.reject(err)))
                : ((await clients.graph.get(`/groups?$filter=displayName eq '${ref.replace(/'/g, "''")}'&$select=id,displayName`))?.value ??
                      [])[0];
            if (g) {
                groupIds.push(String(g.id).toLowerCase());
                nameOf.set(String(g.id).toLowerCase(), String(g.displayName));
            } else
                failures.push({
                    property: "excludeGroups",
                    reason:
                        `${key}.excludeGroups: the tenant has no group "${ref}"; give a group object id or display name of an ` +
                        "existing group.",
                });
        }
        if (failures.length) return { failures };
        // The names of the ids not named yet (the tenant's, and ids kept unlooked-up), for the plan's display only:
        // a read that fails leaves the id as it is.
        const unnamedUsers = [...new Set([...live.excludedUserIds, ...userIds])].filter((id) => !nameOf.has(id));
        const unnamedGroups = [...new Set([...live.excludedGroupIds, ...groupIds])].filter((id) => !nameOf.has(id));
        if (unnamedUsers.length || unnamedGroups.length) {
            const calls = [
                ...unnamedUsers.map((id) => ({
                    method: "GET" as const,
                    url: `/users/${encodeURIComponent(id)}?$select=id,userPrincipalName`,
                })),
                ...unnamedGroups.map((id) => ({ method: "GET" as const, url: `/groups/${encodeURIComponent(id)}?$select=id,displayName` })),
            ];
            const { results } = await runBatched(clients.graph, calls);
            results.forEach((r, i) => {
                if (r.status !== 200) return;
                if (i < unnamedUsers.length) nameOf.set(unnamedUsers[i], String(r.body.userPrincipalName).toLowerCase());
                else nameOf.set(unnamedGroups[i - unnamedUsers.length], String(r.body.displayName));
            });
        }
        const named = (ids: string[]) => ids.map((id) => (nameOf.get(id) ?? id).toLowerCase()).sort();
        const to = MANAGED_STATES[desired.mode];
        const excluded = [...new Set(userIds)].sort();
        const excludedGroups = [...new Set(groupIds)].sort();
        const names: Record<string, string> = Object.fromEntries([...nameOf].map(([id, n]) => [id, n.toLowerCase()]));
        const tenant: TenantAtPreview = {
            state: live.state,
            excludeUsers: named(live.excludedUserIds),
            excludeGroups: named(live.excludedGroupIds),
            excludeUserIds: live.excludedUserIds,
            excludeGroupIds: live.excludedGroupIds,
            names,
        };
        const resolved: ManagedPolicyDesired = {
            ...desired,
            policyId: live.policyId,
            excludeUserIds: excluded,
            excludeGroupIds: excludedGroups,
            [TENANT_AT_PREVIEW]: tenant,
        };
        const title = `${key} ("${live.displayName}")`;
        // The weakenings of a plan that would exclude these ids (previewChanges and weakens, as the PR summary judges them).
        const weakeningsOf = (users: string[], groups: string[]) => {
            const inputs: Record<string, unknown> = { ...resolved, excludeUserIds: users, excludeGroupIds: groups };
            const changes = changesFromTenant(tenant, to, users, groups).filter((c) => managedConditionalAccessPolicy.weakens!(c, inputs));
            return { changes, weakenings: changes.map((c) => managedConditionalAccessPolicy.weakens!(c, inputs)!) };
        };

        // Break-glass accounts and a blocking policy (the lockout rule). Refused only for what this plan does:
        // enforcing a blocking policy (the tenant has it report-only or off) that leaves one out, or taking a
        // break-glass account out of an enforced one's exclusions. Microsoft enables its report-only policies by
        // itself after 45 days (managed-policies.md), so a tenant may already have a blocking policy on without
        // them; a plan that keeps it so (e.g. the export of that tenant) is warned about, with the fix.
        const bg = await runBatched(
            clients.graph,
            desired.breakGlassAccounts.map((ref) => ({
                method: "GET" as const,
                url: `/users/${encodeURIComponent(ref)}?$select=id,userPrincipalName`,
            })),
        );
        const bgAccounts = bg.results.map((r, i) => {
            const ref = desired.breakGlassAccounts[i];
            if (r.status === 200) return { id: String(r.body.id).toLowerCase(), upn: String(r.body.userPrincipalName).toLowerCase() };
            // An account the tenant does not have: the BreakGlassAccounts resource refuses it, naming its key; here it is just not
            // excluded.
            if (r.status === 404) return { id: GUID.test(ref) ? ref.toLowerCase() : undefined, upn: ref.toLowerCase() };
            throw new TenantApiError(
                "Microsoft Graph",
                "GET",
                `/users/${ref}`,
                r.status,
                r.body?.error?.code,
                `reading break-glass account ${ref} (m365-mfa:baseline.breakGlassAccounts): ` +
                    `${r.body?.error?.message ?? JSON.stringify(r.body ?? null)}`,
            );
        });
        for (const b of bgAccounts) if (b.id && !names[b.id]) names[b.id] = b.upn;
        resolved.breakGlassIds = bgAccounts.map((b) => b.id ?? "");
        const notExcluded = bgAccounts.filter((b) => !b.id || !excluded.includes(b.id));
        const removed = bgAccounts.filter((b) => b.id && live.excludedUserIds.includes(b.id) && !excluded.includes(b.id)).map((b) => b.upn);
        const missing = notExcluded.map((b) => b.upn);
        if (blocks(p) && to !== "disabled" && (missing.length || !desired.breakGlassAccounts.length)) {
            const who = desired.breakGlassAccounts.length
                ? `the break-glass account${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`
                : "no break-glass account (m365-mfa:baseline.breakGlassAccounts is empty)";
            const fix = desired.breakGlassAccounts.length
                ? `add ${missing.join(", ")} to ${key}.excludeUsers`
                : "set m365-mfa:baseline.breakGlassAccounts and exclude them in its excludeUsers";
            const Fix = `${fix[0].toUpperCase()}${fix.slice(1)}`;
            if (to === "enabled" && live.state !== "enabled") {
                failures.push({
                    property: "excludeUsers",
                    reason:
                        `${title} blocks sign-ins and would be enforced excluding ${who}: a break-glass account must be excluded ` +
                        `from a blocking policy, or nobody can sign in when it misfires. ${Fix}; nothing was changed.`,
                });
            } else if (removed.length) {
                failures.push({
                    property: "excludeUsers",
                    reason:
                        `${title} blocks sign-ins and this plan takes the break-glass account${removed.length === 1 ? "" : "s"} ` +
                        `${removed.join(", ")} out of its exclusions: a break-glass account must stay excluded from a blocking ` +
                        `policy, or nobody can sign in when it misfires. Keep ${removed.length === 1 ? "it" : "them"} in ` +
                        `${key}.excludeUsers; nothing was changed.`,
                });
            } else if (to === "enabled") {
                // Already enforced in the tenant (by Microsoft after its notice, or an admin) and this plan keeps it: not
                // refused (the plan does not make it worse), said. Excluding the break-glass accounts from an enforced
                // policy is, strictly, that policy applying to fewer users, so it stays a named weakening (the house
                // rule: less protection than now is said and confirmed), even though Microsoft recommends it
                // (managed-policies.md: "Exclude your break-glass or emergency access accounts from managed policies
                // just like other Conditional Access policies"). Exempting the configured accounts instead would let
                // a change of m365-mfa:baseline.breakGlassAccounts take an account out of an enforced policy unconfirmed.
                // So the warning gives both steps at once, the confirmation of exactly that change included, and the
                // admin meets no second refusal.
                const bgIds = bgAccounts.map((b) => b.id).filter((id): id is string => !!id);
                const next = weakeningsOf([...new Set([...excluded, ...bgIds])].sort(), excludedGroups);
                const confirmStep = next.weakenings.length
                    ? ` and "${weakeningToken("managed-policy", next.weakenings, next.changes)}" to ` +
                      "m365-mfa:baseline.guards.confirm (excluding them is a weakening of an enforced policy, named: " +
                      `${next.weakenings.join("; ")})`
                    : "";
                await engineLog(
                    "warning",
                    `${title} is enforced in the tenant and blocks sign-ins without excluding ${who}: nobody can sign in ` +
                        `when it misfires. This plan does not change that, so it is not refused. ${Fix}${confirmStep}, in one ` +
                        "change, and preview again.",
                );
            } else {
                await engineLog(
                    "warning",
                    `${title} blocks sign-ins and does not exclude ${who}; Microsoft may turn it on by itself. ${Fix}.`,
                );
            }
        } else if (missing.length && to !== "disabled") {
            await engineLog(
                "warning",
                `${title} does not exclude the break-glass account${missing.length === 1 ? "" : "s"} ${missing.join(", ")}: ` +
                    "Microsoft advises excluding emergency-access accounts from managed policies too (managed-policies.md). Add " +
                    `${missing.length === 1 ? "it" : "them"} to ${key}.excludeUsers.`,
            );
        }
        if (live.state === "enabledForReportingButNotEnforced" && to === "disabled") {
            await engineLog(
                "warning",
                `${title}: off opts out of the policy; Microsoft will not turn it on by itself (report-only policies are ` +
                    "enabled no less than 45 days after they're introduced).",
            );
        }

        // Weakenings, judged from the tenant as read now (by object id, as the PR summary judges them).
        const { changes, weakenings } = weakeningsOf(excluded, excludedGroups);
        const refusal = weakeningRefusal(`managed-policy`, weakenings, changes, desired.confirm);
        if (refusal) failures.push({ ...refusal, reason: `${title}: ${refusal.reason}` });

        // Switching it on applies it to everyone it covers: a confirmation names it (the policy, and whom it excludes).
        if (to === "enabled" && live.state !== "enabled") {
            // Entra ID refuses to enable a Conditional Access policy while security defaults are on
            // (entra-docs fundamentals/security-defaults; emulator rule conditionalAccess.securityDefaults): said
            // now, not met at up. The baseline's securityDefaults member (enabled: false, or the conditional-access
            // preset) switches them off first when the stack has it; this resource cannot see that, so a warning.
            try {
                const sd = await clients.graph.get(SECURITY_DEFAULTS_PATH);
                if (sd?.isEnabled === true) {
                    await engineLog(
                        "warning",
                        `${title}: security defaults are on in the tenant, and Entra ID refuses to enable a Conditional ` +
                            "Access policy while they are: switching this policy on fails at up unless the baseline switches " +
                            "them off first (m365-mfa:baseline.securityDefaults.enabled: false, or the conditional-access " +
                            `preset; Conditional Access then takes over), or keep ${key}.mode reportOnly.`,
                    );
                }
            } catch (err: any) {
                await engineLog(
                    "warning",
                    `${title}: the tenant's security defaults could not be read (${err?.status ?? err?.message ?? err}); ` +
                        "while they are on, Entra ID refuses to enable this policy.",
                );
            }
            const token = managedPolicyOnConfirmation(live.policyId, live.state, [...excluded, ...excludedGroups]);
            const what = describePolicy(p);
            const excl = [...named(excluded), ...named(excludedGroups)];
            // The evidence: its report-only verdicts in the sign-ins of the readiness window (as for the baseline's own policies).
            const readiness = readinessMode(desired.readiness);
            let evidence = "";
            if (readiness !== "off") {
                const r = await reportOnlyResults(
                    clients,
                    live.policyId,
                    desired.readiness?.windowDays ?? 30,
                    acceptedUsers(desired.readiness),
                    "managed-policy report-only failures",
                );
                evidence = ` ${r.part}`;
                if (readiness === "block" && r.open) failures.push(readinessRefusal(title, r.part));
            }
            const message =
                `${title}: switching the policy on (${STATE_WORDS[live.state] ?? live.state} -> on) enforces ${what}, excluding ` +
                `${excl.length ? excl.join(", ") : "nobody"}.${evidence}`;
            if (!(desired.confirm ?? []).includes(token)) {
                failures.push({
                    property: "",
                    reason:
                        `${message} If that is intended, add "${token}" to m365-mfa:baseline.guards.confirm and preview again; ` +
                        "nothing was changed.",
                });
            } else {
                await engineLog(evidence.includes("would have been blocked") ? "warning" : "info", message);
            }
        } else {
            // What changes, only (the tenant as read now): a state that stays is not printed as "report-only -> report-only".
            const said = changesFromTenant(tenant, to, excluded, excludedGroups).map((c) =>
                c.field === "state"
                    ? `state ${STATE_WORDS[String(c.from)] ?? c.from} -> ${STATE_WORDS[String(c.to)] ?? c.to}`
                    : `excluded ${c.field === "excludeUsers" ? "users" : "groups"} ` +
                      `${(c.from as string[]).join(", ") || "none"} -> ${(c.to as string[]).join(", ") || "none"}`,
            );
            if (said.length) await engineLog("info", `${title}: ${said.join("; ")} (the tenant as read now)`);
        }
        return { desired: resolved, failures, live };
    },

    async read(clients, desired) {
        const ref = desired.policyId ?? desired.policy;
        // A read with no recorded policy (an import by id alone) has nothing to find: say so, naming the input.
        if (typeof ref !== "string" || !ref) {
            throw new Error("nothing to read: no policy is recorded (give policy, the managed policy's display name or object id)");
        }
        const p = await findPolicy(clients, ref);
        if (!p) throw new Error(`the Microsoft-managed Conditional Access policy "${desired.policy}" is not in the tenant any more`);
        return liveOf(p);
    },

    desiredFromLive(live, desired) {
        const mode = (Object.keys(MANAGED_STATES) as ManagedPolicyMode[]).find((m) => MANAGED_STATES[m] === live.state) ?? desired.mode;
        return { ...desired, mode, policyId: live.policyId, excludeUserIds: live.excludedUserIds, excludeGroupIds: live.excludedGroupIds };
    },

    diff(desired, live) {
        const out: FieldChange[] = [];
        const to = MANAGED_STATES[desired.mode];
        if (live.state !== to) out.push({ field: "state", from: live.state, to });
        if (desired.excludeUserIds && stableJson(sortedIds(live.excludedUserIds)) !== stableJson(desired.excludeUserIds))
            out.push({ field: "excludeUsers", from: live.excludedUserIds, to: desired.excludeUserIds });
        if (desired.excludeGroupIds && stableJson(sortedIds(live.excludedGroupIds)) !== stableJson(desired.excludeGroupIds))
            out.push({ field: "excludeGroups", from: live.excludedGroupIds, to: desired.excludeGroupIds });
        return out;
    },

    /** PATCH only what Microsoft lets an admin change on a managed policy: state, and the excluded users and groups. */
    async apply(clients, desired, live, changes) {
        const body: Record<string, unknown> = {};
        if (changes.some((c) => c.field === "state")) body.state = MANAGED_STATES[desired.mode];
        const users: Record<string, unknown> = {};
        if (changes.some((c) => c.field === "excludeUsers")) users.excludeUsers = desired.excludeUserIds ?? [];
        if (changes.some((c) => c.field === "excludeGroups")) users.excludeGroups = desired.excludeGroupIds ?? [];
        if (Object.keys(users).length) body.conditions = { users };
        await clients.graph.patch(`${POLICIES}/${encodeURIComponent(live.policyId)}`, body);
    },

    id(tenantId, live) {
        return `${tenantId}/managedConditionalAccessPolicy/${live.policyId}`;
    },
};

/**
 * The changes from the tenant at preview to a plan that sets `to` and excludes these ids: exclusions
 * compared by object id, shown by name (the names the preview read; an id it could not name stays an id).
 */
function changesFromTenant(t: TenantAtPreview, to: string, userIds: string[], groupIds: string[]): FieldChange[] {
    const out: FieldChange[] = [];
    const named = (ids: string[]) => ids.map((id) => (t.names?.[id] ?? id).toLowerCase()).sort();
    if (t.state !== to) out.push({ field: "state", from: t.state, to });
    if (stableJson(sortedIds(t.excludeUserIds)) !== stableJson(sortedIds(userIds)))
        out.push({ field: "excludeUsers", from: t.excludeUsers, to: named(sortedIds(userIds)) });
    if (stableJson(sortedIds(t.excludeGroupIds)) !== stableJson(sortedIds(groupIds)))
        out.push({ field: "excludeGroups", from: t.excludeGroups, to: named(sortedIds(groupIds)) });
    return out;
}

/** What a policy enforces, in words, for the switch-on message. */
function describePolicy(p: any): string {
    const g = p?.grantControls ?? {};
    const grant = (g.builtInControls ?? []).includes("block")
        ? "a block"
        : g.authenticationStrength?.id
          ? `the authentication strength ${g.authenticationStrength.displayName ?? g.authenticationStrength.id}`
          : (g.builtInControls ?? []).length
            ? (g.builtInControls as string[]).join(` ${g.operator ?? "OR"} `)
            : "its controls";
    const u = p?.conditions?.users ?? {};
    const whom = (u.includeUsers ?? []).includes("All")
        ? "all users"
        : (u.includeRoles ?? []).length
          ? `the holders of ${(u.includeRoles as string[]).length} directory roles`
          : (u.includeGroups ?? []).length
            ? `the members of ${(u.includeGroups as string[]).length} groups`
            : "the users it includes";
    const flows = p?.conditions?.authenticationFlows?.transferMethods ? ` (${p.conditions.authenticationFlows.transferMethods})` : "";
    return `${grant}${flows} for ${whom}`;
}
