/**
 * The emulator is its own package (issue #23): it must never agree with the product by construction,
 * so nothing under emulator/ (its tests and scripts included) imports a file outside it, every module it
 * imports from a registry is declared in its own package.json (dependencies for the emulator,
 * devDependencies for what only its tests and scripts use), nothing declared goes unused, and the
 * package's entry, found by its name as the product's tests find it, serves the emulator.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import { builtinModules } from "node:module";
import * as path from "node:path";
import * as ts from "typescript";

const PACKAGE_DIR = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")) as {
    name: string;
    main: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
};

/** The package's TypeScript and JavaScript files (relative to emulator/, with / separators). */
function sourceFiles(dir = PACKAGE_DIR): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" ? [] : sourceFiles(full);
        return /\.(ts|js)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [path.relative(PACKAGE_DIR, full).split(path.sep).join("/")] : [];
    });
}

/**
 * Every module a file imports, exports from, require()s or import()s, as written (type imports
 * included), read with TypeScript's own parser.
 */
function specifiers(file: string): string[] {
    const sf = ts.createSourceFile(file, fs.readFileSync(path.join(PACKAGE_DIR, file), "utf8"), ts.ScriptTarget.ES2022, true);
    const out: string[] = [];
    const visit = (node: ts.Node) => {
        if (
            (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
            node.moduleSpecifier &&
            ts.isStringLiteral(node.moduleSpecifier)
        ) {
            out.push(node.moduleSpecifier.text);
        } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
            const e = node.moduleReference.expression;
            if (ts.isStringLiteral(e)) out.push(e.text);
        } else if (
            ts.isCallExpression(node) &&
            (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
                (ts.isIdentifier(node.expression) && node.expression.text === "require")) &&
            node.arguments.length > 0 &&
            ts.isStringLiteralLike(node.arguments[0])
        ) {
            out.push(node.arguments[0].text);
        } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
            out.push(node.argument.literal.text);
        }
        ts.forEachChild(node, visit);
    };
    visit(sf);
    return out;
}

/** The registry package a bare specifier names ("@scope/name/sub" -> "@scope/name", "x/y" -> "x"). */
function packageOf(spec: string): string {
    const parts = spec.split("/");
    return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const isBuiltin = (spec: string) => spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0]);
/** Only its tests and its scripts: what may come from devDependencies. */
const isDevOnly = (file: string) => file.startsWith("tests/") || file.startsWith("scripts/");

describe("emulator package: its own package, importing nothing of the product", () => {
    const files = sourceFiles();

    it("finds the package's modules and their imports", () => {
        assert.ok(files.includes("server.ts") && files.includes("index.ts") && files.includes("tests/package.test.ts"), files.join(", "));
        // Static, type and lazy imports are all seen (this file has each).
        const own = specifiers("tests/package.test.ts");
        for (const spec of ["typescript", "node:fs", "../index"]) assert.ok(own.includes(spec), `${spec} not seen in ${own.join(", ")}`);
    });

    it("imports no file outside emulator/ (tests and scripts included), and every file it imports exists", () => {
        const outside: string[] = [];
        for (const file of files) {
            for (const spec of specifiers(file).filter((s) => s.startsWith("."))) {
                const target = path.resolve(PACKAGE_DIR, path.dirname(file), spec);
                const exists = ["", ".ts", ".json", "/index.ts"].some(
                    (ext) => fs.existsSync(target + ext) && fs.statSync(target + ext).isFile(),
                );
                if (path.relative(PACKAGE_DIR, target).startsWith("..")) outside.push(`${file} -> ${spec}`);
                else if (!exists) outside.push(`${file} -> ${spec} (no such file)`);
            }
        }
        assert.deepStrictEqual(outside, []);
    });

    it("declares every registry module it imports in its own package.json, and nothing it does not import", () => {
        const deps = new Set(Object.keys(pkg.dependencies ?? {}));
        const devDeps = new Set(Object.keys(pkg.devDependencies ?? {}));
        const used = new Set<string>();
        const undeclared: string[] = [];
        for (const file of files) {
            for (const spec of specifiers(file).filter((s) => !s.startsWith(".") && !isBuiltin(s))) {
                const name = packageOf(spec);
                used.add(name);
                const declared = deps.has(name) || (isDevOnly(file) && devDeps.has(name));
                if (!declared)
                    undeclared.push(
                        `${file}: ${spec} (add ${name} to emulator/package.json ${isDevOnly(file) ? "devDependencies" : "dependencies"})`,
                    );
            }
        }
        assert.deepStrictEqual(undeclared, []);
        // Declared and never imported: type packages count for the module they type, the test runner for the tests.
        const usedOrTyped = (name: string) =>
            used.has(name) ||
            (name.startsWith("@types/") && (used.has(name.slice("@types/".length)) || name === "@types/node" || name === "@types/mocha")) ||
            ["mocha", "ts-node"].includes(name);
        assert.deepStrictEqual(
            [...deps, ...devDeps].filter((name) => !usedOrTyped(name)),
            [],
        );
    });

    it("is found by its name and its entry serves an emulator", async () => {
        assert.strictEqual(pkg.name, "@m365-mfa/emulator");
        assert.strictEqual(fs.realpathSync(require.resolve(pkg.name)), path.join(PACKAGE_DIR, pkg.main));
        const api = require(pkg.name) as typeof import("../index");
        for (const name of [
            "startEmulator",
            "APPS",
            "Store",
            "emulatorMain",
            "setAppPermissions",
            "checkBody",
            "RULE_TABLES",
            "mulberry32",
        ]) {
            assert.ok(name in api, `the package's entry does not export ${name}`);
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-emu-pkg-"));
        try {
            const emu = await api.startEmulator({ stateDir: dir });
            try {
                // Graph without a valid token: 401 InvalidAuthenticationToken, over HTTPS with the emulator's own CA.
                const answer = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
                    const req = https.get(
                        `${emu.origin}/v1.0/users`,
                        { ca: fs.readFileSync(emu.caCertPath), headers: { authorization: "Bearer nothing" } },
                        (res) => {
                            let body = "";
                            res.on("data", (c) => (body += c));
                            res.on("end", () => resolve({ status: res.statusCode, body }));
                        },
                    );
                    req.on("error", reject);
                });
                assert.strictEqual(answer.status, 401, answer.body);
                assert.strictEqual(JSON.parse(answer.body).error.code, "InvalidAuthenticationToken");
                assert.strictEqual(
                    emu.defaultTenant().apps.some((a) => a.displayName === api.APPS.provider),
                    true,
                );
            } finally {
                await emu.stop();
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
