import { type GraphClient, type TenantClients, createTenantClients } from "../client";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

/** Starts an emulator and trusts its CA in this process: the emulator package's (emulator/trust.ts). */
export { startTrustedEmulator, trustCa } from "@m365-mfa/emulator";

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
