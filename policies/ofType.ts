import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

/** A policy of the pack as @pulumi/policy types it (components/member.ts: Guardrail is its public face). */
export type PackPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** The resources of one type token. */
export function ofType(resources: PolicyResource[], type: string): PolicyResource[] {
    return resources.filter((r) => r.type === type);
}
