import type { TenantClients } from "../../client";
import { assessReadiness } from "../../providers/framework/readinessReport";
import { engineLog } from "../../providers/framework/diagnostics";
import { writeReport } from "../../providers/framework/report";

/**
 * Readiness before Exchange stops a legacy protocol (SMTP AUTH off for the organisation, an
 * organisation-default authentication policy blocking basic authentication): the users who still sign
 * in with those protocols (the sign-in logs' clientAppUsed, providers/framework/readinessReport.ts) will stop working.
 * Said as a warning at preview, naming them (the first 25, every one in a file).
 */

/** Exchange authentication policy protocol -> the sign-in logs' clientAppUsed for it. */
export const CLIENT_APP_OF_PROTOCOL: Record<string, string> = {
    ActiveSync: "Exchange ActiveSync",
    Autodiscover: "Autodiscover",
    Imap: "IMAP4",
    Mapi: "MAPI Over HTTP",
    OfflineAddressBook: "Offline Address Book",
    OutlookService: "Outlook Service",
    Pop: "POP3",
    Powershell: "Exchange Online PowerShell",
    ReportingWebServices: "Reporting Web Services",
    Rpc: "Outlook Anywhere (RPC over HTTP)",
    Smtp: "Authenticated SMTP",
    WebServices: "Exchange Web Services",
};

/**
 * Warns (at preview) about the users who still sign in with `clientApps` and would stop working when
 * `what` happens; `keep` are users (UPN or address, lower case) the change leaves alone (exceptions).
 * Returns the warning, or undefined when nobody is affected.
 */
export async function warnLegacyUsers(
    clients: TenantClients,
    what: string,
    clientApps: readonly string[],
    keep: ReadonlySet<string> = new Set(),
): Promise<string | undefined> {
    if (!clientApps.length) return undefined;
    let message: string | undefined;
    try {
        const report = await assessReadiness(clients, {});
        const wanted = new Set(clientApps.map((a) => a.toLowerCase()));
        const affected = [...report.legacy.values()]
            .filter((f) => !keep.has(f.userPrincipalName))
            .map((f) => ({ upn: f.userPrincipalName, uses: f.legacy.filter((l) => wanted.has(l.protocol.toLowerCase())) }))
            .filter((f) => f.uses.length)
            .sort((a, b) => a.upn.localeCompare(b.upn));
        if (!report.premium) {
            message = `${what}: ${report.notes.join(" ")}`;
        } else if (affected.length) {
            const lines = affected.map(
                (f) => `${f.upn}: ${f.uses.map((l) => `${l.protocol} ${l.count}x, last ${l.lastSeen.slice(0, 10)}`).join("; ")}`,
            );
            const file = lines.length > 25 ? writeReport("users who still use the protocol", lines) : undefined;
            message =
                `${what}: ${affected.length} user${affected.length === 1 ? "" : "s"} still sign in with ` +
                `${clientApps.length === 1 ? clientApps[0] : "these protocols"} and will stop working ` +
                `(sign-in logs, last ${report.windowDays} days):\n` +
                lines
                    .slice(0, 25)
                    .map((l) => `  - ${l}`)
                    .join("\n") +
                (lines.length > 25
                    ? `\n  ... and ${lines.length - 25} more (${file ? `all ${lines.length}: ${file}; ` : ""}npm run readiness ` +
                      "for the full report)"
                    : "");
        }
    } catch (err) {
        message =
            `${what}: who still uses it could not be read from the sign-in logs (` +
            `${err instanceof Error ? err.message : String(err)}); grant AuditLog.Read.All, or check Exchange Online's usage ` +
            "reports before applying.";
    }
    if (message) await engineLog("warning", message);
    return message;
}
