import type { TenantApiError } from "./errors";

/**
 * The resilience rules every client of this layer follows, in one place:
 * - one fresh sign-in when the service refuses the token (401) before its stated lifetime;
 * - a dropped connection (no answer at all) is retried only for calls that are safe to repeat;
 * - optionally 429/503/504 are retried after the Retry-After the service asked for (bounded), for
 *   clients that have no retry middleware of their own (the Graph SDK has one; fetch does not).
 */
export interface Failure {
    readonly error: TenantApiError;
    /** The service's Retry-After, in milliseconds, when it sent one. */
    readonly retryAfterMs?: number;
}

export interface RetryOptions {
    /** Drops the cached token so the next attempt signs in again. */
    resetToken(): void;
    /** Whether the call may be sent again after the connection dropped before an answer. */
    retryDroppedConnection: boolean;
    /** Retries after a dropped connection (default 3; attempts counted from the first call). */
    networkRetries?: number;
    /** Base of the exponential back-off after a dropped connection, in ms (default 250). */
    networkBackoffMs?: number;
    /** Retry throttling and unavailability answers (429, 503, 504); off unless given. */
    throttling?: ThrottlingPolicy;
}

export interface ThrottlingPolicy {
    /** How many times to wait and retry (default 4). */
    maxRetries?: number;
    /** Longest single wait honoured, in ms (default 60 s); a longer Retry-After fails the call at once. */
    maxDelayMs?: number;
    /** Wait when the service sent no Retry-After: this, doubled each retry (default 1 s). */
    defaultDelayMs?: number;
}

export const THROTTLED_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

/** Runs `call` until it answers, following the rules above; throws the last classified error. */
export async function withRetries<T>(
    call: () => Promise<T>,
    classify: (err: unknown) => Failure,
    options: RetryOptions,
): Promise<T> {
    const networkRetries = options.networkRetries ?? 3;
    const networkBackoff = options.networkBackoffMs ?? 250;
    const throttling = options.throttling;
    let refreshedToken = false;
    let throttled = 0;
    for (let attempt = 0; ; attempt++) {
        try {
            return await call();
        } catch (err) {
            const { error, retryAfterMs } = classify(err);
            if (error.status === 401 && !refreshedToken) {
                refreshedToken = true;
                options.resetToken();
                continue;
            }
            if (error.status === undefined && options.retryDroppedConnection && attempt < networkRetries) {
                await sleep(networkBackoff * 2 ** attempt);
                continue;
            }
            if (throttling && error.status !== undefined && THROTTLED_STATUSES.has(error.status)) {
                const maxRetries = throttling.maxRetries ?? 4;
                const wait = retryAfterMs ?? (throttling.defaultDelayMs ?? 1000) * 2 ** throttled;
                if (throttled < maxRetries && wait <= (throttling.maxDelayMs ?? 60_000)) {
                    throttled++;
                    await sleep(wait);
                    continue;
                }
            }
            throw error;
        }
    }
}

/** Reads Retry-After (delay-seconds or an HTTP date) as milliseconds from now. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
    if (!value) {
        return undefined;
    }
    const trimmed = value.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) {
        return Math.round(Number(trimmed) * 1000);
    }
    const at = Date.parse(trimmed);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
