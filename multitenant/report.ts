/**
 * Per-tenant results and the roll-up over all tenants (Markdown and JSON): which tenants changed,
 * drifted, have pending changes or failed (with the reason in full), which settings, how many users.
 * The roll-up is the same whether the tenants ran on one machine (`multi-tenant`) or one per job of a
 * GitHub Actions matrix (`multi-tenant-report` combines the jobs' results).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type DriftReport, driftMarkdown, num } from "../pipelines/drift";

export type TenantStatus = "unchanged" | "changed" | "clean" | "drifted" | "pending" | "failed";

export interface TenantResult {
    tenant: string;
    tenantId: string;
    stack: string;
    operation: "preview" | "up" | "drift";
    /**
     * preview/up: changed | unchanged; drift: clean | drifted (someone changed the tenant) | pending
     * (the stack has changes not applied yet); any operation: failed (see error).
     */
    status: TenantStatus;
    /** Resource operations, e.g. { create: 2, update: 1, same: 3 }. */
    changes: Record<string, number>;
    /** The settings that change (preview), or that drifted or are pending (drift), with their users. */
    settings: { name: string; title: string; kind: string; fields: string[]; users: number }[];
    /** Users whose state changes (preview) or differs (drift), over all settings. */
    users: number;
    seconds: number;
    /** Why it failed, in full (never a secret or token). */
    error?: string;
    /** The drift report (drift), as `m365-mfa drift` writes it. */
    drift?: DriftReport;
}

export interface RollUp {
    operation: string;
    generatedAt: string;
    tenants: number;
    counts: Record<TenantStatus, number>;
    /** What the run's exit code is: 1 a tenant failed, 2 a tenant drifted, 3 only pending, 0 otherwise. */
    exitCode: number;
    results: Omit<TenantResult, "drift">[];
}

const STATUSES: TenantStatus[] = ["failed", "drifted", "pending", "changed", "clean", "unchanged"];

export function rollUp(results: TenantResult[], operation?: string): RollUp {
    const counts = Object.fromEntries(STATUSES.map((s) => [s, results.filter((r) => r.status === s).length])) as Record<
        TenantStatus,
        number
    >;
    const exitCode = counts.failed ? 1 : counts.drifted ? 2 : counts.pending ? 3 : 0;
    const ops = [...new Set(results.map((r) => r.operation))];
    return {
        operation: operation ?? ops.join(", "),
        generatedAt: new Date().toISOString(),
        tenants: results.length,
        counts,
        exitCode,
        results: results.map(({ drift: _d, ...r }) => r),
    };
}

function esc(s: string): string {
    return s.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

function fence(text: string): string[] {
    const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
    const f = "`".repeat(longest + 1);
    return [f, text, f];
}

/**
 * The roll-up as Markdown (a job summary, a PR comment, an issue): totals, a row per tenant, then what drifted, then every failure in full.
 */
export function rollUpMarkdown(r: RollUp): string {
    const c = r.counts;
    const parts = STATUSES.filter((s) => c[s]).map((s) => `${c[s]} ${s}`);
    const out = [
        `# m365-mfa ${r.operation}: ${r.tenants} tenant${r.tenants === 1 ? "" : "s"}`,
        "",
        `${parts.join(" · ") || "no tenants"}. Generated ${r.generatedAt}.`,
        "",
        "| tenant | stack | result | settings | users | seconds |",
        "|---|---|---|---|---:|---:|",
    ];
    const order = (s: TenantStatus) => STATUSES.indexOf(s);
    const rows = [...r.results].sort((a, b) => order(a.status) - order(b.status) || a.tenant.localeCompare(b.tenant));
    for (const t of rows) {
        const settings = t.settings.map((s) => `${s.title} (${s.kind})`).join(", ") || (t.status === "failed" ? "see below" : "-");
        out.push(`| ${esc(t.tenant)} | ${esc(t.stack)} | ${t.status} | ${esc(settings)} | ${num(t.users)} | ${t.seconds.toFixed(1)} |`);
    }
    const drifted = rows.filter((t) => t.status === "drifted" || t.status === "pending");
    if (drifted.length) {
        out.push("", "## Drift and pending changes", "");
        for (const t of drifted) {
            out.push(`### ${t.tenant} (\`${t.stack}\`): ${t.status}`, "", "| setting | kind | fields | users |", "|---|---|---|---:|");
            for (const s of t.settings)
                out.push(`| ${esc(s.title)} (\`${esc(s.name)}\`) | ${s.kind} | ${esc(s.fields.join(", ") || "-")} | ${num(s.users)} |`);
            out.push("");
        }
    }
    const failed = rows.filter((t) => t.status === "failed");
    if (failed.length) {
        out.push("", "## Failed", "");
        for (const t of failed) out.push(`### ${t.tenant} (\`${t.stack}\`)`, "", ...fence(t.error ?? "(no reason given)"), "");
    }
    return `${out.join("\n").trimEnd()}\n`;
}

/** Fixed-width table for a terminal: a row per tenant, then the failures in full. */
export function resultTable(results: TenantResult[]): string {
    const rows = results.map((r) => [
        r.tenant,
        r.stack,
        r.status,
        Object.entries(r.changes)
            .filter(([k, n]) => n && k !== "same")
            .map(([k, n]) => `${k} ${n}`)
            .join(", ") || "-",
        r.settings.map((s) => `${s.name}(${s.kind}${s.users ? ` ${s.users} users` : ""})`).join(", ") || "-",
        r.seconds.toFixed(1),
    ]);
    const head = ["TENANT", "STACK", "RESULT", "CHANGES", "SETTINGS", "SECONDS"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (c: string[]) =>
        c
            .map((x, i) => x.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    const u = rollUp(results);
    const summary = STATUSES.filter((s) => u.counts[s])
        .map((s) => `${u.counts[s]} ${s}`)
        .join(", ");
    const ok = results.filter((r) => r.status !== "failed").length;
    const errors = results.filter((r) => r.error).flatMap((r) => ["", `${r.tenant} failed:`, ...r.error!.split("\n").map((l) => `  ${l}`)]);
    return [line(head), ...rows.map(line), "", `${ok} of ${results.length} tenants succeeded (${summary})`, ...errors].join("\n");
}

/** Writes summary.md, summary.json and, per tenant, tenants/<name>.json (its result) and tenants/<name>.md (its drift report). */
export function writeReports(dir: string, summary: RollUp, results: TenantResult[]): void {
    fs.mkdirSync(path.join(dir, "tenants"), { recursive: true });
    fs.writeFileSync(path.join(dir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    fs.writeFileSync(path.join(dir, "summary.md"), rollUpMarkdown(summary));
    for (const r of results) {
        fs.writeFileSync(path.join(dir, "tenants", `${r.tenant}.json`), `${JSON.stringify(r, null, 2)}\n`);
        if (r.drift) fs.writeFileSync(path.join(dir, "tenants", `${r.tenant}.md`), driftMarkdown(r.drift));
    }
}

/**
 * The results of many runs (e.g. each matrix job's report directory, downloaded into one folder):
 * every tenants/<name>.json under `dir`. A tenant found twice is an error (two jobs ran it).
 */
export function collectResults(dir: string): TenantResult[] {
    const files: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".json") && path.basename(d) === "tenants") files.push(p);
        }
    };
    walk(dir);
    const seen = new Map<string, string>();
    const results: TenantResult[] = [];
    for (const f of files.sort()) {
        const r = JSON.parse(fs.readFileSync(f, "utf8")) as TenantResult;
        if (typeof r.tenant !== "string" || typeof r.status !== "string")
            throw new Error(`${f} is not a tenant result of m365-mfa multi-tenant`);
        if (seen.has(r.tenant)) throw new Error(`tenant ${r.tenant} has two results: ${seen.get(r.tenant)} and ${f}`);
        seen.set(r.tenant, f);
        results.push(r);
    }
    return results;
}

export interface ReportCommandOptions {
    /** Where the runs' report directories are (searched for tenants/<name>.json). */
    from: string;
    /** Where summary.md and summary.json go (default: stdout only). */
    outDir?: string;
    /** Tenant names that must have a result (e.g. every tenant of the tenants file): a missing one counts as failed. */
    expect?: string[];
    json?: boolean;
}

/** `m365-mfa multi-tenant-report`: the roll-up of many runs; exit code as multi-tenant's over all of them. */
export function reportCommand(options: ReportCommandOptions, out: (s: string) => void = (s) => process.stdout.write(s)): number {
    const results = collectResults(options.from);
    for (const name of options.expect ?? []) {
        if (!results.some((r) => r.tenant === name)) {
            results.push({
                tenant: name,
                tenantId: "",
                stack: "",
                operation: (results[0]?.operation ?? "preview") as TenantResult["operation"],
                status: "failed",
                changes: {},
                settings: [],
                users: 0,
                seconds: 0,
                error: "no result: its job did not run or did not upload its report",
            });
        }
    }
    const summary = rollUp(results);
    if (options.outDir) {
        fs.mkdirSync(options.outDir, { recursive: true });
        fs.writeFileSync(path.join(options.outDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
        fs.writeFileSync(path.join(options.outDir, "summary.md"), rollUpMarkdown(summary));
    }
    out(options.json ? `${JSON.stringify(summary, null, 2)}\n` : rollUpMarkdown(summary));
    return summary.exitCode;
}
