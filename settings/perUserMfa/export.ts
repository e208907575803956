import type { ExportContext } from "../../adoption/context";
import { pages, runBatched } from "../../client/batch";
import { knownBreakGlassAccounts } from "../conditionalAccess/export";

/**
 * m365-mfa:baseline.perUserMfa: every user whose per-user MFA state is not disabled, named explicitly
 * under their state (users not named stay unmanaged, so disabled users are left alone). Break-glass
 * accounts are left out: the baseline always excludes them from per-user MFA (and refuses to name
 * them in an assignment), so they keep whatever state they have.
 */
export async function exportMember(
    ctx: ExportContext,
): Promise<{ assignments: { state: "enforced" | "enabled"; users: string[] }[] } | undefined> {
    const users: { id: string; userPrincipalName: string }[] = [];
    for await (const page of pages<{ id: string; userPrincipalName: string }>(
        ctx.clients.graph,
        "/users?$select=id,userPrincipalName&$top=999",
    )) {
        users.push(...page);
        ctx.onProgress?.("users", users.length);
    }
    const { results } = await runBatched(
        ctx.clients.graph,
        users.map((u) => ({
            method: "GET" as const,
            url: `/users/${encodeURIComponent(u.userPrincipalName)}/authentication/requirements`,
        })),
        { version: "beta", onProgress: (done) => ctx.onProgress?.("per-user MFA states", done) },
    );
    const breakGlass = new Set((await knownBreakGlassAccounts(ctx)).map((a) => a.toLowerCase()));
    const byState: Record<"enabled" | "enforced", string[]> = { enabled: [], enforced: [] };
    users.forEach((u, i) => {
        const r = results[i];
        if (r.status !== 200) {
            throw new Error(`reading the per-user MFA state of ${u.userPrincipalName} answered ${r.status} ${r.body?.error?.code ?? ""}`);
        }
        const state: unknown = r.body.perUserMfaState;
        if (state !== "enabled" && state !== "enforced") return;
        if (breakGlass.has(u.userPrincipalName.toLowerCase()) || breakGlass.has(u.id.toLowerCase())) {
            ctx.warnings.push(
                `break-glass account ${u.userPrincipalName} has per-user MFA ${state}; it was left out of perUserMfa (the baseline never changes a break-glass account's per-user MFA), so it stays ${state}.`,
            );
            return;
        }
        byState[state].push(u.userPrincipalName.toLowerCase());
    });
    const assignments = (["enforced", "enabled"] as const)
        .filter((s) => byState[s].length)
        .map((state) => ({ state, users: byState[state].sort() }));
    return assignments.length ? { assignments } : undefined;
}
