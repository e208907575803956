/**
 * Pipeline commands, run in the Pulumi project directory with the stack's credentials in the
 * environment (see README, "Pull-request previews and drift detection"). Their arguments are parsed
 * by the m365-mfa command (../cli.ts):
 *
 *   m365-mfa pr-summary --stack <stack> [--out comment.md] [--full-list full.md] [--from-json preview.json]
 *                       [--config-file F] [--policy-pack DIR [--policy-pack-config F]]
 *       Markdown for a PR comment from `pulumi preview --refresh --json`, with the policy pack's findings;
 *       under GitHub's comment limit at any size, every user in the full list.
 *   m365-mfa drift --stack <stack> [--report-dir DIR] [--remediate] [--config-file F]
 *       Exit 0: the tenant matches the stack. Exit 2: it drifted (someone changed the tenant; report
 *       written), not repaired. Exit 3: no drift, but the stack has changes not applied yet (pending).
 *       Exit 4: drift found and repaired (--remediate; the report keeps what was found, who, when).
 *       Exit 1: the check itself failed, or the repair did. Never changes the tenant unless --remediate is given.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import type { TenantClients } from "../client";
import type { DriftReport } from "./drift";
import { DRIFT_CHECK_ENV, PLAN_PREVIEW, localEngineRoot } from "./localEngine";
import { verboseSecretWarning } from "./verbose";
import { trace } from "../client/trace";

/** drift's exit codes (the m365-mfa command's --help lists them; 64 is a usage error, cli.ts). */
export const EXIT = { clean: 0, failed: 1, drifted: 2, pending: 3, repaired: 4 } as const;

/**
 * What reads the preview: the plan, its rendering, the audit-log attribution and the client. They load
 * every setting and, through the resource classes, the Pulumi SDK (~0.8 s), so they are loaded while
 * the preview runs, not before it starts.
 */
function readers() {
    return {
        ...(require("./plan") as typeof import("./plan")),
        ...(require("./render") as typeof import("./render")),
        ...(require("./drift") as typeof import("./drift")),
        ...(require("./attribution") as typeof import("./attribution")),
        ...(require("../client") as typeof import("../client")),
    };
}

/** The stack a command runs on: `--stack` and `--config-file`. */
export interface StackOptions {
    stack?: string;
    configFile?: string;
}

export interface PrSummaryOptions extends StackOptions {
    /** Where to write the comment; stdout without it. */
    out?: string;
    /** Where to write every user of every change (the artifact the comment points to when its lists are too long for it). */
    fullList?: string;
    /** A saved `pulumi preview --refresh --json` instead of running one. */
    fromJson?: string;
    policyPack?: string;
    policyPackConfig?: string;
}

export interface DriftOptions extends StackOptions {
    /** Where drift-report.md and drift-report.json go; default the working directory. */
    reportDir?: string;
    /** When drift is found: write it down (what, who, when), run `pulumi up --refresh`, check again (exit 4 when repaired). */
    remediate?: boolean;
}

/** The repository's own engine build, when this runs inside a checkout that has one (from the sources or dist/). */
function pulumiEnv(): NodeJS.ProcessEnv {
    const local = localEngineRoot();
    // The program and the provider are Node.js processes under the engine: with NODE_COMPILE_CACHE (unless
    // the environment sets its own) each loads the SDK and the package from Node.js's compile cache.
    const env = { NODE_COMPILE_CACHE: path.join(os.tmpdir(), "node-compile-cache"), ...process.env };
    return local ? { ...env, PATH: `${path.join(local, "bin")}${path.delimiter}${process.env.PATH}` } : env;
}

/** Runs pulumi without blocking: this process does other work while the engine runs. */
function pulumi(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        const child = spawn(process.env.PULUMI_BIN ?? "pulumi", args, {
            env: { ...pulumiEnv(), ...extraEnv },
            stdio: ["ignore", "pipe", "pipe"],
        });
        child.stdout.on("data", (d: Buffer) => out.push(d));
        child.stderr.on("data", (d: Buffer) => err.push(d));
        child.on("error", (e) => reject(new Error(`could not run pulumi: ${e.message}`)));
        child.on("close", (code) =>
            resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }),
        );
    });
}

function stackArgs(options: StackOptions): string[] {
    const { stack, configFile } = options;
    if (!stack) {
        throw new Error("--stack is required");
    }
    return ["--stack", stack, ...(configFile ? ["--config-file", configFile] : []), "--non-interactive"];
}

/**
 * Runs `pulumi preview --refresh --run-program --json`: never writes state or the tenant. With `allowFailed`, a
 * preview that the engine refused (a guard, a check failure) is returned with its errors so that
 * they can be shown; otherwise it throws.
 */
async function previewJson(
    options: StackOptions & { policyPack?: string; policyPackConfig?: string },
    allowFailed = false,
    extraEnv: Record<string, string> = {},
): Promise<any> {
    warnVerbose(stackArgs(options));
    // Policy findings are not in the preview's JSON summary; the engine's event log has them
    // (policyEvent), written with --event-log, a flag the CLI offers with PULUMI_DEBUG_COMMANDS.
    const pack = options.policyPack;
    const packConfig = options.policyPackConfig;
    const eventLog = pack ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-events-")), "events.jsonl") : undefined;
    const policyArgs = pack
        ? [
              "--policy-pack",
              path.resolve(pack),
              ...(packConfig ? ["--policy-pack-config", path.resolve(packConfig)] : []),
              "--event-log",
              eventLog!,
          ]
        : [];
    const running = pulumi([...PLAN_PREVIEW.args, ...policyArgs, ...stackArgs(options)], {
        ...PLAN_PREVIEW.env,
        ...(pack ? { PULUMI_DEBUG_COMMANDS: "true" } : {}),
        ...extraEnv,
    });
    readers(); // loaded while the engine runs
    const r = await running;
    let json: any;
    try {
        json = JSON.parse(r.stdout);
    } catch {
        throw new Error(`pulumi preview failed (exit ${r.code}):\n${r.stderr || r.stdout}`);
    }
    json.__exitCode = r.code;
    if (eventLog) {
        json.__policyEvents = readPolicyEvents(eventLog);
        fs.rmSync(path.dirname(eventLog), { recursive: true, force: true });
    }
    if (r.code !== 0 && !(allowFailed && (json.diagnostics ?? []).some((d: any) => d.severity === "error"))) {
        const errors = (json.diagnostics ?? []).filter((d: any) => d.severity === "error").map((d: any) => d.message);
        throw new Error(`pulumi preview failed (exit ${r.code}):\n${errors.join("\n") || r.stderr}`);
    }
    return json;
}

/** Says so on stderr when verbose engine logging would print the stack config's client secret. */
export function warnVerbose(
    argv: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
    write: (s: string) => void = (s) => process.stderr.write(s),
): boolean {
    const warning = verboseSecretWarning(argv, env);
    if (warning) {
        write(`m365-mfa: ${warning}\n`);
    }
    return !!warning;
}

/** The policyEvent entries of an engine event log (one JSON object a line). */
function readPolicyEvents(file: string): unknown[] {
    if (!fs.existsSync(file)) {
        return [];
    }
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.includes('"policyEvent"'))
        .map((l) => JSON.parse(l).policyEvent);
}

/** Writes the comment; exits 1 (after writing it) when the preview itself failed, e.g. a guard refused the plan. */
export async function prSummary(options: PrSummaryOptions): Promise<number> {
    const from = options.fromJson;
    // What the providers write while previewing goes to a folder of this run: into the full list, then removed (pipelines/review.ts).
    const review = require("./review") as typeof import("./review");
    const reports = review.reportFolder();
    try {
        const env = { M365_MFA_REPORT_DIR: reports };
        const json = from ? JSON.parse(fs.readFileSync(from, "utf8")) : await previewJson(options, true, env);
        const { planFromPreviewJson, prFullList, prComment } = readers();
        let plan = planFromPreviewJson(json);
        // A refusal that names its confirmations: the plan they would cover, previewed too (nothing applied).
        if (!from && json.__exitCode && options.stack) {
            plan = await review.previewConfirmed(
                plan,
                options.configFile ?? `Pulumi.${options.stack.split("/").pop()}.yaml`,
                reports,
                async (configFile) => {
                    const again = await previewJson({ ...options, configFile }, true, env).catch(() => undefined);
                    return again && { plan: planFromPreviewJson(again), failed: !!again.__exitCode };
                },
            );
        }
        const kept = review.keepReports(plan, reports, options.fullList ? path.basename(options.fullList) : undefined);
        return await writeSummary(options, kept.plan, kept.sections, json.__exitCode, prFullList, prComment);
    } finally {
        fs.rmSync(reports, { recursive: true, force: true });
    }
}

async function writeSummary(
    options: PrSummaryOptions,
    plan: import("./plan").Plan,
    sections: string[],
    exitCode: number | undefined,
    prFullList: typeof import("./render").prFullList,
    prComment: typeof import("./render").prComment,
): Promise<number> {
    const stack = options.stack ?? "stack";
    if (options.fullList) {
        fs.writeFileSync(options.fullList, prFullList(plan, stack, sections));
        console.error(`every user of every change written to ${options.fullList}`);
    }
    const text = prComment(plan, stack, options.fullList ? { fullListName: path.basename(options.fullList) } : {});
    const out = options.out;
    if (out) {
        fs.writeFileSync(out, text);
        console.error(`PR summary written to ${out}`);
    } else {
        process.stdout.write(text);
    }
    return exitCode ? EXIT.failed : EXIT.clean;
}

/**
 * The stack's m365-mfa:* config values, so that the drift report reads the audit log with the same
 * connection as the providers; the environment fills in what is not there. Straight from the stack's
 * config file when it holds them in plain text (no `secure:` value among them, no ESC environment, no
 * project-level m365-mfa config); otherwise `pulumi config --show-secrets` (another engine process,
 * ~0.5 s; secrets decrypted in memory only), started beside the preview.
 */
async function stackConnectionValues(options: StackOptions): Promise<Record<string, string | undefined>> {
    const plain = plainConnectionValues(options);
    if (plain) return plain;
    const r = await pulumi(["config", "--json", "--show-secrets", ...stackArgs(options)]).catch(() => ({ code: 1, stdout: "" }));
    return valuesFrom(r.code, r.stdout);
}

/** The m365-mfa:* values of the stack's config file, or undefined when only the engine can tell them. */
export function plainConnectionValues(options: StackOptions, cwd: string = process.cwd()): Record<string, string> | undefined {
    const stack = options.stack;
    if (!stack) return undefined;
    const read = (file: string): any => {
        try {
            return YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
        } catch {
            return undefined;
        }
    };
    const doc = read(options.configFile ?? path.join(cwd, `Pulumi.${stack.split("/").pop()}.yaml`));
    const project = read(path.join(cwd, "Pulumi.yaml"));
    if (!doc || typeof doc !== "object" || doc.environment !== undefined) return undefined;
    if (project && typeof project.config === "object" && Object.keys(project.config ?? {}).some((k) => k.startsWith("m365-mfa:")))
        return undefined;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries((doc.config ?? {}) as Record<string, unknown>)) {
        if (!k.startsWith("m365-mfa:")) continue;
        if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
            values[k.slice("m365-mfa:".length)] = String(v);
        } else if (v && typeof v === "object" && "secure" in v) {
            return undefined; // a secret: only the engine decrypts it
        }
    }
    return values;
}

/** The m365-mfa:* values of `pulumi config --json --show-secrets` output (none when it failed). */
function valuesFrom(code: number, stdout: string): Record<string, string | undefined> {
    const values: Record<string, string | undefined> = {};
    if (code === 0) {
        try {
            for (const [k, v] of Object.entries(JSON.parse(stdout) as Record<string, { value?: unknown }>)) {
                if (k.startsWith("m365-mfa:") && typeof v.value === "string") values[k.slice("m365-mfa:".length)] = v.value;
            }
        } catch {
            // no config: the environment alone
        }
    }
    return values;
}

export async function drift(options: DriftOptions): Promise<number> {
    const started = Date.now();
    const stack = options.stack ?? "stack";
    const dir = options.reportDir ?? ".";
    const values = stackConnectionValues(options);
    // Readiness is not assessed in the drift check's previews (DRIFT_CHECK_ENV): the report does not list it; the repair's pulumi up does.
    const preview = previewJson(options, false, DRIFT_CHECK_ENV);
    // The audit log's connection, signed in while the engine runs (only drift reads it; a failure here is the attribution's to report).
    const clients: Promise<TenantClients> = values.then((v) => {
        const { createTenantClients, mapConfigSource } = readers();
        const c = createTenantClients(mapConfigSource(v));
        c.graph.tokens.getToken().catch(() => undefined);
        return c;
    });
    clients.catch(() => undefined);
    // The Microsoft-managed Conditional Access policies, and who changed them (Microsoft switches them on by itself):
    // best effort, and independent of the stack, so read while the engine runs.
    const managed = clients
        .then((c) => readers().managedPolicies(c))
        .catch((err) => ({
            available: false,
            reason: `no connection to the tenant (${err instanceof Error ? err.message : String(err)})`,
            policies: [],
            changes: [],
        }))
        .finally(() => trace("drift: managed policies read", started));
    const json = await preview;
    trace("drift: preview", started);
    const { driftReport, planFromPreviewJson, driftMarkdown, attribute } = readers();
    let report = driftReport(planFromPreviewJson(json), stack);
    trace("drift: report", started);
    report = { ...report, managed: await managed };
    const write = (r: DriftReport) => {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "drift-report.json"), `${JSON.stringify(r, null, 2)}\n`);
        fs.writeFileSync(path.join(dir, "drift-report.md"), driftMarkdown(r));
    };
    if (report.drifted) {
        // Who changed it, and when: the directory audit log (best effort; the report says why not), read
        // before any repair, so that the repair's own writes are not what the report shows.
        try {
            report = { ...report, attribution: await attribute(report, await clients) };
            trace("drift: attribution", started);
        } catch (err) {
            report = {
                ...report,
                attribution: {
                    available: false,
                    reason: `no connection to the tenant for the audit log (${err instanceof Error ? err.message : String(err)})`,
                    bySetting: {},
                },
            };
        }
    }
    if (report.drifted && options.remediate && report.pending) {
        // pulumi up would apply the unreviewed stack changes too: remediation repairs drift only. The drift found is kept.
        write(report);
        process.stdout.write(driftMarkdown(report));
        const pending = report.settings.filter((s) => s.kind === "pending").length;
        throw new Error(
            `not remediating: the stack also has ${pending} setting${pending === 1 ? "" : "s"} with a change not applied yet ` +
                "(pending), which pulumi up would apply too. " +
                `Apply or revert ${pending === 1 ? "it" : "them"} through review first, then remediate the drift. The drift ` +
                `found is in ${path.join(dir, "drift-report.md")}.`,
        );
    }
    if (report.drifted && options.remediate) {
        // The evidence first: what drifted, who changed it and when, written before anything is repaired.
        report = { ...report, remediation: { startedAt: new Date().toISOString(), outcome: "running" } };
        write(report);
        const drifted = report.settings.filter((s) => s.kind === "drift").length;
        console.error(
            `drift found in ${drifted} setting${drifted === 1 ? "" : "s"} (written to ${path.join(dir, "drift-report.md")}); ` +
                "remediating with pulumi up --refresh",
        );
        const up = await pulumi(["up", "--refresh", "--yes", "--skip-preview", ...stackArgs(options)]);
        const finishedAt = new Date().toISOString();
        if (up.code !== 0) {
            const error = `pulumi up exit ${up.code}`;
            report = { ...report, remediation: { ...report.remediation!, finishedAt, outcome: "failed", error } };
            write(report);
            process.stdout.write(driftMarkdown(report));
            throw new Error(
                `remediation failed (${error}); the drift found is in ${path.join(dir, "drift-report.md")}:\n${up.stderr || up.stdout}`,
            );
        }
        const after = driftReport(planFromPreviewJson(await previewJson(options, false, DRIFT_CHECK_ENV)), stack);
        const remaining = after.settings.filter((s) => s.kind === "drift");
        report = {
            ...report,
            remediation: {
                ...report.remediation!,
                finishedAt,
                outcome: remaining.length ? "drift remains" : "repaired",
                ...(remaining.length ? { remaining } : {}),
            },
        };
    }
    write(report);
    process.stdout.write(driftMarkdown(report));
    trace("drift: report written", started);
    if (report.remediation) return report.remediation.outcome === "repaired" ? EXIT.repaired : EXIT.drifted;
    return report.drifted ? EXIT.drifted : report.pending ? EXIT.pending : EXIT.clean;
}
