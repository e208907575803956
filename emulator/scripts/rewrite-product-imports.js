// Rewrites the product's deep imports of the emulator ("../../emulator/server", "../emulator/store", ...)
// to the package's entry ("@m365-mfa/emulator"), where every name imported is exported by emulator/index.ts.
// Run from the repository root:  node_modules/.bin/node emulator/scripts/rewrite-product-imports.js [--dry]
// Leaves alone (and lists): namespace imports, side-effect imports, names index.ts does not export, and
// a file that replaces the server module's startEmulator export in place (a re-export through the
// package entry is read-only; use addStartHook instead).
const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");
const { execFileSync } = require("node:child_process");

const root = process.cwd();
const dry = process.argv.includes("--dry");
const entry = path.join(root, "emulator", "index.ts");
const program = ts.createProgram([entry], {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    skipLibCheck: true,
    resolveJsonModule: true,
    types: ["node"],
});
const checker = program.getTypeChecker();
const exported = new Set(checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry))).map((s) => s.name));
// A file that still replaces the server module's startEmulator export in place (tests/support/requestLog.ts
// before it uses addStartHook) must keep importing the server module: the entry's re-export is read-only.
const SKIP = new Set(
    ["tests/support/requestLog.ts"].filter((f) => /\.startEmulator\s*=/.test(fs.readFileSync(path.join(root, f), "utf8"))),
);
const files = execFileSync("git", ["ls-files", "*.ts"], { cwd: root, encoding: "utf8" })
    .split("\n")
    .filter((f) => f && !f.startsWith("emulator/") && !f.startsWith("node_modules/"));
const left = [];
let changed = 0;
for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const isEmulator = (lit) => {
        if (!ts.isStringLiteralLike(lit) || !lit.text.startsWith(".")) return false;
        const target = path.relative(path.join(root, "emulator"), path.resolve(root, path.dirname(file), lit.text));
        return !target.startsWith("..") && !path.isAbsolute(target);
    };
    const edits = [];
    const rewrite = (lit, names, what) => {
        const missing = names === undefined ? [`(${what})`] : names.filter((n) => !exported.has(n));
        if (SKIP.has(file) || missing.length) {
            left.push(
                `${file}: "${lit.text}" ${SKIP.has(file) ? "(skipped: wraps the server module)" : `not exported by the entry: ${missing.join(", ")}`}`,
            );
            return;
        }
        edits.push({ start: lit.getStart(sf) + 1, end: lit.getEnd() - 1 });
    };
    const visit = (node) => {
        if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && isEmulator(node.moduleSpecifier)) {
            const clause = ts.isImportDeclaration(node) ? node.importClause : undefined;
            const bindings = ts.isImportDeclaration(node) ? clause?.namedBindings : node.exportClause;
            const named = bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings));
            const names = named && !clause?.name ? bindings.elements.map((e) => (e.propertyName ?? e.name).text) : undefined;
            rewrite(
                node.moduleSpecifier,
                names,
                !clause && ts.isImportDeclaration(node) ? "side-effect import" : "namespace or default import",
            );
        } else if (ts.isVariableDeclaration(node) && node.initializer) {
            // const { a, b } = require("../emulator/x") as typeof import("../emulator/x")
            const calls = [];
            const find = (n) => {
                if (
                    ts.isCallExpression(n) &&
                    ts.isIdentifier(n.expression) &&
                    n.expression.text === "require" &&
                    n.arguments[0] &&
                    isEmulator(n.arguments[0])
                )
                    calls.push(n.arguments[0]);
                if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && isEmulator(n.argument.literal))
                    calls.push(n.argument.literal);
                ts.forEachChild(n, find);
            };
            find(node.initializer);
            if (calls.length) {
                const names = ts.isObjectBindingPattern(node.name)
                    ? node.name.elements.map((e) => (e.propertyName ?? e.name).getText(sf))
                    : undefined;
                for (const lit of calls) rewrite(lit, names, "require of the whole module");
                return;
            }
        } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && isEmulator(node.argument.literal)) {
            const q = node.qualifier;
            rewrite(
                node.argument.literal,
                q ? [ts.isIdentifier(q) ? q.text : q.left.getText(sf)] : undefined,
                "typeof import of the whole module",
            );
        } else if (
            ts.isCallExpression(node) &&
            (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
                (ts.isIdentifier(node.expression) && node.expression.text === "require")) &&
            node.arguments[0] &&
            isEmulator(node.arguments[0])
        ) {
            rewrite(node.arguments[0], undefined, "lazy require or import()");
        }
        ts.forEachChild(node, visit);
    };
    visit(sf);
    if (!edits.length) continue;
    let out = text;
    for (const e of edits.sort((a, b) => b.start - a.start)) out = `${out.slice(0, e.start)}@m365-mfa/emulator${out.slice(e.end)}`;
    changed += edits.length;
    console.log(`${dry ? "would rewrite" : "rewrote"} ${edits.length} in ${file}`);
    if (!dry) fs.writeFileSync(path.join(root, file), out);
}
console.log(`${changed} imports ${dry ? "to rewrite" : "rewritten"}; left as they are (${left.length}):`);
for (const l of left) console.log(`  ${l}`);
