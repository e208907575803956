import { TenantApiError } from "./errors";

/**
 * The one retry policy of the client layer. Every call to a Microsoft service goes through it:
 * Graph single calls (as a middleware of the Graph SDK's chain, ./graph.ts), each item of a $batch
 * (./batch.ts), Exchange's InvokeCommand (./exchange.ts) and the token endpoint (./credentials.ts).
 *
 * - 429, 503 and 504 are retried, after the Retry-After the service sent; without one (Conditional
 *   Access's 429 has none) after an exponential back-off with jitter;
 * - a dropped connection (no answer: ECONNRESET, socket hang up, EPIPE, a timeout) is retried for
 *   calls that are safe to send again;
 * - a refused token (401, e.g. InvalidAuthenticationToken "Lifetime validation failed") is dropped and
 *   the call sent again with a new one; a second 401 in a row is final;
 * - every other answer (a 4xx that is the caller's fault: 400, 403, 404, 409...) is final at once;
 * - scattered 5xx and dropped connections say nothing about load: while most of a service's recent
 *   answers go through (ServiceHealth, fed by $batch answers and their items), a 503/504 without
 *   Retry-After or a dropped connection waits the first back-off step and its back-off does not grow;
 *   when most recent answers fail (or none was seen) it grows as above. A Retry-After is always
 *   waited out as sent; a 429 never counts as noise (the tenant's throttling);
 * - retries stop on a total time budget per call (default 300 s; stack config
 *   `m365-mfa:retryBudgetSeconds` or M365_MFA_RETRY_BUDGET_SECONDS), never on a small count; then
 *   the call fails with a RetryBudgetExceededError that says what was being done, how long it waited,
 *   how many attempts it made, and that a rerun resumes.
 */
export const DEFAULT_RETRY_BUDGET_SECONDS = 300;
export const RETRY_BUDGET_CONFIG_KEY = "retryBudgetSeconds";
export const RETRY_BUDGET_ENV = "M365_MFA_RETRY_BUDGET_SECONDS";

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);
/** @deprecated the old name of RETRYABLE_STATUSES. */
export const THROTTLED_STATUSES = RETRYABLE_STATUSES;

/** One failed attempt, classified by the path that made it. */
export interface Failure {
    readonly error: TenantApiError;
    /** The service's Retry-After, in milliseconds, when it sent one. */
    readonly retryAfterMs?: number;
    /** Final whatever the status says (e.g. no answer for a reason other than a dropped connection: a TLS error). */
    readonly final?: boolean;
}

export interface RetryPolicyOptions {
    /** Total time one call may spend retrying, in ms (default 300 s). */
    budgetMs?: number;
    /** First back-off without Retry-After, in ms (default 500); doubled each retry. */
    baseDelayMs?: number;
    /** Longest back-off without Retry-After, in ms (default 30 s). */
    maxBackoffMs?: number;
    /** Source of jitter in [0, 1) (default Math.random). */
    random?: () => number;
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
}

/** What to do after a failed attempt. */
export type Plan = { action: "retry"; delayMs: number; refreshToken: boolean; reason: string } | { action: "fail"; error: Error };

export type Verdict = "retry" | "refresh-token" | "final";

/** Share of a service's recent answers failing 5xx or unanswered from which a failure is load, not noise. */
export const UNAVAILABLE_SHARE = 0.8;
/** Answers the health judgement needs before it calls a failure noise (one $batch answer and its items). */
export const MIN_HEALTH_ANSWERS = 20;
/** How far back the health judgement looks, in ms. */
export const HEALTH_WINDOW_MS = 30_000;

/**
 * How a service's recent answers went: how many went through, how many failed 5xx or without an
 * answer (dropped connection). Issue 22: a whole $batch answering 503 backed off 0.25 s, 0.5 s ... 30 s
 * while the other batches and their items went through, so at 50% 5xx the run did not finish.
 */
export class ServiceHealth {
    private entries: { at: number; ok: number; failed: number }[] = [];

    constructor(private readonly now: () => number) {}

    observe(ok: number, failed: number): void {
        const at = this.now();
        this.entries.push({ at, ok, failed });
        this.prune(at);
    }

    /** Whether the service is up: enough recent answers, and fewer than UNAVAILABLE_SHARE of them failed. */
    up(): boolean {
        this.prune(this.now());
        let ok = 0;
        let failed = 0;
        for (const e of this.entries) {
            ok += e.ok;
            failed += e.failed;
        }
        return ok + failed >= MIN_HEALTH_ANSWERS && failed < UNAVAILABLE_SHARE * (ok + failed);
    }

    private prune(now: number): void {
        let k = 0;
        while (k < this.entries.length && (now - this.entries[k].at > HEALTH_WINDOW_MS || this.entries.length - k > 1000)) {
            k++;
        }
        if (k) {
            this.entries = this.entries.slice(k);
        }
    }
}

export class RetryPolicy {
    readonly budgetMs: number;
    readonly baseDelayMs: number;
    readonly maxBackoffMs: number;
    private readonly random: () => number;
    readonly now: () => number;
    readonly sleep: (ms: number) => Promise<void>;
    private readonly health = new Map<string, ServiceHealth>();

    constructor(options: RetryPolicyOptions = {}) {
        this.budgetMs = options.budgetMs ?? DEFAULT_RETRY_BUDGET_SECONDS * 1000;
        this.baseDelayMs = options.baseDelayMs ?? 500;
        this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
        this.random = options.random ?? Math.random;
        this.now = options.now ?? Date.now;
        this.sleep = options.sleep ?? sleep;
    }

    /**
     * The policy from stack config (`m365-mfa:retryBudgetSeconds`, as the provider's configure or
     * the program receives it), else the environment (M365_MFA_RETRY_BUDGET_SECONDS), else 300 s.
     */
    static fromSettings(config?: { get(key: string): string | undefined }, env: NodeJS.ProcessEnv = process.env): RetryPolicy {
        const raw = config?.get(RETRY_BUDGET_CONFIG_KEY) ?? env[RETRY_BUDGET_ENV];
        return new RetryPolicy({ budgetMs: parseBudgetSeconds(raw) * 1000 });
    }

    /** Whether an answer (status undefined: no answer at all) is worth another attempt. */
    verdict(status: number | undefined, idempotent: boolean): Verdict {
        if (status === undefined) {
            return idempotent ? "retry" : "final";
        }
        if (RETRYABLE_STATUSES.has(status)) {
            return "retry";
        }
        if (status === 401) {
            return "refresh-token";
        }
        return "final";
    }

    /**
     * The wait before retry number `retry` (0 for the first): the service's Retry-After as sent, or
     * "equal jitter" back-off: a random wait in [d/2, d] with d = base * 2^retry, at most maxBackoff.
     */
    delayMs(retry: number, retryAfterMs?: number): number {
        if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) {
            return Math.max(0, retryAfterMs);
        }
        const d = Math.min(this.maxBackoffMs, this.baseDelayMs * 2 ** Math.min(retry, 30));
        return Math.round(d / 2 + this.random() * (d / 2));
    }

    /** The recent answers of one service (e.g. "Microsoft Graph"), as callers that see many of them report them. */
    healthOf(service: string): ServiceHealth {
        let h = this.health.get(service);
        if (!h) {
            h = new ServiceHealth(this.now);
            this.health.set(service, h);
        }
        return h;
    }

    /** Starts the bookkeeping of one call: `what` says what it does, e.g. "reading policies/authenticationMethodsPolicy". */
    start(what: string): RetryRun {
        return new RetryRun(this, what);
    }

    /** Runs `call` until it succeeds, the failure is final, or the budget is spent. */
    async run<T>(
        what: string,
        call: () => Promise<T>,
        classify: (err: unknown) => Failure,
        options: { idempotent: boolean; resetToken?: () => void },
    ): Promise<T> {
        const run = this.start(what);
        for (;;) {
            assertNotHalted();
            try {
                return await call();
            } catch (err) {
                await run.next(classify(err), options);
            }
        }
    }
}

/** The state of one call under the policy: attempts, time waited, whether the last failure was a refused token. */
export class RetryRun {
    attempts = 0;
    waitedMs = 0;
    readonly startedAt: number;
    /** Set when the budget ran out (the error the call ends with). */
    exhausted?: RetryBudgetExceededError;
    /**
     * Back-offs in a row without a Retry-After: the exponent of the next one. The back-off grows while
     * the service keeps failing the call without saying how long to wait; an answer that names its wait
     * (Retry-After) starts it over, so a $batch item that met a few 429s and scattered 503s over a long
     * storm does not end up waiting 30 s for one 503.
     */
    private backoffs = 0;
    private lastRefreshed = false;

    constructor(
        readonly policy: RetryPolicy,
        readonly what: string,
    ) {
        this.startedAt = policy.now();
    }

    /**
     * Decides what follows a failed attempt, without waiting (for callers that schedule retries themselves, e.g. $batch).
     * `noise`: the caller knows the service is up (e.g. the other items of the same $batch answer were
     * answered), so a failure without Retry-After says nothing about load: the wait is the first back-off
     * step and does not grow. Left out (a single call, a whole $batch): a 5xx or a dropped connection is
     * counted in the service's health, and is noise while most of the service's recent answers went through.
     */
    plan(failure: Failure, idempotent: boolean, noise?: boolean): Plan {
        this.attempts++;
        const status = failure.error.status;
        const verdict = failure.final ? "final" : this.policy.verdict(status, idempotent);
        if (verdict === "final") {
            return { action: "fail", error: failure.error };
        }
        if (verdict === "refresh-token") {
            if (this.lastRefreshed) {
                return { action: "fail", error: failure.error }; // a new token was refused too
            }
            this.lastRefreshed = true;
            return { action: "retry", delayMs: 0, refreshToken: true, reason: "token refused" };
        }
        this.lastRefreshed = false;
        const named = failure.retryAfterMs !== undefined && Number.isFinite(failure.retryAfterMs);
        if (noise === undefined) {
            noise = false;
            if (status === undefined || status >= 500) {
                const health = this.policy.healthOf(failure.error.service);
                noise = health.up();
                health.observe(0, 1);
            }
        }
        const delayMs = this.policy.delayMs(noise ? 0 : this.backoffs, failure.retryAfterMs);
        const elapsed = this.policy.now() - this.startedAt;
        if (elapsed + delayMs > this.policy.budgetMs) {
            this.exhausted = new RetryBudgetExceededError(this.what, this.attempts, elapsed, this.policy.budgetMs, failure.error);
            return { action: "fail", error: this.exhausted };
        }
        this.backoffs = named ? 0 : noise ? this.backoffs : this.backoffs + 1;
        this.waitedMs += delayMs;
        return { action: "retry", delayMs, refreshToken: false, reason: status === undefined ? "no answer" : String(status) };
    }

    /** Waits before the next attempt (dropping the token when asked), or throws the final error. */
    async next(failure: Failure, options: { idempotent: boolean; resetToken?: () => void }): Promise<void> {
        assertNotHalted();
        const p = this.plan(failure, options.idempotent);
        if (p.action === "fail") {
            throw p.error;
        }
        if (p.refreshToken) {
            options.resetToken?.();
        }
        if (p.delayMs > 0) {
            await this.policy.sleep(p.delayMs);
        }
    }
}

/**
 * A call that kept failing with retryable answers until the retry budget ran out. Says what was being
 * done, how long and how many times, the service's last answer, and that a rerun resumes.
 */
export class RetryBudgetExceededError extends TenantApiError {
    constructor(
        readonly what: string,
        readonly attempts: number,
        readonly elapsedMs: number,
        readonly budgetMs: number,
        readonly last: TenantApiError,
    ) {
        super(last.service, last.method, last.path, last.status, last.code, last.detail, last.requestId);
        this.name = "RetryBudgetExceededError";
        this.message =
            `gave up ${what} after ${attempts} attempts over ${formatSeconds(elapsedMs)} ` +
            `(the retry budget is ${formatSeconds(budgetMs)}: stack config m365-mfa:${RETRY_BUDGET_CONFIG_KEY} or ${RETRY_BUDGET_ENV}); ` +
            `the last answer: ${last.message}. Nothing is lost: run pulumi up again to resume, settings already applied are ` +
            "not applied twice.";
    }

    /** The budget is spent: the caller must not retry on its own. */
    override get transient(): boolean {
        return false;
    }
}

/** "reading policies/authenticationMethodsPolicy" for GET /v1.0/policies/authenticationMethodsPolicy. */
export function describeCall(method: string, path: string): string {
    const verb =
        { GET: "reading", PATCH: "updating", PUT: "writing", POST: "posting to", DELETE: "deleting" }[method.toUpperCase()] ?? method;
    const clean = path
        .split("?")[0]
        .replace(/^\/(v1\.0|beta)\//, "")
        .replace(/^\//, "");
    return `${verb} ${clean}`;
}

export function parseBudgetSeconds(raw: string | undefined): number {
    if (raw === undefined || raw === "") {
        return DEFAULT_RETRY_BUDGET_SECONDS;
    }
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) {
        throw new Error(`m365-mfa:${RETRY_BUDGET_CONFIG_KEY} / ${RETRY_BUDGET_ENV} must be a number of seconds (0 or more), got "${raw}"`);
    }
    return n;
}

function formatSeconds(ms: number): string {
    return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
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

/** Whether an error is a dropped connection (no answer): ECONNRESET, socket hang up, EPIPE, a timeout... */
export function isDroppedConnection(err: unknown): boolean {
    const seen = new Set<unknown>();
    for (let e: any = err; e && !seen.has(e); e = e.cause) {
        seen.add(e);
        const text = `${e.code ?? ""} ${e.message ?? ""} ${e.name ?? ""}`;
        if (
            new RegExp(
                "ECONNRESET|EPIPE|ETIMEDOUT|ECONNABORTED|EAI_AGAIN|UND_ERR_SOCKET|UND_ERR_CLOSED|socket hang " +
                    "up|other side closed|TimeoutError",
                "i",
            ).test(text)
        ) {
            return true;
        }
    }
    return false;
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Every call of this process stopped at once, for good: what the provider does when the engine that
 * asked for the work is gone (./providers/framework/lifeline.ts). A call not yet sent is not sent; a
 * call waiting to retry is not retried; a $batch run schedules no further batch. Calls already on the
 * wire finish (they cannot be taken back).
 */
export class CallsHaltedError extends Error {
    constructor(readonly reason: string) {
        super(`stopped before sending: ${reason}`);
        this.name = "CallsHaltedError";
    }
}

let halted: CallsHaltedError | undefined;

/** Stops every further call of this process (idempotent; the first reason stays). */
export function haltCalls(reason: string): void {
    halted ??= new CallsHaltedError(reason);
}

/** Why calls were halted, or undefined while they run. */
export function haltedReason(): CallsHaltedError | undefined {
    return halted;
}

/** Lets calls run again (tests that halt them in their own process). */
export function resumeCalls(): void {
    halted = undefined;
}

/** Throws CallsHaltedError once calls are halted. */
export function assertNotHalted(): void {
    if (halted) {
        throw halted;
    }
}
