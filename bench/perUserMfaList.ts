/**
 * npm run bench:per-user-mfa-list [-- --only 10000,50000]
 *
 * Issue #27: reading the per-user MFA state of every user of a tenant, three ways side by side in one
 * run against the emulator (its own process, 80 ms latency per HTTP request, Graph throttling on, a
 * tenant that serves perUserMfaState on the user list):
 * - list: the provider's read with M365_MFA_PER_USER_READ=list (GET /v1.0/users?$select=id,
 *   userPrincipalName,perUserMfaState&$top=999, one page after the other);
 * - batched: the same read with M365_MFA_PER_USER_READ=batch ($batch of 20 authentication/requirements
 *   GETs, adaptive concurrency);
 * - one at a time: a script loop of authentication/requirements GETs, timed on a sample and scaled.
 * The tenant is converged (every target has the state the tenant has: a refresh, a drift check, a
 * no-change preview), so the list read confirms nobody through the per-user route. Each read starts
 * with the provider app's token already fetched (as mid-preview); timings are of the provider's read.
 *
 * Bounds: the list's pages one after the other, ceil(users / 999) x latency (1 resource unit a page:
 * GET users 2, $select -1; far under 8,000 units per 10 s, so no throttling); the batched read, one unit
 * per user against 8,000 units per 10 s (both buckets start full): max(0, (users - 8000) / 800) s.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { createTenantClients } from "../client";
import { trustCa } from "../harness/tenant";
import { SettingProvider } from "../providers/framework/adapter";
import { perUserMfa } from "../settings/perUserMfa/setting";
import { forgetListSupport } from "../settings/perUserMfa/listRead";

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 80);
const SEQUENTIAL_SAMPLE = 100;

interface Emu {
    child: ChildProcess;
    env: Record<string, string>;
    baselineEnv: Record<string, string>;
    dir: string;
}

async function startEmu(users: number): Promise<Emu> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-bench-list-"));
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "emulatorProcess.ts"), dir, String(users), String(LATENCY_MS), "on", "served"], {
        stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`emulator exited ${code}`)));
    });
    const { env, baselineEnv } = JSON.parse(line);
    trustCa(env.NODE_EXTRA_CA_CERTS);
    return { child, env, baselineEnv, dir };
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

async function timedRead(env: Record<string, string>, mode: "list" | "batch", targets: Record<string, string>): Promise<{ seconds: number; heapMb: number }> {
    process.env.M365_MFA_PER_USER_READ = mode;
    forgetListSupport();
    // The provider's clients with their token already fetched, as in a preview (the read is not its first call).
    const clients = createTenantClients(undefined, env);
    await clients.graph.tokens.getToken();
    const p = new SettingProvider(perUserMfa, {}, () => clients);
    (global as any).gc?.();
    const h0 = process.memoryUsage().heapUsed;
    const t0 = Date.now();
    const r = await p.read("bench", { assignments: [{ state: "enforced", groups: ["bench"] }], targets });
    const seconds = (Date.now() - t0) / 1000;
    const h1 = process.memoryUsage().heapUsed;
    const counts = (r.props as any).counts;
    const n = Object.keys(targets).length;
    if (counts.disabled + counts.enabled + counts.enforced !== n || Object.keys((r.props as any).observed).length !== 0) {
        throw new Error(`${mode}: read ${JSON.stringify(counts)} for ${n} users, ${Object.keys((r.props as any).observed).length} differing`);
    }
    return { seconds, heapMb: (h1 - h0) / 1024 / 1024 };
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
}

async function scenario(n: number): Promise<Row> {
    const emu = await startEmu(n);
    try {
        const targets = await tenantStates(emu.baselineEnv);
        if (Object.keys(targets).length !== n) throw new Error(`the tenant has ${Object.keys(targets).length} users, not ${n}`);
        const pages = Math.ceil(n / 999);
        // The list first: the batched read uses up the provider app's resource units (n of them).
        const list = await timedRead(emu.env, "list", targets);
        const batched = await timedRead(emu.env, "batch", targets);
        const sequential = await oneAtATime(emu.baselineEnv, Object.keys(targets));
        return {
            users: n,
            pages,
            list: list.seconds,
            listBound: (pages * LATENCY_MS) / 1000,
            batched: batched.seconds,
            batchedBound: Math.max(0, (n - 8000) / 800),
            sequential,
            listHeapMb: list.heapMb,
            batchedHeapMb: batched.heapMb,
        };
    } finally {
        await stopEmu(emu);
        delete process.env.M365_MFA_PER_USER_READ;
    }
}

function table(rows: Row[]): string {
    const lines = [
        `Per-user MFA read of every user (a converged tenant), against the emulator: ${LATENCY_MS} ms latency per HTTP request, Graph throttling on (8,000 RU/10 s per app per tenant), a tenant serving perUserMfaState on the user list; one run, side by side.`,
        "",
        "| users | list (s) | list bound: pages x latency (s) | list / bound | batched (s) | batched bound: throttling (s) | one at a time (s) | batched / list | one at a time / list | heap growth list / batched (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ];
    for (const r of rows) {
        lines.push(
            `| ${r.users.toLocaleString("en")} | ${r.list.toFixed(2)} | ${r.listBound.toFixed(2)} (${r.pages} pages) | ${(r.list / r.listBound).toFixed(2)} | ${r.batched.toFixed(1)} | ${r.batchedBound.toFixed(1)} | ${r.sequential.toFixed(0)} (measured on ${SEQUENTIAL_SAMPLE}) | ${(r.batched / r.list).toFixed(1)}x | ${(r.sequential / r.list).toFixed(0)}x | ${r.listHeapMb.toFixed(1)} / ${r.batchedHeapMb.toFixed(1)} |`,
        );
    }
    return lines.join("\n");
}

async function main() {
    const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1].split(",").map(Number) : undefined;
    const sizes = only ?? [10_000, 50_000];
    const rows: Row[] = [];
    for (const n of sizes) {
        console.error(`read ${n}...`);
        rows.push(await scenario(n));
        console.error(table(rows));
    }
    const out = table(rows);
    console.log(out);
    fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
    fs.writeFileSync(path.join(__dirname, "results", `per-user-mfa-list${only ? "-partial" : ""}.md`), out + "\n");
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
