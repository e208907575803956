import type { TenantClients } from "../../client";
import { ADVANCED_QUERY_HEADERS, pages, runBatched } from "../../client/batch";
import { engineLog } from "../../providers/framework/diagnostics";
import type { PerUserMfaDesired } from "./declaration";

/**
 * The lockout guard's Global Administrator check: a plan that moves users to MFA must leave at least
 * one Global Administrator who can still sign in.
 *
 * Who holds the role: `GET /directoryRoles(roleTemplateId='…')/members` lists every principal assigned
 * it (directoryrole-list-members.md), as directoryObjects with their @odata.type:
 * - users: an administrator the check counts;
 * - role-assignable groups: the group's members hold the role (entra-docs groups-concept.md), so the
 *   check reads them (`GET /groups/{id}/transitiveMembers/microsoft.graph.user`, group-list-transitivemembers.md;
 *   a role-assignable group cannot nest groups, so these are its members) and counts each user;
 * - service principals: per-user MFA applies to users (entra-docs howto-mfa-userstates.md), so a plan
 *   cannot lock a service principal out; but an app is no administrator who can sign in to undo a
 *   lockout in the portal, so it is never counted as the usable administrator. The check names them.
 * - a member the app may not read comes back with its @odata.type and id only ("limited information",
 *   api-reference/includes/limited-info.md): the check cannot tell whom it is or whether this plan moves
 *   them, so it does not count them, and says what it could not see and which permission would show it.
 *
 * The verdict: passes when an enabled Global Administrator it could see is excluded (break-glass) or
 * not moved by this plan, or when one of those moved already has an MFA method; refuses otherwise
 * (with what it could not see, when something was hidden). What it saw but did not count is said as a
 * warning on the resource even when it passes, never silently.
 */
export const GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10";
const MFA_METHOD_TYPES = [
    "microsoftAuthenticatorAuthenticationMethod",
    "phoneAuthenticationMethod",
    "fido2AuthenticationMethod",
    "softwareOathAuthenticationMethod",
    "windowsHelloForBusinessAuthenticationMethod",
];

const KEYS = "m365-mfa:baseline.breakGlassAccounts";
const OFF = "m365-mfa:baseline.guards.lockout";

/** A directoryObject as the role's member list returns it (properties null under limited information). */
interface RoleMember {
    "@odata.type"?: string;
    id: string;
    userPrincipalName?: string | null;
    displayName?: string | null;
    accountEnabled?: boolean | null;
    appId?: string | null;
}

interface AdminUser {
    id: string;
    userPrincipalName: string;
    accountEnabled: boolean;
    /** "directly" or "through group <name>". */
    via: string;
}

/** What the guard read about the Global Administrators. */
export interface GlobalAdmins {
    /** Users it could see, each once (directly or through a role-assignable group). */
    users: AdminUser[];
    servicePrincipals: { id: string; name?: string; appId?: string; limited: boolean }[];
    /** Users returned with limited information: only their id is known. */
    hiddenUsers: { id: string; via: string }[];
    /** Role-assignable groups whose members could not be read, and why. */
    unreadGroups: { id: string; name?: string; reason: string }[];
    /** Members of another type (or none given). */
    others: { id: string; type: string }[];
}

export interface LockoutVerdict {
    /** The refusal (the preview fails with it), or undefined. */
    refusal?: string;
    /** What the guard saw but did not count, or could not see, when it passes. */
    notes: string[];
}

const typeOf = (m: { "@odata.type"?: string }) => String(m["@odata.type"] ?? "").replace(/^#?microsoft\.graph\./, "");

/** Reads the Global Administrators: the role's members, and the users of each role-assignable group among them. */
export async function readGlobalAdmins(clients: TenantClients): Promise<GlobalAdmins | "notActivated"> {
    const members: RoleMember[] = [];
    try {
        for await (const page of pages<RoleMember>(
            clients.graph,
            "/directoryRoles(roleTemplateId='" +
                `${GLOBAL_ADMINISTRATOR}')/members?$select=id,userPrincipalName,accountEnabled,displayName,appId`,
        )) {
            members.push(...page);
        }
    } catch (err: any) {
        if (err?.status === 404) return "notActivated"; // the role is not activated: no Global Administrator to lose
        throw err;
    }
    const out: GlobalAdmins = { users: [], servicePrincipals: [], hiddenUsers: [], unreadGroups: [], others: [] };
    const seen = new Set<string>();
    const addUser = (m: RoleMember, via: string) => {
        const id = String(m.id).toLowerCase();
        if (seen.has(id)) return;
        if (typeof m.userPrincipalName === "string" && m.userPrincipalName) {
            seen.add(id);
            out.users.push({ id, userPrincipalName: m.userPrincipalName, accountEnabled: m.accountEnabled !== false, via });
        } else if (!out.hiddenUsers.some((h) => h.id === id)) {
            out.hiddenUsers.push({ id, via });
        }
    };
    for (const m of members) {
        const type = typeOf(m);
        if (type === "user") {
            addUser(m, "directly");
        } else if (type === "servicePrincipal") {
            out.servicePrincipals.push({
                id: m.id,
                name: m.displayName ?? undefined,
                appId: m.appId ?? undefined,
                limited: !m.displayName && !m.appId,
            });
        } else if (type === "group") {
            const name = m.displayName ?? undefined;
            try {
                for await (const page of pages<RoleMember>(
                    clients.graph,
                    // The cast is an advanced query: $count=true and ConsistencyLevel: eventual (aad-advanced-queries.md).
                    "/groups/" +
                        encodeURIComponent(m.id) +
                        "/transitiveMembers/microsoft.graph.user?$count=true&$select=id,userPrincipalName,accountEnabled&$top=999",
                    "v1.0",
                    ADVANCED_QUERY_HEADERS,
                )) {
                    for (const u of page) addUser(u, `through group ${name ?? m.id}`);
                }
            } catch (err: any) {
                if (err?.status !== 403 && err?.status !== 404) throw err;
                out.unreadGroups.push({
                    id: m.id,
                    name,
                    reason:
                        err.status === 403
                            ? "its members could not be read: grant the Microsoft Graph application permission GroupMember.Read.All"
                            : "the group was not found when its members were read",
                });
            }
        } else {
            out.others.push({ id: m.id, type: type || "unknown type" });
        }
    }
    return out;
}

/** What the guard could not see, and the permission that would show it; empty when it saw everything. */
function hidden(admins: GlobalAdmins, excluded: Set<string>): string[] {
    const parts: string[] = [];
    if (admins.hiddenUsers.length) {
        const ids = admins.hiddenUsers.map(
            (h) => `${h.id}${excluded.has(h.id) ? " (excluded as break-glass)" : ""}${h.via === "directly" ? "" : ` ${h.via}`}`,
        );
        parts.push(
            `${admins.hiddenUsers.length} user${admins.hiddenUsers.length === 1 ? "" : "s"} holding Global Administrator ` +
                `came back with limited information (object id only: ${ids.join(", ")}), ` +
                "so the guard cannot tell who they are, whether their account is enabled or whether this plan moves them; " +
                "the Microsoft Graph application permission User.Read.All would show them",
        );
    }
    for (const g of admins.unreadGroups) {
        parts.push(`role-assignable group ${g.name ? `"${g.name}" (${g.id})` : g.id} holds Global Administrator but ${g.reason}`);
    }
    for (const o of admins.others) {
        parts.push(`a member of type ${o.type} (${o.id}) holds Global Administrator; the guard does not know how to count it`);
    }
    return parts;
}

/** The service principals holding the role, said once: not locked out by per-user MFA, not counted. */
function servicePrincipalNote(admins: GlobalAdmins): string | undefined {
    const sps = admins.servicePrincipals;
    if (!sps.length) return undefined;
    const named = sps.map((s) =>
        s.limited
            ? `${s.id} (limited information: Application.Read.All would show its name)`
            : `${s.name ?? s.id}${s.appId ? ` (appId ${s.appId})` : ""}`,
    );
    return (
        `${sps.length} service principal${sps.length === 1 ? "" : "s"} hold${sps.length === 1 ? "s" : ""} Global ` +
        `Administrator (${named.join(", ")}): ` +
        `per-user MFA applies to users, so this plan cannot lock ${sps.length === 1 ? "it" : "them"} out, but an app is not ` +
        `an administrator who can sign in to undo a lockout, so the guard does not count ${sps.length === 1 ? "it" : "them"}`
    );
}

/**
 * Methods of a user's authentication methods list that are phishing-resistant (FIDO2 security keys and passkeys, Windows Hello for
 * Business, platform credentials).
 */
const PHISHING_RESISTANT_TYPES = [
    "fido2AuthenticationMethod",
    "windowsHelloForBusinessAuthenticationMethod",
    "platformCredentialAuthenticationMethod",
];

/**
 * Mandatory MFA (learn entra/identity/authentication/concept-mandatory-multifactor-authentication):
 * the admin portals and Azure management require MFA of every account, break-glass accounts included,
 * and Microsoft advises that emergency-access accounts sign in with FIDO2 or certificate-based
 * authentication. One warning per break-glass account with no phishing-resistant method registered,
 * naming the account and the requirement. Certificate-based authentication is not a method in the
 * user's methods list, so an account that signs in with a certificate is named too, and the warning
 * says so. Accounts that cannot be read are said, not skipped.
 */
export async function breakGlassPhishingResistance(clients: TenantClients, accounts: readonly string[]): Promise<string[]> {
    if (!accounts.length) return [];
    const { results } = await runBatched(
        clients.graph,
        accounts.map((a) => ({ method: "GET" as const, url: `/users/${encodeURIComponent(a)}/authentication/methods` })),
    );
    const notes: string[] = [];
    accounts.forEach((a, i) => {
        const r = results[i];
        if (r.status !== 200) {
            notes.push(
                `break-glass account ${a}: its authentication methods could not be read (HTTP ${r.status}), so whether it ` +
                    "can still sign in under mandatory MFA is not known (UserAuthenticationMethod.Read.All would show them).",
            );
            return;
        }
        const types = ((r.body?.value ?? []) as any[]).map(typeOf);
        if (!types.some((t) => PHISHING_RESISTANT_TYPES.includes(t))) {
            notes.push(
                `break-glass account ${a} has no phishing-resistant method registered (registered: ` +
                    `${types.filter((t) => t !== "passwordAuthenticationMethod").join(", ") || "nothing but a password"}): ` +
                    "mandatory MFA requires MFA for the admin portals and Azure management, and Microsoft advises that " +
                    "emergency-access accounts sign in with FIDO2 or certificate-based authentication. " +
                    "Register a FIDO2 security key (or passkey) for it, or configure certificate-based authentication (which " +
                    "this list does not show).",
            );
        }
    });
    return notes;
}

/**
 * Judges a plan that moves `moving` (user principal names, lower case) to MFA. Needs
 * RoleManagement.Read.Directory; without it the check says so and stops the plan.
 */
export async function assessGlobalAdminLockout(
    clients: TenantClients,
    desired: Pick<PerUserMfaDesired, "excludeUsers">,
    moving: Set<string>,
): Promise<LockoutVerdict> {
    let admins: GlobalAdmins | "notActivated";
    try {
        admins = await readGlobalAdmins(clients);
    } catch (err: any) {
        if (err?.status === 403) {
            return {
                refusal:
                    "the lockout guard cannot list the Global Administrators: grant the Microsoft Graph application permission " +
                    `RoleManagement.Read.Directory, or set ${OFF} to off; nothing was changed.`,
                notes: [],
            };
        }
        throw err;
    }
    if (admins === "notActivated") return { notes: [] };
    const excluded = new Set((desired.excludeUsers ?? []).map((u) => u.toLowerCase()));
    const unseen = hidden(admins, excluded);
    const spNote = servicePrincipalNote(admins);
    const breakGlass = await breakGlassPhishingResistance(clients, desired.excludeUsers ?? []);
    const notes = [
        ...unseen.map((u) => `the lockout guard could not see everything: ${u}.`),
        ...(spNote ? [`${spNote}.`] : []),
        ...breakGlass,
    ];

    const enabled = admins.users.filter((a) => a.accountEnabled);
    const untouched = enabled.filter(
        (a) => excluded.has(a.userPrincipalName.toLowerCase()) || excluded.has(a.id) || !moving.has(a.userPrincipalName.toLowerCase()),
    );
    if (untouched.length) return { notes };
    if (!enabled.length && !unseen.length) {
        // No enabled user holds the role: this plan takes no administrator's sign-in away.
        return { notes };
    }
    // Every enabled Global Administrator the guard could see is moved to MFA: at least one must already have a method.
    const { results } = await runBatched(
        clients.graph,
        enabled.map((a) => ({ method: "GET" as const, url: `/users/${a.id}/authentication/methods` })),
    );
    const ready = enabled.filter(
        (_, i) => results[i].status === 200 && (results[i].body.value as any[]).some((m) => MFA_METHOD_TYPES.includes(typeOf(m))),
    );
    if (ready.length) return { notes };
    const seenList = enabled.map((a) => `${a.userPrincipalName}${a.via === "directly" ? "" : ` ${a.via}`}`).join(", ");
    const spText = spNote ? ` ${spNote[0].toUpperCase()}${spNote.slice(1)}.` : "";
    const fix =
        `exclude a break-glass Global Administrator (${KEYS}) or register an MFA method for one first, or set ${OFF} to off to ` +
        "accept the risk; nothing was changed.";
    if (unseen.length) {
        return {
            refusal:
                `the lockout guard cannot show that an administrator could still sign in after this plan: ` +
                (enabled.length
                    ? `every Global Administrator it could see (${seenList}) is moved to MFA and none has an MFA method registered, and `
                    : "it could see no Global Administrator user, and ") +
                `${unseen.join("; ")}.${spText} Grant the permission named so that the guard sees them, ${fix}`,
            notes: breakGlass,
        };
    }
    return {
        refusal:
            `this plan moves every Global Administrator (${seenList}) to MFA and none has an MFA method registered: no ` +
            `administrator could sign in.${spText} To proceed, ${fix}`,
        notes: breakGlass,
    };
}

/**
 * The guard as the plan check calls it: the refusal, or undefined; what it saw but did not count, or
 * could not see, is shown as a warning on the resource.
 */
export async function globalAdminLockout(
    clients: TenantClients,
    desired: PerUserMfaDesired,
    moving: Set<string>,
): Promise<string | undefined> {
    const verdict = await assessGlobalAdminLockout(clients, desired, moving);
    for (const note of verdict.notes) {
        await engineLog("warning", `Per-user MFA lockout guard: ${note}`, desired.diagnosticsUrn);
    }
    return verdict.refusal;
}
