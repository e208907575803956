import type { BaselineMember } from "../../providers/framework/member";
import { checkedBySetting } from "../../providers/framework/declare";
import { type Schema, keysOf, map, obj } from "../../providers/framework/validation";
import { exportMember } from "./export";
import { AuthenticationMethodConfiguration, type AuthenticationMethodConfigurationArgs } from "./methodConfigurationResource";
import { AUTHENTICATION_METHODS, type AuthenticationMethod, authenticationMethodConfiguration, methodSchema } from "./methodConfiguration";
import { externalAuthenticationMethod, externalMethodDeclaration } from "./externalMethod";
import { ExternalAuthenticationMethod, type ExternalAuthenticationMethodArgs } from "./externalMethodResource";
import { authenticationMethodsPolicy, authenticationMethodsPolicyDeclaration } from "./policy";
import { AuthenticationMethodsPolicy, type AuthenticationMethodsPolicyArgs } from "./policyResource";

/** `m365-mfa:baseline.authenticationMethods` */
export interface AuthenticationMethodsSettings {
    /** Registration campaign, migration state, system-preferred MFA, report suspicious activity (beta). */
    policy?: AuthenticationMethodsPolicyArgs;
    /**
     * Per method (microsoftAuthenticator, sms, voice, fido2, softwareOath, temporaryAccessPass, email, x509Certificate, qrCodePin,
     * hardwareOath): only the fields given are managed.
     */
    methods?: Partial<Record<AuthenticationMethod, Omit<AuthenticationMethodConfigurationArgs, "method">>>;
    /** External authentication methods (External MFA) by displayName: appId, clientId, discoveryUrl, state, targets. */
    externalMethods?: Record<string, Omit<ExternalAuthenticationMethodArgs, "displayName">>;
}

const METHODS_EMPTY = `it manages no method; name at least one (${AUTHENTICATION_METHODS.join(", ")}) or remove methods`;

/** An object schema without some of its keys (those the baseline says by the key the settings sit under). */
function withoutKeys(schema: Schema, drop: readonly string[]): Schema {
    if (schema.type !== "object") throw new Error("withoutKeys needs an object schema");
    const fields = Object.fromEntries(Object.entries(schema.fields).filter(([k]) => !drop.includes(k)));
    return { ...schema, fields, required: (schema.required ?? []).filter((k) => !drop.includes(k)) };
}

export interface AuthenticationMethodsResources {
    policy?: AuthenticationMethodsPolicy;
    methods: Partial<Record<AuthenticationMethod, AuthenticationMethodConfiguration>>;
    externalMethods: Record<string, ExternalAuthenticationMethod>;
}

/**
 * What the Conditional Access presets declare: nudge everyone to Microsoft Authenticator; SMS, voice and email
 * one-time passcodes off (ScubaGear v1.8 MS.AAD.3.5v2 names all three).
 */
const CONDITIONAL_ACCESS_METHODS = {
    policy: {
        registrationCampaign: {
            state: "enabled",
            snoozeDurationInDays: 1,
            includeTargets: [{ id: "all_users", targetType: "group", targetedAuthenticationMethod: "microsoftAuthenticator" }],
        },
    },
    methods: { sms: { state: "disabled" }, voice: { state: "disabled" }, email: { state: "disabled" } },
};

export const authenticationMethodsMember: BaselineMember<AuthenticationMethodsSettings, AuthenticationMethodsResources> = {
    key: "authenticationMethods",
    title: authenticationMethodsPolicy.title,
    settings: [authenticationMethodsPolicy, authenticationMethodConfiguration, externalAuthenticationMethod],
    exportMember,
    schema: obj(
        {
            // The policy's declared inputs, not empty.
            // Checked for its keys two objects deep (the sections' keys); the values by the setting's validate, in its words.
            policy: checkedBySetting(
                {
                    ...authenticationMethodsPolicyDeclaration.schema,
                    nonEmpty:
                        "it manages nothing; give registrationCampaign, policyMigrationState, systemCredentialPreferences " +
                        "and/or reportSuspiciousActivitySettings, or remove it",
                } as Schema,
                2,
            ),
            // Each method with the fields it has, as declared (methodSchema). Checked for the method's name and that its
            // keys are some method's; the rest by the setting's validate, which says e.g. which method a key belongs to.
            methods: checkedBySetting(
                obj(Object.fromEntries(AUTHENTICATION_METHODS.map((m) => [m, methodSchema(m)])), { nonEmpty: METHODS_EMPTY }),
                2,
                map(
                    keysOf([...authenticationMethodConfiguration.inputKeys.filter((k) => k !== "method"), "isAttestationEnforced"], {
                        hint: "like { state: enabled }",
                    }),
                    {
                        keys: AUTHENTICATION_METHODS,
                        keyHint: "an authentication method",
                        nonEmpty: METHODS_EMPTY,
                    },
                ),
            ),
            // Each by its display name (the key): the declaration's inputs without displayName.
            externalMethods: checkedBySetting(
                map(withoutKeys(externalMethodDeclaration.schema, ["displayName"]), {
                    keyHint: "the external method's display name",
                    nonEmpty: "it manages no external method; name one by its display name or remove externalMethods",
                }),
                2,
            ),
        },
        { nonEmpty: "it manages nothing; give policy, methods and/or externalMethods, or remove it" },
    ),
    parse: (am, ctx) => {
        const out: AuthenticationMethodsSettings = {};
        if (am.policy !== undefined) {
            // The provider's own validation, each message under its config key.
            const { desired, failures } = authenticationMethodsPolicy.validate(am.policy);
            for (const f of failures) ctx.problems.push(`${ctx.key}.policy${f.property ? `.${f.property}` : ""}: ${f.reason}`);
            if (desired && !failures.length) out.policy = desired as AuthenticationMethodsPolicyArgs;
        }
        if (am.methods !== undefined) {
            const methods: Record<string, unknown> = {};
            for (const [method, cfg] of Object.entries(am.methods as Record<string, Record<string, unknown>>)) {
                const { desired, failures } = authenticationMethodConfiguration.validate({ ...cfg, method });
                for (const f of failures) ctx.problems.push(`${ctx.key}.methods.${method}.${f.property}: ${f.reason}`);
                if (desired && !failures.length) {
                    const { method: _m, ...rest } = desired;
                    methods[method] = rest;
                }
            }
            out.methods = methods as AuthenticationMethodsSettings["methods"];
        }
        if (am.externalMethods !== undefined) {
            const external: Record<string, unknown> = {};
            for (const [displayName, cfg] of Object.entries(am.externalMethods as Record<string, Record<string, unknown>>)) {
                const { desired, failures } = externalAuthenticationMethod.validate({ ...cfg, displayName });
                for (const f of failures) ctx.problems.push(`${ctx.key}.externalMethods.${displayName}.${f.property}: ${f.reason}`);
                if (desired && !failures.length) {
                    const { displayName: _d, ...rest } = desired;
                    external[displayName] = rest;
                }
            }
            out.externalMethods = external as AuthenticationMethodsSettings["externalMethods"];
        }
        return out;
    },
    build: (args, ctx) => {
        const built: AuthenticationMethodsResources = { methods: {}, externalMethods: {} };
        if (args.policy) {
            built.policy = new AuthenticationMethodsPolicy(
                `${ctx.name}-authentication-methods-policy`,
                { ...args.policy, ...(ctx.wide.guards?.confirm ? { confirm: ctx.wide.guards.confirm } : {}) },
                { parent: ctx.parent },
            );
        }
        for (const [method, cfg] of Object.entries(args.methods ?? {})) {
            built.methods[method as AuthenticationMethod] = new AuthenticationMethodConfiguration(
                `${ctx.name}-method-${method}`,
                {
                    ...cfg,
                    method: method as AuthenticationMethod,
                    ...(ctx.wide.guards?.confirm ? { confirm: ctx.wide.guards.confirm } : {}),
                },
                { parent: ctx.parent },
            );
        }
        for (const [displayName, cfg] of Object.entries(args.externalMethods ?? {})) {
            const slug = displayName
                .toLowerCase()
                .replace(/[^a-z0-9]+/g, "-")
                .replace(/^-|-$/g, "");
            built.externalMethods[displayName] = new ExternalAuthenticationMethod(
                `${ctx.name}-external-method-${slug}`,
                { ...cfg, displayName },
                { parent: ctx.parent },
            );
        }
        return built;
    },
    preset: (preset) => (preset === "security-defaults" ? undefined : CONDITIONAL_ACCESS_METHODS),
};
