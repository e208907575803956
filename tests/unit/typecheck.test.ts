import * as assert from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as ts from "typescript";

/**
 * `npm run typecheck` (tsc -p tsconfig.json, strict) must see every TypeScript file of the
 * repository: a folder missing from `include` would never be type-checked (ts-node runs everything
 * transpile-only).
 */
describe("unit: the type check covers the whole repository", () => {
    const root = path.resolve(__dirname, "..", "..");

    it("tsconfig.json includes every tracked .ts file", () => {
        const configFile = ts.readConfigFile(path.join(root, "tsconfig.json"), ts.sys.readFile);
        const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
        const checked = new Set(parsed.fileNames.map((f) => path.relative(root, f)));
        const tracked = execFileSync("git", ["ls-files", "*.ts"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
        assert.ok(tracked.length > 100, `only ${tracked.length} tracked .ts files?`);
        const missing = tracked.filter((f) => !checked.has(f) && !f.endsWith(".d.ts"));
        assert.deepStrictEqual(missing, [], "add these to tsconfig.json include");
        assert.strictEqual(parsed.options.strict, true);
    });
});
