/**
 * The package as a team uses it: `npm pack` (prepack runs `npm run build`), the tarball installed
 * into a new Pulumi program in a temporary directory outside the repository, a TypeScript program
 * that imports TenantMfaBaseline, SecurityDefaults and PerUserMfa from "m365-mfa" with typed args,
 * previewed and applied through the real engine against the emulator; the tenant changes, the next
 * preview is clean, and the installed `m365-mfa` bin (compiled JavaScript from dist/) runs drift on
 * the stack.
 */
import * as assert from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NODE_BIN_DIR, PulumiWorkspace, REPO_ROOT } from "../../harness/engine";
import { clientsAs, startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { securityDefaultsOffConfirmation } from "../../settings/securityDefaults/setting";

const SD_PATH = "/policies/identitySecurityDefaultsEnforcementPolicy";
const TSC = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");

/** The team's program: what the README shows. */
const PROGRAM = (user: string, breakGlass: string[]) =>
    `import * as pulumi from "@pulumi/pulumi";
import { PerUserMfa, PerUserMfaArgs, SecurityDefaults, TenantMfaBaseline, TenantMfaBaselineArgs } from "m365-mfa";

const baselineArgs: TenantMfaBaselineArgs = {
    breakGlassAccounts: ${JSON.stringify(breakGlass)},
    modernAuthentication: { enabled: true },
    authenticationMethods: { methods: { sms: { state: "disabled" } } },
};
const baseline = new TenantMfaBaseline("tenant", baselineArgs);

// Standalone resources, beside the component.
// Off with nothing to replace them weakens the tenant: the confirmation names it (issue #21).
const securityDefaults = new SecurityDefaults("security-defaults", { isEnabled: false, confirm: [` +
    `${JSON.stringify(securityDefaultsOffConfirmation())}] });
const pilotArgs: PerUserMfaArgs = {
    assignments: [{ state: "enforced", users: [${JSON.stringify(user)}] }],
    excludeUsers: ${JSON.stringify(breakGlass)},
};
const pilot = new PerUserMfa("pilot", pilotArgs);

export const posture = baseline.posture;
export const securityDefaultsEnabled: pulumi.Output<boolean> = securityDefaults.isEnabled;
export const pilotCounts = pilot.counts;
`;

/** The compilerOptions of the tsconfig.json in Pulumi's typescript template (pulumi/templates, typescript/tsconfig.json). */
const PULUMI_TEMPLATE_COMPILER_OPTIONS = {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
};

/** Wrong args must not compile: the package's declarations type them. */
const WRONG = `import { PerUserMfa, SecurityDefaults, TenantMfaBaseline } from "m365-mfa";
new SecurityDefaults("a", { enabled: true });
new PerUserMfa("b", { assignments: [{ state: "on", users: ["x@contoso.com"] }] });
new TenantMfaBaseline("c", { securityDefaults: { enabled: "yes" } });
`;

describe("engine: the packed package in a team's own Pulumi program", function () {
    this.timeout(600_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    let appDir: string;
    let files: string[];
    let user: string;
    const stack = "team";
    const timings: Record<string, number> = {};
    const timed = <T>(name: string, f: () => T): T => {
        const t = Date.now();
        try {
            return f();
        } finally {
            timings[name] = (Date.now() - t) / 1000;
        }
    };
    const env = () => ({
        ...process.env,
        PATH: [NODE_BIN_DIR, process.env.PATH ?? ""].join(path.delimiter),
        npm_config_update_notifier: "false",
    });
    const sh = (cmd: string, args: string[], cwd: string) => {
        const r = spawnSync(cmd, args, { cwd, env: env(), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        return {
            code: r.status ?? -1,
            stdout: r.stdout ?? "",
            stderr: r.stderr ?? "",
            output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`,
        };
    };
    // Anything that talks to the emulator (it runs in this process) must not block the event loop.
    const shAsync = (cmd: string, args: string[], cwd: string, childEnv: NodeJS.ProcessEnv) =>
        new Promise<{ code: number; output: string }>((resolve, reject) => {
            const child = spawn(cmd, args, { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
            let output = "";
            child.stdout.on("data", (d) => (output += d));
            child.stderr.on("data", (d) => (output += d));
            child.on("error", reject);
            child.on("close", (code) => resolve({ code: code ?? -1, output }));
        });
    const tsc = (...args: string[]) => sh(process.execPath, [TSC, "--noEmit", "--pretty", "false", ...args], appDir);
    // No --skipLibCheck: a team's project type-checks every declaration it loads, the package's and its dependencies'.
    const tscArgs = (moduleResolution: string) => [
        "--strict",
        "--target",
        "ES2022",
        "--module",
        moduleResolution === "node16" ? "node16" : "commonjs",
        "--moduleResolution",
        moduleResolution,
        "--esModuleInterop",
        "--types",
        "node",
        "--typeRoots",
        path.join(appDir, "node_modules", "@types"),
    ];

    before(async () => {
        tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-package-")));
        assert.ok(path.relative(REPO_ROOT, tmp).startsWith(".."), "the program must live outside the repository");

        // npm pack; its prepack script is npm run build.
        const pack = timed("npm pack (build included)", () =>
            sh("npm", ["pack", "--json", "--pack-destination", tmp, "--loglevel=error"], REPO_ROOT),
        );
        assert.strictEqual(pack.code, 0, pack.output);
        const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[")))[0];
        files = info.files.map((f: { path: string }) => f.path);
        const tarball = path.join(tmp, info.filename);

        // A new Pulumi program that depends on the tarball, installed from npm's cache when it can.
        appDir = path.join(tmp, "team-tenant");
        fs.mkdirSync(appDir);
        fs.writeFileSync(
            path.join(appDir, "package.json"),
            JSON.stringify({ name: "team-tenant", version: "1.0.0", private: true }, null, 2),
        );
        const deps = [tarball, "typescript@5.9.3", "ts-node@10.9.2", "@types/node@24.19.2"];
        const flags = ["--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"];
        let install = timed("npm install (offline)", () => sh("npm", ["install", "--offline", ...flags, ...deps], appDir));
        if (install.code !== 0 && /ENOTCACHED/.test(install.output)) {
            install = timed("npm install (prefer-offline)", () => sh("npm", ["install", "--prefer-offline", ...flags, ...deps], appDir));
        }
        assert.strictEqual(install.code, 0, install.output);

        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        emu.directory().seed(60, 5);
        const members = [...emu.directory().users.values()].filter(
            (u) => u.userType === "Member" && !u.breakGlass && u.perUserMfaState === "disabled",
        );
        user = members[members.length - 1].userPrincipalName;
        // The tenant as a portal admin left it: modern authentication off.
        await clientsAs(emu, APPS.portal).exchange.invoke("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: false });
        await clientsAs(emu, APPS.portal).graph.patch(SD_PATH, { isEnabled: true });

        fs.writeFileSync(
            path.join(appDir, "Pulumi.yaml"),
            "name: team-tenant\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
        );
        // The tsconfig.json of Pulumi's typescript template (pulumi new typescript), as a team's project starts: no skipLibCheck.
        fs.writeFileSync(
            path.join(appDir, "tsconfig.json"),
            JSON.stringify({ compilerOptions: PULUMI_TEMPLATE_COMPILER_OPTIONS, files: ["index.ts"] }, null, 4),
        );
        fs.writeFileSync(
            path.join(appDir, "index.ts"),
            PROGRAM(user, ["breakglass1@contoso.onmicrosoft.com", "breakglass2@contoso.onmicrosoft.com"]),
        );
        ws = new PulumiWorkspace({ projectDir: appDir, workDir: path.join(tmp, "work"), env: emu.env(APPS.provider) });
        await ws.initStack(stack);
    });

    after(async () => {
        console.log(
            `      timings (s): ${Object.entries(timings)
                .map(([k, v]) => `${k} ${v.toFixed(1)}`)
                .join(", ")}`,
        );
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("the tarball holds the compiled library, its declarations and the bin; no sources, tests or emulator", () => {
        for (const f of [
            "package.json",
            "dist/index.js",
            "dist/index.d.ts",
            "dist/cli.js",
            "dist/program.js",
            "dist/providers/runtime.js",
            "dist/providers/shim.js",
            "dist/settings/perUserMfa/resource.d.ts",
        ]) {
            assert.ok(files.includes(f), `${f} is not in the tarball`);
        }
        const stray = files.filter(
            (f) =>
                (f.endsWith(".ts") && !f.endsWith(".d.ts")) ||
                /^(tests|emulator|harness|bench|scripts|tools|\.tools)\//.test(f) ||
                /^dist\/(tests|emulator|harness)\//.test(f),
        );
        assert.deepStrictEqual(stray, []);
        // The guardrail policy pack does not ship (README): it runs from a checkout, --policy-pack <checkout>/policies.
        assert.deepStrictEqual(
            files.filter((f) => /(^|\/)policies\/(index|rules)\.(js|d\.ts)$|PulumiPolicy\.yaml$/.test(f)),
            [],
        );
        const pkg = JSON.parse(fs.readFileSync(path.join(appDir, "node_modules", "m365-mfa", "package.json"), "utf8"));
        assert.strictEqual(pkg.main, "dist/index.js");
        assert.strictEqual(pkg.types, "dist/index.d.ts");
        assert.strictEqual(pkg.bin["m365-mfa"], "dist/cli.js");
        assert.ok(!fs.existsSync(path.join(appDir, "node_modules", "m365-mfa", "providers")), "no source folders in the installed package");
    });

    it(
        "the program type-checks against the installed package without skipLibCheck (the template's tsconfig, node and node16 " +
            "resolution); wrong args do not",
        () => {
            assert.ok(!JSON.parse(fs.readFileSync(path.join(appDir, "tsconfig.json"), "utf8")).compilerOptions.skipLibCheck);
            const project = tsc("-p", "tsconfig.json");
            assert.strictEqual(project.code, 0, `the project's own tsconfig.json: ${project.output}`);
            for (const resolution of ["node", "node16"]) {
                const ok = tsc(...tscArgs(resolution), "index.ts");
                assert.strictEqual(ok.code, 0, `${resolution}: ${ok.output}`);
            }
            fs.writeFileSync(path.join(appDir, "wrong.ts"), WRONG);
            const bad = tsc(...tscArgs("node16"), "wrong.ts");
            fs.rmSync(path.join(appDir, "wrong.ts"));
            assert.notStrictEqual(bad.code, 0);
            assert.match(bad.output, /wrong\.ts\(2,.*'enabled' does not exist in type 'SecurityDefaultsArgs'/);
            assert.match(bad.output, /wrong\.ts\(3,.*Type '"on"' is not assignable/);
            assert.match(bad.output, /wrong\.ts\(4,.*Type 'string' is not assignable to type 'boolean'/);
        },
    );

    it("pulumi preview plans every resource and writes nothing; pulumi up changes the tenant; the next preview is clean", async () => {
        const writes = () => emu.requests.filter((r) => r.write && r.method !== "GET").length;
        const before = writes();
        const t0 = Date.now();
        const preview = await ws.preview(stack);
        timings["pulumi preview"] = (Date.now() - t0) / 1000;
        assert.strictEqual(preview.code, 0, preview.output);
        for (const type of [
            "m365-mfa:index:TenantMfaBaseline",
            "dynamic/m365-mfa:ModernAuthentication",
            "dynamic/m365-mfa:AuthenticationMethodConfiguration",
            "dynamic/m365-mfa:SecurityDefaults",
            "dynamic/m365-mfa:PerUserMfa",
        ]) {
            assert.ok(preview.output.includes(type), `${type} not in the preview:\n${preview.output}`);
        }
        assert.strictEqual(writes(), before, "a preview wrote to the tenant");

        const t1 = Date.now();
        const up = await ws.up(stack);
        timings["pulumi up"] = (Date.now() - t1) / 1000;
        assert.strictEqual(up.code, 0, up.output);
        const provider = clientsAs(emu, APPS.provider);
        assert.strictEqual((await provider.exchange.invoke("Get-OrganizationConfig", {}))[0].OAuth2ClientProfileEnabled, true);
        assert.strictEqual((await provider.graph.get(SD_PATH)).isEnabled, false);
        assert.strictEqual(
            (await provider.graph.get("/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/sms")).state,
            "disabled",
        );
        assert.strictEqual([...emu.directory().users.values()].find((u) => u.userPrincipalName === user)!.perUserMfaState, "enforced");

        const again = await ws.run(["preview", "--refresh", ...ws.stackArgs(stack), "--expect-no-changes"]);
        assert.strictEqual(again.code, 0, again.output);

        // The providers in state are the shim, which found the installed package's compiled runtime.
        const state = await ws.exportStack(stack);
        const dynamic = state.deployment.resources.filter((r: any) => String(r.type).startsWith("pulumi-nodejs:dynamic/m365-mfa:"));
        assert.ok(dynamic.length >= 4, JSON.stringify(dynamic.map((r: any) => r.type)));
        for (const r of dynamic) {
            assert.ok(!String(r.inputs.__provider).includes(appDir), "the serialized provider names no path");
        }
    });

    it("the installed m365-mfa bin runs from dist/ (compiled JavaScript): --help, and drift on the stack is clean", async () => {
        const bin = path.join(appDir, "node_modules", ".bin", "m365-mfa");
        assert.strictEqual(fs.realpathSync(bin), path.join(appDir, "node_modules", "m365-mfa", "dist", "cli.js"));
        const help = sh(bin, ["drift", "--help"], appDir);
        assert.strictEqual(help.code, 0, help.output);
        assert.match(help.stdout, /--report-dir <dir>/);
        const bad = sh(bin, ["readiness", "--format", "html"], appDir);
        assert.strictEqual(bad.code, 64, bad.output);
        const reports = path.join(tmp, "drift");
        const drift = await shAsync(
            bin,
            ["drift", "--stack", stack, "--config-file", ws.configFile(stack), "--report-dir", reports],
            appDir,
            ws.environment(),
        );
        assert.strictEqual(drift.code, 0, drift.output);
        assert.strictEqual(JSON.parse(fs.readFileSync(path.join(reports, "drift-report.json"), "utf8")).drifted, false);
    });
});
