/**
 * The guardrail policy pack through the real engine and the release language host (RunPlugin):
 * `pulumi preview --policy-pack policies` fails on a violating stack with the mandatory rules named,
 * passes on compliant ones (one on security defaults, one on enforced Conditional Access through the
 * azuread provider) while showing advisory findings, and the PR summary carries the findings.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { rolloutConfirmation } from "../../settings/conditionalAccess/rollout";
import { securityDefaultsOffConfirmation } from "../../settings/securityDefaults/setting";

describe("engine: the guardrail policy pack", function () {
    this.timeout(600_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    let pack: string;
    const writes = () => emu.requests.filter((r) => r.write).length;
    const previewWithPack = (stack: string) => ws.run(["preview", ...ws.stackArgs(stack), "--policy-pack", pack]);

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-policy-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        const project = copyProject(path.join(tmp, "project"));
        pack = path.join(project, "policies");
        ws = new PulumiWorkspace({
            projectDir: project,
            workDir: path.join(tmp, "work"),
            env: { ...emu.env(APPS.provider), ...emu.azureadEnv(APPS.provider) },
        });
        await ws.initStack(
            "weak",
            {},
            {
                "m365-mfa:baseline": {
                    securityDefaults: { enabled: false },
                    modernAuthentication: { enabled: false },
                    guards: { confirm: [securityDefaultsOffConfirmation()!] },
                },
            },
        );
        await ws.initStack("defaults", {}, { "m365-mfa:baseline": { preset: "security-defaults" } });
        await ws.initStack(
            "ca",
            {},
            {
                "m365-mfa:baseline": {
                    preset: "conditional-access",
                    breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"],
                    legacyAuthentication: { mode: "on" },
                    conditionalAccessMfa: { mode: "on" },
                    // Switching the policies on names the users they start to apply to (issue #21).
                    guards: {
                        confirm: (["legacyAuthentication", "conditionalAccessMfa"] as const).map((p) =>
                            rolloutConfirmation(
                                p,
                                [...emu.directory().users.values()]
                                    .map((u) => u.userPrincipalName)
                                    .filter((u) => u.toLowerCase() !== "breakglass1@contoso.onmicrosoft.com"),
                            ),
                        ),
                    },
                },
            },
        );
    });
    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("fails a violating stack, naming every mandatory rule it breaks, and writes nothing", async () => {
        const before = writes();
        const r = await previewWithPack("weak");
        assert.notStrictEqual(r.code, 0, r.output);
        assert.match(r.output, /m365-mfa-guardrails@v0\.1\.0/);
        for (const rule of [
            "legacy-authentication-blocked",
            "modern-authentication-on",
            "security-defaults-without-conditional-access",
            "smtp-auth-disabled",
        ]) {
            assert.match(r.output, new RegExp(`\\[mandatory\\]\\s+${rule}`), `${rule} not reported`);
        }
        assert.match(r.output, /\[advisory\]\s+authentication-methods-migration-complete/);
        assert.strictEqual(writes(), before);
    });

    it("passes a compliant security-defaults stack and still shows its advisory finding", async () => {
        const r = await previewWithPack("defaults");
        assert.strictEqual(r.code, 0, r.output);
        assert.match(r.output, /\[advisory\]\s+authentication-methods-migration-complete/);
        assert.doesNotMatch(r.output, /\[mandatory\]/);
    });

    it("passes a stack whose legacy block and MFA are enforced Conditional Access policies (azuread)", async () => {
        const r = await previewWithPack("ca");
        assert.strictEqual(r.code, 0, r.output);
        assert.doesNotMatch(r.output, /\[mandatory\]/);
        assert.match(r.output, /\[advisory\]\s+authentication-methods-migration-complete/);
    });

    it("the PR summary carries the pack's findings, mandatory first, and exits 1 when one fails the preview", async () => {
        const out = path.join(tmp, "comment.md");
        const r = await ws.cli([
            "pr-summary",
            "--stack",
            "weak",
            "--config-file",
            ws.configFile("weak"),
            "--policy-pack",
            pack,
            "--out",
            out,
        ]);
        assert.strictEqual(r.code, 1, r.output);
        const md = fs.readFileSync(out, "utf8");
        assert.match(md, /### Policy pack: \*\*4 mandatory violations\*\* \(the preview fails\), 1 other finding/);
        const rows = md.split("\n").filter((l) => /^\| (mandatory|advisory) \|/.test(l));
        assert.deepStrictEqual(
            rows.map((l) => l.split(" | ")[0].slice(2)),
            ["mandatory", "mandatory", "mandatory", "mandatory", "advisory"],
        );
        assert.match(md, /\| mandatory \| modern-authentication-on \| tenant-modern-authentication \| Modern authentication is off/);
        const clean = await ws.cli([
            "pr-summary",
            "--stack",
            "defaults",
            "--config-file",
            ws.configFile("defaults"),
            "--policy-pack",
            pack,
            "--out",
            out,
        ]);
        assert.strictEqual(clean.code, 0, clean.output);
        assert.match(fs.readFileSync(out, "utf8"), /### Policy pack: no mandatory violation, 1 other finding/);
    });
});
