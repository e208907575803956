import type { TenantClients } from "../../client";
import { engineLog } from "../../providers/framework/diagnostics";
import { FieldChange, TENANT_AT_PREVIEW, TenantSetting, ValidationFailure, diffFields, weakeningRefusal, weakeningToken } from "../../providers/framework/setting";
import { boolWith, checkInputs, isObject, obj } from "../../providers/framework/validation";

/**
 * Security defaults: Graph `policies/identitySecurityDefaultsEnforcementPolicy` (v1.0).
 * Only `isEnabled` is writable. Microsoft refuses to enable security defaults while Conditional
 * Access policies are enabled (and the reverse); that answer is passed on with Graph's own words.
 */
export interface SecurityDefaultsDesired extends Record<string, unknown> {
    isEnabled: boolean;
    /**
     * What Conditional Access in the same baseline enforces once this plan is applied (set by the
     * component): switching security defaults off weakens the tenant unless it requires MFA and blocks
     * legacy authentication. Left out (the resource on its own), nothing replaces them.
     */
    replacement?: SecurityDefaultsReplacement;
    /** The confirmations of the baseline (guards.confirm): a weakening goes ahead only when one names it. */
    confirm?: string[];
    /** Set at preview: the tenant as read then (TENANT_AT_PREVIEW). */
    tenantAtPreview?: { isEnabled: boolean };
}

export interface SecurityDefaultsReplacement {
    /** A Conditional Access policy requiring MFA for all users is enforced (state enabled). */
    requiresMfa: boolean;
    /** A Conditional Access policy blocking legacy authentication is enforced (state enabled). */
    blocksLegacy: boolean;
}

/** What is lost when security defaults go off with this replacement (empty: nothing). */
export function lostWithoutSecurityDefaults(replacement: SecurityDefaultsReplacement | undefined): string[] {
    const lost: string[] = [];
    if (!replacement?.requiresMfa) lost.push("no MFA is required any more (security defaults' MFA registration and prompts)");
    if (!replacement?.blocksLegacy) lost.push("legacy authentication is no longer blocked");
    return lost;
}

const INTERNAL = ["replacement", "confirm", TENANT_AT_PREVIEW];

/**
 * The confirmation of switching security defaults off (from on, as the tenant has them) with this
 * replacement, or undefined when that is no weakening: what the preview asks for in guards.confirm.
 */
export function securityDefaultsOffConfirmation(replacement?: SecurityDefaultsReplacement): string | undefined {
    const change = { field: "isEnabled", from: true, to: false };
    const weakening = securityDefaults.weakens!(change, replacement ? { replacement } : {});
    return weakening ? weakeningToken("security-defaults", [weakening], [change]) : undefined;
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
    // Off is a weakening unless Conditional Access, enforced, takes over both what security defaults do.
    weakens: (c, inputs) => {
        if (c.field !== "isEnabled" || c.from !== true || c.to !== false) return undefined;
        const lost = lostWithoutSecurityDefaults(inputs?.replacement as SecurityDefaultsReplacement | undefined);
        return lost.length ? `security defaults switched off while no enforced Conditional Access policy replaces them: ${lost.join(", and ")}` : undefined;
    },
    internalFields: INTERNAL,
    resolvedFields: [TENANT_AT_PREVIEW],
    schema: obj({ isEnabled: boolWith("true turns Microsoft's security defaults on for the tenant") }, { required: ["isEnabled"] }),

    validate(inputs) {
        const failures: ValidationFailure[] = checkInputs(inputs, securityDefaults.schema!, INTERNAL);
        const r = inputs.replacement;
        if (r !== undefined && !(isObject(r) && typeof r.requiresMfa === "boolean" && typeof r.blocksLegacy === "boolean")) {
            failures.push({ property: "replacement", reason: "replacement must be { requiresMfa: true|false, blocksLegacy: true|false } (set by the baseline component)" });
        }
        const confirm = inputs.confirm;
        if (confirm !== undefined && !(Array.isArray(confirm) && confirm.every((x) => typeof x === "string"))) {
            failures.push({ property: "confirm", reason: "confirm must be a list of confirmations (strings), as m365-mfa:baseline.guards.confirm" });
        }
        const tenant = inputs[TENANT_AT_PREVIEW];
        if (failures.length) return { failures };
        return {
            desired: {
                isEnabled: inputs.isEnabled as boolean,
                ...(r !== undefined ? { replacement: r as unknown as SecurityDefaultsReplacement } : {}),
                ...(confirm !== undefined ? { confirm: confirm as string[] } : {}),
                ...(isObject(tenant) && typeof tenant.isEnabled === "boolean" ? { [TENANT_AT_PREVIEW]: { isEnabled: tenant.isEnabled } } : {}),
            },
            failures,
        };
    },

    /**
     * Reads the tenant at preview: the from-value the plan shows (also for a create), and whether
     * switching security defaults off weakens the tenant as it is now. A weakening needs a confirmation
     * that names it (guards.confirm).
     */
    async prepare(clients, desired) {
        const live = await securityDefaults.read(clients, desired);
        const changes: FieldChange[] = live.isEnabled === desired.isEnabled ? [] : [{ field: "isEnabled", from: live.isEnabled, to: desired.isEnabled }];
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
