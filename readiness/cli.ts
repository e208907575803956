/**
 * npm run readiness [-- --format table|markdown|json] [--window-days 30] [--out FILE] [--users a@x,b@x]
 *
 * A one-off readiness report for the tenant the environment points at (AZURE_TENANT_ID,
 * AZURE_CLIENT_ID, a credential; see the README). Needs AuditLog.Read.All (and, without Entra ID P1,
 * UserAuthenticationMethod.Read.All for --users).
 */
import * as fs from "fs";
import { createTenantClients, redact } from "../client";
import { assessReadiness } from "./assess";
import { toJson, toMarkdown, toTable } from "./render";

function arg(name: string): string | undefined {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
    const format = arg("format") ?? "table";
    if (!["table", "markdown", "json"].includes(format)) {
        throw new Error(`--format must be table, markdown or json (got ${format})`);
    }
    const windowDays = Number(arg("window-days") ?? 30);
    if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 30) {
        throw new Error("--window-days must be a whole number from 1 to 30 (sign-in logs are kept 30 days)");
    }
    const clients = createTenantClients();
    const progress = (what: string, n: number) => {
        if (process.stderr.isTTY) process.stderr.write(`\r  reading ${what}: ${n.toLocaleString("en")}      `);
    };
    const report = await assessReadiness(clients, { windowDays, users: arg("users")?.split(",").filter(Boolean), onProgress: progress });
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    const text = format === "json" ? toJson(report) : format === "markdown" ? toMarkdown(report) : toTable(report);
    const out = arg("out");
    if (out) {
        fs.writeFileSync(out, text + "\n");
        console.error(`readiness report written to ${out}`);
    } else {
        console.log(text);
    }
}

main().catch((err) => {
    console.error(`readiness: ${redact(err instanceof Error ? err.message : String(err), [process.env.AZURE_CLIENT_SECRET])}`);
    process.exit(1);
});
