/**
 * The SMTP AUTH provider (Exchange Online Set-TransportConfig and Set-CASMailbox
 * -SmtpClientAuthenticationDisabled) against the tenant emulator, with the real @azure/identity and
 * the Exchange admin API client: plan-time resolution of exceptions, create, no-op, update, owning
 * every mailbox, drift read, delete, check failures, permissions and faults.
 */
import * as assert from "node:assert";
import type { TenantClients } from "../../client";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { type ExchangeCall, recordExchangeCalls } from "../../tests/support/exchangeCalls";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { smtpAuth } from "./setting";

describe("emulator: SMTP AUTH provider", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    let domain: string;

    const addr = (name: string) => `${name}@${domain}`.toLowerCase();
    const providerAs = (app: string = APPS.provider, overrides: Record<string, string> = {}) =>
        new SettingProvider(smtpAuth, { verifyDelayMs: 50 }, () => clientsAs(emu, app, overrides));
    /** A provider whose Exchange calls are recorded (cmdlet and parameters, in order). */
    const recorded = () => {
        const clients = clientsAs(emu);
        const calls = recordExchangeCalls(clients);
        return { p: new SettingProvider(smtpAuth, { verifyDelayMs: 50 }, () => clients), calls, clients };
    };
    const writesOf = (calls: ExchangeCall[]) =>
        calls
            .filter((c) => /^(Set|New|Remove)-/.test(c.cmdlet))
            .map((c) => [c.cmdlet, c.params.Identity ?? null, c.params.SmtpClientAuthenticationDisabled]);
    const exchange = () => emu.defaultTenant().exchange;
    const orgDisabled = () => exchange().organization.smtpClientAuthenticationDisabled;
    const own = (name: string) => exchange().mailboxes.find((m) => m.name === name)!.smtpClientAuthenticationDisabled;
    const invokeCalls = () => emu.requests.filter((r) => r.path.endsWith("/InvokeCommand"));
    const providerWrites = () => invokeCalls().filter((r) => r.write && r.appId === emu.app(APPS.provider).appId);
    /** An administrator in the Exchange admin center: another app, through the same admin API. */
    const portal = (): TenantClients["exchange"] => clientsAs(emu, APPS.portal).exchange;
    /** The tenant as a new organisation has it: SMTP AUTH off, no mailbox with its own value. */
    const reset = async () => {
        const exo = portal();
        await exo.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: true });
        for (const m of exchange().mailboxes) {
            if (m.smtpClientAuthenticationDisabled !== null) {
                await exo.invoke("Set-CASMailbox", { Identity: m.primarySmtpAddress, SmtpClientAuthenticationDisabled: null });
            }
        }
    };
    /** check then create, as the engine does. */
    const plan = async (p: SettingProvider, inputs: Record<string, unknown>) => {
        const checked = await p.check({}, inputs);
        assert.deepStrictEqual(checked.failures, []);
        return checked.inputs;
    };

    useEmulator(
        (e) => (emu = e),
        {},
        async () => {
            domain = exchange().organization.name;
        },
    );
    beforeEach(async () => {
        emu.faults = {};
        await reset();
    });

    it("check resolves each exception to its mailbox, so the preview lists them, and writes nothing", async () => {
        const before = invokeCalls().length;
        const writesBefore = providerWrites().length;
        const checked = await providerAs().check(
            {},
            { disabledForOrganization: true, exceptions: [` ${addr("scanner").toUpperCase()} `, addr("info")] },
        );
        assert.deepStrictEqual(checked.failures, []);
        assert.deepStrictEqual(checked.inputs, {
            disabledForOrganization: true,
            exceptions: [addr("scanner").toUpperCase(), addr("info")],
            mailboxes: { [addr("info")]: "enabled", [addr("scanner")]: "enabled" },
            // The organisation switch as the tenant has it: the plan's from-value (issue #21).
            tenantAtPreview: { disabledForOrganization: true },
        });
        assert.strictEqual(
            invokeCalls().length,
            before + 3,
            "one Get-CASMailbox per exception, and Get-TransportConfig for the from-value",
        );
        assert.strictEqual(providerWrites().length, writesBefore);
    });

    it("create keeps SMTP AUTH for the exception before turning it off for the organisation, and verifies", async () => {
        await portal().invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        const { p, calls } = recorded();
        const inputs = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner")] });
        const r = await p.create(inputs);
        assert.strictEqual(orgDisabled(), true);
        assert.strictEqual(own("scanner"), false, "the scanner keeps SMTP AUTH ($false overrides the organisation)");
        assert.strictEqual(own("AdeleV"), null, "mailboxes not named are left alone");
        assert.deepStrictEqual(writesOf(calls), [
            ["Set-CASMailbox", addr("scanner"), false],
            ["Set-TransportConfig", null, true],
        ]);
        assert.strictEqual(r.id, `${emu.defaultTenant().tenantId}/smtpAuth`);
        assert.deepStrictEqual(r.outs, {
            disabledForOrganization: true,
            exceptions: [addr("scanner")],
            mailboxes: { [addr("scanner")]: "enabled" },
            observedMailboxes: { [addr("scanner")]: "enabled" },
            readScope: "namedMailboxes",
            // The tenant as read at preview, kept so a refresh carries it over (not the tenant's now).
            tenantAtPreview: { disabledForOrganization: false },
            tenantId: emu.defaultTenant().tenantId,
        });
        // Verification re-read only what changed: the mailbox and the transport config.
        const verify = calls.slice(calls.findIndex((c) => c.cmdlet === "Set-TransportConfig") + 1);
        assert.deepStrictEqual(verify.map((c) => [c.cmdlet, c.params.Identity ?? null]).sort(), [
            ["Get-CASMailbox", addr("scanner")],
            ["Get-TransportConfig", null],
        ]);
    });

    it("create on a tenant that already matches writes nothing", async () => {
        const p = providerAs();
        const inputs = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner")] });
        await p.create(inputs);
        const before = providerWrites().length;
        const again = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner")] });
        const r = await p.create(again);
        assert.strictEqual(providerWrites().length, before, "no Set-* at all");
        assert.deepStrictEqual(await p.diff("id", r.outs, again), { changes: false });
    });

    it("update adds an exception with one Set-CASMailbox; removing one stops managing it without a write", async () => {
        const p = providerAs();
        const first = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner")] });
        const created = await p.create(first);

        const second = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner"), addr("support")] });
        assert.deepStrictEqual(await p.diff("id", created.outs, second), { changes: true });
        const before = providerWrites().length;
        const updated = await p.update("id", created.outs, second);
        assert.strictEqual(providerWrites().length, before + 1);
        assert.strictEqual(own("support"), false);
        assert.deepStrictEqual(updated.outs!.observedMailboxes, { [addr("scanner")]: "enabled", [addr("support")]: "enabled" });

        // Dropping the scanner from the list: the tenant is not touched, but the state must forget it
        // (or a refresh would keep reading it), so the diff asks for an update that writes nothing.
        const third = await plan(p, { disabledForOrganization: true, exceptions: [addr("support")] });
        assert.deepStrictEqual(await p.diff("id", updated.outs, third), { changes: true });
        assert.deepStrictEqual(
            smtpAuth.diff(smtpAuth.validate(third).desired!, updated.outs as any).map((c) => c.field),
            [`mailboxes.${addr("scanner")}`],
        );
        const before2 = providerWrites().length;
        const last = await p.update("id", updated.outs, third);
        assert.strictEqual(providerWrites().length, before2, "nothing written");
        assert.strictEqual(own("scanner"), false, "the scanner keeps its own value");
        assert.deepStrictEqual(last.outs!.observedMailboxes, { [addr("support")]: "enabled" });
    });

    it("turning SMTP AUTH on for the organisation is one Set-TransportConfig", async () => {
        const p = providerAs();
        const inputs = await plan(p, { disabledForOrganization: false });
        const before = providerWrites().length;
        const r = await p.create(inputs);
        assert.strictEqual(orgDisabled(), false);
        assert.strictEqual(providerWrites().length, before + 1);
        assert.deepStrictEqual(r.outs!.mailboxes, {});
    });

    it("manageAllMailboxes resets every other mailbox with its own value to follow the organisation", async () => {
        await portal().invoke("Set-CASMailbox", { Identity: addr("AdeleV"), SmtpClientAuthenticationDisabled: false });
        await portal().invoke("Set-CASMailbox", { Identity: addr("MeganB"), SmtpClientAuthenticationDisabled: true });
        await portal().invoke("Set-CASMailbox", { Identity: addr("info"), SmtpClientAuthenticationDisabled: false });
        const p = providerAs();
        const inputs = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner")], manageAllMailboxes: true });
        assert.deepStrictEqual(inputs.mailboxes, {
            [addr("adelev")]: "followsOrganization",
            [addr("info")]: "followsOrganization",
            [addr("meganb")]: "followsOrganization",
            [addr("scanner")]: "enabled",
        });
        const before = providerWrites().length;
        const r = await p.create(inputs);
        assert.strictEqual(providerWrites().length, before + 4);
        assert.deepStrictEqual(
            exchange().mailboxes.map((m) => [m.name, m.smtpClientAuthenticationDisabled]),
            [
                ["AdeleV", null],
                ["AlexW", null],
                ["DiegoS", null],
                ["MeganB", null],
                ["scanner", false],
                ["info", null],
                ["support", null],
            ],
        );
        assert.strictEqual(r.outs!.readScope, "allMailboxes");

        // A mailbox given its own value after the plan is reset too (the update reads every mailbox).
        await portal().invoke("Set-CASMailbox", { Identity: addr("DiegoS"), SmtpClientAuthenticationDisabled: false });
        await p.update("id", r.outs, inputs);
        assert.strictEqual(own("DiegoS"), null);

        // Back to named mailboxes only: nothing to write, but the recorded scope changes.
        const named = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner")] });
        assert.deepStrictEqual(await p.diff("id", r.outs, named), { changes: true });
        const before2 = providerWrites().length;
        const u = await p.update("id", r.outs, named);
        assert.strictEqual(providerWrites().length, before2);
        assert.strictEqual(u.outs!.readScope, "namedMailboxes");
    });

    it("read reports changes made in the admin center as the live state, in outputs and inputs", async () => {
        const p = providerAs();
        const inputs = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner")] });
        const created = await p.create(inputs);
        await portal().invoke("Set-CASMailbox", { Identity: addr("scanner"), SmtpClientAuthenticationDisabled: null });
        await portal().invoke("Set-CASMailbox", { Identity: addr("AlexW"), SmtpClientAuthenticationDisabled: false });
        const r = await p.read(created.id, created.outs);
        assert.strictEqual(
            invokeCalls()
                .filter((c) => c.write)
                .at(-1)!.appId,
            emu.app(APPS.portal).appId,
            "the drift was made by the portal app",
        );
        assert.deepStrictEqual(r.props!.observedMailboxes, { [addr("scanner")]: "followsOrganization" }, "AlexW is not managed");
        assert.deepStrictEqual(r.inputs, {
            disabledForOrganization: true,
            exceptions: [addr("scanner")],
            mailboxes: { [addr("scanner")]: "followsOrganization" },
            tenantAtPreview: inputs.tenantAtPreview,
        });
        // The next plan shows the change back, field by field.
        assert.deepStrictEqual(smtpAuth.diff(inputs as any, r.props as any), [
            { field: `mailboxes.${addr("scanner")}`, from: "followsOrganization", to: "enabled" },
        ]);

        // Owning every mailbox: a mailbox given its own value in the portal shows as drift too, and
        // the organisation switch turned on in the portal shows even with exceptions recorded.
        const all = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner")], manageAllMailboxes: true });
        const owned = await p.update("id", r.props, all);
        await portal().invoke("Set-CASMailbox", { Identity: addr("DiegoS"), SmtpClientAuthenticationDisabled: true });
        await portal().invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        const r2 = await p.read("id", owned.outs);
        assert.deepStrictEqual(r2.inputs, {
            disabledForOrganization: false,
            exceptions: [addr("scanner")],
            manageAllMailboxes: true,
            mailboxes: { [addr("alexw")]: "followsOrganization", [addr("diegos")]: "disabled", [addr("scanner")]: "enabled" },
            tenantAtPreview: all.tenantAtPreview,
        });
        // ... and a refresh of that state reads again (its recorded inputs conflict, but are readable).
        const r3 = await p.read("id", r2.props);
        assert.deepStrictEqual(r3.inputs, r2.inputs);
    });

    it("delete stops managing and leaves the tenant as it is", async () => {
        const p = providerAs();
        const created = await p.create(await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner")] }));
        const before = emu.requests.length;
        await p.delete(created.id, created.outs);
        assert.strictEqual(emu.requests.length, before, "delete makes no call");
        assert.strictEqual(orgDisabled(), true);
        assert.strictEqual(own("scanner"), false, "the exception keeps SMTP AUTH");
    });

    it("check rejects bad and conflicting input per property, with the fix, and writes nothing", async () => {
        const p = providerAs();
        const before = providerWrites().length;
        const failuresOf = async (inputs: Record<string, unknown>) => (await p.check({}, inputs)).failures!;

        const unknown = await failuresOf({
            disabledForOrganization: true,
            exceptions: [addr("scanner"), "printer9@nowhere.example", addr("ghost")],
        });
        assert.deepStrictEqual(
            unknown.map((f) => f.property),
            ["exceptions"],
        );
        assert.match(
            unknown[0].reason,
            new RegExp(
                String.raw`^SMTP AUTH: no such mailbox in Exchange Online: printer9@nowhere\.example, ghost@\S+\. Name each ` +
                    "exception by its user principal name or primary SMTP address",
            ),
        );

        const twice = await failuresOf({ disabledForOrganization: true, exceptions: [addr("scanner"), addr("Scanner").toUpperCase()] });
        assert.deepStrictEqual(
            twice.map((f) => f.property),
            ["exceptions"],
        );
        assert.match(twice[0].reason, /exceptions lists SCANNER@\S+ more than once; list each mailbox once/);

        const pointless = await failuresOf({ disabledForOrganization: false, exceptions: [addr("scanner")] });
        assert.deepStrictEqual(
            pointless.map((f) => f.property),
            ["exceptions"],
        );
        assert.match(
            pointless[0].reason,
            new RegExp(
                "disabledForOrganization is false, so every mailbox that follows the organisation has SMTP AUTH " +
                    "already; remove exceptions, or set disabledForOrganization: true",
            ),
        );

        const bad = await failuresOf({ disabledForOrganization: "yes", exceptions: ["scanner"], manageAllMailboxes: 1, extra: true });
        assert.deepStrictEqual(bad.map((f) => f.property).sort(), ["disabledForOrganization", "exceptions", "extra", "manageAllMailboxes"]);
        assert.match(
            bad.find((f) => f.property === "disabledForOrganization")!.reason,
            /must be true or false \(true turns SMTP AUTH off .*\), got "yes"/,
        );
        assert.match(
            bad.find((f) => f.property === "exceptions")!.reason,
            /exceptions\[0\] is not valid \(a user principal name or primary SMTP address \(name@domain\)\), got "scanner"/,
        );
        assert.match(
            bad.find((f) => f.property === "extra")!.reason,
            /extra is not a known property \(known: disabledForOrganization, exceptions, manageAllMailboxes\)/,
        );

        const notAList = await failuresOf({ disabledForOrganization: true, exceptions: "scanner@x.com" });
        assert.match(notAList[0].reason, /exceptions must be a list \(of mailboxes, e.g. \["scanner@contoso.com"\]\), got "scanner@x.com"/);
        const computed = await failuresOf({ disabledForOrganization: true, mailboxes: { [addr("scanner")]: false } });
        assert.match(computed[0].reason, /mailboxes is computed at plan time from exceptions; do not set it/);
        assert.strictEqual(providerWrites().length, before);
    });

    it("two names of the same mailbox are one mailbox listed twice", async () => {
        // A mailbox whose user principal name differs from its primary SMTP address.
        const scanner = exchange().mailboxes.find((m) => m.name === "scanner")!;
        const upn = scanner.userPrincipalName;
        scanner.primarySmtpAddress = `printer@${domain}`;
        try {
            const r = await providerAs().check({}, { disabledForOrganization: true, exceptions: [upn, `printer@${domain}`] });
            assert.deepStrictEqual(
                r.failures!.map((f) => f.property),
                ["exceptions"],
            );
            assert.match(
                r.failures![0].reason,
                new RegExp(`${upn} and printer@${domain} are the same mailbox \\(printer@${domain}\\); list it once`),
            );
            const ok = await providerAs().check({}, { disabledForOrganization: true, exceptions: [upn] });
            assert.deepStrictEqual(ok.inputs.mailboxes, { [`printer@${domain}`]: "enabled" }, "keyed by primary SMTP address");
        } finally {
            scanner.primarySmtpAddress = upn;
        }
    });

    it("a missing Exchange permission fails before any cmdlet and names Exchange.ManageAsApp", async () => {
        await portal().invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        const before = invokeCalls().length;
        const expect = (err: Error) => {
            assert.match(err.message, /^SMTP AUTH: the app registration cannot read this setting/);
            assert.match(err.message, /Grant the Office 365 Exchange Online application permission Exchange\.ManageAsApp/);
            assert.match(err.message, /The token carries: no application permissions\./);
            return true;
        };
        await assert.rejects(providerAs(APPS.reader).check({}, { disabledForOrganization: true, exceptions: [addr("scanner")] }), expect);
        await assert.rejects(
            providerAs(APPS.reader).create({ disabledForOrganization: true, mailboxes: { [addr("scanner")]: "enabled" } }),
            expect,
        );
        assert.strictEqual(invokeCalls().length, before, "no InvokeCommand at all");
        assert.strictEqual(orgDisabled(), false);
    });

    it("a mailbox deleted after the plan: the exception fails honestly and the organisation switch is not turned off", async () => {
        await portal().invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        const p = providerAs();
        const inputs = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner"), addr("support")] });
        const mailboxes = exchange().mailboxes;
        const gone = mailboxes.find((m) => m.name === "support")!;
        exchange().mailboxes = mailboxes.filter((m) => m !== gone);
        try {
            await assert.rejects(p.create(inputs), (err: Error) => {
                assert.match(
                    err.message,
                    /^SMTP AUTH: create failed: could not keep SMTP AUTH for support@\S+, so the organisation switch was not turned off/,
                );
                assert.match(err.message, /run pulumi preview again to re-resolve the exceptions/);
                return true;
            });
            assert.strictEqual(orgDisabled(), false, "the organisation still allows SMTP AUTH");
            assert.strictEqual(own("scanner"), false, "the other exception was applied");
            const again = await p.check({}, { disabledForOrganization: true, exceptions: [addr("scanner"), addr("support")] });
            assert.match(again.failures![0].reason, /no such mailbox in Exchange Online: support@/);
        } finally {
            exchange().mailboxes = mailboxes;
        }
    });

    it("converges through throttling (429 with Retry-After), 503s and a dropped connection", async () => {
        await portal().invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        const p = providerAs();
        const inputs = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner"), addr("info")] });
        emu.faults = {
            next: [
                { kind: "drop", count: 1, match: "InvokeCommand" },
                { kind: "429", count: 2, match: "InvokeCommand" },
                { kind: "503", count: 1, match: "InvokeCommand" },
            ],
            retryAfterSeconds: 1,
        };
        const before = invokeCalls().length;
        await p.create(inputs);
        assert.strictEqual(orgDisabled(), true);
        assert.strictEqual(own("scanner"), false);
        assert.strictEqual(own("info"), false);
        const statuses = invokeCalls()
            .slice(before)
            .map((r) => r.status);
        assert.ok(statuses.includes(429) && statuses.includes(503) && statuses.includes("dropped"), JSON.stringify(statuses));
    });

    it("a dropped Set-CASMailbox is sent again (absolute value) and verified", async () => {
        const { p, clients } = recorded();
        const inputs = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner")] });
        const inner = clients.exchange.invoke;
        (clients.exchange as any).invoke = async (cmdlet: string, params: any, opts: any) => {
            if (cmdlet === "Set-CASMailbox") {
                emu.faults = { next: [{ kind: "drop", count: 1, match: "InvokeCommand" }] };
            }
            return inner(cmdlet, params, opts);
        };
        const before = invokeCalls().length;
        await p.create(inputs);
        assert.strictEqual(own("scanner"), false);
        const calls = invokeCalls().slice(before);
        assert.deepStrictEqual(
            calls.map((c) => [c.write, c.status]),
            [
                [false, 200], // Get-TransportConfig
                [false, 200], // Get-CASMailbox scanner
                [false, "dropped"], // the Set, dropped before Exchange saw it
                [true, 200], // the Set, sent again
                [false, 200], // verify: Get-CASMailbox scanner
            ],
        );
    });

    it("a persistent outage ends with an honest error, and a rerun converges", async () => {
        await portal().invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        const p = providerAs();
        const inputs = await plan(p, { disabledForOrganization: true, exceptions: [addr("scanner")] });
        emu.faults = { rate5xx: 1 };
        const started = Date.now();
        await assert.rejects(
            providerAs(APPS.provider, { M365_MFA_RETRY_BUDGET_SECONDS: "3" }).create(inputs),
            new RegExp(
                String.raw`SMTP AUTH: create failed: gave up running Get-TransportConfig in Exchange Online after \d+ ` +
                    String.raw`attempts over [\d.]+ s \(the retry budget is 3\.0 s: stack config m365-mfa:retryBudgetSeconds or ` +
                    String.raw`M365_MFA_RETRY_BUDGET_SECONDS\); the last answer: Exchange Online POST ` +
                    String.raw`\/adminapi\/beta\/[^/]+\/InvokeCommand Get-TransportConfig answered 503 serviceNotAvailable.*run ` +
                    "pulumi up again to resume",
            ),
        );
        assert.ok(Date.now() - started < 10_000, "bounded by the retry budget");
        emu.faults = {};
        assert.strictEqual(orgDisabled(), false, "nothing was changed");
        await p.create(inputs);
        assert.strictEqual(orgDisabled(), true);
        assert.strictEqual(own("scanner"), false);
    });
});
