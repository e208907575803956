/**
 * Mailbox protocols against the tenant emulator: the CAS mailbox and CAS mailbox plan cmdlets as
 * Microsoft documents them (parameters, $null, errors, what is not modelled refused loudly), the
 * journal that keeps per-mailbox changes across a restart, the mailboxProtocols provider (exceptions
 * resolved at plan time, unknown mailboxes and bad protocol names refused naming the key, apply,
 * drift, the count-and-digest guard) and the SMTP AUTH readiness report.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs, startTrustedEmulator } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import {
    KEPT_ON,
    SMTP_AUTH_CLIENT_APP,
    impactOf,
    smtpAuthReadiness,
    smtpAuthSection,
    smtpAuthWarning,
} from "../../providers/framework/smtpAuthSenders";
import { mailboxProtocols, mailboxProtocolsConfirmation } from "./setting";
import { smtpAuth } from "../../settings/smtpAuth/setting";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { recordExchangeCalls } from "../../tests/support/exchangeCalls";

describe("emulator: mailbox protocols", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    const exo = () => clientsAs(emu, APPS.portal).exchange;
    const tenant = () => emu.defaultTenant();
    const mailbox = (address: string) =>
        tenant().exchange.mailboxes.find((m) => m.primarySmtpAddress.toLowerCase() === address.toLowerCase())!;
    const provider = (clients = clientsAs(emu)) => new SettingProvider(mailboxProtocols, { verifyDelayMs: 50 }, () => clients);
    const failureOf = async (p: Promise<unknown>) => {
        try {
            await p;
        } catch (err) {
            return err instanceof Error ? err.message : String(err);
        }
        assert.fail("expected a refusal");
    };

    useEmulator(
        (e) => (emu = e),
        {},
        async (e) => {
            e.store.seedTenant(e.defaultTenant().tenantId, 400, 5);
        },
    );

    describe("cmdlets", () => {
        it("Set-CASMailbox sets POP, IMAP and ActiveSync; Get-CASMailbox reports them; a no-op only warns", async () => {
            const [m] = await exo().invoke("Get-CASMailbox", { Identity: "AdeleV" });
            assert.deepStrictEqual([m.PopEnabled, m.ImapEnabled, m.ActiveSyncEnabled], [true, true, true], "documented defaults: $true");
            await exo().invoke("Set-CASMailbox", { Identity: "AdeleV", PopEnabled: false, ImapEnabled: false });
            const [after] = await exo().invoke("Get-CASMailbox", { Identity: m.PrimarySmtpAddress });
            assert.deepStrictEqual([after.PopEnabled, after.ImapEnabled, after.ActiveSyncEnabled], [false, false, true]);
            const again = await exo().execute("Set-CASMailbox", { Identity: "AdeleV", PopEnabled: false });
            assert.match(again.warnings.join(" "), /no settings of 'AdeleV' have been modified/);
            await exo().invoke("Set-CASMailbox", { Identity: "AdeleV", PopEnabled: true, ImapEnabled: true });
        });

        it(
            "Set-CASMailbox refuses $null for a Boolean protocol, takes it for SMTP AUTH (follow the organisation), and answers " +
                "an unknown identity with ManagementObjectNotFoundException",
            async () => {
                assert.match(
                    await failureOf(exo().invoke("Set-CASMailbox", { Identity: "AdeleV", PopEnabled: null })),
                    /PopEnabled.*System\.Boolean/,
                );
                await exo().invoke("Set-CASMailbox", { Identity: "AdeleV", SmtpClientAuthenticationDisabled: false });
                assert.strictEqual(
                    mailbox(tenant().exchange.mailboxes.find((x) => x.name === "AdeleV")!.primarySmtpAddress)
                        .smtpClientAuthenticationDisabled,
                    false,
                );
                await exo().invoke("Set-CASMailbox", { Identity: "AdeleV", SmtpClientAuthenticationDisabled: null });
                assert.strictEqual(tenant().exchange.mailboxes.find((x) => x.name === "AdeleV")!.smtpClientAuthenticationDisabled, null);
                const err = await failureOf(exo().invoke("Set-CASMailbox", { Identity: "ghost@nowhere.example", PopEnabled: false }));
                assert.match(err, /404/);
                assert.match(err, /couldn't be found.*ManagementObjectNotFoundException/);
            },
        );

        it("documented parameters the emulator does not model are refused loudly, never ignored", async () => {
            assert.match(
                await failureOf(exo().invoke("Set-CASMailbox", { Identity: "AdeleV", OWAEnabled: false })),
                /not modelled by the emulator/,
            );
            assert.match(
                await failureOf(exo().invoke("Set-CASMailboxPlan", { Identity: "ExchangeOnlineEnterprise", MAPIEnabled: false })),
                /not modelled by the emulator/,
            );
            assert.match(
                await failureOf(exo().invoke("Get-CASMailboxPlan", { Filter: "PopEnabled -eq $true" })),
                /not modelled by the emulator/,
            );
            // A parameter the cmdlet does not have at all is Exchange's own refusal.
            assert.match(
                await failureOf(exo().invoke("Set-CASMailbox", { Identity: "AdeleV", Pop3Enabled: false })),
                /A parameter cannot be found that matches parameter name 'Pop3Enabled'/,
            );
        });

        it(
            "CAS mailbox plans: listed with Deskless IMAP off, set by display name, name or GUID; no SMTP AUTH parameter; " +
                "existing mailboxes keep their values",
            async () => {
                const plans = await exo().invoke("Get-CASMailboxPlan");
                assert.deepStrictEqual(plans.map((p) => p.DisplayName).sort(), [
                    "ExchangeOnline",
                    "ExchangeOnlineDeskless",
                    "ExchangeOnlineEnterprise",
                    "ExchangeOnlineEssentials",
                ]);
                const deskless = plans.find((p) => p.DisplayName === "ExchangeOnlineDeskless")!;
                assert.strictEqual(deskless.ImapEnabled, false, "set-casmailboxplan: $false is the default for ExchangeOnlineDeskless");
                assert.match(deskless.Name, /^ExchangeOnlineDeskless-[0-9a-f-]{36}$/);
                await exo().invoke("Set-CASMailboxPlan", {
                    Identity: "ExchangeOnlineEnterprise",
                    PopEnabled: false,
                    ActiveSyncEnabled: false,
                });
                const [ent] = await exo().invoke("Get-CASMailboxPlan", {
                    Identity: plans.find((p) => p.DisplayName === "ExchangeOnlineEnterprise")!.Guid,
                });
                assert.deepStrictEqual([ent.PopEnabled, ent.ActiveSyncEnabled, ent.ImapEnabled], [false, false, true]);
                await exo().invoke("Set-CASMailboxPlan", { Identity: ent.Name, PopEnabled: true, ActiveSyncEnabled: true });
                assert.ok(
                    tenant().exchange.mailboxes.every((m) => m.popEnabled !== false),
                    "a plan change leaves existing mailboxes alone",
                );
                assert.match(
                    await failureOf(
                        exo().invoke("Set-CASMailboxPlan", {
                            Identity: "ExchangeOnlineEnterprise",
                            SmtpClientAuthenticationDisabled: true,
                        }),
                    ),
                    /A parameter cannot be found/,
                );
                const unknown = await failureOf(
                    exo().invoke("Set-CASMailboxPlan", { Identity: "ExchangeOnlinePremiumPlus", PopEnabled: false }),
                );
                assert.match(unknown, /404/);
                assert.match(unknown, /couldn't be found/);
                assert.match(
                    await failureOf(exo().invoke("Set-CASMailboxPlan", { PopEnabled: false })),
                    /missing mandatory parameters: Identity/,
                );
            },
        );

        it("per-mailbox changes survive a restart of the emulator (journal beside the state file)", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-emu-cas-"));
            try {
                let other = await startTrustedEmulator({ stateDir: dir });
                await clientsAs(other, APPS.portal).exchange.invoke("Set-CASMailbox", {
                    Identity: "MeganB",
                    ImapEnabled: false,
                    SmtpClientAuthenticationDisabled: false,
                });
                assert.ok(
                    fs.readdirSync(dir).some((f) => f.startsWith("exchange-cas-")),
                    "the change is in the journal",
                );
                await other.stop();
                other = await startTrustedEmulator({ stateDir: dir });
                const [m] = await clientsAs(other, APPS.portal).exchange.invoke("Get-CASMailbox", { Identity: "MeganB" });
                assert.deepStrictEqual([m.ImapEnabled, m.SmtpClientAuthenticationDisabled], [false, false]);
                await other.stop();
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("provider", () => {
        const reset = async () => {
            for (const m of tenant().exchange.mailboxes) {
                if (
                    m.popEnabled === false ||
                    m.imapEnabled === false ||
                    m.activeSyncEnabled === false ||
                    m.smtpClientAuthenticationDisabled !== null
                ) {
                    await exo().invoke("Set-CASMailbox", {
                        Identity: m.primarySmtpAddress,
                        PopEnabled: true,
                        ImapEnabled: true,
                        ActiveSyncEnabled: true,
                        SmtpClientAuthenticationDisabled: null,
                    });
                }
            }
            for (const p of await exo().invoke("Get-CASMailboxPlan")) {
                await exo().invoke("Set-CASMailboxPlan", {
                    Identity: p.Name,
                    PopEnabled: true,
                    ImapEnabled: p.DisplayName !== "ExchangeOnlineDeskless",
                    ActiveSyncEnabled: true,
                });
            }
        };
        beforeEach(reset);

        it("a bad protocol name and an unknown mailbox are refused naming the key; nothing is written", async () => {
            const calls = recordExchangeCalls(clientsAs(emu));
            const bad = await provider().check({}, { defaults: { pop3: false } });
            assert.match((bad.failures ?? []).map((f) => f.reason).join("\n"), /defaults\.pop3.*pop/);
            const clients = clientsAs(emu);
            const recorded = recordExchangeCalls(clients);
            const unknown = await provider(clients).check(
                {},
                {
                    configKey: "m365-mfa:baseline.mailboxProtocols",
                    exceptions: [{ mailboxes: [`AlexW@${tenant().exchange.organization.name}`, "nobody@nowhere.example"], imap: false }],
                },
            );
            const reasons = (unknown.failures ?? []).map((f) => f.reason).join("\n");
            assert.match(
                reasons,
                new RegExp(
                    String.raw`no such mailbox in Exchange Online: nobody@nowhere\.example ` +
                        String.raw`\(m365-mfa:baseline\.mailboxProtocols\.exceptions\[0\]\.mailboxes\[1\]\)`,
                ),
            );
            assert.deepStrictEqual(
                [...calls, ...recorded].filter((c) => /^Set-/.test(c.cmdlet)),
                [],
            );
        });

        it(
            "applies defaults to every mailbox and plan, keeps the exceptions, reads back no drift, and then sees drift by " + "address",
            async () => {
                const org = tenant().exchange.organization.name;
                const scanner = `scanner@${org}`.toLowerCase();
                const inputs = {
                    defaults: { pop: false, imap: false },
                    exceptions: [{ mailboxes: [scanner], imap: true }],
                    maxMailboxChanges: 100_000,
                };
                const p = provider();
                const checked = await p.check({}, inputs);
                assert.deepStrictEqual(checked.failures, []);
                assert.deepStrictEqual(checked.inputs.exceptionAddresses, { [scanner]: 0 });
                const total = tenant().exchange.mailboxes.length;
                assert.strictEqual(checked.inputs.planned["pop: on -> off"], total);
                assert.strictEqual(checked.inputs.planned["imap: on -> off"], total - 1);
                assert.strictEqual(checked.inputs.planned["plan pop: on -> off"], 4);
                const created = await p.create(checked.inputs);
                assert.deepStrictEqual(created.outs.differing, {});
                for (const m of tenant().exchange.mailboxes) {
                    assert.strictEqual(m.popEnabled, false, m.primarySmtpAddress);
                    assert.strictEqual(m.imapEnabled !== false, m.primarySmtpAddress.toLowerCase() === scanner, m.primarySmtpAddress);
                }
                assert.ok((tenant().exchange.casMailboxPlans ?? []).every((pl) => !pl.popEnabled && !pl.imapEnabled));
                // No perpetual diff.
                const diff = await p.diff(created.id, created.outs, checked.inputs);
                assert.strictEqual(diff.changes, false);
                // A config change since the last read is a change (the update reads the tenant again).
                const changed = await p.diff(created.id, created.outs, { ...checked.inputs, defaults: { pop: false, imap: true } });
                assert.strictEqual(changed.changes, true);
                // Drift: someone turns POP back on for one mailbox.
                const victim = tenant().exchange.mailboxes[3].primarySmtpAddress.toLowerCase();
                await exo().invoke("Set-CASMailbox", { Identity: victim, PopEnabled: true });
                const read = await p.read(created.id, created.outs);
                assert.deepStrictEqual(read.props!.differing, { [victim]: { pop: true } });
                assert.deepStrictEqual(read.inputs!.mailboxes, { [victim]: { pop: true } });
                const again = await p.diff(created.id, read.props, checked.inputs);
                assert.strictEqual(again.changes, true);
            },
        );

        it("written through Exchange's throttling and dropped connections: the client's retry policy finishes every mailbox", async () => {
            emu.faults = { rate429: 0.15, rate5xx: 0.05, dropRate: 0.03, retryAfterSeconds: 0, seed: 26 };
            try {
                const p = provider();
                const checked = await p.check({}, { defaults: { activeSync: false }, maxMailboxChanges: 100_000 });
                assert.deepStrictEqual(checked.failures, []);
                const created = await p.create(checked.inputs);
                assert.deepStrictEqual(created.outs.differing, {});
            } finally {
                emu.faults = {};
            }
            assert.ok(tenant().exchange.mailboxes.every((m) => m.activeSyncEnabled === false));
            const throttled = emu.requests.filter(
                (r) => r.path.endsWith("/InvokeCommand") && (r.status === 429 || r.status === 503),
            ).length;
            assert.ok(throttled > 10, `faults were injected (${throttled})`);
        });

        it("the blast-radius guard asks for a count-and-digest confirmation naming the change, and takes it", async () => {
            const inputs = { defaults: { activeSync: false }, maxMailboxChanges: 10 };
            const refused = await provider().check({}, inputs);
            const reason = (refused.failures ?? []).map((f) => f.reason).join("\n");
            const total = tenant().exchange.mailboxes.length;
            const lines = tenant()
                .exchange.mailboxes.map((m) => `${m.primarySmtpAddress.toLowerCase()}:activeSync=false`)
                .concat((tenant().exchange.casMailboxPlans ?? []).map((pl) => `plan ${pl.displayName}:activeSync=false`));
            const token = mailboxProtocolsConfirmation(lines);
            assert.match(
                reason,
                new RegExp(`changes the protocols of ${total} mailboxes \\(the limit is 10: mailboxProtocols\\.maxMailboxChanges\\)`),
            );
            assert.ok(reason.includes(`add "${token}" to m365-mfa:baseline.guards.confirm`), reason);
            const wrong = await provider().check({}, { ...inputs, confirm: ["mailbox-protocols:1:deadbeef"] });
            assert.ok((wrong.failures ?? []).length, "another confirmation does not do");
            const ok = await provider().check({}, { ...inputs, confirm: [token] });
            assert.deepStrictEqual(ok.failures, []);
        });

        it("switching a protocol on where the tenant has it off is a weakening that needs its own confirmation", async () => {
            await exo().invoke("Set-CASMailbox", { Identity: "AlexW", PopEnabled: false });
            const address = tenant().exchange.mailboxes.find((m) => m.name === "AlexW")!.primarySmtpAddress;
            const refused = await provider().check({}, { exceptions: [{ mailboxes: [address], pop: true }] });
            assert.match(
                (refused.failures ?? []).map((f) => f.reason).join("\n"),
                /this plan WEAKENS security.*POP switched on for 1 mailbox/,
            );
        });
    });

    describe("SMTP AUTH readiness", () => {
        const smtpSenders = () => {
            const since = Date.now() - 30 * 24 * 3600 * 1000;
            const by = new Map<string, number>();
            for (const s of emu.directory().signIns()) {
                if (s.clientAppUsed === SMTP_AUTH_CLIENT_APP && s.at >= since)
                    by.set(s.userPrincipalName.toLowerCase(), (by.get(s.userPrincipalName.toLowerCase()) ?? 0) + 1);
            }
            return by;
        };

        it(
            "names each account that used Basic SMTP AUTH, how often, " + "from which app and when last, with documented filters only",
            async () => {
                const expected = smtpSenders();
                assert.ok(expected.size > 0, "the seeded tenant has SMTP AUTH senders");
                const before = emu.requests.length;
                const report = await smtpAuthReadiness(clientsAs(emu));
                assert.strictEqual(report.signInLogs, true);
                assert.deepStrictEqual(new Map(report.senders.map((s) => [s.userPrincipalName, s.count])), new Map([...expected].sort()));
                assert.ok(report.senders.every((s) => s.apps.length && /^\d{4}-\d\d-\d\dT/.test(s.lastSeen)));
                const queries = emu.requests.slice(before).filter((r) => r.path.endsWith("/auditLogs/signIns"));
                assert.ok(queries.length >= 1);
                for (const q of queries) assert.match(decodeURIComponent(q.query ?? ""), /clientAppUsed eq 'Authenticated SMTP'/);
                // Exceptions apart, with Microsoft's dates.
                const [kept, ...others] = [...expected.keys()].sort();
                const text = smtpAuthWarning("SMTP AUTH off for the organisation", report, impactOf(report, [kept.toUpperCase()]))!;
                assert.match(
                    text,
                    new RegExp(
                        `SMTP AUTH off for the organisation: ${others.length} users? still sign in with Authenticated SMTP and ` +
                            "will stop working",
                    ),
                );
                assert.match(text, /end of December 2026.*second half of 2027/);
                assert.ok(text.includes(`${KEPT_ON}`) && text.split(KEPT_ON)[1].includes(kept), "the exception is shown apart");
                assert.ok(!text.split(KEPT_ON)[0].includes(`${kept}:`), "and not among those that stop");
                const section = smtpAuthSection(report, [kept], "table");
                assert.match(section, /SMTP AUTH with Basic authentication, last 30 days/);
            },
        );

        it("m365-mfa readiness shows the SMTP AUTH report, the mailboxes kept on apart", async () => {
            const senders = [...smtpSenders().keys()]
                .filter((u) => tenant().exchange.mailboxes.some((m) => m.primarySmtpAddress.toLowerCase() === u))
                .sort();
            const kept = senders[0];
            await exo().invoke("Set-CASMailbox", { Identity: kept, SmtpClientAuthenticationDisabled: false });
            const saved = { ...process.env };
            const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-readiness-")), "report.md");
            try {
                Object.assign(process.env, emu.env(APPS.provider));
                const { readinessCommand } = await import("../../readiness/cli");
                await readinessCommand({ format: "markdown", out });
            } finally {
                for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
                Object.assign(process.env, saved);
                await exo().invoke("Set-CASMailbox", { Identity: kept, SmtpClientAuthenticationDisabled: null });
            }
            const md = fs.readFileSync(out, "utf8");
            const section = md.slice(md.indexOf("## SMTP AUTH with Basic authentication, last 30 days"));
            assert.ok(section.length < md.length, md);
            assert.match(section, /end of December 2026 and removes it in the second half of 2027/);
            const [stop, keptPart] = section.split("kept on, needs OAuth after the cut-off");
            assert.match(stop, new RegExp(`Stop sending when SMTP AUTH goes off: ${smtpSenders().size - 1}`));
            for (const s of senders.slice(1)) assert.ok(stop.includes(`| ${s} |`), `${s} is listed`);
            assert.ok(!stop.includes(`| ${kept} |`) && keptPart.includes(`| ${kept} |`), "the mailbox kept on is shown apart");
        });

        it(
            "smtpAuth resetting mailboxes that had SMTP AUTH on their " + "own warns about those still sending, with Microsoft's dates",
            async () => {
                const senders = [...smtpSenders().keys()]
                    .filter((u) => tenant().exchange.mailboxes.some((m) => m.primarySmtpAddress.toLowerCase() === u))
                    .sort();
                const [own, other] = senders;
                await exo().invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: true });
                await exo().invoke("Set-CASMailbox", { Identity: own, SmtpClientAuthenticationDisabled: false });
                const logged: string[] = [];
                const error = console.error;
                console.error = (...a: unknown[]) => void logged.push(a.map(String).join(" "));
                try {
                    const checked = await new SettingProvider(smtpAuth, { verifyDelayMs: 50 }, () => clientsAs(emu)).check(
                        {},
                        { disabledForOrganization: true, manageAllMailboxes: true },
                    );
                    assert.deepStrictEqual(checked.failures, []);
                } finally {
                    console.error = error;
                    await exo().invoke("Set-CASMailbox", { Identity: own, SmtpClientAuthenticationDisabled: null });
                }
                const text = logged.join("\n");
                assert.match(
                    text,
                    new RegExp(
                        "warning: SMTP AUTH off for 1 mailbox that had it on their own: 1 user still sign in with " +
                            String.raw`Authenticated SMTP and will stop working \(sign-in logs, last 30 days; Microsoft switches ` +
                            "Basic authentication for SMTP AUTH off by default",
                    ),
                );
                assert.ok(text.includes(`  - ${own}: `), `${own} is named`);
                assert.ok(!text.includes(`  - ${other}: `), "a mailbox that follows the organisation (already off) is not");
            },
        );

        it("a tenant without sign-in logs gets a plain statement", async () => {
            const t = tenant();
            emu.store.mutate(() => (t.entraIdP1 = false));
            try {
                const report = await smtpAuthReadiness(clientsAs(emu));
                assert.strictEqual(report.signInLogs, false);
                assert.match(
                    report.statement!,
                    new RegExp(
                        String.raw`no sign-in logs \(Microsoft Entra ID P1 is needed; Graph answered 403 ` +
                            String.raw`Authentication_RequestFromNonPremiumTenantOrB2CTenant\)`,
                    ),
                );
                assert.match(
                    smtpAuthWarning("SMTP AUTH off for the organisation", report, impactOf(report, []))!,
                    /cannot be known.*end of December 2026/,
                );
            } finally {
                emu.store.mutate(() => (t.entraIdP1 = true));
            }
        });
    });
});
