import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { SettingResource } from "../../providers/framework/resource";
import { ConditionalAccessPolicyKind, conditionalAccessRollout } from "./rollout";

/**
 * Legacy authentication blocked with Conditional Access, the way Microsoft recommends rolling it out:
 * a policy that blocks the `exchangeActiveSync` and `other` client app types for all users and all
 * applications, except the break-glass accounts, first in report-only mode and enforced when the
 * stack says so. Managed through @pulumi/azuread (its own provider configuration applies: ARM_* /
 * azuread:* settings, with Policy.ReadWrite.ConditionalAccess and Policy.Read.All).
 */
export type LegacyAuthenticationMode = "reportOnly" | "on" | "off";

export interface LegacyAuthenticationBlockArgs {
    /** reportOnly (enabledForReportingButNotEnforced), on (enabled) or off (disabled). */
    mode: LegacyAuthenticationMode;
    /** Break-glass accounts, by user principal name or object id: excluded from the policy. */
    breakGlassAccounts: string[];
    /** Display name of the policy. */
    displayName?: string;
    /** An existing policy (its object id) to adopt at the first `up` instead of creating one. */
    adoptPolicyId?: string;
    /** Confirmations (m365-mfa:baseline.guards.confirm): switching the policy on asks for one that names the change. */
    confirm?: string[];
    /** Readiness before switching it on (m365-mfa:baseline.readiness): warn (default), block or off. */
    readiness?: { mode: "off" | "warn" | "block"; windowDays?: number; acceptedUsers?: string[] };
}

export const CA_STATES: Record<LegacyAuthenticationMode, string> = {
    reportOnly: "enabledForReportingButNotEnforced",
    on: "enabled",
    off: "disabled",
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What each policy is made of besides its state, name and excluded users: the export
 * (settings/conditionalAccess/export.ts) adopts a tenant's policy only when it is exactly this.
 */
export const POLICY_SHAPES = {
    legacyAuthentication: { displayName: "m365-mfa: block legacy authentication", clientAppTypes: ["exchangeActiveSync", "other"], builtInControls: ["block"] },
    conditionalAccessMfa: { displayName: "m365-mfa: require MFA for all users", clientAppTypes: ["all"], builtInControls: ["mfa"] },
} as const;

/**
 * The resource options of a policy: with adoptPolicyId, the first `up` imports that existing policy
 * (Pulumi's `import` option; ignored once the resource is in state) instead of creating a second one.
 */
function policyOptions(parent: pulumi.Resource, opts: pulumi.ComponentResourceOptions | undefined, adoptPolicyId: string | undefined, guard: pulumi.Resource): pulumi.CustomResourceOptions {
    // azuread's import id is the policy's Graph path (pulumi-azuread docs: /identity/conditionalAccess/policies/<id>).
    // The policy waits for its rollout guard: a preview (or up) the guard refuses never reaches the policy.
    const before = opts?.dependsOn;
    const dependsOn: pulumi.Input<pulumi.Input<pulumi.Resource>[]> = before === undefined ? [guard] : Array.isArray(before) ? [...before, guard] : [before as pulumi.Input<pulumi.Resource>, guard];
    return { parent, dependsOn, ...(adoptPolicyId ? { import: `/identity/conditionalAccess/policies/${adoptPolicyId}` } : {}) };
}

/**
 * The rollout guard of one policy (settings/conditionalAccess/rollout.ts): reads the tenant at preview,
 * shows the from-values, and asks for the confirmation of switching it on (count and digest of the
 * users it starts to apply to), with the readiness of those users, and for a step back from enforced.
 */
export class ConditionalAccessRolloutGuard extends SettingResource {
    constructor(name: string, policy: ConditionalAccessPolicyKind, args: LegacyAuthenticationBlockArgs, displayName: string, opts?: pulumi.CustomResourceOptions) {
        super(
            conditionalAccessRollout.type,
            name,
            {
                policy,
                mode: args.mode,
                displayName,
                adoptPolicyId: args.adoptPolicyId,
                breakGlassAccounts: args.breakGlassAccounts,
                confirm: args.confirm,
                readiness: args.readiness,
                tenantAtPreview: undefined,
                excludedNames: undefined,
                enforcesFor: undefined,
                tenantId: undefined,
            },
            opts,
        );
    }
}

export class LegacyAuthenticationBlock extends pulumi.ComponentResource {
    public readonly policy: azuread.ConditionalAccessPolicy;
    public readonly state: pulumi.Output<string>;

    constructor(name: string, args: LegacyAuthenticationBlockArgs, opts?: pulumi.ComponentResourceOptions) {
        super("m365-mfa:index:LegacyAuthenticationBlock", name, {}, opts);
        if (!args.breakGlassAccounts.length) {
            throw new Error("LegacyAuthenticationBlock: at least one break-glass account must be excluded from a block policy");
        }
        const excluded = excludedIds(this, args.breakGlassAccounts);
        const displayName = args.displayName ?? POLICY_SHAPES.legacyAuthentication.displayName;
        const guard = new ConditionalAccessRolloutGuard(`${name}-rollout`, "legacyAuthentication", args, displayName, { parent: this, dependsOn: opts?.dependsOn });
        this.policy = new azuread.ConditionalAccessPolicy(
            `${name}-policy`,
            {
                displayName,
                state: CA_STATES[args.mode],
                conditions: {
                    clientAppTypes: [...POLICY_SHAPES.legacyAuthentication.clientAppTypes],
                    applications: { includedApplications: ["All"] },
                    users: { includedUsers: ["All"], excludedUsers: excluded },
                },
                grantControls: { operator: "OR", builtInControls: [...POLICY_SHAPES.legacyAuthentication.builtInControls] },
            },
            policyOptions(this, opts, args.adoptPolicyId, guard),
        );
        this.state = this.policy.state;
        this.registerOutputs({ state: this.state });
    }
}

export type RequireMfaPolicyArgs = LegacyAuthenticationBlockArgs;

/**
 * MFA for every user and every application through Conditional Access (Entra ID P1), break-glass
 * accounts excluded: what replaces per-user MFA in Microsoft's recommended migration.
 */
export class RequireMfaPolicy extends pulumi.ComponentResource {
    public readonly policy: azuread.ConditionalAccessPolicy;

    constructor(name: string, args: RequireMfaPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("m365-mfa:index:RequireMfaPolicy", name, {}, opts);
        if (!args.breakGlassAccounts.length) {
            throw new Error("RequireMfaPolicy: at least one break-glass account must be excluded");
        }
        const displayName = args.displayName ?? POLICY_SHAPES.conditionalAccessMfa.displayName;
        const guard = new ConditionalAccessRolloutGuard(`${name}-rollout`, "conditionalAccessMfa", args, displayName, { parent: this, dependsOn: opts?.dependsOn });
        this.policy = new azuread.ConditionalAccessPolicy(
            `${name}-policy`,
            {
                displayName,
                state: CA_STATES[args.mode],
                conditions: {
                    clientAppTypes: [...POLICY_SHAPES.conditionalAccessMfa.clientAppTypes],
                    applications: { includedApplications: ["All"] },
                    users: { includedUsers: ["All"], excludedUsers: excludedIds(this, args.breakGlassAccounts) },
                },
                grantControls: { operator: "OR", builtInControls: [...POLICY_SHAPES.conditionalAccessMfa.builtInControls] },
            },
            policyOptions(this, opts, args.adoptPolicyId, guard),
        );
        this.registerOutputs({});
    }
}

function excludedIds(parent: pulumi.Resource, accounts: string[]): pulumi.Output<string>[] {
    return accounts.map((account) =>
        GUID.test(account) ? pulumi.output(account) : azuread.getUserOutput({ userPrincipalName: account }, { parent }).objectId,
    );
}
