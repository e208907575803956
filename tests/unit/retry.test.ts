/**
 * The client layer's one retry policy (client/retry.ts): which answers are retried, Retry-After,
 * the jittered back-off's bounds, the time budget and its message, and the token endpoint's classes.
 */
import * as assert from "node:assert";
import { TenantApiError } from "../../client/errors";
import { tokenEndpointStatus } from "../../client/credentials";
import { RetryBudgetExceededError, RetryPolicy, describeCall, isDroppedConnection, parseBudgetSeconds } from "../../client/retry";

const apiError = (status: number | undefined, code?: string) =>
    new TenantApiError(
        "Microsoft Graph",
        "GET",
        "/v1.0/policies/authenticationMethodsPolicy",
        status,
        code,
        status ? `answer ${status}` : "no answer (ECONNRESET)",
    );

/** A policy on a fake clock: sleeping advances it, nothing waits. */
function fakePolicy(options: { budgetMs?: number; random?: () => number; baseDelayMs?: number } = {}) {
    let t = 0;
    const slept: number[] = [];
    const policy = new RetryPolicy({
        budgetMs: options.budgetMs ?? 300_000,
        baseDelayMs: options.baseDelayMs ?? 500,
        random: options.random ?? (() => 0.5),
        now: () => t,
        sleep: async (ms) => {
            slept.push(ms);
            t += ms;
        },
    });
    return { policy, slept, now: () => t };
}

describe("unit: the retry policy", () => {
    it("retries 429, 503, 504 and dropped connections of idempotent calls; a 401 once with a new token; never a caller's 4xx", () => {
        const p = new RetryPolicy();
        for (const s of [429, 503, 504]) {
            assert.strictEqual(p.verdict(s, false), "retry", String(s));
        }
        assert.strictEqual(p.verdict(undefined, true), "retry", "dropped, idempotent");
        assert.strictEqual(p.verdict(undefined, false), "final", "dropped, not safe to send again");
        assert.strictEqual(p.verdict(401, true), "refresh-token");
        for (const s of [400, 403, 404, 405, 409, 412, 422, 500, 501]) {
            assert.strictEqual(p.verdict(s, true), "final", String(s));
        }
    });

    it("honours Retry-After exactly, and backs off with jitter within [d/2, d] where there is none", () => {
        const low = new RetryPolicy({ baseDelayMs: 1000, maxBackoffMs: 8000, random: () => 0 });
        const high = new RetryPolicy({ baseDelayMs: 1000, maxBackoffMs: 8000, random: () => 0.999999 });
        assert.strictEqual(low.delayMs(0, 7000), 7000);
        assert.strictEqual(high.delayMs(5, 0), 0);
        const expected = [1000, 2000, 4000, 8000, 8000, 8000];
        expected.forEach((d, retry) => {
            assert.strictEqual(low.delayMs(retry), d / 2, `retry ${retry} lower bound`);
            assert.strictEqual(high.delayMs(retry), d, `retry ${retry} upper bound`);
        });
        const real = new RetryPolicy({ baseDelayMs: 1000, maxBackoffMs: 8000 });
        const seen = new Set<number>();
        for (let i = 0; i < 200; i++) {
            const d = real.delayMs(2);
            assert.ok(d >= 2000 && d <= 4000, String(d));
            seen.add(d);
        }
        assert.ok(seen.size > 20, "the waits are spread, not all the same");
    });

    it("the back-off grows with failures in a row that name no wait; an answer with Retry-After starts it over", () => {
        const policy = new RetryPolicy({ baseDelayMs: 1000, maxBackoffMs: 30_000, random: () => 0.999999 });
        const run = policy.start("reading users/a/authentication/requirements in $batch");
        const unavailable = { error: new TenantApiError("Microsoft Graph", "GET", "/beta/users/a", 503, "serviceNotAvailable", "") };
        const throttled = {
            error: new TenantApiError("Microsoft Graph", "GET", "/beta/users/a", 429, "TooManyRequests", ""),
            retryAfterMs: 1000,
        };
        const waits = [unavailable, unavailable, unavailable, throttled, unavailable, throttled, throttled, unavailable].map((f) => {
            const p = run.plan(f, true);
            assert.strictEqual(p.action, "retry");
            return p.action === "retry" ? p.delayMs : -1;
        });
        assert.deepStrictEqual(waits, [1000, 2000, 4000, 1000, 1000, 1000, 1000, 1000]);
    });

    it(
        "a 5xx or dropped call while most of the service's recent answers went through waits the first step, flat; when most " +
            "failed or none was seen it grows; 429 and Retry-After are never noise",
        () => {
            // Issue 22: a whole $batch answering 503 backed off 0.25 s ... 30 s while the rest went through.
            let t = 0;
            const policy = new RetryPolicy({ baseDelayMs: 1000, maxBackoffMs: 30_000, random: () => 0.999999, now: () => t });
            const fail = (status: number | undefined, retryAfterMs?: number) => ({
                error: apiError(status),
                ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
            });
            const waits = (failures: { error: TenantApiError; retryAfterMs?: number }[]) => {
                const run = policy.start("posting to $batch");
                return failures.map((f) => {
                    const p = run.plan(f, true);
                    return p.action === "retry" ? p.delayMs : -1;
                });
            };
            // Nothing seen yet: load, the back-off grows (and each failure counts against the service).
            assert.deepStrictEqual(waits([fail(503), fail(undefined), fail(504)]), [1000, 2000, 4000]);
            // Batches and their items went through: noise. Another service's health is its own.
            policy.healthOf("Microsoft Graph").observe(42, 0);
            assert.deepStrictEqual(waits([fail(503), fail(undefined), fail(504), fail(503)]), [1000, 1000, 1000, 1000]);
            assert.deepStrictEqual(
                waits([fail(429), fail(429), fail(503, 5000), fail(429, 2000)]),
                [1000, 2000, 5000, 2000],
                "a 429 without Retry-After grows; Retry-After as sent",
            );
            const exchange = policy.start("running Set-CASMailbox");
            const ex = { error: new TenantApiError("Exchange Online", "POST", "/adminapi/beta/t/InvokeCommand", 503, undefined, "") };
            assert.deepStrictEqual(
                [exchange.plan(ex, true), exchange.plan(ex, true)].map((p) => (p.action === "retry" ? p.delayMs : -1)),
                [1000, 2000],
            );
            // Most recent answers failed: load again.
            policy.healthOf("Microsoft Graph").observe(0, 200);
            assert.deepStrictEqual(waits([fail(503), fail(503)]), [1000, 2000]);
            // Answers older than the window say nothing.
            t += 31_000;
            policy.healthOf("Microsoft Graph").observe(5, 0);
            assert.deepStrictEqual(waits([fail(503), fail(503)]), [1000, 2000], "5 answers are too few to judge");
        },
    );

    it("keeps retrying well past the Graph SDK's 3 retries, while within the budget", async () => {
        const { policy, slept } = fakePolicy();
        let calls = 0;
        const result = await policy.run(
            "reading policies/authenticationMethodsPolicy",
            async () => {
                if (++calls <= 12) {
                    throw apiError(429);
                }
                return "ok";
            },
            (err) => ({ error: err as TenantApiError, retryAfterMs: 1000 }),
            { idempotent: true },
        );
        assert.strictEqual(result, "ok");
        assert.strictEqual(calls, 13);
        assert.deepStrictEqual(slept, Array(12).fill(1000), "each wait is the Retry-After");
    });

    it("gets a new token after a 401 and retries at once; a second 401 in a row is final", async () => {
        const { policy, slept } = fakePolicy();
        let resets = 0;
        let calls = 0;
        const ok = await policy.run(
            "x",
            async () => (++calls === 1 ? Promise.reject(apiError(401, "InvalidAuthenticationToken")) : "ok"),
            (e) => ({ error: e as TenantApiError }),
            {
                idempotent: true,
                resetToken: () => resets++,
            },
        );
        assert.deepStrictEqual([ok, calls, resets, slept], ["ok", 2, 1, []]);
        calls = 0;
        await assert.rejects(
            policy.run(
                "x",
                async () => Promise.reject(apiError(401, "InvalidAuthenticationToken")),
                (e) => ({ error: e as TenantApiError }),
                { idempotent: true, resetToken: () => resets++ },
            ),
            (err: any) => err.status === 401 && !(err instanceof RetryBudgetExceededError),
        );
        // Expiring again later in a long run is fine: only two 401s in a row stop.
        let n = 0;
        const answers = [401, 429, 401, 503, 401];
        const again = await policy.run(
            "x",
            async () => (n < answers.length ? Promise.reject(apiError(answers[n++])) : "ok"),
            (e) => ({ error: e as TenantApiError }),
            { idempotent: true },
        );
        assert.strictEqual(again, "ok");
    });

    it("fails a caller's 4xx and an unsafe dropped connection at once", async () => {
        const { policy } = fakePolicy();
        for (const [status, idempotent] of [
            [400, true],
            [403, true],
            [404, true],
            [undefined, false],
        ] as const) {
            let calls = 0;
            await assert.rejects(
                policy.run(
                    "x",
                    async () => {
                        calls++;
                        throw apiError(status);
                    },
                    (e) => ({ error: e as TenantApiError }),
                    { idempotent },
                ),
                (err: any) => err.status === status && !(err instanceof RetryBudgetExceededError),
            );
            assert.strictEqual(calls, 1, `${status} sent once`);
        }
        // A failure classified final (no answer for another reason than a dropped connection: TLS) is not retried.
        let calls = 0;
        await assert.rejects(
            policy.run(
                "x",
                async () => {
                    calls++;
                    throw apiError(undefined);
                },
                (e) => ({ error: e as TenantApiError, final: true }),
                { idempotent: true },
            ),
        );
        assert.strictEqual(calls, 1);
    });

    it(
        "stops on the time budget, not on a count, with a message that says what, how long, how many times, and that a rerun " + "resumes",
        async () => {
            const { policy, now } = fakePolicy({ budgetMs: 60_000 });
            let calls = 0;
            await assert.rejects(
                policy.run(
                    "reading policies/authenticationMethodsPolicy",
                    async () => {
                        calls++;
                        throw apiError(429, "TooManyRequests");
                    },
                    (e) => ({ error: e as TenantApiError, retryAfterMs: 5000 }),
                    { idempotent: true },
                ),
                (err: any) => {
                    assert.ok(err instanceof RetryBudgetExceededError);
                    assert.ok(err instanceof TenantApiError, "still a TenantApiError (status, service, path)");
                    assert.strictEqual(err.status, 429);
                    assert.strictEqual(err.transient, false, "nobody retries a spent budget again");
                    assert.strictEqual(err.attempts, 13);
                    assert.strictEqual(
                        err.message,
                        "gave up reading policies/authenticationMethodsPolicy after 13 attempts over 60 s (the retry budget is " +
                            "60 s: stack config " +
                            "m365-mfa:retryBudgetSeconds or M365_MFA_RETRY_BUDGET_SECONDS); the last answer: Microsoft Graph GET " +
                            "/v1.0/policies/authenticationMethodsPolicy answered 429 TooManyRequests: answer 429. Nothing is " +
                            "lost: run pulumi up " +
                            "again to resume, settings already applied are not applied twice.",
                    );
                    return true;
                },
            );
            assert.strictEqual(calls, 13, "12 waits of 5 s fit in 60 s");
            assert.ok(now() <= 60_000, "never waits past the budget");

            const tooLong = fakePolicy({ budgetMs: 60_000 });
            await assert.rejects(
                tooLong.policy.run(
                    "x",
                    async () => Promise.reject(apiError(429)),
                    (e) => ({ error: e as TenantApiError, retryAfterMs: 3_600_000 }),
                    { idempotent: true },
                ),
                (err: any) => err instanceof RetryBudgetExceededError && err.attempts === 1,
            );
            assert.strictEqual(tooLong.now(), 0, "a Retry-After beyond the budget is not waited for");
        },
    );

    it("reads the budget from stack config before the environment; 300 s by default; refuses nonsense", () => {
        assert.strictEqual(RetryPolicy.fromSettings(undefined, {}).budgetMs, 300_000);
        assert.strictEqual(RetryPolicy.fromSettings(undefined, { M365_MFA_RETRY_BUDGET_SECONDS: "42" }).budgetMs, 42_000);
        assert.strictEqual(
            RetryPolicy.fromSettings(
                { get: (k) => (k === "retryBudgetSeconds" ? "7" : undefined) },
                { M365_MFA_RETRY_BUDGET_SECONDS: "42" },
            ).budgetMs,
            7_000,
        );
        assert.throws(
            () => parseBudgetSeconds("soon"),
            /m365-mfa:retryBudgetSeconds \/ M365_MFA_RETRY_BUDGET_SECONDS must be a number of seconds/,
        );
    });

    it("names calls and recognises dropped connections", () => {
        assert.strictEqual(
            describeCall("GET", "/v1.0/policies/authenticationMethodsPolicy"),
            "reading policies/authenticationMethodsPolicy",
        );
        assert.strictEqual(
            describeCall("PATCH", "/beta/users/a/authentication/requirements?x=1"),
            "updating users/a/authentication/requirements",
        );
        for (const e of [
            Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } }),
            Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
            Object.assign(new Error("write EPIPE"), { code: "EPIPE" }),
            Object.assign(new TypeError("fetch failed"), {
                cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
            }),
        ]) {
            assert.ok(isDroppedConnection(e), e.message);
        }
        assert.ok(
            !isDroppedConnection(
                Object.assign(new TypeError("fetch failed"), {
                    cause: { code: "SELF_SIGNED_CERT_IN_CHAIN", message: "self-signed certificate" },
                }),
            ),
        );
        assert.ok(
            !isDroppedConnection(Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } })),
            "nothing listening is a configuration error",
        );
    });

    it("the token endpoint: throttled, unavailable and dropped are retried (503), a refused credential is final", () => {
        assert.strictEqual(tokenEndpointStatus({ statusCode: 429 }, ""), 503);
        assert.strictEqual(tokenEndpointStatus({}, "AADSTS90033: A transient error has occurred"), 503);
        assert.strictEqual(tokenEndpointStatus({}, "temporarily_unavailable"), 503);
        assert.strictEqual(
            tokenEndpointStatus(Object.assign(new Error("network_error"), { code: "ECONNRESET" }), "network_error: ECONNRESET"),
            503,
        );
        assert.strictEqual(tokenEndpointStatus({}, "AADSTS7000215: Invalid client secret provided."), undefined);
        assert.strictEqual(tokenEndpointStatus({}, "AADSTS700016: Application not found in the directory"), undefined);
    });
});
