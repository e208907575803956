/**
 * The stack config's declarative checker (components/validation.ts) and the rules of
 * m365-mfa:baseline it carries: unknown keys answered with the nearest known key, types, value sets
 * and ranges under the full key, keys that do nothing where they stand refused or warned; and the
 * per-user MFA provider's config keys and bounded check failures.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import { BaselineConfigError, baselineArgsFromConfig, coherenceWarnings } from "../../components/config";
import { check, editDistance, nearest, num, obj, oneOf, list, str, describe as describeValue } from "../../providers/framework/validation";
import { checkFailure, MAX_PRINTED_VALUE } from "../../providers/framework/adapter";
import { nameList } from "../../providers/framework/report";
import { configKeyOf } from "../../settings/perUserMfa/setting";

const BG = ["breakglass1@contoso.com"];

function problemsOf(raw: unknown): string[] {
    try {
        baselineArgsFromConfig(raw);
    } catch (e) {
        assert.ok(e instanceof BaselineConfigError, String(e));
        return [...e.problems];
    }
    return [];
}

describe("unit: declarative config checker", () => {
    it("edit distance and the nearest known key (case-insensitive, only when close)", () => {
        assert.strictEqual(editDistance("kitten", "sitting"), 3);
        assert.strictEqual(editDistance("", "abc"), 3);
        assert.strictEqual(nearest("acceptUsers", ["mode", "windowDays", "acceptedUsers"]), "acceptedUsers");
        assert.strictEqual(nearest("windowdays", ["mode", "windowDays", "acceptedUsers"]), "windowDays");
        assert.strictEqual(nearest("mfa", ["securityDefaults", "perUserMfa", "guards"]), undefined);
    });

    it("types, value sets, ranges and unknown keys, each under its full key", () => {
        const schema = obj(
            { mode: oneOf(["off", "warn", "block"]), days: num({ integer: true, min: 1, max: 30 }), users: list(str()) },
            { required: ["mode"] },
        );
        const problems: string[] = [];
        assert.strictEqual(check({ mod: "warn", days: 31.5, users: ["a", 3] }, schema, "x.r", problems), false);
        assert.deepStrictEqual(problems, [
            "x.r.mod is not a known setting; did you mean mode? (known: mode, days, users)",
            "x.r.days must be a whole number from 1 to 30, got 31.5",
            "x.r.users[1] must be a non-empty string, got 3",
            "x.r.mode is required",
        ]);
        const p2: string[] = [];
        check({ mode: "blok" }, schema, "x.r", p2);
        assert.deepStrictEqual(p2, ['x.r.mode must be one of off, warn, block, got "blok"; did you mean block?']);
        assert.strictEqual(check({ mode: "warn" }, schema, "x.r", []), true);
    });

    it("never repeats a long value back in full", () => {
        const long = Array.from({ length: 3000 }, (_, i) => `u${i}@contoso.com`);
        assert.ok(describeValue(long).length < 200);
        assert.match(describeValue(long), /\.\.\. \(\d+ characters\)$/);
    });
});

describe("unit: m365-mfa:baseline rules", () => {
    it("readiness refuses unknown keys with the nearest known key instead of falling back to defaults", () => {
        assert.deepStrictEqual(problemsOf({ readiness: { mode: "block", acceptUsers: ["a@contoso.com"], windowdays: 7 } }), [
            "m365-mfa:baseline.readiness.acceptUsers is not a known setting; did you mean acceptedUsers? (known: mode, " +
                "windowDays, acceptedUsers)",
            "m365-mfa:baseline.readiness.windowdays is not a known setting; did you mean windowDays? (known: mode, " +
                "windowDays, acceptedUsers)",
        ]);
    });

    it("every member refuses an unknown key, naming the full key and the nearest known one", () => {
        const cases: [unknown, string, string][] = [
            [{ breakGlassAccount: BG }, "m365-mfa:baseline.breakGlassAccount", "breakGlassAccounts"],
            [{ securityDefaults: { enabeld: true } }, "m365-mfa:baseline.securityDefaults.enabeld", "enabled"],
            [{ modernAuthentication: { enable: true } }, "m365-mfa:baseline.modernAuthentication.enable", "enabled"],
            [
                { perUserMfa: { assignments: [{ state: "enforced", users: ["a@contoso.com"] }], excludeUser: [] } },
                "m365-mfa:baseline.perUserMfa.excludeUser",
                "excludeUsers",
            ],
            [
                { perUserMfa: { assignments: [{ state: "enforced", user: ["a@contoso.com"] }] } },
                "m365-mfa:baseline.perUserMfa.assignments[0].user",
                "users",
            ],
            [{ authenticationMethods: { method: {} } }, "m365-mfa:baseline.authenticationMethods.method", "methods"],
            [
                { authenticationMethods: { methods: { smss: { state: "disabled" } } } },
                "m365-mfa:baseline.authenticationMethods.methods.smss",
                "sms",
            ],
            [
                { authenticationMethods: { methods: { sms: { stat: "disabled" } } } },
                "m365-mfa:baseline.authenticationMethods.methods.sms.stat",
                "state",
            ],
            [
                { authenticationMethods: { policy: { registrationCampaing: {} } } },
                "m365-mfa:baseline.authenticationMethods.policy.registrationCampaing",
                "registrationCampaign",
            ],
            [
                { authenticationMethods: { policy: { registrationCampaign: { snoozeDurationInDay: 1 } } } },
                "m365-mfa:baseline.authenticationMethods.policy.registrationCampaign.snoozeDurationInDay",
                "snoozeDurationInDays",
            ],
            [
                { smtpAuth: { disabledForOrganisation: true } },
                "m365-mfa:baseline.smtpAuth.disabledForOrganisation",
                "disabledForOrganization",
            ],
            [
                { exchangeAuthenticationPolicy: { name: "p", organisationDefault: true } },
                "m365-mfa:baseline.exchangeAuthenticationPolicy.organisationDefault",
                "organizationDefault",
            ],
            [
                { breakGlassAccounts: BG, legacyAuthentication: { mode: "reportOnly", displayname: "x" } },
                "m365-mfa:baseline.legacyAuthentication.displayname",
                "displayName",
            ],
            [
                { breakGlassAccounts: BG, conditionalAccessMfa: { mode: "reportOnly", mod: "on" } },
                "m365-mfa:baseline.conditionalAccessMfa.mod",
                "mode",
            ],
            [
                { hygiene: { "incident-1": { users: ["a@contoso.com"], revokeSession: true, trigger: "1" } } },
                "m365-mfa:baseline.hygiene.incident-1.revokeSession",
                "revokeSessions",
            ],
            [{ guards: { confrim: [] } }, "m365-mfa:baseline.guards.confrim", "confirm"],
            [{ readiness: { mod: "warn" } }, "m365-mfa:baseline.readiness.mod", "mode"],
        ];
        for (const [raw, key, near] of cases) {
            const problems = problemsOf(raw);
            const line = problems.find((p) => p.startsWith(`${key} is not `));
            assert.ok(line, `${key} refused: ${JSON.stringify(problems)}`);
            assert.ok(line!.includes(`did you mean ${near}?`), `${key} suggests ${near}: ${line}`);
        }
    });

    it("ranges and value sets name the full key", () => {
        assert.deepStrictEqual(problemsOf({ readiness: { mode: "warn", windowDays: 31 } }), [
            "m365-mfa:baseline.readiness.windowDays must be a whole number from 1 to 30 (sign-in logs are kept 30 days), got 31",
        ]);
        assert.deepStrictEqual(problemsOf({ guards: { maxUserChangeShare: 0 } }), [
            "m365-mfa:baseline.guards.maxUserChangeShare must be a number above 0 and at most 1 (a share of users, e.g. 0.1 " +
                "for 10%), got 0",
        ]);
        assert.deepStrictEqual(problemsOf({ preset: "conditional-acess" }), [
            "m365-mfa:baseline.preset must be one of security-defaults, conditional-access, " +
                'per-user-mfa-to-conditional-access, got "conditional-acess"; did you mean conditional-access?',
        ]);
        assert.match(
            problemsOf({ breakGlassAccounts: ["bg@contoso.com", "bob"] })[0],
            new RegExp(
                String.raw`^m365-mfa:baseline\.breakGlassAccounts\[1\] is not valid \(a user principal name \(user@domain\) ` +
                    String.raw`or an object id\), got "bob"$`,
            ),
        );
    });

    it("migrationStage without its preset is refused", () => {
        assert.deepStrictEqual(problemsOf({ migrationStage: 2 }), [
            "m365-mfa:baseline.migrationStage does nothing without a preset: it is the stage of preset " +
                "per-user-mfa-to-conditional-access; set m365-mfa:baseline.preset: per-user-mfa-to-conditional-access or remove " +
                "migrationStage",
        ]);
        assert.match(
            problemsOf({ preset: "security-defaults", migrationStage: 1 })[0],
            /migrationStage does nothing with preset security-defaults/,
        );
        assert.match(
            problemsOf({ preset: "per-user-mfa-to-conditional-access", migrationStage: 4, breakGlassAccounts: BG })[0],
            /^m365-mfa:baseline\.migrationStage must be a whole number from 1 to 3/,
        );
    });

    it("an empty perUserMfa.assignments is refused unless allOtherUsers is set (the migration's stage 3 keeps working)", () => {
        assert.deepStrictEqual(problemsOf({ perUserMfa: { assignments: [] } }), [
            "m365-mfa:baseline.perUserMfa.assignments is empty and allOtherUsers is not set: per-user MFA would manage " +
                "nobody. Add an assignment, set m365-mfa:baseline.perUserMfa.allOtherUsers (e.g. disabled, to switch it off for " +
                "everyone), or remove perUserMfa",
        ]);
        assert.deepStrictEqual(baselineArgsFromConfig({ perUserMfa: { assignments: [], allOtherUsers: "disabled" } }).perUserMfa, {
            assignments: [],
            allOtherUsers: "disabled",
        });
        const stage3 = baselineArgsFromConfig({
            preset: "per-user-mfa-to-conditional-access",
            migrationStage: 3,
            breakGlassAccounts: BG,
            guards: { confirm: ["legacy-authentication:on", "conditional-access-mfa:on"] },
        });
        assert.deepStrictEqual(stage3.perUserMfa, { assignments: [], allOtherUsers: "disabled" });
    });

    it("an empty authenticationMethods, methods or policy is refused", () => {
        assert.deepStrictEqual(problemsOf({ authenticationMethods: { methods: {} } }), [
            "m365-mfa:baseline.authenticationMethods.methods is empty: it manages no method; name at least one " +
                "(microsoftAuthenticator, sms, voice, fido2, softwareOath, temporaryAccessPass, email, x509Certificate, " +
                "qrCodePin, hardwareOath) or remove methods",
        ]);
        assert.match(
            problemsOf({ authenticationMethods: {} })[0],
            /^m365-mfa:baseline\.authenticationMethods is empty: it manages nothing/,
        );
        assert.match(
            problemsOf({ authenticationMethods: { policy: {} } })[0],
            /^m365-mfa:baseline\.authenticationMethods\.policy is empty: it manages nothing/,
        );
    });

    it("readiness and per-user guards without perUserMfa, and an empty hygiene, are warned about", () => {
        const w = coherenceWarnings(
            baselineArgsFromConfig({
                securityDefaults: { enabled: true },
                readiness: { mode: "block" },
                guards: { lockout: "off" },
                hygiene: {},
            }),
        );
        assert.deepStrictEqual(w, [
            "m365-mfa:baseline.hygiene is empty: it runs no operation. Remove it, or name an operation.",
            "m365-mfa:baseline.readiness does nothing without m365-mfa:baseline.perUserMfa or a Conditional Access member: " +
                "it checks the users per-user MFA moves to MFA, or that a Conditional Access policy switched on starts to apply " +
                "to. Remove it, or add perUserMfa.",
            "m365-mfa:baseline.guards.lockout does nothing without m365-mfa:baseline.perUserMfa: it guards per-user MFA " +
                "changes only. Remove it, or add perUserMfa.",
        ]);
        // guards.confirm alone confirms Conditional Access too: no warning.
        assert.deepStrictEqual(coherenceWarnings(baselineArgsFromConfig({ guards: { confirm: ["x"] } })), []);
        // readiness checks who a Conditional Access policy switched on would break: not a key that does nothing there.
        const ca = coherenceWarnings(
            baselineArgsFromConfig({
                breakGlassAccounts: ["bg@contoso.com"],
                deviceCodeFlow: { mode: "reportOnly" },
                readiness: { mode: "block" },
            }),
        );
        assert.ok(!ca.some((m) => /readiness does nothing/.test(m)), ca.join("\n"));
    });
});

describe("unit: per-user MFA config keys and bounded failures", () => {
    it("maps an input path to the config key it came from (exact, then the longest prefix)", () => {
        const keys = {
            assignments: "m365-mfa:baseline.perUserMfa.assignments",
            "excludeUsers[0]": "m365-mfa:baseline.breakGlassAccounts[0]",
        };
        assert.strictEqual(configKeyOf("excludeUsers[0]", keys), "m365-mfa:baseline.breakGlassAccounts[0]");
        assert.strictEqual(configKeyOf("assignments[2].users[5]", keys), "m365-mfa:baseline.perUserMfa.assignments[2].users[5]");
        assert.strictEqual(configKeyOf("excludeUsers[1]", keys), "excludeUsers[1]");
        assert.strictEqual(configKeyOf("assignmentsX", keys), "assignmentsX");
        assert.strictEqual(configKeyOf("excludeUsers[0]", undefined), "excludeUsers[0]");
    });

    it("a long list names the count and the first 10, and writes every entry to a file", () => {
        assert.strictEqual(nameList(["a", "b"], "things"), "a, b");
        const names = Array.from({ length: 25 }, (_, i) => `n${i}`);
        const text = nameList(names, "test names");
        assert.match(text, /^n0, n1, n2, n3, n4, n5, n6, n7, n8, n9 and 15 more; the full list of 25 test names: (\S+)$/);
        const file = / (\S+)$/.exec(text)![1];
        assert.deepStrictEqual(fs.readFileSync(file, "utf8").trim().split("\n"), names);
        fs.rmSync(file);
    });

    it("a check failure on a long input is reported on the resource, the property named in the reason; a short one stays attached", () => {
        const users = Array.from({ length: 100 }, (_, i) => `u${i}@contoso.com`);
        const inputs = { assignments: [{ state: "enforced", users }], guards: { confirm: [] } };
        assert.ok(JSON.stringify(inputs.assignments).length > MAX_PRINTED_VALUE);
        assert.deepStrictEqual(checkFailure("Per-user MFA", { property: "assignments", reason: "bad" }, inputs), {
            property: "",
            reason: "Per-user MFA: assignments: bad",
        });
        assert.deepStrictEqual(checkFailure("Per-user MFA", { property: "assignments", reason: "assignments[0] is bad" }, inputs), {
            property: "",
            reason: "Per-user MFA: assignments[0] is bad",
        });
        assert.deepStrictEqual(checkFailure("Per-user MFA", { property: "guards", reason: "bad" }, inputs), {
            property: "guards",
            reason: "Per-user MFA: bad",
        });
        assert.deepStrictEqual(checkFailure("Per-user MFA", { property: "assignments[0].state", reason: "bad" }, inputs), {
            property: "assignments[0].state",
            reason: "Per-user MFA: bad",
        });
        // As the engine gets them (forEngine): always on the resource, so the engine prints no Go value dump.
        assert.deepStrictEqual(checkFailure("Per-user MFA", { property: "guards", reason: "bad" }, inputs, true), {
            property: "",
            reason: "Per-user MFA: guards: bad",
        });
        assert.deepStrictEqual(checkFailure("Per-user MFA", { property: "assignments[0].state", reason: "bad" }, inputs, true), {
            property: "",
            reason: "Per-user MFA: assignments[0].state: bad",
        });
        assert.deepStrictEqual(
            checkFailure("Per-user MFA", { property: "guards", reason: "m365-mfa:baseline.guards.confirm lacks x" }, inputs, true),
            { property: "", reason: "Per-user MFA: m365-mfa:baseline.guards.confirm lacks x" },
        );
        const long = checkFailure("Per-user MFA", { property: "", reason: "x".repeat(10_000) }, inputs);
        assert.ok(long.reason.length < 4200);
        const file = /the whole message: (\S+)\)$/.exec(long.reason)![1];
        assert.strictEqual(fs.readFileSync(file, "utf8").trim(), `Per-user MFA: ${"x".repeat(10_000)}`);
        fs.rmSync(file);
    });
});
