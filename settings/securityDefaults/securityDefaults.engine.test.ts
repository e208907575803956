/**
 * End to end through the real Pulumi engine (CLI + Node.js language host + dynamic-provider plugin)
 * against the tenant emulator: preview, up, no perpetual diff, drift caught and repaired, a code
 * change without behaviour change, and no credential in state.
 */
import * as assert from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NODE_BIN_DIR, PulumiWorkspace, copyProject } from "../../harness/engine";
import { portal, startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

const SD_PATH = "/policies/identitySecurityDefaultsEnforcementPolicy";
const TYPE = "pulumi-nodejs:dynamic/m365-mfa:SecurityDefaults";

describe("engine: security defaults end to end", function () {
    this.timeout(300_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    let projectDir: string;
    const stack = "e2e";

    const tenant = () => emu.defaultTenant();
    const writes = () => emu.requests.filter((r) => r.write && r.method !== "GET");

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        // An older tenant: security defaults were switched off in the portal long ago.
        await portal(emu).patch(SD_PATH, { isEnabled: false });
        projectDir = copyProject(path.join(tmp, "project"));
        const env = emu.env(APPS.provider);
        // The secret reaches the provider as an encrypted stack config secret; the rest as plain config.
        ws = new PulumiWorkspace({
            projectDir,
            workDir: path.join(tmp, "work"),
            env: { NODE_EXTRA_CA_CERTS: env.NODE_EXTRA_CA_CERTS },
        });
        await ws.initStack(
            stack,
            {
                "m365-mfa:tenantId": env.AZURE_TENANT_ID,
                "m365-mfa:clientId": env.AZURE_CLIENT_ID,
                "m365-mfa:authorityHost": env.AZURE_AUTHORITY_HOST,
                "m365-mfa:graphEndpoint": env.M365_MFA_GRAPH_ENDPOINT,
                "m365-mfa:exchangeEndpoint": env.M365_MFA_EXCHANGE_ENDPOINT,
            },
            { "m365-mfa:baseline": { securityDefaults: { enabled: true } } },
        );
        await ws.setConfig(stack, "m365-mfa:clientSecret", env.AZURE_CLIENT_SECRET, true);
    });

    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("previews a fresh stack: shows the resource to create and writes nothing", async () => {
        const before = writes().length;
        const r = await ws.preview(stack);
        assert.strictEqual(r.code, 0, r.output);
        assert.match(r.output, new RegExp(`\\+ ${escapeRegExp(TYPE)}`));
        assert.match(r.output, /isEnabled\s*:\s*true/);
        assert.strictEqual(writes().length, before, "preview must not write to the tenant");
        assert.strictEqual(tenant().securityDefaults.isEnabled, false);
    });

    it("pulumi up applies the baseline: the tenant has security defaults on", async () => {
        const r = await ws.up(stack);
        assert.strictEqual(r.code, 0, r.output);
        assert.match(r.output, /created/);
        assert.strictEqual(tenant().securityDefaults.isEnabled, true);
        assert.ok(
            writes().some((w) => w.method === "PATCH" && w.path.endsWith(SD_PATH) && w.appId === emu.app(APPS.provider).appId),
            "the provider's app made the PATCH",
        );
    });

    it("a second preview has no changes (no perpetual diff)", async () => {
        const r = await ws.preview(stack, "--expect-no-changes");
        assert.strictEqual(r.code, 0, r.output);
        assert.doesNotMatch(r.output, /to update|to create|~ /);
    });

    it("a portal change is caught as drift by refresh --preview-only --expect-no-changes, naming the setting", async () => {
        await portal(emu).patch(SD_PATH, { isEnabled: false });
        const before = writes().length;
        const r = await ws.refresh(stack, "--preview-only", "--expect-no-changes");
        assert.notStrictEqual(r.code, 0, `drift must fail the check:\n${r.output}`);
        assert.match(r.output, /SecurityDefaults tenant-security-defaults update \[diff: ~isEnabled\]/);
        const detailed = await ws.refresh(stack, "--preview-only", "--expect-no-changes", "--diff");
        assert.notStrictEqual(detailed.code, 0);
        assert.match(detailed.output, /isEnabled\s*:\s*true\s*=>\s*false/);
        assert.strictEqual(writes().length, before, "a drift check must not write");
        assert.strictEqual(tenant().securityDefaults.isEnabled, false, "the check leaves the tenant as found");

        const p = await ws.run(["preview", "--refresh", ...ws.stackArgs(stack), "--expect-no-changes"]);
        assert.notStrictEqual(p.code, 0, `preview --refresh must also fail on drift:\n${p.output}`);
    });

    it("pulumi up --refresh restores the setting", async () => {
        const r = await ws.up(stack, "--refresh");
        assert.strictEqual(r.code, 0, r.output);
        assert.match(r.output, /updated/);
        assert.strictEqual(tenant().securityDefaults.isEnabled, true);
        const again = await ws.run(["preview", "--refresh", ...ws.stackArgs(stack), "--expect-no-changes"]);
        assert.strictEqual(again.code, 0, again.output);
    });

    it("runs the checkout's compiled build while it is current with the sources, and the sources once one changes", async () => {
        // npm test runs setup first, which compiles dist/; copyProject brings it along.
        const status = () =>
            spawnSync(path.join(NODE_BIN_DIR, "node"), ["scripts/launch.js", "--status"], { cwd: projectDir, encoding: "utf8" }).stdout;
        assert.match(status(), /^the compiled build/, "setup left dist/ current with the sources");
        // Markers in the compiled files only: the program prints one, the provider leaves a file where it runs.
        const program = path.join(projectDir, "dist", "program.js");
        const runtime = path.join(projectDir, "dist", "providers", "runtime.js");
        const registry = path.join(projectDir, "settings", "members.ts");
        const originals = [program, runtime, registry].map((f) => [f, fs.readFileSync(f, "utf8")] as const);
        const ran = path.join(projectDir, "compiled-provider-ran");
        fs.appendFileSync(program, '\nconsole.log("MARKER-COMPILED-PROGRAM");\n');
        fs.appendFileSync(runtime, `\nrequire("fs").writeFileSync(${JSON.stringify(ran)}, "");\n`);
        try {
            const compiled = await ws.preview(stack, "--expect-no-changes");
            assert.strictEqual(compiled.code, 0, compiled.output);
            assert.match(compiled.output, /MARKER-COMPILED-PROGRAM/);
            assert.ok(fs.existsSync(ran), "the provider ran dist/providers/runtime.js");
            fs.rmSync(ran);
            // An edited source: the build is no longer current, and both run from the sources.
            fs.appendFileSync(registry, "\n// edited after the build\n");
            assert.match(status(), /^sources \(ts-node\): settings\/members\.ts changed since the build/);
            const sources = await ws.preview(stack, "--expect-no-changes");
            assert.strictEqual(sources.code, 0, sources.output);
            assert.doesNotMatch(sources.output, /MARKER-COMPILED-PROGRAM/);
            assert.ok(!fs.existsSync(ran), "the provider ran the sources");
        } finally {
            for (const [f, text] of originals) fs.writeFileSync(f, text);
        }
    });

    it("editing the provider implementation (not its behaviour) leaves preview --expect-no-changes green", async () => {
        const impl = path.join(projectDir, "settings", "securityDefaults", "setting.ts");
        const adapter = path.join(projectDir, "providers", "framework", "adapter.ts");
        fs.appendFileSync(impl, "\n// refactoring: a comment and a helper nobody calls\nexport function unusedHelper() { return 42; }\n");
        fs.appendFileSync(adapter, "\nexport const ADAPTER_REVISION = 2;\n");
        const r = await ws.preview(stack, "--expect-no-changes");
        assert.strictEqual(r.code, 0, r.output);
        assert.doesNotMatch(r.output, /__provider/);
        const refreshed = await ws.refresh(stack, "--preview-only", "--expect-no-changes");
        assert.strictEqual(refreshed.code, 0, refreshed.output);
    });

    it("refresh runs the current code, not a copy stored in state", async () => {
        // A behaviour change in the implementation must be what refresh runs: make read() throw a marker.
        const impl = path.join(projectDir, "settings", "securityDefaults", "setting.ts");
        const original = fs.readFileSync(impl, "utf8");
        fs.writeFileSync(
            impl,
            original.replace(
                "async read(clients: TenantClients) {",
                'async read(clients: TenantClients) {\n        throw new Error("MARKER-CURRENT-CODE");',
            ),
        );
        try {
            const r = await ws.refresh(stack, "--preview-only");
            assert.notStrictEqual(r.code, 0);
            assert.match(r.output, /MARKER-CURRENT-CODE/);
        } finally {
            fs.writeFileSync(impl, original);
        }
    });

    it("the stack state holds neither the client secret nor an access token", async () => {
        const secret = emu.app(APPS.provider).secret;
        const exported = JSON.stringify(await ws.exportStack(stack));
        assert.ok(!exported.includes(secret), "client secret found in stack export");
        assert.doesNotMatch(exported, /eyJ[A-Za-z0-9_-]{10,}\.eyJ/, "a JWT found in stack export");
        const files = listFiles(ws.backendDir);
        assert.ok(files.length > 0);
        for (const f of files) {
            const text = fs.readFileSync(f, "utf8");
            assert.ok(!text.includes(secret), `client secret found in ${f}`);
            assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{10,}\.eyJ/, `a JWT found in ${f}`);
        }
        const res = JSON.parse(exported).deployment.resources.find((r: any) => r.type === TYPE);
        assert.ok(res, "the SecurityDefaults resource is in state");
        // replacement (what Conditional Access takes over) and tenantAtPreview (the tenant as read at preview)
        // are the plan's inputs since issue 21: booleans only, nothing secret.
        assert.deepStrictEqual(Object.keys(res.outputs).sort(), [
            "__provider",
            "displayName",
            "isEnabled",
            "policyId",
            "replacement",
            "tenantAtPreview",
            "tenantId",
        ]);
        assert.deepStrictEqual(Object.keys(res.outputs.replacement).sort(), ["blocksLegacy", "requiresMfa"]);
        assert.ok(
            Object.values(res.outputs.replacement).every((v) => typeof v === "boolean"),
            JSON.stringify(res.outputs.replacement),
        );
        assert.deepStrictEqual(Object.keys(res.outputs.tenantAtPreview), ["isEnabled"]);
        assert.strictEqual(typeof res.outputs.tenantAtPreview.isEnabled, "boolean");
        assert.doesNotMatch(res.outputs.__provider, /ClientSecretCredential|@azure\/identity|graph-client/, "__provider is the small shim");
    });

    it("bad stack config fails at preview, names the key, and changes nothing", async () => {
        const bad = "bad";
        await ws.initStack(
            bad,
            {
                "m365-mfa:tenantId": emu.defaultTenant().tenantId,
            },
            { "m365-mfa:baseline": { securityDefaults: { enabled: "yes" }, securityDefault: {} } },
        );
        const before = writes().length;
        const r = await ws.preview(bad);
        assert.notStrictEqual(r.code, 0);
        assert.match(r.output, /m365-mfa:baseline\.securityDefaults\.enabled must be true or false, got "yes"/);
        assert.match(r.output, /m365-mfa:baseline\.securityDefault is not a known setting/);
        assert.strictEqual(writes().length, before);
    });

    it("pulumi destroy stops managing and leaves the tenant as it is", async () => {
        const r = await ws.destroy(stack);
        assert.strictEqual(r.code, 0, r.output);
        assert.strictEqual(tenant().securityDefaults.isEnabled, true);
    });
});

function escapeRegExp(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function listFiles(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true, recursive: true } as any)
        .filter((d: any) => d.isFile())
        .map((d: any) => path.join(d.parentPath ?? d.path, d.name));
}
