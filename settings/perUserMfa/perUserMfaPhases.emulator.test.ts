/**
 * Per-user MFA against the emulator, phase by phase (issue #22): one read per phase that needs it (a
 * create right after its check takes the check's reads; verification reads back only what was
 * written), and progress in every phase, verification included, in the engine's output and the trace.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { declarePerUserMfa } from "../../tests/support/perUserMfaDeclare";
import { clientsAs } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { perUserMfa } from "./setting";

describe("emulator: per-user MFA, one read per phase and progress in every phase", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    let traceFile: string;
    const saved: Record<string, string | undefined> = {};
    const provider = () => new SettingProvider(perUserMfa, { verifyDelayMs: 20 }, () => clientsAs(emu));
    const dir = () => emu.directory();
    const reads = () =>
        emu.requests.filter((r) => r.batched && r.method === "GET" && r.path.endsWith("/authentication/requirements") && r.status === 200)
            .length;
    const traced = () =>
        fs.existsSync(traceFile)
            ? fs
                  .readFileSync(traceFile, "utf8")
                  .split("\n")
                  .filter(Boolean)
                  .map((l) => JSON.parse(l) as Record<string, any>)
            : [];

    useEmulator(
        (e) => (emu = e),
        {},
        async () => {
            dir().seed(300, 11);
        },
    );
    beforeEach(() => {
        emu.faults = {};
        emu.throttle.options = { enabled: false };
        traceFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-phases-")), "trace.jsonl");
        for (const k of ["M365_MFA_TRACE", "M365_MFA_PROGRESS_SECONDS"]) saved[k] = process.env[k];
        process.env.M365_MFA_TRACE = traceFile;
    });
    afterEach(() => {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
        emu.faults = {};
        emu.throttle.options = { enabled: true };
    });

    /** `n` members who are not break-glass, all moved to `state`. */
    const declare = (n: number, state: "enabled" | "enforced", already = 0, from = 0) => declarePerUserMfa(emu, n, state, already, from);

    it(
        "a create right after its check reads no user again; verification reads back only the users written; the trace counts " +
            "each phase",
        async () => {
            const { members, changing, inputs } = declare(200, "enforced", 50);
            assert.ok(changing > 50 && changing < members.length, `${changing} of ${members.length} change`);
            const p = provider();
            let before = reads();
            const checked = await p.check({}, inputs);
            assert.deepStrictEqual(checked.failures, []);
            assert.strictEqual(reads() - before, members.length, "the check reads every target once");

            before = reads();
            await p.create(checked.inputs);
            assert.strictEqual(
                reads() - before,
                changing,
                "the create reads back only the users it wrote (the check's reads stand for the rest)",
            );
            for (const u of members) assert.strictEqual(dir().user(u.id)!.perUserMfaState, "enforced", u.userPrincipalName);

            const phases = traced().filter((l) => l.what === "PerUserMfa read");
            const of = (phase: string) => phases.filter((l) => l.phase === phase).map((l) => ({ read: l.read, reused: l.reused }));
            assert.deepStrictEqual(of("check"), [{ read: members.length, reused: 0 }]);
            assert.deepStrictEqual(of("apply"), [{ read: 0, reused: members.length }]);
            assert.deepStrictEqual(of("verify"), [{ read: changing, reused: 0 }]);

            // The check's reads serve one create only: another create of the same inputs reads the tenant again.
            before = reads();
            await p.create(checked.inputs);
            assert.strictEqual(reads() - before, members.length);
            assert.deepStrictEqual(
                traced()
                    .filter((l) => l.what === "PerUserMfa read")
                    .slice(-1)
                    .map((l) => ({ phase: l.phase, read: l.read })),
                [{ phase: "read", read: members.length }],
            );
        },
    );

    it("an update right after its check takes the check's reads too", async () => {
        const { inputs } = declare(60, "enabled", 0, 210);
        const p = provider();
        const created = await p.create((await p.check({}, inputs)).inputs);
        const next = declare(60, "enforced", 0, 210);
        const checked = await p.check(created.outs, next.inputs);
        assert.deepStrictEqual(checked.failures, []);
        const before = reads();
        await p.update(created.id, created.outs, checked.inputs);
        assert.strictEqual(reads() - before, next.changing, "only the users written are read back");
        const last = traced()
            .filter((l) => l.what === "PerUserMfa read")
            .slice(-2);
        assert.deepStrictEqual(
            last.map((l) => [l.phase, l.read, l.reused]),
            [
                ["apply", 0, 60],
                ["verify", next.changing, 0],
            ],
        );
    });

    it("says how far it is while verifying (and reading, and writing), in the engine's output and in the trace", async () => {
        const { inputs, changing } = declare(240, "enforced");
        process.env.M365_MFA_PROGRESS_SECONDS = "0.1";
        const p = provider();
        const checked = await p.check({}, inputs);
        assert.deepStrictEqual(checked.failures, []);
        // Each request takes 150 ms: every phase of this create lasts several progress intervals.
        emu.faults = { latencyMs: 150 };
        const said: string[] = [];
        const original = console.error;
        console.error = (...args: unknown[]) => void said.push(args.map(String).join(" "));
        try {
            await p.create(checked.inputs);
        } finally {
            console.error = original;
        }
        const verifying = said.filter((l) => /^info: Per-user MFA: verifying users: [\d,]+ of [\d,]+/.test(l));
        const midway = verifying.filter(
            (l) => !new RegExp(`: ${changing.toLocaleString("en")} of ${changing.toLocaleString("en")}`).test(l),
        );
        assert.ok(midway.length >= 1, `progress lines while verifying:\n${said.join("\n")}`);
        assert.ok(
            said.some((l) => /^info: Per-user MFA: writing users: [\d,]+ of [\d,]+/.test(l)),
            said.join("\n"),
        );
        const traceLines = traced().filter((l) => l.what === "progress" && /verifying users/.test(l.of) && l.done < l.total);
        assert.ok(traceLines.length >= 1, "progress lines while verifying are in the trace");
    });
});
