/**
 * drift --remediate's order and exit codes with a stand-in for the pulumi CLI (PULUMI_BIN): the drift
 * found is in the report before `pulumi up --refresh` runs (the stand-in copies the report it finds when
 * called for up), and the exit code says what happened: 4 repaired, 2 drift remains, 1 (thrown) the
 * repair failed, with the evidence kept in each case. The engine test (tests/engine/driftEvidence.test.ts)
 * does the same through the real engine.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT, drift } from "../../pipelines/cli";
import { dynamicType } from "../../providers/framework/setting";

const TYPE = dynamicType("SecurityDefaults");
const URN = `urn:pulumi:s::p::m365-mfa:index:TenantMfaBaseline$${TYPE}::tenant-security-defaults`;

/** A `pulumi preview --refresh --json` of security defaults found `found` where the stack (unchanged) wants true. */
function preview(found: boolean) {
    const applied = { isEnabled: true };
    return {
        steps: [
            { op: "refresh", urn: URN, oldState: { type: TYPE, inputs: applied, outputs: applied } },
            {
                op: found ? "same" : "update",
                urn: URN,
                oldState: { type: TYPE, inputs: { isEnabled: found }, outputs: { isEnabled: found } },
                newState: { type: TYPE, inputs: applied },
            },
        ],
        diagnostics: [],
        changeSummary: { update: found ? 0 : 1 },
    };
}

/** The stand-in: each preview answers the next saved JSON; up copies the report it finds, then exits as told. */
const FAKE = `#!/usr/bin/env node
const fs = require("fs"), path = require("path");
const dir = process.env.FAKE_PULUMI_DIR;
const args = process.argv.slice(2);
if (args[0] === "preview") {
    const n = Number(fs.existsSync(path.join(dir, "n")) ? fs.readFileSync(path.join(dir, "n"), "utf8") : "0");
    fs.writeFileSync(path.join(dir, "n"), String(n + 1));
    process.stdout.write(fs.readFileSync(path.join(dir, "preview" + n + ".json")));
    process.exit(0);
}
if (args[0] === "up") {
    const report = path.join(process.env.FAKE_REPORT_DIR, "drift-report.json");
    if (fs.existsSync(report)) fs.copyFileSync(report, path.join(dir, "report-at-up.json"));
    fs.writeFileSync(path.join(dir, "up-args.json"), JSON.stringify(args));
    process.stderr.write("up output\\n");
    process.exit(Number(process.env.FAKE_UP_EXIT || 0));
}
process.stdout.write("{}");
`;

describe("unit: drift --remediate writes the evidence before repairing, and its exit code says what happened", () => {
    let tmp: string;
    const saved: Record<string, string | undefined> = {};
    const setEnv = (k: string, v: string) => {
        if (!(k in saved)) saved[k] = process.env[k];
        process.env[k] = v;
    };
    let write: typeof process.stdout.write;

    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-remediate-"));
        const bin = path.join(tmp, "pulumi");
        fs.writeFileSync(bin, FAKE, { mode: 0o755 });
        setEnv("PULUMI_BIN", bin);
        setEnv("FAKE_PULUMI_DIR", tmp);
        setEnv("FAKE_REPORT_DIR", path.join(tmp, "report"));
        // No tenant to read the audit log from: the report says so (the attribution is the engine test's).
        setEnv("AZURE_TENANT_ID", "");
        fs.writeFileSync(path.join(tmp, "Pulumi.s.yaml"), "config: {}\n");
        write = process.stdout.write;
        process.stdout.write = (() => true) as typeof process.stdout.write;
    });
    afterEach(() => {
        process.stdout.write = write;
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    const run = (previews: boolean[], upExit = 0) => {
        previews.forEach((found, i) => {
            fs.writeFileSync(path.join(tmp, `preview${i}.json`), JSON.stringify(preview(found)));
        });
        setEnv("FAKE_UP_EXIT", String(upExit));
        return drift({ stack: "s", configFile: path.join(tmp, "Pulumi.s.yaml"), reportDir: path.join(tmp, "report"), remediate: true });
    };
    const report = () => JSON.parse(fs.readFileSync(path.join(tmp, "report", "drift-report.json"), "utf8"));
    const atUp = () => JSON.parse(fs.readFileSync(path.join(tmp, "report-at-up.json"), "utf8"));

    it("repaired: exit 4; when up ran, the report already held the drift found", async () => {
        assert.strictEqual(await run([false, true]), EXIT.repaired);
        assert.strictEqual(EXIT.repaired, 4);
        const before = atUp();
        assert.deepStrictEqual(
            before.settings.map((s: any) => [s.name, s.kind, s.fields]),
            [["tenant-security-defaults", "drift", [{ field: "isEnabled", expected: true, found: false }]]],
        );
        assert.strictEqual(before.remediation.outcome, "running");
        assert.ok(before.attribution, "who and when (here: why not) is in the report before the repair");
        assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(tmp, "up-args.json"), "utf8")).slice(0, 4), [
            "up",
            "--refresh",
            "--yes",
            "--skip-preview",
        ]);
        const after = report();
        assert.strictEqual(after.drifted, true, "the drift found is kept");
        assert.deepStrictEqual(after.settings, before.settings);
        assert.strictEqual(after.remediation.outcome, "repaired");
        assert.ok(after.remediation.finishedAt >= after.remediation.startedAt);
        assert.match(
            fs.readFileSync(path.join(tmp, "report", "drift-report.md"), "utf8"),
            /\*\*Repaired\*\*[\s\S]*## Drift \(found, then repaired\)[\s\S]*\| isEnabled \| true \| false \|/,
        );
    });

    it("drift remains after the repair: exit 2, with what still differs", async () => {
        assert.strictEqual(await run([false, false]), EXIT.drifted);
        const r = report();
        assert.strictEqual(r.remediation.outcome, "drift remains");
        assert.deepStrictEqual(
            r.remediation.remaining.map((s: any) => s.name),
            ["tenant-security-defaults"],
        );
        assert.match(fs.readFileSync(path.join(tmp, "report", "drift-report.md"), "utf8"), /## Still drifted after the repair/);
    });

    it("the repair fails: an error (exit 1), and the report keeps the drift found and says the repair failed", async () => {
        await assert.rejects(
            run([false], 1),
            /remediation failed \(pulumi up exit 1\); the drift found is in .*drift-report\.md:\nup output/,
        );
        const r = report();
        assert.strictEqual(r.remediation.outcome, "failed");
        assert.deepStrictEqual(
            r.settings.map((s: any) => s.fields),
            [[{ field: "isEnabled", expected: true, found: false }]],
        );
        assert.strictEqual(atUp().remediation.outcome, "running");
    });

    it("no drift: exit 0 and up never runs", async () => {
        assert.strictEqual(await run([true]), EXIT.clean);
        assert.ok(!fs.existsSync(path.join(tmp, "up-args.json")));
        assert.strictEqual(report().remediation, undefined);
    });
});
