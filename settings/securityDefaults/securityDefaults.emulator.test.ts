/**
 * The security defaults provider against the tenant emulator, with the real @azure/identity and
 * Graph SDK: create, no-op, update, drift read, delete, permissions, sign-in failures and faults.
 */
import * as assert from "node:assert";
import { createTenantClients } from "../../client";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs, portal } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { SECURITY_DEFAULTS_PATH, securityDefaults } from "./setting";

describe("emulator: security defaults provider", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;

    const providerAs = (app: string = APPS.provider, overrides: Record<string, string> = {}) =>
        new SettingProvider(securityDefaults, { verifyDelayMs: 50 }, () => clientsAs(emu, app, overrides));
    const live = () => emu.defaultTenant().securityDefaults.isEnabled;
    const patches = () => emu.requests.filter((r) => r.method === "PATCH" && r.path.endsWith(SECURITY_DEFAULTS_PATH));
    const setLive = (isEnabled: boolean) => portal(emu).patch(SECURITY_DEFAULTS_PATH, { isEnabled });

    useEmulator((e) => (emu = e));
    beforeEach(() => {
        emu.faults = {};
    });

    it("create turns security defaults on and verifies it; the id names the tenant", async () => {
        await setLive(false);
        const before = patches().length;
        const r = await providerAs().create({ isEnabled: true });
        assert.strictEqual(live(), true);
        assert.strictEqual(patches().length, before + 1, "exactly one PATCH by the provider");
        assert.strictEqual(r.id, `${emu.defaultTenant().tenantId}/securityDefaults`);
        assert.deepStrictEqual(r.outs, {
            isEnabled: true,
            policyId: "00000000-0000-0000-0000-000000000005",
            displayName: "Security Defaults",
            tenantId: emu.defaultTenant().tenantId,
        });
    });

    it("create on a tenant that already matches writes nothing", async () => {
        await setLive(true);
        const before = patches().length;
        await providerAs().create({ isEnabled: true });
        assert.strictEqual(patches().length, before);
    });

    it("update turns it off; diff reports changes only when desired and recorded state differ", async () => {
        const p = providerAs();
        assert.deepStrictEqual(await p.diff("id", { isEnabled: true, policyId: "x" }, { isEnabled: true }), { changes: false });
        assert.deepStrictEqual(await p.diff("id", { isEnabled: true }, { isEnabled: false }), { changes: true });
        await p.update("id", { isEnabled: true }, { isEnabled: false });
        assert.strictEqual(live(), false);
    });

    it("read reports a portal change as the live state, in outputs and inputs", async () => {
        await setLive(true);
        const r = await providerAs().read("id", { isEnabled: false });
        assert.strictEqual(r.props!.isEnabled, true);
        assert.deepStrictEqual(r.inputs, { isEnabled: true });
    });

    it("delete stops managing and leaves the tenant as it is", async () => {
        await setLive(true);
        const before = emu.requests.length;
        await providerAs().delete("id", { isEnabled: true });
        assert.strictEqual(live(), true);
        assert.strictEqual(emu.requests.length, before, "delete makes no call");
    });

    it("check rejects bad input per property, with the fix, before any call", async () => {
        const before = emu.requests.length;
        const r = await providerAs().check({}, { isEnabled: "yes", enabled: true });
        assert.deepStrictEqual(r.failures!.map((f) => f.property).sort(), ["enabled", "isEnabled"]);
        assert.match(
            r.failures!.find((f) => f.property === "isEnabled")!.reason,
            /isEnabled must be true or false \(true turns .*\), got "yes"/,
        );
        assert.strictEqual(emu.requests.length, before);
    });

    it("a missing write permission fails before writing and names the permission to grant", async () => {
        await setLive(false);
        const before = patches().length;
        await assert.rejects(providerAs(APPS.reader).create({ isEnabled: true }), (err: Error) => {
            assert.match(err.message, /Security defaults: .*Policy\.ReadWrite\.SecurityDefaults/);
            assert.match(err.message, /The token carries: Policy\.Read\.All/);
            return true;
        });
        assert.strictEqual(patches().length, before, "nothing written");
        assert.strictEqual(live(), false);
    });

    it("Graph's own 403 is explained with the permission too", async () => {
        // Bypass the preflight by reading roles as if the token were delegated: Graph answers 403 itself.
        const clients = clientsAs(emu, APPS.reader);
        (clients.graph.tokens as any).grantedRoles = async () => undefined;
        const p = new SettingProvider(securityDefaults, {}, () => clients);
        await assert.rejects(p.create({ isEnabled: true }), (err: Error) => {
            assert.match(err.message, /Grant the Microsoft Graph application permission Policy\.ReadWrite\.SecurityDefaults/);
            assert.match(err.message, /answered 403 Authorization_RequestDenied/);
            return true;
        });
        assert.strictEqual(live(), false);
    });

    it("a wrong client secret gives Entra's 401 reason and never the secret", async () => {
        const wrong = "not-the-secret-Xy7~abcdefghijklmnop";
        await assert.rejects(providerAs(APPS.provider, { AZURE_CLIENT_SECRET: wrong }).read("id"), (err: Error) => {
            assert.match(err.message, /AADSTS7000215: Invalid client secret provided/);
            assert.ok(!err.message.includes(wrong), "secret in message");
            assert.ok(!(err.stack ?? "").includes(wrong), "secret in stack");
            return true;
        });
    });

    it("an unknown tenant and a missing tenant give clear errors", async () => {
        await assert.rejects(
            providerAs(APPS.provider, { AZURE_TENANT_ID: "00000000-1111-2222-3333-444444444444" }).read("id"),
            /has no tenant "00000000-1111-2222-3333-444444444444".*check m365-mfa:tenantId/,
        );
        assert.throws(() => createTenantClients(undefined, {}), /m365-mfa:tenantId.*AZURE_TENANT_ID/);
    });

    it("converges through throttling (429 with Retry-After) and 503s", async () => {
        await setLive(false);
        emu.faults = {
            next: [
                { kind: "429", count: 2 },
                { kind: "503", count: 1 },
            ],
            retryAfterSeconds: 1,
        };
        await providerAs().create({ isEnabled: true });
        assert.strictEqual(live(), true);
        assert.ok(emu.requests.filter((r) => r.status === 429).length >= 2);
    });

    it("converges through a dropped connection", async () => {
        await setLive(false);
        emu.faults = { next: [{ kind: "drop", count: 1, match: SECURITY_DEFAULTS_PATH }] };
        await providerAs().create({ isEnabled: true });
        assert.strictEqual(live(), true);
        assert.ok(emu.requests.some((r) => r.status === "dropped"));
    });

    it("signs in again when a token expires before its stated lifetime", async () => {
        await setLive(false);
        emu.faults = { tokenExpiresEarlySeconds: 1 };
        const p = providerAs();
        await p.read("id"); // caches a token that claims an hour but dies in a second
        await new Promise((r) => setTimeout(r, 1500));
        emu.faults = {};
        await p.create({ isEnabled: true });
        assert.strictEqual(live(), true);
        assert.ok(
            emu.requests.some((r) => r.status === 401),
            "the expired token was refused once",
        );
    });

    it("a persistent outage ends with an honest error, and a rerun converges", async () => {
        await setLive(false);
        emu.faults = { rate5xx: 1 };
        const started = Date.now();
        await assert.rejects(
            providerAs(APPS.provider, { M365_MFA_RETRY_BUDGET_SECONDS: "3" }).create({ isEnabled: true }),
            new RegExp(
                String.raw`create failed: gave up reading policies\/identitySecurityDefaultsEnforcementPolicy after \d+ ` +
                    "attempts .*answered 503 serviceNotAvailable.*run pulumi up again to resume",
            ),
        );
        assert.ok(Date.now() - started < 10_000, "bounded by the retry budget");
        assert.strictEqual(live(), false);
        emu.faults = {};
        await providerAs().create({ isEnabled: true });
        assert.strictEqual(live(), true);
    });

    it("Graph's refusal to enable security defaults beside enabled Conditional Access is passed on", async () => {
        await setLive(false);
        emu.store.mutate(() => {
            emu.defaultTenant().conditionalAccessPolicies.push({ id: "ca1", displayName: "Require MFA", state: "enabled" });
        });
        try {
            await assert.rejects(
                providerAs().create({ isEnabled: true }),
                new RegExp(
                    "Security defaults: create failed: .*400 BadRequest: Security defaults cannot be enabled while " +
                        "Conditional Access policies are enabled",
                ),
            );
            assert.strictEqual(live(), false);
        } finally {
            emu.store.mutate(() => {
                emu.defaultTenant().conditionalAccessPolicies = [];
            });
        }
    });
});
