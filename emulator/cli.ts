/**
 * npm run emulator [-- --port 8443 --state-dir .emulator --users 5000 --seed 1]
 *
 * Runs the tenant emulator in the foreground and prints the environment that points m365-mfa and the
 * azuread provider at it.
 */
import * as path from "path";
import { startEmulator } from "./server";
import { APPS, CI_OIDC } from "./store";

function arg(name: string, fallback: string): string {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main() {
    const stateDir = path.resolve(arg("state-dir", path.join(__dirname, "..", ".emulator")));
    const port = Number(arg("port", "8443"));
    const emu = await startEmulator({ stateDir, port });
    const users = process.argv.includes("--users") ? Number(arg("users", "25")) : undefined;
    if (users !== undefined) {
        emu.store.seedTenant(emu.defaultTenant().tenantId, users, Number(arg("seed", "1")));
    }
    const tenant = emu.defaultTenant();
    const env = emu.env(APPS.provider);
    const lines = [
        `m365-mfa tenant emulator on ${emu.origin} (state in ${stateDir})`,
        `tenant ${tenant.displayName}: ${tenant.tenantId}, ${emu.directory().userCount} users`,
        ``,
        `Point m365-mfa at it (these are the emulator's own throw-away credentials):`,
        ...Object.entries(env).map(([k, v]) => `  export ${k}=${v}`),
        ``,
        `Point the azuread provider (Conditional Access policies) at it: a custom cloud by metadata host,`,
        `Go trusting the emulator's CA (with the system's) through SSL_CERT_FILE:`,
        ...Object.entries(emu.azureadEnv(APPS.provider)).map(([k, v]) => `  export ${k}=${v}`),
        `Workload identity instead of secrets, as in a GitHub Actions job with id-token: write (the emulator`,
        `plays GitHub's OIDC issuer; the provider app trusts ${CI_OIDC.subject}):`,
        `  unset AZURE_CLIENT_SECRET ARM_CLIENT_SECRET; export ARM_USE_OIDC=true`,
        ...Object.entries(emu.ciRequestEnv()).map(([k, v]) => `  export ${k}=${v}`),
        `  curl -s -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange" | jq -r .value > /tmp/oidc-token`,
        `  export AZURE_FEDERATED_TOKEN_FILE=/tmp/oidc-token`,
        ``,
        `App registrations: ${tenant.apps.map((a) => `${a.displayName} (${a.appId})`).join(", ")}`,
        `Admin API: ${emu.origin}/_emulator/{state,requests,faults} with header x-emulator-admin-key: ${emu.store.adminKey}`,
        `Ctrl-C stops it; the tenant is kept in the state directory.`,
    ];
    console.log(lines.join("\n"));
    const stop = async () => {
        await emu.stop();
        process.exit(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
}

main().catch((err) => {
    console.error(`emulator: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
});
