/**
 * The guardrails' public-baseline ids (issue 24): phishing-resistant MFA for all users (ScubaGear
 * MS.AAD.3.1v1) and per-user MFA disabled (CIS 7.0.0 5.1.2.1) are rules of the pack, each checking the
 * plan; the older rules name MS.AAD.3.1 / 3.2v2 / 3.6v1 where they apply.
 */
import * as assert from "node:assert";
import { guardrails } from "../../policies/rules";
import { CONDITIONAL_ACCESS_POLICY_TYPE } from "../../settings/conditionalAccess/member";
import { dynamicType } from "../../providers/framework/setting";
import { perUserMfa } from "../../settings/perUserMfa/setting";

type Res = { type: string; name: string; props: Record<string, any> };
const rule = (name: string): any => {
    const r = guardrails.find((g) => g.name === name);
    assert.ok(r, `no guardrail ${name}: ${guardrails.map((g) => g.name).join(", ")}`);
    return r;
};
const violations = (name: string, resources: Res[]) => {
    const out: string[] = [];
    rule(name).validateStack({ resources, getConfig: () => ({}) }, (m: string) => out.push(m));
    return out;
};
const allUsers = (state: string, grant: Record<string, unknown>): Res => ({
    type: CONDITIONAL_ACCESS_POLICY_TYPE,
    name: "all",
    props: { state, conditions: { users: { includedUsers: ["All"], excludedUsers: ["bg"] } }, grantControls: { operator: "OR", ...grant } },
});
const pum = (props: Record<string, unknown>): Res => ({
    type: dynamicType(perUserMfa.type),
    name: "pum",
    props: { excludeUsers: [], ...props },
});

describe("unit: guardrail mappings to ScubaGear and CIS ids", () => {
    it(
        "phishing-resistant-mfa-for-all-users (MS.AAD.3.1v1): MFA for all is not enough; the Phishing-resistant MFA strength for " +
            "all users, enforced, is",
        () => {
            assert.match(rule("phishing-resistant-mfa-for-all-users").description, /ScubaGear MS\.AAD\.3\.1v1/);
            assert.match(
                violations("phishing-resistant-mfa-for-all-users", [allUsers("enabled", { builtInControls: ["mfa"] })]).join("\n"),
                /No Conditional Access policy requires phishing-resistant MFA of every user \(ScubaGear MS\.AAD\.3\.1v1\)/,
            );
            assert.match(
                violations("phishing-resistant-mfa-for-all-users", [
                    allUsers("enabledForReportingButNotEnforced", {
                        authenticationStrengthPolicyId: "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004",
                    }),
                ]).join("\n"),
                /is in enabledForReportingButNotEnforced/,
            );
            assert.deepStrictEqual(
                violations("phishing-resistant-mfa-for-all-users", [
                    allUsers("enabled", {
                        authenticationStrengthPolicyId: "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004",
                    }),
                ]),
                [],
            );
            assert.deepStrictEqual(
                violations("phishing-resistant-mfa-for-all-users", []),
                [],
                "no Conditional Access in the stack: nothing to say",
            );
        },
    );

    it("per-user-mfa-disabled (CIS 7.0.0 5.1.2.1): a per-user MFA resource leaving anyone enabled or enforced is named", () => {
        assert.match(rule("per-user-mfa-disabled").description, /CIS 7\.0\.0 5\.1\.2\.1/);
        assert.match(
            violations("per-user-mfa-disabled", [pum({ assignments: [{ state: "enforced", users: ["a@contoso.com"] }] })]).join("\n"),
            /pum: per-user MFA stays on \(enforced\); CIS 5\.1\.2\.1/,
        );
        assert.match(
            violations("per-user-mfa-disabled", [pum({ assignments: [], allOtherUsers: "enabled" })]).join("\n"),
            /enabled \(allOtherUsers\)/,
        );
        assert.deepStrictEqual(
            violations("per-user-mfa-disabled", [
                pum({ assignments: [{ state: "disabled", users: ["a@contoso.com"] }], allOtherUsers: "disabled" }),
            ]),
            [],
        );
    });

    it("the older rules name the ids where they apply", () => {
        assert.match(
            rule("mfa-for-all-users").description,
            /ScubaGear MS\.AAD\.3\.2v2, the stopgap where MS\.AAD\.3\.1v1's phishing-resistant MFA is not enforced/,
        );
        assert.match(rule("phishing-resistant-mfa-for-admins").description, /ScubaGear MS\.AAD\.3\.6v1; CIS 7\.0\.0 5\.2\.2\.5/);
        assert.match(rule("sms-voice-email-otp-disabled").description, /SMS, voice and email one-time passcodes .*MS\.AAD\.3\.5v2/);
    });
});
