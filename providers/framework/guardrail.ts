import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

/**
 * The guardrail helper: a policy of the pack as @pulumi/policy types it. Each setting's guardrails are
 * in its folder's policy.ts; the pack lists them (settings/guardrails.ts). No member loads a guardrail,
 * so the library's public declarations do not load @pulumi/policy's (its 1.21.0 index.d.ts re-exports
 * names its proxy.d.ts does not declare, which fails a consumer's tsc without skipLibCheck).
 */
export type PackPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** The resources of one type token. */
export function ofType(resources: PolicyResource[], type: string): PolicyResource[] {
    return resources.filter((r) => r.type === type);
}
