/**
 * npm run baseline-schema             writes schema/baseline.schema.json, schema/stack.schema.json and the README's table of keys
 * npm run baseline-schema -- --check  exits 1 when any is stale
 *
 * The command only; what it writes is scripts/baselineSchema.ts's.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, generated, stale } from "./baselineSchema";

if (process.argv.includes("--check")) {
    const out = stale();
    if (out.length) {
        console.error(`stale: ${out.join(", ")}; run npm run baseline-schema and commit the result`);
        process.exit(1);
    }
    console.log("baseline schema, stack schema and README table are up to date");
} else {
    for (const { file, text } of generated()) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        console.log(`wrote ${path.relative(ROOT, file)}`);
    }
}
