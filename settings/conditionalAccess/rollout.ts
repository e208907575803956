import type { TenantClients } from "../../client";
import { pages, runBatched } from "../../client/batch";
import { assessReadiness, describeFinding, findingsFor } from "../../readiness/assess";
import { engineLog } from "../../providers/framework/diagnostics";
import { writeReport } from "../../providers/framework/report";
import { FieldChange, TENANT_AT_PREVIEW, TenantSetting, ValidationFailure, confirmationOf, weakeningRefusal } from "../../providers/framework/setting";
import { isObject } from "../../providers/framework/validation";

/**
 * The rollout guard of a Conditional Access policy of the baseline (the policy itself is an azuread
 * resource, which waits for this one): at preview it reads the tenant, and
 * - records the policy's state there (or "none") and the excluded accounts by name, which the preview
 *   and the PR summary show as the from-values (TENANT_AT_PREVIEW);
 * - for a policy being switched on (the tenant's is not enforced), lists who would break (the
 *   readiness per-user MFA has: who still signs in with legacy protocols, who has no MFA method) and
 *   refuses unless guards.confirm holds the confirmation of this change: "<policy>:<users>:<digest>"
 *   over the users it would start to apply to (every user but the break-glass accounts), so another
 *   tenant population needs a new one;
 * - refuses a step back from enforced (report-only or off) unless a confirmation names that weakening.
 * It writes nothing: create, update and delete leave the tenant to the policy resource.
 */
export type ConditionalAccessPolicyKind = "legacyAuthentication" | "conditionalAccessMfa";

/** The confirmation's first word per policy (also the words of the old, static confirmations, which no longer confirm anything). */
export const CONFIRMATION_KIND: Record<ConditionalAccessPolicyKind, string> = { legacyAuthentication: "legacy-authentication", conditionalAccessMfa: "conditional-access-mfa" };

const STATES: Record<string, string> = { reportOnly: "enabledForReportingButNotEnforced", on: "enabled", off: "disabled" };

export interface RolloutDesired extends Record<string, unknown> {
    policy: ConditionalAccessPolicyKind;
    mode: "reportOnly" | "on" | "off";
    displayName: string;
    adoptPolicyId?: string;
    /** Break-glass accounts (UPN or object id), excluded from the policy. */
    breakGlassAccounts: string[];
    confirm?: string[];
    readiness?: { mode: "off" | "warn" | "block"; windowDays?: number; acceptedUsers?: string[] };
    /** Set at preview: the policy as the tenant has it ("none": not there). */
    tenantAtPreview?: { state: string };
    /** Set at preview: object id -> user principal name of each excluded account (the plan names users, not ids). */
    excludedNames?: Record<string, string>;
    /** Set at preview: how many users switching the policy on starts to apply to (0 when it changes nothing). */
    enforcesFor?: number;
}

export type RolloutLive = Record<string, unknown>;

const KEYS = ["policy", "mode", "displayName", "adoptPolicyId", "breakGlassAccounts", "confirm", "readiness", TENANT_AT_PREVIEW, "excludedNames", "enforcesFor"];

/**
 * The confirmation of switching a policy on: "<policy>:<users>:<digest>", over the users (UPNs, lower
 * case) it starts to apply to: every user of the tenant but the break-glass accounts.
 */
export function rolloutConfirmation(policy: ConditionalAccessPolicyKind, users: readonly string[]): string {
    return confirmationOf(CONFIRMATION_KIND[policy], users.map((u) => `${u.toLowerCase()}=${policy}`));
}

/** The policy as the tenant has it: by the id it adopts, else by its display name. */
async function findPolicy(clients: TenantClients, desired: RolloutDesired): Promise<{ id: string; state: string } | undefined> {
    if (desired.adoptPolicyId) {
        try {
            const p = await clients.graph.get(`/identity/conditionalAccess/policies/${encodeURIComponent(desired.adoptPolicyId)}`);
            return { id: String(p.id), state: String(p.state) };
        } catch (err: any) {
            if (err?.status === 404) return undefined;
            throw err;
        }
    }
    const name = desired.displayName.replace(/'/g, "''");
    // Unencoded, as the other $filter queries: the SDK and the URL parser encode it once.
    const found = await clients.graph.get(`/identity/conditionalAccess/policies?$filter=displayName eq '${name}'`);
    const p = (found?.value ?? [])[0];
    return p ? { id: String(p.id), state: String(p.state) } : undefined;
}

export const conditionalAccessRollout: TenantSetting<RolloutDesired, RolloutLive> = {
    type: "ConditionalAccessRollout",
    title: "Conditional Access rollout",
    permissions: { read: ["Policy.Read.All"], write: ["Policy.Read.All"] },
    onDelete: "Removing the guard changes nothing in the tenant.",
    inputKeys: KEYS,
    resolvedFields: [TENANT_AT_PREVIEW, "excludedNames", "enforcesFor"],
    // The policy resource beside it shows its name, mode and exclusions; the guard shows the state from the tenant's and whom it starts to apply to.
    internalFields: ["confirm", "readiness", "adoptPolicyId", TENANT_AT_PREVIEW, "excludedNames", "breakGlassAccounts", "policy", "displayName", "mode", "enforcesFor"],
    // Judged from the tenant's state at preview: back from enforced is a weakening.
    weakens: (c) =>
        c.field === "state" && c.from === "enabled" && c.to !== "enabled"
            ? `a Conditional Access policy goes back from enforced to ${c.to === "disabled" ? "off" : "report-only"}: what it enforced stops for every user`
            : undefined,

    // From the policy as the tenant has it to the state this plan gives it, and whom switching it on starts to apply to.
    previewChanges: (inputs) => {
        const tenant = inputs[TENANT_AT_PREVIEW] as { state?: string } | undefined;
        const to = STATES[inputs.mode as string];
        const out: FieldChange[] = [];
        if (tenant?.state !== undefined && tenant.state !== to) out.push({ field: "state", from: tenant.state === "none" ? "(no such policy)" : tenant.state, to });
        if (typeof inputs.enforcesFor === "number" && inputs.enforcesFor > 0) out.push({ field: "users it starts to apply to", from: "nobody (not enforced)", to: `${inputs.enforcesFor} (every user but the break-glass accounts)` });
        return out;
    },

    validate(inputs) {
        const failures: ValidationFailure[] = [];
        for (const k of Object.keys(inputs)) if (!KEYS.includes(k)) failures.push({ property: k, reason: `${k} is not a property of the Conditional Access rollout guard` });
        if (inputs.policy !== "legacyAuthentication" && inputs.policy !== "conditionalAccessMfa") failures.push({ property: "policy", reason: "policy must be legacyAuthentication or conditionalAccessMfa" });
        if (!["reportOnly", "on", "off"].includes(inputs.mode as string)) failures.push({ property: "mode", reason: "mode must be reportOnly, on or off" });
        if (typeof inputs.displayName !== "string" || !inputs.displayName) failures.push({ property: "displayName", reason: "displayName must be the policy's display name" });
        if (!Array.isArray(inputs.breakGlassAccounts) || inputs.breakGlassAccounts.some((x) => typeof x !== "string")) failures.push({ property: "breakGlassAccounts", reason: "breakGlassAccounts must be a list of user principal names or object ids" });
        if (failures.length) return { failures };
        const desired: RolloutDesired = {
            policy: inputs.policy as ConditionalAccessPolicyKind,
            mode: inputs.mode as RolloutDesired["mode"],
            displayName: inputs.displayName as string,
            breakGlassAccounts: inputs.breakGlassAccounts as string[],
        };
        if (typeof inputs.adoptPolicyId === "string") desired.adoptPolicyId = inputs.adoptPolicyId;
        if (Array.isArray(inputs.confirm)) desired.confirm = (inputs.confirm as unknown[]).map(String);
        if (isObject(inputs.readiness)) desired.readiness = inputs.readiness as RolloutDesired["readiness"];
        if (isObject(inputs[TENANT_AT_PREVIEW])) desired[TENANT_AT_PREVIEW] = inputs[TENANT_AT_PREVIEW] as { state: string };
        if (isObject(inputs.excludedNames)) desired.excludedNames = inputs.excludedNames as Record<string, string>;
        if (typeof inputs.enforcesFor === "number") desired.enforcesFor = inputs.enforcesFor;
        return { desired, failures };
    },

    async prepare(clients, desired) {
        const kind = CONFIRMATION_KIND[desired.policy];
        const title = desired.policy === "conditionalAccessMfa" ? "MFA for all users (Conditional Access)" : "Legacy authentication block (Conditional Access)";
        const policy = await findPolicy(clients, desired);
        const from = policy?.state ?? "none";
        const to = STATES[desired.mode];
        // The excluded accounts by name (the policy holds object ids).
        const { results } = await runBatched(
            clients.graph,
            desired.breakGlassAccounts.map((ref) => ({ method: "GET" as const, url: `/users/${encodeURIComponent(ref)}?$select=id,userPrincipalName` })),
        );
        const excludedNames: Record<string, string> = {};
        results.forEach((r, i) => {
            if (r.status === 200) excludedNames[String(r.body.id)] = String(r.body.userPrincipalName).toLowerCase();
            else excludedNames[desired.breakGlassAccounts[i]] = desired.breakGlassAccounts[i];
        });
        const resolved: RolloutDesired = { ...desired, [TENANT_AT_PREVIEW]: { state: from }, excludedNames, enforcesFor: 0 };
        if (from !== to) {
            await engineLog("info", `${title}: state ${from === "none" ? "(no such policy)" : from} -> ${to} (the tenant as read now); excluded: ${Object.values(excludedNames).join(", ")}`);
        }
        const failures: ValidationFailure[] = [];
        // A step back from enforced weakens the tenant: a confirmation must name it.
        const changes: FieldChange[] = from === "enabled" && to !== "enabled" ? [{ field: "state", from, to }] : [];
        const refusal = weakeningRefusal(kind, changes.map((c) => conditionalAccessRollout.weakens!(c)!).filter(Boolean), changes, desired.confirm);
        if (refusal) failures.push({ ...refusal, reason: `${title}: ${refusal.reason}` });
        if (to === "enabled" && from !== "enabled") {
            // Every user it starts to apply to: all but the excluded accounts.
            const excluded = new Set([...Object.keys(excludedNames), ...Object.values(excludedNames)].map((x) => x.toLowerCase()));
            const users: string[] = [];
            for await (const page of pages<{ id: string; userPrincipalName: string }>(clients.graph, "/users?$select=id,userPrincipalName&$top=999")) {
                for (const u of page) if (!excluded.has(u.id.toLowerCase()) && !excluded.has(u.userPrincipalName.toLowerCase())) users.push(u.userPrincipalName.toLowerCase());
            }
            resolved.enforcesFor = users.length;
            const token = rolloutConfirmation(desired.policy, users);
            const readiness = await readinessOf(clients, desired, users, title);
            if (readiness.failure) failures.push(readiness.failure);
            if (!(desired.confirm ?? []).includes(token)) {
                failures.push({
                    property: "",
                    reason:
                        `${title}: switching the policy on (${from === "none" ? "a new policy" : from} -> enabled) ${desired.policy === "conditionalAccessMfa" ? "requires MFA at every sign-in" : "blocks every legacy-protocol sign-in"} ` +
                        `of ${users.length} users (every user but the break-glass accounts).${readiness.summary ? ` ${readiness.summary}` : " Nobody found who would break."} ` +
                        `If that is intended, add "${token}" to m365-mfa:baseline.guards.confirm and preview again; nothing was changed.`,
                });
            } else if (readiness.summary) {
                await engineLog("warning", `${title} readiness: ${readiness.summary}`);
            }
        }
        return { desired: resolved, failures };
    },

    // The guard holds no tenant state of its own (the policy resource has it): a refresh reads nothing.
    async read() {
        return {};
    },

    desiredFromLive(_live, desired) {
        return desired;
    },
    stored() {
        return {};
    },
    diff() {
        return [];
    },
    async apply() {
        // Nothing to write: the azuread policy resource does.
    },
    id(tenantId, _live) {
        return `${tenantId}/conditionalAccessRollout`;
    },
};

/**
 * Who would break when the policy is enforced: for MFA, users still signing in with legacy protocols
 * (they cannot do MFA) and users with no MFA method; for the legacy block, users still signing in with
 * legacy protocols. The summary names the first 25, the rest in a file; block mode refuses open findings.
 */
async function readinessOf(clients: TenantClients, desired: RolloutDesired, users: string[], title: string): Promise<{ summary?: string; failure?: ValidationFailure }> {
    const mode = desired.readiness?.mode ?? "warn";
    if (mode === "off" || !users.length) return {};
    const report = await assessReadiness(clients, { windowDays: desired.readiness?.windowDays, users });
    const accepted = new Set((desired.readiness?.acceptedUsers ?? []).map((u) => u.toLowerCase()));
    const findings = findingsFor(report, users).filter((f) => !accepted.has(f.userPrincipalName) && (desired.policy === "conditionalAccessMfa" || f.legacy.length));
    const notes = report.notes.map((n) => `(${n})`).join(" ");
    if (!findings.length) return notes ? { summary: notes } : {};
    const breaking = findings.filter((f) => f.legacy.length);
    const registering = findings.filter((f) => !f.legacy.length);
    const listed = (fs: typeof findings, what: string) => {
        const lines = fs.slice(0, 25).map((f) => `  - ${describeFinding(f)}`);
        const file = fs.length > 25 ? writeReport(what, fs.map(describeFinding)) : undefined;
        return lines.join("\n") + (fs.length > 25 ? `\n  ... and ${fs.length - 25} more (${file ? `all ${fs.length}: ${file}; ` : ""}npm run readiness for the full report)` : "");
    };
    const parts = [`Readiness: ${findings.length} of ${users.length} users would be affected.`];
    if (breaking.length) parts.push(`Will break: ${breaking.length} user${breaking.length === 1 ? "" : "s"} still sign in with legacy protocols, which stop working for them:\n${listed(breaking, "users who will break")}`);
    if (registering.length) parts.push(`Asked to register: ${registering.length} user${registering.length === 1 ? "" : "s"} have no MFA method and must register one at their next sign-in:\n${listed(registering, "users who must register")}`);
    if (notes) parts.push(notes);
    const summary = parts.join("\n");
    if (mode === "block") {
        return { summary, failure: { property: "", reason: `${title}: ${summary}\nFix them first, or accept them in m365-mfa:baseline.readiness.acceptedUsers; nothing was changed.` } };
    }
    return { summary };
}
