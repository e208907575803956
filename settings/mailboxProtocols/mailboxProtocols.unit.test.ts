/**
 * Mailbox protocols without a tenant: the member's config rules (bad protocol names, exceptions named
 * twice, SMTP AUTH managed by two members), the guardrail (ScubaGear MS.EXO.5.1, CIS M365 6.5.4), and
 * the SMTP AUTH readiness report's words (Microsoft's dates, exceptions apart, no sign-in logs).
 */
import * as assert from "node:assert";
import { baselineArgsFromConfig } from "../../components/config";
import { impactOf, smtpAuthSection, smtpAuthWarning, type SmtpAuthReadiness } from "../../providers/framework/smtpAuthSenders";
import { mailboxSmtpAuthNotOnByDefault } from "./policy";
import { dynamicType } from "../../providers/framework/setting";

const KEY = "m365-mfa:baseline.mailboxProtocols";

describe("unit: mailbox protocols", () => {
    const problems = (baseline: Record<string, unknown>) => {
        try {
            baselineArgsFromConfig(baseline);
            return "";
        } catch (err) {
            return err instanceof Error ? err.message : String(err);
        }
    };

    it("a bad protocol name is refused naming the key and the nearest protocol", () => {
        const p = problems({ mailboxProtocols: { defaults: { pop3: false } } });
        assert.match(p, new RegExp(`${KEY.replace(/\./g, "\\.")}\\.defaults\\.pop3`));
        assert.match(p, /pop/);
        assert.match(
            problems({ mailboxProtocols: { exceptions: [{ mailboxes: ["a@contoso.com"], smtpAuth: "on" }] } }),
            /mailboxProtocols\.exceptions\[0\]\.smtpAuth.*enabled, disabled, or followsOrganization/,
        );
    });

    it("a mailbox named in two exceptions, and an exception with no protocol, are refused", () => {
        const p = problems({
            mailboxProtocols: { exceptions: [{ mailboxes: ["a@contoso.com"], pop: true }, { mailboxes: ["A@contoso.com"] }] },
        });
        assert.match(
            p,
            /mailboxProtocols\.exceptions\[1\]\.mailboxes\[0\]: A@contoso\.com is already named at exceptions\[0\]\.mailboxes\[0\]/,
        );
        assert.match(p, /mailboxProtocols\.exceptions\[1\]: exceptions\[1\] names no protocol/);
    });

    it("SMTP AUTH exceptions in both smtpAuth and mailboxProtocols are refused naming both keys", () => {
        const p = problems({
            smtpAuth: { disabledForOrganization: true, exceptions: ["scanner@contoso.com"] },
            mailboxProtocols: { exceptions: [{ mailboxes: ["printer@contoso.com"], smtpAuth: "enabled" }] },
        });
        assert.match(p, /m365-mfa:baseline\.mailboxProtocols manages SMTP AUTH on mailboxes and so does m365-mfa:baseline\.smtpAuth/);
        assert.strictEqual(problems({ smtpAuth: { disabledForOrganization: true }, mailboxProtocols: { defaults: { pop: false } } }), "");
    });

    it("the guardrail refuses SMTP AUTH on for every mailbox and cites MS.EXO.5.1 and CIS 6.5.4", () => {
        const v: string[] = [];
        const run = (props: any) =>
            (mailboxSmtpAuthNotOnByDefault.validateResource as any)(
                { type: dynamicType("MailboxProtocols"), name: "mp", props } as any,
                (m: string) => v.push(m),
            );
        run({ defaults: { smtpAuth: "followsOrganization" }, exceptions: [{ mailboxes: ["a@x.com"], smtpAuth: "enabled" }] });
        assert.deepStrictEqual(v, []);
        run({ defaults: { smtpAuth: "enabled" } });
        assert.match(v[0], /MS\.EXO\.5\.1.*6\.5\.4/);
        assert.match(mailboxSmtpAuthNotOnByDefault.description, /ScubaGear MS\.EXO\.5\.1, CIS M365 6\.5\.4/);
    });

    it("the readiness words: Microsoft's dates, exceptions apart, and a plain statement without sign-in logs", () => {
        const report: SmtpAuthReadiness = {
            generatedAt: "2026-12-05T00:00:00Z",
            windowDays: 30,
            signInLogs: true,
            senders: [
                {
                    userPrincipalName: "printer@contoso.com",
                    count: 12,
                    apps: ["Office 365 Exchange Online"],
                    lastSeen: "2026-12-01T10:00:00Z",
                },
                {
                    userPrincipalName: "scanner@contoso.com",
                    count: 3,
                    apps: ["Office 365 Exchange Online"],
                    lastSeen: "2026-11-20T10:00:00Z",
                },
            ],
        };
        const w = smtpAuthWarning("SMTP AUTH off for the organisation", report, impactOf(report, ["Scanner@Contoso.com"]))!;
        assert.match(
            w,
            new RegExp(
                "SMTP AUTH off for the organisation: 1 user still sign in with Authenticated SMTP and will stop " +
                    String.raw`working \(sign-in logs, last 30 days; Microsoft switches Basic authentication for SMTP AUTH off ` +
                    "by default for existing tenants at the end of December 2026 and removes it in the second half of " +
                    String.raw`2027\):\n {2}- printer@contoso\.com: 12 sign-ins, app Office 365 Exchange Online, last seen ` +
                    "2026-12-01",
            ),
        );
        assert.match(
            w,
            /Exceptions \(smtpAuth\.exceptions\), kept on, needs OAuth after the cut-off .*:\n {2}- scanner@contoso\.com: 3 sign-ins/,
        );
        // Only the mailboxes a plan turns off, when it names them.
        assert.deepStrictEqual(
            impactOf(report, [], ["scanner@contoso.com"]).stop.map((s) => s.userPrincipalName),
            ["scanner@contoso.com"],
        );
        const none: SmtpAuthReadiness = { ...report, signInLogs: false, senders: [], statement: "This tenant has no sign-in logs (...)." };
        assert.strictEqual(
            smtpAuthWarning("SMTP AUTH off for the organisation", none, impactOf(none, [])),
            "SMTP AUTH off for the organisation: This tenant has no sign-in logs (...).",
        );
        assert.match(
            smtpAuthSection(report, ["scanner@contoso.com"], "markdown"),
            new RegExp(
                String.raw`## SMTP AUTH with Basic authentication, last 30 days[\s\S]*\| printer@contoso\.com \| 12 ` +
                    String.raw`\|[\s\S]*kept on, needs OAuth after the cut-off: 1 sending[\s\S]*\| scanner@contoso\.com \| 3 \|`,
            ),
        );
    });
});
