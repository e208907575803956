/**
 * Runs a tenant emulator in its own process for the benchmarks, so that the client's time and
 * memory are measured apart from the server's. Prints one JSON line (origin, CA, env) when ready:
 * `env` is the provider app's (APPS.provider, the README's least-privilege set), `listReadEnv` an app
 * holding the per-user MFA list read's permissions as well (addListReadApp), `baselineEnv` the portal's.
 * Usage: node bench/emulatorProcess.ts <stateDir> <users> <latencyMs> <throttling on|off> [<perUserMfaStateOnUserList>]
 */
import { setAppPermissions } from "../emulator/cli";
import { RunningEmulator, startEmulator } from "../emulator/server";
import { APPS, EXCHANGE_ADMINISTRATOR, PROVIDER_GRAPH_ROLES } from "../emulator/store";

/** The app registration the benchmarks run the per-user MFA list read as (addListReadApp). */
export const LIST_READ_APP = "m365-mfa-provider-list-read";

/**
 * Registers LIST_READ_APP in the emulator's default tenant: the provider app's permissions (Graph roles,
 * Exchange.ManageAsApp, Exchange Administrator) plus Directory.Read.All. The per-user MFA list read uses the
 * list's states only where the directory audit log can be read (settings/perUserMfa/listRead.ts
 * recentlyChangedUsers), and directoryaudit-list needs AuditLog.Read.All and Directory.Read.All
 * (microsoft-graph-docs-contrib api-reference/v1.0/includes/permissions/directoryaudit-list-permissions.md); the provider app
 * holds only the first (least privilege stays the default; the README says the fast path needs both).
 */
export function addListReadApp(emu: RunningEmulator): string {
    const tenantId = emu.defaultTenant().tenantId;
    if (!emu.defaultTenant().apps.some((a) => a.displayName === LIST_READ_APP)) {
        emu.store.addServicePrincipal(tenantId, LIST_READ_APP, {
            graphRoles: [...PROVIDER_GRAPH_ROLES, "Directory.Read.All"],
            directoryRoles: [EXCHANGE_ADMINISTRATOR],
        });
        setAppPermissions(emu.store, tenantId, LIST_READ_APP, ["Exchange.ManageAsApp"]);
    }
    return LIST_READ_APP;
}

async function main() {
    const [stateDir, users, latency, throttling, perUserMfaOnList] = process.argv.slice(2);
    const emu = await startEmulator({
        stateDir,
        faults: { latencyMs: Number(latency) },
        throttling: { enabled: throttling !== "off" },
        maxLogEntries: 1000,
    });
    emu.directory().seed(Number(users), 42);
    if (perUserMfaOnList) emu.store.mutate(() => (emu.defaultTenant().perUserMfaStateOnUserList = perUserMfaOnList as any));
    const listReadApp = addListReadApp(emu);
    // The one-at-a-time baseline runs as another app, so it does not use up the provider app's limits.
    process.stdout.write(
        JSON.stringify({
            origin: emu.origin,
            env: emu.env(APPS.provider),
            listReadEnv: emu.env(listReadApp),
            baselineEnv: emu.env(APPS.portal),
            adminKey: emu.store.adminKey,
        }) + "\n",
    );
    process.on("SIGTERM", async () => {
        await emu.stop();
        process.exit(0);
    });
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
