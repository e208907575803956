/**
 * What runBatched puts in a $batch, against Graph's documented rules (json-batching.md): every write
 * item (POST, PATCH, PUT) carries a body and a Content-Type, `{}` where the call takes no body; reads
 * and deletes carry neither.
 */
import * as assert from "assert";
import { runBatched } from "../../client/batch";
import type { GraphClient } from "../../client/graph";
import { RetryPolicy } from "../../client/retry";

function recordingGraph(): { graph: GraphClient; sent: any[] } {
    const sent: any[] = [];
    const graph = {
        policy: new RetryPolicy(),
        post: async (path: string, body: any) => {
            assert.strictEqual(path, "/$batch");
            sent.push(...body.requests);
            return { responses: body.requests.map((r: any) => ({ id: r.id, status: 200, body: { value: true } })) };
        },
    } as unknown as GraphClient;
    return { graph, sent };
}

describe("unit: $batch items", () => {
    it("a bodiless POST (revokeSignInSessions) goes with body {} and Content-Type: application/json", async () => {
        const { graph, sent } = recordingGraph();
        await runBatched(graph, [
            { method: "POST", url: "/users/a/revokeSignInSessions" },
            { method: "PATCH", url: "/users/a/authentication/requirements", body: { perUserMfaState: "enabled" } },
            { method: "PUT", url: "/x" },
            { method: "GET", url: "/users/a" },
            { method: "DELETE", url: "/users/a/authentication/emailMethods/1" },
        ]);
        const byUrl = Object.fromEntries(sent.map((r) => [`${r.method} ${r.url}`, r]));
        for (const key of ["POST /users/a/revokeSignInSessions", "PUT /x"]) {
            assert.deepStrictEqual(byUrl[key].body, {}, key);
            assert.deepStrictEqual(byUrl[key].headers, { "Content-Type": "application/json" }, key);
        }
        assert.deepStrictEqual(byUrl["PATCH /users/a/authentication/requirements"].body, { perUserMfaState: "enabled" });
        assert.deepStrictEqual(byUrl["PATCH /users/a/authentication/requirements"].headers, { "Content-Type": "application/json" });
        for (const key of ["GET /users/a", "DELETE /users/a/authentication/emailMethods/1"]) {
            assert.strictEqual(byUrl[key].body, undefined, key);
            assert.strictEqual(byUrl[key].headers, undefined, key);
        }
    });
});

/**
 * A fake Graph whose $batch answers 429 for the items `throttle(index, attempt)` picks, 200 otherwise,
 * after `latencyMs`; it records how many batches were in flight when each was sent.
 */
function throttlingGraph(throttle: (index: number, attempt: number) => boolean, latencyMs = 5, retryAfter?: string) {
    const attempts = new Map<string, number>();
    const inFlightAtSend: number[] = [];
    const sentAt: number[] = [];
    let inFlight = 0;
    const graph = {
        policy: new RetryPolicy({ baseDelayMs: 4, random: () => 0.5 }),
        post: async (_path: string, body: any) => {
            inFlight++;
            inFlightAtSend.push(inFlight);
            sentAt.push(Date.now());
            await new Promise((r) => setTimeout(r, latencyMs));
            inFlight--;
            return {
                responses: body.requests.map((r: any) => {
                    const n = attempts.get(r.id) ?? 0;
                    attempts.set(r.id, n + 1);
                    return throttle(Number(r.id), n)
                        ? { id: r.id, status: 429, headers: retryAfter ? { "Retry-After": retryAfter } : {}, body: { error: { code: "TooManyRequests", message: "" } } }
                        : { id: r.id, status: 200, body: { ok: true } };
                }),
            };
        },
    } as unknown as GraphClient;
    return { graph, inFlightAtSend, sentAt, attempts };
}

describe("unit: $batch concurrency under throttling", () => {
    const calls = (n: number) => Array.from({ length: n }, (_, i) => ({ method: "GET" as const, url: `/users/${i}` }));

    it("scattered 429s (30% of items, noise) do not collapse concurrency: it still grows to the maximum and every item ends 200", async () => {
        // Three items of every ten answer 429 on their first two attempts.
        const { graph, inFlightAtSend } = throttlingGraph((i, n) => i % 10 < 3 && n < 2);
        const { results, stats } = await runBatched(graph, calls(2000), { initialConcurrency: 4, maxConcurrency: 16 });
        assert.ok(results.every((r) => r.status === 200));
        assert.strictEqual(stats.throttledItems, 2000 * 0.3 * 2);
        assert.strictEqual(stats.maxConcurrency, 16, `concurrency reached ${stats.maxConcurrency}`);
        assert.ok(Math.max(...inFlightAtSend) >= 12, `peak in flight ${Math.max(...inFlightAtSend)}`);
    });

    it("throttling that is load (every item of a batch answers 429) halves concurrency and every worker waits out Retry-After", async () => {
        // Every item answers 429 (Retry-After: 1) on its first attempt, then 200.
        const { graph, inFlightAtSend, sentAt } = throttlingGraph((_i, n) => n < 1, 5, "1");
        const started = Date.now();
        const { results, stats } = await runBatched(graph, calls(400), { initialConcurrency: 4, maxConcurrency: 16 });
        assert.ok(results.every((r) => r.status === 200));
        assert.strictEqual(stats.throttledItems, 400);
        // The first wave (4 batches) was throttled whole: nothing else was sent until its Retry-After
        // passed, and the run never went above the concurrency it started with while throttled.
        const first = sentAt.slice(0, 4);
        const after = sentAt.slice(4);
        assert.ok(after.every((t) => t - first[0] >= 990), `a batch went out ${Math.min(...after.map((t) => t - first[0]))} ms after the first throttled one`);
        assert.ok(Date.now() - started >= 1000);
        assert.ok(inFlightAtSend.slice(0, 4).every((n) => n <= 4));
    });
});
