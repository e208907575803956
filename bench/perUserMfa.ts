/**
 * npm run bench:per-user-mfa [-- --quick] [-- --only read:10000,change:10000]
 *
 * Per-user MFA at tenant scale against the emulator (in its own process) with realistic latency and
 * Microsoft's documented Graph throttling on. For each scenario it prints: the provider's time
 * (JSON batching, adaptive concurrency), the same work one request at a time (what a PowerShell
 * loop or Microsoft365DSC does), the lower bound the throttling limits allow, and client memory.
 *
 * Throttling model (emulator/throttle.ts, from Microsoft's documentation): per app per tenant,
 * 8,000 resource units per 10 s for a tenant over 500 users (1 unit per requirements call), and
 * 3,000 writes per 150 s; both start full. So the bound for R units and W writes is
 * max((R - 8000) / 800, (W - 3000) / 20) seconds, when positive.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { createTenantClients } from "../client";
import { trustCa } from "../harness/tenant";
import { SettingProvider } from "../providers/framework/adapter";
import { perUserMfa } from "../settings/perUserMfa/setting";

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 80);
const SEQUENTIAL_SAMPLE = 300;
const quick = process.argv.includes("--quick");

interface Emu {
    child: ChildProcess;
    env: Record<string, string>;
    baselineEnv: Record<string, string>;
    dir: string;
}

async function startEmu(users: number): Promise<Emu> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-bench-"));
    const child = spawn(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", path.join(__dirname, "emulatorProcess.ts"), dir, String(users), String(LATENCY_MS), "on"],
        {
            stdio: ["ignore", "pipe", "inherit"],
        },
    );
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

function heapMb(): number {
    (global as any).gc?.();
    return process.memoryUsage().heapUsed / 1024 / 1024;
}

function bound(units: number, writes: number): number {
    return Math.max(0, (units - 8000) / 800, (writes - 3000) / 20);
}

async function upnsOf(env: Record<string, string>, n: number): Promise<string[]> {
    const graph = createTenantClients(undefined, env).graph;
    const out: string[] = [];
    let next: string | undefined = "/users?$select=userPrincipalName&$top=999";
    while (next && out.length < n) {
        const page: any = await graph.get(next);
        out.push(...page.value.map((u: any) => String(u.userPrincipalName).toLowerCase()));
        next = page["@odata.nextLink"];
    }
    return out.slice(0, n);
}

/** One request at a time, as a script loop does; timed on a sample and scaled to n. */
async function sequential(
    env: Record<string, string>,
    upns: string[],
    n: number,
    write: boolean,
): Promise<{ seconds: number; measured: number }> {
    const graph = createTenantClients(undefined, env).graph;
    const sample = upns.slice(0, Math.min(SEQUENTIAL_SAMPLE, upns.length));
    const t0 = Date.now();
    for (const upn of sample) {
        const p = `/users/${encodeURIComponent(upn)}/authentication/requirements`;
        if (write) {
            await graph.patch(p, { perUserMfaState: "enabled" }, { version: "beta" });
        } else {
            await graph.get(p, { version: "beta" });
        }
    }
    const per = (Date.now() - t0) / 1000 / sample.length;
    return { seconds: per * n, measured: sample.length };
}

interface Row {
    scenario: string;
    users: number;
    batched: number;
    sequential: number;
    sequentialMeasured: number;
    bound: number;
    heapMb: number;
    throttled: string;
}

async function readScenario(n: number): Promise<Row> {
    const emu = await startEmu(Math.max(n, 600));
    try {
        const upns = await upnsOf(emu.env, n);
        const targets = Object.fromEntries(upns.map((u) => [u, "enforced" as const]));
        const p = new SettingProvider(perUserMfa, {}, () => createTenantClients(undefined, emu.env));
        const seq = await sequential(emu.baselineEnv, upns, n, false);
        const h0 = heapMb();
        const t0 = Date.now();
        const r = await p.read("bench", { assignments: [{ state: "enforced", groups: ["bench"] }], targets });
        const seconds = (Date.now() - t0) / 1000;
        const counts = (r.props as any).counts;
        if (counts.disabled + counts.enabled + counts.enforced !== n) {
            throw new Error(`read ${JSON.stringify(counts)} for ${n} users`);
        }
        const h1 = heapMb();
        return {
            scenario: "read state",
            users: n,
            batched: seconds,
            sequential: seq.seconds,
            sequentialMeasured: seq.measured,
            bound: bound(n, 0),
            heapMb: h1 - h0,
            throttled: "",
        };
    } finally {
        await stopEmu(emu);
    }
}

async function changeScenario(n: number): Promise<Row> {
    const emu = await startEmu(Math.max(n + SEQUENTIAL_SAMPLE, 600));
    try {
        const all = await upnsOf(emu.env, n + SEQUENTIAL_SAMPLE);
        const upns = all.slice(0, n);
        const targets = Object.fromEntries(upns.map((u) => [u, "enforced" as const]));
        // The baseline writes to users outside the measured set, so both start from the same state.
        const seq = await sequential(emu.baselineEnv, all.slice(n), n, true);
        const p = new SettingProvider(perUserMfa, { verifyDelayMs: 200 }, () => createTenantClients(undefined, emu.env));
        const h0 = heapMb();
        const t0 = Date.now();
        await p.create({ assignments: [{ state: "enforced", groups: ["bench"] }], targets });
        const seconds = (Date.now() - t0) / 1000;
        const h1 = heapMb();
        // create = read n + write n + re-read n: 3n resource units and n writes for the provider's app.
        return {
            scenario: "change state",
            users: n,
            batched: seconds,
            sequential: seq.seconds,
            sequentialMeasured: seq.measured,
            bound: bound(3 * n, n),
            heapMb: h1 - h0,
            throttled: "",
        };
    } finally {
        await stopEmu(emu);
    }
}

function table(rows: Row[]): string {
    const lines = [
        `Per-user MFA against the emulator: ${LATENCY_MS} ms latency per HTTP request, Graph throttling on (8,000 RU/10 s, ` +
            "3,000 writes/150 s per app per tenant).",
        "",
        "| scenario | users | m365-mfa (s) | one at a time (s) | speed-up | throttling bound (s) | m365-mfa / bound | client " +
            "heap growth (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ];
    for (const r of rows) {
        const ratio = r.bound > 1 ? (r.batched / r.bound).toFixed(2) : "n/a (under the burst)";
        lines.push(
            `| ${r.scenario} | ${r.users.toLocaleString("en")} | ${r.batched.toFixed(1)} | ${r.sequential.toFixed(0)} ` +
                `(measured on ${r.sequentialMeasured}) | ${(r.sequential / r.batched).toFixed(1)}x | ${r.bound.toFixed(1)} | ` +
                `${ratio} | ${r.heapMb.toFixed(1)} |`,
        );
    }
    return lines.join("\n");
}

async function main() {
    const rows: Row[] = [];
    const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1].split(",") : undefined;
    const pick = (kind: string, ns: number[]) => (only ? ns.filter((n) => only.includes(`${kind}:${n}`)) : ns);
    const reads = pick("read", quick ? [1000] : [1000, 10_000, 50_000]);
    const changes = pick("change", quick ? [1000] : [1000, 10_000]);
    for (const n of reads) {
        console.error(`read ${n}...`);
        rows.push(await readScenario(n));
        console.error(table(rows));
    }
    for (const n of changes) {
        console.error(`change ${n}...`);
        rows.push(await changeScenario(n));
        console.error(table(rows));
    }
    const out = table(rows);
    console.log(out);
    fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
    fs.writeFileSync(path.join(__dirname, "results", `per-user-mfa${quick ? "-quick" : only ? "-partial" : ""}.md`), `${out}\n`);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
