import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { providerShim, providerShimText } from "../../providers/shim";

/**
 * What Pulumi stores in state as __provider: it must be the small shim, with nothing of the
 * implementation, the client layer or any credential captured, and the same text on every run.
 */
describe("unit: the serialized provider shim", () => {
    const serialize = async (type: string) => providerShimText(type);

    it("is small, self-contained and deterministic", async () => {
        const a = await serialize("SecurityDefaults");
        const b = await serialize("SecurityDefaults");
        assert.strictEqual(a, b);
        assert.ok(a.length < 6000, `shim is ${a.length} characters`);
        assert.match(a, /\("SecurityDefaults"\)/);
        for (const banned of [
            "ClientSecretCredential",
            "microsoft-graph-client",
            "SettingProvider",
            "AZURE_CLIENT_SECRET",
            "__awaiter",
            "exports.providerShim",
        ]) {
            assert.ok(!a.includes(banned), `shim captures ${banned}`);
        }
    });

    it(
        "is the text existing stacks hold: a change of the shim's source, formatting included, would show ~__provider in every " + "stack",
        async () => {
            // sha256 of the shim's text as of dc038c0 (biome.jsonc leaves providers/shim.ts unformatted for this reason).
            // Change it only with an Upgrading note in the README: every resource of every stack shows a provider change once.
            const text = await serialize("SecurityDefaults");
            const digest = require("node:crypto").createHash("sha256").update(text).digest("hex");
            assert.strictEqual(digest, "04b1a662619ced0e1b8d4b24813e06e54f63de83776759da90e51350a957da48", text);
        },
    );

    it("differs between resource types only by the type name", async () => {
        const a = await serialize("SecurityDefaults");
        const b = await serialize("OtherSetting");
        assert.strictEqual(a.replace("SecurityDefaults", "OtherSetting"), b);
    });

    it("loads as Pulumi's dynamic-provider plugin loads __provider (require-from-string, handler()) into the provider's methods", () => {
        const requireFromString = require(
            require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi"))] }),
        );
        const provider = requireFromString(providerShimText("SecurityDefaults")).handler();
        assert.deepStrictEqual(Object.keys(provider).sort(), ["check", "configure", "create", "delete", "diff", "read", "update"]);
        // What serializeFunction makes of the shim runs the same way (stacks written before keep working).
        return pulumi.runtime
            .serializeFunction(() => providerShim("SecurityDefaults"), { allowSecrets: false })
            .then((f) => {
                assert.deepStrictEqual(Object.keys(requireFromString(f.text).handler()).sort(), Object.keys(provider).sort());
            });
    });

    describe("finds the package's runtime where the Pulumi project runs", () => {
        let tmp: string;
        let cwd: string;
        // A stand-in runtime: providerFor(type) answers check() with where it was loaded from.
        const runtime = (file: string, from: string) => {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, `exports.providerFor = (type) => ({ check: () => ({ from: ${JSON.stringify(from)}, type }) });\n`);
        };
        const pkg = (dir: string) => {
            fs.mkdirSync(dir, { recursive: true });
            fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "m365-mfa", version: "0.0.0-test" }));
        };
        const checkIn = (dir: string) => {
            process.chdir(dir);
            return providerShim("SecurityDefaults").check({}, {});
        };

        beforeEach(() => {
            cwd = process.cwd();
            tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-shim-")));
        });
        afterEach(() => {
            process.chdir(cwd);
            fs.rmSync(tmp, { recursive: true, force: true });
        });

        it("an installed (compiled) package: node_modules/m365-mfa/dist/providers/runtime.js, no ts-node", () => {
            const installed = path.join(tmp, "node_modules", "m365-mfa");
            pkg(installed);
            runtime(path.join(installed, "dist", "providers", "runtime.js"), "dist");
            fs.mkdirSync(path.join(tmp, "program", "sub"), { recursive: true });
            assert.deepStrictEqual(checkIn(path.join(tmp, "program", "sub")), { from: "dist", type: "SecurityDefaults" });
        });

        // A source checkout with the real scripts/launch.js, its sources and a compiled dist/.
        const checkout = () => {
            pkg(tmp);
            fs.mkdirSync(path.join(tmp, "scripts"), { recursive: true });
            fs.copyFileSync(path.join(__dirname, "..", "..", "scripts", "launch.js"), path.join(tmp, "scripts", "launch.js"));
            runtime(path.join(tmp, "providers", "runtime.ts"), "sources");
            runtime(path.join(tmp, "dist", "providers", "runtime.js"), "dist");
        };
        const stamp = () => require(path.join(tmp, "scripts", "launch.js")).writeStamp(tmp);

        it("a source checkout: providers/runtime.ts when dist/ has no build stamp", () => {
            checkout();
            assert.deepStrictEqual(checkIn(tmp), { from: "sources", type: "SecurityDefaults" });
        });

        it("a source checkout: the compiled dist/ when it was built from the sources as they are, the sources once one changes", () => {
            checkout();
            assert.strictEqual(stamp(), 1);
            assert.deepStrictEqual(checkIn(tmp), { from: "dist", type: "SecurityDefaults" });
            const launch = require(path.join(tmp, "scripts", "launch.js"));
            assert.strictEqual(launch.staleReason(tmp), undefined);
            fs.appendFileSync(path.join(tmp, "providers", "runtime.ts"), "// edited\n");
            assert.strictEqual(launch.staleReason(tmp), "providers/runtime.ts changed since the build");
            fs.rmSync(path.join(tmp, "dist", "providers", "runtime.js"));
            stamp();
            assert.match(String(launch.staleReason(tmp)), /no sources|missing/);
        });

        it("a package with neither says so, and how to fix it", () => {
            const installed = path.join(tmp, "node_modules", "m365-mfa");
            pkg(installed);
            assert.throws(() => checkIn(tmp), /neither providers\/runtime\.ts nor dist\/providers\/runtime\.js.*npm run build/);
        });

        it("no package at all: run npm install", () => {
            assert.throws(() => checkIn(tmp), /not installed where this Pulumi project runs.*npm install/);
        });
    });
});
