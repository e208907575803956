/**
 * A `pulumi up` killed mid-write (SIGKILL of the engine) through the real engine against the emulator:
 * the provider process sees the engine's pipe close and stops writing at once (no batch is scheduled
 * after it; the ones on the wire finish), leaves no process behind, and the documented resume
 * (`pulumi cancel`, then `pulumi up`) converges.
 */
import * as assert from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PULUMI_BIN_DIR, PulumiWorkspace, copyProject } from "../../harness/engine";
import { startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { confirmationToken } from "../../settings/perUserMfa/setting";

/** Process ids whose working directory is `dir` (what the engine started there: language host, program, providers). */
function processesIn(dir: string): { pid: number; cmd: string }[] {
    const out: { pid: number; cmd: string }[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            if (fs.readlinkSync(`/proc/${entry}/cwd`) === dir) {
                out.push({ pid: Number(entry), cmd: fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ") });
            }
        } catch {
            // gone, or not ours to read
        }
    }
    return out;
}

describe("engine: a killed pulumi up stops writing", function () {
    this.timeout(600_000);
    let tmp: string;
    let projectDir: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const stack = "killed";
    const USERS = 1000;
    const LATENCY = 1000;
    let baseline: (confirm: string[]) => Record<string, unknown>;
    const writes = () => emu.requests.filter((r) => r.batched && r.method === "PATCH" && r.path.endsWith("/authentication/requirements"));

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-killed-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator"), maxLogEntries: 1_000_000 });
        emu.directory().seed(Math.ceil(USERS * 1.25) + 50, 42);
        const users = [...emu.directory().users.values()]
            .filter((u) => u.userType === "Member" && !u.breakGlass && u.perUserMfaState !== "enforced")
            .slice(0, USERS);
        const groupId = "c4e5c2a1-0f4d-4a8b-9c7e-2d1f0a9b8c7e";
        emu.directory().putGroup({ id: groupId, displayName: "Killed up", members: users.map((u) => u.id) });
        projectDir = copyProject(path.join(tmp, "project"));
        ws = new PulumiWorkspace({
            projectDir,
            workDir: path.join(tmp, "work"),
            env: { ...emu.env(APPS.provider), M365_MFA_TRACE: path.join(tmp, "trace.jsonl") },
        });
        baseline = (confirm: string[]) => ({
            breakGlassAccounts: [...emu.directory().users.values()].filter((u) => u.breakGlass).map((u) => u.userPrincipalName),
            perUserMfa: { assignments: [{ state: "enforced", groups: [groupId] }] },
            readiness: { mode: "off" },
            guards: { confirm },
        });
        await ws.initStack(
            stack,
            {},
            {
                "m365-mfa:baseline": baseline([
                    confirmationToken(Object.fromEntries(users.map((u) => [u.userPrincipalName, "enforced" as const]))),
                ]),
            },
        );
    });

    after(async () => {
        // Whatever the engine left in the project (the language host and program outlive a SIGKILLed engine).
        for (const p of processesIn(projectDir ?? "/nonexistent")) {
            try {
                process.kill(p.pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it(
        "SIGKILL of the engine mid-write: no $batch is sent after it (the ones on the wire finish), no provider process stays, " +
            "and cancel + up converges",
        async () => {
            // Every request takes 1 s, so the 1,000 writes (50 batches) take several seconds.
            emu.faults = { latencyMs: LATENCY };
            const child = spawn(path.join(PULUMI_BIN_DIR, "pulumi"), ["up", "--yes", "--skip-preview", ...ws.stackArgs(stack)], {
                cwd: projectDir,
                env: ws.environment(),
                stdio: ["pipe", "pipe", "pipe"],
            });
            let output = "";
            child.stdout.on("data", (d) => (output += d));
            child.stderr.on("data", (d) => (output += d));
            const exited = new Promise<void>((r) => child.on("close", () => r()));
            const deadline = Date.now() + 240_000;
            while (writes().length < 100) {
                assert.ok(Date.now() < deadline && child.exitCode === null, `the up never reached 100 writes:\n${output}`);
                await new Promise((r) => setTimeout(r, 50));
            }
            const killedAt = Date.now();
            const before = writes().length;
            child.kill("SIGKILL");
            await exited;
            // Long enough for the old behaviour to write every remaining user.
            await new Promise((r) => setTimeout(r, 10_000));
            const after = writes();
            // $batch requests the emulator received after the kill (received = answered - ms; 300 ms for a batch
            // sent just before it to arrive) were sent by a provider whose engine was gone.
            const late = emu.requests.filter(
                (r) => !r.batched && r.method === "POST" && r.path.endsWith("/$batch") && Date.parse(r.at) - (r.ms ?? 0) > killedAt + 300,
            );
            const providers = processesIn(projectDir).filter((p) => /dynamic-provider/.test(p.cmd));
            emu.faults = {};
            assert.ok(before < USERS, `the kill came mid-write (${before} of ${USERS} written)`);
            assert.strictEqual(
                late.length,
                0,
                `${late.length} $batch requests were sent after the engine died (${after.length - before} writes answered after ` +
                    "the kill in all)",
            );
            assert.deepStrictEqual(providers, [], "the provider process left once the engine was gone");
            const trace = fs.readFileSync(path.join(tmp, "trace.jsonl"), "utf8");
            assert.match(trace, /"what":"engine gone: calls halted"/);

            // The resume the README gives: the stack is locked; cancel, then up.
            const locked = await ws.up(stack);
            assert.notStrictEqual(locked.code, 0, "the killed up left the stack locked");
            const cancel = await ws.run(["cancel", "--yes", "--stack", stack]);
            assert.strictEqual(cancel.code, 0, cancel.output);
            let resumed = await ws.up(stack);
            // What is left is another change than the one confirmed: the blast-radius guard names it, as for any plan.
            const token = /add "(per-user-mfa:\d+:[0-9a-f]+)" to m365-mfa:baseline\.guards\.confirm/.exec(resumed.output)?.[1];
            if (resumed.code !== 0 && token) {
                await ws.setConfigObject(stack, "m365-mfa:baseline", baseline([token]));
                resumed = await ws.up(stack);
            }
            assert.strictEqual(resumed.code, 0, resumed.output);
            const notEnforced = [...emu.directory().users.values()].filter(
                (u) =>
                    emu.directory().groups.get("c4e5c2a1-0f4d-4a8b-9c7e-2d1f0a9b8c7e")!.members.includes(u.id) &&
                    u.perUserMfaState !== "enforced",
            );
            assert.strictEqual(notEnforced.length, 0);
        },
    );
});
