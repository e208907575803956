/**
 * Exchange needs both the Exchange.ManageAsApp permission and an Entra role on the app's service
 * principal (learn.microsoft.com powershell/exchange/app-only-auth-powershell-v2; office-docs-powershell#7970,
 * Microsoft365DSC#4530, maester#718). The emulator answers an app without the role with a 403 whose body
 * is not JSON; the client, the providers and the permission preflight say which role to assign.
 */
import * as assert from "node:assert";
import { MissingExchangeRoleError } from "../../client";
import { missingPermissions, requiredPermissions } from "../../components/preflight";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS, EXCHANGE_ADMINISTRATOR } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { modernAuthentication } from "../../settings/modernAuthentication/setting";
import { useEmulator } from "../support/emulatorSuite";

describe("emulator: Exchange needs an Entra role besides Exchange.ManageAsApp", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    useEmulator((e) => (emu = e), { throttling: { enabled: false } });

    it("the provider and portal apps hold the Exchange Administrator role; the test app holds only the permission", () => {
        assert.deepStrictEqual(emu.app(APPS.provider).directoryRoles, [EXCHANGE_ADMINISTRATOR]);
        assert.deepStrictEqual(emu.app(APPS.portal).directoryRoles, [EXCHANGE_ADMINISTRATOR]);
        assert.deepStrictEqual(emu.app(APPS.exchangeNoRole).exchangeRoles, ["Exchange.ManageAsApp"]);
        assert.deepStrictEqual(emu.app(APPS.exchangeNoRole).directoryRoles, []);
    });

    it("without the role Exchange answers 403 with a body that is not JSON, naming the app", async () => {
        const app = emu.app(APPS.exchangeNoRole);
        const clients = clientsAs(emu, APPS.exchangeNoRole);
        assert.deepStrictEqual(await clients.exchange.tokens.grantedRoles(), ["Exchange.ManageAsApp"]);
        const token = (await clients.exchange.tokens.getToken()).token;
        const res = await fetch(clients.exchange.invokeUrl, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify({ CmdletInput: { CmdletName: "Get-OrganizationConfig", Parameters: {} } }),
        });
        assert.strictEqual(res.status, 403);
        assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
        const text = await res.text();
        assert.throws(() => JSON.parse(text), "not JSON");
        assert.match(text, new RegExp(`^The role assigned to application ${app.appId} isn't supported in this scenario`));
        // The same app with the role gets through.
        emu.store.mutate(() => {
            emu.app(APPS.exchangeNoRole).directoryRoles = ["Global Reader"];
        });
        try {
            assert.strictEqual((await clients.exchange.invoke("Get-OrganizationConfig")).length, 1);
        } finally {
            emu.store.mutate(() => {
                emu.app(APPS.exchangeNoRole).directoryRoles = [];
            });
        }
    });

    it("the client's error names the role to assign and where; the provider passes it on instead of blaming the permission", async () => {
        const err = await clientsAs(emu, APPS.exchangeNoRole)
            .exchange.invoke("Get-OrganizationConfig")
            .then(
                () => assert.fail("Exchange should refuse"),
                (e) => e,
            );
        assert.ok(err instanceof MissingExchangeRoleError, String(err));
        assert.strictEqual(err.status, 403);
        assert.strictEqual(err.transient, false);
        assert.match(err.message, /isn't supported in this scenario/);
        assert.match(
            err.message,
            new RegExp(
                String.raw`assign it the Exchange Administrator role \(Entra admin center > Roles and administrators > ` +
                    "Exchange Administrator > Add assignments",
            ),
        );
        const before = emu.requests.filter((r) => r.write).length;
        const p = new SettingProvider(modernAuthentication, { verifyDelayMs: 20 }, () => clientsAs(emu, APPS.exchangeNoRole));
        await assert.rejects(p.create({ enabled: true }), (e: Error) => {
            assert.match(e.message, /^Modern authentication: create failed: .*Exchange Online .* answered 403/);
            assert.match(
                e.message,
                /needs an Entra role for Exchange besides the Exchange\.ManageAsApp permission: assign it the Exchange Administrator role/,
            );
            assert.doesNotMatch(e.message, /Grant the Office 365 Exchange Online application permission/);
            return true;
        });
        assert.strictEqual(emu.requests.filter((r) => r.write).length, before);
    });

    it("the permission preflight reports the missing role (one read-only call), and nothing for an app that has it", async () => {
        const required = requiredPermissions({ modernAuthentication: { enabled: true } } as any);
        const missing = await missingPermissions(clientsAs(emu, APPS.exchangeNoRole), required);
        assert.strictEqual(missing.length, 1, missing.join("\n"));
        assert.match(
            missing[0],
            new RegExp(
                String.raw`^Exchange Online \(Entra role\): Exchange refused the app although it holds ` +
                    String.raw`Exchange\.ManageAsApp; assign the app's service principal the Exchange Administrator role`,
            ),
        );
        assert.deepStrictEqual(await missingPermissions(clientsAs(emu), required), []);
        // Without the permission itself the hint names both.
        const noPermission = await missingPermissions(clientsAs(emu, APPS.reader), required);
        assert.ok(noPermission.length > 0);
        assert.ok(
            noPermission.every((m) =>
                /Exchange\.ManageAsApp, and assign the app's service principal the Exchange Administrator role/.test(m),
            ),
            noPermission.join("\n"),
        );
    });
});
