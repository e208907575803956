/**
 * Evidence is kept (#21, items 9 and 10), through the real engine against the emulator as its command
 * starts it: a portal admin's change is caught by `drift --remediate`, which writes what drifted, who
 * changed it and when before it repairs anything, exits 4 (drift found and repaired), and tells the
 * stack's own writes (its app id) apart from the portal admin's, out of the box.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { trustCa } from "../../harness/tenant";
import { RUNNING_FILE, emulatorMain } from "@m365-mfa/emulator";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

describe("engine: drift --remediate keeps the evidence; who changed it, out of the box", function () {
    this.timeout(600_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const stack = "evidence";
    const stateDir = () => path.join(tmp, "emulator");
    const emulator = async (...args: string[]) => {
        let out = "";
        let err = "";
        const code = await emulatorMain(
            [...args, "--state-dir", stateDir()],
            { out: (s) => (out += s), err: (s) => (err += s) },
            (e) => (emu = e),
        );
        return { code, out, err };
    };
    const drift = (dir: string, ...args: string[]) =>
        ws.cli(["drift", "--stack", stack, "--config-file", ws.configFile(stack), "--report-dir", dir, ...args]);

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-evidence-"));
        // The emulator as `npm run emulator -- --users 30` starts it on a new state directory.
        const started = await emulator("start", "--port", "0", "--users", "30");
        assert.strictEqual(started.code, undefined, started.err);
        trustCa(emu.caCertPath);
        ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: emu.env(APPS.provider),
        });
        await ws.initStack(
            stack,
            {},
            { "m365-mfa:baseline": { securityDefaults: { enabled: true }, breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"] } },
        );
    });

    after(async () => {
        if (emu) {
            fs.rmSync(path.join(stateDir(), RUNNING_FILE), { force: true });
            await emu.stop();
        }
        if (tmp && !process.env.KEEP_TEST_DIRS) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("a portal admin's change: drift --remediate writes what, who and when before repairing, and exits 4", async () => {
        // The tenant as an admin left it, then brought under management by the stack (m365-mfa's own write).
        assert.strictEqual((await emulator("admin", "set", "security-defaults", "off")).code, 0);
        const up = await ws.up(stack);
        assert.strictEqual(up.code, 0, up.output);
        assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, true);
        // A portal admin switches them off again: drift.
        const admin = await emulator("admin", "set", "security-defaults", "off");
        assert.strictEqual(admin.code, 0, admin.err);

        const dir = path.join(tmp, "remediated");
        const r = await drift(dir, "--remediate");
        assert.strictEqual(r.code, 4, `exit 4: drift found and repaired\n${r.output}`);
        assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, true, "repaired");

        const json = JSON.parse(fs.readFileSync(path.join(dir, "drift-report.json"), "utf8"));
        assert.strictEqual(json.drifted, true, "the report keeps that drift was found");
        const sd = json.settings.find((s: any) => s.type === "SecurityDefaults");
        assert.deepStrictEqual([sd.kind, sd.fields], ["drift", [{ field: "isEnabled", expected: true, found: false }]]);
        assert.strictEqual(json.remediation.outcome, "repaired");
        assert.ok(
            json.checkedAt <= json.remediation.startedAt && json.remediation.startedAt <= json.remediation.finishedAt,
            JSON.stringify(json.remediation),
        );

        // Who and when, out of the box: the provider app of the emulator's new state directory may read the audit log.
        const provider = emu.app(APPS.provider);
        const portal = emu.app(APPS.portal);
        assert.strictEqual(json.attribution.available, true, JSON.stringify(json.attribution));
        assert.strictEqual(json.attribution.selfAppId, provider.appId);
        const changes = json.attribution.bySetting["tenant-security-defaults"];
        assert.deepStrictEqual(
            [changes[0].who, changes[0].by, changes[0].appId, changes[0].activity],
            [APPS.portal, "app", portal.appId, "Update security defaults"],
            "the newest: the portal admin's",
        );
        const own = changes.filter((c: any) => c.by === "self");
        assert.ok(own.length >= 1, "the stack's own earlier write is there, told apart");
        assert.ok(own.every((c: any) => c.who === APPS.provider && c.appId === provider.appId && c.when < changes[0].when));

        // Read before the repair: the repair's own write (now the newest in the log) is not in the report.
        const log = emu.store
            .auditLog(emu.defaultTenant().tenantId)
            .all()
            .filter((e) => e.activityDisplayName === "Update security defaults");
        const repair = log[log.length - 1];
        assert.strictEqual(repair.initiatedBy.app?.appId, provider.appId);
        assert.ok(repair.activityDateTime > changes[0].when);
        assert.ok(!changes.some((c: any) => c.when === repair.activityDateTime), "the repair's write is not reported as the change");

        const md = fs.readFileSync(path.join(dir, "drift-report.md"), "utf8");
        assert.match(
            md,
            /\*\*Repaired\*\*: `pulumi up --refresh` \(\S+ to \S+\) restored what was last applied, and the check after it found no drift/,
        );
        assert.match(
            md,
            new RegExp(
                "## Drift \\(found, then repaired\\)\\n\\n### Security defaults \\(`tenant-security-defaults`\\)\\n\\n\\| " +
                    "field \\| expected \\| found \\|\\n\\|---\\|---\\|---\\|\\n\\| isEnabled \\| true \\| false \\|",
            ),
        );
        assert.match(
            md,
            new RegExp(
                "## Who changed it[\\s\\S]*\\| Security defaults \\(`tenant-security-defaults`\\) \\| \\S+ \\| " +
                    "\\*\\*portal-admin\\*\\* \\(app\\) \\| Update security defaults \\|",
            ),
        );
        assert.match(md, /\*\*m365-mfa-provider\*\* \(this stack's app: m365-mfa's own write\)/);

        // And now: no drift, exit 0; a drift not repaired is exit 2.
        assert.strictEqual((await drift(path.join(tmp, "after"))).code, 0);
        assert.strictEqual((await emulator("admin", "set", "security-defaults", "off")).code, 0);
        assert.strictEqual((await drift(path.join(tmp, "found"))).code, 2);
    });
});
