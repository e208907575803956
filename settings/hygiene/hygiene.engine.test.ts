/**
 * Session and method hygiene through the real engine: previewable, runs once per trigger value,
 * never on an ordinary up, and again when the trigger changes.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

describe("engine: session and method hygiene", function () {
    this.timeout(300_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    let users: string[];
    const stack = "hyg";
    const writes = () => emu.requests.filter((r) => r.write && r.method !== "GET").length;
    const baseline = (trigger: string) => ({
        hygiene: { "incident-42": { users, revokeSessions: true, requireReregistration: true, trigger } },
    });

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-hyg-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        emu.directory().seed(40, 9);
        users = [...emu.directory().users.values()]
            .filter((u) => u.methods.length >= 2)
            .slice(0, 2)
            .map((u) => u.userPrincipalName);
        ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: emu.env(APPS.provider),
        });
        await ws.initStack(stack, {}, { "m365-mfa:baseline": baseline("2026-11-22") });
    });
    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("the preview names the users; up revokes sessions and removes their methods", async () => {
        const p = await ws.preview(stack);
        assert.strictEqual(p.code, 0, p.output);
        for (const u of users) assert.ok(p.output.toLowerCase().includes(u.toLowerCase()), `preview names ${u}`);
        assert.strictEqual(writes(), 0);
        const r = await ws.up(stack);
        assert.strictEqual(r.code, 0, r.output);
        for (const u of users) {
            const rec = emu.directory().user(u)!;
            assert.deepStrictEqual(rec.methods, [], `${u} must register again`);
            assert.ok(rec.signInSessionsValidFromDateTime, `${u} sessions revoked`);
        }
    });

    it("an ordinary up with the same trigger does nothing", async () => {
        const before = writes();
        const r = await ws.up(stack, "--refresh");
        assert.strictEqual(r.code, 0, r.output);
        assert.strictEqual(writes(), before, "no call repeated the operation");
        const clean = await ws.run(["preview", "--refresh", ...ws.stackArgs(stack), "--expect-no-changes"]);
        assert.strictEqual(clean.code, 0, clean.output);
    });

    it("a new trigger runs it again", async () => {
        const first = users.map((u) => emu.directory().user(u)!.signInSessionsValidFromDateTime);
        await new Promise((r) => setTimeout(r, 1100));
        await ws.setConfigObject(stack, "m365-mfa:baseline", baseline("2026-11-23"));
        const r = await ws.up(stack);
        assert.strictEqual(r.code, 0, r.output);
        users.forEach((u, i) => {
            assert.notStrictEqual(emu.directory().user(u)!.signInSessionsValidFromDateTime, first[i], `${u} revoked again`);
        });
    });
});
