/**
 * The pipeline commands through the real engine against the emulator: the PR summary of a real
 * preview, and drift detection with its exit codes, reports and remediation.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { portal, startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { DRIFT_REPORT_PERMISSIONS, setAppPermissions } from "@m365-mfa/emulator";
import { securityDefaultsOffConfirmation } from "../../settings/securityDefaults/setting";

describe("engine: PR summary and drift detection", function () {
    this.timeout(300_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const stack = "pipe";
    const dir = () => emu.directory();
    const finance = () => [...dir().groups.values()].find((g) => g.displayName === "Department - Finance")!;
    const writes = () => emu.requests.filter((r) => r.write && r.method !== "GET").length;
    const cli = (command: string, ...args: string[]) => ws.cli([command, "--stack", stack, "--config-file", ws.configFile(stack), ...args]);

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-pipe-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        dir().seed(80, 21);
        await portal(emu).patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
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
                    securityDefaults: { enabled: true },
                    breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"],
                    perUserMfa: { assignments: [{ state: "enforced", groups: [finance().id] }] },
                    guards: { maxUserChangeShare: 1 },
                },
            },
        );
    });

    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("summarises a real preview for a PR: settings, users by state, readiness", async () => {
        const before = writes();
        const out = path.join(tmp, "comment.md");
        const r = await cli("pr-summary", "--out", out);
        assert.strictEqual(r.code, 0, r.output);
        const md = fs.readFileSync(out, "utf8");
        const members = dir()
            .transitiveUsers(finance().id)
            .map((u) => u.userPrincipalName.toLowerCase())
            .sort();
        assert.match(md, /^<!-- m365-mfa-preview -->\n## m365-mfa preview: `pipe`/);
        assert.match(md, /\*\*2 settings change\*\*/);
        // A create's from-value is the tenant's as read at preview (issue #21).
        assert.match(
            md,
            new RegExp(
                "### Security defaults \\(`tenant-security-defaults`\\): create\\n\\n\\| field \\| from \\(the tenant " +
                    "now\\) \\| to \\|\\n\\|---\\|---\\|---\\|\\n\\| isEnabled \\| false \\| true \\|",
            ),
        );
        // Per-user rows: from each user's state in the tenant, as the guard counts them; no row for users already enforced.
        const byFrom = new Map<string, number>();
        for (const u of dir().transitiveUsers(finance().id))
            if (u.perUserMfaState !== "enforced") byFrom.set(u.perUserMfaState, (byFrom.get(u.perUserMfaState) ?? 0) + 1);
        assert.ok(byFrom.size > 0);
        for (const [from, n] of byFrom)
            assert.match(
                md,
                new RegExp(`### Per-user MFA \\(\`tenant-per-user-mfa\`\\): create[\\s\\S]*\\| ${from} \\| enforced \\| ${n} \\|`),
            );
        assert.doesNotMatch(md, /not managed/);
        assert.ok(members.length > 0);
        assert.match(md, /### What could break[\s\S]*Per-user MFA readiness: \d+ of \d+ users this plan moves to MFA would be affected/);
        assert.strictEqual(writes(), before, "a PR preview writes nothing");
    });

    it("drift check: exit 0 and a clean report when the tenant matches", async () => {
        assert.strictEqual((await ws.up(stack)).code, 0);
        const reports = path.join(tmp, "clean");
        const r = await cli("drift", "--report-dir", reports);
        assert.strictEqual(r.code, 0, r.output);
        const json = JSON.parse(fs.readFileSync(path.join(reports, "drift-report.json"), "utf8"));
        assert.strictEqual(json.drifted, false);
        assert.deepStrictEqual(json.settings, []);
        assert.match(fs.readFileSync(path.join(reports, "drift-report.md"), "utf8"), /No drift: the tenant matches what was last applied/);
    });

    it("drift check: exit 2 with expected and found per setting and per user, changing nothing", async () => {
        const victim = dir().transitiveUsers(finance().id)[2];
        // A new emulator state directory grants the provider app the drift report's permissions
        // (AuditLog.Read.All, which readiness needs anyway, and Directory.Read.All): this check is first
        // run without Directory.Read.All, so the audit log may not be read, then with it (the default).
        const tenantId = emu.defaultTenant().tenantId;
        const held = setAppPermissions(emu.store, tenantId, APPS.provider, ["Directory.Read.All"], true);
        assert.ok(!held.graphRoles.includes("Directory.Read.All"), "sanity: Directory.Read.All revoked");
        try {
            await portal(emu).patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
            await portal(emu).patch(
                `/users/${victim.id}/authentication/requirements`,
                { perUserMfaState: "disabled" },
                { version: "beta" },
            );
            const before = writes();
            const reports = path.join(tmp, "drift");
            const r = await cli("drift", "--report-dir", reports);
            assert.strictEqual(r.code, 2, r.output);
            const json = JSON.parse(fs.readFileSync(path.join(reports, "drift-report.json"), "utf8"));
            assert.strictEqual(json.drifted, true);
            const sd = json.settings.find((s: any) => s.type === "SecurityDefaults");
            assert.deepStrictEqual(sd.fields, [{ field: "isEnabled", expected: true, found: false }]);
            assert.strictEqual(sd.kind, "drift");
            const pum = json.settings.find((s: any) => s.type === "PerUserMfa");
            assert.deepStrictEqual(pum.users, [
                { found: "disabled", expected: "enforced", users: [victim.userPrincipalName.toLowerCase()] },
            ]);
            const md = fs.readFileSync(path.join(reports, "drift-report.md"), "utf8");
            assert.match(
                md,
                new RegExp(
                    "## Drift[\\s\\S]*### Security defaults \\(`tenant-security-defaults`\\)\\n\\n\\| field \\| expected " +
                        "\\| found \\|\\n\\|---\\|---\\|---\\|\\n\\| isEnabled \\| true \\| false \\|",
                ),
            );
            assert.strictEqual(writes(), before, "the drift check writes nothing");
            assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, false);

            // Who changed it: the provider app may not read the directory audit log (it needs AuditLog.Read.All
            // and Directory.Read.All), and the report says so; granted both (the default), the report names the portal admin.
            assert.match(
                md,
                new RegExp(
                    String.raw`## Who changed it\n\nNot shown: the app may not read the directory audit log: grant it ` +
                        String.raw`AuditLog\.Read\.All and Directory\.Read\.All`,
                ),
            );
        } finally {
            setAppPermissions(emu.store, tenantId, APPS.provider, DRIFT_REPORT_PERMISSIONS);
        }
        {
            const attributed = path.join(tmp, "drift-who");
            assert.strictEqual((await cli("drift", "--report-dir", attributed)).code, 2);
            const who = fs.readFileSync(path.join(attributed, "drift-report.md"), "utf8");
            assert.match(
                who,
                new RegExp(
                    "## Who changed it[\\s\\S]*\\| Security defaults \\(`tenant-security-defaults`\\) \\| \\S+ \\| " +
                        "\\*\\*portal-admin\\*\\* \\(app\\) \\| Update security defaults \\|",
                ),
            );
            assert.match(
                who,
                new RegExp(
                    `\\| Per-user MFA \\(\`tenant-per-user-mfa\`\\) \\| \\S+ \\| \\*\\*portal-admin\\*\\* \\(app\\) \\| ` +
                        `Disable Strong Authentication \\| ${victim.userPrincipalName.replace(/\./g, "\\.")} \\|`,
                    "i",
                ),
            );
            const whoJson = JSON.parse(fs.readFileSync(path.join(attributed, "drift-report.json"), "utf8"));
            assert.strictEqual(whoJson.attribution.available, true);
        }

        const pr = await cli("pr-summary");
        assert.match(pr.stdout, /\| isEnabled \| false \| true \|/);
        assert.match(
            pr.stdout,
            new RegExp(`\\| disabled \\| enforced \\| 1 \\| ${victim.userPrincipalName.toLowerCase().replace(/\./g, "\\.")} \\|`),
        );
    });

    it("drift --remediate repairs the tenant and exits 4 (drift found and repaired)", async () => {
        const r = await cli("drift", "--report-dir", path.join(tmp, "remediated"), "--remediate");
        assert.strictEqual(r.code, 4, r.output);
        assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, true);
        for (const u of dir().transitiveUsers(finance().id)) {
            assert.strictEqual(u.perUserMfaState, "enforced");
        }
    });

    it(
        "drift means drift: a change in the stack not applied yet is pending (exit 3, its own section), and --remediate will not " +
            "apply it",
        async () => {
            assert.strictEqual((await cli("drift", "--report-dir", path.join(tmp, "pre-pending"))).code, 0, "sanity: clean first");
            const baseline = {
                securityDefaults: { enabled: false },
                breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"],
                perUserMfa: { assignments: [{ state: "enforced", groups: [finance().id] }] },
                // Security defaults off with nothing to replace them weakens the tenant: confirmed by name (issue #21).
                guards: { maxUserChangeShare: 1, confirm: [securityDefaultsOffConfirmation()!] },
            };
            await ws.setConfigObject(stack, "m365-mfa:baseline", baseline);
            try {
                const before = writes();
                const reports = path.join(tmp, "pending");
                const r = await cli("drift", "--report-dir", reports);
                assert.strictEqual(r.code, 3, r.output);
                const json = JSON.parse(fs.readFileSync(path.join(reports, "drift-report.json"), "utf8"));
                assert.strictEqual(json.drifted, false);
                assert.strictEqual(json.pending, true);
                const sd = json.settings.find((x: any) => x.type === "SecurityDefaults");
                assert.strictEqual(sd.kind, "pending");
                const md = fs.readFileSync(path.join(reports, "drift-report.md"), "utf8");
                assert.match(
                    md,
                    /No drift: the tenant matches what was last applied\. 1 setting has a change in the stack that is not applied yet/,
                );
                assert.match(md, /## Pending: in the stack, not applied yet[\s\S]*### Security defaults/);
                // Drift on top of the pending change: exit 2, and remediation refuses (pulumi up would apply the pending change too).
                const victim = dir().transitiveUsers(finance().id)[3];
                await portal(emu).patch(
                    `/users/${victim.id}/authentication/requirements`,
                    { perUserMfaState: "disabled" },
                    { version: "beta" },
                );
                const both = await cli("drift", "--report-dir", path.join(tmp, "both"), "--remediate");
                assert.strictEqual(both.code, 1, both.output);
                assert.match(both.output, /not remediating: the stack also has 1 setting with a change not applied yet \(pending\)/);
                assert.match(
                    fs.readFileSync(path.join(tmp, "both", "drift-report.md"), "utf8"),
                    /## Drift[\s\S]*### Per-user MFA/,
                    "the drift found is written before refusing",
                );
                assert.strictEqual(writes(), before + 1, "only the portal admin's change was written");
                assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, true, "the pending change was not applied");
                await portal(emu).patch(
                    `/users/${victim.id}/authentication/requirements`,
                    { perUserMfaState: "enforced" },
                    { version: "beta" },
                );
            } finally {
                await ws.setConfigObject(stack, "m365-mfa:baseline", { ...baseline, securityDefaults: { enabled: true } });
            }
            assert.strictEqual((await cli("drift", "--report-dir", path.join(tmp, "post-pending"))).code, 0);
        },
    );

    it("a plan refused by a guard still gets a PR comment that says why, and exits 1", async () => {
        const guarded = "pipe-guard";
        const sales = [...dir().groups.values()].find((g) => g.displayName === "Department - Sales")!;
        await ws.initStack(
            guarded,
            {},
            {
                "m365-mfa:baseline": {
                    breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"],
                    perUserMfa: { assignments: [{ state: "enforced", groups: [sales.id] }] },
                },
            },
        );
        const out = path.join(tmp, "guard-comment.md");
        const r = await ws.cli(["pr-summary", "--stack", guarded, "--config-file", ws.configFile(guarded), "--out", out]);
        assert.strictEqual(r.code, 1, r.output);
        const md = fs.readFileSync(out, "utf8");
        assert.match(md, /\*\*The preview failed: nothing can be applied as it stands\.\*\*/);
        assert.match(
            md,
            /### What could break[\s\S]*\*\*error:\*\*[\s\S]*add "per-user-mfa:\d+:[0-9a-f]{8}" to m365-mfa:baseline\.guards\.confirm/,
        );
        // The comment the approver decides in shows the per-user table the confirmation would cover (issue #21).
        const moving = dir()
            .transitiveUsers(sales.id)
            .filter((u) => u.perUserMfaState !== "enforced" && u.userPrincipalName.toLowerCase() !== "breakglass1@contoso.onmicrosoft.com");
        const disabled = moving.filter((u) => u.perUserMfaState === "disabled").length;
        assert.match(md, /A guard refused this plan until it is confirmed/);
        assert.match(
            md,
            new RegExp(`### Per-user MFA \\(\`tenant-per-user-mfa\`\\): create[\\s\\S]*\\| disabled \\| enforced \\| ${disabled} \\|`),
        );
        assert.match(md, new RegExp(`· ${moving.length} users? change MFA state, as below`), "the count the confirmation covers");
    });

    it("drift check: exit 1 when the check itself fails (bad credential), never a false 'clean'", async () => {
        const r = await cli("drift", "--report-dir", path.join(tmp, "failed"));
        assert.strictEqual(r.code, 0, "sanity: clean before breaking the credential");
        const bad = await ws.cli(
            ["drift", "--stack", stack, "--config-file", ws.configFile(stack), "--report-dir", path.join(tmp, "failed2")],
            { AZURE_CLIENT_SECRET: "wrong-secret-for-test" },
        );
        assert.strictEqual(bad.code, 1, bad.output);
        assert.match(bad.output, /AADSTS7000215/);
        assert.ok(!bad.output.includes("wrong-secret-for-test"), "the secret is not printed");
        assert.ok(!fs.existsSync(path.join(tmp, "failed2", "drift-report.json")), "no report claims a result");
    });
});
