/**
 * Many tenants without the engine: the tenants file (merge, validation naming the tenant and key),
 * credentials per tenant, the stack config kept out of the project, the roll-up and exit codes, and
 * the GitHub Actions matrix at 600 tenants.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { main } from "../../cli";
import { GITHUB_MATRIX_LIMIT, buildMatrix, githubOutputs } from "../../multitenant/matrix";
import { type TenantResult, collectResults, rollUp, rollUpMarkdown, writeReports } from "../../multitenant/report";
import { exitCode, previewEnv, stateDirFor, tenantEnv, writeStackConfig } from "../../multitenant/run";
import { DRIFT_CHECK_ENV, PLAN_PREVIEW } from "../../pipelines/localEngine";
import { TenantsFileError, loadTenants, mergeBaseline, validateTenantsFile } from "../../multitenant/tenants";

const BASE = { preset: "conditional-access", breakGlassAccounts: ["bg1@contoso.com"], readiness: { mode: "warn" } };

function problems(fn: () => unknown): string[] {
    try {
        fn();
    } catch (err) {
        if (err instanceof TenantsFileError) return [...err.problems];
        throw err;
    }
    assert.fail("expected a TenantsFileError");
}

describe("unit: many tenants", () => {
    let tmp: string;
    before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-mt-unit-"))));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    describe("the tenants file", () => {
        it("an override replaces a key as a whole, null removes it, the rest is the baseline's", () => {
            const merged = mergeBaseline(BASE, {
                readiness: { mode: "block", acceptedUsers: ["ceo@contoso.com"] },
                breakGlassAccounts: null,
                guards: { confirm: ["conditional-access-mfa:on"] },
            });
            assert.deepStrictEqual(merged, {
                preset: "conditional-access",
                readiness: { mode: "block", acceptedUsers: ["ceo@contoso.com"] },
                guards: { confirm: ["conditional-access-mfa:on"] },
            });
            assert.deepStrictEqual(BASE.readiness, { mode: "warn" }, "the baseline is not changed");
        });

        it("gives each tenant its merged baseline, stack and defaults (a tenant without P1 gets security defaults)", () => {
            const f = validateTenantsFile({
                baseline: BASE,
                defaults: { clientId: "app-1", cloud: "global" },
                tenants: [
                    { name: "contoso", tenantId: "t1", clientSecretEnv: "CONTOSO_SECRET" },
                    {
                        name: "fabrikam",
                        tenantId: "t2",
                        clientId: "app-2",
                        stack: "prod-fabrikam",
                        overrides: { preset: "security-defaults", breakGlassAccounts: ["bg@fabrikam.com"] },
                    },
                    {
                        name: "northwind",
                        tenantId: "t3",
                        overrides: {
                            perUserMfa: { assignments: [{ state: "enforced", groups: ["6f1d3b8e-2c4a-4e0f-9a7b-1c2d3e4f5a6b"] }] },
                        },
                    },
                ],
            });
            assert.deepStrictEqual(
                f.tenants.map((t) => [t.name, t.stack, t.clientId, t.cloud]),
                [
                    ["contoso", "m365-mfa-contoso", "app-1", "global"],
                    ["fabrikam", "prod-fabrikam", "app-2", "global"],
                    ["northwind", "m365-mfa-northwind", "app-1", "global"],
                ],
            );
            assert.deepStrictEqual(f.tenants[1].baseline, {
                preset: "security-defaults",
                breakGlassAccounts: ["bg@fabrikam.com"],
                readiness: { mode: "warn" },
            });
            assert.deepStrictEqual((f.tenants[2].baseline as any).perUserMfa.assignments[0].state, "enforced");
        });

        it("names the tenant and the key at fault, under overrides or under the shared baseline, every problem at once", () => {
            const p = problems(() =>
                validateTenantsFile({
                    baseline: { ...BASE, smtpAuth: { disabledForOrganization: "yes" } },
                    tenants: [
                        { name: "contoso", tenantId: "t1", overrides: { smtpAuth: { disabledForOrganization: true } } },
                        { name: "litware", tenantId: "t2" },
                        {
                            name: "fabrikam",
                            tenantId: "t3",
                            overrides: { smtpAuth: null, perUserMfa: { assignments: [{ state: "on", users: ["a@fabrikam.com"] }] } },
                        },
                        {
                            name: "tailspin",
                            tenantId: "t4",
                            overrides: { smtpAuth: null, readiness: { mode: "warn", acceptUsers: ["x@y.z"] } },
                        },
                    ],
                }),
            );
            assert.deepStrictEqual(p.length, 3, p.join("\n"));
            assert.match(
                p[0],
                /^tenants\[1\] \(litware\): baseline\.smtpAuth\.disabledForOrganization: must be true or false .*, got "yes"$/,
            );
            assert.strictEqual(
                p[1],
                'tenants[2] (fabrikam).overrides.perUserMfa.assignments[0].state: must be one of disabled, enabled, enforced, got "on"',
            );
            assert.match(
                p[2],
                /^tenants\[3\] \(tailspin\)\.overrides\.readiness\.acceptUsers: is not a known setting; did you mean acceptedUsers\?/,
            );
        });

        it("checks its own keys: names, duplicates, tenant ids, credentials, endpoints, unknown keys", () => {
            const p = problems(() =>
                validateTenantsFile({
                    baseline: BASE,
                    defaults: { clientSecret: "s3cret" },
                    tenants: [
                        { name: "a b", tenantId: "t1" },
                        { name: "dup", tenantId: "t2" },
                        { name: "dup", tenantId: "t3" },
                        { name: "c", clientSecretEnv: "NOT-A-VAR", federatedTokenFile: "/tmp/x" },
                        { name: "d", tenantId: "t4", clientSecret: "s3cret", graphEndpoint: "http://graph", colour: "blue" },
                        { name: "e", tenantId: "t5", overrides: [] },
                    ],
                }),
            );
            const text = p.join("\n");
            for (const re of [
                /^defaults\.clientSecret: secrets never go in the tenants file/m,
                /^tenants\[0\] \(a b\)\.name: must be 1 to 64 letters/m,
                /^tenants\[2\] \(dup\)\.name: "dup" is also tenants\[1\]/m,
                /^tenants\[3\] \(c\)\.tenantId: is required/m,
                /^tenants\[3\] \(c\)\.clientSecretEnv: must name an environment variable/m,
                /^tenants\[3\] \(c\): clientSecretEnv and federatedTokenFile both given/m,
                /^tenants\[4\] \(d\)\.clientSecret: secrets never go in the tenants file/m,
                /^tenants\[4\] \(d\)\.colour: not a tenant key/m,
                /^tenants\[4\] \(d\)\.graphEndpoint: must be an https:\/\/ URL/m,
                /^tenants\[5\] \(e\)\.overrides: must be an object/m,
            ]) {
                assert.match(text, re);
            }
            assert.ok(!text.includes("s3cret"), "the secret is not repeated");
        });

        it("reads YAML and JSON, the old plain list with --baseline, and refuses a baseline given twice", () => {
            const yaml = path.join(tmp, "t.yaml");
            fs.writeFileSync(yaml, YAML.stringify({ baseline: { preset: "security-defaults" }, tenants: [{ name: "a", tenantId: "t1" }] }));
            assert.deepStrictEqual(loadTenants(yaml).tenants[0].baseline, { preset: "security-defaults" });
            const json = path.join(tmp, "t.json");
            const baseline = path.join(tmp, "b.json");
            fs.writeFileSync(json, JSON.stringify([{ name: "a", tenantId: "t1" }]));
            fs.writeFileSync(baseline, JSON.stringify({ securityDefaults: { enabled: true } }));
            assert.deepStrictEqual(loadTenants(json, baseline).tenants[0].baseline, { securityDefaults: { enabled: true } });
            assert.throws(() => loadTenants(yaml, baseline), /baseline: given both in the file and with --baseline/);
            fs.writeFileSync(json, "{ not json");
            assert.throws(
                () => loadTenants(json),
                /t\.json: the tenants file is not valid; no tenant was run:\n {2}- cannot be read as JSON/,
            );
        });

        it("the command refuses a bad file before running anything (exit 1, the message names the key)", async () => {
            const f = path.join(tmp, "bad.yaml");
            fs.writeFileSync(
                f,
                YAML.stringify({
                    baseline: BASE,
                    tenants: [
                        { name: "ok", tenantId: "t1" },
                        { name: "bad", tenantId: "t2", overrides: { preset: "zero-trust" } },
                    ],
                }),
            );
            let err = "";
            const code = await main(["multi-tenant", "--tenants", f, "--state-dir", path.join(tmp, "never")], {
                out: () => {},
                err: (s) => (err += s),
            });
            assert.strictEqual(code, 1);
            assert.match(
                err,
                new RegExp(
                    String.raw`^m365-mfa multi-tenant: bad\.yaml: the tenants file is not valid; no tenant was run:\n {2}- ` +
                        String.raw`tenants\[1\] \(bad\)\.overrides\.preset: must be one of`,
                ),
            );
            assert.ok(!fs.existsSync(path.join(tmp, "never")));
        });
    });

    describe("credentials and stack config", () => {
        const t = { name: "contoso", tenantId: "t1", clientId: "app" };

        it("a secret from the variable the tenant names, for both providers; the caller's own are overridden", () => {
            const { env, secrets } = tenantEnv(
                { ...t, clientSecretEnv: "CONTOSO_SECRET" },
                { CONTOSO_SECRET: "s3cret", AZURE_CLIENT_SECRET: "other", AZURE_FEDERATED_TOKEN_FILE: "/run/token" },
            );
            assert.deepStrictEqual(
                [env.AZURE_CLIENT_SECRET, env.ARM_CLIENT_SECRET, env.AZURE_FEDERATED_TOKEN_FILE, env.ARM_OIDC_TOKEN],
                ["s3cret", "s3cret", "", ""],
            );
            assert.deepStrictEqual(secrets, ["s3cret"]);
            assert.throws(
                () => tenantEnv({ ...t, clientSecretEnv: "MISSING_SECRET" }, {}),
                /environment variable MISSING_SECRET \(the client secret of contoso\) is not set/,
            );
        });

        it("workload identity: the tenant's token file, else the run's (one app across tenants); azuread gets the token", () => {
            const token = path.join(tmp, "token");
            fs.writeFileSync(token, "eyJhbGciOi.eyJzdWIiOi.sig\n");
            const own = tenantEnv({ ...t, federatedTokenFile: token }, { AZURE_CLIENT_SECRET: "other" });
            assert.deepStrictEqual(
                [own.env.AZURE_FEDERATED_TOKEN_FILE, own.env.AZURE_CLIENT_SECRET, own.env.ARM_USE_OIDC, own.env.ARM_OIDC_TOKEN],
                [token, "", "true", "eyJhbGciOi.eyJzdWIiOi.sig"],
            );
            const shared = tenantEnv(t, { AZURE_FEDERATED_TOKEN_FILE: token });
            assert.strictEqual(shared.env.AZURE_FEDERATED_TOKEN_FILE, token);
            assert.strictEqual(shared.env.ARM_TENANT_ID, "t1");
            assert.throws(
                () => tenantEnv({ ...t, federatedTokenFile: path.join(tmp, "nope") }, {}),
                /token file of contoso .* does not exist/,
            );
            assert.strictEqual(
                tenantEnv({ ...t, graphEndpoint: "https://127.0.0.1:8443" }, {}).env.ARM_METADATA_HOSTNAME,
                "127.0.0.1:8443",
            );
            assert.strictEqual(tenantEnv({ ...t, cloud: "usgov" }, {}).env.ARM_ENVIRONMENT, "usgovernmentl4");
        });

        it("stack config goes to the state directory (by backend), keeps the encryption salt, never a secret", () => {
            assert.strictEqual(stateDirFor({ PULUMI_BACKEND_URL: "file:///var/pulumi" }), path.join("/var/pulumi", "m365-mfa-stacks"));
            assert.strictEqual(
                stateDirFor({ PULUMI_BACKEND_URL: "https://api.pulumi.com", PULUMI_HOME: "/home/ci/.pulumi" }),
                path.join("/home/ci/.pulumi", "m365-mfa-stacks"),
            );
            const file = path.join(tmp, "Pulumi.m365-mfa-contoso.yaml");
            fs.writeFileSync(file, "encryptionsalt: v1:abc\nconfig:\n  m365-mfa:old: x\n");
            writeStackConfig(file, {
                ...t,
                clientSecretEnv: "CONTOSO_SECRET",
                stack: "m365-mfa-contoso",
                baseline: { preset: "security-defaults" },
            });
            const written = YAML.parse(fs.readFileSync(file, "utf8"));
            assert.deepStrictEqual(written, {
                encryptionsalt: "v1:abc",
                config: { "m365-mfa:tenantId": "t1", "m365-mfa:baseline": { preset: "security-defaults" }, "m365-mfa:clientId": "app" },
            });
        });
    });

    describe("the previews' environment", () => {
        it("the drift check's previews do not assess readiness, as m365-mfa drift's; preview and up's previews do", () => {
            assert.strictEqual(previewEnv("drift").M365_MFA_READINESS, DRIFT_CHECK_ENV.M365_MFA_READINESS);
            for (const op of ["preview", "up"] as const) {
                assert.strictEqual(previewEnv(op).M365_MFA_READINESS, undefined, op);
                assert.deepStrictEqual(previewEnv(op), { ...PLAN_PREVIEW.env }, op);
            }
            for (const [k, v] of Object.entries(PLAN_PREVIEW.env)) assert.strictEqual(previewEnv("drift")[k], v, k);
        });
    });

    describe("results", () => {
        const r = (tenant: string, status: TenantResult["status"], extra: Partial<TenantResult> = {}): TenantResult => ({
            tenant,
            tenantId: `id-${tenant}`,
            stack: `m365-mfa-${tenant}`,
            operation: "drift",
            status,
            changes: {},
            settings: [],
            users: 0,
            seconds: 1,
            ...extra,
        });
        const long = `error: ${"x".repeat(3000)} AADSTS7000215 the end`;

        it("exit codes: 1 when any tenant failed, else 2 when any drifted, 3 only pending, 0", () => {
            assert.strictEqual(exitCode([r("a", "clean"), r("b", "drifted"), r("c", "failed")]), 1);
            assert.strictEqual(exitCode([r("a", "clean"), r("b", "drifted"), r("c", "pending")]), 2);
            assert.strictEqual(exitCode([r("a", "clean"), r("c", "pending")]), 3);
            assert.strictEqual(exitCode([r("a", "clean"), r("b", "unchanged"), r("c", "changed")]), 0);
        });

        it("the roll-up says which tenants drifted, which settings, how many users, and every failure in full", () => {
            const results = [
                r("contoso", "clean"),
                r("fabrikam", "drifted", {
                    settings: [{ name: "tenant-per-user-mfa", title: "Per-user MFA", kind: "drift", fields: [], users: 12 }],
                    users: 12,
                }),
                r("broken", "failed", { error: long }),
            ];
            const u = rollUp(results, "drift");
            assert.deepStrictEqual([u.tenants, u.counts.failed, u.counts.drifted, u.counts.clean, u.exitCode], [3, 1, 1, 1, 1]);
            const md = rollUpMarkdown(u);
            assert.match(md, /^# m365-mfa drift: 3 tenants\n\n1 failed · 1 drifted · 1 clean\./);
            assert.match(md, /\| fabrikam \| m365-mfa-fabrikam \| drifted \| Per-user MFA \(drift\) \| 12 \|/);
            assert.match(
                md,
                new RegExp(
                    "### fabrikam \\(`m365-mfa-fabrikam`\\): drifted\\n\\n\\| setting \\| kind \\| fields \\| users " +
                        "\\|\\n\\|---\\|---\\|---\\|---:\\|\\n\\| Per-user MFA \\(`tenant-per-user-mfa`\\) \\| drift \\| - \\| 12 \\|",
                ),
            );
            assert.ok(md.includes(long), "the failure is not cut off");
        });

        it("combines per-tenant results of many jobs; a tenant twice is an error, a missing one fails", async () => {
            const jobs = path.join(tmp, "artifacts");
            writeReports(path.join(jobs, "tenant-contoso"), rollUp([r("contoso", "clean")]), [r("contoso", "clean")]);
            writeReports(path.join(jobs, "tenant-fabrikam"), rollUp([r("fabrikam", "drifted")]), [r("fabrikam", "drifted")]);
            assert.deepStrictEqual(
                collectResults(jobs)
                    .map((x) => x.tenant)
                    .sort(),
                ["contoso", "fabrikam"],
            );
            const tenants = path.join(tmp, "three.yaml");
            fs.writeFileSync(
                tenants,
                YAML.stringify({
                    baseline: BASE,
                    tenants: ["contoso", "fabrikam", "northwind"].map((name, i) => ({ name, tenantId: `t${i}` })),
                }),
            );
            let out = "";
            assert.strictEqual(
                await main(["multi-tenant-report", "--from", jobs, "--tenants", tenants, "--out-dir", path.join(tmp, "summary")], {
                    out: (s) => (out += s),
                    err: (s) => (out += s),
                }),
                1,
            );
            assert.match(out, /1 failed · 1 drifted · 1 clean/);
            assert.match(out, /### northwind[\s\S]*no result: its job did not run/);
            assert.ok(fs.existsSync(path.join(tmp, "summary", "summary.json")));
            writeReports(path.join(jobs, "again"), rollUp([r("contoso", "clean")]), [r("contoso", "clean")]);
            assert.throws(() => collectResults(jobs), /tenant contoso has two results/);
        });
    });

    describe("the GitHub Actions matrix", () => {
        const many = (n: number) =>
            Array.from({ length: n }, (_, i) => ({ name: `tenant${String(i).padStart(3, "0")}`, stack: `m365-mfa-tenant${i}` }));

        it("600 tenants: 3 shards of 200, every shard within GitHub's 256, none lost or duplicated", () => {
            const m = buildMatrix(many(600));
            assert.deepStrictEqual([m.tenants, m.shards.length, m.shardSize], [600, 3, 200]);
            assert.ok(m.shards.every((s) => s.include.length <= GITHUB_MATRIX_LIMIT));
            const names = m.shards.flatMap((s) => s.include.map((e) => e.tenant));
            assert.strictEqual(names.length, 600);
            assert.strictEqual(new Set(names).size, 600);
            assert.deepStrictEqual(
                names,
                many(600).map((t) => t.name),
                "in file order",
            );
        });

        it(
            "at the edges: 256 is one shard, 257 two, 1 one; a fixed number of shard jobs, and too many tenants for them is an " + "error",
            () => {
                assert.deepStrictEqual(
                    buildMatrix(many(256)).shards.map((s) => s.include.length),
                    [256],
                );
                assert.deepStrictEqual(
                    buildMatrix(many(257)).shards.map((s) => s.include.length),
                    [129, 128],
                );
                assert.deepStrictEqual(
                    buildMatrix(many(1)).shards.map((s) => s.include.length),
                    [1],
                );
                assert.deepStrictEqual(
                    buildMatrix(many(600), { shards: 4 }).shards.map((s) => s.include.length),
                    [200, 200, 200, 0],
                );
                assert.throws(
                    () => buildMatrix(many(1025), { shards: 4 }),
                    /1025 tenants need 5 shards of at most 256 jobs; the workflow has 4/,
                );
                assert.throws(() => buildMatrix(many(3), { maxPerShard: 300 }), /1 to 256/);
            },
        );

        it("GitHub outputs: the matrix, the shards used, each shard and its size (an empty shard gets a placeholder)", () => {
            const out = githubOutputs(buildMatrix(many(600), { shards: 4 }));
            const kv = Object.fromEntries(
                out
                    .trim()
                    .split("\n")
                    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
            );
            assert.deepStrictEqual([kv.shards, kv.size0, kv.size3], ["3", "200", "0"]);
            assert.strictEqual(JSON.parse(kv.shard1).include[0].tenant, "tenant200");
            assert.deepStrictEqual(JSON.parse(kv.shard3), { include: [{ tenant: "", stack: "" }] });
        });

        it("m365-mfa matrix validates the file and writes $GITHUB_OUTPUT", async () => {
            const f = path.join(tmp, "600.yaml");
            fs.writeFileSync(
                f,
                YAML.stringify({
                    baseline: BASE,
                    tenants: many(600).map((t, i) => ({
                        name: t.name,
                        tenantId: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
                    })),
                }),
            );
            const gh = path.join(tmp, "github-output");
            let out = "";
            assert.strictEqual(
                await main(["matrix", "--tenants", f, "--shards", "3", "--github-output", gh], {
                    out: (s) => (out += s),
                    err: (s) => (out += s),
                }),
                0,
            );
            const m = JSON.parse(out);
            assert.deepStrictEqual(
                m.shards.map((s: any) => s.include.length),
                [200, 200, 200],
            );
            assert.match(fs.readFileSync(gh, "utf8"), /^size2=200$/m);
            let err = "";
            assert.strictEqual(await main(["matrix", "--tenants", f, "--shards", "2"], { out: () => {}, err: (s) => (err += s) }), 1);
            assert.match(err, /600 tenants need 3 shards/);
        });
    });
});
