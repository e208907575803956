import * as pulumi from "@pulumi/pulumi";
import type { PerUserMfaAssignment, PerUserMfaState, ReadinessSettings } from "./settings/perUserMfa";
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

export interface PerUserMfaArgs {
    /** Who gets which state: users by UPN or object id, groups by object id (members resolved transitively at plan time). */
    assignments: pulumi.Input<pulumi.Input<PerUserMfaAssignment>[]>;
    /** Users never touched, e.g. break-glass accounts. */
    excludeUsers?: pulumi.Input<pulumi.Input<string>[]>;
    /** When set, the resource owns the whole tenant: every user not otherwise targeted gets this state. */
    allOtherUsers?: pulumi.Input<PerUserMfaState>;
    /** Readiness check at plan time for users about to be moved to MFA (warn by default). */
    readiness?: pulumi.Input<ReadinessSettings>;
}

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
