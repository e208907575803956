import * as assert from "assert";
import { BaselineConfigError, baselineArgsFromConfig } from "../../components/config";

describe("unit: baseline stack config", () => {
    it("accepts a valid baseline", () => {
        assert.deepStrictEqual(baselineArgsFromConfig({ securityDefaults: { enabled: false } }), {
            securityDefaults: { enabled: false },
        });
        assert.deepStrictEqual(baselineArgsFromConfig({}), {});
    });

    it("explains a missing baseline with an example", () => {
        assert.throws(() => baselineArgsFromConfig(undefined), (e: Error) => {
            assert.ok(e instanceof BaselineConfigError);
            assert.match(e.message, /m365-mfa:baseline is not set/);
            assert.match(e.message, /preset: security-defaults/);
            return true;
        });
    });

    it("names every wrong key with its full path, at once", () => {
        assert.throws(
            () => baselineArgsFromConfig({ securityDefaults: { enabled: "true", enable: true }, mfa: 1 }),
            (e: BaselineConfigError) => {
                assert.deepStrictEqual(e.problems, [
                    "m365-mfa:baseline.mfa is not a known setting (known: breakGlassAccounts, readiness, guards, preset, migrationStage, securityDefaults, modernAuthentication, legacyAuthentication, conditionalAccessMfa, hygiene, smtpAuth, exchangeAuthenticationPolicy, authenticationMethods, perUserMfa)",
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
            () => baselineArgsFromConfig({
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
            () => baselineArgsFromConfig({ breakGlassAccounts: ["bg1@contoso.com"], perUserMfa: { assignments: [{ state: "enforced", users: ["BG1@contoso.com"] }] } }),
            /perUserMfa\.assignments\[0\]\.users\[0\] names break-glass account BG1@contoso\.com \(m365-mfa:baseline\.breakGlassAccounts\[0\]\); break-glass accounts are always excluded/,
        );
    });

    it("rejects non-object values", () => {
        assert.throws(() => baselineArgsFromConfig("on"), /m365-mfa:baseline must be an object, got "on"/);
        assert.throws(() => baselineArgsFromConfig({ securityDefaults: true }), /securityDefaults must be an object \(like \{ enabled: true \}\), got true/);
    });
});
