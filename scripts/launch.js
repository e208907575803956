#!/usr/bin/env node
"use strict";
/**
 * How a source checkout runs its own code: the compiled build (dist/, `npm run build`, which setup runs)
 * when it was built from the sources exactly as they are now, and the sources themselves (ts-node,
 * transpile only) otherwise. The compiled code loads in about half the time (no TypeScript compiler,
 * no transpiling on every run), and a preview starts three processes that load it: the Pulumi
 * program, the dynamic provider and, for the pipelines, the m365-mfa command.
 *
 * "Built from these sources" is checked by content: `npm run build` writes dist/build.json with the
 * SHA-1 of every source file it compiled, and the build is used only when each still matches. An
 * edited file (or a checkout of another commit) runs from the sources until the next build, never stale.
 * Type-checking stays in `npm run typecheck` (part of `npm test`).
 *
 * Used by: Pulumi.yaml's main (scripts/program.js), the provider shim (providers/shim.ts) in a source
 * checkout, and the npm scripts (`node scripts/launch.js cli <command> ...`). An installed package ships
 * only dist/ and never comes here. Plain JavaScript with no dependencies: it decides how TypeScript runs.
 *
 *   node scripts/launch.js cli <args>   runs the m365-mfa command
 *   node scripts/launch.js --stamp      writes dist/build.json (the end of npm run build)
 *   node scripts/launch.js --status     says which one would run, and why
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

// Node.js's on-disk cache of compiled code (node:module enableCompileCache, Node.js 22.8+; the directory
// is NODE_COMPILE_CACHE, else os.tmpdir()/node-compile-cache): what this process loads after this line
// (the SDK's rest, the package) is parsed and compiled once, not on every run (~0.25 s of each).
require("node:module").enableCompileCache?.();

const ROOT = path.join(__dirname, "..");
const STAMP = path.join("dist", "build.json");

function digest(file) {
    return crypto.createHash("sha1").update(fs.readFileSync(file)).digest("hex");
}

/** Why the build in `root` is not current, or undefined when every compiled source is unchanged. */
function staleReason(root = ROOT) {
    let stamp;
    try {
        stamp = JSON.parse(fs.readFileSync(path.join(root, STAMP), "utf8"));
    } catch {
        return `no ${STAMP} (run npm run build)`;
    }
    const sources = stamp?.sources;
    if (!sources || typeof sources !== "object" || !Object.keys(sources).length) {
        return `${STAMP} lists no sources (run npm run build)`;
    }
    for (const [file, sha1] of Object.entries(sources)) {
        let now;
        try {
            now = digest(path.join(root, file));
        } catch {
            return `${file} is gone since the build`;
        }
        if (now !== sha1) {
            return `${file} changed since the build`;
        }
        if (!fs.existsSync(path.join(root, "dist", file.replace(/\.ts$/, ".js")))) {
            return `dist/${file.replace(/\.ts$/, ".js")} is missing`;
        }
    }
    return undefined;
}

/** Whether each root's build is current, decided once per process (the provider asks on every call). */
const current = new Map();

/** Loads `entry` (e.g. "program", "cli", "providers/runtime") from the current build, or from its sources. */
function load(root, entry) {
    if (!current.has(root)) {
        current.set(root, !staleReason(root));
    }
    if (current.get(root)) {
        return require(path.join(root, "dist", `${entry}.js`));
    }
    if (!process[Symbol.for("ts-node.register.instance")]) {
        const tsNode = require.resolve("ts-node", { paths: [root] });
        require(tsNode).register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
    }
    return require(path.join(root, `${entry}.ts`));
}

/** dist/build.json: the SHA-1 of the source of every compiled file in dist/. */
function writeStamp(root = ROOT) {
    const sources = {};
    const walk = (dir) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) {
                walk(p);
            } else if (e.name.endsWith(".js")) {
                const rel = path.relative(path.join(root, "dist"), p).replace(/\.js$/, ".ts");
                if (fs.existsSync(path.join(root, rel))) {
                    sources[rel.split(path.sep).join("/")] = digest(path.join(root, rel));
                }
            }
        }
    };
    walk(path.join(root, "dist"));
    const sorted = Object.fromEntries(
        Object.keys(sources)
            .sort()
            .map((k) => [k, sources[k]]),
    );
    fs.writeFileSync(path.join(root, STAMP), `${JSON.stringify({ sources: sorted }, null, 1)}\n`);
    return Object.keys(sorted).length;
}

module.exports = { load, staleReason, writeStamp };

if (require.main === module) {
    const [command, ...args] = process.argv.slice(2);
    if (command === "--stamp") {
        console.log(`dist/build.json: ${writeStamp()} compiled sources`);
    } else if (command === "--status") {
        const why = staleReason();
        console.log(why ? `sources (ts-node): ${why}` : "the compiled build (dist/), current with the sources");
    } else if (command === "cli") {
        load(ROOT, "cli").run(args);
    } else {
        console.error("usage: node scripts/launch.js cli <args> | --stamp | --status");
        process.exit(64);
    }
}
