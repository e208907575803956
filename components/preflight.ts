import { EXCHANGE_ROLE_TO_ASSIGN, MissingExchangeRoleError, type TenantClients } from "../client";
import type { AnyMember, Requirement } from "../providers/framework/member";
import { MEMBERS, MEMBER_KEYS } from "../settings/members";
import type { TenantMfaBaselineArgs } from "./TenantMfaBaseline";

/**
 * Permission preflight for the whole baseline, at preview, before anything is written: every Graph
 * and Exchange permission the configured members need is compared with the app's tokens, and all
 * that are missing are reported at once (each provider also checks its own before writing).
 */
export type { Requirement };

/** Every permission the configured members need: their settings' read and write, and what else they read. */
export function requiredPermissions(args: TenantMfaBaselineArgs): Requirement[] {
    const out: Requirement[] = [];
    for (const key of MEMBER_KEYS) {
        const memberArgs = (args as Record<string, unknown>)[key];
        if (memberArgs === undefined) continue;
        const member = MEMBERS[key] as AnyMember;
        for (const s of member.settings) {
            const service = s.permissions.service ?? "graph";
            out.push({ feature: `${s.title} (read)`, service, anyOf: s.permissions.read });
            out.push({ feature: `${s.title} (write)`, service, anyOf: s.permissions.write });
        }
        out.push(...(member.permissions?.(memberArgs, args) ?? []));
    }
    return out;
}

/**
 * Messages for every requirement the app's tokens do not meet; empty when all are met or roles are unknown.
 * Exchange also needs an Entra role on the app's service principal (e.g. Exchange Administrator), which no
 * token shows: when Exchange.ManageAsApp is granted, one read-only call (Get-OrganizationConfig) finds
 * out, and its refusal is reported with the role to assign.
 */
export async function missingPermissions(clients: TenantClients, required: Requirement[]): Promise<string[]> {
    const missing: string[] = [];
    for (const service of ["graph", "exchange"] as const) {
        const needs = required.filter((r) => r.service === service);
        if (!needs.length) continue;
        const tokens = service === "graph" ? clients.graph.tokens : clients.exchange.tokens;
        const roles = await tokens.grantedRoles();
        if (roles === undefined) continue; // a delegated (user) token: its scopes are checked by the service
        const api = service === "graph" ? "Microsoft Graph" : "Office 365 Exchange Online";
        const seen = new Set<string>();
        for (const r of needs) {
            if (r.anyOf.some((p) => roles.includes(p))) continue;
            const key = r.anyOf.join("|");
            if (seen.has(key)) continue;
            seen.add(key);
            missing.push(
                `${r.feature}: grant the ${api} application permission ${r.anyOf[0]}` +
                    `${r.anyOf.length > 1 ? ` (or ${r.anyOf.slice(1).join(", ")})` : ""}` +
                    (service === "exchange"
                        ? `, and assign the app's service principal the ${EXCHANGE_ROLE_TO_ASSIGN} role (Exchange needs both)`
                        : ""),
            );
        }
        if (service === "exchange" && !needs.some((r) => !r.anyOf.some((p) => roles.includes(p)))) {
            const role = await exchangeRoleProblem(clients);
            if (role) missing.push(role);
        }
    }
    return missing;
}

/** The Entra role Exchange needs besides Exchange.ManageAsApp, checked with one read; undefined when Exchange answers. */
async function exchangeRoleProblem(clients: TenantClients): Promise<string | undefined> {
    try {
        await clients.exchange.invoke("Get-OrganizationConfig");
        return undefined;
    } catch (err) {
        if (err instanceof MissingExchangeRoleError) {
            return (
                "Exchange Online (Entra role): Exchange refused the app although it holds Exchange.ManageAsApp; assign the " +
                "app's service principal " +
                `the ${EXCHANGE_ROLE_TO_ASSIGN} role (Entra admin center > Roles and administrators > ` +
                `${EXCHANGE_ROLE_TO_ASSIGN} > Add assignments)`
            );
        }
        return undefined; // anything else is for the settings themselves to report
    }
}
