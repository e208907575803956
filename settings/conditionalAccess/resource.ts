import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { settingResource } from "../../providers/framework/declare";
import type { ReadinessSettings } from "../../providers/framework/wide";
import {
    CA_STATES,
    type ConditionalAccessMode,
    type ConditionalAccessPolicyKind,
    conditionalAccessRollout,
    rolloutDeclaration,
} from "./rollout";
import { excludedIds } from "./breakGlass";

/**
 * Legacy authentication blocked with Conditional Access, the way Microsoft recommends rolling it out:
 * a policy that blocks the `exchangeActiveSync` and `other` client app types for all users and all
 * applications, except the break-glass accounts, first in report-only mode and enforced when the
 * stack says so. Managed through @pulumi/azuread (its own provider configuration applies: ARM_* /
 * azuread:* settings, with Policy.ReadWrite.ConditionalAccess and Policy.Read.All).
 */
export type LegacyAuthenticationMode = ConditionalAccessMode;

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
    readiness?: ReadinessSettings;
}

export { CA_STATES };

/**
 * What each policy is made of besides its state, name and excluded users: the export
 * (settings/conditionalAccess/export.ts) adopts a tenant's policy only when it is exactly this.
 */
export const POLICY_SHAPES = {
    legacyAuthentication: {
        displayName: "m365-mfa: block legacy authentication",
        clientAppTypes: ["exchangeActiveSync", "other"],
        builtInControls: ["block"],
    },
    conditionalAccessMfa: { displayName: "m365-mfa: require MFA for all users", clientAppTypes: ["all"], builtInControls: ["mfa"] },
} as const;

/**
 * The resource options of a policy: with adoptPolicyId, the first `up` imports that existing policy
 * (Pulumi's `import` option; ignored once the resource is in state) instead of creating a second one.
 */
function policyOptions(
    parent: pulumi.Resource,
    opts: pulumi.ComponentResourceOptions | undefined,
    adoptPolicyId: string | undefined,
    guard: pulumi.Resource,
): pulumi.CustomResourceOptions {
    // azuread's import id is the policy's Graph path (pulumi-azuread docs: /identity/conditionalAccess/policies/<id>).
    // The policy waits for its rollout guard: a preview (or up) the guard refuses never reaches the policy.
    const before = opts?.dependsOn;
    const dependsOn: pulumi.Input<pulumi.Input<pulumi.Resource>[]> =
        before === undefined ? [guard] : Array.isArray(before) ? [...before, guard] : [before as pulumi.Input<pulumi.Resource>, guard];
    return { parent, dependsOn, ...(adoptPolicyId ? { import: `/identity/conditionalAccess/policies/${adoptPolicyId}` } : {}) };
}

/**
 * The rollout guard of one policy (settings/conditionalAccess/rollout.ts): reads the tenant at preview,
 * shows the from-values, and asks for the confirmation of switching it on (count and digest of the
 * users it starts to apply to), with the readiness of those users, and for a step back from enforced.
 */
export class ConditionalAccessRolloutGuard extends settingResource(conditionalAccessRollout.type, rolloutDeclaration) {
    static of(
        name: string,
        policy: ConditionalAccessPolicyKind,
        args: LegacyAuthenticationBlockArgs,
        displayName: string,
        opts?: pulumi.CustomResourceOptions,
        shape: { includeRoles?: string[]; strength?: string; transferMethods?: string[] } = {},
    ): ConditionalAccessRolloutGuard {
        return new ConditionalAccessRolloutGuard(
            name,
            {
                policy,
                ...shape,
                mode: args.mode,
                displayName,
                adoptPolicyId: args.adoptPolicyId,
                breakGlassAccounts: args.breakGlassAccounts,
                confirm: args.confirm,
                readiness: args.readiness,
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
        const excluded = excludedIds(this, name, args.breakGlassAccounts);
        const displayName = args.displayName ?? POLICY_SHAPES.legacyAuthentication.displayName;
        const guard = ConditionalAccessRolloutGuard.of(`${name}-rollout`, "legacyAuthentication", args, displayName, {
            parent: this,
            dependsOn: opts?.dependsOn,
        });
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
        const guard = ConditionalAccessRolloutGuard.of(`${name}-rollout`, "conditionalAccessMfa", args, displayName, {
            parent: this,
            dependsOn: opts?.dependsOn,
        });
        this.policy = new azuread.ConditionalAccessPolicy(
            `${name}-policy`,
            {
                displayName,
                state: CA_STATES[args.mode],
                conditions: {
                    clientAppTypes: [...POLICY_SHAPES.conditionalAccessMfa.clientAppTypes],
                    applications: { includedApplications: ["All"] },
                    users: { includedUsers: ["All"], excludedUsers: excludedIds(this, name, args.breakGlassAccounts) },
                },
                grantControls: { operator: "OR", builtInControls: [...POLICY_SHAPES.conditionalAccessMfa.builtInControls] },
            },
            policyOptions(this, opts, args.adoptPolicyId, guard),
        );
        this.registerOutputs({});
    }
}

/**
 * The highly privileged directory roles (role template ids, entra-docs
 * docs/identity/role-based-access-control/permissions-reference.md): the fourteen that Microsoft's
 * template "Require phishing-resistant multifactor authentication for administrators" names
 * (entra-docs docs/identity/conditional-access/policy-admin-phish-resistant-mfa.md, its include
 * conditional-access-admin-roles.md), and Hybrid Identity Administrator, which ScubaGear's highly
 * privileged role list (MS.AAD.7) adds.
 */
export const PRIVILEGED_ROLES: Readonly<Record<string, string>> = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Application Administrator": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "Authentication Administrator": "c4e39bd9-1100-46d3-8c65-fb160da0071f",
    "Billing Administrator": "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    "Cloud Application Administrator": "158c047a-c907-4556-b7ef-446551a6b5f7",
    "Conditional Access Administrator": "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
    "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "Helpdesk Administrator": "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "Password Administrator": "966707d0-3269-4727-9be2-8c3a10f19b9d",
    "Privileged Authentication Administrator": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "Security Administrator": "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "SharePoint Administrator": "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "Hybrid Identity Administrator": "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
};

/** The built-in authentication strengths by the names the config uses (authenticationstrengthroot-list-policies.md). */
export const BUILT_IN_STRENGTHS = {
    multifactor: "00000000-0000-0000-0000-000000000002",
    passwordless: "00000000-0000-0000-0000-000000000003",
    "phishing-resistant": "00000000-0000-0000-0000-000000000004",
} as const;
export type BuiltInStrength = keyof typeof BUILT_IN_STRENGTHS;

/** azuread's id of a strength policy (its authentication_strength_policy_id format). */
export const strengthPolicyPath = (id: string) => `/policies/authenticationStrengthPolicies/${id}`;

export interface CustomStrength {
    displayName: string;
    allowedCombinations: string[];
    description?: string;
}

export interface PhishingResistantAdminsArgs extends LegacyAuthenticationBlockArgs {
    /** Role template ids the policy targets (default: PRIVILEGED_ROLES). */
    roles: string[];
    /** A built-in strength by name, or a custom one (created as azuread.AuthenticationStrengthPolicy). */
    authenticationStrength: BuiltInStrength | CustomStrength;
}

export const ADMIN_SHAPE = { displayName: "m365-mfa: phishing-resistant MFA for administrators", clientAppTypes: ["all"] } as const;
export const DEVICE_CODE_SHAPE = {
    displayName: "m365-mfa: block device code flow",
    clientAppTypes: ["all"],
    builtInControls: ["block"],
} as const;

/**
 * Phishing-resistant MFA for the highly privileged roles (ScubaGear MS.AAD.3.6, CIS 5.2.2.5): a
 * Conditional Access policy for the roles, every application, granted by an authentication strength
 * (the built-in Phishing-resistant MFA unless the stack names another, or a custom one it creates),
 * break-glass accounts excluded.
 */
export class PhishingResistantAdminsPolicy extends pulumi.ComponentResource {
    public readonly policy: azuread.ConditionalAccessPolicy;
    public readonly strength?: azuread.AuthenticationStrengthPolicy;

    constructor(name: string, args: PhishingResistantAdminsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("m365-mfa:index:PhishingResistantAdminsPolicy", name, {}, opts);
        if (!args.breakGlassAccounts.length) {
            throw new Error("PhishingResistantAdminsPolicy: at least one break-glass account must be excluded");
        }
        const displayName = args.displayName ?? ADMIN_SHAPE.displayName;
        const guard = ConditionalAccessRolloutGuard.of(
            `${name}-rollout`,
            "phishingResistantAdmins",
            args,
            displayName,
            { parent: this, dependsOn: opts?.dependsOn },
            {
                includeRoles: args.roles,
                strength:
                    typeof args.authenticationStrength === "string"
                        ? args.authenticationStrength
                        : `custom:${args.authenticationStrength.allowedCombinations.join(";")}`,
            },
        );
        let strengthId: pulumi.Input<string>;
        if (typeof args.authenticationStrength === "string") {
            strengthId = strengthPolicyPath(BUILT_IN_STRENGTHS[args.authenticationStrength]);
        } else {
            const c = args.authenticationStrength;
            this.strength = new azuread.AuthenticationStrengthPolicy(
                `${name}-strength`,
                {
                    displayName: c.displayName,
                    allowedCombinations: [...c.allowedCombinations],
                    ...(c.description ? { description: c.description } : {}),
                },
                { parent: this },
            );
            strengthId = this.strength.id;
        }
        this.policy = new azuread.ConditionalAccessPolicy(
            `${name}-policy`,
            {
                displayName,
                state: CA_STATES[args.mode],
                conditions: {
                    clientAppTypes: [...ADMIN_SHAPE.clientAppTypes],
                    applications: { includedApplications: ["All"] },
                    users: { includedRoles: [...args.roles], excludedUsers: excludedIds(this, name, args.breakGlassAccounts) },
                },
                grantControls: { operator: "OR", authenticationStrengthPolicyId: strengthId },
            },
            policyOptions(this, opts, args.adoptPolicyId, guard),
        );
        this.registerOutputs({});
    }
}

export interface DeviceCodeFlowBlockArgs extends LegacyAuthenticationBlockArgs {
    /** Block authentication transfer too (the authenticationFlows condition's authenticationTransfer). */
    authenticationTransfer: boolean;
}

/**
 * Device code flow blocked (ScubaGear MS.AAD.3.9, CIS 5.2.2.12): a Conditional Access policy for all
 * users and applications whose authenticationFlows condition names deviceCodeFlow (and
 * authenticationTransfer when asked), granted by block, break-glass accounts excluded.
 */
export class DeviceCodeFlowBlock extends pulumi.ComponentResource {
    public readonly policy: azuread.ConditionalAccessPolicy;

    constructor(name: string, args: DeviceCodeFlowBlockArgs, opts?: pulumi.ComponentResourceOptions) {
        super("m365-mfa:index:DeviceCodeFlowBlock", name, {}, opts);
        if (!args.breakGlassAccounts.length) {
            throw new Error("DeviceCodeFlowBlock: at least one break-glass account must be excluded from a block policy");
        }
        const displayName = args.displayName ?? DEVICE_CODE_SHAPE.displayName;
        const transferMethods = args.authenticationTransfer ? ["deviceCodeFlow", "authenticationTransfer"] : ["deviceCodeFlow"];
        const guard = ConditionalAccessRolloutGuard.of(
            `${name}-rollout`,
            "deviceCodeFlow",
            args,
            displayName,
            { parent: this, dependsOn: opts?.dependsOn },
            { transferMethods },
        );
        this.policy = new azuread.ConditionalAccessPolicy(
            `${name}-policy`,
            {
                displayName,
                state: CA_STATES[args.mode],
                conditions: {
                    clientAppTypes: [...DEVICE_CODE_SHAPE.clientAppTypes],
                    applications: { includedApplications: ["All"] },
                    users: { includedUsers: ["All"], excludedUsers: excludedIds(this, name, args.breakGlassAccounts) },
                    authenticationFlowTransferMethods: transferMethods,
                },
                grantControls: { operator: "OR", builtInControls: [...DEVICE_CODE_SHAPE.builtInControls] },
            },
            policyOptions(this, opts, args.adoptPolicyId, guard),
        );
        this.registerOutputs({});
    }
}
