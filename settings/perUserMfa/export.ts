import type { ExportContext } from "../../providers/framework/exportContext";
import { pages, runBatched } from "../../client/batch";
import { trace } from "../../client/trace";
import { knownBreakGlassAccounts } from "../conditionalAccess/export";
import { listUsers, perUserReadMode, recentlyChangedUsers, shouldReadList } from "./listRead";
import { perUserMfa } from "./setting";

type ExportedState = "enforced" | "enabled";
const requirementsPath = (user: string) => `/users/${encodeURIComponent(user)}/authentication/requirements`;
/** A directory object id (a break-glass account given by id rather than by principal name). */
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * m365-mfa:baseline.perUserMfa: every user whose per-user MFA state is not disabled, named explicitly
 * under their state (users not named stay unmanaged, so disabled users are left alone). Break-glass
 * accounts are left out: the baseline always excludes them from per-user MFA (and refuses to name
 * them in an assignment), so they keep whatever state they have.
 *
 * The states are read as the preview reads them (./listRead.ts, issue #27): from the user list where the
 * tenant serves perUserMfaState there (one request per 999 users) and the directory audit log can be read,
 * with every user the log shows changed in the last hour read again through the documented per-user route
 * (the list may lag a write); otherwise (the list refused or left out, the log unreadable, or
 * M365_MFA_PER_USER_READ=batch) every user through $batch on beta `users/{id}/authentication/requirements`
 * as before, said once on stderr. M365_MFA_PER_USER_READ=list fails where the list cannot be used.
 */
export async function exportMember(ctx: ExportContext): Promise<{ assignments: { state: ExportedState; users: string[] }[] } | undefined> {
    const started = Date.now();
    const fromList = await statesFromList(ctx);
    const states = fromList?.states ?? (await statesOneByOne(ctx));
    trace("PerUserMfa export read", started, {
        users: states.size,
        path: fromList ? "list" : "batch",
        pages: fromList?.pages ?? 0,
        confirmed: fromList?.confirmed ?? 0,
    });
    const breakGlass = await breakGlassPrincipalNames(ctx);
    const byState: Record<ExportedState, string[]> = { enabled: [], enforced: [] };
    for (const [upn, state] of states) {
        if (state !== "enabled" && state !== "enforced") continue;
        if (breakGlass.has(upn)) {
            ctx.warnings.push(
                `break-glass account ${upn} has per-user MFA ${state}; it was left out of perUserMfa (the baseline never ` +
                    `changes a break-glass account's per-user MFA), so it stays ${state}.`,
            );
            continue;
        }
        byState[state].push(upn);
    }
    const assignments = (["enforced", "enabled"] as const)
        .filter((s) => byState[s].length)
        .map((state) => ({ state, users: byState[state].sort() }));
    return assignments.length ? { assignments } : undefined;
}

/**
 * The states from the user list, with the users the audit log shows changed in the last hour read again
 * through the documented route; undefined where the list is not to be used (as the preview decides).
 */
async function statesFromList(ctx: ExportContext): Promise<{ states: Map<string, string>; pages: number; confirmed: number } | undefined> {
    const clients = ctx.clients;
    if (!shouldReadList(clients, Number.MAX_SAFE_INTEGER)) return undefined;
    // The audit log first: where it cannot be read the list's states are not used (the preview's rule), so nothing is paged for nothing.
    const recent = await recentlyChangedUsers(clients, perUserMfa.auditActivities!);
    if (!recent) {
        if (perUserReadMode() === "list") {
            throw new Error(
                "Per-user MFA: M365_MFA_PER_USER_READ=list, but the directory audit log cannot be read, so a change made " +
                    "within the user list's lag could not be seen. " +
                    "Grant the app AuditLog.Read.All and Directory.Read.All (both), or set M365_MFA_PER_USER_READ=auto (or " +
                    "unset it) to read every user through authentication/requirements instead.",
            );
        }
        return undefined;
    }
    const listed = await listUsers(clients, { withStates: true, upnsAnyway: false });
    if (!listed?.states) return undefined;
    ctx.onProgress?.("users", listed.upns.length);
    const states = listed.states;
    const again = listed.upns.filter((u) => recent.has(u));
    const read = await readOneByOne(ctx, again);
    for (const [upn, state] of read) states.set(upn, state);
    return { states, pages: listed.pages, confirmed: again.length };
}

/** Every user's state through the documented per-user route ($batch), by principal name (lower case). */
async function statesOneByOne(ctx: ExportContext): Promise<Map<string, string>> {
    const users: string[] = [];
    for await (const page of pages<{ userPrincipalName: string }>(ctx.clients.graph, "/users?$select=id,userPrincipalName&$top=999")) {
        users.push(...page.map((u) => u.userPrincipalName.toLowerCase()));
        ctx.onProgress?.("users", users.length);
    }
    return readOneByOne(ctx, users);
}

async function readOneByOne(ctx: ExportContext, users: string[]): Promise<Map<string, string>> {
    const { results } = await runBatched(
        ctx.clients.graph,
        users.map((u) => ({ method: "GET" as const, url: requirementsPath(u) })),
        { version: "beta", onProgress: (done) => ctx.onProgress?.("per-user MFA states", done) },
    );
    const out = new Map<string, string>();
    users.forEach((u, i) => {
        const r = results[i];
        if (r.status !== 200) {
            throw new Error(`reading the per-user MFA state of ${u} answered ${r.status} ${r.body?.error?.code ?? ""}`);
        }
        out.set(u, String(r.body.perUserMfaState));
    });
    return out;
}

/** The break-glass accounts by principal name (lower case): one given by object id is looked up (the list is read by principal name). */
async function breakGlassPrincipalNames(ctx: ExportContext): Promise<Set<string>> {
    const out = new Set<string>();
    for (const a of await knownBreakGlassAccounts(ctx)) {
        if (!OBJECT_ID.test(a)) {
            out.add(a.toLowerCase());
            continue;
        }
        try {
            const u: { userPrincipalName?: string } = await ctx.clients.graph.get(`/users/${a}?$select=userPrincipalName`);
            if (u.userPrincipalName) out.add(u.userPrincipalName.toLowerCase());
        } catch {
            // Not a user of the tenant (knownBreakGlassAccounts' own checks say so where it matters): nothing to leave out.
        }
    }
    return out;
}
