/**
 * No line over 140 characters (issue #23, house rules that tools keep): Biome wraps code at 140 (biome.jsonc
 * lineWidth) but cannot break a string, a template literal's text, a regular expression or a comment; this
 * test keeps those within the limit too. Width is counted in characters (code points), as an editor's ruler.
 */
import * as assert from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const MAX = 140;

/** Lines over the limit of a text, as "<file>:<line>: <width> characters". */
function longLinesOf(file: string, text: string, max = MAX): string[] {
    return text
        .split("\n")
        .map((line, i) => ({ i, width: [...line.replace(/\r$/, "")].length }))
        .filter((l) => l.width > max)
        .map((l) => `${file}:${l.i + 1}: ${l.width} characters`);
}

describe("unit: no line over 140 characters", () => {
    it("counts characters, not bytes or UTF-16 units, and finds a long line", () => {
        assert.deepStrictEqual(longLinesOf("a.ts", `${"x".repeat(140)}\n${"é".repeat(140)}\n${"😀".repeat(140)}\r\n`), []);
        assert.deepStrictEqual(longLinesOf("a.ts", `ok\n${"x".repeat(141)}\n`), ["a.ts:2: 141 characters"]);
    });

    it("every tracked .ts file keeps its lines within 140 characters", () => {
        const files = execFileSync("git", ["ls-files", "*.ts"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
        assert.ok(files.length > 100, `only ${files.length} tracked .ts files?`);
        const long = files
            // providers/shim.ts keeps the text Pulumi serialized into existing stacks' state (biome.jsonc, tests/unit/shim.test.ts).
            .filter((f) => f !== "providers/shim.ts" && fs.existsSync(path.join(ROOT, f)))
            .flatMap((f) => longLinesOf(f, fs.readFileSync(path.join(ROOT, f), "utf8")));
        assert.deepStrictEqual(long, [], `${long.length} lines over ${MAX} characters: break the string (parts joined by +), the comment`);
    });
});
