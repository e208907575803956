/**
 * Issue #21, without the engine: weakening is judged from the tenant as read at preview and said first,
 * by method and direction for authentication methods; creates show their from-values; per-user rows are
 * the guard's; a preset never weakens a tenant by default; migration stage 3 beside an explicit
 * perUserMfa is refused; a refused plan's confirmations are found and previewed. (The engine tests
 * weakening.test.ts and pipelines.test.ts drive the same through the real engine.)
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { baselineArgsFromConfig } from "../../components/config";
import { planFromPreviewJson } from "../../pipelines/plan";
import { prComment } from "../../pipelines/render";
import { confirmationsAsked, configWithConfirmations, keepReports, previewConfirmed } from "../../pipelines/review";
import { weakeningRefusal, weakeningToken } from "../../providers/framework/setting";
import { authenticationMethodConfiguration } from "../../settings/authenticationMethods/methodConfiguration";
import { securityDefaults } from "../../settings/securityDefaults/setting";

const BG = ["breakglass1@contoso.com"];
const DYN = "pulumi-nodejs:dynamic/m365-mfa:";
const urn = (type: string, name: string) => `urn:pulumi:s::p::m365-mfa:index:TenantMfaBaseline$${type}::${name}`;

describe("unit: weakening, judged from the tenant at preview (issue #21)", () => {
    it(
        "authentication methods: enabling SMS, voice or email OTP weakens; disabling a phishing-resistant one weakens; disabling " +
            "SMS does not",
        () => {
            const w = (method: string, from: string, to: string) =>
                authenticationMethodConfiguration.weakens!({ field: "state", from, to }, { method });
            for (const m of ["sms", "voice", "email"]) {
                assert.ok(w(m, "disabled", "enabled"), `${m} on`);
                assert.strictEqual(w(m, "enabled", "disabled"), undefined, `${m} off is what ScubaGear and Maester recommend`);
            }
            for (const m of ["fido2", "x509Certificate"]) {
                assert.match(w(m, "enabled", "disabled")!, /phishing-resistant/);
                assert.strictEqual(w(m, "disabled", "enabled"), undefined);
            }
            assert.strictEqual(w("microsoftAuthenticator", "disabled", "enabled"), undefined);
        },
    );

    it("security defaults off weakens unless enforced Conditional Access replaces both what they do", () => {
        const off = { field: "isEnabled", from: true, to: false };
        assert.match(
            securityDefaults.weakens!(off, { replacement: { requiresMfa: false, blocksLegacy: false } })!,
            /no MFA is required.*legacy authentication is no longer blocked/,
        );
        assert.match(
            securityDefaults.weakens!(off, { replacement: { requiresMfa: true, blocksLegacy: false } })!,
            /legacy authentication is no longer blocked/,
        );
        assert.strictEqual(securityDefaults.weakens!(off, { replacement: { requiresMfa: true, blocksLegacy: true } }), undefined);
        assert.ok(securityDefaults.weakens!(off), "on its own, nothing replaces them");
    });

    it("a weakening needs a confirmation that names it, bound to the change", () => {
        const change = [{ field: "isEnabled", from: true, to: false }];
        const refusal = weakeningRefusal("security-defaults", ["x lost"], change, []);
        assert.ok(refusal);
        const token = weakeningToken("security-defaults", ["x lost"], change);
        assert.match(token, /^weakens:security-defaults:[0-9a-f]{8}$/);
        assert.ok(refusal.reason.includes(`add "${token}" to m365-mfa:baseline.guards.confirm`));
        assert.strictEqual(weakeningRefusal("security-defaults", ["x lost"], change, [token]), undefined);
        assert.notStrictEqual(weakeningToken("security-defaults", ["y lost"], change), token, "another loss, another confirmation");
        assert.deepStrictEqual(confirmationsAsked([refusal.reason]), [token]);
    });

    it("the conditional-access preset keeps security defaults until a Conditional Access policy is enforced", () => {
        assert.strictEqual(baselineArgsFromConfig({ preset: "conditional-access", breakGlassAccounts: BG }).securityDefaults, undefined);
        assert.deepStrictEqual(
            baselineArgsFromConfig({ preset: "conditional-access", breakGlassAccounts: BG, legacyAuthentication: { mode: "on" } })
                .securityDefaults,
            { enabled: false },
        );
        assert.strictEqual(
            baselineArgsFromConfig({ preset: "per-user-mfa-to-conditional-access", migrationStage: 1, breakGlassAccounts: BG })
                .securityDefaults,
            undefined,
        );
    });

    it("migration stage 3 beside an explicit perUserMfa that keeps per-user MFA on is refused with the fix, not a silent no-op", () => {
        const adopted = { assignments: [{ state: "enforced", users: ["alice@contoso.com"] }] };
        assert.throws(
            () =>
                baselineArgsFromConfig({
                    preset: "per-user-mfa-to-conditional-access",
                    migrationStage: 3,
                    breakGlassAccounts: BG,
                    perUserMfa: adopted,
                }),
            new RegExp(
                String.raw`m365-mfa:baseline\.perUserMfa keeps per-user MFA on .* migrationStage 3 .* would change nothing\. ` +
                    String.raw`Remove m365-mfa:baseline\.perUserMfa`,
            ),
        );
        assert.doesNotThrow(() =>
            baselineArgsFromConfig({
                preset: "per-user-mfa-to-conditional-access",
                migrationStage: 2,
                breakGlassAccounts: BG,
                perUserMfa: adopted,
            }),
        );
        assert.doesNotThrow(() =>
            baselineArgsFromConfig({
                preset: "per-user-mfa-to-conditional-access",
                migrationStage: 3,
                breakGlassAccounts: BG,
                perUserMfa: { assignments: [], allOtherUsers: "disabled" },
            }),
        );
    });
});

describe("unit: the plan's from-values are the tenant's (issue #21)", () => {
    it("a create shows isEnabled true -> false from the tenant, and its weakening comes first", () => {
        const json = {
            steps: [
                {
                    op: "create",
                    urn: urn(`${DYN}SecurityDefaults`, "tenant-security-defaults"),
                    newState: {
                        type: `${DYN}SecurityDefaults`,
                        inputs: {
                            isEnabled: false,
                            replacement: { requiresMfa: false, blocksLegacy: false },
                            tenantAtPreview: { isEnabled: true },
                        },
                    },
                },
            ],
        };
        const plan = planFromPreviewJson(json);
        assert.deepStrictEqual(plan.settings[0].fields, [{ field: "isEnabled", from: true, to: false }]);
        assert.strictEqual(plan.settings[0].weakens.length, 1);
        const md = prComment(plan, "s");
        assert.match(md, /\| isEnabled \| true \| false \|/);
        assert.ok(md.indexOf("### ⚠️ Weakens security") < md.indexOf("**1 setting change**"), "the weakening is said first");
    });

    it(
        "per-user rows are the provider's planned transitions from the tenant: disabled -> enforced, no row for users who do not " +
            "change",
        () => {
            const targetCounts = { disabled: 3, enabled: 0, enforced: 0 };
            const json = {
                steps: [
                    {
                        op: "create",
                        urn: urn(`${DYN}PerUserMfa`, "tenant-per-user-mfa"),
                        newState: {
                            type: `${DYN}PerUserMfa`,
                            inputs: {
                                targetCounts,
                                planned: { "enforced -> disabled": 1 },
                                plannedFrom: { "b@x": "enforced" },
                                plannedTo: { "b@x": "disabled" },
                            },
                        },
                    },
                ],
            };
            const plan = planFromPreviewJson(json);
            assert.deepStrictEqual(plan.settings[0].users, [{ from: "enforced", to: "disabled", users: ["b@x"] }]);
            const md = prComment(plan, "s");
            assert.match(md, /1 users? change MFA state/);
            assert.match(md, /\| enforced \| disabled \| 1 \| b@x \|/);
            assert.doesNotMatch(md, /\| disabled \| 2 \|/, "no row for the users whose state does not change");
            assert.doesNotMatch(md, /not managed/);
        },
    );

    it("a Conditional Access policy created shows its state, grant and exclusions by name", () => {
        const json = {
            steps: [
                {
                    op: "create",
                    urn: urn(`${DYN}ConditionalAccessRollout`, "t-rollout"),
                    newState: {
                        type: `${DYN}ConditionalAccessRollout`,
                        inputs: {
                            policy: "conditionalAccessMfa",
                            mode: "reportOnly",
                            displayName: "p",
                            breakGlassAccounts: BG,
                            tenantAtPreview: { state: "none" },
                            excludedNames: { "0000-id": "breakglass1@contoso.com" },
                        },
                    },
                },
                {
                    op: "create",
                    urn: urn("azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy", "t-policy"),
                    newState: {
                        type: "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy",
                        inputs: {
                            displayName: "p",
                            state: "enabledForReportingButNotEnforced",
                            grantControls: { operator: "OR", builtInControls: ["mfa"] },
                            conditions: { users: { includedUsers: ["All"], excludedUsers: ["0000-id"] } },
                        },
                    },
                },
            ],
        };
        const md = prComment(planFromPreviewJson(json), "s");
        assert.doesNotMatch(md, /### Other resources/);
        assert.match(md, /\| state \| enabledForReportingButNotEnforced \|/);
        assert.match(md, /\| grantControls \| mfa \|/);
        assert.match(md, /\| excludedUsers \| \["breakglass1@contoso\.com"\] \|/);
        assert.match(md, /\| state \| \(no such policy\) \| enabledForReportingButNotEnforced \|/);
    });
});

describe("unit: a refused plan's comment (issue #21)", () => {
    it("previews what the asked confirmations would cover, round after round, and keeps every refusal", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-unit-review-"));
        try {
            const config = path.join(dir, "Pulumi.s.yaml");
            fs.writeFileSync(config, "encryptionsalt: abc\nconfig:\n  m365-mfa:baseline:\n    preset: conditional-access\n");
            const refused = {
                settings: [],
                warnings: [],
                errors: ['x: add "weakens:security-defaults:11111111" to m365-mfa:baseline.guards.confirm and preview again'],
                others: [],
                policies: [],
            };
            const seen: string[][] = [];
            const plan = await previewConfirmed(refused, config, path.join(dir), async (file) => {
                const confirm = require("yaml").parse(fs.readFileSync(file, "utf8")).config["m365-mfa:baseline"].guards.confirm as string[];
                seen.push(confirm);
                if (confirm.length === 1)
                    return {
                        plan: { ...refused, errors: ['y: add "conditional-access-mfa:3:22222222" to m365-mfa:baseline.guards.confirm'] },
                        failed: true,
                    };
                return {
                    plan: {
                        ...refused,
                        errors: [],
                        settings: [
                            {
                                name: "n",
                                urn: "u",
                                type: "PerUserMfa",
                                title: "Per-user MFA",
                                op: "update",
                                fields: [],
                                users: [{ from: "disabled", to: "enforced", users: ["a@x"] }],
                                weakens: [],
                                configChanged: true,
                            },
                        ],
                    },
                    failed: false,
                };
            });
            assert.deepStrictEqual(seen, [
                ["weakens:security-defaults:11111111"],
                ["weakens:security-defaults:11111111", "conditional-access-mfa:3:22222222"],
            ]);
            assert.strictEqual(plan.errors.length, 2, "both refusals stay");
            assert.deepStrictEqual(plan.confirmedBy, ["weakens:security-defaults:11111111", "conditional-access-mfa:3:22222222"]);
            const md = prComment(plan, "s");
            assert.match(md, /\| disabled \| enforced \| 1 \| a@x \|/);
            assert.match(md, /What these confirmations would cover: \*\*1 setting change\*\* · 1 user change MFA state, as below/);
            assert.ok(
                fs.readFileSync(config, "utf8").includes("preset: conditional-access") &&
                    !fs.readFileSync(config, "utf8").includes("guards"),
                "the stack's own config is untouched",
            );
            assert.ok(configWithConfirmations(path.join(dir, "missing.yaml"), ["t"], dir) === undefined);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the lists the messages name go to the full list, and the comment says where", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-unit-reports-"));
        try {
            const file = path.join(dir, "users-who-will-break-2026-12-05t01-02-03-004z-123-abcdef.txt");
            fs.writeFileSync(file, "a@x: IMAP4 3x\nb@x: POP3 1x\n");
            const plan = {
                settings: [],
                warnings: [`readiness ... (all 2: ${file}; npm run readiness for the full report)`],
                errors: [],
                others: [],
                policies: [],
            };
            const kept = keepReports(plan, dir, "full.md");
            assert.ok(!kept.plan.warnings[0].includes(dir), kept.plan.warnings[0]);
            assert.match(kept.plan.warnings[0], /the full list, `full\.md` \(list 1: users who will break\)/);
            assert.deepStrictEqual(kept.sections, ["", "## list 1: users who will break", "", "- a@x: IMAP4 3x", "- b@x: POP3 1x"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
