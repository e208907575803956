/**
 * The authentication policy provider (Exchange Online New/Set-AuthenticationPolicy and
 * Set-OrganizationConfig -DefaultAuthenticationPolicy) against the tenant emulator, with the real
 * @azure/identity and the Exchange admin API client: create, no-op, update, the organisation
 * default, drift read, delete, check failures, permissions and faults.
 */
import * as assert from "node:assert";
import type { TenantClients } from "../../client";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { type ExchangeCall, recordExchangeCalls } from "../../tests/support/exchangeCalls";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { AUTH_POLICY_PROTOCOLS, authenticationPolicy } from "./setting";

const NAME = "Block Basic Auth";
const allBlocked = Object.fromEntries(AUTH_POLICY_PROTOCOLS.map((p) => [p, false]));

describe("emulator: authentication policy provider", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;

    const providerAs = (app: string = APPS.provider, overrides: Record<string, string> = {}) =>
        new SettingProvider(authenticationPolicy, { verifyDelayMs: 50 }, () => clientsAs(emu, app, overrides));
    /** A provider whose Exchange calls are recorded (cmdlet and parameters, in order). */
    const recorded = () => {
        const clients = clientsAs(emu);
        const calls = recordExchangeCalls(clients);
        return { p: new SettingProvider(authenticationPolicy, { verifyDelayMs: 50 }, () => clients), calls, clients };
    };
    const writesOf = (calls: ExchangeCall[]) =>
        calls.filter((c) => /^(Set|New|Remove)-/.test(c.cmdlet)).map((c) => ({ cmdlet: c.cmdlet, ...c.params }));
    const exchange = () => emu.defaultTenant().exchange;
    const policy = (name: string) => exchange().authenticationPolicies.find((p) => p.name.toLowerCase() === name.toLowerCase());
    const defaultName = () =>
        exchange().authenticationPolicies.find((p) => p.guid === exchange().organization.defaultAuthenticationPolicyGuid)?.name ?? null;
    const invokeCalls = () => emu.requests.filter((r) => r.path.endsWith("/InvokeCommand"));
    const providerWrites = () => invokeCalls().filter((r) => r.write && r.appId === emu.app(APPS.provider).appId);
    /** An administrator in the Exchange admin center: another app, through the same admin API. */
    const portal = (): TenantClients["exchange"] => clientsAs(emu, APPS.portal).exchange;
    /** No authentication policies and no default, as a new organisation has. */
    const reset = async () => {
        const exo = portal();
        await exo.invoke("Set-OrganizationConfig", { DefaultAuthenticationPolicy: null });
        for (const p of [...exchange().authenticationPolicies]) {
            await exo.invoke("Remove-AuthenticationPolicy", { Identity: p.name });
        }
    };
    const plan = async (p: SettingProvider, inputs: Record<string, unknown>) => {
        const checked = await p.check({}, inputs);
        assert.deepStrictEqual(checked.failures, []);
        return checked.inputs;
    };

    useEmulator((e) => (emu = e));
    beforeEach(async () => {
        emu.faults = {};
        await reset();
    });

    it("check fills in every protocol (not named = blocked), reads the tenant's policy as the from-value, and writes nothing", async () => {
        const before = emu.requests.filter((r) => r.write).length;
        const r = await providerAs().check({}, { name: NAME, allowBasicAuth: { Smtp: true }, organizationDefault: true });
        assert.deepStrictEqual(r.failures, []);
        // The tenant as read at preview (issue #21): no such policy yet, not the default.
        assert.deepStrictEqual(r.inputs, {
            name: NAME,
            allowBasicAuth: { ...allBlocked, Smtp: true },
            organizationDefault: true,
            tenantAtPreview: { organizationDefault: false, allowBasicAuth: "(no such policy)" },
        });
        const none = await providerAs().check({}, { name: NAME });
        assert.deepStrictEqual(
            none.inputs,
            { name: NAME, allowBasicAuth: allBlocked, tenantAtPreview: { organizationDefault: false, allowBasicAuth: "(no such policy)" } },
            "no allowBasicAuth blocks every protocol",
        );
        assert.strictEqual(emu.requests.filter((x) => x.write).length, before);
    });

    it("create makes the policy with every switch given, then makes it the organisation's default, and verifies", async () => {
        const { p, calls } = recorded();
        const r = await p.create(await plan(p, { name: NAME, allowBasicAuth: { Smtp: true }, organizationDefault: true }));
        assert.deepStrictEqual(writesOf(calls), [
            {
                cmdlet: "New-AuthenticationPolicy",
                Name: NAME,
                ...Object.fromEntries(AUTH_POLICY_PROTOCOLS.map((p) => [`AllowBasicAuth${p}`, p === "Smtp"])),
            },
            { cmdlet: "Set-OrganizationConfig", DefaultAuthenticationPolicy: NAME },
        ]);
        const created = policy(NAME)!;
        assert.deepStrictEqual(created.allowBasicAuth, { ...allBlocked, Smtp: true });
        assert.strictEqual(defaultName(), NAME);
        assert.strictEqual(r.id, `${emu.defaultTenant().tenantId}/authenticationPolicy/${NAME}`);
        assert.deepStrictEqual(r.outs, {
            name: NAME,
            allowBasicAuth: { ...allBlocked, Smtp: true },
            organizationDefault: true,
            exists: true,
            policyName: NAME,
            policyGuid: created.guid,
            isOrganizationDefault: true,
            // The tenant as read at preview, kept so a refresh carries it over (not the tenant's now).
            tenantAtPreview: { organizationDefault: false, allowBasicAuth: "(no such policy)" },
            tenantId: emu.defaultTenant().tenantId,
        });
    });

    it("create on a tenant that already matches writes nothing; a policy spelled in another case is the same policy", async () => {
        await portal().invoke("New-AuthenticationPolicy", { Name: "block basic auth" });
        await portal().invoke("Set-OrganizationConfig", { DefaultAuthenticationPolicy: "block basic auth" });
        const p = providerAs();
        const before = providerWrites().length;
        const r = await p.create(await plan(p, { name: NAME, organizationDefault: true }));
        assert.strictEqual(providerWrites().length, before, "no Set-* or New-* at all");
        assert.strictEqual(r.outs.policyName, "block basic auth");
        assert.strictEqual(exchange().authenticationPolicies.length, 1);
    });

    it("update sends Set-AuthenticationPolicy with only the switches that differ", async () => {
        const p = providerAs();
        const first = await plan(p, { name: NAME, allowBasicAuth: { Smtp: true } });
        const created = await p.create(first);
        const { p: p2, calls } = recorded();
        const next = await plan(p2, { name: NAME, allowBasicAuth: { Imap: true, Pop: false } });
        assert.deepStrictEqual(await p2.diff("id", created.outs, next), { changes: true });
        assert.deepStrictEqual(await p2.diff("id", created.outs, first), { changes: false });
        const u = await p2.update("id", created.outs, next);
        assert.deepStrictEqual(writesOf(calls), [
            { cmdlet: "Set-AuthenticationPolicy", Identity: NAME, AllowBasicAuthImap: true, AllowBasicAuthSmtp: false },
        ]);
        assert.deepStrictEqual(policy(NAME)!.allowBasicAuth, { ...allBlocked, Imap: true });
        assert.deepStrictEqual(u.outs!.allowBasicAuth, { ...allBlocked, Imap: true });
        assert.strictEqual(defaultName(), null, "the default is not managed when organizationDefault is left out");
    });

    it("organizationDefault false clears the default only while it points at this policy", async () => {
        const p = providerAs();
        const created = await p.create(await plan(p, { name: NAME, organizationDefault: true }));
        const off = await plan(p, { name: NAME, organizationDefault: false });
        const u = await p.update("id", created.outs, off);
        assert.strictEqual(defaultName(), null);
        assert.strictEqual(u.outs!.isOrganizationDefault, false);

        // Another policy is the default: organizationDefault false is already true of this one.
        await portal().invoke("New-AuthenticationPolicy", { Name: "Legacy printers", AllowBasicAuthSmtp: true });
        await portal().invoke("Set-OrganizationConfig", { DefaultAuthenticationPolicy: "Legacy printers" });
        const before = providerWrites().length;
        await p.update("id", u.outs, off);
        assert.strictEqual(providerWrites().length, before);
        assert.strictEqual(defaultName(), "Legacy printers");

        // true takes the default over from the other policy.
        await p.update("id", u.outs, await plan(p, { name: NAME, organizationDefault: true }));
        assert.strictEqual(defaultName(), NAME);
    });

    it("a default moved by someone else between the read and the write is not cleared", async () => {
        const p = providerAs();
        await p.create(await plan(p, { name: NAME, organizationDefault: true }));
        await portal().invoke("New-AuthenticationPolicy", { Name: "Other" });
        const { p: p2, clients } = recorded();
        const inner = clients.exchange.invoke;
        let moved = false;
        (clients.exchange as any).invoke = async (cmdlet: string, params: any, opts: any) => {
            // After the provider's first read, an admin makes another policy the default.
            if (cmdlet === "Get-OrganizationConfig" && !moved) {
                const answer = await inner(cmdlet, params, opts);
                moved = true;
                await portal().invoke("Set-OrganizationConfig", { DefaultAuthenticationPolicy: "Other" });
                return answer;
            }
            return inner(cmdlet, params, opts);
        };
        const before = providerWrites().length;
        await p2.update("id", {}, await plan(providerAs(), { name: NAME, organizationDefault: false }));
        assert.strictEqual(defaultName(), "Other", "the other admin's choice stands");
        assert.strictEqual(providerWrites().length, before);
    });

    it("read reports changes made in the admin center as the live state, in outputs and inputs", async () => {
        const p = providerAs();
        const inputs = await plan(p, { name: NAME, organizationDefault: true });
        const created = await p.create(inputs);
        await portal().invoke("Set-AuthenticationPolicy", { Identity: NAME, AllowBasicAuthPop: true });
        await portal().invoke("Set-OrganizationConfig", { DefaultAuthenticationPolicy: null });
        const r = await p.read(created.id, created.outs);
        assert.strictEqual(
            invokeCalls()
                .filter((c) => c.write)
                .at(-1)!.appId,
            emu.app(APPS.portal).appId,
            "the drift was made by the portal app",
        );
        assert.deepStrictEqual(r.inputs, {
            name: NAME,
            allowBasicAuth: { ...allBlocked, Pop: true },
            organizationDefault: false,
            tenantAtPreview: inputs.tenantAtPreview,
        });
        assert.strictEqual(r.props!.isOrganizationDefault, false);
        assert.deepStrictEqual(authenticationPolicy.diff(inputs as any, r.props as any), [
            { field: "allowBasicAuth.Pop", from: true, to: false },
            { field: "organizationDefault", from: false, to: true },
        ]);

        // The policy deleted in the portal: the read says so, and the next update makes it again.
        await portal().invoke("Remove-AuthenticationPolicy", { Identity: NAME });
        const gone = await p.read(created.id, r.props);
        assert.strictEqual(gone.props!.exists, false);
        assert.deepStrictEqual(
            authenticationPolicy.diff(inputs as any, gone.props as any).map((c) => c.field),
            ["exists", "organizationDefault"],
        );
        await p.update("id", gone.props, inputs);
        assert.deepStrictEqual(policy(NAME)!.allowBasicAuth, allBlocked);
        assert.strictEqual(defaultName(), NAME);
    });

    it("without organizationDefault, a default changed elsewhere is not drift", async () => {
        const p = providerAs();
        const inputs = await plan(p, { name: NAME });
        const created = await p.create(inputs);
        await portal().invoke("Set-OrganizationConfig", { DefaultAuthenticationPolicy: NAME });
        const r = await p.read(created.id, created.outs);
        assert.deepStrictEqual(r.props, created.outs);
        // The plan's inputs exactly, tenantAtPreview carried over: no drift.
        assert.deepStrictEqual(r.inputs, inputs);
        assert.deepStrictEqual(Object.keys(r.inputs!).sort(), ["allowBasicAuth", "name", "tenantAtPreview"]);
        assert.deepStrictEqual(r.inputs!.allowBasicAuth, allBlocked);
    });

    it("a new name replaces the resource: the new policy is created and the old one left (Exchange cannot rename)", async () => {
        const p = providerAs();
        const created = await p.create(await plan(p, { name: NAME, organizationDefault: true }));
        const renamed = await plan(p, { name: "Block Basic Auth v2", organizationDefault: true });
        assert.deepStrictEqual(await p.diff(created.id, created.outs, renamed), { changes: true, replaces: ["name"] });
        // The engine's replacement: create the new resource, then delete the old one.
        const next = await p.create(renamed);
        await p.delete(created.id, created.outs);
        assert.deepStrictEqual(
            exchange().authenticationPolicies.map((x) => x.name),
            [NAME, "Block Basic Auth v2"],
        );
        assert.strictEqual(next.id, `${emu.defaultTenant().tenantId}/authenticationPolicy/Block Basic Auth v2`);
        assert.strictEqual(defaultName(), "Block Basic Auth v2");
        // An update with recorded state about the old name still reads the new one (no replace information).
        assert.deepStrictEqual(authenticationPolicy.diff(renamed as any, created.outs as any), [
            { field: "name", from: NAME, to: "Block Basic Auth v2" },
        ]);
    });

    it("delete stops managing and leaves the policy and the default as they are", async () => {
        const p = providerAs();
        const created = await p.create(await plan(p, { name: NAME, organizationDefault: true }));
        const before = emu.requests.length;
        await p.delete(created.id, created.outs);
        assert.strictEqual(emu.requests.length, before, "delete makes no call");
        assert.ok(policy(NAME));
        assert.strictEqual(defaultName(), NAME, "users keep the policy they had");
        assert.match(authenticationPolicy.onDelete, /stays the organisation's default if it is, so no user's sign-in changes/);
    });

    it("check rejects unknown protocols (listing the valid ones) and bad input per property, and makes no call", async () => {
        const p = providerAs();
        const before = emu.requests.length;
        const r = await p.check(
            {},
            {
                name: NAME,
                allowBasicAuth: { Smtp: true, imap: true, AllowBasicAuthPop: true, Exchange: true, Rpc: "no" },
                organizationDefault: "yes",
                default: true,
            },
        );
        const by = Object.fromEntries(r.failures!.map((f) => [f.property, f.reason]));
        assert.deepStrictEqual(Object.keys(by).sort(), [
            "allowBasicAuth.AllowBasicAuthPop",
            "allowBasicAuth.Exchange",
            "allowBasicAuth.Rpc",
            "allowBasicAuth.imap",
            "default",
            "organizationDefault",
        ]);
        const valid = AUTH_POLICY_PROTOCOLS.join(", ");
        assert.strictEqual(by["allowBasicAuth.Exchange"], `Authentication policy: unknown protocol "Exchange"; the protocols are ${valid}`);
        assert.strictEqual(
            by["allowBasicAuth.imap"],
            `Authentication policy: unknown protocol "imap" (did you mean Imap?); the protocols are ${valid}`,
        );
        assert.match(by["allowBasicAuth.AllowBasicAuthPop"], /\(did you mean Pop\?\)/);
        assert.match(
            by["allowBasicAuth.Rpc"],
            /allowBasicAuth\.Rpc must be true \(allow Basic authentication\) or false \(block it\) \(got "no"\)/,
        );
        assert.match(by.organizationDefault, /organizationDefault must be true or false \(true makes this the policy .*\), got "yes"/);
        assert.match(by.default, /default is not a known property \(known: name, allowBasicAuth, organizationDefault\)/);

        const names = async (name: unknown) => (await p.check({}, { name })).failures!.map((f) => f.reason);
        assert.match(
            (await names(undefined))[0],
            /name must be a non-empty string \(the policy's name, e.g. "Block Basic Auth"\), got nothing/,
        );
        assert.match((await names(" Block "))[0], /starts or ends with spaces; remove them/);
        assert.match((await names("x".repeat(65)))[0], /name is 65 characters; Exchange allows at most 64/);
        assert.match(
            (await p.check({}, { name: NAME, allowBasicAuth: ["Smtp"] })).failures![0].reason,
            /allowBasicAuth must be an object like \{ Smtp: true \}/,
        );
        assert.strictEqual(emu.requests.length, before, "no call at all");
        assert.strictEqual(exchange().authenticationPolicies.length, 0);
    });

    it("a missing Exchange permission fails before any cmdlet and names Exchange.ManageAsApp", async () => {
        const before = invokeCalls().length;
        await assert.rejects(providerAs(APPS.reader).create({ name: NAME, organizationDefault: true }), (err: Error) => {
            assert.match(err.message, /^Authentication policy: the app registration cannot read this setting/);
            assert.match(err.message, /Grant the Office 365 Exchange Online application permission Exchange\.ManageAsApp/);
            assert.match(err.message, /The token carries: no application permissions\./);
            return true;
        });
        assert.strictEqual(invokeCalls().length, before, "no InvokeCommand at all");
        assert.strictEqual(exchange().authenticationPolicies.length, 0);
    });

    it("converges through throttling (429 with Retry-After), 503s and a dropped connection on a read", async () => {
        emu.faults = {
            next: [
                { kind: "drop", count: 1, match: "InvokeCommand" },
                { kind: "429", count: 2, match: "InvokeCommand" },
                { kind: "503", count: 1, match: "InvokeCommand" },
            ],
            retryAfterSeconds: 1,
        };
        const p = providerAs();
        const before = invokeCalls().length;
        await p.create(await plan(p, { name: NAME, organizationDefault: true }));
        assert.ok(policy(NAME));
        assert.strictEqual(defaultName(), NAME);
        const statuses = invokeCalls()
            .slice(before)
            .map((r) => r.status);
        assert.deepStrictEqual(statuses.slice(0, 4), ["dropped", 429, 429, 503]);
    });

    it(
        "a dropped New-AuthenticationPolicy is sent again (a resend that finds the policy takes it over with Set-*): the first " +
            "run converges",
        async () => {
            const { p, clients, calls } = recorded();
            const inner = clients.exchange.invoke;
            let armed = true;
            (clients.exchange as any).invoke = async (cmdlet: string, params: any, opts: any) => {
                if (cmdlet === "New-AuthenticationPolicy" && armed) {
                    armed = false;
                    emu.faults = { next: [{ kind: "drop", count: 1, match: "InvokeCommand" }] };
                }
                return inner(cmdlet, params, opts);
            };
            const inputs = await plan(p, { name: NAME });
            const before = invokeCalls().length;
            await p.create(inputs);
            assert.ok(
                invokeCalls()
                    .slice(before)
                    .some((r) => r.status === "dropped"),
                "the connection was dropped once",
            );
            assert.ok(policy(NAME));
            assert.strictEqual(
                writesOf(calls).filter((c) => c.cmdlet === "New-AuthenticationPolicy").length,
                1,
                "one call of the client; the policy sent it again",
            );
        },
    );

    it("a policy created by someone else after the read is taken over with Set-AuthenticationPolicy", async () => {
        const { p, clients, calls } = recorded();
        const inner = clients.exchange.invoke;
        (clients.exchange as any).invoke = async (cmdlet: string, params: any, opts: any) => {
            if (cmdlet === "New-AuthenticationPolicy") {
                await portal().invoke("New-AuthenticationPolicy", { Name: NAME, AllowBasicAuthImap: true });
            }
            return inner(cmdlet, params, opts);
        };
        await p.create(await plan(providerAs(), { name: NAME, allowBasicAuth: { Smtp: true } }));
        assert.deepStrictEqual(
            writesOf(calls).map((c) => c.cmdlet),
            ["New-AuthenticationPolicy", "Set-AuthenticationPolicy"],
        );
        assert.deepStrictEqual(policy(NAME)!.allowBasicAuth, { ...allBlocked, Smtp: true });
    });

    it("a persistent outage ends with an honest error, and a rerun converges", async () => {
        const p = providerAs();
        const inputs = await plan(p, { name: NAME });
        emu.faults = { rate5xx: 1 };
        const started = Date.now();
        await assert.rejects(
            providerAs(APPS.provider, { M365_MFA_RETRY_BUDGET_SECONDS: "3" }).create(inputs),
            new RegExp(
                "Authentication policy: create failed: gave up running Get-AuthenticationPolicy in Exchange Online " +
                    String.raw`after \d+ attempts over [\d.]+ s \(the retry budget is 3\.0 s: stack config ` +
                    String.raw`m365-mfa:retryBudgetSeconds or M365_MFA_RETRY_BUDGET_SECONDS\); the last answer: Exchange Online ` +
                    String.raw`POST \/adminapi\/beta\/[^/]+\/InvokeCommand Get-AuthenticationPolicy answered 503 ` +
                    "serviceNotAvailable.*run pulumi up again to resume",
            ),
        );
        assert.ok(Date.now() - started < 10_000, "bounded by the retry budget");
        emu.faults = {};
        assert.strictEqual(exchange().authenticationPolicies.length, 0, "nothing was changed");
        await p.create(inputs);
        assert.ok(policy(NAME));
    });
});
