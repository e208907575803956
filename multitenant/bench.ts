/**
 * Tenants per minute for the local runner: N emulated tenants in one emulator, one baseline
 * (security defaults + modern authentication: Graph and Exchange, no azuread plugin), applied once,
 * then a no-change preview and a drift check over all of them; wall time, tenants per minute, and
 * the peak resident memory of this process and of the whole process tree (engine, language hosts,
 * providers) sampled from /proc.
 *
 *   node -r ts-node/register/transpile-only multitenant/bench.ts [tenants=1,10,50] [parallel=4]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PULUMI_BIN_DIR, PulumiWorkspace, copyProject } from "../harness/engine";
import { startTrustedEmulator } from "../harness/tenant";
import { APPS } from "@m365-mfa/emulator";
import { type Operation, runBaseline } from "./run";
import { validateTenantsFile } from "./tenants";

function treeRssMb(root: number): number {
    const kids = new Map<number, number[]>();
    let total = 0;
    for (const d of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(d)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)]);
        } catch {}
    }
    const walk = (pid: number) => {
        try {
            const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
            total += m ? Number(m[1]) : 0;
        } catch {}
        for (const k of kids.get(pid) ?? []) walk(k);
    };
    walk(root);
    return total / 1024;
}

async function main() {
    const sizes = (process.argv[2] ?? "1,10,50").split(",").map(Number);
    const parallel = Number(process.argv[3] ?? 4);
    const rows: string[] = [];
    for (const n of sizes) {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-bench-mt-"));
        const emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        try {
            const ids = [emu.defaultTenant().tenantId];
            while (ids.length < n) ids.push(emu.store.addTenant(`Tenant ${ids.length} (emulated)`).tenantId);
            const tenants = ids.map((id, i) => {
                process.env[`BENCH_SECRET_${i}`] = emu.app(APPS.provider, id).secret;
                return {
                    name: `t${i}`,
                    tenantId: id,
                    clientId: emu.app(APPS.provider, id).appId,
                    clientSecretEnv: `BENCH_SECRET_${i}`,
                    authorityHost: emu.origin,
                    graphEndpoint: emu.origin,
                    exchangeEndpoint: emu.origin,
                };
            });
            const plans = validateTenantsFile({
                baseline: { securityDefaults: { enabled: true }, modernAuthentication: { enabled: true } },
                tenants,
            }).tenants;
            const projectDir = copyProject(path.join(tmp, "project"));
            const ws = new PulumiWorkspace({ projectDir, workDir: path.join(tmp, "work"), env: { NODE_EXTRA_CA_CERTS: emu.caCertPath } });
            const run = async (operation: Operation) => {
                let peak = 0;
                const timer = setInterval(() => (peak = Math.max(peak, treeRssMb(process.pid))), 250);
                const started = Date.now();
                const results = await runBaseline(plans, undefined, {
                    projectDir,
                    operation,
                    parallel,
                    stateDir: path.join(tmp, "work", "stacks"),
                    env: ws.environment(),
                    pulumiRoot: path.dirname(PULUMI_BIN_DIR),
                });
                clearInterval(timer);
                const seconds = (Date.now() - started) / 1000;
                const bad = results.filter((r) => !["changed", "unchanged", "clean"].includes(r.status));
                if (bad.length) throw new Error(`${operation}: ${bad.map((r) => `${r.tenant} ${r.status} ${r.error ?? ""}`).join("; ")}`);
                const perTenant = results.reduce((s, r) => s + r.seconds, 0) / results.length;
                const row =
                    `| ${n} | ${operation} | ${parallel} | ${seconds.toFixed(1)} | ${((n / seconds) * 60).toFixed(1)} | ` +
                    `${perTenant.toFixed(1)} | ${peak.toFixed(0)} | ${(process.memoryUsage().rss / 1048576).toFixed(0)} |`;
                console.log(row);
                rows.push(row);
            };
            await run("up");
            await run("preview");
            await run("drift");
        } finally {
            await emu.stop();
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    }
    console.log(
        [
            "",
            "| tenants | operation | parallel | wall s | tenants/min | s per tenant | peak RSS, process tree MB | runner RSS MB |",
            "|---:|---|---:|---:|---:|---:|---:|---:|",
            ...rows,
        ].join("\n"),
    );
}

main().then(
    () => process.exit(0),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);
