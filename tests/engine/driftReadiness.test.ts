/**
 * The drift check's previews do not assess readiness (issue #27): `m365-mfa drift` runs them with
 * M365_MFA_READINESS=drift-check (pipelines/localEngine.ts DRIFT_CHECK_ENV), through the real engine to
 * the provider. Its report lists what drifted, so a drift whose repair readiness would refuse
 * (`readiness.mode: block`) is reported (exit 2), not a failed check, and nothing is read under the
 * reports limit for it; `drift --remediate`'s `pulumi up` still assesses readiness before enforcing, and
 * refuses the repair.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { clientsAs, portal, startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { assessReadiness } from "../../providers/framework/readinessReport";

describe("engine: the drift check without readiness, its repair with it", function () {
    this.timeout(400_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const stack = "driftready";
    const dir = () => emu.directory();
    const reportReads = () =>
        emu.requests.filter(
            (r) => !r.batched && /\/auditLogs\/signIns|\/reports\/authenticationMethods\/userRegistrationDetails/.test(r.path),
        ).length;
    const cli = (command: string, ...args: string[]) => ws.cli([command, "--stack", stack, "--config-file", ws.configFile(stack), ...args]);
    let victim: string;

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-driftready-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        dir().seed(60, 23);
        await portal(emu).patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
        // Who readiness would flag: users with legacy sign-ins or no MFA method. The stack manages five users it
        // would not flag and one it would (the victim), whom the tenant already enforces: the first up moves nobody flagged.
        const report = await assessReadiness(clientsAs(emu, APPS.provider));
        const flagged = (upn: string) => report.legacy.has(upn) || report.unregistered.has(upn);
        const members = [...dir().users.values()].filter(
            (u) => u.userType === "Member" && !u.breakGlass && u.accountEnabled !== false && !u.roles.length,
        );
        const fine = members.filter((u) => !flagged(u.userPrincipalName.toLowerCase())).slice(0, 5);
        const bad = members.find(
            (u) => report.unregistered.has(u.userPrincipalName.toLowerCase()) && !report.legacy.has(u.userPrincipalName.toLowerCase()),
        )!;
        assert.strictEqual(fine.length, 5, "sanity: five users readiness does not flag");
        assert.ok(bad, "sanity: a user with no MFA method");
        victim = bad.userPrincipalName.toLowerCase();
        dir().updateUser(bad.id, { perUserMfaState: "enforced" });
        ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: emu.env(APPS.provider),
        });
        await ws.initStack(
            stack,
            {},
            {
                "m365-mfa:baseline": {
                    breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"],
                    perUserMfa: {
                        assignments: [{ state: "enforced", users: [...fine.map((u) => u.userPrincipalName), bad.userPrincipalName] }],
                    },
                    readiness: { mode: "block" },
                    guards: { maxUserChangeShare: 1 },
                },
            },
        );
        const up = await ws.up(stack);
        assert.strictEqual(up.code, 0, up.output);
    });

    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it(
        "a portal admin disables a user with no MFA method: the drift check reports it (exit 2) without reading readiness; " +
            "--remediate's up refuses it on readiness",
        async () => {
            const user = [...dir().users.values()].find((u) => u.userPrincipalName.toLowerCase() === victim)!;
            await portal(emu).patch(`/users/${user.id}/authentication/requirements`, { perUserMfaState: "disabled" }, { version: "beta" });

            // Before: the drift check's preview refused on readiness (block) and the command failed with no report.
            const before = reportReads();
            const reports = path.join(tmp, "drift");
            const r = await cli("drift", "--report-dir", reports);
            assert.strictEqual(r.code, 2, r.output);
            const json = JSON.parse(fs.readFileSync(path.join(reports, "drift-report.json"), "utf8"));
            const pum = json.settings.find((s: any) => s.type === "PerUserMfa");
            assert.deepStrictEqual(pum.users, [{ found: "disabled", expected: "enforced", users: [victim] }]);
            assert.strictEqual(
                reportReads() - before,
                0,
                "the drift check's preview read neither the sign-in logs nor the registration report",
            );

            // The repair enforces: its pulumi up assesses readiness and, in block mode, refuses the user with no method.
            const fix = await cli("drift", "--remediate", "--report-dir", path.join(tmp, "remediate"));
            assert.strictEqual(fix.code, 1, fix.output);
            assert.match(fix.output, /remediation failed/);
            assert.match(fix.output, new RegExp(`${victim.replace(/[.]/g, "\\.")}[^\\n]*no MFA method registered`));
            assert.strictEqual(dir().user(user.id)!.perUserMfaState, "disabled", "nothing enforced");
        },
    );
});
