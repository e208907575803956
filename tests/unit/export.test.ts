/**
 * The export's stack file: written with the yaml library's Document API, merged into an existing
 * stack file (one config:, its other keys and comments kept, m365-mfa:baseline replaced), strings a
 * YAML 1.1 reader would take for booleans quoted; and the CA shape check on its own.
 */
import * as assert from "node:assert";
import { parse } from "yaml";
import { stackFileYaml } from "../../adoption/export";
import { mismatches } from "../../settings/conditionalAccess/export";

const BASELINE = {
    breakGlassAccounts: ["bg@contoso.com"],
    legacyAuthentication: { mode: "on", displayName: "Block", adoptPolicyId: "0d5f2a49-7c1e-4b8e-9f3a-2b6c8d1e4f70" },
    perUserMfa: { assignments: [{ state: "enforced", users: ["a@contoso.com"] }] },
};

describe("unit: export's stack file and Conditional Access shape", () => {
    it("a new stack file has one config: holding m365-mfa:baseline, and mode: on stays a string", () => {
        const text = stackFileYaml(BASELINE);
        assert.strictEqual(text.match(/^config:/gm)?.length, 1, text);
        assert.match(text, /mode: "on"/);
        assert.deepStrictEqual(parse(text), { config: { "m365-mfa:baseline": BASELINE } });
        assert.deepStrictEqual(
            parse(text, { version: "1.1" }).config["m365-mfa:baseline"],
            BASELINE,
            "a YAML 1.1 reader reads the same values",
        );
    });

    it("merges into an existing stack file: other keys and comments kept, the old baseline replaced, config: once", () => {
        const existing = [
            "# contoso production",
            "encryptionsalt: v1:abc:def",
            "config:",
            "  m365-mfa:tenantId: 00000000-0000-0000-0000-000000000000 # the tenant",
            "  m365-mfa:baseline:",
            "    securityDefaults:",
            "      enabled: true",
            "  azuread:tenantId: 00000000-0000-0000-0000-000000000000",
            "",
        ].join("\n");
        const text = stackFileYaml(BASELINE, existing);
        assert.strictEqual(text.match(/^config:/gm)?.length, 1, text);
        assert.match(text, /^# contoso production/);
        assert.match(text, /# the tenant/);
        const doc = parse(text);
        assert.strictEqual(doc.encryptionsalt, "v1:abc:def");
        assert.deepStrictEqual(Object.keys(doc.config), ["m365-mfa:tenantId", "m365-mfa:baseline", "azuread:tenantId"]);
        assert.deepStrictEqual(doc.config["m365-mfa:baseline"], BASELINE, "the old baseline is replaced, not merged key by key");
    });

    it("an empty stack file or one without config: gets one; a file that is not a stack file is refused", () => {
        assert.deepStrictEqual(parse(stackFileYaml(BASELINE, "")), { config: { "m365-mfa:baseline": BASELINE } });
        assert.deepStrictEqual(parse(stackFileYaml(BASELINE, "encryptionsalt: x\n")), {
            encryptionsalt: "x",
            config: { "m365-mfa:baseline": BASELINE },
        });
        assert.throws(() => stackFileYaml(BASELINE, "- a\n- b\n"), /not a YAML mapping/);
        assert.throws(() => stackFileYaml(BASELINE, "config: [1]\n"), /config: is not a mapping/);
        assert.throws(() => stackFileYaml(BASELINE, "config:\n  a: [\n"), /not valid YAML/);
    });

    it("a Conditional Access policy matches only the component's exact shape", () => {
        const bg = ["0d5f2a49-7c1e-4b8e-9f3a-2b6c8d1e4f70"];
        const base = {
            id: "p",
            displayName: "Block",
            state: "enabled",
            createdDateTime: "2026-01-01T00:00:00Z",
            conditions: {
                clientAppTypes: ["exchangeActiveSync", "other"],
                applications: { includeApplications: ["All"], excludeApplications: [], includeUserActions: [] },
                users: {
                    includeUsers: ["All"],
                    excludeUsers: bg,
                    includeGroups: [],
                    excludeGroups: [],
                    includeGuestsOrExternalUsers: null,
                },
                locations: null,
                userRiskLevels: [],
            },
            grantControls: { operator: "OR", builtInControls: ["block"], customAuthenticationFactors: [], authenticationStrength: null },
            sessionControls: null,
        };
        assert.deepStrictEqual(mismatches(base, "legacyAuthentication", bg), []);
        assert.match(mismatches(base, "conditionalAccessMfa").join("; "), /clientAppTypes .* \["all"\]/);
        const reordered = { ...base, conditions: { ...base.conditions, clientAppTypes: ["other", "exchangeActiveSync"] } };
        assert.match(
            mismatches(reordered, "legacyAuthentication").join("; "),
            /conditions\.clientAppTypes is \["other","exchangeActiveSync"\]/,
        );
        const located = {
            ...base,
            conditions: { ...base.conditions, locations: { includeLocations: ["All"], excludeLocations: ["AllTrusted"] } },
        };
        assert.match(
            mismatches(located, "legacyAuthentication").join("; "),
            /conditions\.locations is \{.*\} where the component's policy has nothing/,
        );
        const session = { ...base, sessionControls: { signInFrequency: { value: 1, type: "hours", isEnabled: true } } };
        assert.match(mismatches(session, "legacyAuthentication").join("; "), /sessionControls is/);
        const and = { ...base, grantControls: { ...base.grantControls, operator: "AND" } };
        assert.match(mismatches(and, "legacyAuthentication").join("; "), /grantControls\.operator is "AND"/);
        const nobody = { ...base, conditions: { ...base.conditions, users: { ...base.conditions.users, excludeUsers: [] } } };
        assert.match(mismatches(nobody, "legacyAuthentication").join("; "), /excludes no user/);
        const guests = {
            ...base,
            conditions: { ...base.conditions, users: { ...base.conditions.users, excludeUsers: ["GuestsOrExternalUsers"] } },
        };
        assert.match(mismatches(guests, "legacyAuthentication").join("; "), /excludes GuestsOrExternalUsers/);
        assert.match(mismatches({ ...base, state: "paused" }, "legacyAuthentication").join("; "), /state "paused"/);
        assert.match(mismatches(base, "legacyAuthentication", ["11111111-1111-1111-1111-111111111111"]).join("; "), /excludeUsers/);
    });
});
