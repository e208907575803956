import type { PolicyResource } from "@pulumi/policy";

/** The resources of one type token. */
export function ofType(resources: PolicyResource[], type: string): PolicyResource[] {
    return resources.filter((r) => r.type === type);
}
