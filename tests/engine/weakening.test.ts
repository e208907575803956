/**
 * Issue #21 through the real engine (and the real azuread plugin for Conditional Access), against the
 * emulator: weakening is judged from the tenant as read at preview, said first in the preview and the
 * PR comment, and refused until a confirmation names it; switching Conditional Access on asks for a
 * confirmation bound to the change, with readiness; creates show the tenant's from-values; per-user
 * rows are what the guard counts; a refused comment shows what its confirmations would cover; the
 * lists the preview writes are in the full list and no temporary file is left; migration stage 3
 * beside an explicit perUserMfa is refused with the fix; migration stage 1 warns about the users
 * still on SMTP AUTH.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { clientsAs, portal, startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

const BREAK_GLASS = ["breakglass1@contoso.onmicrosoft.com"];
const CONFIGS = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations";
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("engine: no silent weakening, the tenant's from-values (issue #21)", function () {
    this.timeout(900_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const dir = () => emu.directory();
    const writes = () => emu.requests.filter((r) => r.write && r.method !== "GET").length;
    const summary = async (stack: string, ...args: string[]) => {
        const out = path.join(tmp, `${stack}-comment.md`);
        // The runner's temporary directory of its own, so that what the command leaves there is seen (and no other run's).
        fs.mkdirSync(runnerTmp(), { recursive: true });
        const r = await ws.cli(["pr-summary", "--stack", stack, "--config-file", ws.configFile(stack), "--out", out, ...args], {
            TMPDIR: runnerTmp(),
        });
        return { ...r, md: fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "" };
    };
    const runnerTmp = () => path.join(tmp, "runner-tmp");
    const reviewDirs = () => {
        fs.mkdirSync(runnerTmp(), { recursive: true });
        return new Set(fs.readdirSync(runnerTmp()).filter((d) => d.startsWith("m365-mfa-review-")));
    };

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-weak-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        dir().seed(120, 7);
        ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: { ...emu.env(APPS.provider), ...emu.azureadEnv(APPS.provider) },
        });
        assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, true, "a tenant on security defaults");
    });
    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it(
        "item 1 and 4: the conditional-access preset leaves security defaults on while its policies are report-only; new " +
            "policies show state, grant and exclusions by name",
        async () => {
            const stack = "ca-preset";
            await ws.initStack(stack, {}, { "m365-mfa:baseline": { preset: "conditional-access", breakGlassAccounts: BREAK_GLASS } });
            const before = writes();
            const r = await summary(stack);
            assert.strictEqual(r.code, 0, r.output);
            assert.doesNotMatch(r.md, /### Security defaults/, "security defaults are not touched by report-only Conditional Access");
            assert.doesNotMatch(r.md, /Weakens security/);
            assert.doesNotMatch(r.md, /### Other resources/, "the policies are shown, not listed as other resources");
            for (const name of ["tenant-require-mfa-policy", "tenant-legacy-authentication-policy"]) {
                const section = r.md.slice(r.md.indexOf(`(\`${name}\`): create`));
                assert.ok(r.md.includes(`(\`${name}\`): create`), r.md);
                assert.match(section, /\| state \| enabledForReportingButNotEnforced \|/);
                assert.match(
                    section,
                    new RegExp(`\\| excludedUsers \\| \\["${esc(BREAK_GLASS[0])}"\\] \\|`),
                    "excluded users by name, not object id",
                );
            }
            assert.match(r.md, /\| grantControls \| mfa \|/);
            assert.match(r.md, /\| grantControls \| block \|/);
            assert.match(
                r.md,
                new RegExp(
                    String.raw`\| field \| from \(the tenant now\) \| to \|\n\|---\|---\|---\|\n\| state \| \(no such policy\) ` +
                        String.raw`\| enabledForReportingButNotEnforced \|`,
                ),
            );
            assert.strictEqual(writes(), before, "a PR preview writes nothing");
        },
    );

    it(
        "items 1, 3, 4 and 6: security defaults off with only the MFA policy enforced is a weakening: said first, refused until " +
            "a confirmation names it; the CA confirmation names its users and lists who breaks",
        async () => {
            const stack = "ca-weak";
            const baseline = (confirm: string[]) => ({
                preset: "conditional-access",
                breakGlassAccounts: BREAK_GLASS,
                conditionalAccessMfa: { mode: "on" },
                ...(confirm.length ? { guards: { confirm } } : {}),
            });
            await ws.initStack(stack, {}, { "m365-mfa:baseline": baseline([]) });
            // In the preview itself.
            const preview = await ws.preview(stack);
            assert.notStrictEqual(preview.code, 0, preview.output);
            assert.match(
                preview.output,
                new RegExp(
                    String.raw`Security defaults: this plan WEAKENS security \(the tenant as read now\): security defaults ` +
                        "switched off while no enforced Conditional Access policy replaces them: legacy authentication is " +
                        "no longer blocked",
                ),
            );
            const weak = /weakens:security-defaults:[0-9a-f]{8}/.exec(preview.output)?.[0];
            assert.ok(weak, preview.output);
            // In the PR comment: first, then what the confirmations would cover.
            const before = reviewDirs();
            const r = await summary(stack, "--full-list", path.join(tmp, "ca-weak-full.md"));
            assert.strictEqual(r.code, 1, r.output);
            const first = r.md.split("\n").slice(0, 6).join("\n");
            assert.match(first, /### ⚠️ Weakens security/, `the weakening is the first thing the comment says:\n${r.md}`);
            assert.ok(r.md.indexOf(weak) < r.md.indexOf("### Security defaults"), "its confirmation is named before the settings");
            assert.match(
                r.md,
                new RegExp(
                    "### Security defaults \\(`tenant-security-defaults`\\): create\\n\\n\\| field \\| from \\(the tenant " +
                        "now\\) \\| to \\|\\n\\|---\\|---\\|---\\|\\n\\| isEnabled \\| true \\| false \\|",
                ),
            );
            const users = [...dir().users.values()].filter((u) => !BREAK_GLASS.includes(u.userPrincipalName.toLowerCase())).length;
            const mfaToken = new RegExp(`conditional-access-mfa:${users}:[0-9a-f]{8}`).exec(r.md)?.[0];
            assert.ok(mfaToken, `switching the MFA policy on names its users (count and digest):\n${r.md}`);
            assert.match(
                r.md,
                /Will break: \d+ users? still sign in with legacy protocols|Asked to register: \d+ users? have no MFA method/,
                "readiness of the users it starts to apply to",
            );
            assert.match(r.md, /What these confirmations would cover: \*\*\d+ settings change\*\*/);
            assert.deepStrictEqual(
                [...reviewDirs()].filter((d) => !before.has(d)),
                [],
                "no temporary folder is left",
            );
            // Both confirmations: the preview passes.
            await ws.setConfigObject(stack, "m365-mfa:baseline", baseline([weak, mfaToken]));
            const ok = await ws.preview(stack);
            assert.strictEqual(ok.code, 0, ok.output);
            assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, true, "nothing was applied");
        },
    );

    it("item 2: enabling SMS or disabling FIDO2 weakens and is refused until named; disabling SMS does not", async () => {
        await portal(emu).patch(`${CONFIGS}/sms`, {
            "@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration",
            state: "disabled",
        });
        await portal(emu).patch(`${CONFIGS}/fido2`, {
            "@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
            state: "enabled",
        });
        await portal(emu).patch(`${CONFIGS}/voice`, {
            "@odata.type": "#microsoft.graph.voiceAuthenticationMethodConfiguration",
            state: "enabled",
        });
        // The engine stops at the first refusal: one stack each.
        await ws.initStack("sms-on", {}, { "m365-mfa:baseline": { authenticationMethods: { methods: { sms: { state: "enabled" } } } } });
        const sms = await ws.preview("sms-on");
        assert.notStrictEqual(sms.code, 0, sms.output);
        assert.match(sms.output, /sms: this plan WEAKENS security \(the tenant as read now\): sms switched on/);
        const token = /weakens:method-sms:[0-9a-f]{8}/.exec(sms.output)?.[0];
        assert.ok(token, sms.output);
        await ws.setConfigObject("sms-on", "m365-mfa:baseline", {
            authenticationMethods: { methods: { sms: { state: "enabled" } } },
            guards: { confirm: [token] },
        });
        assert.strictEqual((await ws.preview("sms-on")).code, 0, "confirmed by name, it may go ahead");
        await ws.initStack(
            "fido2-off",
            {},
            { "m365-mfa:baseline": { authenticationMethods: { methods: { fido2: { state: "disabled" } } } } },
        );
        const fido2 = await ws.preview("fido2-off");
        assert.notStrictEqual(fido2.code, 0, fido2.output);
        assert.match(
            fido2.output,
            /fido2: this plan WEAKENS security \(the tenant as read now\): fido2 switched off: a phishing-resistant method/,
        );
        const strong = "methods-strong";
        await ws.initStack(strong, {}, { "m365-mfa:baseline": { authenticationMethods: { methods: { voice: { state: "disabled" } } } } });
        const r = await summary(strong);
        assert.strictEqual(r.code, 0, r.output);
        assert.doesNotMatch(r.md, /Weakens security/, "switching voice off is what ScubaGear and Maester recommend");
        assert.match(r.md, /\| state \| enabled \| disabled \|/, "the create's from-value is the tenant's");
    });

    it("item 1: migration stage 1 turning SMTP AUTH off warns about the users still signing in with it", async () => {
        await clientsAs(emu, APPS.portal).exchange.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        const since = Date.now() - 30 * 24 * 3600 * 1000;
        const smtp = [
            ...new Set(
                dir()
                    .signIns()
                    .filter((s) => s.clientAppUsed === "Authenticated SMTP" && s.at >= since)
                    .map((s) => s.userPrincipalName.toLowerCase()),
            ),
        ].sort();
        assert.ok(smtp.length > 0, "the seeded tenant has SMTP AUTH users");
        const stack = "stage1";
        await ws.initStack(
            stack,
            {},
            { "m365-mfa:baseline": { preset: "per-user-mfa-to-conditional-access", migrationStage: 1, breakGlassAccounts: BREAK_GLASS } },
        );
        const r = await summary(stack);
        assert.strictEqual(r.code, 0, r.output);
        assert.match(
            r.md,
            new RegExp(
                `SMTP AUTH off for the organisation: ${smtp.length} users? still sign in with Authenticated SMTP and will stop working`,
            ),
        );
        assert.ok(r.md.includes(smtp[0]), `${smtp[0]} is named`);
        assert.match(
            r.md,
            /Exchange authentication policy "m365-mfa: block basic authentication" blocking basic authentication for the organisation/,
        );
        assert.match(r.md, /\| disabledForOrganization \| false \| true \|/, "SMTP AUTH's from-value is the tenant's");
    });

    it("item 8: migration stage 3 beside an explicit perUserMfa that keeps it on is refused with the fix", async () => {
        const stack = "stage3";
        const someone = [...dir().users.values()].find((u) => u.userType === "Member" && !u.breakGlass)!.userPrincipalName;
        await ws.initStack(
            stack,
            {},
            {
                "m365-mfa:baseline": {
                    preset: "per-user-mfa-to-conditional-access",
                    migrationStage: 3,
                    breakGlassAccounts: BREAK_GLASS,
                    perUserMfa: { assignments: [{ state: "enforced", users: [someone] }] },
                },
            },
        );
        const r = await ws.preview(stack);
        assert.notStrictEqual(r.code, 0, r.output);
        assert.match(
            r.output,
            new RegExp(
                String.raw`m365-mfa:baseline\.perUserMfa keeps per-user MFA on for some users.*migrationStage 3.*would ` +
                    String.raw`change nothing\. Remove m365-mfa:baseline\.perUserMfa`,
            ),
        );
    });

    it(
        "items 5, 6 and 7: per-user rows from the tenant (disabled -> enforced); a refused plan shows its table; lists in the " +
            "full list, no temporary file left",
        async () => {
            const stack = "pum";
            const group = (name: string) => [...dir().groups.values()].find((g) => g.displayName === name)!;
            const finance = group("Department - Finance");
            await ws.initStack(
                stack,
                {},
                {
                    "m365-mfa:baseline": {
                        breakGlassAccounts: BREAK_GLASS,
                        perUserMfa: { assignments: [{ state: "enforced", groups: [finance.id] }] },
                        guards: { maxUserChangeShare: 1 },
                    },
                },
            );
            assert.strictEqual((await ws.up(stack)).code, 0);
            // Users the stack did not manage, disabled in the tenant: disabled -> enforced, as the guard counts them.
            const sales = group("Department - Sales");
            const newcomers = dir()
                .transitiveUsers(sales.id)
                .filter(
                    (u) =>
                        u.perUserMfaState === "disabled" &&
                        !dir()
                            .transitiveUsers(finance.id)
                            .some((f) => f.id === u.id),
                );
            assert.ok(newcomers.length > 1);
            await ws.setConfigObject(stack, "m365-mfa:baseline", {
                breakGlassAccounts: BREAK_GLASS,
                perUserMfa: { assignments: [{ state: "enforced", groups: [finance.id, sales.id] }] },
                guards: { maxUserChangeShare: 1 },
            });
            const r = await summary(stack);
            assert.strictEqual(r.code, 0, r.output);
            assert.doesNotMatch(r.md, /not managed/);
            assert.match(r.md, new RegExp(`\\| disabled \\| enforced \\| ${newcomers.length} \\|`));
            assert.match(r.md, new RegExp(`· ${newcomers.length} users change MFA state`), "headline and table agree with the guard");

            // Refused by the blast-radius guard: the comment still shows the per-user table the confirmation covers.
            const big = "pum-guard";
            await ws.initStack(
                big,
                {},
                { "m365-mfa:baseline": { breakGlassAccounts: BREAK_GLASS, perUserMfa: { assignments: [], allOtherUsers: "enforced" } } },
            );
            const moving = [...dir().users.values()].filter(
                (u) => !BREAK_GLASS.includes(u.userPrincipalName.toLowerCase()) && u.perUserMfaState === "disabled",
            );
            const before = reviewDirs();
            const full = path.join(tmp, "pum-full.md");
            const g = await summary(big, "--full-list", full);
            assert.strictEqual(g.code, 1, g.output);
            assert.match(g.md, /add "per-user-mfa:\d+:[0-9a-f]{8}" to m365-mfa:baseline\.guards\.confirm/);
            assert.match(g.md, new RegExp(`\\| disabled \\| enforced \\| ${moving.length} \\|`), `the table of the refused plan:\n${g.md}`);
            assert.match(g.md, /A guard refused this plan until it is confirmed/);
            // The readiness lists the comment refers to are in the full list, not in a temporary folder.
            assert.doesNotMatch(g.md, new RegExp(esc(runnerTmp())), "no temporary path in the comment");
            assert.deepStrictEqual(
                fs.readdirSync(runnerTmp()).filter((d) => d.startsWith("m365-mfa")),
                [],
                "nothing of m365-mfa's is left in the runner's temporary directory",
            );
            assert.match(g.md, /the full list, `pum-full\.md` \(list \d+: users who/);
            const list = fs.readFileSync(full, "utf8");
            assert.match(list, /## list 1: users who/);
            for (const u of moving.slice(0, 3))
                assert.ok(list.includes(u.userPrincipalName.toLowerCase()), `${u.userPrincipalName} in the full list`);
            assert.deepStrictEqual(
                [...reviewDirs()].filter((d) => !before.has(d)),
                [],
                "no temporary folder is left",
            );
        },
    );
});
