import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

/**
 * The guardrail helper: a policy of the pack as @pulumi/policy types it (./member.ts: Guardrail is its
 * public face). Each setting's guardrails are in its folder's policy.ts; the pack lists them
 * (settings/guardrails.ts).
 */
export type PackPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** The resources of one type token. */
export function ofType(resources: PolicyResource[], type: string): PolicyResource[] {
    return resources.filter((r) => r.type === type);
}
