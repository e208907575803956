import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../../providers/shim";

/**
 * What Pulumi stores in state as __provider: it must be the small shim, with nothing of the
 * implementation, the client layer or any credential captured, and the same text on every run.
 */
describe("unit: the serialized provider shim", () => {
    const serialize = async (type: string) => {
        const provider = providerShim(type);
        const fn = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
        return fn.text;
    };

    it("is small, self-contained and deterministic", async () => {
        const a = await serialize("SecurityDefaults");
        const b = await serialize("SecurityDefaults");
        assert.strictEqual(a, b);
        assert.ok(a.length < 6000, `shim is ${a.length} characters`);
        assert.match(a, /type: "SecurityDefaults"/);
        for (const banned of ["ClientSecretCredential", "microsoft-graph-client", "SettingProvider", "AZURE_CLIENT_SECRET", "__awaiter"]) {
            assert.ok(!a.includes(banned), `shim captures ${banned}`);
        }
    });

    it("differs between resource types only by the type name", async () => {
        const a = await serialize("SecurityDefaults");
        const b = await serialize("OtherSetting");
        assert.strictEqual(a.replace("SecurityDefaults", "OtherSetting"), b);
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

        it("a source checkout: providers/runtime.ts, even when dist/ is built too", () => {
            pkg(tmp);
            runtime(path.join(tmp, "providers", "runtime.ts"), "sources");
            runtime(path.join(tmp, "dist", "providers", "runtime.js"), "dist");
            assert.deepStrictEqual(checkIn(tmp), { from: "sources", type: "SecurityDefaults" });
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
