import type { TenantClients } from "../../client";
import { TenantSetting, diffFields } from "../../providers/framework/setting";
import { boolWith, checkInputs, obj } from "../../providers/framework/validation";

/**
 * Security defaults: Graph `policies/identitySecurityDefaultsEnforcementPolicy` (v1.0).
 * Only `isEnabled` is writable. Microsoft refuses to enable security defaults while Conditional
 * Access policies are enabled (and the reverse); that answer is passed on with Graph's own words.
 */
export interface SecurityDefaultsDesired extends Record<string, unknown> {
    isEnabled: boolean;
}

export interface SecurityDefaultsLive extends Record<string, unknown> {
    isEnabled: boolean;
    policyId: string;
    displayName: string;
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
    inputKeys: ["isEnabled"],
    auditActivities: ["Update security defaults"],
    weakens: (c) => (c.field === "isEnabled" && c.from === true && c.to === false ? "security defaults switched off" : undefined),
    schema: obj({ isEnabled: boolWith("true turns Microsoft's security defaults on for the tenant") }, { required: ["isEnabled"] }),

    validate(inputs) {
        const failures = checkInputs(inputs, securityDefaults.schema!);
        return failures.length ? { failures } : { desired: { isEnabled: inputs.isEnabled as boolean }, failures };
    },

    async read(clients: TenantClients) {
        const policy = await clients.graph.get(SECURITY_DEFAULTS_PATH);
        if (typeof policy?.isEnabled !== "boolean") {
            throw new Error(`Graph returned no isEnabled for ${SECURITY_DEFAULTS_PATH}`);
        }
        return { isEnabled: policy.isEnabled, policyId: String(policy.id), displayName: String(policy.displayName ?? "") };
    },

    desiredFromLive(live) {
        return { isEnabled: live.isEnabled };
    },

    diff(desired, live) {
        return diffFields(desired, live);
    },

    async apply(clients: TenantClients, desired) {
        await clients.graph.patch(SECURITY_DEFAULTS_PATH, { isEnabled: desired.isEnabled });
    },

    id(tenantId) {
        return `${tenantId}/securityDefaults`;
    },
};
