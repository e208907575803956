/**
 * Runs a tenant emulator in its own process for the benchmarks, so that the client's time and
 * memory are measured apart from the server's. Prints one JSON line (origin, CA, env) when ready:
 * `env` is the provider app's (APPS.provider, the README's least-privilege set), `listReadEnv` an app
 * holding the per-user MFA list read's permissions as well (addListReadApp), `baselineEnv` the portal's.
 * Usage: node bench/emulatorProcess.ts <stateDir> <users> <latencyMs> <throttling on|off> [<perUserMfaStateOnUserList>]
 *   [<auditOrFilter accepted|refused>]
 * (an entry point only: the list-read app it registers is bench/listReadApp.ts's, which the benchmarks import).
 */
import { startEmulator } from "@m365-mfa/emulator";
import { APPS, type TenantState } from "@m365-mfa/emulator";
import { addListReadApp } from "./listReadApp";

async function main() {
    const [stateDir, users, latency, throttling, perUserMfaOnList, auditOr] = process.argv.slice(2);
    const emu = await startEmulator({
        stateDir,
        faults: { latencyMs: Number(latency) },
        throttling: { enabled: throttling !== "off" },
        maxLogEntries: 1000,
    });
    emu.directory().seed(Number(users), 42);
    if (perUserMfaOnList)
        emu.store.mutate(
            () => (emu.defaultTenant().perUserMfaStateOnUserList = perUserMfaOnList as TenantState["perUserMfaStateOnUserList"]),
        );
    if (auditOr) emu.store.mutate(() => (emu.defaultTenant().auditOrFilter = auditOr as TenantState["auditOrFilter"]));
    const listReadApp = addListReadApp(emu);
    // The one-at-a-time baseline runs as another app, so it does not use up the provider app's limits.
    process.stdout.write(
        `${JSON.stringify({
            origin: emu.origin,
            env: emu.env(APPS.provider),
            listReadEnv: emu.env(listReadApp),
            baselineEnv: emu.env(APPS.portal),
            adminKey: emu.store.adminKey,
        })}\n`,
    );
    process.on("SIGTERM", async () => {
        await emu.stop();
        process.exit(0);
    });
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
