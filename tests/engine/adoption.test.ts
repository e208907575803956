/**
 * Adopting an existing tenant: export the live posture as stack config, then the first `pulumi up`
 * brings it under management without a single write to the tenant, and the next preview is clean.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { portal, startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "../../emulator/server";
import { APPS } from "../../emulator/store";
import { toYaml } from "../../adoption/export";

describe("engine: adopting an existing tenant", function () {
    this.timeout(300_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const writes = () => emu.requests.filter((r) => r.write && r.method !== "GET").length;

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-adopt-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        emu.directory().seed(60, 33);
        // A tenant with history: security defaults off, a few users on per-user MFA.
        await portal(emu).patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
        const users = [...emu.directory().users.values()].filter((u) => !u.breakGlass).slice(5, 12);
        for (const [i, u] of users.entries()) {
            await portal(emu).patch(`/users/${u.id}/authentication/requirements`, { perUserMfaState: i % 2 ? "enabled" : "enforced" }, { version: "beta" });
        }
        ws = new PulumiWorkspace({ projectDir: copyProject(path.join(tmp, "project")), workDir: path.join(tmp, "work"), env: emu.env(APPS.provider) });
    });

    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("exports the live posture exactly", async () => {
        const out = path.join(tmp, "baseline.json");
        const r = await ws.runScript("adoption/export.ts", ["--format", "json", "--out", out]);
        assert.strictEqual(r.code, 0, r.output);
        const baseline = JSON.parse(fs.readFileSync(out, "utf8"));
        const byState = (s: string) => [...emu.directory().users.values()].filter((u) => u.perUserMfaState === s).map((u) => u.userPrincipalName.toLowerCase()).sort();
        assert.deepStrictEqual(baseline, {
            securityDefaults: { enabled: false },
            modernAuthentication: { enabled: true },
            perUserMfa: {
                assignments: [
                    { state: "enforced", users: byState("enforced") },
                    ...(byState("enabled").length ? [{ state: "enabled", users: byState("enabled") }] : []),
                ],
            },
        });
    });

    it("the first pulumi up on the exported config changes nothing in the tenant; the next preview is clean", async () => {
        const stack = "adopted";
        await ws.initStack(stack);
        // The YAML form, appended to the stack's config file and read by Pulumi itself.
        const r = await ws.runScript("adoption/export.ts", ["--format", "yaml"]);
        assert.strictEqual(r.code, 0, r.output);
        assert.match(r.stdout, /^config:\n  m365-mfa:baseline:\n    securityDefaults:\n      enabled: false\n/);
        fs.appendFileSync(ws.configFile(stack), r.stdout);
        const before = writes();
        const up = await ws.up(stack);
        assert.strictEqual(up.code, 0, up.output);
        assert.match(up.output, /created/);
        assert.strictEqual(writes(), before, "adoption wrote nothing to the tenant");
        const clean = await ws.run(["preview", "--refresh", ...ws.stackArgs(stack), "--expect-no-changes"]);
        assert.strictEqual(clean.code, 0, clean.output);
    });

    it("writes YAML that round-trips the values", () => {
        assert.strictEqual(toYaml({ a: { b: true, c: ["x@y.z", "on"], d: [] } }), "a:\n  b: true\n  c:\n    - x@y.z\n    - \"on\"\n  d: []\n");
        assert.strictEqual(toYaml({ list: [{ state: "enforced", users: ["a@b"] }] }), "list:\n  - state: enforced\n    users:\n      - a@b\n");
    });
});
