/**
 * m365-mfa readiness [--format table|markdown|json] [--window-days 30] [--out FILE] [--users a@x,b@x]
 * (npm run readiness -- ...; the arguments are parsed by ../cli.ts)
 *
 * A one-off readiness report for the tenant the environment points at (AZURE_TENANT_ID,
 * AZURE_CLIENT_ID, a credential; see the README). Needs AuditLog.Read.All (and, without Entra ID P1,
 * UserAuthenticationMethod.Read.All for --users).
 */
import * as fs from "node:fs";
import { createTenantClients } from "../client";
import { assessReadiness } from "../providers/framework/readinessReport";
import { toJson, toMarkdown, toTable } from "./render";
import { mailboxesKeptOn, smtpAuthJson, smtpAuthReadiness, smtpAuthSection } from "../providers/framework/smtpAuthSenders";

export const READINESS_FORMATS = ["table", "markdown", "json"] as const;

export interface ReadinessCommandOptions {
    format?: (typeof READINESS_FORMATS)[number];
    /** Days of sign-in logs to read, 1 to 30 (default 30). */
    windowDays?: number;
    /** Where to write the report; stdout without it. */
    out?: string;
    /** Only these users (user principal names). */
    users?: string[];
}

export async function readinessCommand(options: ReadinessCommandOptions = {}): Promise<void> {
    const format = options.format ?? "table";
    if (!READINESS_FORMATS.includes(format)) {
        throw new Error(`--format must be table, markdown or json (got ${format})`);
    }
    const windowDays = options.windowDays ?? 30;
    if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 30) {
        throw new Error("--window-days must be a whole number from 1 to 30 (sign-in logs are kept 30 days)");
    }
    const clients = createTenantClients();
    const progress = (what: string, n: number) => {
        if (process.stderr.isTTY) process.stderr.write(`\r  reading ${what}: ${n.toLocaleString("en")}      `);
    };
    const report = await assessReadiness(clients, { windowDays, users: options.users?.filter(Boolean), onProgress: progress });
    // SMTP AUTH before Microsoft's deadline (./smtpAuth.ts): who still sends with Basic SMTP AUTH, the mailboxes kept on apart.
    const smtp = await smtpAuthReadiness(clients, { windowDays, onProgress: progress });
    const keptOn = await mailboxesKeptOn(clients);
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    const text =
        format === "json"
            ? JSON.stringify({ ...JSON.parse(toJson(report)), smtpAuth: smtpAuthJson(smtp, keptOn) }, null, 2)
            : `${format === "markdown" ? toMarkdown(report) : toTable(report)}\n\n${smtpAuthSection(smtp, keptOn, format)}`;
    if (options.out) {
        fs.writeFileSync(options.out, `${text}\n`);
        console.error(`readiness report written to ${options.out}`);
    } else {
        console.log(text);
    }
}
