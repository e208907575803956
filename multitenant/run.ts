/**
 * One baseline, many tenants: a service provider's run with Pulumi's Automation API. One stack per
 * tenant (same project, same baseline), bounded parallelism, a result row per tenant; one tenant's
 * failure never stops the others.
 *
 *   m365-mfa multi-tenant --tenants tenants.json --baseline baseline.json [--operation preview|up] [--parallel 4] [--project DIR] [--json]
 *
 * tenants.json: [{ "name": "contoso", "tenantId": "...", "clientId": "...", "clientSecretEnv": "CONTOSO_SECRET",
 *                  "cloud"?: "global", "authorityHost"?, "graphEndpoint"?, "exchangeEndpoint"? }]
 * Secrets are named by environment variable and handed to that tenant's stack operations only, as
 * environment; they never enter stack config or state. Without clientSecretEnv, the workload
 * identity / DefaultAzureCredential chain of the environment is used.
 */
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";

export interface TenantTarget {
    name: string;
    tenantId: string;
    clientId?: string;
    clientSecretEnv?: string;
    cloud?: string;
    authorityHost?: string;
    graphEndpoint?: string;
    exchangeEndpoint?: string;
}

export interface TenantResult {
    tenant: string;
    stack: string;
    status: "succeeded" | "failed";
    /** Resource operations, e.g. { create: 2, update: 1, same: 3 }. */
    changes: Record<string, number>;
    seconds: number;
    error?: string;
}

export interface RunOptions {
    projectDir: string;
    operation: "preview" | "up";
    parallel?: number;
    /** Stack name for a tenant; default m365-mfa-<name>. */
    stackName?: (t: TenantTarget) => string;
    /** Extra environment for every operation (backend, passphrase, CA bundle, ...). */
    env?: Record<string, string>;
    /** Directory with bin/pulumi; default: the pulumi on PATH. */
    pulumiRoot?: string;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

export function validateTenants(raw: unknown): TenantTarget[] {
    if (!Array.isArray(raw) || raw.length === 0) {
        throw new Error("tenants: expected a non-empty list of { name, tenantId, clientId, clientSecretEnv }");
    }
    const seen = new Set<string>();
    return raw.map((t: any, i) => {
        const at = `tenants[${i}]`;
        if (!t || typeof t.name !== "string" || !NAME.test(t.name)) throw new Error(`${at}.name must be letters, digits, '.', '_' or '-'`);
        if (seen.has(t.name)) throw new Error(`${at}.name "${t.name}" appears twice`);
        seen.add(t.name);
        if (typeof t.tenantId !== "string" || !t.tenantId) throw new Error(`${at}.tenantId is required`);
        if (t.clientSecretEnv !== undefined && typeof t.clientSecretEnv !== "string") throw new Error(`${at}.clientSecretEnv must name an environment variable`);
        return t as TenantTarget;
    });
}

export async function runBaseline(tenants: TenantTarget[], baseline: unknown, options: RunOptions): Promise<TenantResult[]> {
    const command = await PulumiCommand.get(options.pulumiRoot ? { root: options.pulumiRoot, skipVersionCheck: true } : { skipVersionCheck: true });
    const results: TenantResult[] = new Array(tenants.length);
    let next = 0;
    const worker = async () => {
        while (next < tenants.length) {
            const i = next++;
            results[i] = await runOne(tenants[i], baseline, options, command);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel ?? 4, tenants.length)) }, worker));
    return results;
}

async function runOne(t: TenantTarget, baseline: unknown, options: RunOptions, pulumiCommand: PulumiCommand): Promise<TenantResult> {
    const stackName = options.stackName?.(t) ?? `m365-mfa-${t.name}`;
    const started = Date.now();
    const secret = t.clientSecretEnv ? process.env[t.clientSecretEnv] : undefined;
    try {
        if (t.clientSecretEnv && !secret) {
            throw new Error(`environment variable ${t.clientSecretEnv} (the client secret of ${t.name}) is not set`);
        }
        const envVars: Record<string, string> = {
            ...(options.env ?? {}),
            // This tenant's credential only; the AZURE_* of the caller's environment are overridden.
            AZURE_TENANT_ID: t.tenantId,
            AZURE_CLIENT_ID: t.clientId ?? "",
            AZURE_CLIENT_SECRET: secret ?? "",
        };
        const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: options.projectDir }, { envVars, pulumiCommand });
        const config: Record<string, { value: string }> = { "m365-mfa:baseline": { value: JSON.stringify(baseline) }, "m365-mfa:tenantId": { value: t.tenantId } };
        for (const k of ["clientId", "cloud", "authorityHost", "graphEndpoint", "exchangeEndpoint"] as const) {
            if (t[k]) config[`m365-mfa:${k}`] = { value: t[k]! };
        }
        await stack.setAllConfig(config);
        let changes: Record<string, number>;
        if (options.operation === "up") {
            const r = await stack.up({ refresh: true });
            changes = (r.summary.resourceChanges ?? {}) as Record<string, number>;
        } else {
            const r = await stack.preview({ refresh: true });
            changes = r.changeSummary as Record<string, number>;
        }
        return { tenant: t.name, stack: stackName, status: "succeeded", changes, seconds: (Date.now() - started) / 1000 };
    } catch (err) {
        return { tenant: t.name, stack: stackName, status: "failed", changes: {}, seconds: (Date.now() - started) / 1000, error: summarizeError(err, secret) };
    }
}

/** The useful line of an Automation API error (it carries the whole CLI output), without the secret. */
function summarizeError(err: unknown, secret?: string): string {
    let text = err instanceof Error ? err.message : String(err);
    if (secret) text = text.split(secret).join("[redacted secret]");
    const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
    const useful = lines.filter((l) => /error:|failed|AADSTS|answered|not set|invalid/i.test(l) && !/^code: /.test(l));
    return (useful.length ? useful : lines).slice(0, 3).join(" | ").slice(0, 600);
}

export function resultTable(results: TenantResult[]): string {
    const rows = results.map((r) => [
        r.tenant,
        r.stack,
        r.status,
        Object.entries(r.changes).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(", ") || "-",
        r.seconds.toFixed(1),
        r.error ?? "",
    ]);
    const head = ["TENANT", "STACK", "RESULT", "CHANGES", "SECONDS", "ERROR"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i])).join("  ").trimEnd();
    const ok = results.filter((r) => r.status === "succeeded").length;
    return [line(head), ...rows.map(line), "", `${ok} of ${results.length} tenants succeeded`].join("\n");
}

export interface MultiTenantCommandOptions {
    /** tenants.json: the list validateTenants accepts. */
    tenants: string;
    /** baseline.json: the value of m365-mfa:baseline for every tenant. */
    baseline: string;
    operation?: "preview" | "up";
    parallel?: number;
    /** The Pulumi project directory; default the working directory. */
    project?: string;
    /** The results as JSON instead of a table. */
    json?: boolean;
}

/** `m365-mfa multi-tenant`: prints a result row per tenant; exit code 0 when every tenant succeeded, else 1. */
export async function multiTenantCommand(options: MultiTenantCommandOptions): Promise<number> {
    const operation = options.operation ?? "preview";
    if (!["preview", "up"].includes(operation)) throw new Error("--operation must be preview or up");
    const tenants = validateTenants(JSON.parse(fs.readFileSync(options.tenants, "utf8")));
    const baseline = JSON.parse(fs.readFileSync(options.baseline, "utf8"));
    const local = path.resolve(__dirname, "..", ".tools", "pulumi", "current");
    const results = await runBaseline(tenants, baseline, {
        projectDir: path.resolve(options.project ?? process.cwd()),
        operation,
        parallel: options.parallel ?? 4,
        pulumiRoot: fs.existsSync(path.join(local, "bin", "pulumi")) ? local : undefined,
    });
    console.log(options.json ? JSON.stringify(results, null, 2) : resultTable(results));
    return results.every((r) => r.status === "succeeded") ? 0 : 1;
}

// `node multitenant/run.ts ...` as before: the m365-mfa command parses the arguments.
if (require.main === module) {
    require("../cli").run(["multi-tenant", ...process.argv.slice(2)]);
}
