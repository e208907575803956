import type { Plan } from "./plan";
import { show } from "./plan";

/**
 * The drift report (Markdown and JSON): what drifted (expected | found, field by field and user by
 * user), who changed it and when (the directory audit log, in one section), what is pending, and what a
 * `--remediate` run did about it. Written before a repair, so the evidence is kept whatever the repair does.
 */

/** A change of a drifted setting in the directory audit log. */
export interface DriftChange {
    when: string;
    /** The user (UPN) or app (display name) that made the change. */
    who: string;
    /**
     * "user": a person (initiatedBy.user, e.g. an admin in a portal); "app": an app other than this stack's;
     * "self": this stack's own app (the app id the drift check signs in with), i.e. m365-mfa's own write;
     * "microsoft": Microsoft itself (the app "Microsoft Managed Policy Manager", which changes Microsoft-managed
     * Conditional Access policies: entra-docs conditional-access/managed-policies.md).
     */
    by: "user" | "app" | "self" | "microsoft";
    /** The initiating app's id, when an app made it. */
    appId?: string;
    activity: string;
    /** What it changed: the user or the object. */
    target: string;
}

export interface DriftAttribution {
    /** Whether the log could be read. */
    available: boolean;
    /** Why not, when it could not. */
    reason?: string;
    /** The app id of this stack's own app (its writes are m365-mfa's, not a portal admin's), when known. */
    selfAppId?: string;
    /** By resource name: the newest matching changes; absent for a setting the directory audit log does not record. */
    bySetting: Record<string, DriftChange[]>;
}

export interface DriftSetting {
    name: string;
    title: string;
    type: string;
    /** "drift": the tenant differs from the stack; "pending": the stack has a change not yet applied. */
    kind: "drift" | "pending";
    fields: { field: string; expected: unknown; found: unknown }[];
    users: { expected: string; found: string; users: string[] }[];
}

/** What `drift --remediate` did, after the drift above was found and written down. */
export interface DriftRemediation {
    /** When `pulumi up --refresh` started. */
    startedAt: string;
    finishedAt?: string;
    /**
     * "running": the report written before the repair (what a crashed run leaves); "repaired": the check
     * after the repair found no drift; "drift remains": it still found some (remaining); "failed": the repair failed (error).
     */
    outcome: "running" | "repaired" | "drift remains" | "failed";
    error?: string;
    remaining?: DriftSetting[];
}

/** The Microsoft-managed Conditional Access policies of the tenant, with their state, and Microsoft's changes to them. */
export interface ManagedPolicies {
    /** Whether the policies could be read. */
    available: boolean;
    reason?: string;
    policies: { id: string; displayName: string; state: string; excludedUsers: number; excludedGroups: number }[];
    /** Changes to them in the directory audit log (newest first): by Microsoft or by anyone else. */
    changes: (DriftChange & { policy: string })[];
    /** Why the changes could not be read, when they could not. */
    changesReason?: string;
}

export interface DriftReport {
    stack: string;
    checkedAt: string;
    /** Someone changed the tenant: it no longer matched what was last applied when checked (also when then repaired). */
    drifted: boolean;
    /** The stack's config changed and was not applied yet (a pending change, not drift). */
    pending: boolean;
    /** Who changed the drifted settings, and when, from the directory audit log (read before any repair). */
    attribution?: DriftAttribution;
    settings: DriftSetting[];
    /** The Microsoft-managed Conditional Access policies (Microsoft changes them by itself after notice). */
    managed?: ManagedPolicies;
    remediation?: DriftRemediation;
    /**
     * How to repair drift and apply pending changes for this stack, when not `pulumi up` in the project (e.g. a tenant of multi-tenant).
     */
    hints?: { drift: string; pending: string };
}

export function driftReport(plan: Plan, stack: string): DriftReport {
    const settings = plan.settings
        .filter((s) => s.fields.length || s.users.length || s.op === "create" || s.op === "delete")
        .map(
            (s): DriftSetting => ({
                name: s.name,
                title: s.title,
                type: s.type,
                kind: s.configChanged ? "pending" : "drift",
                fields: s.fields.map((f) => ({ field: f.field, expected: f.to, found: f.from })),
                users: s.users.map((g) => ({ expected: g.to, found: g.from, users: g.users })),
            }),
        );
    return {
        stack,
        checkedAt: new Date().toISOString(),
        drifted: settings.some((s) => s.kind === "drift"),
        pending: settings.some((s) => s.kind === "pending"),
        settings,
    };
}

/** One number format in the report: 10,000. */
export function num(n: number): string {
    return n.toLocaleString("en-US");
}

/** "1 setting", "2 settings", "10,000 users". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
    return `${num(n)} ${n === 1 ? noun : plural}`;
}

function esc(s: string): string {
    return s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

const WHICH = 20;

function settingTables(s: DriftSetting): string[] {
    const out: string[] = [];
    if (s.fields.length) {
        out.push(
            "",
            "| field | expected | found |",
            "|---|---|---|",
            ...s.fields.map((f) => `| ${esc(f.field)} | ${esc(show(f.expected))} | ${esc(show(f.found))} |`),
        );
    }
    if (s.users.length) {
        out.push(
            "",
            "| expected | found | users | which |",
            "|---|---|---:|---|",
            ...s.users.map(
                (g) =>
                    `| ${esc(g.expected)} | ${esc(g.found)} | ${num(g.users.length)} | ` +
                    `${esc(g.users.slice(0, WHICH).join(", "))}${g.users.length > WHICH ? ", …" : ""} |`,
            ),
        );
    }
    return out;
}

function byWhom(c: DriftChange): string {
    if (c.by === "self") return `**${esc(c.who)}** (this stack's app: m365-mfa's own write)`;
    if (c.by === "microsoft") return `**${esc(c.who)}** (Microsoft: a change Microsoft made to its managed policy)`;
    return `**${esc(c.who)}** (${c.by})`;
}

/** The "who changed it" section: one table for every drifted setting, from the directory audit log. */
function whoChangedIt(r: DriftReport, drift: DriftSetting[]): string[] {
    const a = r.attribution;
    if (!a) return [];
    const out = ["", "## Who changed it"];
    if (!a.available) {
        return [...out, "", `Not shown: ${a.reason}.`];
    }
    const rows = drift.flatMap((s) =>
        (a.bySetting[s.name] ?? []).map(
            (c) => `| ${esc(s.title)} (\`${s.name}\`) | ${esc(c.when)} | ${byWhom(c)} | ${esc(c.activity)} | ${esc(c.target)} |`,
        ),
    );
    out.push(
        "",
        `From the directory audit log (the last 30 days, newest first${a.selfAppId ? `; this stack's app is ${a.selfAppId}` : ""}).`,
    );
    if (rows.length) out.push("", "| setting | when | who | activity | target |", "|---|---|---|---|---|", ...rows);
    const none = drift.filter((s) => a.bySetting[s.name] && !a.bySetting[s.name].length);
    const unrecorded = drift.filter((s) => !a.bySetting[s.name]);
    if (none.length) out.push("", `No change in the last 30 days: ${none.map((s) => `${s.title} (\`${s.name}\`)`).join(", ")}.`);
    if (unrecorded.length)
        out.push(
            "",
            "Not recorded in the directory audit log (Exchange Online keeps its own admin audit log): " +
                `${unrecorded.map((s) => `${s.title} (\`${s.name}\`)`).join(", ")}.`,
        );
    return out;
}

const STATE_WORDS: Record<string, string> = { enabled: "on", enabledForReportingButNotEnforced: "report-only", disabled: "off" };

/** The Microsoft-managed policies: each with its state, and who changed them (Microsoft switches them on by itself). */
function managedSection(m: ManagedPolicies): string[] {
    const out = ["", "## Microsoft-managed Conditional Access policies"];
    if (!m.available) return [...out, "", `Not shown: ${m.reason}.`];
    if (!m.policies.length) return [...out, "", "None in this tenant."];
    out.push(
        "",
        "Microsoft creates these in report-only and turns them on by itself no less than 45 days later, after 28 days' " +
            "notice; they can be switched off or given exclusions, not deleted (entra-docs " +
            "conditional-access/managed-policies.md).",
        "",
        "| policy | state | excluded users / groups |",
        "|---|---|---|",
        ...m.policies.map(
            (p) => `| ${esc(p.displayName)} | ${STATE_WORDS[p.state] ?? esc(p.state)} | ${p.excludedUsers} / ${p.excludedGroups} |`,
        ),
    );
    if (m.changes.length) {
        out.push(
            "",
            "Changes in the last 30 days (directory audit log, newest first):",
            "",
            "| policy | when | who | activity |",
            "|---|---|---|---|",
            ...m.changes.map((c) => `| ${esc(c.policy)} | ${esc(c.when)} | ${byWhom(c)} | ${esc(c.activity)} |`),
        );
    } else if (m.changesReason) {
        out.push("", `Changes not shown: ${m.changesReason}.`);
    } else {
        out.push("", "No change to them in the last 30 days.");
    }
    return out;
}

function remediationLine(m: DriftRemediation): string {
    switch (m.outcome) {
        case "running":
            return (
                `**Remediation started ${m.startedAt}** (\`pulumi up --refresh\`): this report was written before the repair; if ` +
                "no later report replaced it, the repair did not finish."
            );
        case "repaired":
            return (
                `**Repaired**: \`pulumi up --refresh\` (${m.startedAt} to ${m.finishedAt}) restored what was last applied, and ` +
                "the check after it found no drift. The drift below is what was found before the repair."
            );
        case "drift remains":
            return (
                `**Remediation did not clear the drift**: after \`pulumi up --refresh\` (${m.startedAt} to ${m.finishedAt}) ` +
                `${count(m.remaining?.length ?? 0, "setting")} still ${(m.remaining?.length ?? 0) === 1 ? "differs" : "differ"} ` +
                `(see "Still drifted after the repair").`
            );
        case "failed":
            return (
                `**Remediation failed** (\`pulumi up --refresh\`, ${m.startedAt} to ${m.finishedAt}): ` +
                `${m.error ?? "see the command's output"}. The tenant may be partly repaired: check again.`
            );
    }
}

export function driftMarkdown(r: DriftReport): string {
    const drift = r.settings.filter((s) => s.kind === "drift");
    const pending = r.settings.filter((s) => s.kind === "pending");
    const out = [
        `# m365-mfa drift report: \`${r.stack}\``,
        "",
        `Checked ${r.checkedAt}. ` +
            (drift.length
                ? `**Drift: ${count(drift.length, "setting")} no longer ${drift.length === 1 ? "matches" : "match"} what was ` +
                  "last applied** (someone changed the tenant)."
                : "No drift: the tenant matches what was last applied.") +
            (pending.length
                ? ` ${count(pending.length, "setting")} ${pending.length === 1 ? "has a change" : "have changes"} in the stack ` +
                  `that ${pending.length === 1 ? "is" : "are"} not applied yet (pending, not drift).`
                : ""),
    ];
    if (r.remediation) out.push("", remediationLine(r.remediation));
    if (drift.length) {
        out.push("", r.remediation?.outcome === "repaired" ? "## Drift (found, then repaired)" : "## Drift");
        for (const s of drift) out.push("", `### ${s.title} (\`${s.name}\`)`, ...settingTables(s));
        out.push(...whoChangedIt(r, drift));
    }
    if (r.managed) out.push(...managedSection(r.managed));
    const remaining = r.remediation?.remaining ?? [];
    if (remaining.length) {
        out.push("", "## Still drifted after the repair");
        for (const s of remaining) out.push("", `### ${s.title} (\`${s.name}\`)`, ...settingTables(s));
    }
    if (pending.length) {
        out.push("", "## Pending: in the stack, not applied yet");
        for (const s of pending) out.push("", `### ${s.title} (\`${s.name}\`)`, ...settingTables(s));
    }
    const hints = r.hints ?? {
        drift:
            "Repair with `m365-mfa drift --stack <stack> --remediate` (or `pulumi up --refresh`), or change the stack to accept " +
            "the tenant as it is.",
        pending: "Apply the pending changes with `pulumi up` (after review), or revert them in the stack.",
    };
    if (drift.length && r.remediation?.outcome !== "repaired") out.push("", hints.drift.replace("<stack>", r.stack));
    if (pending.length) out.push("", hints.pending.replace("<stack>", r.stack));
    return `${out.join("\n").trimEnd()}\n`;
}
