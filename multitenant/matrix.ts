/**
 * The tenants file as GitHub Actions matrices: one job per tenant, beyond one machine.
 *
 * GitHub runs at most 256 jobs per matrix (docs.github.com, "Running variations of jobs in a
 * workflow": "A matrix will generate a maximum of 256 jobs per workflow run"), so the tenants are cut
 * into shards of at most 256, one matrix job per shard. A workflow's jobs are fixed in its file, so it
 * declares a number of shard jobs (`--shards N`, N x 256 tenants at most) and each takes its shard
 * from the plan job's outputs:
 *
 *   { "tenants": 600, "shardSize": 200, "shards": [ { "include": [ { "tenant": "contoso", "stack": "m365-mfa-contoso" }, ... ] }, ... ] }
 *
 * With --github-output FILE (the job's $GITHUB_OUTPUT) it also writes `matrix` (all of it), `shards`
 * (how many are used), and per shard i `shard<i>` (its `{ include: [...] }`) and `size<i>`. A shard
 * job runs only when `size<i> != '0'`; an unused shard gets a placeholder entry, because GitHub
 * refuses a matrix with an empty include. The tenants are spread evenly over as few shards as
 * needed, in file order; more tenants than the shards can hold is an error, never a silent cut.
 */
import * as fs from "node:fs";
import type { TenantPlan } from "./tenants";

export const GITHUB_MATRIX_LIMIT = 256;

export interface MatrixEntry {
    tenant: string;
    stack: string;
}

export interface Matrix {
    tenants: number;
    shardSize: number;
    shards: { include: MatrixEntry[] }[];
}

export interface MatrixOptions {
    /** Jobs per matrix, at most 256 (GitHub's limit). */
    maxPerShard?: number;
    /** The number of shard jobs the workflow declares: exactly this many shards are returned (unused ones empty). */
    shards?: number;
}

export function buildMatrix(tenants: Pick<TenantPlan, "name" | "stack">[], options: MatrixOptions = {}): Matrix {
    const max = options.maxPerShard ?? GITHUB_MATRIX_LIMIT;
    if (!Number.isInteger(max) || max < 1 || max > GITHUB_MATRIX_LIMIT)
        throw new Error(`a shard holds 1 to ${GITHUB_MATRIX_LIMIT} jobs (GitHub's limit per matrix), got ${max}`);
    const needed = Math.max(1, Math.ceil(tenants.length / max));
    const count = options.shards ?? needed;
    if (needed > count) {
        throw new Error(
            `${tenants.length} tenants need ${needed} shards of at most ${max} jobs; the workflow has ${count}: add shard ` +
                "jobs to it (and raise --shards)",
        );
    }
    // As few shards as needed, evenly filled (600 -> 200, 200, 200), in file order.
    const size = Math.ceil(tenants.length / needed);
    const shards: { include: MatrixEntry[] }[] = [];
    for (let i = 0; i < count; i++) {
        shards.push({ include: tenants.slice(i * size, (i + 1) * size).map((t) => ({ tenant: t.name, stack: t.stack })) });
    }
    return { tenants: tenants.length, shardSize: size, shards };
}

/** The lines for $GITHUB_OUTPUT: matrix, shards, and per shard shard<i> / size<i> (a placeholder entry for an empty shard). */
export function githubOutputs(m: Matrix): string {
    const lines = [`matrix=${JSON.stringify(m)}`, `shards=${m.shards.filter((s) => s.include.length).length}`];
    m.shards.forEach((s, i) => {
        lines.push(
            `shard${i}=${JSON.stringify(s.include.length ? s : { include: [{ tenant: "", stack: "" }] })}`,
            `size${i}=${s.include.length}`,
        );
    });
    return `${lines.join("\n")}\n`;
}

export interface MatrixCommandOptions extends MatrixOptions {
    tenants: string;
    baseline?: string;
    githubOutput?: string;
}

/** `m365-mfa matrix`: validates the tenants file (as multi-tenant does) and prints the matrix JSON. */
export async function matrixCommand(
    options: MatrixCommandOptions,
    out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
    const { loadTenants } = await import("./tenants");
    const { tenants } = loadTenants(options.tenants, options.baseline);
    const m = buildMatrix(tenants, options);
    if (options.githubOutput) fs.appendFileSync(options.githubOutput, githubOutputs(m));
    out(`${JSON.stringify(m)}\n`);
    return 0;
}
