/**
 * The emulator's Exchange Online admin API (InvokeCommand) through the real client layer
 * (ExchangeClient with @azure/identity tokens): the cmdlets, paging, Exchange's error shapes, the
 * app role and audience checks, and the client's resilience rules against injected faults.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ExchangeClient, type ExchangeClientOptions, RetryPolicy, TenantApiError } from "../../client";
import { effectiveSmtpClientAuthenticationDisabled } from "@m365-mfa/emulator";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS, AUTH_POLICY_PROTOCOLS, Store, newTenant } from "@m365-mfa/emulator";
import { clientsAs, startTrustedEmulator } from "../../harness/tenant";

describe("emulator: Exchange Online admin API (InvokeCommand)", function () {
    this.timeout(60_000);
    let tmp: string;
    let emu: RunningEmulator;

    const exo = (app: string = APPS.provider, options: ExchangeClientOptions = {}) =>
        new ExchangeClient(clientsAs(emu, app).connection, options);
    const org = () => emu.defaultTenant().exchange.organization;
    const invokeCalls = () => emu.requests.filter((r) => r.path.endsWith("/InvokeCommand"));
    const writes = () => invokeCalls().filter((r) => r.write);
    const rejectsWith = async (p: Promise<unknown>, status: number | undefined, pattern: RegExp) =>
        assert.rejects(p, (err: any) => {
            assert.ok(err instanceof TenantApiError, `a TenantApiError, got ${err}`);
            assert.strictEqual(err.service, "Exchange Online");
            assert.strictEqual(err.status, status, err.message);
            assert.match(err.message, pattern);
            return true;
        });
    /** A raw InvokeCommand POST, to look at what the emulator answers on the wire. */
    const raw = async (body: unknown, opts: { token?: string; url?: string; prefer?: string } = {}) => {
        const token = opts.token ?? (await exo().tokens.getToken()).token;
        const res = await fetch(opts.url ?? `${emu.origin}/adminapi/beta/${emu.defaultTenant().tenantId}/InvokeCommand`, {
            method: "POST",
            headers: {
                Authorization: `Bearer ${token}`,
                "Content-Type": "application/json",
                ...(opts.prefer ? { Prefer: opts.prefer } : {}),
            },
            body: typeof body === "string" ? body : JSON.stringify(body),
        });
        return { status: res.status, headers: res.headers, body: (await res.json()) as any };
    };
    const cmd = (CmdletName: string, Parameters: Record<string, unknown> = {}) => ({ CmdletInput: { CmdletName, Parameters } });

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-exo-"));
        emu = await startTrustedEmulator({ stateDir: tmp });
    });
    after(async () => {
        await emu.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
    });
    beforeEach(() => {
        emu.faults = {};
    });

    describe("organisation and transport config", () => {
        it("Get-OrganizationConfig answers the organisation with Exchange's property names and defaults", async () => {
            const res = await raw(cmd("Get-OrganizationConfig"));
            assert.strictEqual(res.status, 200);
            assert.match(res.body["@odata.context"], /\/adminapi\/beta\/[^/]+\/\$metadata#Collection\(Exchange\.GenericHashTable\)$/);
            assert.strictEqual(res.body.value.length, 1);
            const config = res.body.value[0];
            assert.strictEqual(config.Name, org().name);
            assert.strictEqual(config.Identity, org().name);
            assert.match(config.Name, /\.onmicrosoft\.com$/);
            assert.match(config.Guid, /^[0-9a-f-]{36}$/);
            assert.strictEqual(config.OAuth2ClientProfileEnabled, true, "modern authentication is on by default");
            assert.strictEqual(config.DefaultAuthenticationPolicy, null);
        });

        it("Set-OrganizationConfig changes and persists OAuth2ClientProfileEnabled; a no-op warns and writes nothing", async () => {
            const c = exo();
            assert.deepStrictEqual(await c.invoke("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: false }), []);
            assert.strictEqual(org().oauth2ClientProfileEnabled, false);
            const onDisk = JSON.parse(fs.readFileSync(path.join(tmp, "tenants.json"), "utf8"));
            assert.strictEqual(onDisk.tenants[emu.defaultTenant().tenantId].exchange.organization.oauth2ClientProfileEnabled, false);
            assert.strictEqual((await c.invoke("Get-OrganizationConfig"))[0].OAuth2ClientProfileEnabled, false);
            const again = await c.execute("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: false });
            assert.deepStrictEqual(again.warnings, [
                `The command completed successfully but no settings of '${org().name}' have been modified.`,
            ]);
            assert.deepStrictEqual(again.value, []);
            // On the wire a Set-* that only warns answers value: null beside @adminapi.warnings (CIPP New-ExoRequest).
            const wire = await raw(cmd("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: false }));
            assert.strictEqual(wire.status, 200);
            assert.strictEqual(wire.body.value, null);
            assert.deepStrictEqual(wire.body["@adminapi.warnings"], again.warnings);
            await c.invoke("Set-OrganizationConfig", { oauth2clientprofileenabled: true }); // names are case-insensitive
            assert.strictEqual(org().oauth2ClientProfileEnabled, true);
        });

        it(
            "Set-OrganizationConfig -DefaultAuthenticationPolicy takes a policy name, refuses an unknown one, and clears with " + "null",
            async () => {
                const c = exo();
                await rejectsWith(
                    c.invoke("Set-OrganizationConfig", { DefaultAuthenticationPolicy: "No Such Policy" }),
                    404,
                    /Couldn't find object "No Such Policy"/,
                );
                await c.invoke("New-AuthenticationPolicy", { Name: "Block Basic Auth" });
                await c.invoke("Set-OrganizationConfig", { DefaultAuthenticationPolicy: "block basic auth" });
                assert.strictEqual((await c.invoke("Get-OrganizationConfig"))[0].DefaultAuthenticationPolicy, "Block Basic Auth");
                await c.invoke("Set-OrganizationConfig", { DefaultAuthenticationPolicy: null });
                assert.strictEqual((await c.invoke("Get-OrganizationConfig"))[0].DefaultAuthenticationPolicy, null);
                await c.invoke("Remove-AuthenticationPolicy", { Identity: "Block Basic Auth" });
            },
        );

        it("Get/Set-TransportConfig: SMTP AUTH is disabled by default and can be changed", async () => {
            const c = exo();
            const [config] = await c.invoke("Get-TransportConfig");
            assert.strictEqual(config.SmtpClientAuthenticationDisabled, true);
            await c.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
            assert.strictEqual((await c.invoke("Get-TransportConfig"))[0].SmtpClientAuthenticationDisabled, false);
            await c.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: true });
            assert.strictEqual(org().smtpClientAuthenticationDisabled, true);
        });
    });

    describe("mailboxes", () => {
        it("pages with Prefer: odata.maxpagesize and an @odata.nextLink that takes the same body", async () => {
            const all = emu.defaultTenant().exchange.mailboxes.length;
            assert.ok(all >= 5, "the tenant is seeded with mailboxes");
            const first = await raw(cmd("Get-CASMailbox"), { prefer: "odata.maxpagesize=3" });
            assert.strictEqual(first.status, 200);
            assert.strictEqual(first.headers.get("preference-applied"), "odata.maxpagesize=3");
            assert.strictEqual(first.body.value.length, 3);
            const next = first.body["@odata.nextLink"];
            assert.match(next, /\/adminapi\/beta\/[^/]+\/InvokeCommand\?\$skiptoken=/);
            const second = await raw(cmd("Get-CASMailbox"), { url: next, prefer: "odata.maxpagesize=3" });
            assert.strictEqual(second.status, 200);
            assert.deepStrictEqual(
                second.body.value.map((m: any) => m.Name),
                emu
                    .defaultTenant()
                    .exchange.mailboxes.slice(3, 6)
                    .map((m) => m.name),
            );
            const wrongBody = await raw(cmd("Get-Mailbox"), { url: next });
            assert.strictEqual(wrongBody.status, 400, "a nextLink only continues the request that returned it");
        });

        it("ExchangeClient follows every nextLink and returns all pages", async () => {
            const all = emu.defaultTenant().exchange.mailboxes;
            const before = invokeCalls().length;
            const got = await exo(APPS.provider, { pageSize: 2 }).invoke("Get-CASMailbox");
            assert.deepStrictEqual(
                got.map((m) => m.PrimarySmtpAddress),
                all.map((m) => m.primarySmtpAddress),
            );
            assert.strictEqual(invokeCalls().length - before, Math.ceil(all.length / 2), "one POST per page");
        });

        it("a bounded client stops at maxPages with an honest error", async () => {
            await rejectsWith(
                exo(APPS.provider, { pageSize: 1, maxPages: 2 }).invoke("Get-CASMailbox"),
                undefined,
                /more than 2 pages of 1/,
            );
        });

        it("-ResultSize limits the answer and warns that more exist", async () => {
            const r = await exo().execute("Get-Mailbox", { ResultSize: 2 });
            assert.strictEqual(r.value.length, 2);
            assert.match(r.warnings.join(" "), /There are more results available/);
            assert.strictEqual(
                (await exo().invoke("Get-Mailbox", { ResultSize: "Unlimited" })).length,
                emu.defaultTenant().exchange.mailboxes.length,
            );
        });

        it("Get-Mailbox reports UPN, alias and recipient type, and filters by RecipientTypeDetails", async () => {
            const shared = await exo().invoke("Get-Mailbox", { RecipientTypeDetails: "SharedMailbox" });
            assert.ok(shared.length >= 1);
            assert.ok(shared.every((m) => m.RecipientTypeDetails === "SharedMailbox"));
            const [adele] = await exo().invoke("Get-Mailbox", { Identity: "AdeleV" });
            assert.strictEqual(adele.UserPrincipalName, `AdeleV@${org().name}`);
            assert.strictEqual(adele.Alias, "AdeleV");
            assert.strictEqual(adele.RecipientTypeDetails, "UserMailbox");
            await rejectsWith(
                exo().invoke("Get-Mailbox", { RecipientTypeDetails: "Pigeon" }),
                400,
                /Unable to match the identifier name Pigeon/,
            );
        });

        it("Get-CASMailbox -Identity finds a mailbox by UPN, alias or address; an unknown one is Exchange's not-found", async () => {
            const upn = `MeganB@${org().name}`;
            for (const id of [upn, "meganb", upn.toUpperCase()]) {
                const got = await exo().invoke("Get-CASMailbox", { Identity: id });
                assert.strictEqual(got.length, 1);
                assert.strictEqual(got[0].PrimarySmtpAddress, upn);
            }
            await rejectsWith(
                exo().invoke("Get-CASMailbox", { Identity: "nobody@example.com" }),
                404,
                new RegExp(
                    String.raw`The operation couldn't be performed because object 'nobody@example\.com' couldn't be found on ` +
                        String.raw`'[^']+'\. \(ManagementObjectNotFoundException\)`,
                ),
            );
        });

        it("Set-CASMailbox -SmtpClientAuthenticationDisabled: true/false override the organisation, null follows it", async () => {
            const c = exo();
            const tenant = () => emu.defaultTenant();
            const mailbox = () => tenant().exchange.mailboxes.find((m) => m.name === "scanner")!;
            assert.strictEqual((await c.invoke("Get-CASMailbox", { Identity: "scanner" }))[0].SmtpClientAuthenticationDisabled, null);
            assert.strictEqual(effectiveSmtpClientAuthenticationDisabled(tenant(), mailbox()), true, "null follows the org (disabled)");

            await c.invoke("Set-CASMailbox", { Identity: "scanner", SmtpClientAuthenticationDisabled: false });
            assert.strictEqual((await c.invoke("Get-CASMailbox", { Identity: "scanner" }))[0].SmtpClientAuthenticationDisabled, false);
            assert.strictEqual(effectiveSmtpClientAuthenticationDisabled(tenant(), mailbox()), false, "false overrides the org");

            await c.invoke("Set-CASMailbox", { Identity: "scanner", SmtpClientAuthenticationDisabled: null });
            assert.strictEqual(
                (await c.invoke("Get-CASMailbox", { Identity: "scanner" }))[0].SmtpClientAuthenticationDisabled,
                null,
                "null is stored as null",
            );
            await c.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
            try {
                assert.strictEqual(
                    effectiveSmtpClientAuthenticationDisabled(tenant(), mailbox()),
                    false,
                    "null now follows the org (enabled)",
                );
            } finally {
                await c.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: true });
            }
            await rejectsWith(
                c.invoke("Set-CASMailbox", { SmtpClientAuthenticationDisabled: true }),
                400,
                /missing mandatory parameters: Identity/,
            );
            await rejectsWith(
                c.invoke("Set-CASMailbox", { Identity: "ghost", SmtpClientAuthenticationDisabled: true }),
                404,
                /object 'ghost' couldn't be found/,
            );
        });
    });

    describe("authentication policies", () => {
        it("New-AuthenticationPolicy blocks Basic authentication for every protocol unless a switch allows it", async () => {
            const c = exo();
            const [created] = await c.invoke("New-AuthenticationPolicy", { Name: "No Basic" });
            assert.strictEqual(created.Name, "No Basic");
            for (const p of AUTH_POLICY_PROTOCOLS) {
                assert.strictEqual(created[`AllowBasicAuth${p}`], false, `AllowBasicAuth${p}`);
            }
            const [smtpOnly] = await c.invoke("New-AuthenticationPolicy", { Name: "SMTP only", AllowBasicAuthSmtp: true });
            assert.strictEqual(smtpOnly.AllowBasicAuthSmtp, true);
            assert.strictEqual(smtpOnly.AllowBasicAuthImap, false);
            await rejectsWith(c.invoke("New-AuthenticationPolicy", { Name: "no basic" }), 400, /already exists/);
            await rejectsWith(c.invoke("New-AuthenticationPolicy", {}), 400, /missing mandatory parameters: Name/);
            assert.deepStrictEqual(
                (await c.invoke("Get-AuthenticationPolicy")).map((p) => p.Name),
                ["No Basic", "SMTP only"],
            );
        });

        it("Set-AuthenticationPolicy changes only the switches given; Get -Identity reads one policy", async () => {
            const c = exo();
            await c.invoke("Set-AuthenticationPolicy", { Identity: "No Basic", AllowBasicAuthPop: true, AllowBasicAuthImap: false });
            const [p] = await c.invoke("Get-AuthenticationPolicy", { Identity: "No Basic" });
            assert.strictEqual(p.AllowBasicAuthPop, true);
            assert.strictEqual(p.AllowBasicAuthImap, false);
            assert.strictEqual(p.AllowBasicAuthSmtp, false);
            const noop = await c.execute("Set-AuthenticationPolicy", { Identity: "No Basic", AllowBasicAuthPop: true });
            assert.match(noop.warnings.join(), /no settings of 'No Basic' have been modified/);
            await rejectsWith(
                c.invoke("Set-AuthenticationPolicy", { Identity: "No Basic", AllowBasicAuthFax: true }),
                400,
                /A parameter cannot be found that matches parameter name 'AllowBasicAuthFax'\./,
            );
        });

        it("Remove-AuthenticationPolicy deletes it, and clears it as the organisation's default", async () => {
            const c = exo();
            await c.invoke("Set-OrganizationConfig", { DefaultAuthenticationPolicy: "No Basic" });
            const writesBefore = writes().length;
            await c.invoke("Remove-AuthenticationPolicy", { Identity: "No Basic", Confirm: false });
            assert.strictEqual(writes().length, writesBefore + 1, "the removal is logged as a write");
            await rejectsWith(c.invoke("Get-AuthenticationPolicy", { Identity: "No Basic" }), 404, /object 'No Basic' couldn't be found/);
            assert.strictEqual((await c.invoke("Get-OrganizationConfig"))[0].DefaultAuthenticationPolicy, null);
            await rejectsWith(c.invoke("Remove-AuthenticationPolicy", { Identity: "No Basic" }), 404, /couldn't be found/);
            await c.invoke("Remove-AuthenticationPolicy", { Identity: "SMTP only" });
            assert.deepStrictEqual(emu.defaultTenant().exchange.authenticationPolicies, []);
        });
    });

    describe("errors, permissions and tokens", () => {
        it("an unknown cmdlet is 400 with PowerShell's words, in Exchange's error shape", async () => {
            const res = await raw(cmd("Get-Unicorn"));
            assert.strictEqual(res.status, 400);
            const e = res.body.error;
            assert.strictEqual(e.code, "BadRequest");
            assert.strictEqual(e.message, "Error executing cmdlet");
            assert.match(
                e.details[0].message,
                new RegExp(
                    String.raw`^\|System\.Management\.Automation\.CommandNotFoundException\|The term 'Get-Unicorn' is not ` +
                        "recognized as the name of a cmdlet",
                ),
            );
            assert.match(e.innererror.internalexception.message, /^The term 'Get-Unicorn' is not recognized/);
            await rejectsWith(
                exo().invoke("Get-Unicorn"),
                400,
                /Get-Unicorn answered 400 BadRequest: The term 'Get-Unicorn' is not recognized/,
            );
        });

        it("an unknown parameter, a wrong type and a bad body are 400s that change nothing", async () => {
            const writesBefore = writes().length;
            await rejectsWith(
                exo().invoke("Get-OrganizationConfig", { Bogus: 1 }),
                400,
                /A parameter cannot be found that matches parameter name 'Bogus'\./,
            );
            await rejectsWith(
                exo().invoke("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: "yes" }),
                400,
                new RegExp(
                    "Cannot process argument transformation on parameter 'OAuth2ClientProfileEnabled'.*Boolean " +
                        "parameters accept only Boolean values",
                ),
            );
            await rejectsWith(
                exo().invoke("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: null }),
                400,
                /Cannot convert value "" to type "System\.Boolean"/,
            );
            const bad = await raw("{not json");
            assert.strictEqual(bad.status, 400);
            assert.match(bad.body.error.details[0].message, /not a valid InvokeCommand payload/);
            assert.strictEqual(org().oauth2ClientProfileEnabled, true);
            assert.ok(
                invokeCalls()
                    .slice(-4)
                    .every((r) => r.status === 400),
            );
            assert.ok(
                writes()
                    .slice(writesBefore)
                    .every((r) => r.status === 400),
                "no write went through",
            );
        });

        it("an app without Exchange.ManageAsApp is refused with 403 before the cmdlet runs", async () => {
            assert.deepStrictEqual(emu.app(APPS.reader).exchangeRoles, []);
            await rejectsWith(
                exo(APPS.reader).invoke("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: false }),
                403,
                /has no Exchange\.ManageAsApp permission/,
            );
            assert.strictEqual(org().oauth2ClientProfileEnabled, true);
            assert.deepStrictEqual(await exo(APPS.reader).tokens.grantedRoles(), []);
            assert.deepStrictEqual(await exo(APPS.provider).tokens.grantedRoles(), ["Exchange.ManageAsApp"]);
        });

        it("a Graph-audience token is refused with 401, and so is a token for another tenant's path", async () => {
            const graphToken = (await clientsAs(emu).graph.tokens.getToken()).token;
            const res = await raw(cmd("Get-OrganizationConfig"), { token: graphToken });
            assert.strictEqual(res.status, 401);
            assert.match(res.body.error.message, /Invalid audience/);
            const other = emu.store.addTenant("Fabrikam (emulated)");
            const cross = await raw(cmd("Get-OrganizationConfig"), { url: `${emu.origin}/adminapi/beta/${other.tenantId}/InvokeCommand` });
            assert.strictEqual(cross.status, 401);
        });

        it("error text from the client never carries the token or the secret", async () => {
            const secret = emu.app(APPS.provider).secret;
            await assert.rejects(exo().invoke("Get-Unicorn"), (err: Error) => {
                assert.ok(!err.message.includes(secret));
                assert.ok(!/eyJ[A-Za-z0-9_-]{5,}\./.test(err.message));
                return true;
            });
        });
    });

    describe("resilience", () => {
        it("waits out 429s (Retry-After) and 503s, then answers", async () => {
            emu.faults = {
                next: [
                    { kind: "429", count: 2, match: "InvokeCommand" },
                    { kind: "503", count: 1, match: "InvokeCommand" },
                ],
                retryAfterSeconds: 1,
            };
            const before = invokeCalls().length;
            const started = Date.now();
            const [config] = await exo().invoke("Get-OrganizationConfig");
            assert.strictEqual(config.OAuth2ClientProfileEnabled, true);
            const calls = invokeCalls().slice(before);
            assert.deepStrictEqual(
                calls.map((c) => c.status),
                [429, 429, 503, 200],
            );
            assert.ok(Date.now() - started >= 2000, "Retry-After was honoured");
        });

        it("retries a dropped connection for Get-* and Set-*, never for New-*", async () => {
            emu.faults = { next: [{ kind: "drop", count: 1, match: "InvokeCommand" }] };
            await exo().invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: true });
            assert.strictEqual(invokeCalls().slice(-2)[0].status, "dropped");

            emu.faults = { next: [{ kind: "drop", count: 1, match: "InvokeCommand" }] };
            const before = invokeCalls().length;
            await rejectsWith(
                exo().invoke("New-AuthenticationPolicy", { Name: "Once" }),
                undefined,
                /New-AuthenticationPolicy failed: no answer/,
            );
            assert.deepStrictEqual(
                invokeCalls()
                    .slice(before)
                    .map((c) => c.status),
                ["dropped"],
                "sent once",
            );
            assert.strictEqual(emu.defaultTenant().exchange.authenticationPolicies.length, 0);
        });

        it("signs in again once when Exchange refuses a token that expired early", async () => {
            emu.faults = { tokenExpiresEarlySeconds: 1 };
            const c = exo();
            await c.invoke("Get-TransportConfig");
            await new Promise((r) => setTimeout(r, 1500));
            emu.faults = {};
            const before = invokeCalls().length;
            await c.invoke("Get-TransportConfig");
            assert.deepStrictEqual(
                invokeCalls()
                    .slice(before)
                    .map((r) => r.status),
                [401, 200],
            );
        });

        it("a persistent outage ends with an honest error after bounded retries", async () => {
            emu.faults = { rate5xx: 1 };
            const started = Date.now();
            await rejectsWith(
                exo(APPS.provider, { policy: new RetryPolicy({ budgetMs: 2000, baseDelayMs: 100 }) }).invoke("Get-OrganizationConfig"),
                503,
                /Get-OrganizationConfig answered 503 serviceNotAvailable/,
            );
            assert.ok(Date.now() - started < 10_000);
        });
    });

    it("a state file written before Exchange was emulated loads with Exchange's defaults", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-exo-old-"));
        try {
            const tenant: any = newTenant("Old Tenant");
            delete tenant.exchange;
            fs.writeFileSync(
                path.join(dir, "tenants.json"),
                JSON.stringify({ schemaVersion: 1, adminKey: "k", tenants: { [tenant.tenantId]: tenant } }),
            );
            const store = new Store(dir);
            try {
                const loaded = store.tenant(tenant.tenantId)!;
                assert.strictEqual(loaded.exchange.organization.oauth2ClientProfileEnabled, true);
                assert.strictEqual(loaded.exchange.organization.smtpClientAuthenticationDisabled, true);
                assert.strictEqual(loaded.exchange.organization.name, "oldtenant.onmicrosoft.com");
                assert.ok(loaded.exchange.mailboxes.length > 0);
            } finally {
                store.close();
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
