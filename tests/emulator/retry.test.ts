/**
 * The one retry policy against the emulator: a throttled GET of the authentication methods policy
 * (four 429s in a row, more than the Graph SDK's RetryHandler took) succeeds, a token that expires
 * mid-run is replaced, a spent budget gives the readable error once, and seeded faults replay exactly.
 */
import * as assert from "node:assert";
import { RetryBudgetExceededError } from "../../client";
import { runBatched } from "../../client/batch";
import { faultFor, mulberry32 } from "@m365-mfa/emulator";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { authenticationMethodsPolicy } from "../../settings/authenticationMethods/policy";
import { breakGlassAccounts } from "../../settings/conditionalAccess/breakGlass";
import { breakGlassAccounts as tenantBreakGlass } from "@m365-mfa/emulator";
import { useEmulator } from "../support/emulatorSuite";

const POLICY = "/policies/authenticationMethodsPolicy";

describe("emulator: one retry policy for every call", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    useEmulator((e) => (emu = e), { throttling: { enabled: false } });
    afterEach(() => {
        emu.faults = {};
    });
    const policyCalls = (from: number) =>
        emu.requests
            .slice(from)
            .filter((r) => r.path.endsWith(POLICY))
            .map((r) => r.status);

    it("a GET of policies/authenticationMethodsPolicy with four 429s in a row succeeds, honouring Retry-After", async () => {
        const graph = clientsAs(emu).graph;
        await graph.tokens.getToken();
        emu.faults = { next: [{ kind: "429", count: 4, match: POLICY }], retryAfterSeconds: 1 };
        const from = emu.requests.length;
        const started = Date.now();
        const policy = await graph.get(POLICY);
        assert.strictEqual(policy.id, "authenticationMethodsPolicy");
        assert.deepStrictEqual(policyCalls(from), [429, 429, 429, 429, 200]);
        assert.ok(Date.now() - started >= 4000, "each Retry-After: 1 was waited out");
    });

    it("retries 503s and a dropped connection of a single Graph call, and a $batch as a whole", async () => {
        const graph = clientsAs(emu).graph;
        emu.faults = {
            next: [
                { kind: "drop", count: 1, match: POLICY },
                { kind: "503", count: 2, match: POLICY },
            ],
        };
        const from = emu.requests.length;
        await graph.get(POLICY);
        assert.deepStrictEqual(policyCalls(from), ["dropped", 503, 503, 200]);
        emu.faults = {
            next: [
                { kind: "drop", count: 1, match: "$batch" },
                { kind: "429", count: 1, match: "$batch" },
            ],
            retryAfterSeconds: 0,
        };
        const { results } = await runBatched(graph, [{ method: "GET", url: POLICY }]);
        assert.strictEqual(results[0].status, 200);
    });

    it("a token that expires mid-run is replaced and the call goes through (401 Lifetime validation failed, then 200)", async () => {
        emu.faults = { tokenExpiresEarlySeconds: 1 };
        const graph = clientsAs(emu).graph;
        await graph.get(POLICY);
        await new Promise((r) => setTimeout(r, 1500));
        emu.faults = {};
        const from = emu.requests.length;
        await graph.get(POLICY);
        assert.deepStrictEqual(policyCalls(from), [401, 200]);
    });

    it("a spent budget gives one readable error: what, how long, how many attempts, and that a rerun resumes", async () => {
        emu.faults = { rate429: 1, retryAfterSeconds: 1 };
        const started = Date.now();
        await assert.rejects(clientsAs(emu, APPS.provider, { M365_MFA_RETRY_BUDGET_SECONDS: "2.5" }).graph.get(POLICY), (err: any) => {
            assert.ok(err instanceof RetryBudgetExceededError, String(err));
            assert.match(
                err.message,
                new RegExp(
                    String.raw`^gave up reading policies\/authenticationMethodsPolicy after 3 attempts over 2\.\d s \(the ` +
                        String.raw`retry budget is 2\.5 s: stack config m365-mfa:retryBudgetSeconds or ` +
                        String.raw`M365_MFA_RETRY_BUDGET_SECONDS\); the last answer: Microsoft Graph GET ` +
                        String.raw`\/v1\.0\/policies\/authenticationMethodsPolicy answered 429 TooManyRequests: .*Nothing is ` +
                        "lost: run pulumi up again to resume",
                ),
            );
            return true;
        });
        assert.ok(Date.now() - started < 4000, "bounded by the budget");

        // Through a provider: the setting's name once in front, the policy's sentence once.
        const p = new SettingProvider(authenticationMethodsPolicy, {}, () =>
            clientsAs(emu, APPS.provider, { M365_MFA_RETRY_BUDGET_SECONDS: "1" }),
        );
        await assert.rejects(p.read("tenant/authenticationMethodsPolicy", {}), (err: Error) => {
            assert.match(
                err.message,
                /^Authentication methods policy: read failed: gave up reading policies\/authenticationMethodsPolicy after \d+ attempts/,
            );
            assert.strictEqual(err.message.split("gave up").length, 2, "said once");
            return true;
        });
    });

    it(
        "break-glass accounts resolve to object ids through the package's client: a dropped connection and 503s are retried, " +
            "object ids kept, an unknown account names the config key",
        async () => {
            // Issue 22: the azuread plugin's getUser gave up on a dropped connection; the check resolves them now.
            const [bg1, bg2] = tenantBreakGlass(emu);
            const p = new SettingProvider(breakGlassAccounts, {}, () => clientsAs(emu, APPS.provider));
            const upn = bg1.userPrincipalName.toUpperCase();
            emu.faults = {
                next: [
                    { kind: "drop", count: 1, match: "$batch" },
                    { kind: "503", count: 2, match: "$batch" },
                ],
            };
            const from = emu.requests.length;
            const checked = await p.check({}, { accounts: [upn, bg2.id] });
            assert.deepStrictEqual(checked.failures, []);
            assert.deepStrictEqual(checked.inputs.objectIds, [bg1.id, bg2.id]);
            assert.deepStrictEqual(
                emu.requests
                    .slice(from)
                    .filter((r) => r.path.endsWith("$batch"))
                    .map((r) => r.status),
                ["dropped", 503, 503, 200],
            );
            emu.faults = {};
            // The create that follows takes the check's read; the outputs are the ids.
            const before = emu.requests.length;
            const created = await p.create(checked.inputs);
            assert.deepStrictEqual(created.outs.objectIds, [bg1.id, bg2.id]);
            assert.strictEqual(emu.requests.length, before, "no second read");
            const unknown = await p.check({}, { accounts: [bg1.userPrincipalName, "nobody@contoso.com"] });
            assert.strictEqual(unknown.failures?.length, 1);
            assert.match(
                unknown.failures![0].reason,
                new RegExp(
                    String.raw`^Break-glass accounts: no such user in the tenant: nobody@contoso\.com ` +
                        String.raw`\(m365-mfa:baseline\.breakGlassAccounts\[1\]\)\. Name each break-glass account by its user ` +
                        "principal name or object id",
                ),
            );
        },
    );

    it(
        "an item answering 503 again and again in $batch answers whose other items go through waits a short, flat time (noise), " +
            "not an exponential back-off",
        async () => {
            // Issue 22: at 30% 5xx the last items of a run waited up to 30 s at a time; the service was up all along.
            const graph = clientsAs(emu, APPS.provider).graph;
            await graph.tokens.getToken();
            const users = [...emu.directory().users.values()].slice(0, 10);
            emu.faults = { batchItems: [{ kind: "503", count: 6, match: users[0].id }] };
            const started = Date.now();
            const { results } = await runBatched(
                graph,
                users.map((u) => ({ method: "GET" as const, url: `/users/${u.id}?$select=id` })),
            );
            const seconds = (Date.now() - started) / 1000;
            assert.ok(results.every((r) => r.status === 200));
            // Six waits of the first step (0.25-0.5 s each) at most, where the growing back-off waited 0.25+0.5+1+2+4+8 s at least.
            assert.ok(seconds < 5, `${seconds} s`);
            // Most of an answer failing is not noise: the back-off grows, as for a single call.
            emu.faults = { batchItems: [{ kind: "503", count: 4, match: "/users/" }] };
            const again = Date.now();
            await runBatched(
                graph,
                users.slice(0, 1).map((u) => ({ method: "GET" as const, url: `/users/${u.id}?$select=id` })),
            );
            assert.ok((Date.now() - again) / 1000 >= 0.25 + 0.5 + 1 + 2, "grows: 4 failures in a row of the only item");
        },
    );

    it(
        "a whole $batch answering 503 or dropped again and again, while the service's other answers go through, waits a short, " +
            "flat time; with no answer going through the back-off grows; Retry-After is honoured",
        async () => {
            // Issue 22: at 50% 5xx the sweep did not finish in 240 s: a $batch answering 503 as a whole backed off
            // 0.25, 0.5, 1, 2 ... 30 s while other batches and items went through.
            const graph = clientsAs(emu, APPS.provider).graph;
            await graph.tokens.getToken();
            const users = [...emu.directory().users.values()].slice(0, 20);
            const calls = users.map((u) => ({ method: "GET" as const, url: `/users/${u.id}?$select=id` }));
            await runBatched(graph, calls); // the service answers: 1 batch, 20 items
            emu.faults = {
                next: [
                    { kind: "503", count: 3, match: "$batch" },
                    { kind: "drop", count: 3, match: "$batch" },
                ],
            };
            const from = emu.requests.length;
            const started = Date.now();
            const { results } = await runBatched(graph, calls);
            const seconds = (Date.now() - started) / 1000;
            assert.ok(results.every((r) => r.status === 200));
            assert.deepStrictEqual(
                emu.requests
                    .slice(from)
                    .filter((r) => r.path.endsWith("$batch"))
                    .map((r) => r.status),
                [503, 503, 503, "dropped", "dropped", "dropped", 200],
            );
            // Six waits of the first step (0.25-0.5 s each) at most, where the growing back-off waited 0.25+0.5+1+2+4+8 s at least.
            assert.ok(seconds < 5, `${seconds} s`);
            // No answer going through (a fresh client, nothing seen yet): the back-off grows, as before.
            const fresh = clientsAs(emu, APPS.provider).graph;
            await fresh.tokens.getToken();
            emu.faults = { next: [{ kind: "503", count: 4, match: "$batch" }] };
            const again = Date.now();
            await runBatched(fresh, calls.slice(0, 1));
            assert.ok((Date.now() - again) / 1000 >= 0.25 + 0.5 + 1 + 2, "grows: 4 failures in a row and nothing else seen");
            // A whole $batch answering 429 with Retry-After waits what it says, however well the rest goes.
            emu.faults = { next: [{ kind: "429", count: 2, match: "$batch" }], retryAfterSeconds: 2 };
            const throttled = Date.now();
            await runBatched(graph, calls);
            assert.ok((Date.now() - throttled) / 1000 >= 4, "Retry-After: 2, twice");
        },
    );

    it("the same seed replays the same faults; another seed gives others", async () => {
        const graph = clientsAs(emu, APPS.provider).graph;
        await graph.tokens.getToken();
        const record = async (seed: number) => {
            emu.faults = { rate429: 0.3, rate5xx: 0.1, dropRate: 0.05, retryAfterSeconds: 0, seed };
            const from = emu.requests.length;
            for (let i = 0; i < 15; i++) {
                await graph.get(POLICY);
            }
            // Inside $batch too: each item draws its own fault.
            await runBatched(
                graph,
                Array.from({ length: 20 }, () => ({ method: "GET" as const, url: POLICY })),
            );
            return emu.requests.slice(from).map((r) => `${r.batched ? "item " : ""}${r.status}`);
        };
        const a = await record(20261122);
        const b = await record(20261122);
        const c = await record(7);
        assert.deepStrictEqual(a, b);
        assert.notDeepStrictEqual(a, c);
        assert.ok(a.some((s) => s === "429") && a.some((s) => s === "item 429"), a.join(","));
        assert.strictEqual(emu.faults.seed, 7, "the seed is shown");
        // Faults given without a seed get one, so a run can always be replayed.
        emu.faults = { rate429: 0.5 };
        assert.strictEqual(typeof emu.faults.seed, "number");
    });

    it("the admin API takes the seed (PUT /_emulator/faults) and answers with it", async () => {
        const put = async (faults: unknown) =>
            (await (
                await fetch(`${emu.origin}/_emulator/faults`, {
                    method: "PUT",
                    headers: { "x-emulator-admin-key": emu.store.adminKey },
                    body: JSON.stringify(faults),
                })
            ).json()) as any;
        assert.strictEqual((await put({ rate429: 0.3, seed: 99 })).seed, 99);
        assert.strictEqual(typeof (await put({ rate429: 0.3 })).seed, "number");
    });

    it("the generator: one draw per request, rates as shares of [0, 1)", () => {
        const r1 = mulberry32(42);
        const r2 = mulberry32(42);
        const xs = Array.from({ length: 1000 }, () => r1());
        assert.deepStrictEqual(
            xs,
            Array.from({ length: 1000 }, () => r2()),
        );
        assert.ok(xs.every((x) => x >= 0 && x < 1));
        const rates = { dropRate: 0.05, rate429: 0.3, rate5xx: 0.1 };
        const kinds = xs.map((x) => faultFor(rates, x));
        const share = (k: string | undefined) => kinds.filter((x) => x === k).length / kinds.length;
        assert.ok(
            Math.abs(share("429") - 0.3) < 0.05 && Math.abs(share("503") - 0.1) < 0.04 && Math.abs(share("drop") - 0.05) < 0.03,
            JSON.stringify([share("429"), share("503"), share("drop")]),
        );
        assert.strictEqual(faultFor(rates, 0.01, false), undefined, "no drop inside a $batch");
    });
});
