/**
 * The structure measured (issue #23): the TypeScript import graph of the repository, read with the
 * TypeScript compiler API (its parser and module resolution), against the layers
 *
 *   0  providers/framework/**, providers/shim.ts, client/**     contracts, schema helpers, shim, Graph/Exchange client
 *   1  settings/**                                              one folder per setting
 *   2  components/**, pipelines/**, policies/**, multitenant/**,
 *      adoption/**, readiness/**, providers/runtime.ts (it serves every setting's provider)
 *   3  index.ts, cli.ts, program.ts                             entry points
 *
 * and the rule that the emulator (emulator/**) imports nothing of the product and the product imports
 * the emulator only from tests, scripts (the demo), bench (and multitenant/bench.ts, a benchmark kept
 * beside its command) and harness.
 *
 * Counted: import cycles (strongly connected components of the import/export graph, type-only imports
 * included: a cycle of types is a cycle of design), imports from a lower layer to a higher one, lazy
 * require()s of the product's own modules (inside a function: they hide load-order cycles) and the
 * cycles those requires close, and imports across the emulator boundary. The counts are a ratchet
 * (importGraph.ratchet.json): the test fails when one goes up, and prints the list; when one goes
 * down, lower the ratchet to the new count so that it stays down.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");
const RATCHET_FILE = path.join(__dirname, "importGraph.ratchet.json");

type Kind = "import" | "type" | "require" | "lazyRequire";
interface Edge {
    from: string;
    to: string;
    kind: Kind;
}

/** The repository's TypeScript files, as tsconfig.json includes them (relative, with / separators). */
function sourceFiles(): string[] {
    const config = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    return parsed.fileNames.filter((f) => !f.endsWith(".d.ts")).map((f) => path.relative(ROOT, f).split(path.sep).join("/"));
}

/** Every import, export-from, import type and require() of a file that resolves to a file of the repository. */
function edgesOf(file: string, options: ts.CompilerOptions): Edge[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const out: Edge[] = [];
    const add = (spec: string, kind: Kind) => {
        const r = ts.resolveModuleName(spec, path.join(ROOT, file), options, ts.sys).resolvedModule;
        if (!r) return;
        const to = path.relative(ROOT, r.resolvedFileName).split(path.sep).join("/");
        if (to.startsWith("..") || to.includes("node_modules/") || !/\.tsx?$/.test(to) || to.endsWith(".d.ts")) return;
        out.push({ from: file, to, kind });
    };
    const visit = (node: ts.Node, inFunction: boolean) => {
        if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
            const c = node.importClause;
            const typeOnly =
                !!c &&
                (c.isTypeOnly ||
                    (!c.name &&
                        !!c.namedBindings &&
                        ts.isNamedImports(c.namedBindings) &&
                        c.namedBindings.elements.length > 0 &&
                        c.namedBindings.elements.every((e) => e.isTypeOnly)));
            add(node.moduleSpecifier.text, typeOnly ? "type" : "import");
        } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
            add(node.moduleSpecifier.text, node.isTypeOnly ? "type" : "import");
        } else if (
            ts.isImportEqualsDeclaration(node) &&
            ts.isExternalModuleReference(node.moduleReference) &&
            ts.isStringLiteral(node.moduleReference.expression)
        ) {
            add(node.moduleReference.expression.text, "import");
        } else if (
            ts.isCallExpression(node) &&
            ts.isIdentifier(node.expression) &&
            node.expression.text === "require" &&
            node.arguments.length === 1 &&
            ts.isStringLiteral(node.arguments[0])
        ) {
            add(node.arguments[0].text, inFunction ? "lazyRequire" : "require");
        }
        const fn = inFunction || ts.isFunctionLike(node);
        ts.forEachChild(node, (child) => visit(child, fn));
    };
    visit(sf, false);
    return out;
}

/** The layer of a product file (0 bottom .. 3 entry points), "emulator", or undefined (tests, scripts, bench, harness, tools). */
function layerOf(file: string): number | "emulator" | undefined {
    // Tests live beside what they test (settings/<x>/<x>.unit.test.ts, emulator/tests/): tests, not product.
    if (file.endsWith(".test.ts")) return undefined;
    if (file.startsWith("emulator/")) return "emulator";
    if (file === "multitenant/bench.ts") return undefined;
    if (file.startsWith("providers/framework/") || file.startsWith("client/") || file === "providers/shim.ts") return 0;
    if (file.startsWith("settings/")) return 1;
    if (/^(components|pipelines|policies|multitenant|adoption|readiness)\//.test(file) || file === "providers/runtime.ts") return 2;
    if (["index.ts", "cli.ts", "program.ts"].includes(file)) return 3;
    return undefined;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(files: string[], edges: Edge[]): string[][] {
    const next = new Map<string, string[]>(files.map((f) => [f, []]));
    for (const e of edges) next.get(e.from)?.push(e.to);
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const on = new Set<string>();
    const out: string[][] = [];
    const at = (m: Map<string, number>, k: string) => m.get(k) ?? 0;
    const strong = (v: string) => {
        idx.set(v, index);
        low.set(v, index++);
        stack.push(v);
        on.add(v);
        for (const w of next.get(v) ?? []) {
            if (!idx.has(w)) {
                strong(w);
                low.set(v, Math.min(at(low, v), at(low, w)));
            } else if (on.has(w)) low.set(v, Math.min(at(low, v), at(idx, w)));
        }
        if (low.get(v) === idx.get(v)) {
            const scc: string[] = [];
            let w: string;
            do {
                w = stack.pop() as string;
                on.delete(w);
                scc.push(w);
            } while (w !== v);
            if (scc.length > 1 || (next.get(v) ?? []).includes(v)) out.push(scc.sort());
        }
    };
    for (const f of files) if (!idx.has(f)) strong(f);
    return out.sort((a, b) => b.length - a.length || a[0].localeCompare(b[0]));
}

/** One shortest cycle through the first file of a component, for the report. */
function exampleCycle(scc: string[], edges: Edge[]): string[] {
    const inside = new Set(scc);
    const start = scc[0];
    const prev = new Map<string, string>();
    const queue = [start];
    const seen = new Set([start]);
    while (queue.length) {
        const v = queue.shift() as string;
        for (const e of edges) {
            if (e.from !== v || !inside.has(e.to)) continue;
            if (e.to === start) {
                const cycle = [v];
                while (cycle[0] !== start) cycle.unshift(prev.get(cycle[0]) ?? start);
                return [...cycle, start];
            }
            if (!seen.has(e.to)) {
                seen.add(e.to);
                prev.set(e.to, v);
                queue.push(e.to);
            }
        }
    }
    return scc;
}

interface Measures {
    cycles: number;
    filesInCycles: number;
    cyclesWithRequires: number;
    filesInCyclesWithRequires: number;
    upwardImports: number;
    lazyRequires: number;
    emulatorImportsProduct: number;
    productImportsEmulator: number;
}

function measure(): { measures: Measures; lists: Record<keyof Measures, string[]> } {
    const files = sourceFiles();
    const config = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const all = files.flatMap((f) => edgesOf(f, options));
    const imports = all.filter((e) => e.kind === "import" || e.kind === "type");
    const show = (e: Edge) => `${e.from} -> ${e.to}${e.kind === "import" ? "" : ` (${e.kind})`}`;
    const sccs = cycles(files, imports);
    const sccsAll = cycles(files, all);
    const upward = all.filter((e) => {
        const a = layerOf(e.from);
        const b = layerOf(e.to);
        return typeof a === "number" && typeof b === "number" && b > a;
    });
    const lazy = all.filter((e) => e.kind === "lazyRequire" && layerOf(e.from) !== undefined);
    const emulatorOut = all.filter((e) => layerOf(e.from) === "emulator" && layerOf(e.to) !== "emulator" && !e.to.startsWith("emulator/"));
    const intoEmulator = all.filter((e) => typeof layerOf(e.from) === "number" && layerOf(e.to) === "emulator");
    const lists = {
        cycles: sccs.map(
            (s) => `${s.length} files: ${exampleCycle(s, imports).join(" -> ")}${s.length > 2 ? ` (all: ${s.join(", ")})` : ""}`,
        ),
        filesInCycles: sccs.flat(),
        cyclesWithRequires: sccsAll.map((s) => `${s.length} files: ${exampleCycle(s, all).join(" -> ")}`),
        filesInCyclesWithRequires: sccsAll.flat(),
        upwardImports: upward.map((e) => `${show(e)} [layer ${layerOf(e.from)} -> ${layerOf(e.to)}]`),
        lazyRequires: lazy.map(show),
        emulatorImportsProduct: emulatorOut.map(show),
        productImportsEmulator: intoEmulator.map(show),
    };
    const measures = Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, v.length])) as unknown as Measures;
    return { measures, lists };
}

describe("unit: the import graph (layers point one way, no cycles; ratchet)", () => {
    const { measures, lists } = measure();
    const ratchet = JSON.parse(fs.readFileSync(RATCHET_FILE, "utf8")) as { measures: Measures };

    it("finds the repository's modules and their imports (the measure can see a cycle and an upward import)", () => {
        assert.ok(sourceFiles().length > 100, `files: ${sourceFiles().length}`);
        const options: ts.CompilerOptions = { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 };
        const e = edgesOf("components/config.ts", options);
        assert.ok(
            e.some((x) => x.to === "settings/members.ts"),
            JSON.stringify(e),
        );
        assert.deepStrictEqual(
            cycles(
                ["a", "b", "c"],
                [
                    { from: "a", to: "b", kind: "import" },
                    { from: "b", to: "a", kind: "type" },
                    { from: "b", to: "c", kind: "import" },
                ],
            ),
            [["a", "b"]],
        );
        assert.strictEqual(layerOf("settings/smtpAuth/setting.ts"), 1);
        assert.strictEqual(layerOf("settings/smtpAuth/smtpAuth.engine.test.ts"), undefined);
        assert.strictEqual(layerOf("providers/framework/validation.ts"), 0);
        // The contracts are the framework's; the lists are the settings'; the emulator is a package of its own, its tests are tests.
        assert.strictEqual(layerOf("providers/framework/member.ts"), 0);
        assert.strictEqual(layerOf("settings/members.ts"), 1);
        assert.strictEqual(layerOf("emulator/server.ts"), "emulator");
        assert.strictEqual(layerOf("emulator/tests/conformance.test.ts"), undefined);
    });

    for (const k of Object.keys(ratchet.measures) as (keyof Measures)[]) {
        it(`${k}: at most ${ratchet.measures[k]}`, () => {
            if (measures[k] < ratchet.measures[k]) {
                console.log(
                    `      ${k} went down from ${ratchet.measures[k]} to ${measures[k]}: lower it in tests/unit/importGraph.ratchet.json`,
                );
            }
            assert.ok(
                measures[k] <= ratchet.measures[k],
                `${k} went up from ${ratchet.measures[k]} to ${measures[k]}:\n  ${lists[k].join("\n  ")}`,
            );
        });
    }
});

// IMPORT_GRAPH_REPORT=1 npx mocha tests/unit/importGraph.test.ts prints every count and list.
if (process.env.IMPORT_GRAPH_REPORT) {
    const { measures, lists } = measure();
    console.log(JSON.stringify(measures, null, 2));
    for (const [k, v] of Object.entries(lists)) if (!k.startsWith("files")) console.log(`\n${k} (${v.length}):\n  ${v.join("\n  ")}`);
}
