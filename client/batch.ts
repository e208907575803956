import type { GraphClient, GraphVersion, HttpMethod } from "./graph";
import { TenantApiError } from "./errors";
import { type RetryRun, UNAVAILABLE_SHARE, describeCall, haltedReason, parseRetryAfter } from "./retry";
import { trace } from "./trace";

/**
 * Graph JSON batching for many small calls (per-user MFA of tens of thousands of users), added once
 * here for every setting because the Graph SDK does not do it:
 * - 20 requests per $batch (Graph's maximum);
 * - each item follows the client layer's one retry policy (./retry.ts) on its own: an item that
 *   answers 429/503/504 is sent again after the wait its sub-response asked for (Retry-After, or the
 *   policy's jittered back-off), until the item's time budget runs out; then its last answer is its
 *   result (the SDK's retry handler never sees inside a batch);
 * - the $batch request itself goes through the Graph client, so the same policy retries it whole
 *   (dropped connection, 429, 5xx): only calls that are safe to send again are batched; when its
 *   budget runs out the run stops with RetryBudgetExceededError. Each answer and its items are told to
 *   the policy's health of Graph, so a whole $batch answering 503 or dropped while most recent answers
 *   go through waits the first back-off step, flat (noise); its back-off grows only when most fail. A $batch answering 424 is read like
 *   one answering 200: its items carry their own statuses (throttling.md says a batch with throttled
 *   items may answer 424, json-batching.md that a parseable batch answers 200; both are handled);
 * - items that must wait wait apart from the rest: the ones of one answer go back in the queue
 *   together with the time they may be sent again (the longest wait one of them was given), and the
 *   other items keep going;
 * - the tenant's throttling is told apart from noise. Graph throttles a client that exceeds a limit by
 *   answering 429 with Retry-After to its requests for a while (throttling.md: "limits any further
 *   requests from that client for a period of time"), so throttling shows as most items answering 429
 *   across batches: when at least THROTTLED_SHARE of the items in the last answers (at least
 *   MIN_THROTTLE_ITEMS of them, over several batches: one batch is too few to judge) answered 429,
 *   concurrency halves and every worker waits out the longest Retry-After (once per wait), and the
 *   judgement starts over after it. Scattered 429s, 5xx answers, an item answering 424 and dropped
 *   connections say nothing about the tenant's load: those items are retried on their own, and
 *   concurrency keeps growing by one per answer up to the maximum;
 * - progress: onProgress is called after each batch and, while the run lasts, every tick (also while
 *   every worker waits out the tenant's throttling), so a long phase never goes quiet;
 * - calls halted in this process (haltCalls: the engine is gone) schedule no further batch.
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
    /**
     * Called after each batch with the number of calls finished so far and the run's statistics, and
     * every `tickMs` while the run lasts (default 1 s), so that a reporter can say where it is at least
     * every few seconds, waits included.
     */
    onProgress?: (done: number, total: number, stats: BatchStats) => void;
    tickMs?: number;
    /** What the run is, for the trace (e.g. "PerUserMfa verify"). */
    label?: string;
}

export interface BatchStats {
    batches: number;
    retriedItems: number;
    /** Items answered 429 (each answer counted). */
    throttledItems: number;
    /** Items answered 5xx or 424 and retried: noise, not load (each answer counted). */
    failedItems: number;
    /** Items whose retry budget ran out (their last answer is their result). */
    exhaustedItems: number;
    maxConcurrency: number;
    /** Batches allowed in flight now. */
    concurrency: number;
    /** Items waiting out their own Retry-After or back-off now. */
    waitingItems: number;
    /** Until when (ms since the epoch) every worker waits out the tenant's throttling; 0 when none. */
    pausedUntil: number;
    /** How many times the run waited out the tenant's throttling. */
    pauses: number;
}

/** Batch items Graph calls write requests: each is sent with a body ({} when the call takes none) and a Content-Type. */
const WRITES: ReadonlySet<string> = new Set(["POST", "PATCH", "PUT"]);
const BATCH_SIZE = 20;
/**
 * The share of recent items answering 429 that reads as the tenant's limit, not noise. Graph refuses a
 * throttled client's requests for a while (throttling.md), so the tenant's limit shows as nearly every
 * item answering 429; 0.8 leaves scattered 429s up to half of all answers (the fault sweep's 50%) as noise.
 */
export const THROTTLED_SHARE = 0.8;
/** Share of an answer's items answering 5xx/424 from which their back-off grows (below it they are noise: a short, flat wait). */
export { UNAVAILABLE_SHARE };
/** Items of recent answers the judgement needs before it decides (more than one batch). */
export const MIN_THROTTLE_ITEMS = 40;
/** Items of recent answers it looks at: the last five batches or so. */
export const THROTTLE_WINDOW_ITEMS = 100;

export async function runBatched(
    graph: GraphClient,
    calls: readonly BatchCall[],
    options: BatchOptions = {},
): Promise<{ results: BatchResult[]; stats: BatchStats }> {
    const version = options.version ?? "v1.0";
    const maxConcurrency = options.maxConcurrency ?? 16;
    const started = Date.now();
    const results: BatchResult[] = new Array(calls.length);
    // Only items that failed once get a run of the policy (memory stays one small result per call).
    const runs = new Map<number, RetryRun>();
    let queue: number[] = calls.map((_, i) => i);
    // Items waiting out their own Retry-After or back-off, with the time they may be sent again.
    let waiting: { at: number; indices: number[] }[] = [];
    // The last answers' items: how many, and how many answered 429 (the throttling judgement).
    let recent: { items: number; throttled: number; unavailable: number; until: number }[] = [];
    let done = 0;
    let inFlight = 0;
    let concurrency = Math.min(options.initialConcurrency ?? 4, maxConcurrency);
    const stats: BatchStats = {
        batches: 0,
        retriedItems: 0,
        throttledItems: 0,
        failedItems: 0,
        exhaustedItems: 0,
        maxConcurrency: concurrency,
        concurrency,
        waitingItems: 0,
        pausedUntil: 0,
        pauses: 0,
    };
    let fatal: unknown;
    let timer: NodeJS.Timeout | undefined;
    const report = () => {
        stats.concurrency = concurrency;
        stats.waitingItems = waiting.reduce((n, w) => n + w.indices.length, 0);
        options.onProgress?.(done, calls.length, stats);
    };
    const ticker = options.onProgress && calls.length ? setInterval(report, options.tickMs ?? 1_000) : undefined;

    const sendOne = async (indices: number[]): Promise<void> => {
        const requests = indices.map((i) => {
            const c = calls[i];
            return {
                id: String(i),
                method: c.method,
                url: c.url,
                // Graph refuses the whole batch when a write item (POST/PATCH/PUT) has no body and Content-Type,
                // even for a call that takes no body (json-batching.md: "only body can be an empty object").
                ...(c.body !== undefined || WRITES.has(c.method)
                    ? { body: c.body ?? {}, headers: { "Content-Type": "application/json" } }
                    : {}),
            };
        });
        // The batch as a whole is retried by the Graph client's policy (every batched call is safe to
        // send again); what it throws (a spent budget, a refused batch) ends the run.
        const answer: { responses?: { id: string; status: number; headers?: Record<string, string>; body?: any }[] } = await graph.post(
            "/$batch",
            { requests },
            { version, idempotent: true, answerStatuses: [424] },
        );
        if (!Array.isArray(answer?.responses)) {
            throw new Error(`Microsoft Graph answered a $batch of ${indices.length} without its responses`);
        }
        stats.batches++;
        let throttled = 0;
        // The latest a throttled item of this answer was told to wait until (Retry-After).
        let throttledUntil = 0;
        const now = Date.now();
        const answered = new Set<number>();
        const again: number[] = [];
        let againAt = now;
        let refresh = false;
        // Scattered 5xx (and 424) items among answers whose other items go through say nothing about load:
        // the service is up, so they go again after a short wait that does not grow (issue 22: the
        // exponential back-off made the last items of a 30% 5xx run wait 30 s at a time). When most items
        // of the last answers (this one and the throttling window's) failed so, the back-off grows as for
        // a single call.
        const unavailable = answer.responses.filter((r) => r.status === 424 || r.status >= 500).length;
        const window = recent.reduce((n, a) => ({ items: n.items + a.items, unavailable: n.unavailable + a.unavailable }), {
            items: answer.responses.length,
            unavailable,
        });
        const noise = window.unavailable < UNAVAILABLE_SHARE * window.items;
        // The service's health, which a whole $batch answering 5xx or dropped is judged by (./retry.ts): this
        // answer went through, and so did its items but the 5xx/424 ones.
        graph.policy.healthOf("Microsoft Graph").observe(1 + answer.responses.length - unavailable, unavailable);
        for (const r of answer.responses) {
            const i = Number(r.id);
            if (!Number.isInteger(i) || i < 0 || i >= calls.length || answered.has(i) || !indices.includes(i)) {
                continue; // not one of this batch's items (or twice): the missing ones go again below
            }
            answered.add(i);
            // A 424 (failed dependency) on an item that depends on nothing: Graph could not run it; send it again.
            // A 401 (the token expired while the batch ran): once with a new token, as for a single call.
            const verdict = r.status === 424 ? "retry" : graph.policy.verdict(r.status, true);
            if (verdict === "retry" || verdict === "refresh-token") {
                let run = runs.get(i);
                if (!run) {
                    run = graph.policy.start(`${describeCall(calls[i].method, `/${version}${calls[i].url}`)} in $batch`);
                    runs.set(i, run);
                }
                const plan = run.plan(
                    {
                        error: new TenantApiError(
                            "Microsoft Graph",
                            calls[i].method,
                            `/${version}${calls[i].url}`,
                            r.status === 424 ? 503 : r.status,
                            r.body?.error?.code,
                            String(r.body?.error?.message ?? ""),
                        ),
                        retryAfterMs: parseRetryAfter(headerOf(r.headers, "retry-after")),
                    },
                    true,
                    noise && r.status !== 429,
                );
                if (r.status === 429) {
                    stats.throttledItems++;
                    throttled++;
                } else {
                    stats.failedItems++;
                }
                if (plan.action === "retry" && plan.refreshToken) {
                    refresh = true;
                }
                if (plan.action === "retry") {
                    stats.retriedItems++;
                    if (r.status === 429) {
                        throttledUntil = Math.max(throttledUntil, now + plan.delayMs);
                    }
                    again.push(i);
                    againAt = Math.max(againAt, now + plan.delayMs);
                    continue;
                }
                stats.exhaustedItems++;
            }
            runs.delete(i);
            results[i] = { status: r.status, ...(r.body !== undefined ? { body: r.body } : {}) };
            done++;
        }
        if (refresh) {
            graph.tokens?.reset(); // the next batch signs in afresh
        }
        // The answer's items to send again go together, after the longest wait one of them was given
        // (one batch again, not one per item; a replay with the same seed sends the same batches).
        if (again.length) {
            waiting.push({ at: againAt, indices: again });
        }
        // Items the answer left out go again at once (Graph answers every item; this is a guard).
        const missing = indices.filter((i) => !answered.has(i));
        if (missing.length) {
            queue = missing.concat(queue);
        }
        judge(answered.size, throttled, unavailable, throttledUntil, now);
        report();
    };

    /**
     * The tenant's throttling, judged over the last answers' items: most of them 429 means the tenant's
     * limit (halve, and every worker waits); otherwise concurrency grows by one.
     */
    const judge = (items: number, throttled: number, unavailable: number, until: number, now: number) => {
        if (now < stats.pausedUntil) {
            return; // answers to batches sent before the pause: the pause already counts them
        }
        recent.push({ items, throttled, unavailable, until });
        let total = 0;
        let limited = 0;
        let longest = now + 1;
        let keep = 0;
        for (let k = recent.length - 1; k >= 0 && total < THROTTLE_WINDOW_ITEMS; k--) {
            total += recent[k].items;
            limited += recent[k].throttled;
            longest = Math.max(longest, recent[k].until);
            keep++;
        }
        recent = recent.slice(recent.length - keep);
        if (total >= MIN_THROTTLE_ITEMS && limited / total >= THROTTLED_SHARE) {
            // Every worker waits out the longest Retry-After the throttled items were given.
            const until = longest;
            concurrency = Math.max(1, Math.floor(concurrency / 2));
            stats.pausedUntil = until;
            stats.pauses++;
            recent = [];
            trace("$batch throttled", started, { label: options.label ?? "", concurrency, waitMs: until - now });
        } else if (concurrency < maxConcurrency) {
            concurrency++;
            stats.maxConcurrency = Math.max(stats.maxConcurrency, concurrency);
        }
    };

    /** Items whose wait is over go to the front of the queue; the time of the next one to come due. */
    const release = (now: number): number | undefined => {
        let next: number | undefined;
        const due: number[] = [];
        const still: typeof waiting = [];
        for (const w of waiting) {
            if (w.at <= now) {
                due.push(...w.indices);
            } else {
                still.push(w);
                next = next === undefined ? w.at : Math.min(next, w.at);
            }
        }
        if (due.length) {
            waiting = still;
            queue = due.concat(queue);
        }
        return next;
    };

    try {
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
                const halted = haltedReason();
                if (halted) {
                    // The process stops every call: no further batch; the ones in flight finish.
                    fatal = halted;
                    reject(halted);
                    return;
                }
                const now = Date.now();
                const nextDue = release(now);
                const paused = stats.pausedUntil - now;
                if (paused <= 0) {
                    while (inFlight < concurrency && queue.length) {
                        const indices = queue.splice(0, BATCH_SIZE);
                        inFlight++;
                        sendOne(indices)
                            .catch((err) => {
                                fatal ??= err;
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
                const wake = paused > 0 ? stats.pausedUntil : inFlight < concurrency && nextDue !== undefined ? nextDue : undefined;
                if (wake !== undefined) {
                    timer = setTimeout(pump, Math.max(0, wake - now));
                }
                if (inFlight === 0 && queue.length === 0 && waiting.length === 0 && done < calls.length) {
                    reject(new Error(`batch bookkeeping lost ${calls.length - done} calls`));
                }
            };
            pump();
        });
    } finally {
        if (ticker) {
            clearInterval(ticker);
        }
        if (timer) {
            clearTimeout(timer);
        }
    }
    if (calls.length) {
        report();
    }
    if (calls.length)
        trace("$batch", started, {
            ...(options.label ? { label: options.label } : {}),
            calls: calls.length,
            batches: stats.batches,
            throttled: stats.throttledItems,
            failed: stats.failedItems,
            pauses: stats.pauses,
            maxConcurrency: stats.maxConcurrency,
        });
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
export async function* pages<T = any>(
    graph: GraphClient,
    path: string,
    version: GraphVersion = "v1.0",
    headers?: Record<string, string>,
): AsyncGenerator<T[]> {
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
