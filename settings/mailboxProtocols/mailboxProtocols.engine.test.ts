/**
 * Legacy protocols before Microsoft's deadlines (issue 26), through the real Pulumi engine against
 * the emulator with 5,000 users: the preview warns about every mailbox that still sends with Basic
 * SMTP AUTH when the plan turns SMTP AUTH off (for the organisation, or for mailboxes), naming them
 * and Microsoft's dates, the exceptions apart; mailbox protocols applied to every mailbox behind the
 * count-and-digest guard, exported and re-applied with no write; a bad protocol name and an unknown
 * mailbox refused naming the config key.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { clientsAs, startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const DATES = new RegExp(
    "Microsoft switches Basic authentication for SMTP AUTH off by default for existing tenants at the end of " +
        "December 2026 and removes it in the second half of 2027",
);

describe("engine: legacy protocols before Microsoft's deadlines (issue 26)", function () {
    this.timeout(1_800_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const exchangeWrites = () =>
        emu.requests.filter((r) => r.path.endsWith("/InvokeCommand") && r.write && r.appId === emu.app(APPS.provider).appId).length;
    const mailboxes = () => emu.defaultTenant().exchange.mailboxes;
    /** Accounts that signed in with Authenticated SMTP in the last 30 days (the emulator's sign-in log), lower case, sorted. */
    const smtpSenders = () => {
        const since = Date.now() - 30 * 24 * 3600 * 1000 + 60_000;
        return [
            ...new Set(
                emu
                    .directory()
                    .signIns()
                    .filter((s) => s.clientAppUsed === "Authenticated SMTP" && s.at >= since)
                    .map((s) => s.userPrincipalName.toLowerCase()),
            ),
        ].sort();
    };
    const withMailbox = (upn: string) => mailboxes().some((m) => m.primarySmtpAddress.toLowerCase() === upn);
    /** The names listed under a warning's first part (before the exceptions). */
    const stopPart = (output: string, what: string) => {
        const at = output.indexOf(what);
        assert.ok(at >= 0, `the preview says "${what}"`);
        const rest = output.slice(at);
        const end = rest.indexOf("Exceptions (");
        return end < 0 ? rest.slice(0, 20_000) : rest.slice(0, end);
    };

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-mbx-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        emu.store.seedTenant(emu.defaultTenant().tenantId, 5150, 26); // members have mailboxes, guests do not: about 5,000 mailboxes
        ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: emu.env(APPS.provider),
        });
        // An organisation that still allows SMTP AUTH (created before January 2020).
        await clientsAs(emu, APPS.portal).exchange.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        assert.ok(mailboxes().length >= 5000, `5,000 mailboxes or more (${mailboxes().length})`);
    });

    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it(
        "turning SMTP AUTH off for the organisation warns at preview with the exact names and Microsoft's date; exceptions shown " +
            "apart",
        async () => {
            const senders = smtpSenders().filter(withMailbox);
            assert.ok(senders.length >= 3, `the tenant has Basic SMTP AUTH senders (${senders.length})`);
            const kept = senders[1];
            const stopping = senders.filter((s) => s !== kept);
            await ws.initStack("smtp", {}, { "m365-mfa:baseline": { smtpAuth: { disabledForOrganization: true, exceptions: [kept] } } });
            const before = exchangeWrites();
            const r = await ws.preview("smtp");
            assert.strictEqual(r.code, 0, r.output);
            const what =
                `SMTP AUTH off for the organisation: ${stopping.length} users still sign in with Authenticated SMTP and will stop ` +
                "working";
            const part = stopPart(r.output, what);
            assert.match(part, DATES);
            for (const s of stopping.slice(0, 25)) assert.ok(part.includes(`  - ${s}: `), `${s} is named among those that stop`);
            assert.ok(!part.includes(`  - ${kept}: `), "the exception is not among those that stop");
            assert.match(
                r.output,
                new RegExp(
                    `Exceptions \\(smtpAuth\\.exceptions\\), kept on, needs OAuth after the cut-off \\(the end of December 2026; ` +
                        `removal in the second half of 2027\\): 1 still send with Basic SMTP AUTH:\\s*\\n\\s*- ${esc(kept)}: \\d+ ` +
                        "sign-ins?",
                ),
            );
            assert.strictEqual(exchangeWrites(), before, "a preview writes nothing");
        },
    );

    it(
        "mailbox protocols for 5,000 mailboxes: the guard asks for a confirmation naming the change; with it, the preview warns " +
            "who loses SMTP AUTH, up applies, and nothing is left to change",
        async () => {
            const senders = smtpSenders().filter(withMailbox);
            const kept = senders[0];
            const protocols = {
                defaults: { pop: false, imap: false, smtpAuth: "disabled" },
                exceptions: [{ mailboxes: [kept], imap: true, smtpAuth: "enabled" }],
            };
            await ws.initStack("mp", {}, { "m365-mfa:baseline": { mailboxProtocols: protocols } });
            const refused = await ws.preview("mp");
            assert.notStrictEqual(refused.code, 0, refused.output);
            const total = mailboxes().length;
            assert.match(
                refused.output,
                new RegExp(
                    `this plan changes the protocols of ${total.toLocaleString("en")} mailboxes \\(the limit is 500: ` +
                        `m365-mfa:baseline\\.mailboxProtocols\\.maxMailboxChanges\\)`,
                ),
            );
            const token = /add "(mailbox-protocols:\d+:[0-9a-f]{8})" to m365-mfa:baseline\.guards\.confirm/.exec(refused.output)?.[1];
            assert.ok(token, refused.output);
            await ws.setConfigObject("mp", "m365-mfa:baseline", { mailboxProtocols: protocols, guards: { confirm: [token] } });
            const preview = await ws.preview("mp");
            assert.strictEqual(preview.code, 0, preview.output);
            // Every mailbox follows an organisation that allows SMTP AUTH, so all senders but the exception stop.
            const stopping = senders.filter((s) => s !== kept);
            const what =
                `SMTP AUTH off for ${total - 1} mailboxes (m365-mfa:baseline.mailboxProtocols): ${stopping.length} users still sign ` +
                "in with Authenticated SMTP and will stop working";
            const part = stopPart(preview.output, what);
            assert.match(part, DATES);
            for (const s of stopping.slice(0, 25)) assert.ok(part.includes(`  - ${s}: `), `${s} is named`);
            assert.match(
                preview.output,
                new RegExp(
                    `Exceptions \\(m365-mfa:baseline\\.mailboxProtocols\\.exceptions\\), kept on, needs OAuth after the ` +
                        `cut-off[^\\n]*\\n\\s*- ${esc(kept)}: `,
                ),
            );
            const before = exchangeWrites();
            const up = await ws.up("mp");
            assert.strictEqual(up.code, 0, up.output);
            for (const m of mailboxes()) {
                const own = m.primarySmtpAddress.toLowerCase() === kept;
                assert.strictEqual(m.popEnabled, false, m.primarySmtpAddress);
                assert.strictEqual(m.imapEnabled !== false, own, m.primarySmtpAddress);
                assert.strictEqual(m.smtpClientAuthenticationDisabled, !own, m.primarySmtpAddress);
            }
            assert.ok(
                (emu.defaultTenant().exchange.casMailboxPlans ?? []).every((p) => !p.popEnabled && !p.imapEnabled),
                "new mailboxes get the defaults (CAS mailbox plans)",
            );
            const written = exchangeWrites() - before;
            assert.ok(
                written >= total && written <= total + 4 + 10,
                `one Set-CASMailbox per mailbox and one Set-CASMailboxPlan per plan (${written})`,
            );
            const again = await ws.preview("mp", "--expect-no-changes");
            assert.strictEqual(again.code, 0, again.output);
            const upAgain = await ws.up("mp");
            assert.strictEqual(upAgain.code, 0, upAgain.output);
            assert.strictEqual(exchangeWrites() - before, written, "re-applied: no write");
            // Drift: an administrator turns POP back on for one mailbox; the refresh names it by address.
            const victim = mailboxes()
                .find((m) => m.primarySmtpAddress.toLowerCase() !== kept)!
                .primarySmtpAddress.toLowerCase();
            await clientsAs(emu, APPS.portal).exchange.invoke("Set-CASMailbox", { Identity: victim, PopEnabled: true });
            const drift = await ws.refresh("mp", "--preview-only", "--expect-no-changes", "--diff");
            assert.notStrictEqual(drift.code, 0, drift.output);
            assert.ok(drift.output.includes(victim), `the drifted mailbox ${victim} is named`);
            const repaired = await ws.up("mp", "--refresh");
            assert.strictEqual(repaired.code, 0, repaired.output);
            assert.strictEqual(mailboxes().find((m) => m.primarySmtpAddress.toLowerCase() === victim)!.popEnabled, false, "repaired");
            assert.strictEqual(exchangeWrites() - before, written + 1, "one write repairs it");
        },
    );

    it("the tenant exported and applied on a new stack writes nothing", async () => {
        const out = path.join(tmp, "export.json");
        const r = await ws.cli(["export", "--format", "json", "--out", out, "--include", "mailboxProtocols"]);
        assert.strictEqual(r.code, 0, r.output);
        const exported = JSON.parse(fs.readFileSync(out, "utf8"));
        const kept = mailboxes()
            .find((m) => m.imapEnabled !== false)!
            .primarySmtpAddress.toLowerCase();
        assert.deepStrictEqual(exported.mailboxProtocols, {
            defaults: { pop: false, imap: false, activeSync: true },
            exceptions: [{ mailboxes: [kept], imap: true }],
        });
        await ws.initStack("adopted", {}, { "m365-mfa:baseline": exported });
        const before = exchangeWrites();
        const up = await ws.up("adopted");
        assert.strictEqual(up.code, 0, up.output);
        assert.strictEqual(exchangeWrites(), before, "adoption writes nothing");
        const again = await ws.preview("adopted", "--expect-no-changes");
        assert.strictEqual(again.code, 0, again.output);
    });

    it("a bad protocol name and an unknown mailbox are refused naming the config key; nothing is written", async () => {
        const before = exchangeWrites();
        await ws.initStack("bad", {}, { "m365-mfa:baseline": { mailboxProtocols: { defaults: { pop3: false } } } });
        const bad = await ws.preview("bad");
        assert.notStrictEqual(bad.code, 0, bad.output);
        assert.match(bad.output, /m365-mfa:baseline\.mailboxProtocols\.defaults\.pop3 is not a known/);
        assert.match(bad.output, /did you mean pop\b/);
        await ws.setConfigObject("bad", "m365-mfa:baseline", {
            mailboxProtocols: { exceptions: [{ mailboxes: ["ghost@contoso.onmicrosoft.com"], pop: true }] },
        });
        const unknown = await ws.preview("bad");
        assert.notStrictEqual(unknown.code, 0, unknown.output);
        assert.match(
            unknown.output,
            new RegExp(
                String.raw`no such mailbox in Exchange Online: ghost@contoso\.onmicrosoft\.com ` +
                    String.raw`\(m365-mfa:baseline\.mailboxProtocols\.exceptions\[0\]\.mailboxes\[0\]\)`,
            ),
        );
        assert.strictEqual(exchangeWrites(), before);
    });
});
