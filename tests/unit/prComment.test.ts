/**
 * The PR comment at any size (issue #14): under GitHub's 65,536-character limit at 10, 1,500 and
 * 10,000 users, with the counts and first names, every user in the full list, what weakens security
 * first, and valid Markdown (no error text inside a code fence it could break out of).
 */
import * as assert from "node:assert";
import type { Plan, SettingPlan } from "../../pipelines/plan";
import { COMMENT_LIMIT, prComment, prFullList } from "../../pipelines/render";
import { perUserMfa } from "../../settings/perUserMfa/setting";
import { securityDefaults } from "../../settings/securityDefaults/setting";
import type * as MethodConfiguration from "../../settings/authenticationMethods/methodConfiguration";

// As long as real names are (first.last plus a number at the tenant's initial domain).
const upn = (i: number) => `firstname.lastname${String(i).padStart(5, "0")}@contosoemulated.onmicrosoft.com`;

function planOf(users: number, extra: Partial<Plan> = {}, settings: SettingPlan[] = []): Plan {
    const disabled = Array.from({ length: users }, (_, i) => upn(i));
    return {
        settings: [
            {
                name: "tenant-per-user-mfa",
                urn: "urn:pulumi:s::p::m365-mfa:index:TenantMfaBaseline$pulumi-nodejs:dynamic/m365-mfa:PerUserMfa::tenant-per-user-mfa",
                type: perUserMfa.type,
                title: perUserMfa.title,
                op: "update",
                fields: [],
                users: [{ from: "disabled", to: "enforced", users: disabled }],
                weakens: [],
                configChanged: false,
            },
            ...settings,
        ],
        warnings: [],
        errors: [],
        others: [],
        policies: [],
        ...extra,
    };
}

describe("unit: the PR comment at any size", () => {
    for (const n of [10, 1_500, 10_000]) {
        it(`${n} users: under the limit, with the count, the first names, and every user in the full list`, () => {
            const plan = planOf(n);
            const text = prComment(plan, "contoso", { fullListName: "pr-summary-full.md" });
            assert.ok(text.length <= COMMENT_LIMIT, `${text.length} characters`);
            assert.match(text, new RegExp(`\\*\\*1 setting change\\*\\* · ${n} users change MFA state`));
            assert.match(text, new RegExp(`\\| disabled \\| enforced \\| ${n} \\| ${upn(0).replace(/\./g, "\\.")}, `));
            const full = prFullList(plan, "contoso");
            for (const i of [0, Math.floor(n / 2), n - 1]) assert.ok(full.includes(`- ${upn(i)}\n`), `${upn(i)} in the full list`);
            if (n <= 10) {
                assert.ok(text.includes(upn(n - 1)), "a short list is whole in the table");
            } else if (text.includes("<details>")) {
                // Inline only while it fits: then every user is in the comment itself.
                assert.ok(text.includes(`- ${upn(n - 1)}\n`));
            } else {
                assert.match(text, /All users of each transition: in the full list, `pr-summary-full\.md`\./);
            }
        });
    }

    it("at 1,500 users the whole list no longer fits inline (GitHub would refuse it), so it moves to the full list", () => {
        const text = prComment(planOf(1_500), "contoso", { fullListName: "full.md" });
        assert.ok(!text.includes("<details>"));
        assert.ok(prComment(planOf(1_500), "contoso", { maxChars: 1_000_000 }).includes("<details>"), "inline when there is room");
    });

    it("what weakens security comes first, with why", () => {
        const weakening: SettingPlan = {
            name: "tenant-security-defaults",
            urn: "urn:x",
            type: securityDefaults.type,
            title: securityDefaults.title,
            op: "update",
            fields: [{ field: "isEnabled", from: true, to: false }],
            users: [],
            weakens: ["security defaults switched off"],
            configChanged: false,
        };
        const text = prComment(planOf(10, {}, [weakening]), "contoso");
        const weak = text.indexOf("### ⚠️ Weakens security");
        assert.ok(weak > 0 && weak < text.indexOf("### Per-user MFA"), "the weakening section comes before the settings");
        assert.ok(text.indexOf("### Security defaults") < text.indexOf("### Per-user MFA"), "the weakening setting comes first");
        assert.match(text, /- \*\*Security defaults\*\* \(`tenant-security-defaults`\): security defaults switched off/);
    });

    it("errors and warnings are fenced so that no text breaks out, and **error:** stays outside the fence", () => {
        const text = prComment(planOf(1, { errors: ["bad ``` fence\nsecond line"], warnings: ["a warning"] }), "contoso");
        const lines = text.split("\n");
        const at = lines.indexOf("**error:**");
        assert.ok(at > 0, "the error label is its own line");
        assert.strictEqual(lines[at + 2], "````", "a fence longer than any run of backticks inside");
        assert.ok(!/^`{3,}[^`]*\*\*error/m.test(text));
    });

    it("a comment that would still be too long is cut with a notice, never over the limit", () => {
        const text = prComment(planOf(1, { warnings: Array.from({ length: 200 }, (_, i) => `warning ${i} `.repeat(200)) }), "contoso", {
            maxChars: 20_000,
        });
        assert.ok(text.length <= 20_000);
        assert.match(text, /This comment was cut at 20000 characters/);
    });
});

describe("unit: what weakens security, as each setting says", () => {
    it("per-user MFA off, security defaults off, a method off, a policy back to report-only, an exclusion removed", () => {
        const { requireMfaMember } =
            require("../../settings/conditionalAccess/member") as typeof import("../../settings/conditionalAccess/member");
        const { authenticationMethodConfiguration } =
            require("../../settings/authenticationMethods/methodConfiguration") as typeof MethodConfiguration;
        assert.ok(perUserMfa.weakens!({ field: "targets", from: "enforced", to: "disabled" }));
        assert.strictEqual(perUserMfa.weakens!({ field: "targets", from: "disabled", to: "enforced" }), undefined);
        assert.ok(securityDefaults.weakens!({ field: "isEnabled", from: true, to: false }));
        assert.strictEqual(securityDefaults.weakens!({ field: "isEnabled", from: false, to: true }), undefined);
        // A method weakens by method and direction (issue #21): SMS on weakens, SMS off does not; FIDO2 off weakens.
        const method = (m: string, from: string, to: string) =>
            authenticationMethodConfiguration.weakens!({ field: "state", from, to }, { method: m });
        assert.ok(method("sms", "disabled", "enabled"));
        assert.strictEqual(method("sms", "enabled", "disabled"), undefined);
        assert.ok(method("fido2", "enabled", "disabled"));
        const ca = (f: string, from: unknown, to: unknown) => requireMfaMember.composedWeakens!("t", { field: f, from, to });
        assert.match(ca("state", "enabled", "enabledForReportingButNotEnforced")!, /report-only/);
        assert.strictEqual(ca("state", "enabledForReportingButNotEnforced", "enabled"), undefined);
        assert.match(ca("conditions.users.excludedUsers", ["bg1", "bg2"], ["bg1"])!, /exclusion/);
        assert.strictEqual(ca("conditions.users.excludedUsers", ["bg1"], ["bg1", "bg2"]), undefined);
    });
});

describe("unit: the blast-radius confirmation names the change", () => {
    it("same count, other users or other states: another token; same change in any order or case: the same token", () => {
        const { confirmationToken } = require("../../settings/perUserMfa/setting") as typeof import("../../settings/perUserMfa/setting");
        const a = confirmationToken({ "a@x": "enforced", "b@x": "enforced" });
        assert.match(a, /^per-user-mfa:2:[0-9a-f]{8}$/);
        assert.strictEqual(confirmationToken({ "B@x": "enforced", "a@x": "enforced" }), a);
        assert.notStrictEqual(confirmationToken({ "a@x": "enforced", "c@x": "enforced" }), a);
        assert.notStrictEqual(confirmationToken({ "a@x": "enforced", "b@x": "enabled" }), a);
    });
});

describe("unit: a first rollout says from what to what, as the tenant was read at preview", () => {
    it("the header counts the planned transitions (what the guard confirms), and the table shows them", () => {
        const plan: Plan = {
            settings: [
                {
                    name: "tenant-per-user-mfa",
                    urn: "urn:x",
                    type: perUserMfa.type,
                    title: perUserMfa.title,
                    op: "create",
                    fields: [],
                    users: [],
                    weakens: [],
                    configChanged: true,
                    planned: [
                        { from: "disabled", to: "enforced", count: 1215 },
                        { from: "enabled", to: "enforced", count: 4 },
                    ],
                    desired: { targetCounts: { disabled: 0, enabled: 0, enforced: 1300 } },
                },
            ],
            warnings: [],
            errors: [],
            others: [],
            policies: [],
        };
        const text = prComment(plan, "contoso");
        assert.match(text, /\*\*1 setting change\*\* · 1219 users change MFA state/);
        assert.match(
            text,
            new RegExp(
                String.raw`\| from \(the tenant now\) \| to \| users \|\n\|---\|---\|---:\|\n\| disabled \| enforced \| 1215 ` +
                    String.raw`\|\n\| enabled \| enforced \| 4 \|`,
            ),
        );
    });
});
