import * as pulumi from "@pulumi/pulumi";
import { SettingResource, ownUrn } from "../../providers/framework/resource";
import { perUserMfa, type GuardSettings, type PerUserMfaAssignment, type PerUserMfaState, type ReadinessSettings } from "./setting";

/** The type token: pulumi-nodejs:dynamic/m365-mfa:<perUserMfa.type>. */
const TYPE = perUserMfa.type;

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

/**
 * Per-user MFA state (disabled / enabled / enforced) of a set of users. Users not targeted are left
 * alone unless allOtherUsers is set. Deleting the resource stops managing; users keep their state.
 */
export class PerUserMfa extends SettingResource {
    declare public readonly assignments: pulumi.Output<PerUserMfaAssignment[]>;
    /** Resolved at plan time: user principal name -> desired state. */
    declare public readonly targets: pulumi.Output<Record<string, PerUserMfaState>>;
    /**
     * What Graph reported at the last read, for the targets whose state differs from `targets` (e.g.
     * `enforced` for a target `enabled`, or `userNotFound`); every other target had the state `targets` gives.
     */
    declare public readonly observed: pulumi.Output<Record<string, string>>;
    /** Number of targets per observed state. */
    declare public readonly counts: pulumi.Output<Record<string, number>>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: PerUserMfaArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            TYPE,
            name,
            {
                assignments: args.assignments,
                excludeUsers: args.excludeUsers,
                allOtherUsers: args.allOtherUsers,
                readiness: args.readiness,
                guards: args.guards,
                configKeys: args.configKeys,
                // Its own URN (computable before registration), so plan-time warnings land on this resource.
                diagnosticsUrn: ownUrn(name, TYPE, opts?.parent),
                targets: undefined,
                observed: undefined,
                counts: undefined,
                tenantId: undefined,
            },
            opts,
        );
    }
}
