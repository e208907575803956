/**
 * A spent retry budget through the real engine: `pulumi up` fails with the client layer's sentence
 * (what, how long, how many attempts, that a rerun resumes) once in the diagnostics, the Stack says
 * only "update failed", and the rerun without faults converges.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { securityDefaultsOffConfirmation } from "../../settings/securityDefaults/setting";

describe("engine: the retry budget", function () {
    this.timeout(300_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-budget-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: emu.env(APPS.provider),
        });
        await ws.initStack(
            "budget",
            { "m365-mfa:retryBudgetSeconds": "3" },
            { "m365-mfa:baseline": { securityDefaults: { enabled: false }, guards: { confirm: [securityDefaultsOffConfirmation()!] } } },
        );
    });

    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("a persistent outage ends the up within the budget (stack config) with one readable error; the rerun resumes", async () => {
        emu.faults = { next: [{ kind: "503", count: 1_000_000, match: "identitySecurityDefaults" }] };
        const r = await ws.up("budget");
        emu.faults = {};
        assert.notStrictEqual(r.code, 0, r.output);
        const diagnostics = r.output.slice(r.output.indexOf("Diagnostics:"));
        const sentence = new RegExp(
            String.raw`error: (?:pulumi-nodejs:dynamic\/m365-mfa:SecurityDefaults resource 'tenant-security-defaults' ` +
                "has a problem: )?Security defaults: (check|create) failed: gave up reading " +
                String.raw`policies\/identitySecurityDefaultsEnforcementPolicy after \d+ attempts over [\d.]+ s \(the retry ` +
                String.raw`budget is 3\.0 s: stack config m365-mfa:retryBudgetSeconds or M365_MFA_RETRY_BUDGET_SECONDS\); ` +
                String.raw`the last answer: Microsoft Graph GET \/v1\.0\/policies\/identitySecurityDefaultsEnforcementPolicy ` +
                "answered 503 serviceNotAvailable: .*Nothing is lost: run pulumi up again to resume",
            "g",
        );
        assert.strictEqual((diagnostics.match(sentence) ?? []).length, 1, diagnostics);
        // A check that fails is a check failure on the resource (nothing under the Stack); a create that fails, "update failed" there.
        const stackSection = /pulumi:pulumi:Stack \(m365-mfa-budget\):\n((?: {4}.*\n)*)/.exec(diagnostics)?.[1] ?? "";
        assert.match(stackSection, /^(\s+error: update failed\n)?$/, "the Stack says at most that the update failed");
        assert.strictEqual((diagnostics.match(/gave up/g) ?? []).length, 1, "the sentence is not repeated at the Stack level");

        const again = await ws.up("budget");
        assert.strictEqual(again.code, 0, again.output);
        assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, false);
    });
});
