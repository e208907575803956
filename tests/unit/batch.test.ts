/**
 * What runBatched puts in a $batch, against Graph's documented rules (json-batching.md): every write
 * item (POST, PATCH, PUT) carries a body and a Content-Type, `{}` where the call takes no body; reads
 * and deletes carry neither.
 */
import * as assert from "node:assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { runBatched } from "../../client/batch";
import { GraphClient } from "../../client/graph";
import { CLOUDS } from "../../client/clouds";
import { CallsHaltedError, RetryPolicy, haltCalls, resumeCalls } from "../../client/retry";
import { mulberry32 } from "@m365-mfa/emulator";

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
                        ? {
                              id: r.id,
                              status: 429,
                              headers: retryAfter ? { "Retry-After": retryAfter } : {},
                              body: { error: { code: "TooManyRequests", message: "" } },
                          }
                        : { id: r.id, status: 200, body: { ok: true } };
                }),
            };
        },
    } as unknown as GraphClient;
    return { graph, inFlightAtSend, sentAt, attempts };
}

describe("unit: $batch concurrency under throttling", () => {
    const calls = (n: number) => Array.from({ length: n }, (_, i) => ({ method: "GET" as const, url: `/users/${i}` }));

    it(
        "scattered 429s (30% of items, noise) do not collapse " + "concurrency: it still grows to the maximum and every item ends 200",
        async () => {
            // Three items of every ten answer 429 on their first two attempts.
            const { graph, inFlightAtSend } = throttlingGraph((i, n) => i % 10 < 3 && n < 2);
            const { results, stats } = await runBatched(graph, calls(2000), { initialConcurrency: 4, maxConcurrency: 16 });
            assert.ok(results.every((r) => r.status === 200));
            assert.strictEqual(stats.throttledItems, 2000 * 0.3 * 2);
            assert.strictEqual(stats.maxConcurrency, 16, `concurrency reached ${stats.maxConcurrency}`);
            assert.ok(Math.max(...inFlightAtSend) >= 12, `peak in flight ${Math.max(...inFlightAtSend)}`);
        },
    );

    it(
        "throttling that is load (every item of every batch answers 429) halves concurrency and every worker waits out " + "Retry-After",
        async () => {
            // Every item answers 429 (Retry-After: 1) on its first attempt, then 200.
            const { graph, sentAt } = throttlingGraph((_i, n) => n < 1, 5, "1");
            const started = Date.now();
            const { results, stats } = await runBatched(graph, calls(400), { initialConcurrency: 4, maxConcurrency: 16 });
            assert.ok(results.every((r) => r.status === 200));
            assert.strictEqual(stats.throttledItems, 400);
            assert.ok(stats.pauses >= 1, "the run waited out the tenant's throttling");
            // One batch is too few to judge; once the answers of two said "throttled", nothing else went out
            // until the Retry-After passed: the first wave (4) and what the first answer let out (2) only.
            const early = sentAt.filter((t) => t - sentAt[0] < 990);
            assert.ok(early.length <= 6, `${early.length} batches went out within the first Retry-After`);
            assert.ok(Date.now() - started >= 1000);
        },
    );

    it(
        "scattered faults (32% of items 429 with Retry-After, 15% 5xx, 5% 424) are noise: no run-wide pause, concurrency stays " +
            "at the maximum",
        async () => {
            const random = mulberry32(2201);
            const attempts = new Map<string, number>();
            const graph = {
                policy: new RetryPolicy({ baseDelayMs: 20, random: () => 0.5 }),
                post: async (_path: string, body: any) => {
                    await new Promise((r) => setTimeout(r, 3));
                    return {
                        responses: body.requests.map((r: any) => {
                            attempts.set(r.id, (attempts.get(r.id) ?? 0) + 1);
                            const x = random();
                            if (x < 0.32)
                                return {
                                    id: r.id,
                                    status: 429,
                                    headers: { "Retry-After": "0.05" },
                                    body: { error: { code: "TooManyRequests", message: "" } },
                                };
                            if (x < 0.47) return { id: r.id, status: 503, body: { error: { code: "serviceNotAvailable", message: "" } } };
                            if (x < 0.52) return { id: r.id, status: 424, body: { error: { code: "FailedDependency", message: "" } } };
                            return { id: r.id, status: 200, body: { ok: true } };
                        }),
                    };
                },
            } as unknown as GraphClient;
            const { results, stats } = await runBatched(graph, calls(2000), { initialConcurrency: 4, maxConcurrency: 16 });
            assert.ok(results.every((r) => r.status === 200));
            assert.ok(
                stats.throttledItems > 500 && stats.failedItems > 300,
                `${stats.throttledItems} throttled, ${stats.failedItems} failed answers`,
            );
            assert.strictEqual(stats.pauses, 0, "no run-wide pause for noise");
            assert.strictEqual(stats.maxConcurrency, 16);
            assert.ok(stats.concurrency >= 12, `concurrency ended at ${stats.concurrency}`);
        },
    );

    it("half of all items answering 429 at random is still noise: no run-wide pause", async () => {
        const random = mulberry32(2302);
        const graph = {
            policy: new RetryPolicy({ baseDelayMs: 20, random: () => 0.5 }),
            post: async (_path: string, body: any) => {
                await new Promise((r) => setTimeout(r, 3));
                return {
                    responses: body.requests.map((r: any) =>
                        random() < 0.5
                            ? {
                                  id: r.id,
                                  status: 429,
                                  headers: { "Retry-After": "0.02" },
                                  body: { error: { code: "TooManyRequests", message: "" } },
                              }
                            : { id: r.id, status: 200, body: { ok: true } },
                    ),
                };
            },
        } as unknown as GraphClient;
        const { results, stats } = await runBatched(graph, calls(2000), { initialConcurrency: 4, maxConcurrency: 16 });
        assert.ok(results.every((r) => r.status === 200));
        assert.strictEqual(stats.pauses, 0, `${stats.pauses} run-wide pauses for noise`);
        assert.strictEqual(stats.maxConcurrency, 16);
    });

    it(
        "an item answering 401 (the token expired while the batch ran) is sent again once with a new token; a second 401 in a " +
            "row is its result",
        async () => {
            let resets = 0;
            const seen = new Map<string, number>();
            const graph = {
                policy: new RetryPolicy(),
                tokens: { reset: () => void resets++ },
                post: async (_path: string, body: any) => ({
                    responses: body.requests.map((r: any) => {
                        const n = (seen.get(r.id) ?? 0) + 1;
                        seen.set(r.id, n);
                        // Item 0 is refused once, item 1 every time.
                        const refused = (r.id === "0" && n === 1) || r.id === "1";
                        return refused
                            ? {
                                  id: r.id,
                                  status: 401,
                                  body: { error: { code: "InvalidAuthenticationToken", message: "Lifetime validation failed" } },
                              }
                            : { id: r.id, status: 200, body: { ok: true } };
                    }),
                }),
            } as unknown as GraphClient;
            const { results } = await runBatched(graph, calls(3));
            assert.deepStrictEqual(
                results.map((r) => r.status),
                [200, 401, 200],
            );
            assert.strictEqual(seen.get("0"), 2);
            assert.strictEqual(seen.get("1"), 2, "a second 401 in a row is final");
            assert.ok(resets >= 1, "the token was dropped");
        },
    );

    it("reports progress every tick while every worker waits out the tenant's throttling", async () => {
        const { graph } = throttlingGraph((_i, n) => n < 1, 5, "1");
        const ticks: { at: number; done: number; pausedUntil: number }[] = [];
        await runBatched(graph, calls(100), {
            initialConcurrency: 4,
            tickMs: 100,
            onProgress: (done, _t, s) => ticks.push({ at: Date.now(), done, pausedUntil: s.pausedUntil }),
        });
        const paused = ticks.filter((t) => t.pausedUntil > t.at);
        assert.ok(paused.length >= 5, `${paused.length} reports during the pause`);
        for (let k = 1; k < ticks.length; k++) {
            assert.ok(ticks[k].at - ticks[k - 1].at < 400, `a ${ticks[k].at - ticks[k - 1].at} ms gap between reports`);
        }
    });

    it("schedules no further batch once calls are halted (the engine is gone), and says why", async () => {
        let sent = 0;
        const graph = {
            policy: new RetryPolicy(),
            post: async (_path: string, body: any) => {
                sent++;
                if (sent === 3) haltCalls("the Pulumi engine is gone (test)");
                await new Promise((r) => setTimeout(r, 20));
                return { responses: body.requests.map((r: any) => ({ id: r.id, status: 204 })) };
            },
        } as unknown as GraphClient;
        try {
            await assert.rejects(
                runBatched(graph, calls(2000), { initialConcurrency: 4 }),
                (err: Error) => err instanceof CallsHaltedError && /engine is gone/.test(err.message),
            );
            const at = sent;
            await new Promise((r) => setTimeout(r, 100));
            assert.ok(at <= 4, `${at} batches were sent (the first wave only)`);
            assert.strictEqual(sent, at, "nothing after the halt");
        } finally {
            resumeCalls();
        }
    });
});

/**
 * A $batch answering 424 (throttling.md: a batch with throttled items may answer 424) through the
 * real Graph client and SDK, against a local HTTP server: its items are read as from a 200.
 */
describe("unit: a $batch answering 424 or 200", () => {
    let server: http.Server;
    let origin = "";
    const answers: { status: number; body: unknown }[] = [];
    before(async () => {
        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (d) => (body += d));
            req.on("end", () => {
                const a = answers.shift() ?? { status: 500, body: { error: { code: "x", message: "no answer queued" } } };
                res.writeHead(a.status, { "Content-Type": "application/json" });
                res.end(JSON.stringify(a.body));
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
        origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());

    function client(): GraphClient {
        const graph = new GraphClient(
            {
                tenantId: "00000000-0000-0000-0000-000000000001",
                clientId: "11111111-1111-1111-1111-111111111111",
                clientSecret: "not-a-secret",
                cloud: { ...CLOUDS.global, name: "custom", graphEndpoint: origin, knownAuthority: false },
            },
            new RetryPolicy({ baseDelayMs: 1, random: () => 0 }),
        );
        Object.defineProperty(graph, "tokens", {
            value: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600_000 }), reset: () => undefined },
        });
        return graph;
    }

    for (const status of [424, 200]) {
        it(`answers ${status} with a throttled item: the item is sent again after its Retry-After, the others kept`, async () => {
            answers.push(
                {
                    status,
                    body: {
                        responses: [
                            { id: "0", status: 200, body: { perUserMfaState: "enforced" } },
                            {
                                id: "1",
                                status: 429,
                                headers: { "Retry-After": "0" },
                                body: { error: { code: "TooManyRequests", message: "" } },
                            },
                        ],
                    },
                },
                { status: 200, body: { responses: [{ id: "1", status: 200, body: { perUserMfaState: "disabled" } }] } },
            );
            const { results, stats } = await runBatched(
                client(),
                [
                    { method: "GET", url: "/users/a/authentication/requirements" },
                    { method: "GET", url: "/users/b/authentication/requirements" },
                ],
                { version: "beta" },
            );
            assert.deepStrictEqual(
                results.map((r) => r.body.perUserMfaState),
                ["enforced", "disabled"],
            );
            assert.strictEqual(stats.throttledItems, 1);
            assert.strictEqual(answers.length, 0);
        });
    }

    it("a 424 that carries no items is an error that names the call", async () => {
        answers.push({ status: 424, body: { error: { code: "FailedDependency", message: "nothing" } } });
        await assert.rejects(runBatched(client(), [{ method: "GET", url: "/users/a" }]), /424|FailedDependency|without its responses/);
    });
});
