import type { TenantClients } from "../../client";
import { TenantApiError } from "../../client";
import { pages } from "../../client/batch";
import { engineLog } from "./diagnostics";
import { writeReport } from "./report";

/**
 * SMTP AUTH readiness before Microsoft's deadline: who still sends with Basic authentication over
 * SMTP AUTH (client submission, port 587), read from the sign-in logs of the readiness window.
 *
 * Microsoft's dates (Exchange Team blog, January 2026; /work/shared/reference/microsoft-api-facts.md):
 * Basic authentication for SMTP AUTH is switched off by default for existing tenants at the end of
 * December 2026 (admins can switch it back on for a while), and removed for good in the second half
 * of 2027 (the exact date to be announced). After that, a mailbox that keeps SMTP AUTH (Set-CASMailbox
 * -SmtpClientAuthenticationDisabled $false) can send only with OAuth.
 *
 * The query uses only what the sign-in log documents (docs-contrib api-reference/v1.0/resources/signin.md
 * and api/signin-list.md): `$filter` on `createdDateTime ge` and `clientAppUsed eq` (clientAppUsed
 * supports eq only), `$top` up to 1,000, `@odata.nextLink`. Sign-in logs need Microsoft Entra ID P1;
 * without it Graph answers 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant, and the report
 * says so plainly instead of guessing.
 */
export const SMTP_AUTH_CLIENT_APP = "Authenticated SMTP";

/** Microsoft's dates, in the words every message uses. */
export const SMTP_AUTH_DEADLINE = {
    offByDefault: "the end of December 2026",
    removal: "the second half of 2027",
    sentence:
        "Microsoft switches Basic authentication for SMTP AUTH off by default for existing tenants at the end of December 2026 " +
        "and removes it in the second half of 2027",
} as const;

/** The words for a mailbox kept on (an exception): it keeps SMTP AUTH, but only OAuth works after the cut-off. */
export const KEPT_ON = "kept on, needs OAuth after the cut-off";

const PREMIUM_ERROR = "Authentication_RequestFromNonPremiumTenantOrB2CTenant";

/** One mailbox or service account that signed in with Basic SMTP AUTH in the window. */
export interface SmtpAuthSender {
    /** The sign-in's userPrincipalName, lower case (for a mailbox, usually its primary SMTP address). */
    userPrincipalName: string;
    /** Sign-ins in the window. */
    count: number;
    /** The applications the sign-ins name (appDisplayName), sorted. */
    apps: string[];
    /** The newest sign-in (ISO date-time). */
    lastSeen: string;
}

export interface SmtpAuthReadiness {
    generatedAt: string;
    windowDays: number;
    /** Whether the sign-in logs could be read (Entra ID P1). */
    signInLogs: boolean;
    /** A plain statement when they could not be read, else undefined. */
    statement?: string;
    /** Senders, most recent first, then by name. */
    senders: SmtpAuthSender[];
}

export interface SmtpAuthReadinessOptions {
    /** Days of sign-in logs to read, 1 to 30 (default 30). */
    windowDays?: number;
    onProgress?: (what: string, count: number) => void;
}

/** Reads the window's Basic SMTP AUTH sign-ins and groups them by account. */
export async function smtpAuthReadiness(clients: TenantClients, options: SmtpAuthReadinessOptions = {}): Promise<SmtpAuthReadiness> {
    const windowDays = options.windowDays ?? 30;
    const generatedAt = new Date().toISOString();
    const since = new Date(Date.now() - windowDays * 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    const filter = `createdDateTime ge ${since} and clientAppUsed eq '${SMTP_AUTH_CLIENT_APP}'`;
    const byUser = new Map<string, SmtpAuthSender & { ids: Set<string> }>();
    let seen = 0;
    try {
        for await (const page of pages<any>(clients.graph, `/auditLogs/signIns?$filter=${encodeURIComponent(filter)}&$top=1000`)) {
            for (const s of page) {
                // clientAppUsed's casing varies in practice; the filter is eq, so this only guards the grouping.
                if (String(s.clientAppUsed ?? "").toLowerCase() !== SMTP_AUTH_CLIENT_APP.toLowerCase()) continue;
                const upn = String(s.userPrincipalName ?? s.userId ?? "unknown").toLowerCase();
                const f = byUser.get(upn) ?? {
                    userPrincipalName: upn,
                    count: 0,
                    apps: [],
                    lastSeen: String(s.createdDateTime),
                    ids: new Set<string>(),
                };
                if (s.id && f.ids.has(s.id)) continue;
                if (s.id) f.ids.add(s.id);
                f.count++;
                if (String(s.createdDateTime) > f.lastSeen) f.lastSeen = String(s.createdDateTime);
                const app = s.appDisplayName ? String(s.appDisplayName) : undefined;
                if (app && !f.apps.includes(app)) f.apps.push(app);
                byUser.set(upn, f);
            }
            seen += page.length;
            options.onProgress?.("SMTP AUTH sign-ins", seen);
        }
    } catch (err) {
        if (err instanceof TenantApiError && err.status === 403 && err.code === PREMIUM_ERROR) {
            return {
                generatedAt,
                windowDays,
                signInLogs: false,
                statement:
                    `This tenant has no sign-in logs (Microsoft Entra ID P1 is needed; Graph answered 403 ${PREMIUM_ERROR}), ` +
                    "so which mailboxes and " +
                    `applications still send with Basic SMTP AUTH cannot be known from here. ${SMTP_AUTH_DEADLINE.sentence}: check the ` +
                    `SMTP AUTH clients report in the Exchange admin center (Reports > Mail flow) before then.`,
                senders: [],
            };
        }
        throw err;
    }
    const senders = [...byUser.values()]
        .map(({ ids: _ids, ...f }) => ({ ...f, apps: [...f.apps].sort() }))
        .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen) || a.userPrincipalName.localeCompare(b.userPrincipalName));
    return { generatedAt, windowDays, signInLogs: true, senders };
}

/** One line per sender: "name: 4 sign-ins, app Office 365 Exchange Online, last seen 2026-11-30". */
export function describeSender(s: SmtpAuthSender): string {
    const apps = s.apps.length ? `, ${s.apps.length === 1 ? "app" : "apps"} ${s.apps.join(", ")}` : "";
    return `${s.userPrincipalName}: ${s.count} sign-in${s.count === 1 ? "" : "s"}${apps}, last seen ${s.lastSeen.slice(0, 10)}`;
}

export interface SmtpAuthImpact {
    /** Senders whose SMTP AUTH this plan turns off (they stop sending when it applies). */
    stop: SmtpAuthSender[];
    /** Senders that keep SMTP AUTH (exceptions): kept on, needs OAuth after the cut-off. */
    kept: SmtpAuthSender[];
}

/**
 * Splits the senders: `keep` (exceptions: user principal names or addresses, any case) keep SMTP
 * AUTH; `affected`, when given, limits who loses it (a plan that turns it off for some mailboxes
 * only); without it everyone not kept loses it (the organisation switch).
 */
export function impactOf(report: SmtpAuthReadiness, keep: Iterable<string>, affected?: Iterable<string>): SmtpAuthImpact {
    const kept = new Set([...keep].map((k) => k.trim().toLowerCase()));
    const only = affected ? new Set([...affected].map((a) => a.trim().toLowerCase())) : undefined;
    const stop: SmtpAuthSender[] = [];
    const keptSenders: SmtpAuthSender[] = [];
    for (const s of report.senders) {
        if (kept.has(s.userPrincipalName)) keptSenders.push(s);
        else if (!only || only.has(s.userPrincipalName)) stop.push(s);
    }
    const byName = (a: SmtpAuthSender, b: SmtpAuthSender) => a.userPrincipalName.localeCompare(b.userPrincipalName);
    return { stop: stop.sort(byName), kept: keptSenders.sort(byName) };
}

const SHOWN = 25;

function listed(lines: string[], what: string): string {
    const file = lines.length > SHOWN ? writeReport(what, lines) : undefined;
    return (
        lines
            .slice(0, SHOWN)
            .map((l) => `  - ${l}`)
            .join("\n") +
        (lines.length > SHOWN
            ? `\n  ... and ${lines.length - SHOWN} more (${file ? `all ${lines.length}: ${file}` : "m365-mfa readiness lists them all"})`
            : "")
    );
}

/**
 * The preview's warning when a plan turns SMTP AUTH off (`what`, e.g. "SMTP AUTH off for the
 * organisation"): who still sends with Basic SMTP AUTH and stops, Microsoft's dates, and the exceptions
 * apart. Undefined when nobody in the window is affected and nobody is kept.
 */
export function smtpAuthWarning(
    what: string,
    report: SmtpAuthReadiness,
    impact: SmtpAuthImpact,
    exceptionsKey = "smtpAuth.exceptions",
): string | undefined {
    if (!report.signInLogs) {
        return `${what}: ${report.statement}`;
    }
    if (!impact.stop.length && !impact.kept.length) return undefined;
    const parts: string[] = [];
    if (impact.stop.length) {
        parts.push(
            `${what}: ${impact.stop.length} user${impact.stop.length === 1 ? "" : "s"} still sign in with ` +
                `${SMTP_AUTH_CLIENT_APP} and will stop working ` +
                `(sign-in logs, last ${report.windowDays} days; ${SMTP_AUTH_DEADLINE.sentence}):\n` +
                listed(impact.stop.map(describeSender), "mailboxes still sending with basic smtp auth"),
        );
    } else {
        parts.push(
            `${what}: nobody else signed in with ${SMTP_AUTH_CLIENT_APP} in the last ${report.windowDays} days (` +
                `${SMTP_AUTH_DEADLINE.sentence}).`,
        );
    }
    if (impact.kept.length) {
        parts.push(
            `Exceptions (${exceptionsKey}), ${KEPT_ON} (${SMTP_AUTH_DEADLINE.offByDefault}; removal in ${SMTP_AUTH_DEADLINE.removal}): ` +
                `${impact.kept.length} still send with Basic SMTP AUTH:\n` +
                listed(impact.kept.map(describeSender), "smtp auth exceptions still on basic auth"),
        );
    }
    return parts.join("\n");
}

/** The report for `m365-mfa readiness`: every sender, with those the tenant keeps on (`keptOn`) apart. */
export function smtpAuthSection(report: SmtpAuthReadiness, keptOn: readonly string[] | undefined, format: "table" | "markdown"): string {
    const heading = `SMTP AUTH with Basic authentication, last ${report.windowDays} days`;
    const h = (t: string) => (format === "markdown" ? `## ${t}` : t);
    if (!report.signInLogs) {
        return [h(heading), report.statement!].join("\n");
    }
    const impact = impactOf(report, keptOn ?? []);
    const rows = (list: SmtpAuthSender[]) =>
        list.map((s) => [s.userPrincipalName, String(s.count), s.apps.join(", ") || "-", s.lastSeen.slice(0, 10)]);
    const head = ["ACCOUNT", "SIGN-INS", "APP", "LAST SEEN"];
    const table = (body: string[][]) => {
        if (format === "markdown") {
            return [
                `| ${head.map((x) => x.toLowerCase()).join(" | ")} |`,
                `|${head.map(() => "---").join("|")}|`,
                ...body.map((b) => `| ${b.join(" | ")} |`),
            ].join("\n");
        }
        const widths = head.map((x, i) => Math.max(x.length, ...body.map((b) => b[i].length)));
        const line = (cells: string[]) =>
            cells
                .map((c, i) => c.padEnd(widths[i]))
                .join("  ")
                .trimEnd();
        return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
    };
    return [
        h(heading),
        `${SMTP_AUTH_DEADLINE.sentence}.`,
        "",
        `Stop sending when SMTP AUTH goes off: ${impact.stop.length}`,
        impact.stop.length ? table(rows(impact.stop)) : "  none",
        "",
        keptOn === undefined
            ? "Mailboxes kept on (SmtpClientAuthenticationDisabled $false): not known (Exchange Online could not be read)."
            : `Mailboxes kept on (SmtpClientAuthenticationDisabled $false), ${KEPT_ON}: ${impact.kept.length} sending` +
              (keptOn.length ? ` (${keptOn.length} kept on in all)` : ""),
        impact.kept.length ? table(rows(impact.kept)) : "  none",
    ].join("\n");
}

/** JSON for tools. */
export function smtpAuthJson(report: SmtpAuthReadiness, keptOn: readonly string[] | undefined): Record<string, unknown> {
    const impact = impactOf(report, keptOn ?? []);
    return {
        windowDays: report.windowDays,
        signInLogs: report.signInLogs,
        ...(report.statement ? { statement: report.statement } : {}),
        deadline: { offByDefault: SMTP_AUTH_DEADLINE.offByDefault, removal: SMTP_AUTH_DEADLINE.removal },
        senders: impact.stop,
        keptOn: keptOn === undefined ? null : { mailboxes: keptOn, sending: impact.kept },
    };
}

/**
 * At preview: reads the window's Basic SMTP AUTH sign-ins and warns (engine log, on `urn` when given)
 * about who stops sending when this plan turns SMTP AUTH off (`what`), naming Microsoft's dates, with
 * the exceptions (`keep`) apart. Returns the warning (undefined when nobody is affected). A failure to
 * read the logs is said, never fatal: the plan is not refused for it.
 */
export async function warnSmtpAuthOff(
    clients: TenantClients,
    what: string,
    keep: Iterable<string>,
    options: { affected?: Iterable<string>; exceptionsKey?: string; urn?: string; windowDays?: number } = {},
): Promise<string | undefined> {
    let message: string | undefined;
    try {
        const report = await smtpAuthReadiness(clients, { windowDays: options.windowDays });
        message = smtpAuthWarning(what, report, impactOf(report, keep, options.affected), options.exceptionsKey);
    } catch (err) {
        message =
            `${what}: who still sends with Basic SMTP AUTH could not be read from the sign-in logs (` +
            `${err instanceof Error ? err.message : String(err)}); ` +
            `grant AuditLog.Read.All, or check Exchange Online's SMTP AUTH clients report before applying. ${SMTP_AUTH_DEADLINE.sentence}.`;
    }
    if (message) await engineLog("warning", message, options.urn);
    return message;
}

/**
 * The mailboxes that keep SMTP AUTH on their own (Get-CASMailbox: SmtpClientAuthenticationDisabled
 * $false), by primary SMTP address in lower case; undefined when Exchange Online cannot be read (no
 * Exchange.ManageAsApp or Entra role): the report then says it does not know.
 */
export async function mailboxesKeptOn(clients: TenantClients): Promise<string[] | undefined> {
    try {
        const all = await clients.exchange.invoke("Get-CASMailbox", { ResultSize: "Unlimited" });
        return all
            .filter((m) => m.SmtpClientAuthenticationDisabled === false)
            .map((m) => String(m.PrimarySmtpAddress ?? "").toLowerCase())
            .filter(Boolean)
            .sort();
    } catch {
        return undefined;
    }
}
