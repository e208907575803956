import * as fs from "node:fs";
import * as tls from "node:tls";
import { type GraphClient, type TenantClients, createTenantClients } from "../client";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

/**
 * Starts an emulator for a test, a demo or a benchmark, and makes this process trust its CA (child
 * processes trust it through NODE_EXTRA_CA_CERTS in the environment the emulator hands out).
 */
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

/** Clients acting as one of the emulated tenant's app registrations. */
export function clientsAs(emu: RunningEmulator, app: string = APPS.provider, overrides: Record<string, string> = {}): TenantClients {
    return createTenantClients(undefined, { ...emu.env(app), ...overrides });
}

/**
 * A change made the way an administrator makes it in the Entra admin portal: a plain Graph call with
 * another app's token (portal-admin), not through m365-mfa. This is how tests and the demo drift.
 */
export function portal(emu: RunningEmulator): GraphClient {
    return clientsAs(emu, APPS.portal).graph;
}
