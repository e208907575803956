/**
 * Tests live beside what they test (issue #23): one setting's tests in its folder,
 * settings/<setting>/<setting>[Topic].unit.test.ts, .emulator.test.ts, .engine.test.ts; cross-cutting
 * tests in tests/unit, tests/emulator, tests/engine; the emulator's own tests in its package. Mocha runs
 * what package.json's test scripts name (.ci/run runs `npm test`), so a test file no glob names would
 * never run: every tracked test file must be named by `npm test` and by the one script of its kind,
 * and the build (tsconfig.build.json) must compile no test into dist/.
 */
import * as assert from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };

/** The mocha spec globs a script passes (its quoted arguments that end in .ts). */
function specsOf(script: string): string[] {
    const command = pkg.scripts[script];
    assert.ok(command, `package.json has no "${script}" script`);
    const mocha = command.slice(command.indexOf("mocha "));
    return [...mocha.matchAll(/'([^']+\.ts)'|"([^"]+\.ts)"/g)].map((m) => m[1] ?? m[2]);
}

/**
 * Whether a script's globs name a file: the globs expanded as mocha does, from the repository's root, over a
 * scratch tree holding the file (so that a test file that does not exist yet can be asked about).
 */
function runs(script: string, file: string): boolean {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-layout-"));
    try {
        fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), "");
        return specsOf(script).some((glob) => fs.globSync(glob, { cwd: dir }).some((f) => f.split(path.sep).join("/") === file));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A tracked test file's kind, from where it lives and its name; undefined for a file outside the layout. */
function kindOf(file: string): "unit" | "emulator" | "engine" | undefined {
    const beside = /^settings\/([^/]+)\/([^/]+)\.(unit|emulator|engine)\.test\.ts$/.exec(file);
    if (beside) return beside[2].startsWith(beside[1]) ? (beside[3] as "unit" | "emulator" | "engine") : undefined;
    const crossCutting = /^tests\/(unit|emulator|engine)\/.+\.test\.ts$/.exec(file);
    if (crossCutting) return crossCutting[1] as "unit" | "emulator" | "engine";
    // The emulator package's self-tests (emulator/tests/) are emulator tests.
    if (/^emulator\/tests\/.+\.test\.ts$/.test(file)) return "emulator";
    return undefined;
}

const KIND_SCRIPT = { unit: "test:unit", emulator: "test:emulator", engine: "test:engine" } as const;

describe("unit: tests beside what they test, and every test run by npm test and CI", () => {
    const tracked = execFileSync("git", ["ls-files", "*.test.ts"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);

    it("a setting's tests in its folder are run by npm test and by the script of their kind", () => {
        for (const kind of ["unit", "emulator", "engine"] as const) {
            for (const file of [
                `settings/smtpAuth/smtpAuth.${kind}.test.ts`,
                `settings/authenticationMethods/authenticationMethodsPolicy.${kind}.test.ts`,
            ]) {
                assert.strictEqual(kindOf(file), kind, file);
                assert.ok(runs("test", file), `npm test does not run ${file}: add its glob to package.json's "test" script`);
                assert.ok(runs(KIND_SCRIPT[kind], file), `npm run ${KIND_SCRIPT[kind]} does not run ${file}`);
                for (const other of Object.values(KIND_SCRIPT).filter((s) => s !== KIND_SCRIPT[kind])) {
                    assert.ok(!runs(other, file), `npm run ${other} runs ${file}, a ${kind} test`);
                }
            }
        }
        // A setting's test is named after its setting, so that the folder's tests are found by name.
        assert.strictEqual(kindOf("settings/smtpAuth/hygiene.unit.test.ts"), undefined);
        assert.strictEqual(kindOf("settings/smtpAuth/smtpAuth.test.ts"), undefined);
    });

    it("every tracked test file follows the layout and is run by npm test and by exactly its kind's script", () => {
        assert.ok(tracked.length > 50, `only ${tracked.length} tracked test files?`);
        const problems: string[] = [];
        for (const file of tracked) {
            const kind = kindOf(file);
            if (!kind) {
                problems.push(
                    `${file}: not in the layout: name a setting's test ` +
                        "settings/<setting>/<setting>[Topic].{unit,emulator,engine}.test.ts, " +
                        "a cross-cutting one tests/{unit,emulator,engine}/<name>.test.ts",
                );
                continue;
            }
            if (!runs("test", file)) problems.push(`${file}: npm test does not run it (package.json "test" script)`);
            for (const [k, script] of Object.entries(KIND_SCRIPT)) {
                if (runs(script, file) !== (k === kind)) {
                    problems.push(`${file}: a ${kind} test, ${k === kind ? "not run" : "also run"} by npm run ${script}`);
                }
            }
        }
        assert.deepStrictEqual(problems, []);
    });

    it("CI runs npm test", () => {
        const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
        assert.match(ci, /^npm test$/m);
    });

    it("the build compiles no test, test support or emulator into dist/", () => {
        const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
        const files = execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--listFilesOnly"], { cwd: ROOT, encoding: "utf8" })
            .split("\n")
            .filter(Boolean)
            .map((f) => path.relative(ROOT, f).split(path.sep).join("/"))
            .filter((f) => !f.startsWith("node_modules/") && !f.startsWith(".."));
        assert.ok(files.includes("index.ts") && files.includes("cli.ts"), files.join("\n"));
        assert.deepStrictEqual(
            files.filter((f) => f.endsWith(".test.ts") || /^(tests|emulator|harness)\//.test(f)),
            [],
        );
    });
});
