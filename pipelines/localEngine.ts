import * as fs from "fs";
import * as path from "path";

/**
 * The checkout's own engine build (.tools/pulumi/current, made by scripts/setup.sh), found from this
 * module's place: pipelines/ or multitenant/ in the sources, dist/pipelines/ or dist/multitenant/ in
 * the compiled build. Undefined when there is none (an installed package): the `pulumi` on PATH runs.
 */
export function localEngineRoot(): string | undefined {
    for (const up of [[".."], ["..", ".."]]) {
        const root = path.resolve(__dirname, ...up, ".tools", "pulumi", "current");
        if (fs.existsSync(path.join(root, "bin", "pulumi"))) {
            return root;
        }
    }
    return undefined;
}
