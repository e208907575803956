import * as pulumi from "@pulumi/pulumi";
import { SettingResource } from "../../providers/framework/resource";
import { ManagedPolicyMode, managedConditionalAccessPolicy } from "./setting";

export interface ManagedConditionalAccessPolicyArgs {
    /** The Microsoft-managed policy: its object id, or its display name (e.g. "Microsoft-managed: Block device code flow"). */
    policy: pulumi.Input<string>;
    /** reportOnly (enabledForReportingButNotEnforced), on (enabled) or off (disabled). */
    mode: pulumi.Input<ManagedPolicyMode>;
    /** Users it excludes (user principal names or object ids): exactly these. */
    excludeUsers?: pulumi.Input<pulumi.Input<string>[]>;
    /** Groups it excludes (object ids or display names): exactly these. */
    excludeGroups?: pulumi.Input<pulumi.Input<string>[]>;
    /** Break-glass accounts: an enforced blocking policy must exclude each (refused at preview otherwise). */
    breakGlassAccounts?: pulumi.Input<pulumi.Input<string>[]>;
    /** Confirmations (as m365-mfa:baseline.guards.confirm): switching it on, or a weakening the preview named. */
    confirm?: pulumi.Input<pulumi.Input<string>[]>;
    /** The evidence before switching it on (as m365-mfa:baseline.readiness): warn (default), block or off. */
    readiness?: pulumi.Input<{ mode: "off" | "warn" | "block"; windowDays?: number; acceptedUsers?: string[] }>;
    /** The config key messages name (the baseline sets it, e.g. m365-mfa:baseline.managedPolicies[0]). */
    configKey?: string;
}

/**
 * A Microsoft-managed Conditional Access policy, adopted: only its state and the users and groups it
 * excludes are managed (what Microsoft lets an admin change; settings/managedPolicies/setting.ts).
 * Deleting the resource stops managing it and leaves the tenant as it is.
 */
export class ManagedConditionalAccessPolicy extends SettingResource {
    declare public readonly policyId: pulumi.Output<string>;
    declare public readonly displayName: pulumi.Output<string>;
    /** Graph's state: enabled, enabledForReportingButNotEnforced or disabled. */
    declare public readonly state: pulumi.Output<string>;
    declare public readonly excludedUserIds: pulumi.Output<string[]>;
    declare public readonly excludedGroupIds: pulumi.Output<string[]>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: ManagedConditionalAccessPolicyArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            managedConditionalAccessPolicy.type,
            name,
            {
                policy: args.policy,
                mode: args.mode,
                excludeUsers: args.excludeUsers ?? [],
                excludeGroups: args.excludeGroups ?? [],
                breakGlassAccounts: args.breakGlassAccounts ?? [],
                confirm: args.confirm,
                configKey: args.configKey,
                readiness: args.readiness,
                policyId: undefined,
                excludeUserIds: undefined,
                excludeGroupIds: undefined,
                breakGlassIds: undefined,
                tenantAtPreview: undefined,
                displayName: undefined,
                state: undefined,
                excludedUserIds: undefined,
                excludedGroupIds: undefined,
                tenantId: undefined,
            },
            opts,
        );
    }
}
