import * as pulumi from "@pulumi/pulumi";
import { AuthenticationMethodConfiguration, AuthenticationMethodConfigurationArgs } from "../settings/authenticationMethods/methodConfigurationResource";
import { AuthenticationMethodsPolicy, AuthenticationMethodsPolicyArgs } from "../settings/authenticationMethods/policyResource";
import { AuthenticationPolicy, AuthenticationPolicyArgs } from "../settings/exchangeAuthenticationPolicy/resource";
import { ModernAuthentication } from "../settings/modernAuthentication/resource";
import { SmtpAuth, SmtpAuthArgs } from "../settings/smtpAuth/resource";
import { UserHygiene, UserHygieneArgs } from "../settings/hygiene/resource";
import { PerUserMfa } from "../settings/perUserMfa/resource";
import { SecurityDefaults } from "../settings/securityDefaults/resource";
import type { AuthenticationMethod } from "../settings/authenticationMethods/methodConfiguration";
import { LegacyAuthenticationBlock, LegacyAuthenticationMode, RequireMfaPolicy } from "../settings/conditionalAccess/resource";
import type { GuardSettings, PerUserMfaAssignment, PerUserMfaState, ReadinessSettings } from "../settings/perUserMfa/setting";

/** The stack config key the baseline is read from (index.ts); messages from the resources name keys under it. */
const CONFIG_KEY = "m365-mfa:baseline";

export interface SecurityDefaultsSettings {
    /** true: Microsoft's security defaults are on (MFA registration and prompts for everyone, legacy authentication blocked). */
    enabled: boolean;
}

export interface ModernAuthenticationSettings {
    /** true: Exchange Online accepts modern authentication (OAuth2ClientProfileEnabled); the default, and required before blocking basic authentication. */
    enabled: boolean;
}

export interface PerUserMfaSettings {
    /** Who gets which per-user MFA state: users by UPN or object id, groups by object id (transitive members). */
    assignments: PerUserMfaAssignment[];
    /** Users never touched (in addition to the break-glass accounts). */
    excludeUsers?: string[];
    /** Set to own the whole tenant: every user not otherwise assigned gets this state. */
    allOtherUsers?: PerUserMfaState;
}

export interface AuthenticationMethodsSettings {
    /** Registration campaign, migration state, system-preferred MFA. */
    policy?: AuthenticationMethodsPolicyArgs;
    /** Per method (microsoftAuthenticator, sms, voice, fido2, softwareOath, temporaryAccessPass, email, x509Certificate): only the fields given are managed. */
    methods?: Partial<Record<AuthenticationMethod, Omit<AuthenticationMethodConfigurationArgs, "method">>>;
}

/** The MFA posture of one tenant. Each member is optional: what is left out is not managed. */
export interface TenantMfaBaselineArgs {
    /** Emergency-access accounts (UPNs): excluded from every change the baseline makes to users. */
    breakGlassAccounts?: string[];
    securityDefaults?: SecurityDefaultsSettings;
    modernAuthentication?: ModernAuthenticationSettings;
    perUserMfa?: PerUserMfaSettings;
    authenticationMethods?: AuthenticationMethodsSettings;
    /** Session and method hygiene operations, by name: each runs once per value of its trigger. */
    hygiene?: Record<string, UserHygieneArgs>;
    /** Legacy authentication blocked by a Conditional Access policy (Entra ID P1): reportOnly first, then on. */
    legacyAuthentication?: { mode: LegacyAuthenticationMode; displayName?: string; adoptPolicyId?: string };
    /** MFA for all users through Conditional Access (Entra ID P1): reportOnly first, then on. */
    conditionalAccessMfa?: { mode: LegacyAuthenticationMode; displayName?: string; adoptPolicyId?: string };
    /** SMTP AUTH off for the organisation, with named mailbox exceptions. */
    smtpAuth?: SmtpAuthArgs;
    /** An Exchange authentication policy blocking basic authentication per protocol, optionally the organisation default. */
    exchangeAuthenticationPolicy?: AuthenticationPolicyArgs;
    /** Readiness check before moving users to MFA: warn (default), block, or off. */
    readiness?: ReadinessSettings;
    /** Lockout and blast-radius guards (on by default) and confirmations of large changes. */
    guards?: GuardSettings;
}

export interface BaselinePosture {
    /** Which path the baseline takes to require MFA. */
    path: "security-defaults" | "conditional-access" | "per-user-mfa" | "unmanaged";
    /** How legacy authentication is blocked: by a Conditional Access policy, by security defaults, or not by this baseline. */
    legacyAuthentication: "conditional-access" | "conditional-access (report-only)" | "security-defaults" | "not managed";
    securityDefaultsEnabled?: boolean;
    /** Targeted users per observed per-user MFA state. */
    perUserMfaCounts?: Record<string, number>;
}

/**
 * One declaration of a tenant's MFA posture. It composes the per-setting resources; each of them
 * reconciles its part of the tenant (validate, read, diff, apply, verify).
 */
export class TenantMfaBaseline extends pulumi.ComponentResource {
    public readonly securityDefaults?: SecurityDefaults;
    public readonly modernAuthentication?: ModernAuthentication;
    public readonly perUserMfa?: PerUserMfa;
    public readonly authenticationMethodsPolicy?: AuthenticationMethodsPolicy;
    public readonly smtpAuth?: SmtpAuth;
    public readonly legacyAuthenticationBlock?: LegacyAuthenticationBlock;
    public readonly requireMfaPolicy?: RequireMfaPolicy;
    public readonly hygiene: Record<string, UserHygiene> = {};
    public readonly exchangeAuthenticationPolicy?: AuthenticationPolicy;
    public readonly authenticationMethods: Partial<Record<AuthenticationMethod, AuthenticationMethodConfiguration>> = {};
    public readonly posture: pulumi.Output<BaselinePosture>;

    constructor(name: string, args: TenantMfaBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("m365-mfa:index:TenantMfaBaseline", name, {}, opts);
        if (args.securityDefaults) {
            this.securityDefaults = new SecurityDefaults(
                `${name}-security-defaults`,
                { isEnabled: args.securityDefaults.enabled },
                { parent: this },
            );
        }
        if (args.modernAuthentication) {
            this.modernAuthentication = new ModernAuthentication(
                `${name}-modern-authentication`,
                { enabled: args.modernAuthentication.enabled },
                { parent: this },
            );
        }
        // Entra refuses to enforce a Conditional Access policy while security defaults are on, and to turn
        // security defaults on while one is enforced: when both are managed, the policies wait for the
        // security defaults setting (off first, then the policies), so a switch is one `up`.
        const caOpts: pulumi.ComponentResourceOptions = { parent: this, ...(this.securityDefaults ? { dependsOn: [this.securityDefaults] } : {}) };
        if (args.legacyAuthentication) {
            this.legacyAuthenticationBlock = new LegacyAuthenticationBlock(
                `${name}-legacy-authentication`,
                { mode: args.legacyAuthentication.mode, breakGlassAccounts: args.breakGlassAccounts ?? [], displayName: args.legacyAuthentication.displayName, adoptPolicyId: args.legacyAuthentication.adoptPolicyId },
                caOpts,
            );
        }
        if (args.conditionalAccessMfa) {
            this.requireMfaPolicy = new RequireMfaPolicy(
                `${name}-require-mfa`,
                { mode: args.conditionalAccessMfa.mode, breakGlassAccounts: args.breakGlassAccounts ?? [], displayName: args.conditionalAccessMfa.displayName, adoptPolicyId: args.conditionalAccessMfa.adoptPolicyId },
                caOpts,
            );
        }
        for (const [op, hygieneArgs] of Object.entries(args.hygiene ?? {})) {
            this.hygiene[op] = new UserHygiene(`${name}-hygiene-${op}`, hygieneArgs, { parent: this });
        }
        if (args.smtpAuth) {
            this.smtpAuth = new SmtpAuth(`${name}-smtp-auth`, args.smtpAuth, { parent: this });
        }
        if (args.exchangeAuthenticationPolicy) {
            this.exchangeAuthenticationPolicy = new AuthenticationPolicy(`${name}-exchange-authentication-policy`, args.exchangeAuthenticationPolicy, { parent: this });
        }
        if (args.authenticationMethods?.policy) {
            this.authenticationMethodsPolicy = new AuthenticationMethodsPolicy(`${name}-authentication-methods-policy`, args.authenticationMethods.policy, { parent: this });
        }
        for (const [method, cfg] of Object.entries(args.authenticationMethods?.methods ?? {})) {
            this.authenticationMethods[method as AuthenticationMethod] = new AuthenticationMethodConfiguration(
                `${name}-method-${method}`,
                { ...cfg, method: method as AuthenticationMethod },
                { parent: this },
            );
        }
        if (args.perUserMfa) {
            // Break-glass accounts are excluded from per-user MFA too; each excluded user keeps the config
            // key it was written at, so a refusal names breakGlassAccounts[i] or perUserMfa.excludeUsers[i].
            const exclude: string[] = [];
            const configKeys: Record<string, string> = { assignments: `${CONFIG_KEY}.perUserMfa.assignments` };
            const origins: [string[], string][] = [[args.breakGlassAccounts ?? [], `${CONFIG_KEY}.breakGlassAccounts`], [args.perUserMfa.excludeUsers ?? [], `${CONFIG_KEY}.perUserMfa.excludeUsers`]];
            for (const [users, key] of origins) {
                users.forEach((u, i) => {
                    if (!exclude.includes(u)) {
                        configKeys[`excludeUsers[${exclude.length}]`] = `${key}[${i}]`;
                        exclude.push(u);
                    }
                });
            }
            this.perUserMfa = new PerUserMfa(
                `${name}-per-user-mfa`,
                {
                    assignments: args.perUserMfa.assignments,
                    configKeys,
                    ...(exclude.length ? { excludeUsers: exclude } : {}),
                    ...(args.perUserMfa.allOtherUsers ? { allOtherUsers: args.perUserMfa.allOtherUsers } : {}),
                    ...(args.readiness ? { readiness: args.readiness } : {}),
                    ...(args.guards ? { guards: args.guards } : {}),
                },
                { parent: this },
            );
        }
        const sdEnabled = this.securityDefaults ? this.securityDefaults.isEnabled : pulumi.output(undefined);
        const counts = this.perUserMfa ? this.perUserMfa.counts : pulumi.output(undefined);
        const caMode = args.legacyAuthentication?.mode;
        const legacy: BaselinePosture["legacyAuthentication"] =
            caMode === "on" ? "conditional-access" : caMode === "reportOnly" ? "conditional-access (report-only)" : args.securityDefaults?.enabled ? "security-defaults" : "not managed";
        pulumi.log.info(
            legacy === "security-defaults"
                ? "m365-mfa: legacy authentication is blocked by security defaults (no Conditional Access)" + (args.smtpAuth || args.exchangeAuthenticationPolicy ? ", with SMTP AUTH and Exchange basic authentication blocked too" : "")
                : legacy.startsWith("conditional-access")
                  ? `m365-mfa: legacy authentication is blocked by a Conditional Access policy (${caMode === "on" ? "enforced" : "report-only: nothing is blocked yet"})`
                  : "m365-mfa: this baseline does not block legacy authentication",
            this,
        );
        this.posture = pulumi.all([sdEnabled, counts]).apply(([enabled, c]): BaselinePosture => ({
            path: enabled ? "security-defaults" : args.conditionalAccessMfa && args.conditionalAccessMfa.mode !== "off" ? "conditional-access" : c ? "per-user-mfa" : "unmanaged",
            legacyAuthentication: legacy,
            ...(enabled !== undefined ? { securityDefaultsEnabled: enabled } : {}),
            ...(c ? { perUserMfaCounts: c } : {}),
        }));
        this.registerOutputs({ posture: this.posture });
    }
}
