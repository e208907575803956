/**
 * Legacy authentication blocked in stages, Conditional Access MFA, presets and the coherence rules,
 * under Pulumi's mocks (the azuread provider plugin is not needed under mocks).
 */
import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { BaselineConfigError, baselineArgsFromConfig, coherenceWarnings } from "../../components/config";

const BG = ["breakglass1@contoso.com", "11111111-2222-3333-4444-555555555555"];

describe("unit: Conditional Access members, presets and coherence", () => {
    const created: { type: string; name: string; inputs: any }[] = [];
    const lookups: string[] = [];
    const calls: string[] = [];

    before(() => {
        pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    created.push({ type: args.type, name: args.name, inputs: args.inputs });
                    if (args.type === "pulumi-nodejs:dynamic/m365-mfa:BreakGlassAccounts") {
                        // What the check resolves through the package's Graph client (settings/conditionalAccess/breakGlass.ts).
                        lookups.push(...args.inputs.accounts);
                        return {
                            id: `${args.name}-id`,
                            state: {
                                ...args.inputs,
                                objectIds: args.inputs.accounts.map((a: string) => (a.includes("@") ? "bg1-object-id" : a)),
                            },
                        };
                    }
                    return { id: `${args.name}-id`, state: { ...args.inputs } };
                },
                call: (args) => {
                    // Issue 22: no azuread invoke any more (its getUser gave up on a dropped connection).
                    calls.push(args.token);
                    return {};
                },
            },
            "m365-mfa",
            "unit-ca",
            true,
        );
    });

    const policyOf = async (name: string) => {
        await new Promise((r) => setTimeout(r, 100));
        return created.find((c) => c.name === name && c.type === "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy");
    };

    it("blocks exchangeActiveSync and other for all users except break-glass, report-only first", async () => {
        const { TenantMfaBaseline } = await import("../../components/TenantMfaBaseline");
        new TenantMfaBaseline("ca1", baselineArgsFromConfig({ breakGlassAccounts: BG, legacyAuthentication: { mode: "reportOnly" } }));
        const p = await policyOf("ca1-legacy-authentication-policy");
        assert.ok(p, "the Conditional Access policy is created through @pulumi/azuread");
        assert.strictEqual(p!.inputs.state, "enabledForReportingButNotEnforced");
        assert.deepStrictEqual(p!.inputs.conditions.clientAppTypes, ["exchangeActiveSync", "other"]);
        assert.deepStrictEqual(p!.inputs.conditions.applications.includedApplications, ["All"]);
        assert.deepStrictEqual(p!.inputs.conditions.users.includedUsers, ["All"]);
        assert.deepStrictEqual(
            p!.inputs.conditions.users.excludedUsers,
            ["bg1-object-id", "11111111-2222-3333-4444-555555555555"],
            "UPNs resolved to object ids, ids kept",
        );
        assert.deepStrictEqual(p!.inputs.grantControls, { operator: "OR", builtInControls: ["block"] });
        assert.deepStrictEqual(
            lookups,
            ["breakglass1@contoso.com", "11111111-2222-3333-4444-555555555555"],
            "resolved by the package's own resource, child of the component",
        );
        assert.ok(created.some((c) => c.name === "ca1-legacy-authentication-break-glass"));
        assert.deepStrictEqual(calls, [], "no azuread.getUser");
    });

    it("enforces when the stack says on, and says which path it took", async () => {
        const { TenantMfaBaseline } = await import("../../components/TenantMfaBaseline");
        const b = new TenantMfaBaseline(
            "ca2",
            baselineArgsFromConfig({
                breakGlassAccounts: BG,
                legacyAuthentication: { mode: "on" },
                conditionalAccessMfa: { mode: "on" },
                securityDefaults: { enabled: false },
                guards: { confirm: ["legacy-authentication:on", "conditional-access-mfa:on"] },
            }),
        );
        assert.strictEqual((await policyOf("ca2-legacy-authentication-policy"))!.inputs.state, "enabled");
        const mfa = await policyOf("ca2-require-mfa-policy");
        assert.deepStrictEqual(mfa!.inputs.grantControls, { operator: "OR", builtInControls: ["mfa"] });
        assert.deepStrictEqual(mfa!.inputs.conditions.clientAppTypes, ["all"]);
        const posture = await new Promise<any>((r) => b.posture.apply(r));
        assert.strictEqual(posture.path, "conditional-access");
        assert.strictEqual(posture.legacyAuthentication, "conditional-access");
    });

    it("refuses security defaults beside an enforced Conditional Access policy, naming both keys and the way out", () => {
        assert.throws(
            () =>
                baselineArgsFromConfig({
                    breakGlassAccounts: BG,
                    securityDefaults: { enabled: true },
                    legacyAuthentication: { mode: "on" },
                    guards: { confirm: ["legacy-authentication:on"] },
                }),
            (e: BaselineConfigError) => {
                assert.strictEqual(e.problems.length, 1);
                assert.match(
                    e.problems[0],
                    new RegExp(
                        String.raw`m365-mfa:baseline\.securityDefaults\.enabled is true while a Conditional Access policy is ` +
                            String.raw`on \(m365-mfa:baseline\.legacyAuthentication`,
                    ),
                );
                assert.match(e.problems[0], /preset conditional-access/);
                return true;
            },
        );
    });

    it("refuses a block or MFA policy without break-glass accounts", () => {
        assert.throws(
            () => baselineArgsFromConfig({ legacyAuthentication: { mode: "reportOnly" } }),
            /legacyAuthentication needs m365-mfa:baseline\.breakGlassAccounts/,
        );
        assert.throws(
            () => baselineArgsFromConfig({ conditionalAccessMfa: { mode: "on" } }),
            /conditionalAccessMfa needs m365-mfa:baseline\.breakGlassAccounts/,
        );
        assert.throws(
            () => baselineArgsFromConfig({ breakGlassAccounts: BG, legacyAuthentication: { mode: "enforce" } }),
            /legacyAuthentication\.mode must be one of reportOnly, on, off \(report-only first, as Microsoft recommends\), got "enforce"/,
        );
    });

    it(
        "switching a Conditional Access policy on is confirmed at preview (count and digest, from the tenant); the old static " +
            "token is said to confirm nothing",
        () => {
            // The confirmation names the change, which only the tenant knows (its users): the rollout guard asks for it at preview.
            assert.doesNotThrow(() => baselineArgsFromConfig({ breakGlassAccounts: BG, legacyAuthentication: { mode: "on" } }));
            const args = baselineArgsFromConfig({
                breakGlassAccounts: BG,
                legacyAuthentication: { mode: "on" },
                guards: { confirm: ["legacy-authentication:on"] },
            });
            const w = coherenceWarnings(args);
            assert.strictEqual(w.length, 1);
            assert.match(w[0], /guards\.confirm lists "legacy-authentication:on", which no longer confirms anything/);
        },
    );

    it("flags per-user MFA beside Conditional Access MFA, as Microsoft advises against it", () => {
        const args = baselineArgsFromConfig({
            breakGlassAccounts: BG,
            conditionalAccessMfa: { mode: "reportOnly" },
            perUserMfa: { assignments: [{ state: "enforced", users: ["a@contoso.com"] }] },
        });
        const w = coherenceWarnings(args);
        assert.strictEqual(w.length, 1);
        assert.match(w[0], /Microsoft advises against using both.*migrationStage 3/);
    });

    it("presets expand to whole postures, explicit members win", () => {
        const sd = baselineArgsFromConfig({ preset: "security-defaults" });
        assert.deepStrictEqual(sd.securityDefaults, { enabled: true });
        assert.deepStrictEqual(sd.smtpAuth, { disabledForOrganization: true });
        assert.strictEqual(sd.legacyAuthentication, undefined);
        const ca = baselineArgsFromConfig({
            preset: "conditional-access",
            breakGlassAccounts: BG,
            smtpAuth: { disabledForOrganization: true, exceptions: ["scanner@contoso.com"] },
        });
        assert.strictEqual(ca.securityDefaults, undefined, "report-only Conditional Access: security defaults stay as the tenant has them");
        const caOn = baselineArgsFromConfig({ preset: "conditional-access", breakGlassAccounts: BG, conditionalAccessMfa: { mode: "on" } });
        assert.deepStrictEqual(caOn.securityDefaults, { enabled: false }, "off once a Conditional Access policy is enforced");
        assert.deepStrictEqual([ca.legacyAuthentication?.mode, ca.conditionalAccessMfa?.mode], ["reportOnly", "reportOnly"]);
        assert.deepStrictEqual(ca.smtpAuth, { disabledForOrganization: true, exceptions: ["scanner@contoso.com"] }, "explicit member wins");
        const m1 = baselineArgsFromConfig({ preset: "per-user-mfa-to-conditional-access", migrationStage: 1, breakGlassAccounts: BG });
        const confirm = { confirm: ["legacy-authentication:on", "conditional-access-mfa:on"] };
        assert.strictEqual(m1.securityDefaults, undefined);
        const m2 = baselineArgsFromConfig({
            preset: "per-user-mfa-to-conditional-access",
            migrationStage: 2,
            breakGlassAccounts: BG,
            guards: confirm,
        });
        const m3 = baselineArgsFromConfig({
            preset: "per-user-mfa-to-conditional-access",
            migrationStage: 3,
            breakGlassAccounts: BG,
            guards: confirm,
        });
        assert.deepStrictEqual(
            [m1.conditionalAccessMfa?.mode, m2.conditionalAccessMfa?.mode, m3.conditionalAccessMfa?.mode],
            ["reportOnly", "on", "on"],
        );
        assert.strictEqual(m2.perUserMfa, undefined, "stage 2 leaves per-user MFA alone");
        assert.deepStrictEqual(m2.securityDefaults, { enabled: false });
        assert.deepStrictEqual(m3.perUserMfa, { assignments: [], allOtherUsers: "disabled" });
        assert.throws(
            () => baselineArgsFromConfig({ preset: "strict" }),
            /preset must be one of security-defaults, conditional-access, per-user-mfa-to-conditional-access/,
        );
        assert.throws(
            () => baselineArgsFromConfig({ preset: "conditional-access", migrationStage: 2, breakGlassAccounts: BG }),
            /migrationStage does nothing with preset conditional-access: it is the stage of preset per-user-mfa-to-conditional-access/,
        );
        assert.throws(() => baselineArgsFromConfig({ preset: "conditional-access" }), /needs m365-mfa:baseline\.breakGlassAccounts/);
    });
});

/**
 * The four members' config declared once: the types, the baseline's check and the JSON Schema of m365-mfa:baseline from one declaration.
 */
describe("unit: Conditional Access members' config declared once", () => {
    it("the JSON Schema says the roles and the custom strength's combinations as the baseline checks them", async () => {
        const { jsonSchemaOf } = await import("../../providers/framework/validation");
        const { deviceCodeFlowMember, legacyAuthenticationMember, phishingResistantAdminsMember, requireMfaMember } = await import(
            "./member"
        );
        const admins = jsonSchemaOf(phishingResistantAdminsMember.schema) as any;
        const roles = admins.properties.roles;
        assert.strictEqual(roles.minItems, 1);
        const role = new RegExp(roles.items.allOf[0].pattern);
        for (const ok of ["Global Administrator", "global administrator", "62E90394-69F5-4237-9190-012177145E10"])
            assert.ok(role.test(ok), ok);
        assert.ok(!role.test("Global Admin"));
        const combinations = admins.properties.customStrength.properties.allowedCombinations;
        assert.strictEqual(combinations.minItems, 1);
        const combination = new RegExp(combinations.items.allOf[0].pattern);
        for (const ok of ["fido2", "password, sms", "x509CertificateMultiFactor"]) assert.ok(combination.test(ok), ok);
        for (const bad of ["fido3", "password,", "fido2 sms"]) assert.ok(!combination.test(bad), bad);
        // The keys every Conditional Access member has, declared once.
        for (const m of [legacyAuthenticationMember, requireMfaMember, phishingResistantAdminsMember, deviceCodeFlowMember]) {
            const json = jsonSchemaOf(m.schema) as any;
            assert.deepStrictEqual(Object.keys(json.properties).slice(0, 3), ["mode", "displayName", "adoptPolicyId"], m.key);
            assert.deepStrictEqual(json.required, ["mode"], m.key);
        }
    });

    it("an empty roles list and a bad combination are told at once, in the members' words", () => {
        let problems: readonly string[] = [];
        try {
            baselineArgsFromConfig({
                breakGlassAccounts: BG,
                phishingResistantAdmins: { mode: "reportOnly", roles: [], customStrength: { displayName: "x", allowedCombinations: [] } },
            });
        } catch (err) {
            if (!(err instanceof BaselineConfigError)) throw err;
            problems = err.problems;
        }
        assert.deepStrictEqual(problems, [
            "m365-mfa:baseline.phishingResistantAdmins.roles is empty: name at least one directory role, or leave roles out " +
                "for the highly privileged roles (15 roles)",
            "m365-mfa:baseline.phishingResistantAdmins.customStrength.allowedCombinations is empty: give at least one " +
                'combination, e.g. "fido2"',
        ]);
    });

    it(
        "the break-glass accounts' resource is declared once: did you mean, the resolved ids checked, the keys from the " + "declaration",
        async () => {
            const { breakGlassAccounts } = await import("./breakGlass");
            const typo = breakGlassAccounts.validate({ acounts: ["bg@contoso.com"] });
            assert.deepStrictEqual(
                typo.failures.map((f) => f.reason),
                [
                    "acounts is not a known property; did you mean accounts? (known: accounts)",
                    "accounts must be a list (the break-glass accounts (m365-mfa:baseline.breakGlassAccounts): user principal " +
                        "names or object ids), got nothing",
                ],
            );
            assert.deepStrictEqual(
                breakGlassAccounts.validate({ accounts: ["bg@contoso.com"], objectIds: [""] }).failures.map((f) => f.property),
                ["objectIds"],
            );
            assert.deepStrictEqual([...breakGlassAccounts.inputKeys], ["accounts", "objectIds"]);
            assert.deepStrictEqual([...(breakGlassAccounts.resolvedFields ?? [])], ["objectIds"]);
        },
    );

    it(
        "the rollout guard is declared once: its readiness is the baseline's declaration (did you mean), what the preview " +
            "resolves is checked",
        async () => {
            const { conditionalAccessRollout } = await import("./rollout");
            const inputs = {
                policy: "deviceCodeFlow",
                mode: "on",
                displayName: "m365-mfa: block device code flow",
                breakGlassAccounts: BG,
            };
            assert.deepStrictEqual(conditionalAccessRollout.validate(inputs), { desired: inputs, failures: [] });
            const bad = conditionalAccessRollout.validate({ ...inputs, readiness: { mode: "blok" }, enforcesFor: -1, polcy: "x" });
            assert.deepStrictEqual(
                bad.failures.map((f) => f.reason),
                [
                    "polcy is not a known property; did you mean policy? (known: policy, includeRoles, strength, " +
                        "transferMethods, mode, displayName, adoptPolicyId, breakGlassAccounts)",
                    'readiness.mode must be one of off, warn, block, got "blok"; did you mean block?',
                    "enforcesFor is resolved at preview; do not set it",
                ],
            );
            assert.deepStrictEqual(
                [...(conditionalAccessRollout.resolvedFields ?? [])],
                ["excludedNames", "enforcesFor", "tenantAtPreview"],
            );
        },
    );
});
