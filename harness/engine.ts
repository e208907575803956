import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Drives the real Pulumi CLI (built or found by scripts/setup.sh) on a project directory, with a
 * local file backend and a passphrase secrets provider, offline. Used by the engine tests, the demo
 * and the benchmarks; nothing here imitates the engine.
 */
export const REPO_ROOT = path.resolve(__dirname, "..");
export const PULUMI_BIN_DIR = path.join(REPO_ROOT, ".tools", "pulumi", "current", "bin");
export const NODE_BIN_DIR = path.join(REPO_ROOT, "node_modules", ".bin");

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
    /** stdout and stderr together, in order of arrival. */
    output: string;
}

export interface WorkspaceOptions {
    /** The Pulumi project directory (holds Pulumi.yaml). */
    projectDir: string;
    /** Where the backend, PULUMI_HOME and stack config files go. */
    workDir: string;
    /** Extra environment for every command (e.g. the emulator's AZURE_* variables). */
    env?: Record<string, string>;
}

export class PulumiWorkspace {
    readonly backendDir: string;
    readonly homeDir: string;
    env: Record<string, string>;

    constructor(readonly options: WorkspaceOptions) {
        if (!fs.existsSync(path.join(PULUMI_BIN_DIR, "pulumi"))) {
            throw new Error(`no pulumi CLI in ${PULUMI_BIN_DIR}: run "npm run setup" first`);
        }
        this.backendDir = path.join(options.workDir, "backend");
        this.homeDir = path.join(options.workDir, "pulumi-home");
        fs.mkdirSync(this.backendDir, { recursive: true });
        fs.mkdirSync(this.homeDir, { recursive: true });
        linkPlugins(this.homeDir);
        this.env = { ...(options.env ?? {}) };
    }

    configFile(stack: string): string {
        return path.join(this.options.workDir, `Pulumi.${stack}.yaml`);
    }

    /** Runs `pulumi <args>` in the project directory. Never throws on a non-zero exit. */
    run(args: string[], extraEnv: Record<string, string> = {}, input?: string): Promise<CliResult> {
        return this.spawn(path.join(PULUMI_BIN_DIR, "pulumi"), args, extraEnv, input);
    }

    /** Runs the m365-mfa command as `npm run m365-mfa -- <args>` does: the compiled build when current (scripts/launch.js). */
    cli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
        return this.spawn(path.join(NODE_BIN_DIR, "node"), ["scripts/launch.js", "cli", ...args], extraEnv);
    }

    /** Runs `node <args>` (the engine's Node.js) in the project directory, e.g. another project's m365-mfa launcher. */
    node(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
        return this.spawn(path.join(NODE_BIN_DIR, "node"), args, extraEnv);
    }

    /** The environment every command runs with: local backend, passphrase, offline, the engine on PATH. */
    environment(extraEnv: Record<string, string> = {}): Record<string, string> {
        return {
            ...(process.env as Record<string, string>),
            PATH: [PULUMI_BIN_DIR, NODE_BIN_DIR, process.env.PATH ?? ""].join(path.delimiter),
            PULUMI_HOME: this.homeDir,
            PULUMI_BACKEND_URL: `file://${this.backendDir}`,
            PULUMI_CONFIG_PASSPHRASE: "m365-mfa-local-passphrase",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            NO_COLOR: "1",
            ...this.env,
            ...extraEnv,
        };
    }

    private spawn(command: string, args: string[], extraEnv: Record<string, string>, input?: string): Promise<CliResult> {
        const env = this.environment(extraEnv);
        return new Promise((resolve, reject) => {
            const child = spawn(command, args, {
                cwd: this.options.projectDir,
                env,
                stdio: ["pipe", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            let output = "";
            child.stdout.on("data", (d) => {
                stdout += d;
                output += d;
            });
            child.stderr.on("data", (d) => {
                stderr += d;
                output += d;
            });
            child.on("error", reject);
            child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, output }));
            child.stdin.end(input ?? "");
        });
    }

    /** Like run, but throws with the command's output when it exits non-zero. */
    async ok(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
        const r = await this.run(args, extraEnv);
        if (r.code !== 0) {
            throw new Error(`pulumi ${args.join(" ")} exited ${r.code}:\n${r.output}`);
        }
        return r;
    }

    /** Creates a stack whose config lives in workDir (not in the project directory). */
    async initStack(stack: string, config: Record<string, string> = {}, objects: Record<string, unknown> = {}): Promise<void> {
        fs.writeFileSync(this.configFile(stack), "");
        await this.ok(["stack", "init", stack, "--non-interactive"]);
        for (const [k, v] of Object.entries(config)) {
            await this.setConfig(stack, k, v);
        }
        for (const [k, v] of Object.entries(objects)) {
            await this.setConfigObject(stack, k, v);
        }
    }

    async setConfig(stack: string, key: string, value: string, secret = false): Promise<void> {
        await this.ok([
            "config",
            "set",
            key,
            value,
            ...(secret ? ["--secret"] : ["--plaintext"]),
            "--stack",
            stack,
            "--config-file",
            this.configFile(stack),
        ]);
    }

    /** Sets a structured config value (e.g. m365-mfa:baseline) from a JSON-compatible object. */
    async setConfigObject(stack: string, key: string, value: unknown): Promise<void> {
        const json = JSON.stringify({ [key]: { value: JSON.stringify(value), objectValue: value, secret: false } });
        await this.ok(["config", "set-all", "--json", json, "--stack", stack, "--config-file", this.configFile(stack)]);
    }

    /** Arguments every stack operation takes: stack, config file, no prompts, no colour. */
    stackArgs(stack: string): string[] {
        return ["--stack", stack, "--config-file", this.configFile(stack), "--non-interactive", "--color", "never"];
    }

    preview(stack: string, ...extra: string[]) {
        return this.run(["preview", ...this.stackArgs(stack), "--diff", ...extra]);
    }

    up(stack: string, ...extra: string[]) {
        return this.run(["up", "--yes", "--skip-preview", ...this.stackArgs(stack), ...extra]);
    }

    refresh(stack: string, ...extra: string[]) {
        return this.run(["refresh", ...this.stackArgs(stack), ...extra]);
    }

    destroy(stack: string, ...extra: string[]) {
        return this.run(["destroy", "--yes", "--skip-preview", ...this.stackArgs(stack), ...extra]);
    }

    async exportStack(stack: string): Promise<any> {
        const r = await this.ok(["stack", "export", "--stack", stack]);
        return JSON.parse(r.stdout);
    }
}

/** Resource plugins setup keeps in .tools/plugins (`<name>-v<version>/pulumi-resource-<name>`). */
export const PLUGINS_DIR = path.join(REPO_ROOT, ".tools", "plugins");

/**
 * Installs setup's resource plugins into a PULUMI_HOME the way `pulumi plugin install` lays them out
 * (plugins/resource-<name>-v<version>/pulumi-resource-<name>), as links, so that a test's own
 * PULUMI_HOME has them without a download or a copy.
 */
export function linkPlugins(home: string): void {
    if (!fs.existsSync(PLUGINS_DIR)) {
        return;
    }
    for (const entry of fs.readdirSync(PLUGINS_DIR)) {
        const m = /^(.+)-v(\d.*)$/.exec(entry);
        const binary = m && path.join(PLUGINS_DIR, entry, `pulumi-resource-${m[1]}`);
        if (!m || !binary || !fs.existsSync(binary)) {
            continue;
        }
        const dir = path.join(home, "plugins", `resource-${m[1]}-v${m[2]}`);
        fs.mkdirSync(dir, { recursive: true });
        const link = path.join(dir, `pulumi-resource-${m[1]}`);
        if (!fs.existsSync(link)) {
            fs.symlinkSync(fs.realpathSync(binary), link);
        }
    }
}

/**
 * Makes a copy of this project (sources, not node_modules, which is linked) in `dest`, so that a test
 * can edit provider code or keep stack files without touching the working tree. The compiled build
 * (dist/) comes along: it runs where it is current with the copied sources (scripts/launch.js), and an
 * edit in the copy runs from the sources. `{ build: false }` leaves it out (the sources run).
 */
export function copyProject(dest: string, options: { build?: boolean } = {}): string {
    // The program and everything it loads; not dependencies, caches, stacks or other checkouts' state.
    const skip = new Set([
        "node_modules",
        ".git",
        ".tools",
        ".emulator",
        ".bench",
        "bench",
        "tests",
        "tools",
        ...(options.build === false ? ["dist"] : []),
    ]);
    const entries = fs.readdirSync(REPO_ROOT).filter((e) => !skip.has(e) && !/^Pulumi\..+\.yaml$/.test(e));
    fs.mkdirSync(dest, { recursive: true });
    for (const e of entries) {
        fs.cpSync(path.join(REPO_ROOT, e), path.join(dest, e), { recursive: true });
    }
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dest, "node_modules"), "dir");
    return dest;
}
