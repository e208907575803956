import { MissingPermissionError, TenantApiError, type TenantClients } from "../../client";

/**
 * Small helpers shared by the Exchange Online settings (SMTP AUTH, authentication policies).
 */

/** The Office 365 Exchange Online application permission every Exchange setting needs. */
export const EXCHANGE_MANAGE_AS_APP = "Exchange.ManageAsApp";

/**
 * Exchange's "object couldn't be found" (ManagementObjectNotFoundException) for an -Identity. The
 * admin API answers it as 404 with the exception type in error.details; the type is matched too so
 * that a gateway answering it with another status is still recognised.
 */
export function isExchangeNotFound(err: unknown): boolean {
    return (
        err instanceof TenantApiError &&
        err.service === "Exchange Online" &&
        (err.status === 404 || /ManagementObjectNotFoundException/.test(err.detail))
    );
}

/**
 * The adapter checks the token's roles before read and write, but not at plan time; a setting that
 * reads the tenant in prepare() calls this first, so a preview without the permission names it
 * instead of showing Exchange's 403.
 */
export async function exchangeReadPreflight(clients: TenantClients, title: string): Promise<void> {
    const roles = await clients.exchange.tokens.grantedRoles();
    if (roles !== undefined && !roles.includes(EXCHANGE_MANAGE_AS_APP)) {
        throw new MissingPermissionError(title, "read", [EXCHANGE_MANAGE_AS_APP], roles, "exchange");
    }
}

export { mapLimited } from "./pool";
export { nameList } from "./report";
