import * as pulumi from "@pulumi/pulumi";
import type { GuardSettings, PerUserMfaAssignment, PerUserMfaState, ReadinessSettings } from "./settings/perUserMfa";
import type { AuthenticationMethod, AuthenticatorFeature, AuthenticatorFeatureSetting, MethodTarget } from "./settings/authenticationMethodConfiguration";
import type { PolicyMigrationState, RegistrationCampaign, SystemCredentialPreferences } from "./settings/authenticationMethodsPolicy";
import type { AuthPolicyProtocol } from "./settings/authenticationPolicy";
import type { MailboxSmtpAuth, ObservedMailboxSmtpAuth } from "./settings/smtpAuth";
import { providerShim } from "./shim";

/** Module of every dynamic resource's type token: pulumi-nodejs:dynamic/m365-mfa:<Type>. */
export const MODULE = "m365-mfa";

export interface SecurityDefaultsArgs {
    /** Whether Microsoft's security defaults are on for the tenant. */
    isEnabled: pulumi.Input<boolean>;
}

/**
 * Security defaults of the tenant (Graph policies/identitySecurityDefaultsEnforcementPolicy).
 * Deleting the resource stops managing the setting and leaves the tenant as it is.
 */
export class SecurityDefaults extends pulumi.dynamic.Resource {
    declare public readonly isEnabled: pulumi.Output<boolean>;
    /** Graph's id of the policy object. */
    declare public readonly policyId: pulumi.Output<string>;
    declare public readonly displayName: pulumi.Output<string>;
    /** The tenant the provider was connected to when it last wrote or read. */
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: SecurityDefaultsArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            providerShim("SecurityDefaults"),
            name,
            { isEnabled: args.isEnabled, policyId: undefined, displayName: undefined, tenantId: undefined },
            opts,
            MODULE,
            "SecurityDefaults",
        );
    }
}

export interface ModernAuthenticationArgs {
    /** Whether Exchange Online accepts modern authentication (OAuth2ClientProfileEnabled). */
    enabled: pulumi.Input<boolean>;
}

/**
 * Modern authentication of Exchange Online (Set-OrganizationConfig -OAuth2ClientProfileEnabled).
 * Deleting the resource stops managing the setting and leaves Exchange Online as it is.
 */
export class ModernAuthentication extends pulumi.dynamic.Resource {
    declare public readonly enabled: pulumi.Output<boolean>;
    /** The Exchange organisation (its initial domain). */
    declare public readonly organizationName: pulumi.Output<string>;
    /** The tenant the provider was connected to when it last wrote or read. */
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: ModernAuthenticationArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            providerShim("ModernAuthentication"),
            name,
            { enabled: args.enabled, organizationName: undefined, tenantId: undefined },
            opts,
            MODULE,
            "ModernAuthentication",
        );
    }
}

export interface SmtpAuthArgs {
    /** SMTP AUTH off for the organisation (Set-TransportConfig -SmtpClientAuthenticationDisabled). */
    disabledForOrganization: pulumi.Input<boolean>;
    /** Mailboxes that keep SMTP AUTH (a printer, an app), by user principal name or primary SMTP address. */
    exceptions?: pulumi.Input<pulumi.Input<string>[]>;
    /** When true, every other mailbox with its own SMTP AUTH value is reset to follow the organisation. */
    manageAllMailboxes?: pulumi.Input<boolean>;
}

/**
 * SMTP AUTH in Exchange Online: the organisation switch and per-mailbox exceptions (Set-CASMailbox
 * -SmtpClientAuthenticationDisabled). Mailboxes not named are left alone unless manageAllMailboxes is set.
 * Deleting the resource stops managing; the organisation and every mailbox keep their values.
 */
export class SmtpAuth extends pulumi.dynamic.Resource {
    declare public readonly disabledForOrganization: pulumi.Output<boolean>;
    declare public readonly exceptions: pulumi.Output<string[] | undefined>;
    declare public readonly manageAllMailboxes: pulumi.Output<boolean | undefined>;
    /** Resolved at plan time: primary SMTP address -> "enabled" | "followsOrganization" (| "disabled" after a refresh). */
    declare public readonly mailboxes: pulumi.Output<Record<string, MailboxSmtpAuth>>;
    /** What Exchange reported for each managed mailbox at the last read ("mailboxNotFound" when it is gone). */
    declare public readonly observedMailboxes: pulumi.Output<Record<string, ObservedMailboxSmtpAuth>>;
    /** "namedMailboxes", or "allMailboxes" with manageAllMailboxes. */
    declare public readonly readScope: pulumi.Output<string>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: SmtpAuthArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            providerShim("SmtpAuth"),
            name,
            {
                disabledForOrganization: args.disabledForOrganization,
                exceptions: args.exceptions,
                manageAllMailboxes: args.manageAllMailboxes,
                mailboxes: undefined,
                observedMailboxes: undefined,
                readScope: undefined,
                tenantId: undefined,
            },
            opts,
            MODULE,
            "SmtpAuth",
        );
    }
}

export interface AuthenticationPolicyArgs {
    /** The policy's name (at most 64 characters). Exchange cannot rename a policy: a new name creates a new one. */
    name: pulumi.Input<string>;
    /** Protocols that keep Basic authentication; a protocol not named is blocked. */
    allowBasicAuth?: pulumi.Input<Partial<Record<AuthPolicyProtocol, pulumi.Input<boolean>>>>;
    /** true: the organisation's default policy; false: make sure it is not; left out: the default is not managed. */
    organizationDefault?: pulumi.Input<boolean>;
}

/**
 * An Exchange Online authentication policy (New/Set-AuthenticationPolicy -AllowBasicAuth<Protocol>), optionally
 * the organisation's default. Deleting the resource stops managing; the policy and the default stay as they are.
 */
export class AuthenticationPolicy extends pulumi.dynamic.Resource {
    /** The name given (the resource's input). */
    declare public readonly name: pulumi.Output<string>;
    declare public readonly allowBasicAuth: pulumi.Output<Record<AuthPolicyProtocol, boolean>>;
    declare public readonly organizationDefault: pulumi.Output<boolean | undefined>;
    /** Whether Exchange has the policy, its name as Exchange spells it, and its guid. */
    declare public readonly exists: pulumi.Output<boolean>;
    declare public readonly policyName: pulumi.Output<string | undefined>;
    declare public readonly policyGuid: pulumi.Output<string | undefined>;
    /** Whether the organisation's default policy is this one (when organizationDefault is set). */
    declare public readonly isOrganizationDefault: pulumi.Output<boolean | undefined>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: AuthenticationPolicyArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            providerShim("AuthenticationPolicy"),
            name,
            {
                name: args.name,
                allowBasicAuth: args.allowBasicAuth,
                organizationDefault: args.organizationDefault,
                exists: undefined,
                policyName: undefined,
                policyGuid: undefined,
                isOrganizationDefault: undefined,
                tenantId: undefined,
            },
            opts,
            MODULE,
            "AuthenticationPolicy",
        );
    }
}

const AUTHENTICATION_METHODS_POLICY_TYPE = "pulumi-nodejs:dynamic/m365-mfa:AuthenticationMethodsPolicy";

export interface AuthenticationMethodsPolicyArgs {
    /** The registration campaign (nudge to set up Microsoft Authenticator at sign-in). Only the fields set are managed. */
    registrationCampaign?: pulumi.Input<RegistrationCampaign>;
    /** Migration off the legacy MFA/SSPR method settings (reversible; a step back is warned about at preview). */
    policyMigrationState?: pulumi.Input<PolicyMigrationState>;
    /** System-preferred MFA (Graph beta systemCredentialPreferences). Only the fields set are managed. */
    systemCredentialPreferences?: pulumi.Input<SystemCredentialPreferences>;
}

/**
 * The tenant-wide part of the authentication methods policy (Graph policies/authenticationMethodsPolicy):
 * registration campaign, migration state, system-preferred MFA. Targets are { id: group object id or
 * "all_users", targetType?: "group" | "user" }. Deleting the resource stops managing; the tenant keeps them.
 */
export class AuthenticationMethodsPolicy extends pulumi.dynamic.Resource {
    declare public readonly registrationCampaign: pulumi.Output<RegistrationCampaign | undefined>;
    declare public readonly policyMigrationState: pulumi.Output<PolicyMigrationState | undefined>;
    declare public readonly systemCredentialPreferences: pulumi.Output<SystemCredentialPreferences | undefined>;
    /** What Graph reported for the managed parts of the policy at the last read. */
    declare public readonly policy: pulumi.Output<Record<string, unknown>>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: AuthenticationMethodsPolicyArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            providerShim("AuthenticationMethodsPolicy"),
            name,
            {
                registrationCampaign: args.registrationCampaign,
                policyMigrationState: args.policyMigrationState,
                systemCredentialPreferences: args.systemCredentialPreferences,
                // Its own URN (computable before registration), so plan-time warnings land on this resource.
                diagnosticsUrn: ownUrn(name, AUTHENTICATION_METHODS_POLICY_TYPE, opts?.parent),
                policy: undefined,
                tenantId: undefined,
            },
            opts,
            MODULE,
            "AuthenticationMethodsPolicy",
        );
    }
}

export interface AuthenticationMethodConfigurationArgs {
    /** Which method: microsoftAuthenticator, sms, voice, fido2, softwareOath, temporaryAccessPass, email, x509Certificate. */
    method: pulumi.Input<AuthenticationMethod>;
    state?: pulumi.Input<"enabled" | "disabled">;
    /** Who may use the method: [{ id: group object id or "all_users", targetType?, and per method authenticationMode (Authenticator), isUsableForSignIn (SMS) }]. */
    includeTargets?: pulumi.Input<pulumi.Input<MethodTarget>[]>;
    excludeTargets?: pulumi.Input<pulumi.Input<{ id: string; targetType?: "group" | "user" }>[]>;
    /** microsoftAuthenticator: displayAppInformationRequiredState, displayLocationInformationRequiredState, companionAppAllowedState (beta). */
    featureSettings?: pulumi.Input<Partial<Record<AuthenticatorFeature, AuthenticatorFeatureSetting>>>;
    /** microsoftAuthenticator */
    isSoftwareOathEnabled?: pulumi.Input<boolean>;
    /** voice */
    isOfficePhoneAllowed?: pulumi.Input<boolean>;
    /** fido2 */
    isAttestationEnforced?: pulumi.Input<boolean>;
    /** fido2 */
    isSelfServiceRegistrationAllowed?: pulumi.Input<boolean>;
    /** temporaryAccessPass: 10-43200, between the minimum and the maximum. */
    defaultLifetimeInMinutes?: pulumi.Input<number>;
    /** temporaryAccessPass: 8-48. */
    defaultLength?: pulumi.Input<number>;
    /** temporaryAccessPass: 10-43200. */
    minimumLifetimeInMinutes?: pulumi.Input<number>;
    /** temporaryAccessPass: 10-43200. */
    maximumLifetimeInMinutes?: pulumi.Input<number>;
    /** temporaryAccessPass */
    isUsableOnce?: pulumi.Input<boolean>;
    /** email: "default" | "enabled" | "disabled". */
    allowExternalIdToUseEmailOtp?: pulumi.Input<"default" | "enabled" | "disabled">;
}

const AUTHENTICATION_METHOD_FIELDS = [
    "state",
    "includeTargets",
    "excludeTargets",
    "featureSettings",
    "isSoftwareOathEnabled",
    "isOfficePhoneAllowed",
    "isAttestationEnforced",
    "isSelfServiceRegistrationAllowed",
    "defaultLifetimeInMinutes",
    "defaultLength",
    "minimumLifetimeInMinutes",
    "maximumLifetimeInMinutes",
    "isUsableOnce",
    "allowExternalIdToUseEmailOtp",
] as const;

/**
 * One method of the authentication methods policy (Graph .../authenticationMethodConfigurations/{method}).
 * Only the fields set are managed; the rest of the method's configuration is left as it is. Deleting the
 * resource stops managing; the method keeps its configuration.
 */
export class AuthenticationMethodConfiguration extends pulumi.dynamic.Resource {
    declare public readonly method: pulumi.Output<AuthenticationMethod>;
    declare public readonly state: pulumi.Output<"enabled" | "disabled" | undefined>;
    /** The method's whole configuration as Graph reported it at the last read. */
    declare public readonly configuration: pulumi.Output<Record<string, unknown>>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: AuthenticationMethodConfigurationArgs, opts?: pulumi.CustomResourceOptions) {
        const inputs: Record<string, unknown> = { method: args.method, configuration: undefined, tenantId: undefined };
        for (const field of AUTHENTICATION_METHOD_FIELDS) {
            inputs[field] = args[field];
        }
        super(providerShim("AuthenticationMethodConfiguration"), name, inputs, opts, MODULE, "AuthenticationMethodConfiguration");
    }
}

export interface PerUserMfaArgs {
    /** Who gets which state: users by UPN or object id, groups by object id (members resolved transitively at plan time). */
    assignments: pulumi.Input<pulumi.Input<PerUserMfaAssignment>[]>;
    /** Users never touched, e.g. break-glass accounts. */
    excludeUsers?: pulumi.Input<pulumi.Input<string>[]>;
    /** When set, the resource owns the whole tenant: every user not otherwise targeted gets this state. */
    allOtherUsers?: pulumi.Input<PerUserMfaState>;
    /** Readiness check at plan time for users about to be moved to MFA (warn by default). */
    readiness?: pulumi.Input<ReadinessSettings>;
    /** Lockout and blast-radius guards, and confirmations of large changes. */
    guards?: pulumi.Input<GuardSettings>;
    /**
     * Where each input came from, so refusals name the key the user wrote: input path (e.g.
     * "excludeUsers[0]", or a prefix such as "assignments") -> config key. Without it, messages name the inputs.
     */
    configKeys?: pulumi.Input<Record<string, string>>;
}

const PER_USER_MFA_TYPE = "pulumi-nodejs:dynamic/m365-mfa:PerUserMfa";

/**
 * Per-user MFA state (disabled / enabled / enforced) of a set of users. Users not targeted are left
 * alone unless allOtherUsers is set. Deleting the resource stops managing; users keep their state.
 */
export class PerUserMfa extends pulumi.dynamic.Resource {
    declare public readonly assignments: pulumi.Output<PerUserMfaAssignment[]>;
    /** Resolved at plan time: user principal name -> desired state. */
    declare public readonly targets: pulumi.Output<Record<string, PerUserMfaState>>;
    /** What Graph reported for each target at the last read. */
    declare public readonly observed: pulumi.Output<Record<string, string>>;
    /** Number of targets per observed state. */
    declare public readonly counts: pulumi.Output<Record<string, number>>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: PerUserMfaArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            providerShim("PerUserMfa"),
            name,
            {
                assignments: args.assignments,
                excludeUsers: args.excludeUsers,
                allOtherUsers: args.allOtherUsers,
                readiness: args.readiness,
                guards: args.guards,
                configKeys: args.configKeys,
                // Its own URN (computable before registration), so plan-time warnings land on this resource.
                diagnosticsUrn: ownUrn(name, PER_USER_MFA_TYPE, opts?.parent),
                targets: undefined,
                observed: undefined,
                counts: undefined,
                tenantId: undefined,
            },
            opts,
            MODULE,
            "PerUserMfa",
        );
    }
}

export interface UserHygieneArgs {
    /** The users, by user principal name or object id (resolved at plan time; the preview lists them). */
    users: pulumi.Input<pulumi.Input<string>[]>;
    /** Revoke the users' sign-in sessions (refresh and session tokens issued before the run stop working). */
    revokeSessions?: pulumi.Input<boolean>;
    /** Remove the users' registered authentication methods (the password stays), so they register again. */
    requireReregistration?: pulumi.Input<boolean>;
    /** Any text, e.g. an incident number or a date: the operation runs on create and again each time it changes, never otherwise. */
    trigger: pulumi.Input<string>;
}

/**
 * Session and method hygiene for named users, run once per value of `trigger` (not on every up).
 * Deleting the resource changes nothing in the tenant.
 */
export class UserHygiene extends pulumi.dynamic.Resource {
    declare public readonly users: pulumi.Output<string[]>;
    declare public readonly trigger: pulumi.Output<string>;
    /** Resolved at plan time: user principal name -> object id. */
    declare public readonly targets: pulumi.Output<Record<string, string>>;
    /** User principal name -> the trigger the operation last completed with for that user. */
    declare public readonly lastRun: pulumi.Output<Record<string, string>>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: UserHygieneArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            providerShim("UserHygiene"),
            name,
            {
                users: args.users,
                revokeSessions: args.revokeSessions,
                requireReregistration: args.requireReregistration,
                trigger: args.trigger,
                targets: undefined,
                lastRun: undefined,
                tenantId: undefined,
            },
            opts,
            MODULE,
            "UserHygiene",
        );
    }
}

/**
 * A resource's own URN, for an input, without a dependency on its parent. `pulumi.createUrn` with a
 * parent carries the parent as a dependency, and depending on a component waits for all of its
 * children: two children that both did so waited for each other and the program stopped with
 * "waiting for the URNs of its dependencies to resolve". The URN is known at preview, so a plain
 * promise of its value is enough.
 */
function ownUrn(name: string, type: string, parent?: pulumi.Resource): pulumi.Output<string> {
    const urn = pulumi.createUrn(name, type, parent);
    return pulumi.output(new Promise<string>((resolve) => urn.apply((u) => resolve(u))));
}
