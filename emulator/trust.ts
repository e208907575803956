/**
 * A process that talks to the emulator trusts its CA: tests, the demo and benchmarks start an emulator and add its CA
 * to this process's default trust store (child processes trust it through NODE_EXTRA_CA_CERTS in the environment the
 * emulator hands out).
 */
import * as fs from "node:fs";
import * as tls from "node:tls";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "./server";

/** Starts an emulator and makes this process trust its CA. */
export async function startTrustedEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
    const emu = await startEmulator(options);
    trustCa(emu.caCertPath);
    return emu;
}

const trusted = new Set<string>();

/** Adds a CA to this process's default trust store, as NODE_EXTRA_CA_CERTS does at start-up. */
export function trustCa(caCertPath: string): void {
    const pem = fs.readFileSync(caCertPath, "utf8");
    if (trusted.has(pem)) {
        return;
    }
    trusted.add(pem);
    tls.setDefaultCACertificates([...tls.getCACertificates("default"), ...trusted]);
}
