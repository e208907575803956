/**
 * The guardrails of issue 24's members (phishing-resistant MFA for administrators, device code flow
 * blocked) and the members' config rules, on passing and violating inputs.
 */
import * as assert from "node:assert";
import { guardrails } from "../../policies/rules";
import {
    CONDITIONAL_ACCESS_POLICY_TYPE,
    deviceCodeFlowMember,
    phishingResistantAdminsMember,
} from "../../settings/conditionalAccess/member";
import { deviceCodeFlowBlocked, mfaForAllUsers, phishingResistantAdmins } from "../../settings/conditionalAccess/policy";
import { PRIVILEGED_ROLES } from "../../settings/conditionalAccess/resource";
import { BaselineConfigError, baselineArgsFromConfig } from "../../components/config";
import { presetBaseline } from "../../components/presets";

type Res = { type: string; name: string; props: Record<string, any> };
function stack(policy: any, resources: Res[]): string[] {
    const violations: string[] = [];
    policy.validateStack({ resources, getConfig: () => ({}) }, (m: string) => violations.push(m));
    return violations;
}
const STRENGTH_TYPE = "azuread:index/authenticationStrengthPolicy:AuthenticationStrengthPolicy";
const admins = (state: string, strength: string): Res => ({
    type: CONDITIONAL_ACCESS_POLICY_TYPE,
    name: "admins",
    props: {
        state,
        conditions: { users: { includedRoles: Object.values(PRIVILEGED_ROLES), excludedUsers: ["bg"] } },
        grantControls: { operator: "OR", authenticationStrengthPolicyId: strength },
    },
});
const deviceCode = (state: string): Res => ({
    type: CONDITIONAL_ACCESS_POLICY_TYPE,
    name: "device-code",
    props: {
        state,
        conditions: { authenticationFlowTransferMethods: ["deviceCodeFlow"], users: { includedUsers: ["All"] } },
        grantControls: { operator: "OR", builtInControls: ["block"] },
    },
});

describe("unit: phishing-resistant MFA for administrators and device code flow (issue 24)", () => {
    it("both rules are in the pack and cite ScubaGear and CIS ids", () => {
        for (const p of [phishingResistantAdmins, deviceCodeFlowBlocked]) {
            assert.ok(guardrails.includes(p), p.name);
        }
        assert.match(phishingResistantAdmins.description, /MS\.AAD\.3\.6.*5\.2\.2\.5/);
        assert.match(deviceCodeFlowBlocked.description, /MS\.AAD\.3\.9.*5\.2\.2\.12/);
    });

    it(
        "phishing-resistant-mfa-for-admins: the built-in strength enforced passes; report-only, the MFA strength or none is " + "reported",
        () => {
            assert.deepStrictEqual(
                stack(phishingResistantAdmins, [
                    admins("enabled", "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004"),
                ]),
                [],
            );
            assert.match(
                stack(phishingResistantAdmins, [
                    admins(
                        "enabledForReportingButNotEnforced",
                        "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004",
                    ),
                ])[0],
                /nothing is enforced yet/,
            );
            assert.match(
                stack(phishingResistantAdmins, [
                    admins("enabled", "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000002"),
                ])[0],
                /phishingResistantAdmins/,
            );
            const other: Res = {
                type: CONDITIONAL_ACCESS_POLICY_TYPE,
                name: "other",
                props: {
                    state: "enabled",
                    conditions: { users: { includedUsers: ["All"] } },
                    grantControls: { operator: "OR", builtInControls: ["block"] },
                },
            };
            assert.match(stack(phishingResistantAdmins, [other])[0], /MS\.AAD\.3\.6/);
            assert.deepStrictEqual(
                stack(phishingResistantAdmins, []),
                [],
                "a stack without Conditional Access is left to security-defaults-without-conditional-access",
            );
            // A custom strength of phishing-resistant methods only counts; one that allows SMS does not.
            const custom = (combos: string[]): Res => ({
                type: STRENGTH_TYPE,
                name: "s",
                props: { id: "/policies/authenticationStrengthPolicies/c1", allowedCombinations: combos },
            });
            assert.deepStrictEqual(
                stack(phishingResistantAdmins, [custom(["fido2"]), admins("enabled", "/policies/authenticationStrengthPolicies/c1")]),
                [],
            );
            assert.strictEqual(
                stack(phishingResistantAdmins, [
                    custom(["fido2", "password,sms"]),
                    admins("enabled", "/policies/authenticationStrengthPolicies/c1"),
                ]).length,
                1,
            );
        },
    );

    it(
        "mfa-for-all-users (MS.AAD.3.2v2, CIS 5.2.2.2): an enforced all-users MFA policy or security defaults pass; report-only " +
            "or none is reported",
        () => {
            const mfa = (state: string): Res => ({
                type: CONDITIONAL_ACCESS_POLICY_TYPE,
                name: "mfa",
                props: {
                    state,
                    conditions: { users: { includedUsers: ["All"] } },
                    grantControls: { operator: "OR", builtInControls: ["mfa"] },
                },
            });
            assert.ok(guardrails.includes(mfaForAllUsers));
            assert.match(mfaForAllUsers.description, /MS\.AAD\.3\.2v2.*5\.2\.2\.2/);
            assert.deepStrictEqual(stack(mfaForAllUsers, [mfa("enabled")]), []);
            assert.match(stack(mfaForAllUsers, [mfa("enabledForReportingButNotEnforced")])[0], /nobody is asked for MFA by it yet/);
            assert.match(stack(mfaForAllUsers, [deviceCode("enabled")])[0], /conditionalAccessMfa/);
            assert.deepStrictEqual(stack(mfaForAllUsers, []), []);
        },
    );

    it("device-code-flow-blocked: an enforced block of deviceCodeFlow passes; report-only or none is reported", () => {
        assert.deepStrictEqual(stack(deviceCodeFlowBlocked, [deviceCode("enabled")]), []);
        assert.match(stack(deviceCodeFlowBlocked, [deviceCode("enabledForReportingButNotEnforced")])[0], /nothing is blocked yet/);
        assert.match(stack(deviceCodeFlowBlocked, [admins("enabled", "x")])[0], /MS\.AAD\.3\.9/);
        assert.deepStrictEqual(stack(deviceCodeFlowBlocked, []), []);
    });

    it("weakening: a weaker strength, a role no longer covered, a transfer method no longer blocked; not the other way", () => {
        const w = (m: any, field: string, from: unknown, to: unknown) =>
            m.composedWeakens(CONDITIONAL_ACCESS_POLICY_TYPE, { field, from, to });
        const PR = "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004";
        const MFA = "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000002";
        assert.match(
            w(phishingResistantAdminsMember, "grantControls.authenticationStrengthPolicyId", PR, MFA),
            /no longer the built-in Phishing-resistant MFA/,
        );
        assert.strictEqual(w(phishingResistantAdminsMember, "grantControls.authenticationStrengthPolicyId", MFA, PR), undefined);
        assert.match(w(phishingResistantAdminsMember, "conditions.users.includedRoles", ["a", "b"], ["a"]), /no longer covered/);
        assert.strictEqual(w(phishingResistantAdminsMember, "conditions.users.includedRoles", ["a"], ["a", "b"]), undefined);
        assert.match(
            w(
                deviceCodeFlowMember,
                "conditions.authenticationFlowTransferMethods",
                ["deviceCodeFlow", "authenticationTransfer"],
                ["deviceCodeFlow"],
            ),
            /authenticationTransfer\) is no longer blocked/,
        );
        assert.match(w(deviceCodeFlowMember, "state", "enabled", "enabledForReportingButNotEnforced"), /back from enforced/);
    });

    const problemsOf = (raw: unknown): string[] => {
        try {
            baselineArgsFromConfig(raw);
            return [];
        } catch (err) {
            if (err instanceof BaselineConfigError) return [...err.problems];
            throw err;
        }
    };

    it("config: bad roles, strengths and combinations are refused naming the key and the fix", () => {
        const bg = { breakGlassAccounts: ["bg@contoso.onmicrosoft.com"] };
        assert.deepStrictEqual(
            problemsOf({
                ...bg,
                phishingResistantAdmins: { mode: "reportOnly", roles: ["Global Administrator", "62e90394-69f5-4237-9190-012177145e10"] },
            }),
            [],
        );
        assert.ok(
            problemsOf({ ...bg, phishingResistantAdmins: { mode: "reportOnly", roles: ["Global Admin"] } }).some((p) =>
                /phishingResistantAdmins\.roles: "Global Admin" is neither/.test(p),
            ),
        );
        assert.ok(
            problemsOf({ ...bg, phishingResistantAdmins: { mode: "reportOnly", authenticationStrength: "custom" } }).some((p) =>
                /phishingResistantAdmins\.customStrength is not set/.test(p),
            ),
        );
        assert.ok(
            problemsOf({
                ...bg,
                phishingResistantAdmins: { mode: "reportOnly", customStrength: { displayName: "x", allowedCombinations: ["fido3"] } },
            }).some((p) => /customStrength\.allowedCombinations: "fido3" names fido3/.test(p)),
        );
        assert.ok(problemsOf({ ...bg, phishingResistantAdmins: { mode: "strict" } }).some((p) => /phishingResistantAdmins\.mode/.test(p)));
        assert.ok(
            problemsOf({ ...bg, deviceCodeFlow: { mode: "on", authenticationTransfer: "yes" } }).some((p) =>
                /deviceCodeFlow\.authenticationTransfer/.test(p),
            ),
        );
        assert.ok(
            problemsOf({ deviceCodeFlow: { mode: "reportOnly" } }).some((p) =>
                /deviceCodeFlow needs m365-mfa:baseline\.breakGlassAccounts/.test(p),
            ),
        );
    });

    it("the conditional-access preset has both in report-only; the other presets leave them out", () => {
        const ca = presetBaseline("conditional-access");
        assert.deepStrictEqual([ca.phishingResistantAdmins, ca.deviceCodeFlow], [{ mode: "reportOnly" }, { mode: "reportOnly" }]);
        assert.strictEqual(presetBaseline("security-defaults").deviceCodeFlow, undefined);
    });
});
