/**
 * npm run bench:faults [-- --seed N] [-- --runs 5] [-- --users 2000] [-- --budget 300]
 *
 * The fault benchmark (issue #12): first `pulumi up`s of the whole baseline against the tenant
 * emulator with faults on, each from a fresh tenant, beside a fault-free run of the same work.
 *
 * Faults (emulator/faults.ts, drawn from a seeded generator, so that a run replays exactly):
 * ~30% of Graph and Exchange requests answer 429 (Retry-After: 1), 10% answer 503 and 5% have their
 * connection dropped before an answer; each $batch item draws its own 429/503; tokens expire 30 s after
 * they are issued although expires_in says an hour (so every long run meets 401 "Lifetime validation
 * failed"). Graph's documented throttling is on as well.
 *
 * The stack: 2,000 users to change with per-user MFA (enforced), and every other member of the
 * baseline: security defaults, modern authentication, SMTP AUTH, the Exchange authentication policy,
 * the authentication methods policy and four method configurations. (Conditional Access needs the
 * azuread plugin; not part of this benchmark, see BENCHMARKS.md.)
 *
 * Seeds: --seed S runs seeds S, S+1, ... (--runs of them); without --seed, S is drawn and printed.
 * For each run it prints: the seed, whether the first `pulumi up` converged (exit 0 and the tenant
 * in the declared state), its time, the faults the emulator injected, and the fault-free time.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PulumiWorkspace, copyProject } from "../harness/engine";
import { clientsAs, startTrustedEmulator } from "../harness/tenant";
import type { Faults, RunningEmulator } from "../emulator/server";
import { APPS } from "../emulator/store";
import { confirmationToken } from "../settings/perUserMfa/setting";

function arg(name: string): string | undefined {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
}

const USERS = Number(arg("users") ?? 2000);
const RUNS = Number(arg("runs") ?? 5);
const BUDGET = arg("budget");
const FIRST_SEED = arg("seed") !== undefined ? Number(arg("seed")) : Math.floor(Math.random() * 1e9);
const METHODS = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations";

export function faultsFor(seed: number): Faults {
    return { seed, rate429: 0.3, rate5xx: 0.1, dropRate: 0.05, retryAfterSeconds: 1, tokenExpiresEarlySeconds: 30 };
}

interface RunResult {
    label: string;
    seed?: number;
    exitCode: number;
    converged: boolean;
    seconds: number;
    requests: number;
    injected: { "429": number; "503": number; dropped: number; "401": number };
    problems: string[];
    tail?: string;
}

async function oneRun(label: string, faults: Faults | undefined): Promise<RunResult> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-bench-faults-"));
    let emu: RunningEmulator | undefined;
    try {
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator"), maxLogEntries: 1_000_000 });
        emu.directory().seed(Math.ceil(USERS * 1.25) + 50, 42);
        const users = [...emu.directory().users.values()].filter((u) => u.userType === "Member" && !u.breakGlass && u.perUserMfaState !== "enforced").slice(0, USERS);
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

        const ws = new PulumiWorkspace({ projectDir: copyProject(path.join(tmp, "project")), workDir: path.join(tmp, "work"), env: emu.env(APPS.provider) });
        await ws.initStack("faults", BUDGET ? { "m365-mfa:retryBudgetSeconds": BUDGET } : {}, {
            "m365-mfa:baseline": {
                breakGlassAccounts: [...emu.directory().users.values()].filter((u) => u.breakGlass).map((u) => u.userPrincipalName),
                securityDefaults: { enabled: true },
                modernAuthentication: { enabled: true },
                smtpAuth: { disabledForOrganization: true, exceptions: [scanner] },
                exchangeAuthenticationPolicy: { name: "Block Basic Auth", allowBasicAuth: { Smtp: true }, organizationDefault: true },
                perUserMfa: { assignments: [{ state: "enforced", groups: [groupId] }] },
                guards: { confirm: [confirmationToken(Object.fromEntries(users.map((u) => [u.userPrincipalName, "enforced" as const])))] },
                authenticationMethods: {
                    policy: {
                        registrationCampaign: { state: "enabled", snoozeDurationInDays: 1, includeTargets: [{ id: "all_users", targetType: "group", targetedAuthenticationMethod: "microsoftAuthenticator" }] },
                        policyMigrationState: "migrationComplete",
                    },
                    methods: {
                        microsoftAuthenticator: { state: "enabled", featureSettings: { displayAppInformationRequiredState: { state: "enabled" }, displayLocationInformationRequiredState: { state: "enabled" } } },
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
        const r = await ws.up("faults");
        const seconds = (Date.now() - t0) / 1000;
        const log = emu.requests.slice(from);
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
        const count = (s: number | "dropped") => log.filter((e) => e.status === s).length;
        return {
            label,
            seed: faults?.seed,
            exitCode: r.code,
            converged: r.code === 0 && problems.length === 0,
            seconds,
            requests: log.length,
            injected: { "429": count(429), "503": count(503), dropped: count("dropped"), "401": count(401) },
            problems,
            ...(r.code !== 0 ? { tail: r.output.split("\n").filter((l) => /error|failed|gave up/i.test(l)).slice(0, 12).join("\n") } : {}),
        };
    } finally {
        await emu?.stop();
        if (!process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    }
}

function table(rows: RunResult[]): string {
    const lines = [
        `First \`pulumi up\` of the whole baseline (${USERS.toLocaleString("en")} users to change with per-user MFA, every other member of the baseline) against the emulator; faults: 30% 429 (Retry-After 1 s), 10% 503, 5% dropped connections, tokens expiring 30 s after issue; retry budget ${BUDGET ?? "300"} s.`,
        "",
        "| run | seed | converged on the first up | time (s) | requests | 429 | 503 | dropped | 401 (expired token) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ];
    for (const r of rows) {
        lines.push(
            `| ${r.label} | ${r.seed ?? "-"} | ${r.converged ? "yes" : `**no** (exit ${r.exitCode}${r.problems.length ? `; ${r.problems.join(", ")}` : ""})`} | ${r.seconds.toFixed(1)} | ${r.requests.toLocaleString("en")} | ${r.injected["429"]} | ${r.injected["503"]} | ${r.injected.dropped} | ${r.injected["401"]} |`,
        );
    }
    return lines.join("\n");
}

async function main() {
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
        const r = await oneRun(`faults #${i + 1}`, faultsFor(seed));
        rows.push(r);
        if (r.tail) {
            console.error(r.tail);
        }
        console.error(table(rows));
    }
    const out = table(rows);
    console.log(out);
    fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
    fs.writeFileSync(path.join(__dirname, "results", `faults-${FIRST_SEED}.md`), out + "\n");
    process.exit(rows.every((r) => r.converged) ? 0 : 2);
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
