import type { GraphClient, GraphVersion, HttpMethod } from "./graph";
import { sleep } from "./graph";
import { TenantApiError } from "./errors";
import { RetryRun, describeCall, parseRetryAfter } from "./retry";
import { trace } from "./trace";

/**
 * Graph JSON batching for many small calls (per-user MFA of tens of thousands of users), added once
 * here for every setting because the Graph SDK does not do it:
 * - 20 requests per $batch (Graph's maximum);
 * - each item follows the client layer's one retry policy (./retry.ts) on its own: an item that
 *   answers 429/503/504 is sent again after the longest wait its sub-responses asked for (Retry-After,
 *   or the policy's jittered back-off), until the item's time budget runs out; then its last answer is
 *   its result (the SDK's retry handler never sees inside a batch);
 * - the $batch request itself goes through the Graph client, so the same policy retries it whole
 *   (dropped connection, 429, 5xx): only calls that are safe to send again are batched; when its
 *   budget runs out the run stops with RetryBudgetExceededError;
 * - an item that must wait waits on its own: it goes back in the queue with the time it may be sent
 *   again, and the other items keep going (a scattered 429 or 503 on a few items, which is noise,
 *   does not stop the run);
 * - concurrency adapts to throttling that is load: when at least half of a batch's items answer 429
 *   (THROTTLED_SHARE, the tenant's limit and not noise), concurrency halves (once per wait, not once
 *   per answer) and every worker waits out the longest Retry-After before sending again; otherwise it
 *   grows by one up to the maximum. So the run follows the tenant's limit instead of hammering it,
 *   without collapsing to one batch at a time on every scattered 429.
 * Results come back in the order of the calls; memory is one small result per call.
 */
export interface BatchCall {
    /** POST only for calls that are safe to send again (a retried item may have run), e.g. revokeSignInSessions. */
    method: Extract<HttpMethod, "GET" | "PATCH" | "PUT" | "DELETE" | "POST">;
    /** Path under the version root, e.g. /users/{id}/authentication/requirements. */
    url: string;
    body?: unknown;
}

export interface BatchResult {
    status: number;
    body?: any;
}

export interface BatchOptions {
    version?: GraphVersion;
    /** Batches in flight at first and at most (default 4 and 16). */
    initialConcurrency?: number;
    maxConcurrency?: number;
    /** Called after each batch with the number of calls finished so far, and the run's statistics. */
    onProgress?: (done: number, total: number, stats: BatchStats) => void;
}

export interface BatchStats {
    batches: number;
    retriedItems: number;
    throttledItems: number;
    /** Items whose retry budget ran out (their last answer is their result). */
    exhaustedItems: number;
    maxConcurrency: number;
}

/** Batch items Graph calls write requests: each is sent with a body ({} when the call takes none) and a Content-Type. */
const WRITES: ReadonlySet<string> = new Set(["POST", "PATCH", "PUT"]);
const BATCH_SIZE = 20;
/** The share of a batch's items answering 429 that reads as the tenant's limit, not noise. */
export const THROTTLED_SHARE = 0.5;

export async function runBatched(graph: GraphClient, calls: readonly BatchCall[], options: BatchOptions = {}): Promise<{ results: BatchResult[]; stats: BatchStats }> {
    const version = options.version ?? "v1.0";
    const maxConcurrency = options.maxConcurrency ?? 16;
    const started = Date.now();
    const results: BatchResult[] = new Array(calls.length);
    // Only items that failed once get a run of the policy (memory stays one small result per call).
    const runs = new Map<number, RetryRun>();
    let queue: number[] = calls.map((_, i) => i);
    // Items waiting out their own Retry-After or back-off, with the time they may be sent again.
    let waiting: { at: number; indices: number[] }[] = [];
    let done = 0;
    let inFlight = 0;
    let concurrency = Math.min(options.initialConcurrency ?? 4, maxConcurrency);
    let pausedUntil = 0;
    const stats: BatchStats = { batches: 0, retriedItems: 0, throttledItems: 0, exhaustedItems: 0, maxConcurrency: concurrency };
    let fatal: unknown;
    let timer: NodeJS.Timeout | undefined;

    const sendOne = async (indices: number[]): Promise<void> => {
        const requests = indices.map((i) => {
            const c = calls[i];
            return {
                id: String(i),
                method: c.method,
                url: c.url,
                // Graph refuses the whole batch when a write item (POST/PATCH/PUT) has no body and Content-Type,
                // even for a call that takes no body (json-batching.md: "only body can be an empty object").
                ...(c.body !== undefined || WRITES.has(c.method) ? { body: c.body ?? {}, headers: { "Content-Type": "application/json" } } : {}),
            };
        });
        // The batch as a whole is retried by the Graph client's policy (every batched call is safe to
        // send again); what it throws (a spent budget, a refused batch) ends the run.
        const answer: { responses: { id: string; status: number; headers?: Record<string, string>; body?: any }[] } = await graph.post(
            "/$batch",
            { requests },
            { version, idempotent: true },
        );
        stats.batches++;
        let waitMs = 0;
        let throttled = 0;
        const again: number[] = [];
        for (const r of answer.responses) {
            const i = Number(r.id);
            if (graph.policy.verdict(r.status, true) === "retry") {
                let run = runs.get(i);
                if (!run) {
                    run = graph.policy.start(`${describeCall(calls[i].method, `/${version}${calls[i].url}`)} in $batch`);
                    runs.set(i, run);
                }
                const plan = run.plan(
                    {
                        error: new TenantApiError("Microsoft Graph", calls[i].method, `/${version}${calls[i].url}`, r.status, r.body?.error?.code, String(r.body?.error?.message ?? "")),
                        retryAfterMs: parseRetryAfter(headerOf(r.headers, "retry-after")),
                    },
                    true,
                );
                if (r.status === 429) {
                    stats.throttledItems++;
                    throttled++;
                }
                if (plan.action === "retry") {
                    again.push(i);
                    waitMs = Math.max(waitMs, plan.delayMs);
                    continue;
                }
                stats.exhaustedItems++;
            }
            runs.delete(i);
            results[i] = { status: r.status, ...(r.body !== undefined ? { body: r.body } : {}) };
            done++;
        }
        const now = Date.now();
        if (again.length) {
            stats.retriedItems += again.length;
            waiting.push({ at: now + waitMs, indices: again });
        }
        if (answer.responses.length > 0 && throttled / answer.responses.length >= THROTTLED_SHARE) {
            // The tenant's limit: slow down once per wait (the batches already in flight when the
            // first of them came back do not halve it again), and let every worker wait it out.
            if (now >= pausedUntil) {
                concurrency = Math.max(1, Math.floor(concurrency / 2));
            }
            pausedUntil = Math.max(pausedUntil, now + waitMs);
        } else if (concurrency < maxConcurrency) {
            concurrency++;
            stats.maxConcurrency = Math.max(stats.maxConcurrency, concurrency);
        }
        options.onProgress?.(done, calls.length, stats);
    };

    /** Items whose wait is over go to the front of the queue; the time of the next one to come due. */
    const release = (now: number): number | undefined => {
        const due = waiting.filter((w) => w.at <= now);
        if (due.length) {
            waiting = waiting.filter((w) => w.at > now);
            queue = due.flatMap((w) => w.indices).concat(queue);
        }
        return waiting.length ? Math.min(...waiting.map((w) => w.at)) : undefined;
    };

    await new Promise<void>((resolve, reject) => {
        const pump = () => {
            if (timer) {
                clearTimeout(timer);
                timer = undefined;
            }
            if (fatal) {
                return;
            }
            if (done === calls.length) {
                resolve();
                return;
            }
            const now = Date.now();
            const nextDue = release(now);
            const paused = pausedUntil - now;
            if (paused <= 0) {
                while (inFlight < concurrency && queue.length) {
                    const indices = queue.splice(0, BATCH_SIZE);
                    inFlight++;
                    sendOne(indices)
                        .catch((err) => {
                            fatal = err;
                            reject(err);
                        })
                        .finally(() => {
                            inFlight--;
                            pump();
                        });
                }
            }
            // Wake up when the pause ends, or when the next waiting item comes due while a worker is
            // free; an answer coming back first wakes the pump anyway.
            const wake = paused > 0 ? pausedUntil : inFlight < concurrency && queue.length === 0 ? nextDue : undefined;
            if (wake !== undefined) {
                timer = setTimeout(pump, Math.max(0, wake - now));
            }
            if (inFlight === 0 && queue.length === 0 && waiting.length === 0 && done < calls.length) {
                reject(new Error(`batch bookkeeping lost ${calls.length - done} calls`));
            }
        };
        pump();
    });
    trace("$batch", started, { calls: calls.length, batches: stats.batches, throttled: stats.throttledItems });
    // Calls whose retry budget ran out keep their last retryable answer in place of a result.
    return { results, stats };
}

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
    if (!headers) {
        return undefined;
    }
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    return key ? headers[key] : undefined;
}

/**
 * Reads every page of a Graph collection, following @odata.nextLink. `headers` go with every page
 * (e.g. ConsistencyLevel: eventual, which an advanced query needs on each request).
 */
export async function* pages<T = any>(graph: GraphClient, path: string, version: GraphVersion = "v1.0", headers?: Record<string, string>): AsyncGenerator<T[]> {
    let next: string | undefined = path;
    let guard = 0;
    while (next) {
        const page: { value: T[]; "@odata.nextLink"?: string } = await graph.get(next, { version, ...(headers ? { headers } : {}) });
        yield page.value ?? [];
        next = page["@odata.nextLink"];
        if (++guard > 1_000_000) {
            throw new Error(`paging ${path} did not end`);
        }
    }
}

/**
 * The headers of an advanced directory query (with $count=true in its URL): an OData cast on a
 * transitive members list is one (docs-contrib concepts/aad-advanced-queries.md).
 */
export const ADVANCED_QUERY_HEADERS: Readonly<Record<string, string>> = { ConsistencyLevel: "eventual" };
