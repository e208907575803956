/**
 * Every example workflow in examples/github/ passes actionlint (built by tools/actionlint/build.sh
 * into .tools/actionlint/). Without the binary the test is skipped on a developer's machine, and
 * FAILS under CI=true: CI must not pass a workflow nobody checked.
 */
import * as assert from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const ACTIONLINT = process.env.ACTIONLINT ?? path.join(ROOT, ".tools", "actionlint", "actionlint");
const DIR = path.join(ROOT, "examples", "github");

describe("unit: the example GitHub workflows pass actionlint", () => {
    const workflows = fs
        .readdirSync(DIR)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();

    it("there are workflows to check, the many-tenant one among them", () => {
        assert.ok(workflows.includes("multi-tenant.yml"), workflows.join(", "));
    });

    for (const wf of workflows) {
        it(`actionlint ${wf}`, function () {
            if (!fs.existsSync(ACTIONLINT)) {
                if (process.env.CI === "true") {
                    assert.fail(`actionlint is not at ${ACTIONLINT}: build it with bash tools/actionlint/build.sh (CI=true: not skipped)`);
                }
                this.skip();
            }
            const r = spawnSync(ACTIONLINT, ["-no-color", path.join(DIR, wf)], { cwd: ROOT, encoding: "utf8" });
            assert.ifError(r.error);
            assert.strictEqual(r.status, 0, `actionlint found problems in ${wf}:\n${r.stdout}${r.stderr}`);
        });
    }
});
