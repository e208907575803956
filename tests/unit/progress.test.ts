/**
 * What a long phase says while it runs (issue #22): at least every interval, in the engine's output
 * (stderr outside the engine) and in the trace, waits on the tenant's throttling named.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { progressEveryMs, progressReporter, progressTickMs } from "../../providers/framework/diagnostics";

describe("unit: progress of a long phase", () => {
    let said: string[];
    const original = console.error;
    let traceFile: string;
    const savedTrace = process.env.M365_MFA_TRACE;
    beforeEach(() => {
        said = [];
        console.error = (...args: unknown[]) => void said.push(args.map(String).join(" "));
        traceFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-progress-")), "trace.jsonl");
        process.env.M365_MFA_TRACE = traceFile;
    });
    afterEach(() => {
        console.error = original;
        if (savedTrace === undefined) delete process.env.M365_MFA_TRACE;
        else process.env.M365_MFA_TRACE = savedTrace;
    });
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it(
        "names a wait that holds the whole run (the tenant's throttling), what waits to be sent again, and writes the same to " +
            "the trace",
        async () => {
            const report = progressReporter("Per-user MFA: verifying users:", undefined, 50);
            await wait(60);
            report(400, 1937, { throttledItems: 38, failedItems: 12, waitingItems: 20, pausedUntil: Date.now() + 2500 });
            await new Promise((r) => setImmediate(r));
            assert.deepStrictEqual(said, [
                "info: Per-user MFA: verifying users: 400 of 1,937 (38 throttled answers waited out so far; 12 unavailable " +
                    "answers retried; 20 waiting to be sent again; the tenant is throttling: every request waits 3 s (Retry-After))",
            ]);
            const lines = fs
                .readFileSync(traceFile, "utf8")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l));
            assert.strictEqual(lines.length, 1);
            assert.deepStrictEqual(
                {
                    what: lines[0].what,
                    of: lines[0].of,
                    done: lines[0].done,
                    total: lines[0].total,
                    throttled: lines[0].throttled,
                    waiting: lines[0].waiting,
                },
                { what: "progress", of: "Per-user MFA: verifying users:", done: 400, total: 1937, throttled: 38, waiting: 20 },
            );
            assert.ok(lines[0].pausedMs > 2000 && lines[0].pausedMs <= 2500);
        },
    );

    it(
        "says nothing between intervals, then again; a read that ends before its first interval says nothing, a write says its " + "end",
        async () => {
            const read = progressReporter("reading:", undefined, 100, false);
            read(1, 10);
            read(10, 10);
            const write = progressReporter("writing:", undefined, 100);
            write(1, 10);
            write(10, 10);
            write(10, 10);
            await new Promise((r) => setImmediate(r));
            assert.deepStrictEqual(said, ["info: writing: 10 of 10"]);
        },
    );

    it("every 5 s by default, M365_MFA_PROGRESS_SECONDS otherwise; a batch run ticks ten times per interval", () => {
        assert.strictEqual(progressEveryMs({}), 5000);
        assert.strictEqual(progressEveryMs({ M365_MFA_PROGRESS_SECONDS: "0.2" }), 200);
        assert.strictEqual(progressEveryMs({ M365_MFA_PROGRESS_SECONDS: "nonsense" }), 5000);
        assert.strictEqual(progressTickMs({}), 500);
    });
});
