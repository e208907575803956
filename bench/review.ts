/**
 * npm run bench:review [-- --users 10000] [-- --changes 1000] [-- --latency 30] [-- --settle 10] [-- --profile DIR] [-- --per-user-list
 * served|refused] [-- --signin-or accepted|refused] [-- --audit-or accepted|refused] [-- --app list-read|provider]
 * [-- --trace-dir DIR] [-- --name STEM]
 *
 * Review at scale (issue #14): how long the review commands take on a 10,000-user stack, beside the
 * time Graph was busy answering them. Drives the real engine (harness/engine.ts) against the tenant
 * emulator in this process, with latency on every request and Graph's documented throttling on.
 *
 * The stack: m365-mfa:baseline with breakGlassAccounts, securityDefaults and perUserMfa owning every
 * user (allOtherUsers: enforced; guards.maxUserChangeShare: 1), applied once with `pulumi up`. The
 * tenant already has every user enforced before that up (set in the emulator directly), so the up
 * reads 10,000 users and writes none: 10,000 writes would take ~350 s of the documented write quota
 * (BENCHMARKS.md, issue #4) and are not what this benchmark measures.
 *
 * Measured, one after the other:
 *   0. engine start-up: `pulumi about`, and `pulumi preview` of an empty TypeScript program;
 *      and a preview of a small m365-mfa stack (security defaults only: the program's TypeScript, a
 *      provider, a few Graph calls);
 *   1. a no-change `pulumi preview`;
 *   2. a `pulumi preview` after 1,000 users were set back to disabled in the tenant by a portal
 *      admin (APPS.portal, Graph $batch PATCHes: drift with audit-log entries);
 *   3. the PR summary: `pipelines/cli.ts pr-summary --stack S --config-file F --out comment.md`
 *      (`pulumi preview --refresh --run-program --json` underneath), with those 1,000 changes;
 *   4. the drift check: `pipelines/cli.ts drift --stack S --config-file F --report-dir DIR` (exit 2:
 *      the 1,000 users drifted; attribution reads the audit log).
 *
 * For each: the wall time, the time Graph was busy (the union of the request intervals of the
 * emulator's request log, [at - ms, at], so concurrent requests count once), the number of HTTP
 * requests (a $batch is one; its items are counted apart), overhead = total - busy, and whether the
 * goal holds: total <= 2 x busy + 6 s. Also where the rest goes: time before the first request, after
 * the last one, and the longest gaps with no request in flight (with the request before each gap).
 *
 * The stack runs as `--app`: list-read (the default) is the provider app's permissions plus Directory.Read.All
 * (bench/listReadApp.ts addListReadApp), which the per-user MFA list read needs since fdaa968 (its states
 * are used only where the directory audit log can be read: AuditLog.Read.All and Directory.Read.All,
 * microsoft-graph-docs-contrib api-reference/v1.0/includes/permissions/directoryaudit-list-permissions.md); provider is the
 * least-privilege app, which reads every user through $batch. Each step says which path per-user MFA's reads
 * took (from M365_MFA_TRACE: list pages, users read again, batch), and a step of the 10,000-user stack that
 * should have read the list (the list served, the list-read app) and did not fails the benchmark.
 *
 * Prints a Markdown table and writes it to bench/results/review-<date>.md. Exit 0 only when every
 * goal holds (2 when one does not, 1 when a step failed).
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject, type CliResult } from "../harness/engine";
import { clientsAs, startTrustedEmulator } from "../harness/tenant";
import type { RequestLogEntry, RunningEmulator } from "@m365-mfa/emulator";
import { APPS, OR_FILTER, PER_USER_MFA_ON_LIST } from "@m365-mfa/emulator";
import { addListReadApp } from "./listReadApp";
import { runBatched } from "../client/batch";

function arg(name: string): string | undefined {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
}

/** `--name <value>` among `values` (the emulator's own list of a tenant behaviour's values), else `fallback`. */
function choice<const T extends string>(name: string, values: readonly T[], fallback: T): T {
    const v = arg(name) ?? fallback;
    if (!(values as readonly string[]).includes(v)) throw new Error(`--${name} ${v}: use ${values.join(" or ")}`);
    return v as T;
}

const USERS = Number(arg("users") ?? 10_000);
const CHANGES = Number(arg("changes") ?? Math.min(1000, Math.floor(USERS / 10)));
const LATENCY_MS = Number(arg("latency") ?? process.env.BENCH_LATENCY_MS ?? 30);
/**
 * Seconds between two steps: Graph's resource-unit window is 10 s, so after 10 s each step starts with
 * the tenant's bucket as a CI job finds it (a PR's preview does not start within seconds of another
 * 10,000-user read). With 0 the steps run back to back and each inherits the previous one's throttling.
 */
const SETTLE_S = Number(arg("settle") ?? 10);
/** The goal: total <= FACTOR x Graph busy + FIXED seconds. */
const FACTOR = 2;
const FIXED_S = 6;
/**
 * Issue #27: whether the tenant serves perUserMfaState on the user list (TenantState.perUserMfaStateOnUserList;
 * served by default here, so per-user MFA reads the list), and the issue's goal: total <= 1.5 x (Graph busy + the
 * empty TypeScript program's preview, the engine's fixed cost) measured in the same run.
 */
const PER_USER_LIST = choice("per-user-list", PER_USER_MFA_ON_LIST, "served");
const LIST_FACTOR = 1.5;
/**
 * Whether the tenant's sign-in log takes `or` (TenantState.signInOrFilter): accepted by default here, so readiness reads the
 * legacy sign-ins with one query (providers/framework/readinessReport.ts); refused, the emulator's default, gives its
 * documented way (the whole window, then one query per protocol).
 */
const SIGNIN_OR = choice("signin-or", OR_FILTER, "accepted");
/**
 * Whether the tenant's directory audit log takes `or` (TenantState.auditOrFilter): accepted by default here, so per-user MFA
 * reads the recent changes of both activities with one query (client/anyOf.ts); refused, the emulator's default, gives one
 * 400 and then one query per activity.
 */
const AUDIT_OR = choice("audit-or", OR_FILTER, "accepted");
/** The app the stack runs as (see the header). */
const APP = (arg("app") ?? "list-read") as "list-read" | "provider";
if (APP !== "list-read" && APP !== "provider") {
    throw new Error(`--app ${APP}: use list-read (the provider's permissions plus Directory.Read.All) or provider (least privilege)`);
}

type ProcessClass = "engine" | "program" | "provider" | "command";

/**
 * Peak resident size (kB, summed over the processes of a class) of the processes this benchmark starts, sampled
 * with ps every 200 ms: the engine (pulumi and its Go plugins), the program (Node.js under the language host),
 * the dynamic provider (Node.js running @pulumi/pulumi's dynamic-provider) and the m365-mfa command.
 */
function rssSampler(): { stop: () => Promise<Record<ProcessClass, number>> } {
    const peak: Record<ProcessClass, number> = { engine: 0, program: 0, provider: 0, command: 0 };
    let stopped = false;
    let running: Promise<void> = Promise.resolve();
    const sample = () =>
        new Promise<void>((resolve) => {
            execFile("ps", ["-e", "-o", "pid=,ppid=,rss=,args="], { maxBuffer: 16 * 1024 * 1024 }, (err, out) => {
                if (err) return resolve();
                const procs = new Map<number, { ppid: number; rss: number; args: string }>();
                for (const line of out.split("\n")) {
                    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line);
                    if (m) procs.set(Number(m[1]), { ppid: Number(m[2]), rss: Number(m[3]), args: m[4] });
                }
                const ours = (pid: number) => {
                    for (let p = pid, i = 0; p > 1 && i < 50; p = procs.get(p)?.ppid ?? 0, i++) if (p === process.pid) return true;
                    return false;
                };
                const classOf = (pid: number): ProcessClass | undefined => {
                    const args = procs.get(pid)!.args;
                    if (/dynamic-provider/.test(args)) return "provider";
                    if (/(^|\/)pulumi(-language-nodejs|-resource-[\w-]+)?(\s|$)/.test(`${args.split(" ")[0]} `)) return "engine";
                    for (let p = procs.get(pid)!.ppid, i = 0; p > 1 && i < 50; p = procs.get(p)?.ppid ?? 0, i++) {
                        const a = procs.get(p)?.args ?? "";
                        if (/dynamic-provider|pulumi-resource-/.test(a)) return "provider";
                        if (/pulumi-language-nodejs/.test(a)) return "program";
                    }
                    return /\bnode\b/.test(args) && /cli|launch/.test(args) ? "command" : undefined;
                };
                const now: Record<ProcessClass, number> = { engine: 0, program: 0, provider: 0, command: 0 };
                for (const pid of procs.keys()) {
                    if (pid === process.pid || !ours(pid)) continue;
                    const c = classOf(pid);
                    if (c) now[c] += procs.get(pid)!.rss;
                }
                for (const c of Object.keys(now) as ProcessClass[]) peak[c] = Math.max(peak[c], now[c]);
                resolve();
            });
        });
    const timer = setInterval(() => {
        if (!stopped) running = running.then(sample);
    }, 200);
    return {
        stop: async () => {
            stopped = true;
            clearInterval(timer);
            await running;
            return peak;
        },
    };
}

interface Gap {
    seconds: number;
    /** The request that ended last before the gap ("start" when the gap opens the step). */
    after: string;
}

interface StepResult {
    name: string;
    /** Whether the goal applies (start-up rows are for reference). */
    goal: boolean;
    exitCode: number;
    expectedExit: number[];
    total: number;
    busy: number;
    /** Graph busy plus its throttling waits (graphTimeWithWaits). */
    withWaits: number;
    requests: number;
    items: number;
    throttled: number;
    /** From the step's start to the first request's start, and from the last answer to the step's end. */
    beforeFirst: number;
    afterLast: number;
    gaps: Gap[];
    load: [number, number];
    /** Peak resident size (kB) per class of process during the step. */
    rss: Record<ProcessClass, number>;
    note?: string;
    /** Per-user MFA's reads during the step, from the trace (e.g. "list 11 pages, 0 read again"). */
    perUserReads?: string[];
    tail?: string;
    /**
     * Issue #27's reference for this step: "the time of the same command on an empty stack (the engine's fixed
     * cost) in the same run": the name of that step (the empty program's `pulumi preview`, `pr-summary` or `drift`).
     */
    reference?: string;
}

/** The union of the request intervals (seconds), the first start and last end (ms since epoch), and the longest idle gaps. */
export function busyTime(
    entries: readonly RequestLogEntry[],
    from: number,
    to: number,
    gapsToKeep = 3,
): { busy: number; first?: number; last?: number; gaps: Gap[] } {
    const iv = entries
        .filter((e) => !e.batched && e.ms !== undefined)
        .map((e) => {
            const end = Date.parse(e.at);
            return { start: end - e.ms!, end, what: `${e.method} ${shortPath(e.path)}` };
        })
        .sort((a, b) => a.start - b.start);
    if (!iv.length) {
        return { busy: 0, gaps: [{ seconds: (to - from) / 1000, after: "start" }] };
    }
    let busy = 0;
    let curStart = iv[0].start;
    let curEnd = iv[0].end;
    let curWhat = iv[0].what;
    const gaps: Gap[] = [{ seconds: Math.max(0, iv[0].start - from) / 1000, after: "start" }];
    for (const i of iv.slice(1)) {
        if (i.start > curEnd) {
            busy += curEnd - curStart;
            gaps.push({ seconds: (i.start - curEnd) / 1000, after: curWhat });
            curStart = i.start;
            curEnd = i.end;
            curWhat = i.what;
        } else if (i.end > curEnd) {
            curEnd = i.end;
            curWhat = i.what;
        }
    }
    busy += curEnd - curStart;
    gaps.push({ seconds: Math.max(0, to - curEnd) / 1000, after: `${curWhat} (end)` });
    return { busy: busy / 1000, first: iv[0].start, last: curEnd, gaps: gaps.sort((a, b) => b.seconds - a.seconds).slice(0, gapsToKeep) };
}

/**
 * Graph's time with its throttling waits: the union of the request intervals and, after each answer of 429, the
 * wait until the client sent that request again (the next request with the same method and path; the client waits
 * out each Retry-After, client/retry.ts), in seconds. Issue #27's first goal counts throttling in the list read's
 * bound ("pages x latency, plus throttling if any"); this is the same count for the review steps, beside busy time.
 */
export function graphTimeWithWaits(entries: readonly RequestLogEntry[]): number {
    const requests = entries
        .filter((e) => !e.batched && e.ms !== undefined)
        .map((e) => ({ e, end: Date.parse(e.at), start: Date.parse(e.at) - e.ms! }))
        .sort((a, b) => a.start - b.start);
    const iv = requests.map((r) => ({ start: r.start, end: r.end }));
    requests.forEach((r, i) => {
        if (r.e.status !== 429) return;
        const again = requests.slice(i + 1).find((n) => n.start >= r.end && n.e.method === r.e.method && n.e.path === r.e.path);
        if (again) iv.push({ start: r.end, end: again.start });
    });
    iv.sort((a, b) => a.start - b.start);
    let total = 0;
    let cur: { start: number; end: number } | undefined;
    for (const i of iv) {
        if (!cur || i.start > cur.end) {
            if (cur) total += cur.end - cur.start;
            cur = { ...i };
        } else if (i.end > cur.end) cur.end = i.end;
    }
    if (cur) total += cur.end - cur.start;
    return total / 1000;
}

/** /users/<id>/authentication/requirements -> /users/{id}/authentication/requirements, for a readable gap list. */
function shortPath(p: string): string {
    return p
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "{id}")
        .replace(/\/users\/[^/]+@[^/]+/g, "/users/{upn}");
}

async function measure(
    emu: RunningEmulator,
    name: string,
    goal: boolean,
    expectedExit: number[],
    run: () => Promise<CliResult>,
    note?: (r: CliResult) => string | undefined,
    traceFile?: string,
): Promise<StepResult> {
    await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
    console.error(`${name}...`);
    const fromIndex = emu.requests.length;
    if (traceFile) fs.rmSync(traceFile, { force: true });
    const load0 = os.loadavg()[0];
    const sampler = rssSampler();
    const t0 = Date.now();
    const r = await run();
    const t1 = Date.now();
    const rss = await sampler.stop();
    const log = emu.requests.slice(fromIndex);
    // --trace-dir DIR: keep each step's provider trace and the emulator's request log, for the breakdown in BENCHMARKS.md.
    const traceDir = arg("trace-dir");
    if (traceDir && traceFile) {
        fs.mkdirSync(traceDir, { recursive: true });
        const stem = path.join(traceDir, name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60));
        if (fs.existsSync(traceFile)) fs.copyFileSync(traceFile, `${stem}.trace.jsonl`);
        fs.writeFileSync(`${stem}.requests.jsonl`, log.map((e) => JSON.stringify({ ...e, t0 })).join("\n"));
    }
    const b = busyTime(log, t0, t1);
    const res: StepResult = {
        name,
        goal,
        exitCode: r.code,
        expectedExit,
        total: (t1 - t0) / 1000,
        busy: b.busy,
        withWaits: graphTimeWithWaits(log),
        requests: log.filter((e) => !e.batched).length,
        items: log.filter((e) => e.batched).length,
        throttled: log.filter((e) => e.status === 429).length,
        beforeFirst: b.first === undefined ? (t1 - t0) / 1000 : Math.max(0, b.first - t0) / 1000,
        afterLast: b.last === undefined ? 0 : Math.max(0, t1 - b.last) / 1000,
        gaps: b.gaps,
        load: [load0, os.loadavg()[0]],
        rss,
        note: note?.(r),
        perUserReads: traceFile ? perUserReadsIn(traceFile) : undefined,
        ...(!expectedExit.includes(r.code)
            ? {
                  tail:
                      r.output
                          .split("\n")
                          .filter((l) => /error|fail|refus/i.test(l))
                          .slice(0, 12)
                          .join("\n") || r.output.slice(-3000),
              }
            : {}),
    };
    console.error(
        `  ${res.total.toFixed(1)} s, Graph busy ${res.busy.toFixed(1)} s, ${res.requests} requests (${res.items} batch ` +
            `items), exit ${res.exitCode}${res.note ? `; ${res.note}` : ""}` +
            `${res.perUserReads ? `; per-user reads: ${res.perUserReads.join(", ") || "none"}` : ""}`,
    );
    if (res.tail) {
        console.error(res.tail);
    }
    return res;
}

/** Per-user MFA's read phases in a trace file (client/trace.ts "PerUserMfa read" lines with a phase: names and counts only). */
function perUserReadsIn(traceFile: string): string[] {
    if (!fs.existsSync(traceFile)) return [];
    return fs
        .readFileSync(traceFile, "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l))
        .filter((e) => e.what === "PerUserMfa read" && e.phase !== undefined)
        .map((e) => (e.path === "list" ? `${e.phase}: list ${e.pages} pages, ${e.confirmed} read again` : `${e.phase}: batch ${e.read}`));
}

const holds = (s: StepResult) => s.total <= FACTOR * s.busy + FIXED_S;
/** Issue #27's goal: total <= 1.5 x (Graph busy + the empty program's preview in the same run). */
const holdsList = (s: StepResult, empty: number) => s.total <= LIST_FACTOR * (s.busy + empty);
/** The steps that are the same command on the empty program: each goal step's reference by its command. */
const EMPTY_PREVIEW = "engine start-up: `pulumi preview` of an empty TypeScript program";
const EMPTY_PR_SUMMARY = "the same command on an empty program: `pr-summary`";
const EMPTY_DRIFT = "the same command on an empty program: `drift`";
const okExit = (s: StepResult) => s.expectedExit.includes(s.exitCode);

function table(steps: StepResult[], meta: string): string {
    const f = (n: number) => n.toFixed(1);
    const empty = steps.find((s) => s.name === EMPTY_PREVIEW)?.total ?? 0;
    // Issue #27's reference of a step: the same command on the empty program (the preview's for the previews).
    const referenceOf = (s: StepResult) => steps.find((x) => x.name === (s.reference ?? EMPTY_PREVIEW))?.total ?? empty;
    const small = steps.find((s) => /small m365-mfa stack/.test(s.name));
    const mb = (kb: number) => (kb / 1024).toFixed(0);
    const lines = [
        meta,
        "",
        "| step | total (s) | Graph busy (s) | requests (batch items) | 429 | overhead = total - busy (s) | before first / " +
            `after last request (s) | longest idle gaps in Graph (s, after) | goal: total <= ${FACTOR} x busy + ${FIXED_S} s | ` +
            `issue #27 goal: total <= ${LIST_FACTOR} x (busy + the same command on the empty program: preview ${f(empty)} s` +
            `${steps
                .filter((x) => x.name === EMPTY_PR_SUMMARY || x.name === EMPTY_DRIFT)
                .map((x) => `, ${x.name.split("`")[1]} ${f(x.total)} s`)
                .join("")}) | ` +
            "peak RSS MB engine / program / " +
            "provider / command | provider bytes per user over the small stack | exit | load (1 min, start-end) | " +
            "Graph busy + throttling waits (s) | issue #27 goal with Graph's throttling waits counted as Graph's |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---|---|---:|---:|---|---:|---|",
    ];
    for (const s of steps) {
        const goal = !s.goal
            ? "(reference)"
            : !okExit(s)
              ? "**failed**"
              : holds(s)
                ? `yes (${f(FACTOR * s.busy + FIXED_S)})`
                : `**no** (limit ${f(FACTOR * s.busy + FIXED_S)})`;
        const goal27 = !s.goal
            ? "(reference)"
            : !okExit(s)
              ? "**failed**"
              : holdsList(s, referenceOf(s))
                ? `yes (${f(LIST_FACTOR * (s.busy + referenceOf(s)))})`
                : `**no** (limit ${f(LIST_FACTOR * (s.busy + referenceOf(s)))})`;
        const limitWaits = LIST_FACTOR * (s.withWaits + referenceOf(s));
        const goalWaits = !s.goal
            ? "(reference)"
            : !okExit(s)
              ? "**failed**"
              : s.total <= limitWaits
                ? `yes (${f(limitWaits)})`
                : `**no** (limit ${f(limitWaits)})`;
        const gaps = s.gaps
            .filter((g) => g.seconds >= 0.05)
            .map((g) => `${f(g.seconds)} (${g.after})`)
            .join("; ");
        const perUser = s.goal && small ? `${(((s.rss.provider - small.rss.provider) * 1024) / USERS).toFixed(0)}` : "-";
        lines.push(
            `| ${s.name}${s.note ? ` (${s.note})` : ""}` +
                `${s.perUserReads?.length ? ` [per-user reads: ${s.perUserReads.join("; ")}]` : ""} | ${f(s.total)} | ` +
                `${f(s.busy)} | ${s.requests.toLocaleString("en")} (${s.items.toLocaleString("en")}) | ${s.throttled} | ` +
                `${f(s.total - s.busy)} | ${f(s.beforeFirst)} / ${f(s.afterLast)} | ${gaps || "-"} | ${goal} | ${goal27} | ` +
                `${mb(s.rss.engine)} / ${mb(s.rss.program)} / ${mb(s.rss.provider)} / ${mb(s.rss.command)} | ${perUser} | ` +
                `${s.exitCode} | ${s.load[0].toFixed(1)}-${s.load[1].toFixed(1)} | ${f(s.withWaits)} | ${goalWaits} |`,
        );
    }
    return lines.join("\n");
}

/** A project whose program declares nothing: what the engine and the Node.js language host cost alone. */
function emptyProject(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        "name: empty\nmain: index.ts\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n    tsconfig: tsconfig.json\n",
    );
    fs.writeFileSync(path.join(dir, "index.ts"), "export {};\n");
    fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify(
            {
                compilerOptions: { target: "ES2022", module: "commonjs", moduleResolution: "node", strict: true, noCheck: true },
                files: ["index.ts"],
            },
            null,
            2,
        ),
    );
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "empty", private: true }));
    fs.symlinkSync(path.join(__dirname, "..", "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

/**
 * The steps run the compiled build (dist/) when it is current with the sources (scripts/launch.js), as after
 * setup; in a checkout being edited it is not, and every process would load the sources through ts-node instead
 * (seconds per process). So the copied project is built in place when its dist/ is stale; the shared checkout's
 * dist/ is left alone.
 */
function buildCopy(projectDir: string): void {
    const launch = path.join(projectDir, "scripts", "launch.js");
    const status = () => execFileSync(process.execPath, [launch, "--status"], { cwd: projectDir }).toString().trim();
    if (!/^sources/.test(status())) return;
    console.error(`building the copied project (${status()})...`);
    const t0 = Date.now();
    try {
        execFileSync(
            process.execPath,
            [path.join(__dirname, "..", "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
            { cwd: projectDir, stdio: "ignore" },
        );
    } catch {
        // Type errors of files being edited elsewhere in the checkout: tsc still emits; the stamp below says what was built.
    }
    execFileSync(process.execPath, [launch, "--stamp"], { cwd: projectDir });
    console.error(`  built in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${status()}`);
}

async function main() {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-bench-review-"));
    let emu: RunningEmulator | undefined;
    const steps: StepResult[] = [];
    try {
        emu = await startTrustedEmulator({
            stateDir: path.join(tmp, "emulator"),
            maxLogEntries: 5_000_000,
            faults: { latencyMs: LATENCY_MS },
            throttling: { enabled: true },
        });
        const dir = emu.directory();
        // USERS users besides the two break-glass accounts, all already enforced (see the header).
        dir.seed(USERS + 2, 42);
        const breakGlass = [...dir.users.values()].filter((u) => u.breakGlass);
        for (const u of dir.users.values()) {
            if (!u.breakGlass) {
                u.perUserMfaState = "enforced";
            }
        }
        dir.compact();
        emu.store.mutate(() => {
            emu!.defaultTenant().perUserMfaStateOnUserList = PER_USER_LIST;
            emu!.defaultTenant().signInOrFilter = SIGNIN_OR;
            emu!.defaultTenant().auditOrFilter = AUDIT_OR;
        });
        await clientsAs(emu, APPS.portal).graph.patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: true });
        const app = APP === "list-read" ? addListReadApp(emu) : APPS.provider;
        // Per-user MFA's read paths, per step (names and counts only).
        const traceFile = path.join(tmp, "trace.jsonl");
        const expectList = PER_USER_LIST === "served" && APP === "list-read";
        const listRead = (s: StepResult) => {
            if (expectList && !s.perUserReads?.some((r) => / list /.test(r))) {
                throw new Error(
                    `${s.name}: per-user MFA did not read the user list (reads: ${s.perUserReads?.join(", ") || "none"}), ` +
                        "though the tenant serves it and the app may read the audit log",
                );
            }
            return s;
        };

        const projectDir = copyProject(path.join(tmp, "project"));
        buildCopy(projectDir);
        // --profile DIR: a CPU profile of every Node.js process of the steps that exits on its own (the program, the
        // command). The engine kills the dynamic-provider process, which so writes none: BENCH_NODE_OPTIONS replaces
        // the NODE_OPTIONS given to the steps, e.g. with a --require of a hook that writes the profile on SIGTERM.
        const profile = arg("profile");
        const profileEnv: Record<string, string> = profile
            ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? `--cpu-prof --cpu-prof-dir=${path.resolve(profile)}` }
            : {};
        const ws = new PulumiWorkspace({
            projectDir,
            workDir: path.join(tmp, "work"),
            env: { ...emu.env(app), M365_MFA_TRACE: traceFile, ...profileEnv },
        });
        const stack = "review";
        await ws.initStack(
            stack,
            {},
            {
                "m365-mfa:baseline": {
                    breakGlassAccounts: breakGlass.map((u) => u.userPrincipalName),
                    securityDefaults: { enabled: true },
                    perUserMfa: { assignments: [], allOtherUsers: "enforced" },
                    guards: { maxUserChangeShare: 1 },
                },
            },
        );
        // A small stack of the same project: the program's TypeScript and a provider, a handful of Graph calls.
        await ws.initStack(
            "small",
            {},
            {
                "m365-mfa:baseline": {
                    breakGlassAccounts: breakGlass.map((u) => u.userPrincipalName),
                    securityDefaults: { enabled: true },
                },
            },
        );
        const empty = new PulumiWorkspace({ projectDir: emptyProject(path.join(tmp, "empty")), workDir: path.join(tmp, "empty-work") });
        await empty.initStack("empty");

        console.error(`pulumi up of ${USERS.toLocaleString("en")} users (reads only)...`);
        const t0 = Date.now();
        const up = await ws.up(stack);
        if (up.code !== 0) {
            throw new Error(`pulumi up exited ${up.code}:\n${up.output.slice(-4000)}`);
        }
        console.error(`  up took ${((Date.now() - t0) / 1000).toFixed(1)} s`);

        // 0. The fixed part.
        steps.push(
            await measure(emu, "engine start-up: `pulumi about`", false, [0], () =>
                empty.run(["about", ...["--stack", "empty", "--non-interactive"]]),
            ),
        );
        steps.push(await measure(emu, EMPTY_PREVIEW, false, [0], () => empty.preview("empty")));
        // The PR summary and the drift check on the empty program: the commands' own fixed cost (their process, the
        // engine's preview --refresh, the report), issue #27's reference for steps 3 and 4.
        const emptyCli = (args: string[]) => empty.node([path.join(projectDir, "scripts", "launch.js"), "cli", ...args]);
        steps.push(
            await measure(emu, EMPTY_PR_SUMMARY, false, [0], () =>
                emptyCli([
                    "pr-summary",
                    "--stack",
                    "empty",
                    "--config-file",
                    empty.configFile("empty"),
                    "--out",
                    path.join(tmp, "empty-comment.md"),
                ]),
            ),
        );
        steps.push(
            await measure(emu, EMPTY_DRIFT, false, [0], () =>
                emptyCli([
                    "drift",
                    "--stack",
                    "empty",
                    "--config-file",
                    empty.configFile("empty"),
                    "--report-dir",
                    path.join(tmp, "empty-drift"),
                ]),
            ),
        );
        steps.push(
            await measure(emu, "`pulumi preview` of a small m365-mfa stack (security defaults only)", false, [0], () =>
                ws.preview("small"),
            ),
        );

        const changesIn = (r: CliResult) => {
            const m = /Per-user MFA: ([\d,]+) users? change/.exec(r.output);
            return m ? `${m[1]} users change` : undefined;
        };
        // 1. No change.
        steps.push(
            listRead(
                await measure(
                    emu,
                    `no-change \`pulumi preview\` (${USERS.toLocaleString("en")} users)`,
                    true,
                    [0],
                    () => ws.preview(stack),
                    (r) => changesIn(r) ?? "no change",
                    traceFile,
                ),
            ),
        );

        // 2. A portal admin sets CHANGES users back to disabled.
        const members = [...dir.users.values()].filter((u) => !u.breakGlass && u.perUserMfaState === "enforced").slice(0, CHANGES);
        const { results } = await runBatched(
            clientsAs(emu, APPS.portal).graph,
            members.map((u) => ({
                method: "PATCH" as const,
                url: `/users/${u.id}/authentication/requirements`,
                body: { perUserMfaState: "disabled" },
            })),
            { version: "beta" },
        );
        const failedWrites = results.filter((r) => r.status >= 300).length;
        if (failedWrites) {
            throw new Error(`${failedWrites} of the portal's ${CHANGES} changes failed`);
        }
        steps.push(
            listRead(
                await measure(
                    emu,
                    `\`pulumi preview\` with ${CHANGES.toLocaleString("en")} per-user MFA changes`,
                    true,
                    [0],
                    () => ws.preview(stack),
                    changesIn,
                    traceFile,
                ),
            ),
        );

        // --engine-profile DIR: a Go CPU profile of the engine for a `pulumi preview --refresh` of the same plan (not measured).
        const engineProfile = arg("engine-profile");
        if (engineProfile) {
            fs.mkdirSync(engineProfile, { recursive: true });
            await ws.preview(stack, "--refresh", "--profiling", path.join(path.resolve(engineProfile), "preview-refresh"));
        }

        // 3. The PR summary of the same plan.
        const comment = path.join(tmp, "comment.md");
        steps.push(
            await measure(
                emu,
                "PR summary (`pr-summary`, `pulumi preview --refresh --run-program --json`)",
                true,
                [0],
                () => ws.cli(["pr-summary", "--stack", stack, "--config-file", ws.configFile(stack), "--out", comment]),
                () => (fs.existsSync(comment) ? `${(fs.statSync(comment).size / 1024).toFixed(0)} KiB comment` : "no comment written"),
                traceFile,
            )
                .then((r) => ({ ...r, reference: EMPTY_PR_SUMMARY }))
                .then(listRead),
        );

        // 4. The drift check. The portal also turns security defaults off, so that the tenant has drifted in
        // a setting whatever per-user MFA's changes are classified as (exit 2) and the attribution runs.
        await clientsAs(emu, APPS.portal).graph.patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
        const reports = path.join(tmp, "drift");
        steps.push(
            await measure(
                emu,
                `drift check (\`drift\`; security defaults and ${CHANGES.toLocaleString("en")} users changed by the portal: ` +
                    "exit 2 expected)",
                true,
                [2],
                () => ws.cli(["drift", "--stack", stack, "--config-file", ws.configFile(stack), "--report-dir", reports]),
                () => {
                    try {
                        const j = JSON.parse(fs.readFileSync(path.join(reports, "drift-report.json"), "utf8"));
                        const kinds = (j.settings as { type: string; kind: string; users: { users: string[] }[] }[])
                            .map(
                                (x) =>
                                    `${x.type} ${x.kind}` +
                                    (x.users.length
                                        ? ` (${x.users.reduce((n, g) => n + g.users.length, 0).toLocaleString("en")} users)`
                                        : ""),
                            )
                            .join(", ");
                        return (
                            `drifted: ${j.drifted}; ${kinds}; attribution ` +
                            `${j.attribution?.available === false ? "not available" : "available"}`
                        );
                    } catch {
                        return "no report written";
                    }
                },
                traceFile,
            )
                .then((r) => ({ ...r, reference: EMPTY_DRIFT }))
                .then(listRead),
        );
    } finally {
        await emu?.stop();
        if (!process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    }

    const date = new Date().toISOString().slice(0, 10);
    const meta =
        `Review at scale, ${date}: ${USERS.toLocaleString("en")} users (perUserMfa allOtherUsers: enforced, ` +
        "breakGlassAccounts, securityDefaults), " +
        `${CHANGES.toLocaleString("en")} changed by a portal admin before step 2; the tenant's user list: perUserMfaState ` +
        `${PER_USER_LIST}; the sign-in log: \`or\` ${SIGNIN_OR}; the directory audit log: \`or\` ${AUDIT_OR}; ` +
        "the stack runs as " +
        (APP === "list-read"
            ? "an app holding the provider's permissions plus Directory.Read.All (the audit log's, which the per-user list read needs)"
            : "the least-privilege provider app (no Directory.Read.All: per-user MFA reads through $batch)") +
        "; " +
        `${LATENCY_MS} ms latency per request, Graph's documented throttling on, ${SETTLE_S} s between steps (the resource-unit window). ` +
        `Machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}. Graph ` +
        "busy: the union of the request intervals in the emulator's log.";
    const out = table(steps, meta);
    console.log(out);
    fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
    const defaultResultName =
        `review-${date}${USERS === 10_000 ? "" : `-${USERS}`}` +
        `${PER_USER_LIST === "served" ? "" : `-${PER_USER_LIST}`}${APP === "list-read" ? "" : "-provider-app"}`;
    fs.writeFileSync(
        path.join(
            __dirname,
            "results",
            // --name STEM: the results file's name (without .md), e.g. to keep an earlier run of the same day.
            `${arg("name") ?? defaultResultName}.md`,
        ),
        `${out}\n`,
    );
    const measured = steps.filter((s) => s.goal);
    process.exit(measured.some((s) => !okExit(s)) ? 1 : measured.every(holds) ? 0 : 2);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
