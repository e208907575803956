import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { declareSetting } from "../../providers/framework/declare";
import { bool, num, obj } from "../../providers/framework/validation";
import { securityDefaults } from "../../settings/securityDefaults/setting";

/** A setting's inputs and outputs declared once (providers/framework/declare.ts, issue 23). */
describe("unit: a setting declared once", () => {
    it("the framework's internal inputs (confirm, tenantAtPreview) are declared once and checked by the shared checker", () => {
        const d = declareSetting({ inputs: { on: bool, level: num({ integer: true }) }, required: ["on"], confirms: true });
        assert.deepStrictEqual(d.inputKeys, ["on", "level"]);
        assert.deepStrictEqual(d.internalFields, ["confirm", "tenantAtPreview"]);
        assert.deepStrictEqual(d.resolvedFields, ["tenantAtPreview"]);
        assert.deepStrictEqual(d.validate({ on: true, confirm: ["weakens:x:1"], tenantAtPreview: { on: false } }), {
            desired: { on: true, confirm: ["weakens:x:1"], tenantAtPreview: { on: false } },
            failures: [],
        });
        const bad = d.validate({ on: true, confirm: "weakens:x:1", tenantAtPreview: { on: "yes" } });
        assert.strictEqual(bad.desired, undefined);
        assert.deepStrictEqual(
            bad.failures.map((f) => f.property),
            ["confirm", "tenantAtPreview"],
        );
        assert.match(bad.failures[0].reason, /guards\.confirm/);
        // Without confirms, the same keys are unknown properties.
        const plain = declareSetting({ inputs: { on: bool } });
        assert.deepStrictEqual(
            plain.validate({ on: true, confirm: [] }).failures.map((f) => f.property),
            ["confirm"],
        );
    });

    it("security defaults: a malformed tenantAtPreview or replacement is refused, naming it (not dropped)", () => {
        const v = securityDefaults.validate({ isEnabled: false, replacement: { requiresMfa: true }, tenantAtPreview: { isEnabled: "on" } });
        assert.strictEqual(v.desired, undefined);
        assert.deepStrictEqual(
            v.failures.map((f) => f.property),
            ["replacement", "tenantAtPreview"],
        );
        assert.match(v.failures[0].reason, /blocksLegacy/);
        assert.deepStrictEqual(securityDefaults.internalFields, ["replacement", "confirm", "tenantAtPreview"]);
        assert.deepStrictEqual(securityDefaults.inputKeys, ["isEnabled"]);
    });

    describe("the resource class from the declaration keeps the type token and the state's keys", () => {
        const created: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
        before(() => {
            pulumi.runtime.setMocks(
                {
                    newResource: (args) => {
                        created.push({ type: args.type, name: args.name, inputs: args.inputs });
                        return {
                            id: `${args.name}-id`,
                            state: { ...args.inputs, policyId: "p", displayName: "Security Defaults", tenantId: "tid" },
                        };
                    },
                    call: () => ({}),
                },
                "m365-mfa",
                "unit",
                true,
            );
        });

        it("SecurityDefaults", async () => {
            const { SecurityDefaults } = await import("../../settings/securityDefaults/resource");
            const r = new SecurityDefaults("sd", {
                isEnabled: true,
                replacement: { requiresMfa: true, blocksLegacy: false },
                confirm: ["c"],
            });
            assert.strictEqual(SecurityDefaults.name, "SecurityDefaults");
            const policyId = await new Promise((resolve) => r.policyId.apply(resolve));
            assert.strictEqual(policyId, "p");
            const c = created.find((x) => x.name === "sd");
            assert.strictEqual(c?.type, "pulumi-nodejs:dynamic/m365-mfa:SecurityDefaults");
            assert.deepStrictEqual(Object.keys(c!.inputs).sort(), ["__provider", "confirm", "isEnabled", "replacement"]);
            assert.deepStrictEqual(c!.inputs.replacement, { requiresMfa: true, blocksLegacy: false });
        });

        it("SmtpAuth", async () => {
            const { SmtpAuth } = await import("../../settings/smtpAuth/resource");
            const r = new SmtpAuth("smtp", { disabledForOrganization: true, exceptions: ["scanner@contoso.com"] });
            await new Promise((resolve) => r.urn.apply(resolve));
            const c = created.find((x) => x.name === "smtp");
            assert.strictEqual(c?.type, "pulumi-nodejs:dynamic/m365-mfa:SmtpAuth");
            assert.deepStrictEqual(Object.keys(c!.inputs).sort(), ["__provider", "disabledForOrganization", "exceptions"]);
            assert.ok(!("tenantAtPreview" in r), "no tenantAtPreview output, as before");
            assert.ok("observedMailboxes" in r && "readScope" in r && "mailboxes" in r);
        });

        it("UserHygiene", async () => {
            const { UserHygiene } = await import("../../settings/hygiene/resource");
            const r = new UserHygiene("hy", { users: ["a@contoso.com"], revokeSessions: true, trigger: "INC-1" });
            await new Promise((resolve) => r.urn.apply(resolve));
            const c = created.find((x) => x.name === "hy");
            assert.strictEqual(c?.type, "pulumi-nodejs:dynamic/m365-mfa:UserHygiene");
            assert.deepStrictEqual(Object.keys(c!.inputs).sort(), ["__provider", "revokeSessions", "trigger", "users"]);
            assert.ok("targets" in r && "lastRun" in r);
        });

        it("MailboxProtocols", async () => {
            const { MailboxProtocols } = await import("../../settings/mailboxProtocols/resource");
            const { mailboxProtocols } = await import("../../settings/mailboxProtocols/setting");
            assert.deepStrictEqual([...mailboxProtocols.inputKeys].sort(), [
                "configKey",
                "confirm",
                "defaults",
                "exceptionAddresses",
                "exceptions",
                "mailboxes",
                "maxMailboxChanges",
                "planned",
                "plans",
            ]);
            assert.deepStrictEqual(mailboxProtocols.internalFields, ["configKey", "confirm"]);
            const r = new MailboxProtocols("mp", {
                defaults: { pop: false },
                confirm: ["c"],
                configKey: "m365-mfa:baseline.mailboxProtocols",
            });
            await new Promise((resolve) => r.urn.apply(resolve));
            const c = created.find((x) => x.name === "mp");
            assert.strictEqual(c?.type, "pulumi-nodejs:dynamic/m365-mfa:MailboxProtocols");
            assert.deepStrictEqual(Object.keys(c!.inputs).sort(), ["__provider", "configKey", "confirm", "defaults"]);
            assert.ok(!("tenantAtPreview" in r) && "differing" in r && "targetsDigest" in r);
        });

        it("ModernAuthentication", async () => {
            const { ModernAuthentication } = await import("../../settings/modernAuthentication/resource");
            const r = new ModernAuthentication("ma", { enabled: true });
            await new Promise((resolve) => r.urn.apply(resolve));
            const c = created.find((x) => x.name === "ma");
            assert.strictEqual(c?.type, "pulumi-nodejs:dynamic/m365-mfa:ModernAuthentication");
            assert.deepStrictEqual(Object.keys(c!.inputs).sort(), ["__provider", "enabled"]);
        });
        it("ExternalAuthenticationMethod", async () => {
            const { ExternalAuthenticationMethod } = await import("../../settings/authenticationMethods/externalMethodResource");
            const r = new ExternalAuthenticationMethod("ext", {
                displayName: "Acme MFA",
                appId: "6d0f8c3a-1b2c-4d5e-8f90-0a1b2c3d4e5f",
                includeTargets: [{ id: "all_users" }],
            });
            await new Promise((resolve) => r.urn.apply(resolve));
            const c = created.find((x) => x.name === "ext");
            assert.strictEqual(ExternalAuthenticationMethod.name, "ExternalAuthenticationMethod");
            assert.strictEqual(c?.type, "pulumi-nodejs:dynamic/m365-mfa:ExternalAuthenticationMethod");
            assert.deepStrictEqual(Object.keys(c!.inputs).sort(), ["__provider", "appId", "displayName", "includeTargets"]);
            assert.ok("configuration" in r && "tenantId" in r && "discoveryUrl" in r);
        });

        it("AuthenticationMethodsPolicy", async () => {
            const { AuthenticationMethodsPolicy } = await import("../../settings/authenticationMethods/policyResource");
            const { authenticationMethodsPolicy } = await import("../../settings/authenticationMethods/policy");
            assert.deepStrictEqual(authenticationMethodsPolicy.inputKeys, [
                "registrationCampaign",
                "policyMigrationState",
                "systemCredentialPreferences",
                "reportSuspiciousActivitySettings",
                "diagnosticsUrn",
                "confirm",
            ]);
            assert.deepStrictEqual(authenticationMethodsPolicy.internalFields, ["diagnosticsUrn", "confirm"]);
            const r = new AuthenticationMethodsPolicy("amp", { policyMigrationState: "migrationComplete", confirm: ["c"] });
            await new Promise((resolve) => r.urn.apply(resolve));
            const c = created.find((x) => x.name === "amp");
            assert.strictEqual(AuthenticationMethodsPolicy.name, "AuthenticationMethodsPolicy");
            assert.strictEqual(c?.type, "pulumi-nodejs:dynamic/m365-mfa:AuthenticationMethodsPolicy");
            assert.deepStrictEqual(Object.keys(c!.inputs).sort(), ["__provider", "confirm", "diagnosticsUrn", "policyMigrationState"]);
            assert.match(String(c!.inputs.diagnosticsUrn), /::m365-mfa::pulumi-nodejs:dynamic\/m365-mfa:AuthenticationMethodsPolicy::amp$/);
            assert.ok("policy" in r && "tenantId" in r && "reportSuspiciousActivitySettings" in r && !("tenantAtPreview" in r));
        });

        it("AuthenticationMethodConfiguration", async () => {
            const { AuthenticationMethodConfiguration } = await import("../../settings/authenticationMethods/methodConfigurationResource");
            const { authenticationMethodConfiguration } = await import("../../settings/authenticationMethods/methodConfiguration");
            assert.deepStrictEqual(authenticationMethodConfiguration.internalFields, ["confirm", "tenantAtPreview"]);
            assert.deepStrictEqual(authenticationMethodConfiguration.resolvedFields, ["tenantAtPreview"]);
            const r = new AuthenticationMethodConfiguration("tap", {
                method: "temporaryAccessPass",
                state: "enabled",
                defaultLength: 12,
                confirm: ["c"],
            });
            await new Promise((resolve) => r.urn.apply(resolve));
            const c = created.find((x) => x.name === "tap");
            assert.strictEqual(AuthenticationMethodConfiguration.name, "AuthenticationMethodConfiguration");
            assert.strictEqual(c?.type, "pulumi-nodejs:dynamic/m365-mfa:AuthenticationMethodConfiguration");
            assert.deepStrictEqual(Object.keys(c!.inputs).sort(), ["__provider", "confirm", "defaultLength", "method", "state"]);
            assert.ok("configuration" in r && "tenantId" in r && "tenantAtPreview" in r && "passkeyProfiles" in r);
        });
    });

    it(
        "SMTP AUTH: mailboxes is resolved (an input key, never " + "configured) and tenantAtPreview is recorded but no confirmation",
        async () => {
            const { smtpAuth } = await import("../../settings/smtpAuth/setting");
            assert.deepStrictEqual(smtpAuth.inputKeys, ["disabledForOrganization", "exceptions", "manageAllMailboxes", "mailboxes"]);
            assert.deepStrictEqual(smtpAuth.resolvedFields, ["mailboxes", "tenantAtPreview"]);
            const v = smtpAuth.validate({
                disabledForOrganization: true,
                confirm: ["x"],
                tenantAtPreview: { disabledForOrganization: "no" },
            });
            assert.deepStrictEqual(
                v.failures.map((f) => f.property),
                ["confirm", "tenantAtPreview"],
            );
            assert.match(
                v.failures[0].reason,
                /confirm is not a known property \(known: disabledForOrganization, exceptions, manageAllMailboxes\)/,
            );
        },
    );

    it("Exchange authentication policy: the JSON Schema of m365-mfa:baseline covers allowBasicAuth's protocols", async () => {
        const { jsonSchemaOf } = await import("../../providers/framework/validation");
        const { exchangeAuthenticationPolicyMember } = await import("../../settings/exchangeAuthenticationPolicy/member");
        const json = jsonSchemaOf(exchangeAuthenticationPolicyMember.schema) as any;
        const allow = json.properties.allowBasicAuth;
        assert.deepStrictEqual([...allow.propertyNames.enum].sort(), [
            "ActiveSync",
            "Autodiscover",
            "Imap",
            "Mapi",
            "OfflineAddressBook",
            "OutlookService",
            "Pop",
            "Powershell",
            "ReportingWebServices",
            "Rpc",
            "Smtp",
            "WebServices",
        ]);
        assert.strictEqual(allow.additionalProperties.type, "boolean");
    });

    it("modern authentication: the member's config schema is the setting's inputs (one declaration)", async () => {
        const { modernAuthenticationMember } = await import("../../settings/modernAuthentication/member");
        const { modernAuthentication } = await import("../../settings/modernAuthentication/setting");
        assert.strictEqual(modernAuthenticationMember.schema, modernAuthentication.schema);
    });

    it("authentication methods: the JSON Schema of m365-mfa:baseline covers each external method's values (one declaration)", async () => {
        const { jsonSchemaOf } = await import("../../providers/framework/validation");
        const { authenticationMethodsMember } = await import("../../settings/authenticationMethods/member");
        const { externalAuthenticationMethod } = await import("../../settings/authenticationMethods/externalMethod");
        const json = jsonSchemaOf(authenticationMethodsMember.schema) as any;
        const ext = json.properties.externalMethods.additionalProperties;
        assert.deepStrictEqual(Object.keys(ext.properties), [
            "appId",
            "clientId",
            "discoveryUrl",
            "state",
            "includeTargets",
            "excludeTargets",
        ]);
        assert.strictEqual(ext.additionalProperties, false);
        assert.deepStrictEqual(ext.properties.state.enum, ["enabled", "disabled"]);
        assert.match(JSON.stringify(ext.properties.appId), /\[0-9a-fA-F\]\{8\}/);
        assert.deepStrictEqual(ext.properties.includeTargets.items.required, ["id"]);
        assert.deepStrictEqual(Object.keys(ext.properties.includeTargets.items.properties), ["id", "targetType", "isRegistrationRequired"]);
        assert.deepStrictEqual(externalAuthenticationMethod.inputKeys, ["displayName", ...Object.keys(ext.properties)]);
    });

    it("authentication methods: the JSON Schema of m365-mfa:baseline covers the policy's values (one declaration)", async () => {
        const { jsonSchemaOf } = await import("../../providers/framework/validation");
        const { authenticationMethodsMember } = await import("../../settings/authenticationMethods/member");
        const policy = (jsonSchemaOf(authenticationMethodsMember.schema) as any).properties.policy;
        assert.deepStrictEqual(Object.keys(policy.properties), [
            "registrationCampaign",
            "policyMigrationState",
            "systemCredentialPreferences",
            "reportSuspiciousActivitySettings",
        ]);
        assert.strictEqual(policy.minProperties, 1);
        const campaign = policy.properties.registrationCampaign;
        assert.deepStrictEqual(
            [campaign.properties.snoozeDurationInDays.minimum, campaign.properties.snoozeDurationInDays.maximum],
            [0, 14],
        );
        assert.deepStrictEqual(campaign.properties.includeTargets.items.properties.targetedAuthenticationMethod.enum, [
            "microsoftAuthenticator",
        ]);
        assert.deepStrictEqual(policy.properties.policyMigrationState.enum, ["preMigration", "migrationInProgress", "migrationComplete"]);
        assert.strictEqual(policy.properties.reportSuspiciousActivitySettings.properties.voiceReportingCode.maximum, 9);
        assert.strictEqual(policy.properties.reportSuspiciousActivitySettings.additionalProperties, false);
    });

    it("authentication methods: the JSON Schema of m365-mfa:baseline covers each method's own values (one declaration)", async () => {
        const { jsonSchemaOf } = await import("../../providers/framework/validation");
        const { authenticationMethodsMember } = await import("../../settings/authenticationMethods/member");
        const { authenticationMethodConfiguration } = await import("../../settings/authenticationMethods/methodConfiguration");
        const methods = (jsonSchemaOf(authenticationMethodsMember.schema) as any).properties.methods;
        assert.strictEqual(methods.additionalProperties, false);
        assert.strictEqual(methods.minProperties, 1);
        const of = (m: string) => methods.properties[m];
        assert.deepStrictEqual(Object.keys(of("sms").properties), ["state", "includeTargets", "excludeTargets"]);
        assert.strictEqual(of("sms").additionalProperties, false);
        assert.deepStrictEqual(Object.keys(of("sms").properties.includeTargets.items.properties), [
            "id",
            "targetType",
            "isRegistrationRequired",
            "isUsableForSignIn",
        ]);
        assert.deepStrictEqual(of("microsoftAuthenticator").properties.includeTargets.items.properties.authenticationMode.enum, [
            "any",
            "deviceBasedPush",
            "push",
        ]);
        assert.deepStrictEqual(Object.keys(of("microsoftAuthenticator").properties.featureSettings.properties), [
            "displayAppInformationRequiredState",
            "displayLocationInformationRequiredState",
            "companionAppAllowedState",
        ]);
        const tap = of("temporaryAccessPass").properties;
        assert.deepStrictEqual([tap.defaultLength.minimum, tap.defaultLength.maximum], [8, 48]);
        assert.deepStrictEqual([tap.maximumLifetimeInMinutes.minimum, tap.maximumLifetimeInMinutes.maximum], [10, 43200]);
        assert.deepStrictEqual([of("qrCodePin").properties.pinLength.minimum, of("qrCodePin").properties.pinLength.maximum], [8, 20]);
        const profile = of("fido2").properties.passkeyProfiles.additionalProperties;
        assert.deepStrictEqual(profile.properties.attestationEnforcement.enum, ["disabled", "registrationOnly"]);
        assert.deepStrictEqual(profile.properties.passkeyTypes.items.enum, ["deviceBound", "synced"]);
        assert.deepStrictEqual(of("email").properties.allowExternalIdToUseEmailOtp.enum, ["default", "enabled", "disabled"]);
        // Every method's fields are the setting's inputs; the method is the key.
        const declared = new Set(Object.values(methods.properties).flatMap((m: any) => Object.keys(m.properties)));
        declared.delete("isAttestationEnforced");
        assert.deepStrictEqual([...declared].sort(), authenticationMethodConfiguration.inputKeys.filter((k) => k !== "method").sort());
    });

    it(
        "authentication methods: the baseline says a method's problems in the setting's words while the JSON Schema says its " +
            "values (checkedBySetting)",
        async () => {
            const { BaselineConfigError, baselineArgsFromConfig } = await import("../../components/config");
            const { jsonSchemaOf, check } = await import("../../providers/framework/validation");
            const { checkedBySetting } = await import("../../providers/framework/declare");
            const problems = (raw: unknown): string[] => {
                try {
                    baselineArgsFromConfig(raw);
                } catch (e) {
                    assert.ok(e instanceof BaselineConfigError, String(e));
                    return [...e.problems];
                }
                return [];
            };
            const am = (x: unknown) => problems({ authenticationMethods: x });
            assert.deepStrictEqual(am({ methods: { sms: { defaultLength: 8 } } }), [
                "m365-mfa:baseline.authenticationMethods.methods.sms.defaultLength: defaultLength is not a setting of sms; it " +
                    "belongs to temporaryAccessPass. Remove it, or set method to temporaryAccessPass",
            ]);
            assert.match(
                am({ methods: { microsoftAuthenticator: { featureSettings: { numberMatchingRequiredState: { state: "enabled" } } } } })[0],
                /featureSettings\.numberMatchingRequiredState: .*number matching is always on/,
            );
            assert.deepStrictEqual(
                am({
                    methods: { temporaryAccessPass: { defaultLength: 60 } },
                    policy: { reportSuspiciousActivitySettings: { voiceReportingCode: 12 } },
                }),
                [
                    "m365-mfa:baseline.authenticationMethods.policy.reportSuspiciousActivitySettings.voiceReportingCode: " +
                        "reportSuspiciousActivitySettings.voiceReportingCode must be a whole number from 0 to 9 (one phone keypad " +
                        "digit) (got 12)",
                    "m365-mfa:baseline.authenticationMethods.methods.temporaryAccessPass.defaultLength: defaultLength must be a " +
                        "whole number from 8 to 48 characters (got 60)",
                ],
            );
            assert.match(
                am({ externalMethods: { Acme: { appId: "acme" } } })[0],
                /externalMethods\.Acme\.appId: appId must be the application \(client\) id .* a GUID \(got "acme"\)/,
            );
            // All at once.
            assert.strictEqual(am({ methods: { fido2: { isAttestationEnforced: true }, qrCodePin: { pinLength: 7 } } }).length, 2);
            // The JSON Schema is the declared one: sms has no defaultLength there.
            const methods = (
                jsonSchemaOf((await import("../../settings/authenticationMethods/member")).authenticationMethodsMember.schema) as any
            ).properties.methods;
            assert.ok(!("defaultLength" in methods.properties.sms.properties));
            // checkedBySetting: the keys checked, `depth` objects deep; the values left to the setting.
            const s = checkedBySetting(obj({ a: obj({ b: num({ min: 1 }) }) }), 2);
            const said = (v: unknown) => {
                const out: string[] = [];
                check(v, s, "k", out);
                return out;
            };
            assert.deepStrictEqual(said({ a: { b: 0 } }), []);
            assert.match(said({ a: { c: 1 } })[0], /^k\.a\.c is not a known setting; did you mean b\?/);
            assert.match(said({ x: {} })[0], /^k\.x is not a known setting/);
            assert.deepStrictEqual(jsonSchemaOf(s), jsonSchemaOf(obj({ a: obj({ b: num({ min: 1 }) }) })));
        },
    );
});
