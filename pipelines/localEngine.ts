import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The checkout's own engine build (.tools/pulumi/current, made by scripts/setup.sh), found from this
 * module's place: pipelines/ or multitenant/ in the sources, dist/pipelines/ or dist/multitenant/ in
 * the compiled build. Undefined when there is none (an installed package): the `pulumi` on PATH runs.
 */
export function localEngineRoot(): string | undefined {
    for (const up of [[".."], ["..", ".."]]) {
        const root = path.resolve(__dirname, ...up, ".tools", "pulumi", "current");
        if (fs.existsSync(path.join(root, "bin", "pulumi"))) {
            return root;
        }
    }
    return undefined;
}

/**
 * The preview the pipelines read their plan from (pipelines/plan.ts): the drift check, the PR summary and
 * the multi-tenant runner. Never writes state or the tenant.
 * - `--run-program`: the engine refreshes each resource as the program declares it, in one pass, instead
 *   of refreshing everything first and only then starting the program (the same refreshed state).
 * - The legacy refresh diff: the refresh's own diff (each provider asked to diff the refreshed state
 *   against the inputs, for the refresh's display) is not what the plan reads; the engine compares
 *   outputs itself instead of a Diff call that carries every per-user map once more.
 */
export const PLAN_PREVIEW = {
    args: ["preview", "--refresh", "--run-program", "--json"],
    env: { PULUMI_ENABLE_LEGACY_REFRESH_DIFF: "true" },
} as const;

/**
 * The environment of `m365-mfa drift`'s own previews (not of its `pulumi up --refresh`): readiness is not
 * assessed there (providers/framework/readinessReport.ts READINESS_ENV), since the drift report does not list it; the repair
 * assesses it before enforcing.
 */
export const DRIFT_CHECK_ENV = { M365_MFA_READINESS: "drift-check" } as const;
