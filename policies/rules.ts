/**
 * Guardrails for a tenant's MFA posture, each mapped to the public baseline it enforces:
 * CISA ScubaGear (MS.AAD.*, MS.EXO.*) and Maester (MT.*). Mandatory rules fail the preview;
 * advisory ones warn. Levels and settings are configurable per stack (policy pack config).
 *
 * Each rule lives in the folder of the setting it is about (settings/<name>/policy.ts); the pack is
 * every member's guardrails, from the registry.
 */
import type { PackPolicy } from "./ofType";
import { MEMBERS, MEMBER_KEYS } from "../settings/registry";

export const guardrails: PackPolicy[] = [];
for (const k of MEMBER_KEYS) {
    for (const g of MEMBERS[k].guardrails?.() ?? []) {
        // Each folder's policy.ts declares @pulumi/policy's types; the member interface names only their common fields.
        if (!guardrails.some((x) => x.name === g.name)) guardrails.push(g as PackPolicy);
    }
}
