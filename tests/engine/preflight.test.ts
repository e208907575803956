/**
 * Permission preflight at preview, through the real engine: every missing Graph and Exchange
 * permission is reported at once, before anything is written.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

describe("engine: permission preflight at preview", function () {
    this.timeout(300_000);
    let tmp: string;
    let emu: RunningEmulator;

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-pre-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
    });
    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("lists every missing permission of a read-only app at once and writes nothing", async () => {
        const ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: emu.env(APPS.reader),
        });
        await ws.initStack(
            "reader",
            {},
            {
                "m365-mfa:baseline": {
                    breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"],
                    securityDefaults: { enabled: true },
                    modernAuthentication: { enabled: true },
                    perUserMfa: { assignments: [{ state: "enforced", users: ["breakglass2@contoso.onmicrosoft.com"] }] },
                },
            },
        );
        const before = emu.requests.filter((r) => r.write).length;
        const r = await ws.preview("reader");
        assert.notStrictEqual(r.code, 0);
        assert.match(r.output, /the app registration lacks \d+ permission\(s\) this baseline needs; nothing was changed/);
        for (const expected of [
            /Security defaults \(write\): grant the Microsoft Graph application permission Policy\.ReadWrite\.SecurityDefaults/,
            /Per-user MFA \(write\): grant the Microsoft Graph application permission Policy\.ReadWrite\.AuthenticationMethod/,
            /Per-user MFA \(users\): grant the Microsoft Graph application permission User\.Read\.All/,
            /Readiness \(sign-in logs, registration report\): grant the Microsoft Graph application permission AuditLog\.Read\.All/,
            /Modern authentication \(read\): grant the Office 365 Exchange Online application permission Exchange\.ManageAsApp/,
        ]) {
            assert.match(r.output, expected);
        }
        assert.strictEqual(emu.requests.filter((x) => x.write).length, before);
        assert.ok(
            !emu.requests.some((x) => x.path.includes("/authentication/requirements")),
            "no resource was even read: the preflight stopped the plan first",
        );
    });
});
