import { MissingPermissionError, TenantApiError, TenantClients } from "../../client";

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

/**
 * Runs `fn` over `items` with at most `limit` calls at a time; results in the order of `items`. After
 * the first failure no new item is started (calls in flight finish), and that failure is thrown.
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
        while (next < items.length && !failed) {
            const i = next++;
            try {
                results[i] = await fn(items[i]);
            } catch (err) {
                failed = true;
                throw err;
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

/** At most `max` names, then "and N more". */
export function nameList(names: readonly string[], max = 10): string {
    return names.slice(0, max).join(", ") + (names.length > max ? ` and ${names.length - max} more` : "");
}
