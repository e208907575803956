/**
 * One baseline, many tenants: a service provider's run with Pulumi's Automation API. One stack per
 * tenant (same project, each tenant's merged baseline), bounded parallelism, a result per tenant; one
 * tenant's failure never stops the others.
 *
 *   m365-mfa multi-tenant --tenants tenants.yaml [--baseline baseline.json] [--operation preview|up|drift]
 *                         [--parallel 4] [--project DIR] [--state-dir DIR] [--report-dir DIR] [--only a,b] [--json]
 *
 * The tenants file (./tenants.ts) is validated whole before any tenant runs. Each tenant's stack
 * config is written to the state directory (Pulumi.<stack>.yaml there, passed with --config-file),
 * never into the project directory. Credentials are handed to that tenant's operations only, as
 * environment: a secret from the environment variable the tenant names (clientSecretEnv), or a
 * workload identity token file (the tenant's federatedTokenFile, or the run's
 * AZURE_FEDERATED_TOKEN_FILE: one app across tenants); they never enter stack config or state.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { redact } from "../client/errors";
import { DRIFT_CHECK_ENV, PLAN_PREVIEW, localEngineRoot } from "../pipelines/localEngine";
import { planFromPreviewJson } from "../pipelines/plan";
import { DriftReport, driftMarkdown, driftReport } from "../pipelines/drift";
import { TenantPlan, TenantTarget, loadTenants, validateTenantsFile } from "./tenants";
import { RollUp, TenantResult, rollUp, rollUpMarkdown, resultTable, writeReports } from "./report";

export { TenantTarget, TenantPlan, TenantResult, RollUp };
export { resultTable };

export type Operation = "preview" | "up" | "drift";

export interface RunOptions {
    projectDir: string;
    operation: Operation;
    parallel?: number;
    /** Where each tenant's stack config (Pulumi.<stack>.yaml) is kept; default stateDirFor(env). */
    stateDir?: string;
    /** Extra environment for every operation (backend, passphrase, CA bundle, ...). */
    env?: Record<string, string>;
    /** Directory with bin/pulumi; default: the pulumi on PATH. */
    pulumiRoot?: string;
    /** Called as each tenant finishes. */
    onResult?: (r: TenantResult) => void;
}

/**
 * Where the runner keeps the tenants' stack config: beside a file backend's state
 * (`<backend>/m365-mfa-stacks`), else under PULUMI_HOME (`<home>/m365-mfa-stacks`). The config is
 * written again from the tenants file on every run; only the stack's encryption salt is kept.
 */
export function stateDirFor(env: Record<string, string | undefined>): string {
    const backend = env.PULUMI_BACKEND_URL ?? "";
    if (backend.startsWith("file://"))
        return path.join(backend.slice("file://".length).replace(/^~(?=\/)/, os.homedir()), "m365-mfa-stacks");
    return path.join(env.PULUMI_HOME || path.join(os.homedir(), ".pulumi"), "m365-mfa-stacks");
}

/** Backwards-compatible: a plain list of tenants, checked as the tenants file's `tenants` (needs no baseline). */
export function validateTenants(raw: unknown): TenantTarget[] {
    return validateTenantsFile(raw, {}).tenants;
}

/** Accepts either validated plans or plain targets with one shared baseline (then validated here). */
export async function runBaseline(tenants: TenantPlan[] | TenantTarget[], baseline: unknown, options: RunOptions): Promise<TenantResult[]> {
    const plans: TenantPlan[] =
        tenants.every((t: any) => t.baseline && t.stack) && baseline === undefined
            ? (tenants as TenantPlan[])
            : validateTenantsFile(tenants, baseline ?? {}).tenants;
    const command = await PulumiCommand.get(
        options.pulumiRoot ? { root: options.pulumiRoot, skipVersionCheck: true } : { skipVersionCheck: true },
    );
    const env = { ...(process.env as Record<string, string>), ...(options.env ?? {}) };
    const stateDir = path.resolve(options.stateDir ?? stateDirFor(env));
    prepareStateDir(stateDir, options.projectDir);
    const results: TenantResult[] = new Array(plans.length);
    let next = 0;
    const worker = async () => {
        while (next < plans.length) {
            const i = next++;
            results[i] = await runOne(plans[i], options, command, stateDir, env);
            options.onResult?.(results[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel ?? 4, plans.length)) }, worker));
    return results;
}

/** The state directory holds a copy of the project's Pulumi.yaml, so that `stack init` there writes the stack's settings there. */
function prepareStateDir(stateDir: string, projectDir: string): void {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const project = path.join(projectDir, "Pulumi.yaml");
    if (!fs.existsSync(project)) throw new Error(`no Pulumi.yaml in ${projectDir} (--project)`);
    const name = YAML.parse(fs.readFileSync(project, "utf8"))?.name;
    fs.writeFileSync(
        path.join(stateDir, "Pulumi.yaml"),
        YAML.stringify({
            name,
            runtime: "nodejs",
            description: `stack settings of m365-mfa multi-tenant runs of ${path.resolve(projectDir)}; the program is there`,
        }),
    );
}

/** The environment of one tenant's operations: its credential only (the caller's AZURE_* and ARM_* are overridden). */
export function tenantEnv(t: TenantTarget, base: Record<string, string | undefined>): { env: Record<string, string>; secrets: string[] } {
    const secret = t.clientSecretEnv ? base[t.clientSecretEnv] : undefined;
    if (t.clientSecretEnv && !secret)
        throw new Error(`environment variable ${t.clientSecretEnv} (the client secret of ${t.name}) is not set`);
    const tokenFile = secret ? "" : (t.federatedTokenFile ?? base.AZURE_FEDERATED_TOKEN_FILE ?? "");
    let oidcToken = "";
    if (tokenFile) {
        if (!fs.existsSync(tokenFile)) throw new Error(`the workload identity token file of ${t.name} (${tokenFile}) does not exist`);
        oidcToken = fs.readFileSync(tokenFile, "utf8").trim();
    }
    const env: Record<string, string> = {
        AZURE_TENANT_ID: t.tenantId,
        AZURE_CLIENT_ID: t.clientId ?? "",
        AZURE_CLIENT_SECRET: secret ?? "",
        AZURE_FEDERATED_TOKEN_FILE: tokenFile,
        // The azuread provider (Conditional Access): the same app and credential.
        ARM_TENANT_ID: t.tenantId,
        ARM_CLIENT_ID: t.clientId ?? "",
        ARM_CLIENT_SECRET: secret ?? "",
        ARM_USE_OIDC: oidcToken ? "true" : (base.ARM_USE_OIDC ?? ""),
        ARM_OIDC_TOKEN: oidcToken,
    };
    const arm = { global: "global", usgov: "usgovernmentl4", usgovdod: "usgovernmentl5", china: "china" }[t.cloud ?? ""];
    if (arm) env.ARM_ENVIRONMENT = arm;
    const metadata = t.azureadMetadataHost ?? (t.graphEndpoint ? new URL(t.graphEndpoint).host : undefined);
    if (metadata) env.ARM_METADATA_HOSTNAME = metadata;
    return { env, secrets: [secret, oidcToken].filter((s): s is string => !!s) };
}

/** The stack's config file in the state directory: the tenant's settings and merged baseline; the encryption salt is kept. */
export function writeStackConfig(file: string, t: TenantPlan): void {
    const existing = fs.existsSync(file) ? (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) : {};
    const config: Record<string, unknown> = { "m365-mfa:tenantId": t.tenantId, "m365-mfa:baseline": t.baseline };
    for (const k of ["clientId", "cloud", "authorityHost", "graphEndpoint", "exchangeEndpoint"] as const) {
        if (t[k]) config[`m365-mfa:${k}`] = t[k];
    }
    const out: Record<string, unknown> = {};
    if (existing.encryptionsalt) out.encryptionsalt = existing.encryptionsalt;
    if (existing.secretsprovider) out.secretsprovider = existing.secretsprovider;
    if (existing.encryptedkey) out.encryptedkey = existing.encryptedkey;
    out.config = config;
    fs.writeFileSync(
        file,
        `# Written by m365-mfa multi-tenant from the tenants file (tenant ${t.name}); edits are replaced on the next run.\n` +
            YAML.stringify(out),
    );
}

interface Proc {
    code: number;
    stdout: string;
    stderr: string;
}

function exec(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<Proc> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

async function runOne(
    t: TenantPlan,
    options: RunOptions,
    pulumiCommand: PulumiCommand,
    stateDir: string,
    base: Record<string, string>,
): Promise<TenantResult> {
    const started = Date.now();
    const result = (r: Partial<TenantResult>): TenantResult => ({
        tenant: t.name,
        tenantId: t.tenantId,
        stack: t.stack,
        operation: options.operation,
        status: "failed",
        changes: {},
        settings: [],
        users: 0,
        seconds: (Date.now() - started) / 1000,
        ...r,
    });
    let secrets: string[] = [];
    try {
        const te = tenantEnv(t, base);
        secrets = te.secrets;
        const env: Record<string, string> = { ...base, ...te.env, PULUMI_SKIP_UPDATE_CHECK: "true", NO_COLOR: "1" };
        // The stack, created from the state directory: `stack init` writes its settings file there.
        await LocalWorkspace.createOrSelectStack({ stackName: t.stack, workDir: stateDir }, { envVars: env, pulumiCommand });
        const configFile = path.join(stateDir, `Pulumi.${t.stack.replace(/\//g, "-")}.yaml`);
        writeStackConfig(configFile, t);
        const stackArgs = ["--stack", t.stack, "--config-file", configFile, "--non-interactive", "--color", "never"];
        if (options.operation === "up") {
            const r = await exec(
                pulumiCommand.command,
                ["up", "--yes", "--skip-preview", "--refresh", "--suppress-progress", ...stackArgs],
                options.projectDir,
                env,
            );
            if (r.code !== 0) return result({ error: failure(r, secrets) });
            const changes = upChanges(r.stdout);
            return result({ status: Object.entries(changes).some(([k, n]) => k !== "same" && n > 0) ? "changed" : "unchanged", changes });
        }
        const r = await exec(pulumiCommand.command, [...PLAN_PREVIEW.args, ...stackArgs], options.projectDir, {
            ...env,
            ...previewEnv(options.operation),
        });
        let json: any;
        try {
            json = JSON.parse(r.stdout);
        } catch {
            return result({ error: failure(r, secrets) });
        }
        if (r.code !== 0) return result({ error: failure(r, secrets, json) });
        const plan = planFromPreviewJson(json);
        const changes = (json.changeSummary ?? {}) as Record<string, number>;
        if (options.operation === "drift") {
            // The repair a tenant's report suggests is this runner's: the tenant's stack config is in the state directory, not the project.
            const report: DriftReport = { ...driftReport(plan, t.stack), hints: tenantHints(t.name) };
            return result({
                status: report.drifted ? "drifted" : report.pending ? "pending" : "clean",
                changes,
                settings: report.settings.map((s) => ({
                    name: s.name,
                    title: s.title,
                    kind: s.kind,
                    fields: s.fields.map((f) => f.field),
                    users: s.users.reduce((n, g) => n + g.users.length, 0),
                })),
                users: report.settings.reduce((n, s) => n + s.users.reduce((m, g) => m + g.users.length, 0), 0),
                drift: report,
            });
        }
        const settings = plan.settings.map((s) => ({
            name: s.name,
            title: s.title,
            kind: s.op,
            fields: s.fields.map((f) => f.field),
            users: s.planned ? s.planned.reduce((m, x) => m + x.count, 0) : s.users.reduce((m, g) => m + g.users.length, 0),
        }));
        const changing = Object.entries(changes).some(([k, n]) => k !== "same" && n > 0) || settings.length > 0;
        return result({ status: changing ? "changed" : "unchanged", changes, settings, users: settings.reduce((n, s) => n + s.users, 0) });
    } catch (err) {
        return result({ error: redact(err instanceof Error ? err.message : String(err), secrets).trim() });
    }
}

/** What a tenant's drift report says to do, as commands of this runner (`<tenants file>` until the command knows its name). */
export function tenantHints(tenant: string, tenantsFile = "<tenants file>"): NonNullable<DriftReport["hints"]> {
    const run = (operation: string) => `\`m365-mfa multi-tenant --tenants ${tenantsFile} --operation ${operation} --only ${tenant}\``;
    return {
        drift:
            `Repair with ${run("up")} (it runs pulumi up --refresh on this tenant's stack; it would apply pending changes too), ` +
            "or change the tenant's overrides in the tenants file to accept the tenant as it is.",
        pending:
            `Review the pending changes with ${run("preview")}, then apply them with ${run("up")}, or revert them in the tenants ` +
            "file.",
    };
}

/** `up`'s resource counts from its summary ("Resources:\n    + 2 created\n    3 unchanged"). */
function upChanges(stdout: string): Record<string, number> {
    const out: Record<string, number> = {};
    const words: Record<string, string> = {
        created: "create",
        updated: "update",
        deleted: "delete",
        replaced: "replace",
        unchanged: "same",
    };
    const tail = stdout.slice(stdout.lastIndexOf("Resources:"));
    for (const m of tail.matchAll(/^\s*(?:\+-|[+~-])?\s*(\d+)\s+(created|updated|deleted|replaced|unchanged)\b/gm))
        out[words[m[2]]] = Number(m[1]);
    return out;
}

/**
 * Why a tenant failed, in full: the engine's error diagnostics (from --json), else everything the
 * command wrote to stderr, else its output; never a secret or a token.
 */
function failure(r: Proc, secrets: string[], json?: any): string {
    const diagnostics = ((json?.diagnostics ?? []) as any[])
        .filter((d) => d.severity === "error")
        .map((d) => String(d.message ?? "").trim());
    const text = diagnostics.length ? diagnostics.join("\n") : r.stderr.trim() || r.stdout.trim() || `pulumi exited ${r.code}`;
    return redact(text, secrets);
}

export interface MultiTenantCommandOptions {
    /** The tenants file (JSON or YAML; ./tenants.ts). */
    tenants: string;
    /** A separate baseline file, when the tenants file has no `baseline`. */
    baseline?: string;
    operation?: Operation;
    parallel?: number;
    /** The Pulumi project directory; default the working directory. */
    project?: string;
    stateDir?: string;
    /** Where the roll-up (summary.md, summary.json) and each tenant's report (tenants/<name>.json|md) go. */
    reportDir?: string;
    /** Only these tenants (names), e.g. one matrix job's. */
    only?: string[];
    /** The results as JSON instead of a table. */
    json?: boolean;
}

/**
 * The variables of a tenant's preview for an operation: the plan preview's, and for the drift check those of
 * `m365-mfa drift`'s own previews (DRIFT_CHECK_ENV: readiness is not assessed; the report lists what drifted and
 * who changed it, and the repair, `--operation up`, assesses readiness before it enforces).
 */
export function previewEnv(operation: Operation): Record<string, string> {
    return { ...PLAN_PREVIEW.env, ...(operation === "drift" ? DRIFT_CHECK_ENV : {}) };
}

/** Exit codes: 0 every tenant clean/succeeded, 1 a tenant failed, 2 a tenant drifted (drift), 3 only pending changes (drift). */
export function exitCode(results: TenantResult[]): number {
    if (results.some((r) => r.status === "failed")) return 1;
    if (results.some((r) => r.status === "drifted")) return 2;
    if (results.some((r) => r.status === "pending")) return 3;
    return 0;
}

/** `m365-mfa multi-tenant`. Throws (exit 1, nothing run) when the tenants file is not valid. */
export async function multiTenantCommand(
    options: MultiTenantCommandOptions,
    out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
    const operation = options.operation ?? "preview";
    if (!["preview", "up", "drift"].includes(operation)) throw new Error("--operation must be preview, up or drift");
    let { tenants } = loadTenants(options.tenants, options.baseline);
    if (options.only?.length) {
        const unknown = options.only.filter((n) => !tenants.some((t) => t.name === n));
        if (unknown.length) throw new Error(`--only: no tenant named ${unknown.join(", ")} in ${options.tenants}`);
        tenants = tenants.filter((t) => options.only!.includes(t.name));
    }
    const local = localEngineRoot();
    const results = await runBaseline(tenants, undefined, {
        projectDir: path.resolve(options.project ?? process.cwd()),
        operation,
        parallel: options.parallel ?? 4,
        stateDir: options.stateDir,
        pulumiRoot: local,
    });
    const file = /^[\w@%+=:,./-]+$/.test(options.tenants) ? options.tenants : `'${options.tenants.replace(/'/g, `'\\''`)}'`;
    for (const r of results) {
        if (r.drift) r.drift.hints = tenantHints(r.tenant, file);
    }
    const summary = rollUp(results, operation);
    if (options.reportDir) writeReports(options.reportDir, summary, results);
    out(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${resultTable(results)}\n`);
    return exitCode(results);
}

export { rollUp, rollUpMarkdown, driftMarkdown, DriftReport };
