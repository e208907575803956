import * as pulumi from "@pulumi/pulumi";
import { SecurityDefaults } from "../providers/resources";

export interface SecurityDefaultsSettings {
    /** true: Microsoft's security defaults are on (MFA registration and prompts for everyone, legacy authentication blocked). */
    enabled: boolean;
}

/** The MFA posture of one tenant. Each member is optional: what is left out is not managed. */
export interface TenantMfaBaselineArgs {
    securityDefaults?: SecurityDefaultsSettings;
}

export interface BaselinePosture {
    /** Which path the baseline takes to require MFA. */
    path: "security-defaults" | "unmanaged";
    securityDefaultsEnabled?: boolean;
}

/**
 * One declaration of a tenant's MFA posture. It composes the per-setting resources; each of them
 * reconciles its part of the tenant (validate, read, diff, apply, verify).
 */
export class TenantMfaBaseline extends pulumi.ComponentResource {
    public readonly securityDefaults?: SecurityDefaults;
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
        const sd = this.securityDefaults;
        this.posture = sd
            ? sd.isEnabled.apply((enabled) => ({
                  path: enabled ? ("security-defaults" as const) : ("unmanaged" as const),
                  securityDefaultsEnabled: enabled,
              }))
            : pulumi.output({ path: "unmanaged" as const });
        this.registerOutputs({ posture: this.posture });
    }
}
