/**
 * Each guardrail of the policy pack, on a passing and a violating configuration. The rules are tested
 * directly (constructing a PolicyPack starts a server), with the arguments the pack runtime gives them.
 */
import * as assert from "node:assert";
import { guardrails } from "../../policies/rules";
import { dynamicType } from "../../providers/framework/setting";
import { authenticationMethodConfiguration } from "../../settings/authenticationMethods/methodConfiguration";
import { authenticationMethodsPolicy } from "../../settings/authenticationMethods/policy";
import * as methodRules from "../../settings/authenticationMethods/policyRules";
import { CONDITIONAL_ACCESS_POLICY_TYPE } from "../../settings/conditionalAccess/member";
import * as caRules from "../../settings/conditionalAccess/policy";
import { modernAuthentication } from "../../settings/modernAuthentication/setting";
import * as modernAuthenticationRules from "../../settings/modernAuthentication/policy";
import { perUserMfa } from "../../settings/perUserMfa/setting";
import { securityDefaults } from "../../settings/securityDefaults/setting";
import * as securityDefaultsRules from "../../settings/securityDefaults/policy";
import { smtpAuth } from "../../settings/smtpAuth/setting";
import * as smtpAuthRules from "../../settings/smtpAuth/policy";

// The rules from their settings' folders, and the pack as the registry assembles it.
const rules = { guardrails, ...caRules, ...methodRules, ...modernAuthenticationRules, ...securityDefaultsRules, ...smtpAuthRules };
const TYPES = {
    securityDefaults: dynamicType(securityDefaults.type),
    modernAuthentication: dynamicType(modernAuthentication.type),
    smtpAuth: dynamicType(smtpAuth.type),
    perUserMfa: dynamicType(perUserMfa.type),
    methodsPolicy: dynamicType(authenticationMethodsPolicy.type),
    methodConfiguration: dynamicType(authenticationMethodConfiguration.type),
    conditionalAccess: CONDITIONAL_ACCESS_POLICY_TYPE,
};
type Res = { type: string; name: string; props: Record<string, any> };

function stack(policy: any, resources: Res[], config: Record<string, unknown> = {}): string[] {
    const violations: string[] = [];
    const defaults = Object.fromEntries(Object.entries(policy.configSchema?.properties ?? {}).map(([k, v]: any) => [k, v.default]));
    policy.validateStack({ resources, getConfig: () => ({ ...defaults, ...config }) }, (m: string) => violations.push(m));
    return violations;
}

function resource(policy: any, r: Res, config: Record<string, unknown> = {}): string[] {
    const violations: string[] = [];
    const defaults = Object.fromEntries(Object.entries(policy.configSchema?.properties ?? {}).map(([k, v]: any) => [k, v.default]));
    policy.validateResource({ ...r, getConfig: () => ({ ...defaults, ...config }) }, (m: string) => violations.push(m));
    return violations;
}

const sd = (on: boolean): Res => ({ type: TYPES.securityDefaults, name: "sd", props: { isEnabled: on } });
const ca = (state: string, extra: Record<string, any> = {}): Res => ({
    type: TYPES.conditionalAccess,
    name: "block-legacy",
    props: {
        displayName: "m365-mfa: block legacy authentication",
        state,
        conditions: { clientAppTypes: ["exchangeActiveSync", "other"], users: { includedUsers: ["All"], excludedUsers: ["bg-id"] } },
        grantControls: { operator: "OR", builtInControls: ["block"] },
        ...extra,
    },
});

describe("unit: guardrail policies", () => {
    it("every policy names its baseline mapping and an enforcement level", () => {
        // 15, the managed policies' break-glass rule, phishing-resistant MFA for all users (MS.AAD.3.1v1), per-user MFA disabled (CIS
        // 5.1.2.1).
        assert.strictEqual(rules.guardrails.length, 18);
        for (const p of rules.guardrails) {
            assert.ok(["mandatory", "advisory"].includes(p.enforcementLevel as string), p.name);
            assert.ok(/ScubaGear|Maester|Outlook|rollout guidance|Microsoft's guidance/.test(p.description), `${p.name} cites a baseline`);
        }
    });

    it("legacy-authentication-blocked: security defaults or an enforced block policy; report-only is not enough", () => {
        assert.deepStrictEqual(stack(rules.legacyAuthenticationBlocked, [sd(true)]), []);
        assert.deepStrictEqual(stack(rules.legacyAuthenticationBlocked, [sd(false), ca("enabled")]), []);
        assert.match(stack(rules.legacyAuthenticationBlocked, [sd(false)])[0], /Nothing in this stack blocks legacy authentication/);
        assert.match(stack(rules.legacyAuthenticationBlocked, [ca("enabledForReportingButNotEnforced")])[0], /nothing is blocked yet/);
    });

    it("smtp-auth-disabled", () => {
        assert.deepStrictEqual(
            stack(rules.smtpAuthDisabled, [
                { type: TYPES.smtpAuth, name: "smtp", props: { disabledForOrganization: true, exceptions: ["scanner@x"] } },
            ]),
            [],
        );
        assert.match(
            stack(rules.smtpAuthDisabled, [{ type: TYPES.smtpAuth, name: "smtp", props: { disabledForOrganization: false } }])[0],
            /enabled for the whole organisation/,
        );
        assert.match(stack(rules.smtpAuthDisabled, [])[0], /not managed/);
    });

    it("modern-authentication-on", () => {
        assert.deepStrictEqual(
            resource(rules.modernAuthenticationOn, { type: TYPES.modernAuthentication, name: "m", props: { enabled: true } }),
            [],
        );
        assert.match(
            resource(rules.modernAuthenticationOn, { type: TYPES.modernAuthentication, name: "m", props: { enabled: false } })[0],
            /Modern authentication is off/,
        );
    });

    it("no-sms-or-voice-for-admins: all users, or a configured admin group, is a violation; an excluded admin group is not", () => {
        const sms = (props: Record<string, any>): Res => ({
            type: TYPES.methodConfiguration,
            name: "sms",
            props: { method: "sms", state: "enabled", ...props },
        });
        assert.deepStrictEqual(
            resource(rules.noSmsOrVoiceForAdmins, sms({ state: "disabled", includeTargets: [{ id: "all_users" }] })),
            [],
        );
        assert.match(
            resource(rules.noSmsOrVoiceForAdmins, sms({ includeTargets: [{ id: "all_users" }] }))[0],
            /enabled for all users, administrators included/,
        );
        assert.match(
            resource(rules.noSmsOrVoiceForAdmins, sms({ includeTargets: [{ id: "g-admins" }] }), { adminGroupIds: ["g-admins"] })[0],
            /administrator group\(s\) g-admins/,
        );
        assert.deepStrictEqual(
            resource(rules.noSmsOrVoiceForAdmins, sms({ includeTargets: [{ id: "all_users" }], excludeTargets: [{ id: "g-admins" }] }), {
                adminGroupIds: ["g-admins"],
            }),
            [],
        );
    });

    it("authentication-methods-migration-complete", () => {
        assert.deepStrictEqual(
            stack(rules.migrationComplete, [
                { type: TYPES.methodsPolicy, name: "p", props: { policyMigrationState: "migrationComplete" } },
            ]),
            [],
        );
        assert.match(
            stack(rules.migrationComplete, [
                { type: TYPES.methodsPolicy, name: "p", props: { policyMigrationState: "migrationInProgress" } },
            ])[0],
            /migrationComplete/,
        );
    });

    it("break-glass-excluded-everywhere (Maester MT.1005)", () => {
        const cfg = { breakGlassUserPrincipalNames: ["bg@contoso.com"], breakGlassObjectIds: ["bg-id"] };
        const pum = (exclude: string[]): Res => ({ type: TYPES.perUserMfa, name: "pum", props: { excludeUsers: exclude } });
        assert.deepStrictEqual(stack(rules.breakGlassExcludedEverywhere, [ca("enabled"), pum(["BG@contoso.com"])], cfg), []);
        const bad = stack(
            rules.breakGlassExcludedEverywhere,
            [
                ca("enabled", {
                    conditions: { clientAppTypes: ["other"], users: { includedUsers: ["All"], excludedUsers: ["someone-else"] } },
                }),
                pum([]),
            ],
            cfg,
        );
        assert.strictEqual(bad.length, 2);
        assert.match(bad[0], /break-glass account\(s\) bg-id are not excluded/);
        assert.match(bad[1], /bg@contoso\.com are not excluded from per-user MFA/);
        assert.match(
            stack(rules.breakGlassExcludedEverywhere, [ca("enabled", { conditions: { users: { includedUsers: ["All"] } } })])[0],
            /excludes no emergency-access account/,
        );
    });

    it("report-only-time-limited", () => {
        const name = "m365-mfa: block legacy authentication";
        assert.deepStrictEqual(
            stack(rules.reportOnlyTimeLimited, [ca("enabledForReportingButNotEnforced")], {
                reportOnlySince: { [name]: "2026-11-01" },
                today: "2026-11-20",
            }),
            [],
        );
        assert.match(
            stack(rules.reportOnlyTimeLimited, [ca("enabledForReportingButNotEnforced")], {
                reportOnlySince: { [name]: "2026-09-01" },
                today: "2026-11-20",
            })[0],
            /in report-only for 80 days .*the limit is 30/,
        );
        assert.match(stack(rules.reportOnlyTimeLimited, [ca("enabledForReportingButNotEnforced")])[0], /no start date/);
        assert.deepStrictEqual(stack(rules.reportOnlyTimeLimited, [ca("enabled")]), []);
    });

    it("security-defaults-without-conditional-access (Maester MT.1021)", () => {
        assert.deepStrictEqual(stack(rules.securityDefaultsWithoutConditionalAccess, [sd(true)]), []);
        assert.deepStrictEqual(stack(rules.securityDefaultsWithoutConditionalAccess, [sd(false), ca("enabled")]), []);
        assert.match(
            stack(rules.securityDefaultsWithoutConditionalAccess, [sd(false), ca("enabledForReportingButNotEnforced")])[0],
            /nothing requires MFA/,
        );
    });
});
