/**
 * The dynamic-provider shim: the only code Pulumi serializes into state (as `__provider`).
 *
 * Pulumi stores a dynamic resource's provider object in state and runs that stored copy for refresh
 * and destroy. If the real implementation were serialized, every code change would show
 * `~__provider` on every resource and refresh would run stale code. So what is serialized is this
 * small, stable object, which finds the installed m365-mfa package at run time (from the working
 * directory of the provider process: the Pulumi project) and delegates to its current code: the
 * compiled dist/providers/runtime.js of an installed package; in a source checkout, dist/ when it was
 * built from the sources as they are, providers/runtime.ts (through ts-node) otherwise (scripts/launch.js).
 *
 * Rules for this file: no imports, no captured module-level values, nothing that varies between
 * machines or versions. Changing it changes `__provider` in every stack's state, which is harmless
 * (diff ignores it) but shows in `pulumi stack export`.
 */

// Deliberately `any`: typing against @pulumi/pulumi here would pull an import into the closure.
export function providerShim(type: string): any {
    const load = (): any => {
        const path = require("path");
        const fs = require("fs");
        const PACKAGE = "m365-mfa";
        let root: string | undefined;
        for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
            const installed = path.join(dir, "node_modules", PACKAGE);
            if (fs.existsSync(path.join(installed, "package.json"))) {
                root = installed;
                break;
            }
            const own = path.join(dir, "package.json");
            if (fs.existsSync(own) && JSON.parse(fs.readFileSync(own, "utf8")).name === PACKAGE) {
                root = dir;
                break;
            }
            if (path.dirname(dir) === dir) {
                break;
            }
        }
        if (!root) {
            throw new Error(
                `${PACKAGE}: the package is not installed where this Pulumi project runs (${process.cwd()}); run npm install`,
            );
        }
        // A source checkout runs its compiled dist/ when that was built from the sources as they are now,
        // its sources (ts-node, transpile only) otherwise (scripts/launch.js); an installed package, which
        // ships no .ts files, its compiled dist/ (npm run build).
        const sources = path.join(root, "providers", "runtime.ts");
        const compiled = path.join(root, "dist", "providers", "runtime.js");
        if (fs.existsSync(sources)) {
            return require(path.join(root, "scripts", "launch.js")).load(root, "providers/runtime").providerFor(type);
        }
        if (!fs.existsSync(compiled)) {
            throw new Error(`${PACKAGE}: ${root} has neither providers/runtime.ts nor dist/providers/runtime.js; reinstall the package, or run npm run build`);
        }
        return require(compiled).providerFor(type);
    };
    return {
        configure: (req: any) => load().configure(req),
        check: (olds: any, news: any) => load().check(olds, news),
        diff: (id: string, olds: any, news: any) => load().diff(id, olds, news),
        create: (inputs: any) => load().create(inputs),
        read: (id: string, props: any) => load().read(id, props),
        update: (id: string, olds: any, news: any) => load().update(id, olds, news),
        delete: (id: string, props: any) => load().delete(id, props),
    };
}

/**
 * The text Pulumi stores as a dynamic resource's `__provider` and loads in the provider process (a
 * module whose `handler()` returns the provider): providerShim(type), written out from its own source.
 * `pulumi.dynamic.Resource` would make it with `pulumi.runtime.serializeFunction`, which loads the
 * TypeScript compiler to find what a closure captures (~0.3 s of every program run); by the rules
 * above this function captures nothing, so its source is the whole closure.
 */
export function providerShimText(type: string): string {
    return `exports.handler = function () {\n    return (${providerShim.toString()})(${JSON.stringify(type)});\n};\n`;
}
