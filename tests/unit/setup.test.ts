/**
 * scripts/setup.sh's choice of engine, on a copy of the repository's scripts with the installed
 * node_modules: a real user's `pulumi` on PATH (at the SDK's version or newer) is used as it is, with no
 * Go toolchain asked for; with neither a suitable `pulumi`, nor Go and the engine sources, setup stops
 * and says what is missing and the two ways to provide it. (The build itself, from the sources, is
 * what every engine test runs on.)
 */
import * as assert from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../harness/engine";

const AZUREAD = require(path.join(REPO_ROOT, "package-lock.json")).packages["node_modules/@pulumi/azuread"].version as string;
const SDK = require(path.join(REPO_ROOT, "package-lock.json")).packages["node_modules/@pulumi/pulumi"].version as string;

const sandboxes: string[] = [];

function sandbox(): { root: string; home: string; fakeBin: string } {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-setup-"));
    sandboxes.push(tmp);
    const root = path.join(tmp, "repo");
    fs.mkdirSync(root);
    for (const f of ["package.json", "package-lock.json"]) {
        fs.copyFileSync(path.join(REPO_ROOT, f), path.join(root, f));
        // Older than the sandbox's install stamp (below), so that setup does not reinstall.
        fs.utimesSync(path.join(root, f), new Date(0), new Date(0));
    }
    fs.cpSync(path.join(REPO_ROOT, "scripts"), path.join(root, "scripts"), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, "tools"), path.join(root, "tools"), { recursive: true });
    // The sandbox's node_modules is a folder of its own holding a link to each installed package, and its
    // own install stamp (newer than package.json), never a link to the checkout's node_modules: were setup
    // to decide to reinstall (the checkout installed with a plain `npm ci`, no stamp), `npm ci` would then
    // empty the checkout's node_modules through the link. Removing this folder removes only the links.
    const modules = path.join(root, "node_modules");
    fs.mkdirSync(modules);
    for (const entry of fs.readdirSync(path.join(REPO_ROOT, "node_modules"))) {
        if (entry !== ".m365-mfa-install-stamp") fs.symlinkSync(path.join(REPO_ROOT, "node_modules", entry), path.join(modules, entry));
    }
    fs.writeFileSync(path.join(modules, ".m365-mfa-install-stamp"), "");
    const fakeBin = path.join(tmp, "bin");
    fs.mkdirSync(fakeBin);
    return { root, home: path.join(tmp, "pulumi-home"), fakeBin };
}

function exe(file: string, body: string) {
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

function setup(root: string, env: Record<string, string>) {
    // No Go and no pulumi of the machine's: only the system's basic tools and what the test puts first.
    const r = spawnSync("bash", [path.join(root, "scripts", "setup.sh")], {
        cwd: root,
        env: {
            HOME: path.dirname(root),
            M365_MFA_ENGINE_SRC: path.join(root, "no-such-sources"),
            ...env,
            PATH: `${env.PATH ?? ""}:/usr/bin:/bin`,
        },
        encoding: "utf8",
    });
    return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("setup: which engine it uses", function () {
    this.timeout(60_000);
    after(() => {
        sandboxes.forEach((d) => {
            fs.rmSync(d, { recursive: true, force: true });
        });
        // The checkout the tests run in is untouched: its packages are all still there.
        assert.ok(
            fs.existsSync(path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "package.json")),
            "the checkout's node_modules is intact",
        );
    });

    it("stops with what is missing and the two ways to provide it when there is no pulumi, no Go and no sources", () => {
        const { root } = sandbox();
        const r = setup(root, {});
        assert.strictEqual(r.code, 1, r.output);
        assert.match(
            r.output,
            new RegExp(`error: no pulumi CLI v${SDK.replace(/\./g, "\\.")} or newer on PATH, and no Go toolchain to build it with\\.`),
        );
        assert.match(r.output, /a\) the pulumi CLI v[\d.]+ or newer on PATH/);
        assert.match(r.output, /b\) a Go toolchain \(1\.25 or later\) and the engine sources at .*no-such-sources/);
        assert.ok(!fs.existsSync(path.join(root, ".tools", "pulumi", "current")), "nothing is marked ready");
    });

    it("uses a newer pulumi on PATH with its language host and an installed azuread plugin, and never asks for Go", () => {
        const { root, home, fakeBin } = sandbox();
        exe(path.join(fakeBin, "pulumi"), 'if [ "$1" = version ]; then echo v3.300.1; else echo "unexpected: $*" >&2; exit 9; fi');
        exe(path.join(fakeBin, "pulumi-language-nodejs"), "exit 0");
        const pluginDir = path.join(home, "plugins", `resource-azuread-v${AZUREAD}`);
        fs.mkdirSync(pluginDir, { recursive: true });
        exe(path.join(pluginDir, "pulumi-resource-azuread"), `echo ${AZUREAD}`);
        const r = setup(root, { PATH: fakeBin, PULUMI_HOME: home });
        assert.strictEqual(r.code, 0, r.output);
        assert.doesNotMatch(r.output, /Go toolchain|building/);
        const bin = path.join(root, ".tools", "pulumi", "current", "bin");
        assert.strictEqual(fs.realpathSync(path.join(bin, "pulumi")), path.join(fakeBin, "pulumi"));
        assert.strictEqual(fs.realpathSync(path.join(bin, "pulumi-language-nodejs")), path.join(fakeBin, "pulumi-language-nodejs"));
        assert.match(fs.readFileSync(path.join(bin, "BUILD-INFO"), "utf8"), /pulumi v3\.300\.1: found on PATH/);
        assert.match(r.output, new RegExp(`azuread plugin ${AZUREAD.replace(/\./g, "\\.")}`));
    });

    it("does not use a pulumi on PATH older than the SDK", () => {
        const { root, fakeBin } = sandbox();
        exe(path.join(fakeBin, "pulumi"), "echo v3.100.0");
        exe(path.join(fakeBin, "pulumi-language-nodejs"), "exit 0");
        const r = setup(root, { PATH: fakeBin });
        assert.strictEqual(r.code, 1, r.output);
        assert.match(r.output, /is older than v[\d.]+ or has no Node\.js language host beside it: not used/);
        assert.match(r.output, /no Go toolchain/);
    });
});
