/**
 * npm run bench:per-user-mfa-list [-- --only 10000,50000] [-- --export]
 *
 * With --export: the adoption export of per-user MFA (settings/perUserMfa/export.ts, `m365-mfa export
 * --include perUserMfa`) instead, side by side in one run: as the list-read app by default (the list, as the
 * preview reads it) and with M365_MFA_PER_USER_READ=batch as the least-privilege provider app, which is the
 * export as it was before it took the list (the user list's pages, then one $batch item per user). Results
 * in bench/results/per-user-mfa-export.md.
 *
 * Issue #27: reading the per-user MFA state of every user of a tenant, three ways side by side in one
 * run against the emulator (its own process, 80 ms latency per HTTP request, Graph throttling on, a
 * tenant that serves perUserMfaState on the user list):
 * - list: the provider's read as it runs by default (M365_MFA_PER_USER_READ unset: auto), as an app that
 *   holds the fast path's documented permissions: the provider app's plus Directory.Read.All
 *   (bench/emulatorProcess.ts addListReadApp). Since fdaa968 the list's states are used only where the
 *   directory audit log can be read (per-user MFA changes of the last hour), and directoryaudit-list needs
 *   AuditLog.Read.All and Directory.Read.All (microsoft-graph-docs-contrib
 *   api-reference/v1.0/includes/permissions/directoryaudit-list-permissions.md); the least-privilege provider app lacks the
 *   second and reads every user per user. Its requests, one after the other: GET /users/$count (auto weighs
 *   the list's pages against $batch requests), the audit read (one page for a quiet hour), then the list's
 *   pages (GET /v1.0/users?$select=userPrincipalName,perUserMfaState&$top=999). The read must report the
 *   list path with nobody read again (the trace's "PerUserMfa read" line), else the benchmark fails;
 * - batched: the same read as the least-privilege provider app with M365_MFA_PER_USER_READ=batch ($batch
 *   of 20 authentication/requirements GETs, adaptive concurrency);
 * - one at a time: a script loop of authentication/requirements GETs, timed on a sample and scaled.
 * The tenant is converged (every target has the state the tenant has: a refresh, a drift check, a
 * no-change preview), so the list read confirms nobody through the per-user route. Each read starts
 * with its app's token already fetched (as mid-preview); timings are of the provider's read. The two
 * reads run as different apps, so each starts with its own resource-unit buckets full.
 *
 * Bounds: the list path's requests one after the other, (1 count + 1 audit read + ceil(users / 999)
 * pages) x latency (a page is 1 resource unit: GET users 2, $select -1; far under 8,000 units per 10 s,
 * so no throttling); the batched read, one unit per user against 8,000 units per 10 s (both buckets start
 * full): max(0, (users - 8000) / 800) s. The 1-minute load average (uptime) is printed beside each row.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { createTenantClients } from "../client";
import { trustCa } from "../harness/tenant";
import { type PerUserMfaState, perUserMfa } from "../settings/perUserMfa/setting";
import { readStates } from "../settings/perUserMfa/states";
import { forgetAuditSupport, forgetListSupport } from "../settings/perUserMfa/listRead";
import { exportMember } from "../settings/perUserMfa/export";
import { exportContext } from "../providers/framework/exportContext";

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 80);
const SEQUENTIAL_SAMPLE = 100;

interface Emu {
    child: ChildProcess;
    env: Record<string, string>;
    listReadEnv: Record<string, string>;
    baselineEnv: Record<string, string>;
    dir: string;
}

async function startEmu(users: number): Promise<Emu> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-bench-list-"));
    const child = spawn(
        process.execPath,
        [
            "-r",
            "ts-node/register/transpile-only",
            path.join(__dirname, "emulatorProcess.ts"),
            dir,
            String(users),
            String(LATENCY_MS),
            "on",
            "served",
            // The directory audit log takes `or` (TenantState.auditOrFilter), so the recent changes are one request, as the
            // bound below counts them; refused (the emulator's default), they are one 400 and then one query per activity.
            "accepted",
        ],
        {
            stdio: ["ignore", "pipe", "inherit"],
        },
    );
    const line = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`emulator exited ${code}`)));
    });
    const { env, listReadEnv, baselineEnv } = JSON.parse(line);
    trustCa(env.NODE_EXTRA_CA_CERTS);
    return { child, env, listReadEnv, baselineEnv, dir };
}

async function stopEmu(e: Emu) {
    e.child.kill("SIGTERM");
    await new Promise((r) => e.child.once("exit", r));
    fs.rmSync(e.dir, { recursive: true, force: true });
}

/** Every user's principal name and state, read as the portal app (so the provider app's limits start full). */
async function tenantStates(env: Record<string, string>): Promise<Record<string, "disabled" | "enabled" | "enforced">> {
    const graph = createTenantClients(undefined, env).graph;
    const out: Record<string, any> = {};
    let next: string | undefined = "/users?$select=userPrincipalName,perUserMfaState&$top=999";
    while (next) {
        const page: any = await graph.get(next);
        for (const u of page.value) out[String(u.userPrincipalName).toLowerCase()] = u.perUserMfaState;
        next = page["@odata.nextLink"];
    }
    return out;
}

/**
 * The phases of the provider's read it traced ("PerUserMfa read" with a phase; the operation's own line has none; client/trace.ts: names
 * and counts only).
 */
function tracedReads(file: string): { path: string; pages: number; confirmed: number; users: number }[] {
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l))
        .filter((e) => e.what === "PerUserMfa read" && e.phase !== undefined);
}

async function timedRead(
    env: Record<string, string>,
    mode: "auto" | "batch",
    targets: Record<string, string>,
): Promise<{ seconds: number; heapMb: number; pages: number }> {
    if (mode === "auto") delete process.env.M365_MFA_PER_USER_READ;
    else process.env.M365_MFA_PER_USER_READ = mode;
    forgetListSupport();
    forgetAuditSupport();
    const traceFile = path.join(os.tmpdir(), `m365-mfa-bench-list-trace-${process.pid}-${mode}.jsonl`);
    fs.rmSync(traceFile, { force: true });
    process.env.M365_MFA_TRACE = traceFile;
    // The provider's clients with their token already fetched, as in a preview (the read is not its first call).
    const clients = createTenantClients(undefined, env);
    await clients.graph.tokens.getToken();
    (global as any).gc?.();
    const h0 = process.memoryUsage().heapUsed;
    const t0 = Date.now();
    let r: any;
    try {
        // The provider's read of these users (its targets resolved: since issue #27 a refresh resolves them from the
        // assignments first, which this bench does not measure), as a preview's check and a refresh read them.
        const { live } = await readStates(clients, Object.keys(targets), {}, undefined, {
            phase: "read",
            progress: "Per-user MFA: reading users:",
            targets: targets as Record<string, PerUserMfaState>,
        });
        r = { props: perUserMfa.stored!({} as any, { ...live, resolvedTargets: targets as Record<string, PerUserMfaState> }) };
    } finally {
        delete process.env.M365_MFA_TRACE;
    }
    const seconds = (Date.now() - t0) / 1000;
    const h1 = process.memoryUsage().heapUsed;
    const counts = (r.props as any).counts;
    const n = Object.keys(targets).length;
    if (counts.disabled + counts.enabled + counts.enforced !== n || Object.keys((r.props as any).observed).length !== 0) {
        throw new Error(
            `${mode}: read ${JSON.stringify(counts)} for ${n} users, ${Object.keys((r.props as any).observed).length} differing`,
        );
    }
    // The path the read took, from its trace: a list read that fell back (or read users again) is not the list path.
    const reads = tracedReads(traceFile);
    fs.rmSync(traceFile, { force: true });
    const want = mode === "auto" ? "list" : "batch";
    if (reads.length !== 1 || reads[0].path !== want || reads[0].confirmed !== 0 || reads[0].users !== n) {
        throw new Error(
            `${mode}: expected one ${want} read of ${n} users with nobody read again, the trace shows ${JSON.stringify(reads)}`,
        );
    }
    return { seconds, heapMb: (h1 - h0) / 1024 / 1024, pages: reads[0].pages };
}

async function oneAtATime(env: Record<string, string>, upns: string[]): Promise<number> {
    const graph = createTenantClients(undefined, env).graph;
    const sample = upns.slice(0, SEQUENTIAL_SAMPLE);
    const t0 = Date.now();
    for (const upn of sample) await graph.get(`/users/${encodeURIComponent(upn)}/authentication/requirements`, { version: "beta" });
    return ((Date.now() - t0) / 1000 / sample.length) * upns.length;
}

interface Row {
    users: number;
    pages: number;
    list: number;
    listBound: number;
    batched: number;
    batchedBound: number;
    sequential: number;
    listHeapMb: number;
    batchedHeapMb: number;
    /** 1-minute load average before and after the scenario (os.loadavg, as uptime shows it). */
    load: [number, number];
}

async function scenario(n: number): Promise<Row> {
    const load0 = os.loadavg()[0];
    const emu = await startEmu(n);
    try {
        const targets = await tenantStates(emu.baselineEnv);
        if (Object.keys(targets).length !== n) throw new Error(`the tenant has ${Object.keys(targets).length} users, not ${n}`);
        // The list path as the app with the fast path's permissions; the batched path as the least-privilege provider app.
        const list = await timedRead(emu.listReadEnv, "auto", targets);
        const pages = list.pages;
        if (pages !== Math.ceil(n / 999)) throw new Error(`the list read took ${pages} pages for ${n} users, not ${Math.ceil(n / 999)}`);
        const batched = await timedRead(emu.env, "batch", targets);
        const sequential = await oneAtATime(emu.baselineEnv, Object.keys(targets));
        return {
            users: n,
            pages,
            list: list.seconds,
            // The count, the audit read and the pages, one after the other.
            listBound: ((pages + 2) * LATENCY_MS) / 1000,
            batched: batched.seconds,
            batchedBound: Math.max(0, (n - 8000) / 800),
            sequential,
            listHeapMb: list.heapMb,
            batchedHeapMb: batched.heapMb,
            load: [load0, os.loadavg()[0]],
        };
    } finally {
        await stopEmu(emu);
        delete process.env.M365_MFA_PER_USER_READ;
    }
}

function table(rows: Row[]): string {
    const lines = [
        `Per-user MFA read of every user (a converged tenant), against the emulator: ${LATENCY_MS} ms latency per HTTP ` +
            "request, Graph throttling on (8,000 RU/10 s per app per tenant), a tenant serving perUserMfaState on the user list; " +
            "one run, side by side. " +
            "List: the default (auto) read as an app holding the provider's permissions plus Directory.Read.All (the " +
            "directory audit log's, which the list's states need since fdaa968); batched: M365_MFA_PER_USER_READ=batch as " +
            "the least-privilege provider app. " +
            `Machine: ${os.cpus().length} cores, Node.js ${process.version}.`,
        "",
        "| users | list (s) | list bound: (count + audit read + pages) x latency (s) | list / bound | batched (s) | batched " +
            "bound: throttling (s) | one at a time (s) | batched / list | one at a time / list | heap growth list / batched (MB) " +
            "| load (1 min, start-end) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ];
    for (const r of rows) {
        lines.push(
            `| ${r.users.toLocaleString("en")} | ${r.list.toFixed(2)} | ${r.listBound.toFixed(2)} (1 + 1 + ${r.pages} pages) ` +
                `| ${(r.list / r.listBound).toFixed(2)} | ${r.batched.toFixed(1)} | ${r.batchedBound.toFixed(1)} | ` +
                `${r.sequential.toFixed(0)} (measured on ${SEQUENTIAL_SAMPLE}) | ${(r.batched / r.list).toFixed(1)}x | ` +
                `${(r.sequential / r.list).toFixed(0)}x | ${r.listHeapMb.toFixed(1)} / ${r.batchedHeapMb.toFixed(1)} | ` +
                `${r.load[0].toFixed(1)}-${r.load[1].toFixed(1)} |`,
        );
    }
    return lines.join("\n");
}

/** The export of per-user MFA, timed, with the read path it took (its trace line) and how many users it exported. */
async function timedExport(
    env: Record<string, string>,
    mode: "auto" | "batch",
): Promise<{ seconds: number; path: string; pages: number; users: number }> {
    if (mode === "auto") delete process.env.M365_MFA_PER_USER_READ;
    else process.env.M365_MFA_PER_USER_READ = mode;
    forgetListSupport();
    forgetAuditSupport();
    const traceFile = path.join(os.tmpdir(), `m365-mfa-bench-export-trace-${process.pid}-${mode}.jsonl`);
    fs.rmSync(traceFile, { force: true });
    process.env.M365_MFA_TRACE = traceFile;
    const clients = createTenantClients(undefined, env);
    await clients.graph.tokens.getToken();
    const t0 = Date.now();
    let value: Awaited<ReturnType<typeof exportMember>>;
    try {
        value = await exportMember(exportContext(clients, { warnings: [] }));
    } finally {
        delete process.env.M365_MFA_TRACE;
    }
    const seconds = (Date.now() - t0) / 1000;
    const line = fs.existsSync(traceFile)
        ? fs
              .readFileSync(traceFile, "utf8")
              .split("\n")
              .filter((l) => l.trim())
              .map((l) => JSON.parse(l))
              .find((e) => e.what === "PerUserMfa export read")
        : undefined;
    fs.rmSync(traceFile, { force: true });
    const want = mode === "auto" ? "list" : "batch";
    if (line?.path !== want) throw new Error(`export ${mode}: expected the ${want} path, the trace shows ${JSON.stringify(line)}`);
    return { seconds, path: line.path, pages: line.pages, users: (value?.assignments ?? []).reduce((n, a) => n + a.users.length, 0) };
}

async function exportRows(sizes: number[]): Promise<string> {
    const lines = [
        `Per-user MFA adoption export (settings/perUserMfa/export.ts) of every user, against the emulator: ${LATENCY_MS} ms ` +
            "latency per HTTP request, Graph throttling on, a tenant serving perUserMfaState on the user list; one run, side by " +
            "side. " +
            "List: the default (auto) as an app holding the provider's permissions plus Directory.Read.All; batched (the " +
            "export before it took the list): M365_MFA_PER_USER_READ=batch as the least-privilege provider app. " +
            `Machine: ${os.cpus().length} cores, Node.js ${process.version}.`,
        "",
        "| users | exported (enabled + enforced) | list (s) | list pages | batched (s) | batched / list | load (1 min, start-end) |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ];
    for (const n of sizes) {
        console.error(`export ${n}...`);
        const load0 = os.loadavg()[0];
        const emu = await startEmu(n);
        try {
            const list = await timedExport(emu.listReadEnv, "auto");
            const batched = await timedExport(emu.env, "batch");
            if (list.users !== batched.users) throw new Error(`the two exports differ: ${list.users} users against ${batched.users}`);
            lines.push(
                `| ${n.toLocaleString("en")} | ${list.users.toLocaleString("en")} | ${list.seconds.toFixed(2)} | ` +
                    `${list.pages} | ${batched.seconds.toFixed(1)} | ${(batched.seconds / list.seconds).toFixed(1)}x | ` +
                    `${load0.toFixed(1)}-${os.loadavg()[0].toFixed(1)} |`,
            );
            console.error(lines.join("\n"));
        } finally {
            await stopEmu(emu);
            delete process.env.M365_MFA_PER_USER_READ;
        }
    }
    return lines.join("\n");
}

async function main() {
    const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1].split(",").map(Number) : undefined;
    const sizes = only ?? [10_000, 50_000];
    if (process.argv.includes("--export")) {
        const out = await exportRows(sizes);
        console.log(out);
        fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
        fs.writeFileSync(path.join(__dirname, "results", `per-user-mfa-export${only ? "-partial" : ""}.md`), `${out}\n`);
        return;
    }
    const rows: Row[] = [];
    for (const n of sizes) {
        console.error(`read ${n}...`);
        rows.push(await scenario(n));
        console.error(table(rows));
    }
    const out = table(rows);
    console.log(out);
    fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
    fs.writeFileSync(path.join(__dirname, "results", `per-user-mfa-list${only ? "-partial" : ""}.md`), `${out}\n`);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
