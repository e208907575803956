import type { TenantClients } from "../../client";
import { TenantApiError } from "../../client/errors";
import { pages, runBatched } from "../../client/batch";
import { assessReadiness, describeFinding, findingsFor } from "../../providers/framework/readinessReport";
import { engineLog } from "../../providers/framework/diagnostics";
import { acceptedUsers, affectedParts, listed, readinessMode, readinessRefusal } from "../../providers/framework/readinessGate";
import {
    type FieldChange,
    TENANT_AT_PREVIEW,
    type TenantSetting,
    type ValidationFailure,
    confirmationOf,
    weakeningRefusal,
} from "../../providers/framework/setting";
import { type DesiredOf, declareSetting } from "../../providers/framework/declare";
import { list as listOf, map, num, obj, oneOf, str } from "../../providers/framework/validation";
import { READINESS_SCHEMA } from "../../providers/framework/wide";

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
export type ConditionalAccessPolicyKind = (typeof POLICY_KINDS)[number];
export const POLICY_KINDS = ["legacyAuthentication", "conditionalAccessMfa", "phishingResistantAdmins", "deviceCodeFlow"] as const;

/** The confirmation's first word per policy (also the words of the old, static confirmations, which no longer confirm anything). */
export const CONFIRMATION_KIND: Record<ConditionalAccessPolicyKind, string> = {
    legacyAuthentication: "legacy-authentication",
    conditionalAccessMfa: "conditional-access-mfa",
    phishingResistantAdmins: "phishing-resistant-admins",
    deviceCodeFlow: "device-code-flow",
};

const TITLES: Record<ConditionalAccessPolicyKind, string> = {
    legacyAuthentication: "Legacy authentication block (Conditional Access)",
    conditionalAccessMfa: "MFA for all users (Conditional Access)",
    phishingResistantAdmins: "Phishing-resistant MFA for administrators (Conditional Access)",
    deviceCodeFlow: "Device code flow block (Conditional Access)",
};

/** What switching each policy on does to the users it applies to (the refusal's words). */
const EFFECT: Record<ConditionalAccessPolicyKind, string> = {
    legacyAuthentication: "blocks every legacy-protocol sign-in",
    conditionalAccessMfa: "requires MFA at every sign-in",
    phishingResistantAdmins: "requires a phishing-resistant method (the policy's authentication strength) at every sign-in",
    deviceCodeFlow: "blocks every device code flow sign-in",
};

/**
 * A Conditional Access policy's modes as the config says them, and Graph's state for each
 * (conditionalAccessPolicy.state: enabled, disabled, enabledForReportingButNotEnforced): one declaration
 * for the baseline's policies, their rollout guard and the adopted Microsoft-managed policies.
 */
export const CA_MODES = ["reportOnly", "on", "off"] as const;
export type ConditionalAccessMode = (typeof CA_MODES)[number];
export const CA_STATES: Record<ConditionalAccessMode, string> = {
    reportOnly: "enabledForReportingButNotEnforced",
    on: "enabled",
    off: "disabled",
};
const STATES: Record<string, string> = CA_STATES;

/** The rollout guard's inputs, declared once: all of them set by the policy component beside it, none configured by a stack. */
export const rolloutDeclaration = declareSetting({
    inputs: {
        policy: oneOf(POLICY_KINDS),
        /** The directory roles (template ids) a role-targeted policy applies to (phishingResistantAdmins). */
        includeRoles: listOf(str(), { hint: "directory role template ids" }),
        /** phishingResistantAdmins: the strength it grants by (a built-in's name, or custom). */
        strength: str(),
        /** deviceCodeFlow: the transfer methods it blocks. */
        transferMethods: listOf(str()),
        mode: oneOf(CA_MODES),
        displayName: str({ hint: "the policy's display name" }),
        adoptPolicyId: str(),
        /** Break-glass accounts (UPN or object id), excluded from the policy. */
        breakGlassAccounts: listOf(str(), { hint: "user principal names or object ids" }),
    },
    required: ["policy", "mode", "displayName", "breakGlassAccounts"],
    internal: {
        /** The evidence before switching it on (m365-mfa:baseline.readiness). */
        readiness: READINESS_SCHEMA,
    },
    confirms: true,
    /** Set at preview: the policy as the tenant has it ("none": not there). */
    tenantAtPreview: obj({ state: str() }, { required: ["state"], hint: "the policy as the tenant had it at preview; do not set it" }),
    resolved: {
        /** Set at preview: object id -> user principal name of each excluded account (the plan names users, not ids). */
        excludedNames: map(str(), { hint: "resolved at preview; do not set it" }),
        /** Set at preview: how many users switching the policy on starts to apply to (0 when it changes nothing). */
        enforcesFor: num({ integer: true, min: 0, hint: "resolved at preview; do not set it" }),
    },
});

type Declared = DesiredOf<typeof rolloutDeclaration>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type RolloutDesired = Mutable<Omit<Declared, typeof TENANT_AT_PREVIEW>> & {
    [TENANT_AT_PREVIEW]?: { state: string };
};

export type RolloutLive = Record<string, unknown>;

/** Every input is the guard's own plumbing (none is the tenant's): a read keeps them all, and none is shown as posture. */
const KEYS = [...rolloutDeclaration.inputKeys, ...rolloutDeclaration.internalFields];

/**
 * The confirmation of switching a policy on: "<policy>:<users>:<digest>", over the users (UPNs, lower
 * case) it starts to apply to: every user of the tenant but the break-glass accounts.
 */
export function rolloutConfirmation(policy: ConditionalAccessPolicyKind, users: readonly string[]): string {
    return confirmationOf(
        CONFIRMATION_KIND[policy],
        users.map((u) => `${u.toLowerCase()}=${policy}`),
    );
}

/** The policy as the tenant has it: by the id it adopts, else by its display name. */
async function findPolicy(clients: TenantClients, desired: RolloutDesired): Promise<{ id: string; state: string; raw: any } | undefined> {
    if (desired.adoptPolicyId) {
        try {
            const p = await clients.graph.get(`/identity/conditionalAccess/policies/${encodeURIComponent(desired.adoptPolicyId)}`);
            return { id: String(p.id), state: String(p.state), raw: p };
        } catch (err: any) {
            if (err?.status === 404) return undefined;
            throw err;
        }
    }
    const name = desired.displayName.replace(/'/g, "''");
    // Unencoded, as the other $filter queries: the SDK and the URL parser encode it once.
    const found = await clients.graph.get(`/identity/conditionalAccess/policies?$filter=displayName eq '${name}'`);
    const p = (found?.value ?? [])[0];
    return p ? { id: String(p.id), state: String(p.state), raw: p } : undefined;
}

export const conditionalAccessRollout: TenantSetting<RolloutDesired, RolloutLive> = {
    type: "ConditionalAccessRollout",
    title: "Conditional Access rollout",
    permissions: { read: ["Policy.Read.All"], write: ["Policy.Read.All"] },
    onDelete: "Removing the guard changes nothing in the tenant.",
    inputKeys: KEYS,
    schema: rolloutDeclaration.schema,
    resolvedFields: rolloutDeclaration.resolvedFields,
    // The policy resource beside it shows its name, mode and exclusions; the guard shows the state from the tenant's and whom it starts to
    // apply to.
    internalFields: KEYS,
    // Judged from the tenant's state at preview: back from enforced is a weakening.
    weakens: (c) =>
        c.field === "state" && c.from === "enabled" && c.to !== "enabled"
            ? `a Conditional Access policy goes back from enforced to ${c.to === "disabled" ? "off" : "report-only"}: what it ` +
              "enforced stops for every user"
            : undefined,

    // From the policy as the tenant has it to the state this plan gives it, and whom switching it on starts to apply to.
    previewChanges: (inputs) => {
        const tenant = inputs[TENANT_AT_PREVIEW] as { state?: string } | undefined;
        const to = STATES[inputs.mode as string];
        const out: FieldChange[] = [];
        if (tenant?.state !== undefined && tenant.state !== to)
            out.push({ field: "state", from: tenant.state === "none" ? "(no such policy)" : tenant.state, to });
        if (typeof inputs.enforcesFor === "number" && inputs.enforcesFor > 0)
            out.push({
                field: "users it starts to apply to",
                from: "nobody (not enforced)",
                to: `${inputs.enforcesFor} (every user but the break-glass accounts)`,
            });
        return out;
    },

    validate: (inputs) => rolloutDeclaration.validate(inputs),

    async prepare(clients, desired) {
        const kind = CONFIRMATION_KIND[desired.policy];
        const title = TITLES[desired.policy];
        const policy = await findPolicy(clients, desired);
        const from = policy?.state ?? "none";
        const to = STATES[desired.mode];
        // The excluded accounts by name (the policy holds object ids).
        const { results } = await runBatched(
            clients.graph,
            desired.breakGlassAccounts.map((ref) => ({
                method: "GET" as const,
                url: `/users/${encodeURIComponent(ref)}?$select=id,userPrincipalName`,
            })),
        );
        const excludedNames: Record<string, string> = {};
        results.forEach((r, i) => {
            if (r.status === 200) excludedNames[String(r.body.id)] = String(r.body.userPrincipalName).toLowerCase();
            else excludedNames[desired.breakGlassAccounts[i]] = desired.breakGlassAccounts[i];
        });
        const resolved: RolloutDesired = { ...desired, [TENANT_AT_PREVIEW]: { state: from }, excludedNames, enforcesFor: 0 };
        if (from !== to) {
            await engineLog(
                "info",
                `${title}: state ${from === "none" ? "(no such policy)" : from} -> ${to} (the tenant as read now); excluded: ` +
                    `${Object.values(excludedNames).join(", ")}`,
            );
        }
        await managedDuplicates(clients, desired, title);
        const failures: ValidationFailure[] = [];
        // A step back from enforced weakens the tenant: a confirmation must name it.
        const changes: FieldChange[] = from === "enabled" && to !== "enabled" ? [{ field: "state", from, to }] : [];
        const weakenings = changes.map((c) => conditionalAccessRollout.weakens!(c)!).filter(Boolean);
        // Issue 24: what the tenant's policy enforces that this plan drops (judged from the tenant as read now).
        if (policy && to !== "disabled") {
            for (const w of shapeWeakenings(policy.raw, desired)) {
                changes.push(w.change);
                weakenings.push(w.why);
            }
        }
        const refusal = weakeningRefusal(kind, weakenings, changes, desired.confirm);
        if (refusal) failures.push({ ...refusal, reason: `${title}: ${refusal.reason}` });
        if (to === "enabled" && from !== "enabled") {
            // Every user it starts to apply to: all but the excluded accounts (a role-targeted policy: the roles' holders).
            const excluded = new Set([...Object.keys(excludedNames), ...Object.values(excludedNames)].map((x) => x.toLowerCase()));
            const users: string[] = [];
            const roleNotes: string[] = [];
            if (desired.includeRoles) {
                const holders = await roleHolders(clients, desired.includeRoles, roleNotes);
                for (const u of holders)
                    if (!excluded.has(u.id.toLowerCase()) && !excluded.has(u.userPrincipalName.toLowerCase()))
                        users.push(u.userPrincipalName.toLowerCase());
            } else {
                for await (const page of pages<{ id: string; userPrincipalName: string }>(
                    clients.graph,
                    "/users?$select=id,userPrincipalName&$top=999",
                )) {
                    for (const u of page)
                        if (!excluded.has(u.id.toLowerCase()) && !excluded.has(u.userPrincipalName.toLowerCase()))
                            users.push(u.userPrincipalName.toLowerCase());
                }
            }
            resolved.enforcesFor = users.length;
            const token = rolloutConfirmation(desired.policy, users);
            const whom = desired.includeRoles
                ? `${users.length} administrators (the holders of the policy's ${desired.includeRoles.length} roles but the ` +
                  "break-glass accounts)"
                : `${users.length} users (every user but the break-glass accounts)`;
            const readiness =
                desired.policy === "legacyAuthentication" || desired.policy === "conditionalAccessMfa"
                    ? await readinessOf(clients, desired, users, title)
                    : {};
            const evidence = await evidenceOf(clients, desired, policy?.id, users, title, roleNotes);
            const summary = [readiness.summary, evidence.summary].filter(Boolean).join("\n");
            if (readiness.failure) failures.push(readiness.failure);
            if (evidence.failure) failures.push(evidence.failure);
            if (!(desired.confirm ?? []).includes(token)) {
                failures.push({
                    property: "",
                    reason:
                        `${title}: switching the policy on (${from === "none" ? "a new policy" : from} -> enabled) ` +
                        `${EFFECT[desired.policy]} ` +
                        `of ${whom}.${summary ? ` ${summary}` : " Nobody found who would break."} ` +
                        `If that is intended, add "${token}" to m365-mfa:baseline.guards.confirm and preview again; nothing was changed.`,
                });
            } else if (summary) {
                await engineLog("warning", `${title} readiness: ${summary}`);
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
async function readinessOf(
    clients: TenantClients,
    desired: RolloutDesired,
    users: string[],
    title: string,
): Promise<{ summary?: string; failure?: ValidationFailure }> {
    const mode = readinessMode(desired.readiness);
    if (mode === "off" || !users.length) return {};
    const report = await assessReadiness(clients, { windowDays: desired.readiness?.windowDays, users });
    const accepted = acceptedUsers(desired.readiness);
    const findings = findingsFor(report, users).filter(
        (f) => !accepted.has(f.userPrincipalName) && (desired.policy === "conditionalAccessMfa" || f.legacy.length),
    );
    const notes = report.notes.map((n) => `(${n})`).join(" ");
    if (!findings.length) return notes ? { summary: notes } : {};
    const parts = [
        `Readiness: ${findings.length} of ${users.length} users would be affected.`,
        ...affectedParts(findings, describeFinding),
    ];
    if (notes) parts.push(notes);
    const summary = parts.join("\n");
    return mode === "block" ? { summary, failure: readinessRefusal(title, summary) } : { summary };
}

/** The users holding any of the roles (direct user members; a role not activated in the tenant has none). */
async function roleHolders(
    clients: TenantClients,
    roles: readonly string[],
    notes: string[],
): Promise<{ id: string; userPrincipalName: string }[]> {
    const out = new Map<string, { id: string; userPrincipalName: string }>();
    for (const role of roles) {
        try {
            for await (const page of pages<any>(
                clients.graph,
                "/directoryRoles(roleTemplateId='" +
                    `${encodeURIComponent(role)}')/members?$select=id,userPrincipalName,accountEnabled,displayName,appId`,
            )) {
                for (const m of page) {
                    const type = String(m["@odata.type"] ?? "").replace(/^#?microsoft\.graph\./, "");
                    if (type === "user" && typeof m.userPrincipalName === "string")
                        out.set(String(m.id).toLowerCase(), { id: String(m.id), userPrincipalName: m.userPrincipalName });
                    else if (type === "group")
                        notes.push(`role ${role} is held by group ${m.displayName ?? m.id}, whose members are not listed here`);
                }
            }
        } catch (err: any) {
            if (err?.status !== 404) throw err; // 404: the role is not activated, nobody holds it
        }
    }
    return [...out.values()];
}

const PREMIUM_ERROR = "Authentication_RequestFromNonPremiumTenantOrB2CTenant";
/** The report-only verdicts that mean the policy would have stopped the sign-in (resources/appliedconditionalaccesspolicy.md). */
const WOULD_STOP = ["reportOnlyFailure", "reportOnlyInterrupted"];
/**
 * Methods of the registration report (userRegistrationDetails.methodsRegistered) that satisfy the
 * built-in Phishing-resistant MFA strength (FIDO2 security keys and passkeys, Windows Hello for
 * Business; certificate-based authentication is not a registered method there).
 */
export const PHISHING_RESISTANT_METHODS = [
    "fido2",
    "fido2SecurityKey",
    "passKeyDeviceBound",
    "passKeyDeviceBoundAuthenticator",
    "passKeyDeviceBoundWindowsHello",
    "windowsHelloForBusiness",
];
/** At most this many pages (1,000 sign-ins each) of the window are read for a policy's report-only results. */
const MAX_SIGN_IN_PAGES = 50;

interface ReportOnlyFinding {
    userPrincipalName: string;
    count: number;
    results: string[];
    apps: string[];
    lastSeen: string;
}

/**
 * A policy's report-only verdicts in the sign-ins of the last `windowDays` days: who would have been
 * blocked or interrupted (count, results, apps, last seen), the first 25 named and the rest in a file
 * (`what` names it). Read with documented options only (createdDateTime ge, $top; signin-list.md), with
 * `Prefer: include-unknown-enum-members`, without which the report-only results are unknownFutureValue
 * (appliedconditionalaccesspolicy.md). A tenant without sign-in logs gets a plain statement (open 0).
 * Also used for an adopted Microsoft-managed policy (settings/managedPolicies).
 */
export async function reportOnlyResults(
    clients: TenantClients,
    policyId: string,
    windowDays: number,
    accepted: ReadonlySet<string>,
    what: string,
): Promise<{ part: string; open: number }> {
    const parts: string[] = [];
    let open = 0;
    const since = new Date(Date.now() - windowDays * 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    const found = new Map<string, ReportOnlyFinding>();
    let read = 0;
    let complete = true;
    try {
        let next: string | undefined = `/auditLogs/signIns?$filter=${encodeURIComponent(`createdDateTime ge ${since}`)}&$top=1000`;
        for (let n = 0; next; n++) {
            if (n >= MAX_SIGN_IN_PAGES) {
                complete = false;
                break;
            }
            const page: { value?: any[]; "@odata.nextLink"?: string } = await clients.graph.get(next, {
                headers: { Prefer: "include-unknown-enum-members" },
            });
            for (const s of page.value ?? []) {
                read++;
                const verdict = (s.appliedConditionalAccessPolicies ?? []).find(
                    (a: any) => String(a.id).toLowerCase() === policyId.toLowerCase() && WOULD_STOP.includes(a.result),
                );
                if (!verdict) continue;
                const upn = String(s.userPrincipalName).toLowerCase();
                const f: ReportOnlyFinding = found.get(upn) ?? {
                    userPrincipalName: upn,
                    count: 0,
                    results: [],
                    apps: [],
                    lastSeen: String(s.createdDateTime),
                };
                f.count++;
                if (!f.results.includes(verdict.result)) f.results.push(verdict.result);
                if (s.appDisplayName && !f.apps.includes(s.appDisplayName)) f.apps.push(s.appDisplayName);
                if (s.createdDateTime > f.lastSeen) f.lastSeen = s.createdDateTime;
                found.set(upn, f);
            }
            next = page["@odata.nextLink"];
        }
        const findings = [...found.values()]
            .filter((f) => !accepted.has(f.userPrincipalName))
            .sort((a, b) => b.count - a.count || a.userPrincipalName.localeCompare(b.userPrincipalName));
        const cut = complete ? "" : ` (the first ${read} sign-ins of the window only: the log is longer than ${MAX_SIGN_IN_PAGES} pages)`;
        if (findings.length) {
            open += findings.length;
            parts.push(
                `Report-only results of the last ${windowDays} days${cut}: ${findings.length} user` +
                    `${findings.length === 1 ? "" : "s"} would have been blocked or interrupted:\n` +
                    listed(
                        findings.map(
                            (f) =>
                                `${f.userPrincipalName}: ${f.count} sign-in${f.count === 1 ? "" : "s"} ` +
                                `${f.results.join("/")}, app${f.apps.length === 1 ? "" : "s"} ` +
                                `${f.apps.join(", ") || "(unknown)"}, last seen ${f.lastSeen}`,
                        ),
                        what,
                        false,
                    ),
            );
        } else {
            parts.push(
                `Report-only results of the last ${windowDays} days${cut}: ${read} sign-ins read, nobody would have been ` +
                    "blocked or interrupted by the policy.",
            );
        }
    } catch (err) {
        if (!(err instanceof TenantApiError && err.status === 403 && err.code === PREMIUM_ERROR)) throw err;
        parts.push(
            "Report-only results: this tenant has no sign-in logs (Microsoft Entra ID P1 is needed to read them), so who the " +
                "policy would block or interrupt is not known. Check by hand before switching it on.",
        );
    }
    return { part: parts.join("\n"), open };
}

/**
 * The evidence before a policy goes on: its report-only verdicts in the sign-ins of the readiness
 * window (who would have been blocked or interrupted: count, apps, last seen), and for the
 * phishing-resistant policy the targeted administrators with no phishing-resistant method registered.
 * The sign-in log is read with documented options only (createdDateTime ge, $top; signin-list.md),
 * with `Prefer: include-unknown-enum-members`, without which the report-only results are
 * unknownFutureValue (appliedconditionalaccesspolicy.md). A tenant without sign-in logs is told so.
 */
async function evidenceOf(
    clients: TenantClients,
    desired: RolloutDesired,
    policyId: string | undefined,
    users: string[],
    title: string,
    extraNotes: string[],
): Promise<{ summary?: string; failure?: ValidationFailure }> {
    const mode = readinessMode(desired.readiness);
    if (mode === "off") return {};
    const windowDays = desired.readiness?.windowDays ?? 30;
    const accepted = acceptedUsers(desired.readiness);
    const parts: string[] = [];
    let open = 0;
    if (!policyId) {
        parts.push(
            "Report-only results: none to read, as the policy is not in the tenant yet (create it in report-only first and " +
                `let it see ${windowDays} days of sign-ins).`,
        );
    } else {
        const r = await reportOnlyResults(
            clients,
            policyId,
            windowDays,
            accepted,
            `${CONFIRMATION_KIND[desired.policy]} report-only failures`,
        );
        parts.push(r.part);
        open += r.open;
    }
    if (desired.policy === "phishingResistantAdmins" && users.length) {
        const { results } = await runBatched(
            clients.graph,
            users.map((u) => ({
                method: "GET" as const,
                url:
                    "/reports/authenticationMethods/userRegistrationDetails?$filter=" +
                    `${encodeURIComponent(`userPrincipalName eq '${u.replace(/'/g, "''")}'`)}`,
            })),
        );
        const without: string[] = [];
        let unknown = 0;
        results.forEach((r, i) => {
            if (r.status !== 200) {
                unknown++;
                return;
            }
            const row = (r.body?.value ?? [])[0];
            const methods: string[] = (row?.methodsRegistered ?? []).map(String);
            if (
                !methods.some((m) => PHISHING_RESISTANT_METHODS.some((p) => p.toLowerCase() === m.toLowerCase())) &&
                !accepted.has(users[i])
            ) {
                without.push(`${users[i]} (registered: ${methods.join(", ") || "nothing"})`);
            }
        });
        if (without.length) {
            open += without.length;
            parts.push(
                `No phishing-resistant method: ${without.length} of the ${users.length} targeted administrators have no ` +
                    "FIDO2 security key, passkey or Windows Hello for Business registered and could not sign in once the policy " +
                    "is on " +
                    `(a certificate, if they use one, does not show in the registration report):\n` +
                    `${listed(without, "administrators without a phishing-resistant method", false)}`,
            );
        }
        if (unknown) parts.push(`(the registration of ${unknown} administrators could not be read)`);
    }
    if (extraNotes.length) parts.push(`(${extraNotes.join("; ")})`);
    const summary = parts.join("\n");
    if (mode === "block" && open) return { summary, failure: readinessRefusal(title, summary) };
    return { summary };
}

/**
 * The Microsoft-managed policy each member duplicates (entra-docs conditional-access/managed-policies.md
 * lists them). Graph marks no policy as managed; tenants' exports show display names beginning
 * "Microsoft-managed: " (observed, not documented), which is matched.
 */
export const MANAGED_TWIN: Record<ConditionalAccessPolicyKind, string> = {
    legacyAuthentication: "Microsoft-managed: Block legacy authentication",
    conditionalAccessMfa: "Microsoft-managed: Multifactor authentication for all users",
    phishingResistantAdmins: "Microsoft-managed: Phishing-resistant multifactor authentication for admins",
    deviceCodeFlow: "Microsoft-managed: Block device code flow",
};
const STATE_WORDS: Record<string, string> = { enabled: "on", enabledForReportingButNotEnforced: "report-only", disabled: "off" };

/** Said at preview: the Microsoft-managed policy this member duplicates, with its state (Microsoft turns report-only ones on by itself). */
async function managedDuplicates(clients: TenantClients, desired: RolloutDesired, title: string): Promise<void> {
    if (desired.mode === "off") return;
    const twin = MANAGED_TWIN[desired.policy];
    const found = await clients.graph.get(`/identity/conditionalAccess/policies?$filter=displayName eq '${twin.replace(/'/g, "''")}'`);
    const p = (found?.value ?? [])[0];
    if (!p || p.id === desired.adoptPolicyId) return;
    await engineLog(
        "warning",
        `${title} duplicates the Microsoft-managed policy "${twin}" (${p.id}), which is ${STATE_WORDS[p.state] ?? p.state}` +
            (p.state === "enabledForReportingButNotEnforced"
                ? ": Microsoft turns it on by itself no less than 45 days after introducing it, after 28 days' notice"
                : "") +
            ". Keep one of them: switch the managed policy off (and exclude the break-glass accounts from it if it stays), " +
            "or leave this member out.",
    );
}

/** Built-in strength ids by the config's names (authenticationstrengthroot-list-policies.md). */
const STRENGTH_IDS: Record<string, string> = {
    multifactor: "00000000-0000-0000-0000-000000000002",
    passwordless: "00000000-0000-0000-0000-000000000003",
    "phishing-resistant": "00000000-0000-0000-0000-000000000004",
};

/**
 * What the tenant's policy enforces that the plan drops: the phishing-resistant strength for the
 * administrators, a role it covered, a transfer method it blocked. Each is a weakening the preview
 * names, confirmed like the others ("weakens:<policy>:<digest>").
 */
function shapeWeakenings(tenantPolicy: any, desired: RolloutDesired): { change: FieldChange; why: string }[] {
    const out: { change: FieldChange; why: string }[] = [];
    if (desired.policy === "phishingResistantAdmins") {
        const had = String(tenantPolicy?.grantControls?.authenticationStrength?.id ?? "");
        const PHISHING_RESISTANT_COMBINATIONS = ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"];
        const custom = desired.strength?.startsWith("custom:") ? desired.strength.slice(7).split(";") : undefined;
        const stillPhishingResistant =
            desired.strength === "phishing-resistant" ||
            (!!custom && custom.length > 0 && custom.every((c) => PHISHING_RESISTANT_COMBINATIONS.includes(c)));
        if (had === STRENGTH_IDS["phishing-resistant"] && desired.strength && !stillPhishingResistant) {
            out.push({
                change: { field: "grantControls.authenticationStrength", from: "Phishing-resistant MFA", to: desired.strength },
                why:
                    "the administrators' sign-ins no longer need a phishing-resistant method (authentication strength " +
                    `${desired.strength})`,
            });
        }
        const roles: string[] = (tenantPolicy?.conditions?.users?.includeRoles ?? []).map((r: string) => r.toLowerCase());
        const want = new Set((desired.includeRoles ?? []).map((r) => r.toLowerCase()));
        const dropped = desired.includeRoles ? roles.filter((r) => !want.has(r)) : [];
        // (a custom strength of phishing-resistant combinations only keeps the requirement)
        if (dropped.length) {
            out.push({
                change: { field: "conditions.users.includeRoles", from: roles, to: [...want] },
                why: `${dropped.length} directory role${dropped.length === 1 ? " is" : "s are"} no longer covered (${dropped.join(", ")})`,
            });
        }
    }
    if (desired.policy === "deviceCodeFlow" && desired.transferMethods) {
        const had = String(tenantPolicy?.conditions?.authenticationFlows?.transferMethods ?? "")
            .split(",")
            .filter(Boolean);
        const dropped = had.filter((m) => !desired.transferMethods!.includes(m));
        if (dropped.length) {
            out.push({
                change: {
                    field: "conditions.authenticationFlows.transferMethods",
                    from: had.join(","),
                    to: desired.transferMethods.join(","),
                },
                why: `${dropped.join(", ")} is no longer blocked`,
            });
        }
    }
    return out;
}
