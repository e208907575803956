/**
 * npm run demo: the whole loop on the local tenant emulator, through the real Pulumi CLI.
 *
 *   1. an emulated tenant where an admin once switched security defaults off
 *   2. pulumi preview   shows the change, and npm run pr-summary renders it for a pull request
 *   3. pulumi up        applies it
 *   4. pulumi preview   --expect-no-changes: nothing left to do
 *   5. a portal admin switches security defaults off again (npm run emulator -- admin set security-defaults off:
 *      a plain Graph PATCH as the portal-admin app)
 *   6. drift check      npm run drift exits 2 with a report naming the setting, who changed it and when (the
 *      portal admin, told apart from the stack's own earlier write), and plain pulumi refresh agrees
 *   7. npm run drift -- --remediate writes that evidence, restores the tenant (pulumi up --refresh) and exits 4;
 *      the drift check passes again
 *
 * The emulator starts as `npm run emulator` starts it on a new state directory (emulator/cli.ts), so the
 * provider app may read the directory audit log out of the box. It exits non-zero if any step does not
 * behave as described.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PulumiWorkspace, REPO_ROOT, type CliResult } from "../harness/engine";
import { trustCa } from "../harness/tenant";
import { RUNNING_FILE, emulatorMain } from "@m365-mfa/emulator";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

async function main() {
    const dir = path.join(REPO_ROOT, ".emulator", "demo");
    fs.rmSync(dir, { recursive: true, force: true });
    // The emulator's own command (npm run emulator -- ...) on the demo's state directory; its setup text is not needed here.
    const stateDir = path.join(dir, "tenant");
    let emu!: RunningEmulator;
    const emulator = async (...args: string[]) => {
        let err = "";
        const code = await emulatorMain([...args, "--state-dir", stateDir], { out: () => {}, err: (s) => (err += s) }, (e) => (emu = e));
        if (code) throw new Error(`npm run emulator -- ${args.join(" ")}: exit ${code}: ${err}`);
    };
    await emulator("start", "--port", "0");
    trustCa(emu.caCertPath);
    const tenant = () => emu.defaultTenant();
    let failures = 0;
    const step = (title: string) => console.log(`\n${bold(`== ${title}`)}`);
    const show = (r: CliResult) =>
        console.log(
            r.output
                .trim()
                .split("\n")
                .map((l) => `   | ${l}`)
                .join("\n"),
        );
    const expect = (ok: boolean, what: string) => {
        console.log(`${ok ? "   ok  " : "   FAIL"} ${what}`);
        failures += ok ? 0 : 1;
    };

    try {
        step(`Emulated tenant ${tenant().tenantId} on ${emu.origin}`);
        await emulator("admin", "set", "security-defaults", "off");
        console.log(`   An admin switched security defaults off in the portal (isEnabled: ${tenant().securityDefaults.isEnabled}).`);

        // The provider's credentials come from the environment, as in a pipeline; nothing goes into state.
        const ws = new PulumiWorkspace({ projectDir: REPO_ROOT, workDir: path.join(dir, "pulumi"), env: emu.env(APPS.provider) });
        const stack = "demo";
        await ws.initStack(stack, {}, { "m365-mfa:baseline": { securityDefaults: { enabled: true } } });
        console.log(`   Stack "${stack}" declares: m365-mfa:baseline.securityDefaults.enabled = true`);

        step("pulumi preview");
        let r = await ws.preview(stack);
        show(r);
        expect(r.code === 0 && /\+ .*SecurityDefaults/.test(r.output), "preview shows security defaults to be brought under management");

        step("The same preview as a pull-request comment: npm run pr-summary");
        const cfg = ["--stack", stack, "--config-file", ws.configFile(stack)];
        r = await ws.cli(["pr-summary", ...cfg]);
        show(r);
        expect(r.code === 0 && /### Security defaults/.test(r.stdout), "a readable summary for reviewers");

        step("pulumi up");
        r = await ws.up(stack);
        show(r);
        expect(r.code === 0 && tenant().securityDefaults.isEnabled, "the tenant now has security defaults on");

        step("pulumi preview --expect-no-changes");
        r = await ws.preview(stack, "--expect-no-changes");
        expect(r.code === 0, "no changes left: no perpetual diff");

        step("Someone switches security defaults off in the Entra admin portal: npm run emulator -- admin set security-defaults off");
        await emulator("admin", "set", "security-defaults", "off");
        console.log(`   isEnabled in the tenant: ${tenant().securityDefaults.isEnabled}`);

        step("Scheduled drift check: npm run drift (0 = matches, 2 = drifted, 1 = the check failed)");
        r = await ws.cli(["drift", ...cfg, "--report-dir", path.join(dir, "drift")]);
        show(r);
        expect(
            r.code === 2 && /\| isEnabled \| true \| false \|/.test(r.stdout),
            `drift caught (exit code ${r.code}): isEnabled expected true, found false`,
        );
        expect(
            new RegExp(
                "## Who changed it[\\s\\S]*\\| Security defaults \\(`tenant-security-defaults`\\) \\| \\S+ \\| " +
                    "\\*\\*portal-admin\\*\\* \\(app\\) \\| Update security defaults \\|",
            ).test(r.stdout),
            "who changed it and when: the portal admin",
        );
        expect(
            /\*\*m365-mfa-provider\*\* \(this stack's app: m365-mfa's own write\)/.test(r.stdout),
            "the stack's own earlier write (pulumi up) told apart from the portal admin's",
        );
        expect(!tenant().securityDefaults.isEnabled, "the check changed nothing in the tenant");
        r = await ws.refresh(stack, "--preview-only", "--expect-no-changes");
        expect(r.code !== 0, `plain pulumi refresh --preview-only --expect-no-changes agrees (exit code ${r.code})`);

        step("Repair, keeping the evidence: npm run drift -- --remediate (4 = drift found and repaired)");
        const remediated = path.join(dir, "remediated");
        r = await ws.cli(["drift", ...cfg, "--report-dir", remediated, "--remediate"]);
        show(r);
        expect(
            r.code === 4 && tenant().securityDefaults.isEnabled,
            `security defaults restored (exit code ${r.code}: drift found and repaired)`,
        );
        const kept = fs.readFileSync(path.join(remediated, "drift-report.md"), "utf8");
        expect(
            /\*\*Repaired\*\*/.test(kept) && /\| isEnabled \| true \| false \|/.test(kept) && /\*\*portal-admin\*\* \(app\)/.test(kept),
            `the report keeps what drifted, who and when (${path.relative(process.cwd(), remediated)}/drift-report.md)`,
        );

        step("Drift check again");
        r = await ws.cli(["drift", ...cfg, "--report-dir", path.join(dir, "drift")]);
        expect(r.code === 0, "the tenant matches the stack (exit code 0)");
    } finally {
        fs.rmSync(path.join(stateDir, RUNNING_FILE), { force: true });
        await emu.stop();
    }
    console.log(
        failures
            ? `\n${failures} step(s) did not behave as expected.`
            : `\nDemo complete. Stack files are in ${path.relative(process.cwd(), dir)}.`,
    );
    process.exit(failures ? 1 : 0);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
