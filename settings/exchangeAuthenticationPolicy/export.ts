import type { ExportContext } from "../../providers/framework/exportContext";
import { AUTH_POLICY_PROTOCOLS, AUTH_POLICY_READ, type AllowBasicAuth, authenticationPolicy } from "./setting";

/**
 * m365-mfa:baseline.exchangeAuthenticationPolicy: the organisation's default authentication policy
 * (Get-OrganizationConfig DefaultAuthenticationPolicy, a name, guid or distinguished name), with its
 * allowBasicAuth for every protocol and organizationDefault: true. No default: nothing to adopt. Other
 * policies (assigned to users one by one) are not something the baseline manages.
 */
export async function exportMember(
    ctx: ExportContext,
): Promise<{ name: string; allowBasicAuth: AllowBasicAuth; organizationDefault: true } | undefined> {
    const [org] = await ctx.clients.exchange.invoke("Get-OrganizationConfig");
    const ref = org?.DefaultAuthenticationPolicy;
    if (typeof ref !== "string" || !ref) return undefined;
    const policies = await ctx.clients.exchange.invoke(AUTH_POLICY_READ);
    const same = (a: unknown, b: string) => typeof a === "string" && a.toLowerCase() === b.toLowerCase();
    const found = policies.find(
        (p) =>
            same(p.Name, ref) ||
            same(p.Guid, ref) ||
            same(p.DistinguishedName, ref) ||
            ref.toLowerCase().startsWith(`cn=${String(p.Name).toLowerCase()},`),
    );
    if (!found) {
        ctx.warnings.push(
            `exchangeAuthenticationPolicy: the organisation's default authentication policy "${ref}" is not among the ` +
                "policies Exchange lists; it was left out.",
        );
        return undefined;
    }
    // Read back through the setting itself, so the export says what its read and diff see.
    const live = await authenticationPolicy.read(ctx.clients, {
        name: String(found.Name),
        allowBasicAuth: {} as AllowBasicAuth,
        organizationDefault: true,
    });
    if (!live.exists || !live.allowBasicAuth || !live.isOrganizationDefault) {
        ctx.warnings.push(
            `exchangeAuthenticationPolicy: policy "${found.Name}" changed while it was read; it was left out. Run the export again.`,
        );
        return undefined;
    }
    const allow = Object.fromEntries(AUTH_POLICY_PROTOCOLS.map((p) => [p, live.allowBasicAuth![p]])) as AllowBasicAuth;
    return { name: live.policyName ?? String(found.Name), allowBasicAuth: allow, organizationDefault: true };
}
