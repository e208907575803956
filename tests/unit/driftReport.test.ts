/**
 * The drift report as a security reviewer reads it: one column order (expected | found) for fields and
 * users, who changed it in one section (this stack's own writes told apart), what a --remediate run
 * did with the drift it found kept, repair hints that apply (a tenant of multi-tenant), singular and
 * plural, one number format.
 */
import * as assert from "node:assert";
import { type DriftReport, driftMarkdown } from "../../pipelines/drift";
import { tenantHints } from "../../multitenant/run";
import { perUserMfa } from "../../settings/perUserMfa/setting";
import { securityDefaults } from "../../settings/securityDefaults/setting";
import { smtpAuth } from "../../settings/smtpAuth/setting";

const manyUsers = Array.from({ length: 12_345 }, (_, i) => `user${i}@contoso.com`);

const base = (): DriftReport => ({
    stack: "prod",
    checkedAt: "2026-12-05T01:00:00.000Z",
    drifted: true,
    pending: false,
    settings: [
        {
            name: "tenant-security-defaults",
            title: "Security defaults",
            type: securityDefaults.type,
            kind: "drift",
            fields: [{ field: "isEnabled", expected: true, found: false }],
            users: [],
        },
        {
            name: "tenant-per-user-mfa",
            title: "Per-user MFA",
            type: perUserMfa.type,
            kind: "drift",
            fields: [],
            users: [{ expected: "enforced", found: "disabled", users: manyUsers }],
        },
        {
            name: "tenant-smtp-auth",
            title: "SMTP AUTH",
            type: smtpAuth.type,
            kind: "drift",
            fields: [{ field: "disabledForOrganization", expected: true, found: false }],
            users: [],
        },
    ],
    attribution: {
        available: true,
        selfAppId: "app-self",
        bySetting: {
            "tenant-security-defaults": [
                {
                    when: "2026-12-04T09:00:00Z",
                    who: "adele@contoso.com",
                    by: "user",
                    activity: "Update security defaults",
                    target: "Security Defaults",
                },
                {
                    when: "2026-12-01T09:00:00Z",
                    who: "m365-mfa-provider",
                    by: "self",
                    appId: "app-self",
                    activity: "Update security defaults",
                    target: "Security Defaults",
                },
            ],
            "tenant-per-user-mfa": [],
        },
    },
});

describe("unit: the drift report", () => {
    it("expected | found for fields and users alike, counts in one number format", () => {
        const md = driftMarkdown(base());
        assert.match(md, /\| field \| expected \| found \|\n\|---\|---\|---\|\n\| isEnabled \| true \| false \|/);
        assert.match(
            md,
            /\| expected \| found \| users \| which \|\n\|---\|---\|---:\|---\|\n\| enforced \| disabled \| 12,345 \| user0@contoso\.com, /,
        );
        assert.ok(!/\| found \| expected \|/.test(md), md);
        assert.ok(!/\b12345\b/.test(md), "one number format");
    });

    it("who changed it in one section, after the drift: a person, this stack's own write, none, not recorded", () => {
        const md = driftMarkdown(base());
        assert.strictEqual(md.match(/Who changed it/g)?.length, 1, md);
        const who = md.slice(md.indexOf("## Who changed it"));
        assert.ok(md.indexOf("## Who changed it") > md.indexOf("### SMTP AUTH"), "after every drifted setting's tables");
        assert.match(
            who,
            new RegExp(
                "\\| Security defaults \\(`tenant-security-defaults`\\) \\| 2026-12-04T09:00:00Z \\| " +
                    "\\*\\*adele@contoso\\.com\\*\\* \\(user\\) \\| Update security defaults \\| Security Defaults \\|",
            ),
        );
        assert.match(who, /\| 2026-12-01T09:00:00Z \| \*\*m365-mfa-provider\*\* \(this stack's app: m365-mfa's own write\) \|/);
        assert.match(who, /this stack's app is app-self/);
        assert.match(who, /No change in the last 30 days: Per-user MFA \(`tenant-per-user-mfa`\)\./);
        assert.match(
            who,
            /Not recorded in the directory audit log \(Exchange Online keeps its own admin audit log\): SMTP AUTH \(`tenant-smtp-auth`\)\./,
        );
        const unavailable = driftMarkdown({
            ...base(),
            attribution: { available: false, reason: "grant it AuditLog.Read.All and Directory.Read.All", bySetting: {} },
        });
        assert.match(unavailable, /## Who changed it\n\nNot shown: grant it AuditLog\.Read\.All and Directory\.Read\.All\./);
        assert.strictEqual(unavailable.match(/Who changed it|Changed by/gi)?.length, 1);
    });

    it("singular and plural", () => {
        const one = { ...base(), settings: base().settings.slice(0, 1) };
        assert.match(driftMarkdown(one), /\*\*Drift: 1 setting no longer matches what was last applied\*\*/);
        assert.match(driftMarkdown(base()), /\*\*Drift: 3 settings no longer match what was last applied\*\*/);
        const pendingOne: DriftReport = {
            ...one,
            drifted: false,
            pending: true,
            attribution: undefined,
            settings: [{ ...one.settings[0], kind: "pending" }],
        };
        assert.match(
            driftMarkdown(pendingOne),
            new RegExp(
                String.raw`No drift: the tenant matches what was last applied\. 1 setting has a change in the stack that is ` +
                    String.raw`not applied yet \(pending, not drift\)\.`,
            ),
        );
        const pendingTwo: DriftReport = { ...pendingOne, settings: [pendingOne.settings[0], { ...pendingOne.settings[0], name: "x" }] };
        assert.match(driftMarkdown(pendingTwo), / 2 settings have changes in the stack that are not applied yet/);
        assert.ok(!/\(s\)/.test(driftMarkdown(base()) + driftMarkdown(pendingTwo)), "no setting(s)");
    });

    it("a remediated report keeps the drift found, who and when, and says it was repaired", () => {
        const md = driftMarkdown({
            ...base(),
            remediation: { startedAt: "2026-12-05T01:00:05Z", finishedAt: "2026-12-05T01:00:20Z", outcome: "repaired" },
        });
        assert.match(
            md,
            /\*\*Repaired\*\*: `pulumi up --refresh` \(2026-12-05T01:00:05Z to 2026-12-05T01:00:20Z\) restored what was last applied/,
        );
        assert.match(
            md,
            /## Drift \(found, then repaired\)[\s\S]*\| isEnabled \| true \| false \|[\s\S]*## Who changed it[\s\S]*adele@contoso\.com/,
        );
        assert.ok(!/Repair with/.test(md), "no repair hint once repaired");
        const remains = driftMarkdown({
            ...base(),
            remediation: { startedAt: "a", finishedAt: "b", outcome: "drift remains", remaining: base().settings.slice(2) },
        });
        assert.match(
            remains,
            /\*\*Remediation did not clear the drift\*\*: after `pulumi up --refresh` \(a to b\) 1 setting still differs/,
        );
        assert.match(remains, /## Still drifted after the repair\n\n### SMTP AUTH/);
        assert.match(remains, /Repair with/);
    });

    it("repair hints that apply: the single stack's command, and a tenant of multi-tenant's own", () => {
        assert.match(driftMarkdown(base()), /Repair with `m365-mfa drift --stack prod --remediate`/);
        const tenant = driftMarkdown({ ...base(), hints: tenantHints("contoso", "tenants.yaml") });
        assert.match(tenant, /Repair with `m365-mfa multi-tenant --tenants tenants\.yaml --operation up --only contoso`/);
        assert.ok(
            !/pulumi up --refresh`? \(or|npm run drift/.test(tenant),
            "no single-stack command for a tenant whose config is in the runner's state directory",
        );
        const pending = driftMarkdown({
            ...base(),
            pending: true,
            settings: [{ ...base().settings[0], kind: "pending" }],
            hints: tenantHints("contoso", "tenants.yaml"),
        });
        assert.match(
            pending,
            /Review the pending changes with `m365-mfa multi-tenant --tenants tenants\.yaml --operation preview --only contoso`/,
        );
    });
});
