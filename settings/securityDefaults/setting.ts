import type { TenantClients } from "../../client";
import { engineLog } from "../../providers/framework/diagnostics";
import { type DesiredOf, type LiveOf, declareSetting } from "../../providers/framework/declare";
import {
    type FieldChange,
    TENANT_AT_PREVIEW,
    type TenantSetting,
    diffFields,
    weakeningRefusal,
    weakeningToken,
} from "../../providers/framework/setting";
import { bool, boolWith, documented, obj, str } from "../../providers/framework/validation";

/**
 * Security defaults: Graph `policies/identitySecurityDefaultsEnforcementPolicy` (v1.0).
 * Only `isEnabled` is writable. Microsoft refuses to enable security defaults while Conditional
 * Access policies are enabled (and the reverse); that answer is passed on with Graph's own words.
 *
 * Its inputs and outputs, declared once: the Desired and Live types, inputKeys,
 * validation (with the framework's confirm and tenantAtPreview), and the resource's Args and outputs.
 */
export const securityDefaultsDeclaration = declareSetting({
    inputs: {
        /** Whether Microsoft's security defaults are on for the tenant. */
        isEnabled: documented(
            boolWith("true turns Microsoft's security defaults on for the tenant"),
            "Whether Microsoft's security defaults are on for the tenant.",
        ),
    },
    required: ["isEnabled"],
    internal: {
        /**
         * What enforced Conditional Access takes over once this plan is applied (set by the component):
         * switching security defaults off without both (MFA required, legacy authentication blocked)
         * weakens the tenant and needs a confirmation that names it. Left out, nothing replaces them.
         */
        replacement: obj(
            {
                /** A Conditional Access policy requiring MFA for all users is enforced (state enabled). */
                requiresMfa: bool,
                /** A Conditional Access policy blocking legacy authentication is enforced (state enabled). */
                blocksLegacy: bool,
            },
            {
                required: ["requiresMfa", "blocksLegacy"],
                hint: "like { requiresMfa: true|false, blocksLegacy: true|false } (set by the baseline component)",
            },
        ),
    },
    outputs: {
        /** Graph's id of the policy object. */
        policyId: str(),
        displayName: str(),
    },
    confirms: true,
});

export type SecurityDefaultsDesired = DesiredOf<typeof securityDefaultsDeclaration>;
export type SecurityDefaultsReplacement = NonNullable<SecurityDefaultsDesired["replacement"]>;
export type SecurityDefaultsLive = LiveOf<typeof securityDefaultsDeclaration>;

/** What is lost when security defaults go off with this replacement (empty: nothing). */
export function lostWithoutSecurityDefaults(replacement: SecurityDefaultsReplacement | undefined): string[] {
    const lost: string[] = [];
    if (!replacement?.requiresMfa) lost.push("no MFA is required any more (security defaults' MFA registration and prompts)");
    if (!replacement?.blocksLegacy) lost.push("legacy authentication is no longer blocked");
    return lost;
}

/**
 * The confirmation of switching security defaults off (from on, as the tenant has them) with this
 * replacement, or undefined when that is no weakening: what the preview asks for in guards.confirm.
 */
export function securityDefaultsOffConfirmation(replacement?: SecurityDefaultsReplacement): string | undefined {
    const change = { field: "isEnabled", from: true, to: false };
    const weakening = securityDefaults.weakens!(change, replacement ? { replacement } : {});
    return weakening ? weakeningToken("security-defaults", [weakening], [change]) : undefined;
}

export const SECURITY_DEFAULTS_PATH = "/policies/identitySecurityDefaultsEnforcementPolicy";

export const securityDefaults: TenantSetting<SecurityDefaultsDesired, SecurityDefaultsLive> = {
    type: "SecurityDefaults",
    title: "Security defaults",
    permissions: {
        read: ["Policy.Read.All", "Policy.ReadWrite.SecurityDefaults", "Policy.ReadWrite.ConditionalAccess"],
        write: ["Policy.ReadWrite.SecurityDefaults", "Policy.ReadWrite.ConditionalAccess"],
    },
    onDelete: "Removing the resource stops managing security defaults; the tenant keeps its current setting.",
    inputKeys: securityDefaultsDeclaration.inputKeys,
    auditActivities: ["Update security defaults"],
    // Off is a weakening unless Conditional Access, enforced, takes over both what security defaults do.
    weakens: (c, inputs) => {
        if (c.field !== "isEnabled" || c.from !== true || c.to !== false) return undefined;
        const lost = lostWithoutSecurityDefaults(inputs?.replacement as SecurityDefaultsReplacement | undefined);
        return lost.length
            ? `security defaults switched off while no enforced Conditional Access policy replaces them: ${lost.join(", and ")}`
            : undefined;
    },
    internalFields: securityDefaultsDeclaration.internalFields,
    resolvedFields: securityDefaultsDeclaration.resolvedFields,
    schema: securityDefaultsDeclaration.schema,
    validate: securityDefaultsDeclaration.validate,

    /**
     * Reads the tenant at preview: the from-value the plan shows (also for a create), and whether
     * switching security defaults off weakens the tenant as it is now. A weakening needs a confirmation
     * that names it (guards.confirm).
     */
    async prepare(clients, desired) {
        const live = await securityDefaults.read(clients, desired);
        const changes: FieldChange[] =
            live.isEnabled === desired.isEnabled ? [] : [{ field: "isEnabled", from: live.isEnabled, to: desired.isEnabled }];
        const resolved: SecurityDefaultsDesired = { ...desired, [TENANT_AT_PREVIEW]: { isEnabled: live.isEnabled } };
        if (changes.length) {
            await engineLog("info", `Security defaults: isEnabled ${live.isEnabled} -> ${desired.isEnabled} (the tenant as read now)`);
        }
        const weakenings = changes.map((c) => securityDefaults.weakens!(c, desired)).filter((w): w is string => !!w);
        const refusal = weakeningRefusal("security-defaults", weakenings, changes, desired.confirm);
        return refusal ? { desired: resolved, failures: [refusal] } : { desired: resolved, failures: [] };
    },

    async read(clients: TenantClients) {
        const policy = await clients.graph.get(SECURITY_DEFAULTS_PATH);
        if (typeof policy?.isEnabled !== "boolean") {
            throw new Error(`Graph returned no isEnabled for ${SECURITY_DEFAULTS_PATH}`);
        }
        return { isEnabled: policy.isEnabled, policyId: String(policy.id), displayName: String(policy.displayName ?? "") };
    },

    desiredFromLive(live, desired) {
        // Only isEnabled is the tenant's; the adapter carries the other inputs (INTERNAL) over from the state.
        return { ...desired, isEnabled: live.isEnabled };
    },

    diff(desired, live) {
        return diffFields({ isEnabled: desired.isEnabled }, live);
    },

    async apply(clients: TenantClients, desired) {
        await clients.graph.patch(SECURITY_DEFAULTS_PATH, { isEnabled: desired.isEnabled });
    },

    id(tenantId) {
        return `${tenantId}/securityDefaults`;
    },
};
