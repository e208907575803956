/**
 * npm run bench:faults [-- --seed N] [-- --runs 5] [-- --users 2000] [-- --budget 300] [-- --mix harsh|issue12]
 * npm run bench:faults -- --sweep [--rates 0.1,0.2,0.3,0.4,0.5] [--seed N]
 *
 * The fault benchmark (issues #12, #22): first `pulumi up`s of the whole baseline against the tenant
 * emulator with faults on, each from a fresh tenant, beside a fault-free run of the same work.
 *
 * Faults (emulator/faults.ts, drawn from a seeded generator, so that a run replays exactly), the
 * harsh mix of issue #22 by default: 32% of Graph and Exchange requests answer 429 (Retry-After: 1),
 * 15% answer 503 and 5% have their connection dropped before an answer; each $batch item draws its own
 * 429/503; the token endpoint draws the same faults (429 with Retry-After, 503, dropped); tokens expire
 * 15 s after they are issued although expires_in says an hour (so a long run meets 401 "Lifetime
 * validation failed"). Graph's documented throttling is on as well. `--mix issue12` is the older mix
 * (30% / 10% / 5%, tokens expiring after 30 s, no token-endpoint faults).
 *
 * How the faults meet the azuread plugin (Conditional Access policies), read from its sources
 * (go-azure-sdk sdk v0.20251107.1191907, which azuread 6.8.0 uses):
 * - 429 with Retry-After and 5xx reach it as they reach us; its client retries them (sdk/client/client.go
 *   Execute falls back to go-retryablehttp's DefaultRetryPolicy, up to 16 retries, Retry-After honoured
 *   by its Backoff); its token requests retry them too (sdk/auth/client.go, 8 retries).
 * - A dropped connection is modelled as a drop BEFORE the request is processed (the emulator reads the
 *   request, writes nothing and closes the connection; nothing changed in the tenant): the issue's
 *   "5% of connections drop", read as connections that fail, not as writes that happened and whose
 *   answer was lost. No client can re-send a POST after a drop that came AFTER the server processed it
 *   without risking a duplicate (it cannot tell the two apart), and go-azure-sdk does not try: on a
 *   connection error it re-sends only idempotent requests (client.go Execute: "HTTP response was nil;
 *   connection may have been reset" for the rest), and even those not when the error is an EOF
 *   (client.go extendedRetryPolicy, "completePacketLossRe"). Go's own transport re-sends a GET or HEAD
 *   whose reused keep-alive connection closed (net/http). So a drop that meets the plugin's create POST
 *   of a policy, or a GET of it on a fresh connection, fails the `up`: the plugin's limit, which the
 *   benchmark shows as it happens (the run's tail names the request), never hidden.
 * - The early token expiry (exp 15 s away while expires_in says an hour) is an artificial fault (Entra's
 *   tokens live what expires_in says unless revoked). go-azure-sdk renews a token only by its expiry as
 *   expires_in gave it (sdk/auth/cached_authorizer.go, tokenDueForRenewal in sdk/auth/token.go: 20 min
 *   before, or past half its life) and never on a 401, so it would be refused for the rest of the
 *   run. The plugin therefore runs as an app of its own (AZUREAD_APP; its provider configuration,
 *   ARM_* / azuread:*, is apart from ours in a deployment too) and the early expiry is scoped to our
 *   app (Faults.tokenExpiresEarlyApps): the plugin gets honest token lifetimes; every other fault,
 *   at Graph and at the token endpoint, reaches it.
 *
 * The stack: 2,000 users to change with per-user MFA (enforced), and every other member of the
 * baseline: security defaults, modern authentication, SMTP AUTH, the Exchange authentication policy,
 * the authentication methods policy and four method configurations, and both Conditional Access
 * policies in report-only through the azuread plugin (whose own retries meet the emulator's faults).
 *
 * Seeds: --seed S runs seeds S, S+1, ... (--runs of them); without --seed, S is drawn and printed.
 * For each run it prints: the seed, whether the first `pulumi up` converged (exit 0 and the tenant
 * in the declared state), its time, the ideal time (the fault-free time times the expected attempts
 * per item), the faults the emulator injected, the per-user MFA phases' times and the longest silence
 * between progress lines (from the run's M365_MFA_TRACE).
 *
 * --sweep: first-up time against the fault rate, 429 alone and 5xx alone (each at --rates, one seed),
 * beside the ideal curve; writes a table and an SVG chart (bench/results/faults-sweep.{md,svg}).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../harness/engine";
import { clientsAs, startTrustedEmulator } from "../harness/tenant";
import type { Faults, RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { confirmationToken } from "../settings/perUserMfa/setting";
import { writeSweepChart } from "./faultsChart";

function arg(name: string): string | undefined {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
}

const USERS = Number(arg("users") ?? 2000);
const RUNS = Number(arg("runs") ?? 5);
const BUDGET = arg("budget");
const MIX = arg("mix") ?? "harsh";
/** --no-ca: without the two Conditional Access policies (the azuread plugin), e.g. to time the client layer alone. */
const CA = !process.argv.includes("--no-ca");
/** --cap S: stop a run's `pulumi up` after S seconds (reported as not finished). */
const CAP = arg("cap") !== undefined ? Number(arg("cap")) : undefined;
const FIRST_SEED = arg("seed") !== undefined ? Number(arg("seed")) : Math.floor(Math.random() * 1e9);
const METHODS = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations";

/** The azuread plugin's own app registration in the benchmark's tenant (honest token lifetimes: see the header). */
export const AZUREAD_APP = "m365-mfa-azuread";

/** A fault mix: shares of requests (and $batch items, and token requests) answered 429, 5xx, or dropped. */
export interface Mix {
    rate429: number;
    rate5xx: number;
    dropRate: number;
    tokenExpiresEarlySeconds?: number;
    tokenEndpoint: boolean;
    label: string;
}

export const MIXES: Record<string, Mix> = {
    harsh: {
        rate429: 0.32,
        rate5xx: 0.15,
        dropRate: 0.05,
        tokenExpiresEarlySeconds: 15,
        tokenEndpoint: true,
        label:
            "32% 429 (Retry-After 1 s), 15% 503, 5% dropped connections, the same at the token endpoint, tokens expiring 15 s " +
            "after issue",
    },
    issue12: {
        rate429: 0.3,
        rate5xx: 0.1,
        dropRate: 0.05,
        tokenExpiresEarlySeconds: 30,
        tokenEndpoint: false,
        label: "30% 429 (Retry-After 1 s), 10% 503, 5% dropped connections, tokens expiring 30 s after issue",
    },
};

export function faultsFor(seed: number, mix: Mix = MIXES[MIX]): Faults {
    const rates = { rate429: mix.rate429, rate5xx: mix.rate5xx, dropRate: mix.dropRate };
    return {
        seed,
        ...rates,
        retryAfterSeconds: 1,
        ...(mix.tokenExpiresEarlySeconds
            ? { tokenExpiresEarlySeconds: mix.tokenExpiresEarlySeconds, tokenExpiresEarlyApps: [APPS.provider] }
            : {}),
        ...(mix.tokenEndpoint ? { tokenEndpoint: { ...rates, retryAfterSeconds: 1 } } : {}),
    };
}

/**
 * Expected attempts per $batch item under a mix: an item is done when its batch request gets an answer
 * (not 429, 5xx or dropped) and the item's own answer is not 429 or 5xx: 1 / ((1 - q_request) (1 - q_item)).
 * The ideal time of a run is the fault-free time times this.
 */
export function expectedAttempts(mix: Pick<Mix, "rate429" | "rate5xx" | "dropRate">): number {
    const request = mix.rate429 + mix.rate5xx + mix.dropRate;
    const item = mix.rate429 + mix.rate5xx;
    return 1 / ((1 - request) * (1 - item));
}

interface RunResult {
    label: string;
    seed?: number;
    mix?: Mix;
    exitCode: number;
    converged: boolean;
    seconds: number;
    requests: number;
    injected: { "429": number; "503": number; dropped: number; "401": number };
    problems: string[];
    tail?: string;
    /** Per-user MFA phases (s): check, create (read + write + verify), from the trace. */
    phases: { check?: number; create?: number };
    /** Longest time (s) without a progress line while per-user MFA's create ran (from the trace). */
    silence?: number;
    /** Stopped by --cap before it ended (not finished). */
    capped?: boolean;
    /** Injected faults at the token endpoint (429, 503, dropped). */
    tokenFaults: number;
}

async function oneRun(label: string, faults: Faults | undefined, mix?: Mix): Promise<RunResult> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-bench-faults-"));
    let emu: RunningEmulator | undefined;
    try {
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator"), maxLogEntries: 1_000_000 });
        emu.directory().seed(Math.ceil(USERS * 1.25) + 50, 42);
        const users = [...emu.directory().users.values()]
            .filter((u) => u.userType === "Member" && !u.breakGlass && u.perUserMfaState !== "enforced")
            .slice(0, USERS);
        if (users.length < USERS) {
            throw new Error(`only ${users.length} users to change`);
        }
        // The users to change, as a group (2,000 names would not fit in one config command line).
        const groupId = "b3e5c2a1-0f4d-4a8b-9c7e-2d1f0a9b8c7d";
        emu.directory().putGroup({ id: groupId, displayName: "Bench - Per-user MFA", members: users.map((u) => u.id) });
        // A tenant that differs from the baseline everywhere.
        const portal = clientsAs(emu, APPS.portal);
        await portal.graph.patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
        await portal.exchange.invoke("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: false });
        await portal.exchange.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
        const scanner = emu.defaultTenant().exchange!.mailboxes.find((m) => m.alias === "scanner")!.primarySmtpAddress;

        const traceFile = path.join(tmp, "trace.jsonl");
        // Ours as the provider app, through the client layer; azuread (go-azure-sdk's own retries) as an app of its own,
        // as its provider configuration (ARM_* / azuread:*) is apart from ours: the early token expiry reaches only
        // ours (AZUREAD_APP, tokenExpiresEarlyApps), every other fault both.
        if (CA)
            emu.store.addServicePrincipal(emu.defaultTenant().tenantId, AZUREAD_APP, {
                graphRoles: ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"],
            });
        const env = { ...emu.env(APPS.provider), ...(CA ? emu.azureadEnv(AZUREAD_APP) : {}), M365_MFA_TRACE: traceFile };
        const ws = new PulumiWorkspace({ projectDir: copyProject(path.join(tmp, "project")), workDir: path.join(tmp, "work"), env });
        await ws.initStack("faults", BUDGET ? { "m365-mfa:retryBudgetSeconds": BUDGET } : {}, {
            "m365-mfa:baseline": {
                breakGlassAccounts: [...emu.directory().users.values()].filter((u) => u.breakGlass).map((u) => u.userPrincipalName),
                securityDefaults: { enabled: true },
                modernAuthentication: { enabled: true },
                smtpAuth: { disabledForOrganization: true, exceptions: [scanner] },
                exchangeAuthenticationPolicy: { name: "Block Basic Auth", allowBasicAuth: { Smtp: true }, organizationDefault: true },
                perUserMfa: { assignments: [{ state: "enforced", groups: [groupId] }] },
                ...(CA ? { legacyAuthentication: { mode: "reportOnly" }, conditionalAccessMfa: { mode: "reportOnly" } } : {}),
                guards: { confirm: [confirmationToken(Object.fromEntries(users.map((u) => [u.userPrincipalName, "enforced" as const])))] },
                authenticationMethods: {
                    policy: {
                        registrationCampaign: {
                            state: "enabled",
                            snoozeDurationInDays: 1,
                            includeTargets: [
                                { id: "all_users", targetType: "group", targetedAuthenticationMethod: "microsoftAuthenticator" },
                            ],
                        },
                        policyMigrationState: "migrationComplete",
                    },
                    methods: {
                        microsoftAuthenticator: {
                            state: "enabled",
                            featureSettings: {
                                displayAppInformationRequiredState: { state: "enabled" },
                                displayLocationInformationRequiredState: { state: "enabled" },
                            },
                        },
                        sms: { state: "disabled" },
                        voice: { state: "disabled" },
                        temporaryAccessPass: { state: "enabled", defaultLifetimeInMinutes: 60, isUsableOnce: true },
                    },
                },
            },
        });

        const from = emu.requests.length;
        emu.faults = faults ? { ...faults } : {};
        const t0 = Date.now();
        // --cap S (the sweep): a run still going after S seconds is stopped and reported as not finished.
        let capped = false;
        const cap = CAP
            ? setTimeout(() => {
                  capped = true;
                  killPulumi(ws.configFile("faults"), tmp);
              }, CAP * 1000)
            : undefined;
        const r = await ws.up("faults");
        if (cap) clearTimeout(cap);
        const seconds = (Date.now() - t0) / 1000;
        if (capped) r.output += `\nstopped by --cap ${CAP} s: not finished`;
        const log = emu.requests.slice(from);
        // The engine's whole output, for reading a run afterwards.
        const outputFile = path.join(os.tmpdir(), `m365-mfa-bench-faults-${label.replace(/[^\w]+/g, "-")}-${faults?.seed ?? "none"}.log`);
        fs.writeFileSync(outputFile, r.output);
        console.error(`engine output: ${outputFile}`);
        emu.faults = {};

        // Converged: the engine said so, and the tenant is in the declared state (read without faults).
        const problems: string[] = [];
        const t = emu.defaultTenant();
        const dir = emu.directory();
        if (!t.securityDefaults.isEnabled) problems.push("security defaults off");
        const org = t.exchange!.organization;
        if (org.oauth2ClientProfileEnabled !== true) problems.push("modern authentication off");
        if (org.smtpClientAuthenticationDisabled !== true) problems.push("SMTP AUTH on");
        const notEnforced = users.filter((u) => dir.user(u.id)!.perUserMfaState !== "enforced").length;
        if (notEnforced) problems.push(`${notEnforced} users not enforced`);
        const graph = clientsAs(emu, APPS.provider).graph;
        const policy = await graph.get("/policies/authenticationMethodsPolicy");
        if (policy.policyMigrationState !== "migrationComplete") problems.push("methods policy migration not complete");
        if ((await graph.get(`${METHODS}/sms`)).state !== "disabled") problems.push("sms not disabled");
        if ((await graph.get(`${METHODS}/temporaryAccessPass`)).state !== "enabled") problems.push("TAP not enabled");
        const ca = t.conditionalAccessPolicies.filter((p) => p.state === "enabledForReportingButNotEnforced");
        if (CA && ca.length < 2) problems.push(`${ca.length} of 2 Conditional Access policies in report-only`);
        const isToken = (e: { path: string }) => /\/oauth2\/v2\.0\/token$/.test(e.path);
        const count = (s: number | "dropped") => log.filter((e) => e.status === s && !isToken(e)).length;
        const { phases, silence } = fromTrace(traceFile);
        return {
            label,
            seed: faults?.seed,
            exitCode: r.code,
            converged: r.code === 0 && problems.length === 0,
            capped,
            seconds,
            requests: log.length,
            injected: { "429": count(429), "503": count(503), dropped: count("dropped"), "401": count(401) },
            problems,
            mix,
            phases,
            ...(silence !== undefined ? { silence } : {}),
            tokenFaults: log.filter((e) => isToken(e) && (e.status === 429 || e.status === 503 || e.status === "dropped")).length,
            ...(r.code !== 0
                ? {
                      tail: r.output
                          .split("\n")
                          .filter((l) => /error|failed|gave up/i.test(l))
                          .slice(0, 12)
                          .join("\n"),
                  }
                : {}),
        };
    } finally {
        await emu?.stop();
        if (!process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    }
}

/**
 * Stops the `pulumi up` this benchmark started for one run, by process id: the CLI (its command line
 * names the run's own config file) and the processes working in the run's temporary directory (the
 * language host, the program, the provider plugins).
 */
function killPulumi(configFile: string, runDir: string): void {
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)) {
        try {
            const ours =
                fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(configFile) ||
                fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(runDir + path.sep);
            if (ours) process.kill(Number(pid), "SIGKILL");
        } catch {
            // gone already, or not ours to read
        }
    }
}

/** Per-user MFA's check and create, and the longest silence between progress lines during its create, from the trace. */
function fromTrace(file: string): { phases: RunResult["phases"]; silence?: number } {
    if (!fs.existsSync(file)) return { phases: {} };
    const lines = fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { at: string; what: string; ms: number; of?: string });
    const last = (what: string) => lines.filter((l) => l.what === what).pop();
    const check = last("PerUserMfa check");
    const create = last("PerUserMfa create");
    let silence: number | undefined;
    if (create) {
        const end = Date.parse(create.at);
        const start = end - create.ms;
        const marks = [
            start,
            ...lines
                .filter((l) => l.what === "progress" && Date.parse(l.at) >= start && Date.parse(l.at) <= end)
                .map((l) => Date.parse(l.at)),
            end,
        ];
        silence = Math.max(...marks.slice(1).map((t, i) => t - marks[i])) / 1000;
    }
    return { phases: { ...(check ? { check: check.ms / 1000 } : {}), ...(create ? { create: create.ms / 1000 } : {}) }, silence };
}

const fmt = (n: number | undefined) => (n === undefined ? "-" : n.toFixed(1));

function table(rows: RunResult[]): string {
    const base = rows.find((r) => r.label === "fault-free");
    const mix = MIXES[MIX];
    const lines = [
        `First \`pulumi up\` of the whole baseline (${USERS.toLocaleString("en")} users to change with per-user MFA, every ` +
            "other member of the baseline" +
            `${CA ? ", both Conditional Access policies through the azuread plugin" : "; no Conditional Access (--no-ca)"}) ` +
            `against the emulator; faults: ${mix.label}; retry budget ${BUDGET ?? "300"} s. Ideal: the fault-free time x ` +
            `${expectedAttempts(mix).toFixed(2)} expected attempts per item.`,
        "",
        "| run | seed | converged on the first up | time (s) | ideal (s) | x ideal | per-user MFA check / create (s) | " +
            "longest silence (s) | requests | 429 | 503 | dropped | 401 (expired token) | token endpoint faults |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ];
    for (const r of rows) {
        const ideal = base && r.mix ? base.seconds * expectedAttempts(r.mix) : base && r === base ? base.seconds : undefined;
        lines.push(
            `| ${r.label} | ${r.seed ?? "-"} | ` +
                `${r.converged ? "yes" : `**no** (exit ${r.exitCode}${r.problems.length ? `; ${r.problems.join(", ")}` : ""})`} ` +
                `| ${r.seconds.toFixed(1)} | ${fmt(ideal)} | ${ideal ? (r.seconds / ideal).toFixed(2) : "-"} | ` +
                `${fmt(r.phases.check)} / ${fmt(r.phases.create)} | ${fmt(r.silence)} | ${r.requests.toLocaleString("en")} | ` +
                `${r.injected["429"]} | ${r.injected["503"]} | ${r.injected.dropped} | ${r.injected["401"]} | ${r.tokenFaults} |`,
        );
    }
    return lines.join("\n");
}

const verdict = (r: RunResult) => (r.converged ? "yes" : r.capped ? `not finished (stopped at ${CAP} s)` : `no (exit ${r.exitCode})`);

/** First-up time against the fault rate, 429 alone and 5xx alone, beside the ideal curve. */
async function sweep() {
    const rates = (arg("rates") ?? "0.1,0.2,0.3,0.4,0.5").split(",").map(Number);
    const seed = arg("seed") !== undefined ? Number(arg("seed")) : 2200;
    console.error(`bench:faults --sweep: rates ${rates.join(", ")}, seed ${seed}`);
    const base = await oneRun("fault-free", undefined);
    console.error(`fault-free: ${base.seconds.toFixed(1)} s, converged ${base.converged}`);
    const points: { kind: "429" | "5xx"; rate: number; run: RunResult; ideal: number }[] = [];
    for (const kind of ["429", "5xx"] as const) {
        for (const rate of rates) {
            const mix: Mix = {
                rate429: kind === "429" ? rate : 0,
                rate5xx: kind === "5xx" ? rate : 0,
                dropRate: 0,
                tokenEndpoint: true,
                label: `${Math.round(rate * 100)}% ${kind}`,
            };
            console.error(`${mix.label}...`);
            const run = await oneRun(mix.label, faultsFor(seed, mix), mix);
            const ideal = base.seconds * expectedAttempts(mix);
            points.push({ kind, rate, run, ideal });
            console.error(
                `${mix.label}: ${run.seconds.toFixed(1)} s (ideal ${ideal.toFixed(1)} s), converged ${run.converged}` +
                    `${run.tail ? `\n${run.tail}` : ""}`,
            );
        }
    }
    const lines = [
        `First \`pulumi up\` time against the fault rate (${USERS.toLocaleString("en")} users, the whole baseline` +
            `${CA ? " with both Conditional Access policies" : " without Conditional Access"}; one fault type at a time, at ` +
            `Graph and Exchange requests, $batch items and the token endpoint; Retry-After 1 s on 429; seed ${seed}). Ideal: the ` +
            `fault-free time (${base.seconds.toFixed(1)} s) x 1/(1-r)^2 expected attempts per item.`,
        "",
        ...(CAP ? [`A run still going after ${CAP} s was stopped (--cap) and counts as not finished.`, ""] : []),
        "| fault rate | ideal (s) | 429: time (s) | 429: x ideal | 429: converged | 5xx: time (s) | 5xx: x ideal | 5xx: converged |",
        "|---:|---:|---:|---:|---|---:|---:|---|",
        `| 0% | ${base.seconds.toFixed(1)} | ${base.seconds.toFixed(1)} | 1.00 | ${base.converged ? "yes" : "no"} | ` +
            `${base.seconds.toFixed(1)} | 1.00 | ${base.converged ? "yes" : "no"} |`,
    ];
    for (const rate of rates) {
        const a = points.find((p) => p.kind === "429" && p.rate === rate)!;
        const b = points.find((p) => p.kind === "5xx" && p.rate === rate)!;
        lines.push(
            `| ${Math.round(rate * 100)}% | ${a.ideal.toFixed(1)} | ${a.run.seconds.toFixed(1)} | ` +
                `${(a.run.seconds / a.ideal).toFixed(2)} | ${verdict(a.run)} | ${b.run.seconds.toFixed(1)} | ` +
                `${(b.run.seconds / b.ideal).toFixed(2)} | ${verdict(b.run)} |`,
        );
    }
    const out = lines.join("\n");
    console.log(out);
    fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
    fs.writeFileSync(path.join(__dirname, "results", "faults-sweep.md"), `${out}\n`);
    writeSweepChart(path.join(__dirname, "results", "faults-sweep.svg"), {
        title: `First pulumi up under faults, ${USERS.toLocaleString("en")} users`,
        base: base.seconds,
        series: [
            {
                name: "429 (measured)",
                color: "#d62728",
                points: [
                    [0, base.seconds],
                    ...points.filter((p) => p.kind === "429").map((p): [number, number] => [p.rate, p.run.seconds]),
                ],
            },
            {
                name: "5xx (measured)",
                color: "#1f77b4",
                points: [
                    [0, base.seconds],
                    ...points.filter((p) => p.kind === "5xx").map((p): [number, number] => [p.rate, p.run.seconds]),
                ],
            },
            {
                name: "ideal: fault-free x expected attempts",
                color: "#2ca02c",
                dashed: true,
                points: [0, ...rates].map((r): [number, number] => [r, base.seconds / (1 - r) ** 2]),
            },
        ],
    });
    process.exit(points.every((p) => p.run.converged) && base.converged ? 0 : 2);
}

async function main() {
    if (process.argv.includes("--sweep")) {
        return sweep();
    }
    console.error(`bench:faults: seeds ${FIRST_SEED}..${FIRST_SEED + RUNS - 1} (replay one with --seed <seed> --runs 1)`);
    const rows: RunResult[] = [];
    if (!process.argv.includes("--no-baseline")) {
        console.error("fault-free run...");
        rows.push(await oneRun("fault-free", undefined));
        console.error(table(rows));
    }
    for (let i = 0; i < RUNS; i++) {
        const seed = FIRST_SEED + i;
        console.error(`seed ${seed}...`);
        const r = await oneRun(`faults #${i + 1}`, faultsFor(seed), MIXES[MIX]);
        rows.push(r);
        if (r.tail) {
            console.error(r.tail);
        }
        console.error(table(rows));
    }
    const out = table(rows);
    console.log(out);
    fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
    fs.writeFileSync(path.join(__dirname, "results", `faults-${MIX}${CA ? "" : "-no-ca"}-${FIRST_SEED}.md`), `${out}\n`);
    process.exit(rows.every((r) => r.converged) ? 0 : 2);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
