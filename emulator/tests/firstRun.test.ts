/**
 * The first run (#14): what `npm run emulator` prints is a setup a newcomer pastes into a shell.
 * Its groups and break-glass accounts are the emulator's tenant's, its block is POSIX shell that
 * exports what it says (and creates the dev stack without changing Pulumi.dev.yaml), and the CA
 * bundle it gives Node keeps the certificates of the NODE_EXTRA_CA_CERTS the user already had.
 */
import * as assert from "node:assert";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LOCAL_PASSPHRASE, backendDir, findCli, pasteBlock, setupText } from "../cli";
import { loadOrCreatePki, nodeCaBundlePath } from "../pki";
import type { RunningEmulator } from "../server";
import { useEmulator } from "./support";

const repo = path.resolve(__dirname, "..", "..");
const certs = (file: string) =>
    (fs.readFileSync(file, "utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((c) =>
        c.replace(/\s+/g, ""),
    );
const certOf = (file: string) => certs(file)[0];

/** Runs shell lines with a small clean environment and returns the environment they leave. */
function runShell(lines: string[], env: Record<string, string>): Record<string, string> {
    // stdin not inherited: bash reads ~/.bashrc when it thinks a remote shell daemon started it.
    const out = execFileSync("bash", ["-c", `set -e\n${lines.join("\n")}\nenv -0`], {
        env: { HOME: os.tmpdir(), ...env },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
    return Object.fromEntries(
        out
            .split("\0")
            .filter(Boolean)
            .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
}

describe("emulator: the first run's setup", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    let tmp: string;
    useEmulator(
        (e) => (emu = e),
        {},
        (e) => e.store.seedTenant(e.defaultTenant().tenantId, 400, 7),
    );
    before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-firstrun-"))));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const options = (projectDir = repo) => ({
        projectDir,
        stateDir: path.join(tmp, "state"),
        ...findCli(repo),
        nodeCaBundle: nodeCaBundlePath(emu.caCertPath),
    });

    it("lists the tenant's groups with their object ids and member counts, and its break-glass accounts", () => {
        const text = setupText(emu, options());
        const dir = emu.directory();
        assert.ok(dir.groups.size >= 7, "the seeded groups");
        for (const g of dir.groups.values()) {
            const line = text.split("\n").find((l) => l.trimStart().startsWith(g.id));
            assert.ok(line, `group ${g.displayName} (${g.id}) is listed`);
            assert.ok(line!.includes(g.displayName), line);
            const [, users, direct] = /(\d+) users, (\d+) direct members/.exec(line!) ?? [];
            assert.strictEqual(Number(users), dir.transitiveUsers(g.id).length, `${g.displayName}: users with nested groups' members`);
            assert.strictEqual(Number(direct), g.members.length, `${g.displayName}: direct members`);
        }
        const nested = [...dir.groups.values()].find((g) => g.displayName === "Finance and Sales")!;
        assert.ok(dir.transitiveUsers(nested.id).length > nested.members.length, "a nested group counts its groups' users");
        const breakGlass = [...dir.users.values()].filter((u) => u.breakGlass);
        assert.strictEqual(breakGlass.length, 2);
        for (const u of breakGlass) {
            assert.match(text, new RegExp(`^  ${u.id}  ${u.userPrincipalName.replace(/\./g, "\\.")}$`, "m"));
        }
        assert.ok(
            text.includes(`breakGlassAccounts: [${breakGlass.map((u) => u.userPrincipalName).join(", ")}]`),
            "a breakGlassAccounts line to paste",
        );
        assert.ok(text.includes(`tenant ${emu.defaultTenant().displayName}: ${emu.defaultTenant().tenantId}, 400 users`));
    });

    it("prints a paste-ready block that is POSIX shell and exports what the emulator hands out", () => {
        const block = pasteBlock(setupText(emu, options()));
        execFileSync("bash", ["-n", "-c", block.join("\n")]);
        execFileSync("sh", ["-n", "-c", block.join("\n")]);
        const exports = block.filter((l) => !l.startsWith("pulumi "));
        const env = runShell(exports, { PATH: "/usr/bin:/bin", HOME: tmp });
        const expected: Record<string, string> = {
            ...emu.env(),
            ...emu.azureadEnv(),
            NODE_EXTRA_CA_CERTS: nodeCaBundlePath(emu.caCertPath),
            PULUMI_BACKEND_URL: `file://${backendDir(path.join(tmp, "state"))}`,
            PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE,
        };
        for (const [k, v] of Object.entries(expected)) {
            assert.strictEqual(env[k], v, k);
        }
        assert.ok(path.isAbsolute(env.PULUMI_BACKEND_URL.slice("file://".length)), "an absolute backend path");
        const { pathDirs, pulumi } = findCli(repo);
        assert.strictEqual(env.PATH, [...pathDirs, "/usr/bin", "/bin"].join(":"));
        if (pulumi) {
            assert.ok(block.includes(`# pulumi: ${pulumi.path}${pulumi.about ? ` (${pulumi.about})` : ""}`), "says which pulumi is used");
        }
        assert.ok(block.includes("pulumi stack select --create dev"));
    });

    it("creates the dev stack in the printed backend, keeping Pulumi.dev.yaml as it is", () => {
        // npm test runs setup first, which provides the CLI: a missing one is a failure, not a skip.
        assert.ok(findCli(repo).pulumi, "no pulumi CLI found (.tools/pulumi/current/bin or PATH): run npm run setup");
        const project = path.join(tmp, "project");
        fs.mkdirSync(project);
        for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml"]) {
            fs.copyFileSync(path.join(repo, f), path.join(project, f));
        }
        fs.mkdirSync(backendDir(path.join(tmp, "state")), { recursive: true });
        const block = pasteBlock(setupText(emu, options(project)));
        const env = runShell([...block, "pulumi stack ls --json > stacks.json"], {
            PATH: "/usr/bin:/bin",
            HOME: tmp,
            PULUMI_HOME: path.join(tmp, "pulumi-home"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
        });
        assert.strictEqual(env.PWD, project);
        assert.deepStrictEqual(
            JSON.parse(fs.readFileSync(path.join(project, "stacks.json"), "utf8")).map((s: { name: string }) => s.name),
            ["dev"],
        );
        assert.strictEqual(
            fs.readFileSync(path.join(project, "Pulumi.dev.yaml"), "utf8"),
            fs.readFileSync(path.join(repo, "Pulumi.dev.yaml"), "utf8"),
            "the committed encryptionsalt is the passphrase's",
        );
    });
});

describe("emulator: npm run emulator adds its CA to the trust the shell already has", function () {
    this.timeout(120_000);
    let tmp: string;
    let child: ChildProcess | undefined;
    before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-firstrun-ca-"))));
    afterEach(async () => {
        if (child && child.exitCode === null) {
            const exited = new Promise((resolve) => child!.once("exit", resolve));
            child.kill("SIGTERM");
            await exited;
        }
        child = undefined;
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** Starts `npm run emulator`'s script with `env` and returns what it printed up to its last line. */
    async function startCli(extraCa: string | undefined): Promise<string> {
        const env: NodeJS.ProcessEnv = { ...process.env };
        delete env.NODE_EXTRA_CA_CERTS;
        delete env.SSL_CERT_FILE;
        if (extraCa) env.NODE_EXTRA_CA_CERTS = extraCa;
        child = spawn(
            process.execPath,
            [
                "-r",
                "ts-node/register/transpile-only",
                path.join(repo, "emulator", "cli.ts"),
                "--state-dir",
                path.join(tmp, "state"),
                "--port",
                "0",
            ],
            {
                cwd: repo,
                env,
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        let out = "";
        let err = "";
        child.stderr!.on("data", (d) => (err += d));
        return new Promise((resolve, reject) => {
            child!.stdout!.on("data", (d) => {
                out += d;
                if (out.includes("Ctrl-C stops it")) resolve(out);
            });
            child!.once("exit", (code) => reject(new Error(`emulator exited ${code}: ${err}`)));
        });
    }
    const printed = (out: string, name: string) => {
        const line = out.split("\n").find((l) => l.trim().startsWith(`export ${name}=`));
        assert.ok(line, `${name} is printed`);
        return runShell([line!.trim()], { PATH: "/usr/bin:/bin" })[name];
    };

    it("gives NODE_EXTRA_CA_CERTS a bundle of the user's own extra CAs and the emulator's, and Node trusts both", async () => {
        // The user's own extra CA (a corporate proxy's, say): another CA made the emulator's way.
        const corporate = loadOrCreatePki(path.join(tmp, "corporate-pki")).caCertPath;
        const out = await startCli(corporate);
        const bundle = printed(out, "NODE_EXTRA_CA_CERTS");
        const goBundle = printed(out, "SSL_CERT_FILE");
        const emulatorCa = path.join(tmp, "state", "pki", "ca.pem");
        assert.notStrictEqual(certOf(corporate), certOf(emulatorCa));
        assert.deepStrictEqual(certs(bundle), [certOf(corporate), certOf(emulatorCa)], "the user's CA, then the emulator's, each once");
        assert.ok(
            certs(goBundle).includes(certOf(corporate)) && certs(goBundle).includes(certOf(emulatorCa)),
            "SSL_CERT_FILE has both too",
        );
        assert.ok(out.includes(`certificates of ${corporate} (yours)`), "says whose certificates it kept");

        // A Node process in the pasted shell reaches the emulator over TLS, checked with that bundle.
        const origin = /on (https:\/\/\S+)/.exec(out)![1];
        const status = execFileSync(
            process.execPath,
            [
                "-e",
                `require("https").get(process.argv[1] + "/metadata/endpoints?api-version=2022-09-01", (r) => { ` +
                    `console.log(r.statusCode); r.resume(); }).on("error", (e) => { console.error(e.message); process.exit(1); })`,
                origin,
            ],
            {
                env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: bundle },
                encoding: "utf8",
            },
        ).trim();
        assert.strictEqual(status, "200");
    });

    it("keeps the user's certificates when started again from the shell it set up", async () => {
        const corporate = path.join(tmp, "corporate-pki", "ca.pem");
        const bundle = nodeCaBundlePath(path.join(tmp, "state", "pki", "ca.pem"));
        const out = await startCli(bundle);
        assert.strictEqual(printed(out, "NODE_EXTRA_CA_CERTS"), bundle);
        assert.deepStrictEqual(
            certs(bundle),
            [certOf(corporate), certOf(path.join(tmp, "state", "pki", "ca.pem"))],
            "still both, each once",
        );
    });

    it("without an extra CA set, the bundle is the emulator's CA alone", async () => {
        const out = await startCli(undefined);
        assert.deepStrictEqual(certs(printed(out, "NODE_EXTRA_CA_CERTS")), [certOf(path.join(tmp, "state", "pki", "ca.pem"))]);
    });
});
