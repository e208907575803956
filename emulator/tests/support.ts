/**
 * What the emulator's own tests need, with nothing of the product: a suite's emulator (started in a
 * temporary directory, its CA trusted by this process, stopped and removed after the suite), and plain
 * HTTP calls with an app's token from the emulator's token endpoint (client credentials, as Entra ID's
 * v2.0 endpoint takes them), so that a test sees status codes and headers exactly as sent.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EmulatorOptions, RunningEmulator } from "../server";
import { startTrustedEmulator, trustCa } from "../trust";

/**
 * Gives a mocha suite its own emulator in a temporary directory: started before the suite (then
 * `setup` runs), stopped and removed after it. `assign` receives the running emulator.
 */
export function useEmulator(
    assign: (emu: RunningEmulator) => void,
    options: Omit<EmulatorOptions, "stateDir"> = {},
    setup?: (emu: RunningEmulator) => void | Promise<void>,
): void {
    let dir: string | undefined;
    let emu: RunningEmulator | undefined;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-emu-"));
        emu = await startTrustedEmulator({ ...options, stateDir: dir });
        assign(emu);
        await setup?.(emu);
    });
    after(async () => {
        await emu?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });
}

export { startTrustedEmulator, trustCa };
export { type RawAnswer, addApp, rawGraph, tokenFor } from "../rawClient";
