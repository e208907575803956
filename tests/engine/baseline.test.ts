/**
 * The rest of the baseline through the real engine: modern authentication (Exchange Online) and the
 * authentication methods policy (campaign, migration, method configurations), applied from a tenant
 * that differs, no perpetual diff, portal drift caught by the drift command and repaired.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { clientsAs, portal, startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

const METHODS = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations";
let SCANNER = "";

describe("engine: Exchange settings and the authentication methods policy", function () {
    this.timeout(300_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const stack = "base";
    const graph = () => clientsAs(emu, APPS.provider).graph;
    const exchange = () => clientsAs(emu, APPS.provider).exchange;
    const orgConfig = async () => (await exchange().invoke("Get-OrganizationConfig", {}))[0];
    const method = (id: string) => graph().get(`${METHODS}/${id}`);

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-base-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        // Someone once switched modern authentication off (it is on by default), and SMTP AUTH on.
        await clientsAs(emu, APPS.portal).exchange.invoke("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: false });
        await clientsAs(emu, APPS.portal).exchange.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        SCANNER = emu.defaultTenant().exchange!.mailboxes.find((m) => m.alias === "scanner")!.primarySmtpAddress;
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
                    modernAuthentication: { enabled: true },
                    smtpAuth: { disabledForOrganization: true, exceptions: [SCANNER] },
                    exchangeAuthenticationPolicy: { name: "Block Basic Auth", allowBasicAuth: { Smtp: true }, organizationDefault: true },
                    authenticationMethods: {
                        policy: {
                            registrationCampaign: {
                                state: "enabled",
                                snoozeDurationInDays: 1,
                                includeTargets: [
                                    { id: "all_users", targetType: "group", targetedAuthenticationMethod: "microsoftAuthenticator" },
                                ],
                            },
                            policyMigrationState: "migrationComplete",
                        },
                        methods: {
                            microsoftAuthenticator: {
                                state: "enabled",
                                featureSettings: {
                                    displayAppInformationRequiredState: { state: "enabled" },
                                    displayLocationInformationRequiredState: { state: "enabled" },
                                },
                            },
                            sms: { state: "disabled" },
                            voice: { state: "disabled" },
                            temporaryAccessPass: { state: "enabled", defaultLifetimeInMinutes: 60, isUsableOnce: true },
                        },
                    },
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

    it("pulumi up applies every member; the next preview has no changes", async () => {
        const r = await ws.up(stack);
        assert.strictEqual(r.code, 0, r.output);
        assert.strictEqual((await orgConfig()).OAuth2ClientProfileEnabled, true);
        assert.strictEqual((await exchange().invoke("Get-TransportConfig", {}))[0].SmtpClientAuthenticationDisabled, true);
        assert.strictEqual((await exchange().invoke("Get-CASMailbox", { Identity: SCANNER }))[0].SmtpClientAuthenticationDisabled, false);
        const authPolicy = (await exchange().invoke("Get-AuthenticationPolicy", { Identity: "Block Basic Auth" }))[0];
        assert.deepStrictEqual(
            [authPolicy.AllowBasicAuthSmtp, authPolicy.AllowBasicAuthImap, authPolicy.AllowBasicAuthPop],
            [true, false, false],
        );
        assert.match(String((await orgConfig()).DefaultAuthenticationPolicy), /Block Basic Auth/);
        const policy = await graph().get("/policies/authenticationMethodsPolicy");
        assert.strictEqual(policy.policyMigrationState, "migrationComplete");
        assert.strictEqual(policy.registrationEnforcement.authenticationMethodsRegistrationCampaign.state, "enabled");
        assert.strictEqual((await method("sms")).state, "disabled");
        assert.strictEqual(
            (await method("microsoftAuthenticator")).featureSettings.displayLocationInformationRequiredState.state,
            "enabled",
        );
        const tap = await method("temporaryAccessPass");
        assert.deepStrictEqual([tap.state, tap.defaultLifetimeInMinutes, tap.isUsableOnce], ["enabled", 60, true]);
        const again = await ws.run(["preview", "--refresh", ...ws.stackArgs(stack), "--expect-no-changes"]);
        assert.strictEqual(again.code, 0, again.output);
    });

    it("portal drift in Exchange and in a method configuration is caught by the drift command and repaired", async () => {
        await clientsAs(emu, APPS.portal).exchange.invoke("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: false });
        await portal(emu).patch(`${METHODS}/sms`, {
            "@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration",
            state: "enabled",
        });
        await clientsAs(emu, APPS.portal).exchange.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        const reports = path.join(tmp, "drift");
        const r = await ws.cli(["drift", "--stack", stack, "--config-file", ws.configFile(stack), "--report-dir", reports]);
        assert.strictEqual(r.code, 2, r.output);
        const report = JSON.parse(fs.readFileSync(path.join(reports, "drift-report.json"), "utf8"));
        const byType = (t: string) => report.settings.filter((s: any) => s.type === t);
        assert.deepStrictEqual(byType("ModernAuthentication")[0].fields, [{ field: "enabled", expected: true, found: false }]);
        const sms = byType("AuthenticationMethodConfiguration").find((s: any) => s.name.endsWith("method-sms"));
        assert.deepStrictEqual(
            sms.fields.map((f: any) => [f.field, f.expected, f.found]),
            [["state", "disabled", "enabled"]],
        );
        assert.strictEqual(byType("AuthenticationMethodConfiguration").length, 1, "only the changed method is reported");
        assert.deepStrictEqual(
            byType("SmtpAuth")[0].fields.map((f: any) => [f.field, f.expected, f.found]),
            [["disabledForOrganization", true, false]],
        );
        assert.strictEqual(byType("AuthenticationPolicy").length, 0, "the untouched policy is not reported");

        const fix = await ws.up(stack, "--refresh");
        assert.strictEqual(fix.code, 0, fix.output);
        assert.strictEqual((await orgConfig()).OAuth2ClientProfileEnabled, true);
        assert.strictEqual((await method("sms")).state, "disabled");
        assert.strictEqual((await exchange().invoke("Get-TransportConfig", {}))[0].SmtpClientAuthenticationDisabled, true);
    });

    it(
        "a step back in the migration state (reversible, as Microsoft documents) is warned about at preview with the tenant's " +
            "value, nothing written",
        async () => {
            const back = "back";
            await ws.initStack(
                back,
                {},
                { "m365-mfa:baseline": { authenticationMethods: { policy: { policyMigrationState: "preMigration" } } } },
            );
            const before = emu.requests.filter((x) => x.write).length;
            const r = await ws.preview(back);
            assert.strictEqual(r.code, 0, r.output);
            assert.match(r.output, /moves policyMigrationState back from "migrationComplete".*to "preMigration"/);
            assert.match(r.output, /2025-09-30/);
            assert.strictEqual(emu.requests.filter((x) => x.write).length, before);
        },
    );
});
