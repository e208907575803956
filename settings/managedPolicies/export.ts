import { TenantApiError } from "../../client";
import { pages, runBatched } from "../../client/batch";
import type { ExportContext } from "../../providers/framework/exportContext";
import { MANAGED_PREFIX, MANAGED_STATES, type ManagedPolicyMode, type ManagedPolicySettings } from "./setting";

const MODES = Object.fromEntries(Object.entries(MANAGED_STATES).map(([mode, state]) => [state, mode])) as Record<string, ManagedPolicyMode>;

/**
 * m365-mfa:baseline.managedPolicies: every Microsoft-managed policy of the tenant with its state and the
 * users (by user principal name) and groups (by object id) it excludes, exactly, so the first up writes
 * nothing. A tenant whose policies cannot be read (no Entra ID P1, or no Policy.Read.All) has none: said.
 */
export async function exportManagedPolicies(ctx: ExportContext): Promise<ManagedPolicySettings | undefined> {
    const found: any[] = [];
    try {
        for await (const page of pages<any>(ctx.clients.graph, "/identity/conditionalAccess/policies")) {
            found.push(...page.filter((p) => String(p.displayName ?? "").startsWith(MANAGED_PREFIX)));
        }
    } catch (err) {
        if (err instanceof TenantApiError && (err.status === 403 || err.status === 401)) {
            ctx.warnings.push(
                `managedPolicies: the Conditional Access policies could not be read (Policy.Read.All, and Microsoft Entra ID P1): left out`,
            );
            return undefined;
        }
        throw err;
    }
    if (!found.length) return undefined;
    const out: ManagedPolicySettings = [];
    for (const p of found.sort((a, b) => String(a.displayName).localeCompare(String(b.displayName)))) {
        const mode = MODES[String(p.state)];
        if (!mode) {
            ctx.warnings.push(`managedPolicies: "${p.displayName}" has the state ${p.state}, which is not reportOnly, on or off: left out`);
            continue;
        }
        const u = p.conditions?.users ?? {};
        const ids: string[] = (u.excludeUsers ?? []).map(String);
        const { results } = await runBatched(
            ctx.clients.graph,
            ids.map((id) => ({ method: "GET" as const, url: `/users/${encodeURIComponent(id)}?$select=id,userPrincipalName` })),
        );
        // A user the tenant cannot name (404: e.g. deleted, still referenced by the policy) stays by its id; the
        // preview keeps an id the policy already excludes without looking it up. Any other answer is said.
        const users = results.map((r, i) => (r.status === 200 ? String(r.body.userPrincipalName).toLowerCase() : ids[i]));
        results.forEach((r, i) => {
            if (r.status !== 200 && r.status !== 404)
                ctx.warnings.push(
                    `managedPolicies: "${p.displayName}" excludes the user ${ids[i]}, which could not be read (${r.status}): ` +
                        "written by its object id",
                );
        });
        out.push({
            policy: String(p.displayName),
            mode,
            ...(users.length ? { excludeUsers: users } : {}),
            ...((u.excludeGroups ?? []).length ? { excludeGroups: (u.excludeGroups as string[]).map(String) } : {}),
        });
    }
    return out.length ? out : undefined;
}
