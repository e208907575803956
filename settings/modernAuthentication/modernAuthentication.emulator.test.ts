/**
 * The modern authentication provider (Exchange Online OAuth2ClientProfileEnabled) against the
 * tenant emulator, with the real @azure/identity and the Exchange admin API client: create, no-op,
 * update, drift read, delete, check, permissions, sign-in failures and faults.
 */
import * as assert from "node:assert";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { modernAuthentication } from "./setting";

describe("emulator: modern authentication provider", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;

    const providerAs = (app: string = APPS.provider, overrides: Record<string, string> = {}) =>
        new SettingProvider(modernAuthentication, { verifyDelayMs: 50 }, () => clientsAs(emu, app, overrides));
    const live = () => emu.defaultTenant().exchange.organization.oauth2ClientProfileEnabled;
    const invokeCalls = () => emu.requests.filter((r) => r.path.endsWith("/InvokeCommand"));
    /** Set-* calls that reached Exchange (the request log marks Set/New/Remove as writes). */
    const writes = () => invokeCalls().filter((r) => r.write);
    /** A change made by an administrator in the Exchange admin center: another app, not m365-mfa. */
    const setLive = (enabled: boolean) =>
        clientsAs(emu, APPS.portal).exchange.invoke("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: enabled });

    useEmulator((e) => (emu = e));
    beforeEach(() => {
        emu.faults = {};
    });

    it("create turns modern authentication on and verifies it; the id names the tenant", async () => {
        await setLive(false);
        const before = writes().length;
        const r = await providerAs().create({ enabled: true });
        assert.strictEqual(live(), true);
        assert.strictEqual(writes().length, before + 1, "exactly one Set-OrganizationConfig by the provider");
        assert.strictEqual(writes().at(-1)!.appId, emu.app(APPS.provider).appId);
        assert.strictEqual(r.id, `${emu.defaultTenant().tenantId}/modernAuthentication`);
        assert.deepStrictEqual(r.outs, {
            enabled: true,
            organizationName: emu.defaultTenant().exchange.organization.name,
            tenantId: emu.defaultTenant().tenantId,
        });
    });

    it("create on a tenant that already matches writes nothing", async () => {
        await setLive(true);
        const before = writes().length;
        await providerAs().create({ enabled: true });
        assert.strictEqual(writes().length, before);
    });

    it("update turns it off; diff reports changes only when desired and recorded state differ", async () => {
        await setLive(true);
        const p = providerAs();
        assert.deepStrictEqual(await p.diff("id", { enabled: true, organizationName: "x" }, { enabled: true }), { changes: false });
        assert.deepStrictEqual(await p.diff("id", { enabled: true }, { enabled: false }), { changes: true });
        const r = await p.update("id", { enabled: true }, { enabled: false });
        assert.strictEqual(live(), false);
        assert.strictEqual(r.outs!.enabled, false);
    });

    it("read reports a change made in the admin center as the live state, in outputs and inputs", async () => {
        await setLive(false);
        await setLive(true);
        const r = await providerAs().read("id", { enabled: false });
        assert.strictEqual(r.props!.enabled, true);
        assert.deepStrictEqual(r.inputs, { enabled: true });
        assert.strictEqual(writes().at(-1)!.appId, emu.app(APPS.portal).appId, "the drift was made by the portal app");
    });

    it("delete stops managing and leaves the tenant as it is", async () => {
        await setLive(false);
        const before = emu.requests.length;
        await providerAs().delete("id", { enabled: false });
        assert.strictEqual(live(), false);
        assert.strictEqual(emu.requests.length, before, "delete makes no call");
        await setLive(true);
    });

    it("check rejects bad input per property, with the fix, before any call", async () => {
        const before = emu.requests.length;
        const r = await providerAs().check({}, { enabled: "yes", isEnabled: true });
        assert.deepStrictEqual(r.failures!.map((f) => f.property).sort(), ["enabled", "isEnabled"]);
        const reason = r.failures!.find((f) => f.property === "enabled")!.reason;
        assert.match(reason, /^Modern authentication: enabled must be true or false \(true turns on modern authentication .*\), got "yes"/);
        assert.match(
            r.failures!.find((f) => f.property === "isEnabled")!.reason,
            /isEnabled is not a known property; did you mean enabled\? \(known: enabled\)/,
        );
        const ok = await providerAs().check({}, { enabled: false });
        assert.deepStrictEqual(ok.failures, []);
        assert.deepStrictEqual(ok.inputs, { enabled: false });
        assert.strictEqual(emu.requests.length, before);
    });

    it("a missing Exchange permission fails before any cmdlet and names Exchange.ManageAsApp and the role", async () => {
        await setLive(false);
        const before = invokeCalls().length;
        await assert.rejects(providerAs(APPS.reader).create({ enabled: true }), (err: Error) => {
            assert.match(err.message, /^Modern authentication: the app registration cannot read this setting/);
            assert.match(err.message, /Grant the Office 365 Exchange Online application permission Exchange\.ManageAsApp/);
            assert.match(err.message, /plus the Exchange Administrator role for the app's service principal/);
            assert.match(err.message, /The token carries: no application permissions\./, "the Exchange token's roles, not Graph's");
            assert.doesNotMatch(err.message, /Microsoft Graph application permission/);
            return true;
        });
        assert.strictEqual(invokeCalls().length, before, "no InvokeCommand at all");
        assert.strictEqual(live(), false);
        await setLive(true);
    });

    it("Exchange's own 403 is explained with the permission and the role too", async () => {
        await setLive(false);
        // Bypass the preflight as if the token's roles could not be read: Exchange answers 403 itself.
        const clients = clientsAs(emu, APPS.reader);
        (clients.exchange.tokens as any).grantedRoles = async () => undefined;
        const p = new SettingProvider(modernAuthentication, {}, () => clients);
        await assert.rejects(p.create({ enabled: true }), (err: Error) => {
            assert.match(err.message, /Grant the Office 365 Exchange Online application permission Exchange\.ManageAsApp/);
            assert.match(err.message, /Get-OrganizationConfig answered 403 Forbidden/);
            return true;
        });
        assert.strictEqual(live(), false);
        await setLive(true);
    });

    it("a wrong client secret gives Entra's 401 reason and never the secret", async () => {
        const wrong = "not-the-secret-Xy7~abcdefghijklmnop";
        await assert.rejects(providerAs(APPS.provider, { AZURE_CLIENT_SECRET: wrong }).read("id", { enabled: true }), (err: Error) => {
            assert.match(err.message, /AADSTS7000215: Invalid client secret provided/);
            assert.match(err.message, /could not get a token for https:\/\/outlook\.office365\.com/);
            assert.ok(!err.message.includes(wrong), "secret in message");
            assert.ok(!(err.stack ?? "").includes(wrong), "secret in stack");
            return true;
        });
    });

    it("converges through throttling (429 with Retry-After) and 503s", async () => {
        await setLive(false);
        emu.faults = {
            next: [
                { kind: "429", count: 2, match: "InvokeCommand" },
                { kind: "503", count: 1, match: "InvokeCommand" },
            ],
            retryAfterSeconds: 1,
        };
        const before = invokeCalls().length;
        await providerAs().create({ enabled: true });
        assert.strictEqual(live(), true);
        const statuses = invokeCalls()
            .slice(before)
            .map((r) => r.status);
        assert.deepStrictEqual(statuses.slice(0, 3), [429, 429, 503]);
        assert.ok(statuses.slice(3).every((s) => s === 200));
    });

    it("converges through a dropped connection", async () => {
        await setLive(false);
        emu.faults = { next: [{ kind: "drop", count: 1, match: "InvokeCommand" }] };
        await providerAs().create({ enabled: true });
        assert.strictEqual(live(), true);
        assert.ok(invokeCalls().some((r) => r.status === "dropped"));
    });

    it("a dropped Set-OrganizationConfig is sent again (it is idempotent) and the result is verified", async () => {
        await setLive(false);
        const clients = clientsAs(emu);
        // Drop exactly the write: let the provider's first read through, then arm the fault.
        const realInvoke = clients.exchange.invoke.bind(clients.exchange);
        (clients.exchange as any).invoke = async (cmdlet: string, params: any, opts: any) => {
            if (cmdlet === "Set-OrganizationConfig") {
                emu.faults = { next: [{ kind: "drop", count: 1, match: "InvokeCommand" }] };
            }
            return realInvoke(cmdlet, params, opts);
        };
        const p = new SettingProvider(modernAuthentication, { verifyDelayMs: 50 }, () => clients);
        const before = invokeCalls().length;
        await p.create({ enabled: true });
        assert.strictEqual(live(), true);
        const calls = invokeCalls().slice(before);
        assert.deepStrictEqual(
            calls.map((c) => [c.write, c.status]),
            [
                [false, 200], // Get-OrganizationConfig
                [false, "dropped"], // the Set, dropped before Exchange saw it (logged without a cmdlet)
                [true, 200], // the Set, sent again
                [false, 200], // verify
            ],
        );
    });

    it("signs in again when a token expires before its stated lifetime", async () => {
        await setLive(false);
        emu.faults = { tokenExpiresEarlySeconds: 1 };
        const p = providerAs();
        await p.read("id", { enabled: true }); // caches a token that claims an hour but dies in a second
        await new Promise((r) => setTimeout(r, 1500));
        emu.faults = {};
        await p.create({ enabled: true });
        assert.strictEqual(live(), true);
        assert.ok(
            invokeCalls().some((r) => r.status === 401),
            "the expired token was refused once",
        );
    });

    it("a persistent outage ends with an honest error, and a rerun converges", async () => {
        await setLive(false);
        emu.faults = { rate5xx: 1 };
        const started = Date.now();
        await assert.rejects(
            providerAs(APPS.provider, { M365_MFA_RETRY_BUDGET_SECONDS: "3" }).create({ enabled: true }),
            new RegExp(
                "Modern authentication: create failed: gave up running Get-OrganizationConfig in Exchange Online " +
                    String.raw`after \d+ attempts over [\d.]+ s \(the retry budget is 3\.0 s: stack config ` +
                    String.raw`m365-mfa:retryBudgetSeconds or M365_MFA_RETRY_BUDGET_SECONDS\); the last answer: Exchange Online ` +
                    String.raw`POST \/adminapi\/beta\/[^/]+\/InvokeCommand Get-OrganizationConfig answered 503 ` +
                    "serviceNotAvailable.*run pulumi up again to resume",
            ),
        );
        assert.ok(Date.now() - started < 10_000, "bounded by the retry budget");
        emu.faults = {};
        assert.strictEqual(live(), false);
        await providerAs().create({ enabled: true });
        assert.strictEqual(live(), true);
    });
});
