import * as assert from "node:assert";
import { BaselineConfigError, PACKAGE_CONFIG_KEYS, baselineArgsFromConfig, unknownConfigKeys } from "../../components/config";
import { MEMBER_KEYS } from "../../settings/members";

describe("unit: baseline stack config", () => {
    it("accepts a valid baseline", () => {
        assert.deepStrictEqual(baselineArgsFromConfig({ securityDefaults: { enabled: false } }), {
            securityDefaults: { enabled: false },
        });
        assert.deepStrictEqual(baselineArgsFromConfig({}), {});
    });

    it("explains a missing baseline with an example", () => {
        assert.throws(
            () => baselineArgsFromConfig(undefined),
            (e: Error) => {
                assert.ok(e instanceof BaselineConfigError);
                assert.match(e.message, /m365-mfa:baseline is not set/);
                assert.match(e.message, /preset: security-defaults/);
                return true;
            },
        );
    });

    it("names every wrong key with its full path, at once", () => {
        assert.throws(
            () => baselineArgsFromConfig({ securityDefaults: { enabled: "true", enable: true }, mfa: 1 }),
            (e: BaselineConfigError) => {
                assert.deepStrictEqual(e.problems, [
                    // The baseline-wide keys, then every member of the registry in its order.
                    "m365-mfa:baseline.mfa is not a known setting (known: breakGlassAccounts, readiness, guards, preset, " +
                        `migrationStage, ${MEMBER_KEYS.join(", ")})`,
                    "m365-mfa:baseline.securityDefaults.enable is not a known setting; did you mean enabled? (known: enabled)",
                    'm365-mfa:baseline.securityDefaults.enabled must be true or false, got "true"',
                ]);
                assert.match(e.message, /nothing was changed/);
                return true;
            },
        );
    });

    it("validates per-user MFA with the provider's own rules, under its config key", () => {
        assert.deepStrictEqual(
            baselineArgsFromConfig({
                breakGlassAccounts: ["bg1@contoso.com"],
                perUserMfa: { assignments: [{ state: "enforced", groups: ["g1"] }], allOtherUsers: "disabled" },
            }),
            {
                breakGlassAccounts: ["bg1@contoso.com"],
                perUserMfa: { assignments: [{ state: "enforced", groups: ["g1"] }], allOtherUsers: "disabled" },
            },
        );
        assert.throws(
            () =>
                baselineArgsFromConfig({
                    breakGlassAccounts: ["bg1@contoso.com"],
                    perUserMfa: { assignments: [{ state: "on", users: ["bg1@contoso.com"] }], targets: {} },
                }),
            (e: BaselineConfigError) => {
                assert.deepStrictEqual(e.problems, [
                    "m365-mfa:baseline.perUserMfa.targets is not a known setting (known: assignments, excludeUsers, allOtherUsers)",
                    'm365-mfa:baseline.perUserMfa.assignments[0].state must be one of disabled, enabled, enforced, got "on"',
                ]);
                return true;
            },
        );
        assert.throws(
            () =>
                baselineArgsFromConfig({
                    breakGlassAccounts: ["bg1@contoso.com"],
                    perUserMfa: { assignments: [{ state: "enforced", users: ["BG1@contoso.com"] }] },
                }),
            new RegExp(
                String.raw`perUserMfa\.assignments\[0\]\.users\[0\] names break-glass account BG1@contoso\.com ` +
                    String.raw`\(m365-mfa:baseline\.breakGlassAccounts\[0\]\); break-glass accounts are always excluded`,
            ),
        );
    });

    it("rejects non-object values", () => {
        assert.throws(() => baselineArgsFromConfig("on"), /m365-mfa:baseline must be an object, got "on"/);
        assert.throws(
            () => baselineArgsFromConfig({ securityDefaults: true }),
            /securityDefaults must be an object \(like \{ enabled: true \}\), got true/,
        );
    });

    it("a key outside m365-mfa:baseline with a typo gets a did-you-mean; other namespaces are not ours", () => {
        const all = {
            "m365-mfa:baselne": '{"preset":"security-defaults"}',
            "m365-mfa:tenantID": "00000000-0000-0000-0000-000000000001",
            "m365-mfa:clientId": "11111111-1111-1111-1111-111111111111",
            "m365-mfa:somethingElse": "x",
            "azuread:tenantId": "t",
        };
        const problems = unknownConfigKeys(all);
        assert.strictEqual(problems.length, 3, problems.join("\n"));
        assert.match(
            problems[0],
            new RegExp(
                String.raw`^m365-mfa:baselne is not a key m365-mfa reads; did you mean m365-mfa:baseline\? \(known: ` +
                    "m365-mfa:tenantId, m365-mfa:clientId, ",
            ),
        );
        assert.match(problems[0], /pulumi config rm m365-mfa:baselne; pulumi config set m365-mfa:baseline/);
        assert.match(problems[1], /^m365-mfa:tenantID is not a key m365-mfa reads; did you mean m365-mfa:tenantId\?/);
        assert.match(problems[2], /^m365-mfa:somethingElse is not a key m365-mfa reads \(known: /);
        for (const k of [
            "tenantId",
            "clientId",
            "clientSecret",
            "cloud",
            "authorityHost",
            "graphEndpoint",
            "exchangeEndpoint",
            "baseline",
            "permissionPreflight",
            "retryBudgetSeconds",
        ]) {
            assert.ok(PACKAGE_CONFIG_KEYS.includes(k), k);
        }
        // The misspelt baseline: "not set", and which key was meant, together.
        assert.throws(
            () => baselineArgsFromConfig(undefined, all),
            (e: BaselineConfigError) => {
                assert.match(e.problems[0], /^m365-mfa:baseline is not set/);
                assert.ok(e.problems.some((p) => /did you mean m365-mfa:baseline\?/.test(p)));
                assert.ok(e.problems.some((p) => /did you mean m365-mfa:tenantId\?/.test(p)));
                return true;
            },
        );
        assert.throws(
            () => baselineArgsFromConfig({ securityDefaults: { enabled: true } }, { "m365-mfa:tenantID": "x" }),
            /m365-mfa:tenantID is not a key m365-mfa reads; did you mean m365-mfa:tenantId\?/,
        );
        assert.deepStrictEqual(
            baselineArgsFromConfig({ securityDefaults: { enabled: true } }, { "m365-mfa:tenantId": "x", "m365-mfa:baseline": "{}" }),
            { securityDefaults: { enabled: true } },
        );
    });

    it("reports every baseline problem in one pass: a wrong preset does not hide the members' own rules", () => {
        assert.throws(
            () =>
                baselineArgsFromConfig({
                    preset: "conditional-acess",
                    breakGlassAccounts: ["bg1@contoso.com"],
                    perUserMfa: { assignments: [{ state: "enforced", users: ["BG1@contoso.com"] }] },
                    securityDefaults: { enabled: "yes" },
                }),
            (e: BaselineConfigError) => {
                assert.ok(
                    e.problems.some((p) => /m365-mfa:baseline\.preset must be one of/.test(p)),
                    e.message,
                );
                assert.ok(
                    e.problems.some((p) => /securityDefaults\.enabled must be true or false/.test(p)),
                    e.message,
                );
                assert.ok(
                    e.problems.some((p) => /perUserMfa\.assignments\[0\]\.users\[0\] names break-glass account BG1@contoso\.com/.test(p)),
                    e.message,
                );
                return true;
            },
        );
        assert.throws(
            () =>
                baselineArgsFromConfig({
                    preset: "security-defaults",
                    migrationStage: 2,
                    breakGlassAccounts: ["bg1@contoso.com"],
                    perUserMfa: { assignments: [{ state: "enforced", users: ["BG1@contoso.com"] }] },
                }),
            (e: BaselineConfigError) => {
                assert.ok(
                    e.problems.some((p) => /migrationStage does nothing with preset security-defaults/.test(p)),
                    e.message,
                );
                assert.ok(
                    e.problems.some((p) => /names break-glass account BG1@contoso\.com/.test(p)),
                    e.message,
                );
                return true;
            },
        );
    });
});
