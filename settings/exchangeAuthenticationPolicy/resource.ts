import * as pulumi from "@pulumi/pulumi";
import { SettingResource } from "../../providers/framework/resource";
import { authenticationPolicy, type AuthPolicyProtocol } from "./setting";

/** The type token: pulumi-nodejs:dynamic/m365-mfa:<authenticationPolicy.type>. */
const TYPE = authenticationPolicy.type;

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
export class AuthenticationPolicy extends SettingResource {
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
        super(TYPE, name, {
                name: args.name,
                allowBasicAuth: args.allowBasicAuth,
                organizationDefault: args.organizationDefault,
                exists: undefined,
                policyName: undefined,
                policyGuid: undefined,
                isOrganizationDefault: undefined,
                tenantId: undefined,
            }, opts);
    }
}
