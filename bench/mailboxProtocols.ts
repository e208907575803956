/**
 * npm run bench:mailbox-protocols [-- --sizes 5000,50000] [-- --latency 80] [-- --out FILE]
 *
 * Mailbox protocols at tenant scale: POP and IMAP switched off for every mailbox (and CAS mailbox
 * plan) of a tenant of 5,000 and 50,000 mailboxes, through the mailboxProtocols provider against the
 * emulator in its own process, with a fixed latency on every request. For each size it prints the plan
 * (every mailbox read: Get-CASMailbox -ResultSize Unlimited, pages of 1,000; the guard), the apply
 * (one Set-CASMailbox per mailbox, EXCHANGE_CONCURRENCY at a time, then the read that verifies), the
 * check after it (nothing to change), the same writes one at a time (a PowerShell loop, timed on a
 * sample) and the floor the assumed latency and concurrency allow.
 *
 * What is documented and what is assumed:
 * - Exchange Online publishes no rate limit for the admin API that ExchangeOnlineManagement v3 uses
 *   (learn.microsoft.com exchange/clients-and-mobile-in-exchange-online/exchange-online-limits has
 *   none for it; emulator/exchange/rules.ts exchange.throttling: not modelled); the module's own page
 *   (powershell/exchange/exchange-online-powershell-v2) says REST cmdlets retry transient failures.
 *   The emulator therefore does not throttle Exchange, and the numbers are the client's and the
 *   latency's, not Exchange's throttling.
 * - The admin API has no batch: one cmdlet, one mailbox (set-casmailbox takes one -Identity).
 * - Assumed: the latency of one cmdlet (default 80 ms, as the per-user MFA bench assumes for Graph;
 *   real Set-CASMailbox calls are often slower) and 4 cmdlets in flight (EXCHANGE_CONCURRENCY); a 429
 *   or 503 would be waited out by the client's retry policy within the retry budget.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { createTenantClients } from "../client";
import { trustCa } from "../harness/tenant";
import { SettingProvider } from "../providers/framework/adapter";
import { EXCHANGE_CONCURRENCY, mailboxProtocols } from "../settings/mailboxProtocols/setting";

const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
};
/** Members get mailboxes, guests do not (about 97% of seeded users). */
const USERS_PER_MAILBOX = 1.03;
const SEQUENTIAL_SAMPLE = 200;

async function emulatorMain(): Promise<void> {
    const { startEmulator } = require("@m365-mfa/emulator") as typeof import("@m365-mfa/emulator");
    const { APPS } = require("@m365-mfa/emulator") as typeof import("@m365-mfa/emulator");
    const [dir, users, latency] = process.argv.slice(process.argv.indexOf("--emulator") + 1);
    const emu = await startEmulator({
        stateDir: dir,
        faults: { latencyMs: Number(latency) },
        throttling: { enabled: false },
        maxLogEntries: 1000,
    });
    emu.store.seedTenant(emu.defaultTenant().tenantId, Number(users), 42);
    process.stdout.write(
        `${JSON.stringify({
            env: emu.env(APPS.provider),
            baselineEnv: emu.env(APPS.portal),
            mailboxes: emu.defaultTenant().exchange.mailboxes.length,
        })}\n`,
    );
    process.on("SIGTERM", async () => {
        await emu.stop();
        process.exit(0);
    });
}

interface Emu {
    child: ChildProcess;
    env: Record<string, string>;
    baselineEnv: Record<string, string>;
    mailboxes: number;
    dir: string;
}

async function startEmu(users: number, latency: number): Promise<Emu> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-bench-mbx-"));
    const child = spawn(
        process.execPath,
        [
            "--max-old-space-size=4096",
            "-r",
            "ts-node/register/transpile-only",
            __filename,
            "--emulator",
            dir,
            String(users),
            String(latency),
        ],
        {
            stdio: ["ignore", "pipe", "inherit"],
        },
    );
    const line = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`emulator exited ${code}`)));
    });
    const parsed = JSON.parse(line);
    trustCa(parsed.env.NODE_EXTRA_CA_CERTS);
    return { child, dir, ...parsed };
}

async function stopEmu(e: Emu): Promise<void> {
    e.child.kill("SIGTERM");
    await new Promise((r) => e.child.once("exit", r));
    fs.rmSync(e.dir, { recursive: true, force: true });
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

async function run(size: number, latency: number): Promise<string> {
    const started = Date.now();
    const emu = await startEmu(Math.ceil(size * USERS_PER_MAILBOX), latency);
    const seeded = Date.now() - started;
    try {
        const clients = createTenantClients(undefined, emu.env);
        const provider = new SettingProvider(mailboxProtocols, { verifyDelayMs: 200 }, () => clients);
        const inputs = {
            defaults: { pop: false, imap: false },
            maxMailboxChanges: 10_000_000,
            configKey: "m365-mfa:baseline.mailboxProtocols",
        };
        let t = Date.now();
        const checked = await provider.check({}, inputs);
        if (checked.failures?.length) throw new Error(JSON.stringify(checked.failures));
        const plan = Date.now() - t;
        t = Date.now();
        const created = await provider.create(checked.inputs);
        const apply = Date.now() - t;
        if (Object.keys(created.outs.differing ?? {}).length) throw new Error("mailboxes still differ after the apply");
        t = Date.now();
        const again = await provider.check({}, inputs);
        const recheck = Date.now() - t;
        if (Object.keys(again.inputs.planned ?? {}).length) throw new Error("the check after the apply plans changes");
        // One at a time, as a PowerShell loop does (another app, on mailboxes already changed: the cost is the same).
        const portal = createTenantClients(undefined, emu.baselineEnv).exchange;
        const sample = (await portal.invoke("Get-CASMailbox", { ResultSize: SEQUENTIAL_SAMPLE })).map((m) => String(m.PrimarySmtpAddress));
        t = Date.now();
        for (const address of sample) await portal.invoke("Set-CASMailbox", { Identity: address, PopEnabled: true });
        const sequential = ((Date.now() - t) / sample.length) * emu.mailboxes;
        const floor = (emu.mailboxes * latency) / EXCHANGE_CONCURRENCY;
        const row = [
            emu.mailboxes.toLocaleString("en"),
            seconds(plan),
            seconds(apply),
            Math.round(emu.mailboxes / (apply / 1000)).toLocaleString("en"),
            seconds(recheck),
            seconds(sequential),
            seconds(floor),
            `${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`,
            seconds(seeded),
        ];
        console.error(`  ${row.join(" | ")}`);
        return `| ${row.join(" | ")} |`;
    } finally {
        await stopEmu(emu);
    }
}

async function main(): Promise<void> {
    const sizes = (arg("--sizes") ?? "5000,50000").split(",").map(Number);
    const latency = Number(arg("--latency") ?? process.env.BENCH_LATENCY_MS ?? 80);
    const rows: string[] = [];
    for (const size of sizes) {
        console.error(
            `mailbox protocols: ${size.toLocaleString("en")} mailboxes, ${latency} ms per request, ${EXCHANGE_CONCURRENCY} in flight`,
        );
        rows.push(await run(size, latency));
    }
    const text = [
        `Mailbox protocols: POP and IMAP off for every mailbox and CAS mailbox plan; ${latency} ms per request; ` +
            `${EXCHANGE_CONCURRENCY} cmdlets in flight; ${os.cpus().length} cores; ${new Date().toISOString().slice(0, 16)} UTC`,
        "",
        "| mailboxes | plan (read all, guard) s | apply (writes + verify) s | mailboxes/s | check after, no change s | one " +
            "at a time (est.) s | floor: N x latency / concurrency s | client RSS | emulator seed s |",
        "|---|---|---|---|---|---|---|---|---|",
        ...rows,
    ].join("\n");
    console.log(text);
    const out = arg("--out");
    if (out) fs.writeFileSync(out, `${text}\n`);
}

if (process.argv.includes("--emulator")) {
    emulatorMain().catch((err) => {
        console.error(err);
        process.exit(1);
    });
} else {
    main().catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
