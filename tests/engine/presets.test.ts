/**
 * The security-defaults preset through the real engine: applied from an empty stack to a tenant that
 * differs in every member, no perpetual diff, drift in one member caught and repaired. The presets with
 * Conditional Access run through the real azuread plugin in conditionalAccess.test.ts.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { clientsAs, portal, startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

describe("engine: the security-defaults preset", function () {
    this.timeout(300_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const stack = "preset";
    const exo = () => clientsAs(emu, APPS.provider).exchange;

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-preset-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        // A neglected tenant: security defaults off, modern authentication off, SMTP AUTH on.
        await portal(emu).patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
        await clientsAs(emu, APPS.portal).exchange.invoke("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: false });
        await clientsAs(emu, APPS.portal).exchange.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: emu.env(APPS.provider),
        });
        await ws.initStack(stack, {}, { "m365-mfa:baseline": { preset: "security-defaults" } });
    });
    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("applies the whole posture from an empty stack and says which path it took", async () => {
        const r = await ws.up(stack);
        assert.strictEqual(r.code, 0, r.output);
        assert.match(
            r.output,
            new RegExp(
                String.raw`legacy authentication is blocked by security defaults \(no Conditional Access\), with SMTP AUTH ` +
                    "and Exchange basic authentication blocked too",
            ),
        );
        assert.match(r.output, /path\s*:\s*"security-defaults"/);
        assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, true);
        assert.strictEqual((await exo().invoke("Get-OrganizationConfig", {}))[0].OAuth2ClientProfileEnabled, true);
        assert.strictEqual((await exo().invoke("Get-TransportConfig", {}))[0].SmtpClientAuthenticationDisabled, true);
        const policy = (await exo().invoke("Get-AuthenticationPolicy", { Identity: "m365-mfa: block basic authentication" }))[0];
        assert.strictEqual(policy.AllowBasicAuthImap, false);
        assert.strictEqual(policy.AllowBasicAuthSmtp, false);
        const clean = await ws.run(["preview", "--refresh", ...ws.stackArgs(stack), "--expect-no-changes"]);
        assert.strictEqual(clean.code, 0, clean.output);
    });

    it("drift in one member is caught and repaired", async () => {
        await clientsAs(emu, APPS.portal).exchange.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        const drift = await ws.run(["preview", "--refresh", ...ws.stackArgs(stack), "--expect-no-changes", "--diff"]);
        assert.notStrictEqual(drift.code, 0);
        assert.match(drift.output, /SmtpAuth/);
        assert.match(drift.output, /disabledForOrganization\s*:\s*false\s*=>\s*true/);
        const fix = await ws.up(stack, "--refresh");
        assert.strictEqual(fix.code, 0, fix.output);
        assert.strictEqual((await exo().invoke("Get-TransportConfig", {}))[0].SmtpClientAuthenticationDisabled, true);
    });
});
