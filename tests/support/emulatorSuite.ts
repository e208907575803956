import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EmulatorOptions, RunningEmulator } from "@m365-mfa/emulator";
import { startTrustedEmulator } from "../../harness/tenant";
import { nameEmulator } from "./requestLog";

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
    let suite = "";
    before(async function () {
        suite = this.test?.parent?.fullTitle() ?? "";
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-emu-"));
        emu = await startTrustedEmulator({ ...options, stateDir: dir });
        nameEmulator(emu, suite);
        assign(emu);
        await setup?.(emu);
    });
    after(async () => {
        // Stopping hands the run's requests to the client conformance check (tests/support/requestLog.ts).
        await emu?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });
}
