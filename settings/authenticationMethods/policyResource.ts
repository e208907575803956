import * as pulumi from "@pulumi/pulumi";
import { SettingResource, ownUrn } from "../../providers/framework/resource";
import { authenticationMethodsPolicy, type PolicyMigrationState, type RegistrationCampaign, type ReportSuspiciousActivitySettings, type SystemCredentialPreferences } from "./policy";

/** The type token: pulumi-nodejs:dynamic/m365-mfa:<authenticationMethodsPolicy.type>. */
const TYPE = authenticationMethodsPolicy.type;

export interface AuthenticationMethodsPolicyArgs {
    /** The registration campaign (nudge to set up Microsoft Authenticator at sign-in). Only the fields set are managed. */
    registrationCampaign?: pulumi.Input<RegistrationCampaign>;
    /** Migration off the legacy MFA/SSPR method settings (reversible; a step back is warned about at preview). */
    policyMigrationState?: pulumi.Input<PolicyMigrationState>;
    /** System-preferred MFA (Graph beta systemCredentialPreferences). Only the fields set are managed. */
    systemCredentialPreferences?: pulumi.Input<SystemCredentialPreferences>;
    /** Report suspicious activity (Graph beta reportSuspiciousActivitySettings): state, includeTarget, voiceReportingCode. Only the fields set are managed. */
    reportSuspiciousActivitySettings?: pulumi.Input<ReportSuspiciousActivitySettings>;
    /** Confirmations (as m365-mfa:baseline.guards.confirm), e.g. of a weakening the preview named (report suspicious activity switched off). */
    confirm?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * The tenant-wide part of the authentication methods policy (Graph policies/authenticationMethodsPolicy):
 * registration campaign, migration state, system-preferred MFA. Targets are { id: group object id or
 * "all_users", targetType?: "group" | "user" }. Deleting the resource stops managing; the tenant keeps them.
 */
export class AuthenticationMethodsPolicy extends SettingResource {
    declare public readonly registrationCampaign: pulumi.Output<RegistrationCampaign | undefined>;
    declare public readonly policyMigrationState: pulumi.Output<PolicyMigrationState | undefined>;
    declare public readonly systemCredentialPreferences: pulumi.Output<SystemCredentialPreferences | undefined>;
    /** What Graph reported for the managed parts of the policy at the last read. */
    declare public readonly policy: pulumi.Output<Record<string, unknown>>;
    declare public readonly tenantId: pulumi.Output<string>;

    constructor(name: string, args: AuthenticationMethodsPolicyArgs, opts?: pulumi.CustomResourceOptions) {
        super(TYPE, name, {
                registrationCampaign: args.registrationCampaign,
                policyMigrationState: args.policyMigrationState,
                systemCredentialPreferences: args.systemCredentialPreferences,
                reportSuspiciousActivitySettings: args.reportSuspiciousActivitySettings,
                confirm: args.confirm,
                // Its own URN (computable before registration), so plan-time warnings land on this resource.
                diagnosticsUrn: ownUrn(name, TYPE, opts?.parent),
                policy: undefined,
                tenantId: undefined,
            }, opts);
    }
}
