/**
 * Conditional Access through the real azuread resource plugin (6.8.0, built from its release sources)
 * and the real engine, against the emulator as the tenant the plugin talks to: every preset that
 * creates Conditional Access policies applied from an empty stack, the per-user MFA migration in its
 * three stages, the switch from security defaults to Conditional Access in one `up`, no perpetual
 * diff, a portal change caught by drift and repaired, workload identity for both providers, and no
 * credential of either provider in state or logs.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { portal, startTrustedEmulator } from "../../harness/tenant";
import { decodedQuery } from "../../tests/support/decodedQuery";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS, type ConditionalAccessPolicyState } from "@m365-mfa/emulator";

const BREAK_GLASS = ["breakglass1@contoso.onmicrosoft.com", "breakglass2@contoso.onmicrosoft.com"];
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}/;
const REPORT_ONLY = "enabledForReportingButNotEnforced";

interface Scenario {
    tmp: string;
    emu: RunningEmulator;
    ws: PulumiWorkspace;
    /** Everything every command printed, for the credential checks. */
    logs: string[];
}

async function scenario(name: string, credentials: "secret" | "workload-identity"): Promise<Scenario> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `m365-mfa-e2e-ca-${name}-`));
    const emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
    let env: Record<string, string>;
    if (credentials === "workload-identity") {
        // What a GitHub Actions job with id-token: write has, and no secret for either provider: the
        // azuread provider asks the job's token endpoint itself (ARM_USE_OIDC); m365-mfa reads the token
        // the workflow wrote to a file (examples/github), as WorkloadIdentityCredential does.
        const tokenFile = path.join(tmp, "ci-oidc-token");
        fs.writeFileSync(tokenFile, emu.ciToken({ lifetimeSeconds: 3600 }));
        const { AZURE_CLIENT_SECRET: _s, ...ours } = emu.env(APPS.provider);
        env = { ...ours, AZURE_FEDERATED_TOKEN_FILE: tokenFile, ...emu.azureadEnv(APPS.provider, undefined, "github-oidc") };
    } else {
        env = { ...emu.env(APPS.provider), ...emu.azureadEnv(APPS.provider) };
    }
    const ws = new PulumiWorkspace({ projectDir: copyProject(path.join(tmp, "project")), workDir: path.join(tmp, "work"), env });
    return { tmp, emu, ws, logs: [] };
}

async function finish(s: Scenario | undefined): Promise<void> {
    await s?.emu.stop();
    if (s?.tmp && !process.env.KEEP_TEST_DIRS) {
        fs.rmSync(s.tmp, { recursive: true, force: true });
    }
}

function policies(emu: RunningEmulator): ConditionalAccessPolicyState[] {
    return emu.defaultTenant().conditionalAccessPolicies;
}

function policyNamed(emu: RunningEmulator, displayName: string): ConditionalAccessPolicyState {
    const p = policies(emu).find((x) => x.displayName === displayName);
    assert.ok(
        p,
        `no Conditional Access policy "${displayName}" in the tenant: ${policies(emu)
            .map((x) => x.displayName)
            .join(", ")}`,
    );
    return p;
}

const breakGlassIds = (emu: RunningEmulator) => BREAK_GLASS.map((upn) => emu.directory().user(upn)!.id).sort();
const excluded = (p: ConditionalAccessPolicyState) => [...((p.conditions as any).users.excludeUsers as string[])].sort();

async function run(s: Scenario, what: Promise<{ code: number; output: string }>) {
    const r = await what;
    s.logs.push(r.output);
    return r;
}

/**
 * The confirmations the guards ask for, one preview after another (the engine stops at the first
 * refusal), until the preview passes: each names its change, so it is read from the refusal.
 */
async function askedConfirmations(
    s: Scenario,
    stack: string,
    config: (confirm: string[]) => unknown,
    pattern: RegExp,
): Promise<{ confirm: string[]; outputs: string[] }> {
    const confirm: string[] = [];
    const outputs: string[] = [];
    for (let round = 0; round < 5; round++) {
        await s.ws.setConfigObject(stack, "m365-mfa:baseline", config(confirm));
        const r = await run(s, s.ws.preview(stack));
        outputs.push(r.output);
        if (r.code === 0) return { confirm, outputs };
        const asked = [...new Set(r.output.match(new RegExp(pattern.source, "g")) ?? [])].filter((t) => !confirm.includes(t));
        assert.ok(asked.length, `the refusal names no confirmation:\n${r.output}`);
        confirm.push(...asked);
    }
    throw new Error("the guards kept asking");
}

async function up(s: Scenario, stack: string, ...extra: string[]) {
    const r = await run(s, s.ws.up(stack, ...extra));
    assert.strictEqual(r.code, 0, r.output);
    return r;
}

/** After an up, neither a plain nor a refreshing preview finds anything to do. */
async function assertClean(s: Scenario, stack: string) {
    const plain = await run(s, s.ws.run(["preview", ...s.ws.stackArgs(stack), "--expect-no-changes", "--diff"]));
    assert.strictEqual(plain.code, 0, `preview after up is not clean:\n${plain.output}`);
    const refreshed = await run(s, s.ws.run(["preview", "--refresh", ...s.ws.stackArgs(stack), "--expect-no-changes", "--diff"]));
    assert.strictEqual(refreshed.code, 0, `preview --refresh after up is not clean (a perpetual diff):\n${refreshed.output}`);
}

/** Neither provider's credential, nor any token, in the stack's state files or in what the commands printed. */
async function assertNoCredentials(s: Scenario, stack: string, secrets: string[]) {
    const texts: [string, string][] = [
        ["stack export", JSON.stringify(await s.ws.exportStack(stack))],
        ...s.logs.map((l, i): [string, string] => [`command output ${i}`, l]),
    ];
    const walk = (d: string): string[] =>
        fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const f of walk(s.ws.backendDir)) {
        texts.push([f, fs.readFileSync(f, "utf8")]);
    }
    for (const [where, text] of texts) {
        for (const secret of secrets) {
            assert.ok(!text.includes(secret), `a credential was found in ${where}`);
        }
        assert.doesNotMatch(text, JWT, `a JWT was found in ${where}`);
    }
}

describe("engine: Conditional Access through the azuread provider", function () {
    this.timeout(900_000);

    describe("preset conditional-access from an empty stack, workload identity for both providers", () => {
        let s: Scenario;
        const stack = "ca";
        before(async () => {
            s = await scenario("preset", "workload-identity");
            await s.ws.initStack(stack, {}, { "m365-mfa:baseline": { preset: "conditional-access", breakGlassAccounts: BREAK_GLASS } });
        });
        after(() => finish(s));

        it(
            "keeps security defaults on (nothing replaces them while the policies are report-only) and creates both policies in " +
                "report-only, break-glass excluded",
            async () => {
                assert.strictEqual(s.emu.defaultTenant().securityDefaults.isEnabled, true);
                const r = await up(s, stack);
                assert.match(r.output, /report-only: nothing is blocked yet/);
                // Issue #21: the preset no longer switches security defaults off beside report-only policies (no MFA, no block left).
                assert.strictEqual(s.emu.defaultTenant().securityDefaults.isEnabled, true);
                const block = policyNamed(s.emu, "m365-mfa: block legacy authentication");
                const mfa = policyNamed(s.emu, "m365-mfa: require MFA for all users");
                for (const p of [block, mfa]) {
                    assert.strictEqual(p.state, REPORT_ONLY);
                    assert.deepStrictEqual(excluded(p), breakGlassIds(s.emu));
                    assert.deepStrictEqual((p.conditions as any).users.includeUsers, ["All"]);
                    assert.deepStrictEqual((p.conditions as any).applications.includeApplications, ["All"]);
                }
                assert.deepStrictEqual([...(block.conditions as any).clientAppTypes].sort(), ["exchangeActiveSync", "other"]);
                assert.deepStrictEqual((block.grantControls as any).builtInControls, ["block"]);
                assert.deepStrictEqual((mfa.grantControls as any).builtInControls, ["mfa"]);
                // And, since issue 24, phishing-resistant MFA for administrators and the device code flow block, report-only too
                // (tests/engine/mfaPosture.test.ts).
                assert.deepStrictEqual(
                    policies(s.emu)
                        .map((p) => [p.displayName, p.state])
                        .sort(),
                    [
                        ["m365-mfa: block device code flow", REPORT_ONLY],
                        ["m365-mfa: block legacy authentication", REPORT_ONLY],
                        ["m365-mfa: phishing-resistant MFA for administrators", REPORT_ONLY],
                        ["m365-mfa: require MFA for all users", REPORT_ONLY],
                    ],
                );
            },
        );

        it("reads back equal: no perpetual diff on the policies, with or without refresh", async () => {
            await assertClean(s, stack);
        });

        it(
            "a portal change to a policy (state switched, break-glass exclusion removed) is caught by drift and repaired by up " +
                "--refresh",
            async () => {
                const block = policyNamed(s.emu, "m365-mfa: block legacy authentication");
                const users = (block.conditions as any).users;
                await portal(s.emu).patch(`/identity/conditionalAccess/policies/${block.id}`, {
                    state: "disabled",
                    conditions: { users: { ...users, excludeUsers: [] } },
                });
                assert.deepStrictEqual(excluded(policyNamed(s.emu, block.displayName)), []);
                const reportDir = path.join(s.tmp, "drift");
                const drift = await run(
                    s,
                    s.ws.cli(["drift", "--stack", stack, "--config-file", s.ws.configFile(stack), "--report-dir", reportDir]),
                );
                assert.strictEqual(drift.code, 2, drift.output);
                const report = JSON.parse(fs.readFileSync(path.join(reportDir, "drift-report.json"), "utf8"));
                const text = JSON.stringify(report);
                assert.match(text, /tenant-legacy-authentication-policy/);
                assert.match(text, /disabled/);
                const md = fs.readFileSync(path.join(reportDir, "drift-report.md"), "utf8");
                assert.match(md, /tenant-legacy-authentication-policy/);
                assert.doesNotMatch(md, /tenant-require-mfa-policy/, "the untouched policy is not drift");
                const fix = await up(s, stack, "--refresh");
                assert.match(fix.output, /tenant-legacy-authentication-policy/);
                const repaired = policyNamed(s.emu, block.displayName);
                assert.strictEqual(repaired.state, REPORT_ONLY);
                assert.deepStrictEqual(excluded(repaired), breakGlassIds(s.emu));
                await assertClean(s, stack);
            },
        );

        it("no credential of either provider, and no token, in state files or command output", async () => {
            const token = fs.readFileSync(path.join(s.tmp, "ci-oidc-token"), "utf8");
            await assertNoCredentials(s, stack, [
                token,
                s.emu.app(APPS.provider).secret,
                s.emu.ciRequestEnv().ACTIONS_ID_TOKEN_REQUEST_TOKEN,
            ]);
        });
    });

    describe("per-user-mfa-to-conditional-access, stages 1 -> 2 -> 3 in turn", () => {
        let s: Scenario;
        const stack = "migrate";
        const members = () => [...s.emu.directory().users.values()].filter((u) => !u.breakGlass);
        const baseline = (stage: number, confirm: string[] = []) => ({
            preset: "per-user-mfa-to-conditional-access",
            migrationStage: stage,
            breakGlassAccounts: BREAK_GLASS,
            ...(confirm.length ? { guards: { confirm } } : {}),
        });
        before(async () => {
            s = await scenario("migrate", "secret");
            // A tenant on per-user MFA: a third of the users enforced, security defaults off.
            await portal(s.emu).patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
            const d = s.emu.directory();
            members()
                .filter((_, i) => i % 3 === 0)
                .forEach((u) => {
                    d.updateUser(u.id, { perUserMfaState: "enforced" });
                });
            await s.ws.initStack(stack, {}, { "m365-mfa:baseline": baseline(1) });
        });
        after(() => finish(s));

        it("stage 1: the policies in report-only beside per-user MFA; nobody's per-user state changes", async () => {
            const before = members().map((u) => [u.id, u.perUserMfaState]);
            await up(s, stack);
            assert.deepStrictEqual(
                policies(s.emu).map((p) => p.state),
                [REPORT_ONLY, REPORT_ONLY],
            );
            assert.deepStrictEqual(
                members().map((u) => [u.id, u.perUserMfaState]),
                before,
            );
            await assertClean(s, stack);
        });

        let confirm: string[] = [];
        it(
            "stage 2: enforcing needs confirmations that name the change (users and digest, from the tenant), with readiness; " +
                "with them the policies are on",
            async () => {
                // The static token of earlier versions confirms nothing any more.
                await s.ws.setConfigObject(
                    stack,
                    "m365-mfa:baseline",
                    baseline(2, ["legacy-authentication:on", "conditional-access-mfa:on"]),
                );
                const old = await run(s, s.ws.preview(stack));
                assert.notStrictEqual(old.code, 0, old.output);
                assert.match(old.output, /no longer confirms anything/);
                const users = members().length;
                const asked = await askedConfirmations(
                    s,
                    stack,
                    (c) => baseline(2, c),
                    /(legacy-authentication|conditional-access-mfa):\d+:[0-9a-f]{8}/,
                );
                assert.deepStrictEqual(
                    asked.confirm.map((t) => t.replace(/:[0-9a-f]{8}$/, "")).sort(),
                    [`conditional-access-mfa:${users}`, `legacy-authentication:${users}`],
                    "each policy names its users: every user but the break-glass accounts",
                );
                assert.match(
                    asked.outputs.join("\n"),
                    /Asked to register: \d+ users? have no MFA method|Will break: \d+ users? still sign in with legacy protocols/,
                    "the readiness per-user MFA has",
                );
                assert.deepStrictEqual(
                    policies(s.emu).map((p) => p.state),
                    [REPORT_ONLY, REPORT_ONLY],
                    "a refused preview changes nothing",
                );
                confirm = asked.confirm;
                await s.ws.setConfigObject(stack, "m365-mfa:baseline", baseline(2, confirm));
                // Both gates assess readiness in the preview; the provider's process reads it once for both
                // (providers/framework/readinessReport.ts shareReadinessReads). On a tenant that takes `or` on sign-ins,
                // a read is one query for all legacy protocols, so each read shows as one such query.
                // A user still on IMAP, so that both gates have someone to name (the legacy block names only legacy users).
                const tenant = s.emu.defaultTenant();
                const recorded = tenant.recordedSignIns;
                s.emu.store.mutate(() => {
                    tenant.signInOrFilter = "accepted";
                    tenant.recordedSignIns = [
                        ...(recorded ?? []),
                        {
                            id: "5f0e0a53-0000-4000-8000-0000000000a1",
                            createdDateTime: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
                            userPrincipalName: members()[1].userPrincipalName,
                            appDisplayName: "Mail",
                            clientAppUsed: "IMAP4",
                            appliedConditionalAccessPolicies: [],
                        },
                    ];
                });
                try {
                    const at = s.emu.requests.length;
                    const confirmed = await run(s, s.ws.preview(stack));
                    assert.strictEqual(confirmed.code, 0, confirmed.output);
                    const gates = new Set(
                        [...confirmed.output.matchAll(/warning: (.+?) readiness: Readiness: \d+ of \d+ users would be affected/g)].map(
                            (m) => m[1],
                        ),
                    );
                    assert.strictEqual(gates.size, 2, `both gates report readiness:\n${confirmed.output}`);
                    const legacyQueries = s.emu.requests
                        .slice(at)
                        .filter((r) => r.path.endsWith("/auditLogs/signIns") && !/skiptoken/i.test(r.query ?? ""))
                        .filter((r) => /clientAppUsed eq 'IMAP4' or /.test(decodedQuery(r)));
                    assert.strictEqual(legacyQueries.length, 1, "one readiness read for both gates");
                } finally {
                    s.emu.store.mutate(() => {
                        tenant.signInOrFilter = undefined;
                        tenant.recordedSignIns = recorded;
                    });
                }
                await up(s, stack);
                assert.deepStrictEqual(
                    policies(s.emu).map((p) => p.state),
                    ["enabled", "enabled"],
                );
                await assertClean(s, stack);
            },
        );

        it("stage 3: per-user MFA off for every user but the break-glass accounts, after the blast-radius confirmation", async () => {
            await s.ws.setConfigObject(stack, "m365-mfa:baseline", baseline(3, confirm));
            const refused = await run(s, s.ws.preview(stack));
            assert.notStrictEqual(refused.code, 0, refused.output);
            const token = /per-user-mfa:\d+:[0-9a-f]{8}/.exec(refused.output)?.[0];
            assert.ok(token, `the blast-radius guard names its confirmation:\n${refused.output}`);
            await s.ws.setConfigObject(stack, "m365-mfa:baseline", baseline(3, [...confirm, token]));
            await up(s, stack);
            assert.deepStrictEqual([...new Set(members().map((u) => u.perUserMfaState))], ["disabled"]);
            assert.deepStrictEqual(
                policies(s.emu).map((p) => p.state),
                ["enabled", "enabled"],
            );
            await assertClean(s, stack);
        });

        it("no client secret of either provider, and no token, in state files or command output", async () => {
            await assertNoCredentials(s, stack, [s.emu.app(APPS.provider).secret]);
        });
    });

    describe("switch from security-defaults to conditional-access in one up", () => {
        let s: Scenario;
        const stack = "switch";
        before(async () => {
            s = await scenario("switch", "secret");
            await s.ws.initStack(stack, {}, { "m365-mfa:baseline": { preset: "security-defaults", breakGlassAccounts: BREAK_GLASS } });
            await up(s, stack);
            assert.strictEqual(s.emu.defaultTenant().securityDefaults.isEnabled, true);
        });
        after(() => finish(s));

        it("security defaults go off before any Conditional Access policy is enforced (no weakening: both replace them)", async () => {
            const config = (confirm: string[]) => ({
                preset: "conditional-access",
                breakGlassAccounts: BREAK_GLASS,
                legacyAuthentication: { mode: "on" },
                conditionalAccessMfa: { mode: "on" },
                ...(confirm.length ? { guards: { confirm } } : {}),
            });
            const { confirm, outputs } = await askedConfirmations(
                s,
                stack,
                config,
                /(legacy-authentication|conditional-access-mfa):\d+:[0-9a-f]{8}/,
            );
            assert.doesNotMatch(
                outputs.join("\n"),
                /WEAKENS security/,
                "security defaults off with both replacements enforced is no weakening",
            );
            assert.strictEqual(confirm.length, 2, outputs.join("\n"));
            const from = s.emu.requests.length;
            await up(s, stack);
            assert.strictEqual(s.emu.defaultTenant().securityDefaults.isEnabled, false);
            // The two enforced, and (issue 24) the preset's phishing-resistant MFA for admins and device code flow block in report-only.
            assert.deepStrictEqual(
                policies(s.emu)
                    .map((p) => [p.displayName, p.state])
                    .sort(),
                [
                    ["m365-mfa: block device code flow", REPORT_ONLY],
                    ["m365-mfa: block legacy authentication", "enabled"],
                    ["m365-mfa: phishing-resistant MFA for administrators", REPORT_ONLY],
                    ["m365-mfa: require MFA for all users", "enabled"],
                ],
            );
            const log = s.emu.requests.slice(from);
            const sdOff = log.findIndex(
                (r) => r.method === "PATCH" && r.path.endsWith("/policies/identitySecurityDefaultsEnforcementPolicy") && r.status === 204,
            );
            const caCreates = log
                .map((r, i) => ({ r, i }))
                .filter(({ r }) => r.method === "POST" && r.path.endsWith("/identity/conditionalAccess/policies"));
            assert.ok(sdOff >= 0, "security defaults were switched off");
            // Conditional Access answers 1 request a second per tenant; a throttled POST (429) is retried by azuread.
            assert.deepStrictEqual(caCreates.filter(({ r }) => r.status === 201).length, 4, JSON.stringify(caCreates));
            assert.ok(
                caCreates.every(({ r }) => r.status === 201 || r.status === 429),
                JSON.stringify(caCreates),
            );
            assert.ok(
                caCreates.every(({ i }) => i > sdOff),
                "every Conditional Access policy was sent after security defaults went off",
            );
            await assertClean(s, stack);
        });
    });
});
