import { SETTINGS } from "../settings/registry";
import { Plan, SettingPlan, show } from "./plan";

/** Markdown for a pull-request comment, and the drift report (Markdown and JSON). */
const FIRST_NAMES = 10;
export const COMMENT_MARKER = "<!-- m365-mfa-preview -->";

function esc(s: string): string {
    return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function userTable(s: SettingPlan, fromLabel: string, toLabel: string): string[] {
    const lines = [`| ${fromLabel} | ${toLabel} | users | first users |`, "|---|---|---:|---|"];
    for (const g of s.users) {
        const first = g.users.slice(0, FIRST_NAMES).join(", ") + (g.users.length > FIRST_NAMES ? ", …" : "");
        lines.push(`| ${g.from} | ${g.to} | ${g.users.length} | ${esc(first)} |`);
    }
    for (const g of s.users.filter((x) => x.users.length > FIRST_NAMES)) {
        lines.push("", `<details><summary>All ${g.users.length} users: ${g.from} → ${g.to}</summary>`, "", g.users.map((u) => `- ${u}`).join("\n"), "", "</details>");
    }
    return lines;
}

function desiredSummary(s: SettingPlan): string[] {
    const d = s.desired ?? {};
    const setting = SETTINGS[s.type];
    const items = Object.keys(setting?.itemFields ?? {});
    const lines: string[] = [];
    // Per-user (per-mailbox) properties: counts per state, the first names.
    for (const field of items) {
        const entries = d[field] as Record<string, string> | undefined;
        if (!entries || typeof entries !== "object") continue;
        const byState = new Map<string, string[]>();
        for (const [u, st] of Object.entries(entries)) {
            byState.set(String(st), [...(byState.get(String(st)) ?? []), u]);
        }
        const noun = setting?.itemFields?.[field] ?? field;
        lines.push(`| brought under management as | ${noun} | first ${noun} |`, "|---|---:|---|");
        for (const [st, users] of byState) {
            lines.push(`| ${st} | ${users.length} | ${esc(users.slice(0, FIRST_NAMES).join(", "))}${users.length > FIRST_NAMES ? ", …" : ""} |`);
        }
    }
    const hidden = new Set([...items, ...(setting?.internalFields ?? [])]);
    const plain = Object.entries(d).filter(([k]) => !hidden.has(k));
    if (plain.length) {
        lines.push("", "| setting | value |", "|---|---|", ...plain.map(([k, v]) => `| ${k} | ${esc(show(v))} |`));
    }
    return lines;
}

export function prComment(plan: Plan, stack: string): string {
    const changing = plan.settings.filter((s) => s.op !== "same" || s.fields.length || s.users.length);
    const userChanges = changing.reduce((n, s) => n + s.users.reduce((m, g) => m + g.users.length, 0), 0);
    const out: string[] = [
        COMMENT_MARKER,
        `## m365-mfa preview: \`${stack}\``,
        "",
        plan.errors.length
            ? `**The preview failed: nothing can be applied as it stands.** See "What could break" below.`
            : changing.length
            ? `**${changing.length} setting${changing.length === 1 ? "" : "s"} change** · ${userChanges} user${userChanges === 1 ? "" : "s"} change MFA state · ${plan.warnings.length} warning${plan.warnings.length === 1 ? "" : "s"}`
            : "**No changes to the tenant.**",
    ];
    for (const s of changing) {
        out.push("", `### ${s.title} (\`${s.name}\`): ${s.op}`);
        if (s.op === "create") {
            out.push("", ...desiredSummary(s));
            continue;
        }
        if (s.fields.length) {
            out.push("", "| field | from | to |", "|---|---|---|", ...s.fields.map((f) => `| ${f.field} | ${esc(show(f.from))} | ${esc(show(f.to))} |`));
        }
        if (s.users.length) {
            out.push("", ...userTable(s, "from", "to"));
        }
        if (s.op === "delete") {
            out.push("", "Removing the resource stops managing this setting; the tenant keeps its current state.");
        }
    }
    if (plan.others.length) {
        out.push("", "### Other resources", "", "| resource | type | operation |", "|---|---|---|", ...plan.others.map((o) => `| ${o.name} | ${o.type} | ${o.op} |`));
    }
    if (plan.policies.length) {
        const mandatory = plan.policies.filter((f) => f.level === "mandatory").length;
        out.push(
            "",
            `### Policy pack: ${mandatory ? `**${mandatory} mandatory violation${mandatory === 1 ? "" : "s"}** (the preview fails)` : "no mandatory violation"}, ${plan.policies.length - mandatory} other finding${plan.policies.length - mandatory === 1 ? "" : "s"}`,
            "",
            "| level | policy | resource | finding |",
            "|---|---|---|---|",
            ...plan.policies.map((f) => `| ${f.level} | ${esc(f.policy)} | ${esc(f.resource)} | ${esc(f.message.split("\n").pop() ?? "")} |`),
        );
    }
    if (plan.warnings.length || plan.errors.length) {
        out.push("", "### What could break", "");
        for (const w of [...plan.errors.map((e) => `**error:** ${e}`), ...plan.warnings]) {
            out.push("```", w, "```");
        }
    }
    return out.join("\n") + "\n";
}

export interface DriftReport {
    stack: string;
    checkedAt: string;
    drifted: boolean;
    settings: {
        name: string;
        title: string;
        type: string;
        /** "drift": the tenant differs from the stack; "pending": the stack has a change not yet applied. */
        kind: "drift" | "pending";
        fields: { field: string; expected: unknown; found: unknown }[];
        users: { found: string; expected: string; users: string[] }[];
    }[];
}

export function driftReport(plan: Plan, stack: string): DriftReport {
    const settings = plan.settings
        .filter((s) => s.fields.length || s.users.length || s.op === "create" || s.op === "delete")
        .map((s) => ({
            name: s.name,
            title: s.title,
            type: s.type,
            kind: (s.op === "create" || s.op === "delete" ? "pending" : "drift") as "drift" | "pending",
            fields: s.fields.map((f) => ({ field: f.field, expected: f.to, found: f.from })),
            users: s.users.map((g) => ({ found: g.from, expected: g.to, users: g.users })),
        }));
    return { stack, checkedAt: new Date().toISOString(), drifted: settings.length > 0, settings };
}

export function driftMarkdown(r: DriftReport): string {
    const out = [`# m365-mfa drift report: \`${r.stack}\``, "", `Checked ${r.checkedAt}. ${r.drifted ? `**${r.settings.length} setting(s) differ from the stack.**` : "The tenant matches the stack."}`];
    for (const s of r.settings) {
        out.push("", `## ${s.title} (\`${s.name}\`)${s.kind === "pending" ? ": not yet applied" : ""}`);
        if (s.fields.length) {
            out.push("", "| field | expected | found |", "|---|---|---|", ...s.fields.map((f) => `| ${f.field} | ${esc(show(f.expected))} | ${esc(show(f.found))} |`));
        }
        if (s.users.length) {
            out.push("", "| found | expected | users | which |", "|---|---|---:|---|", ...s.users.map((g) => `| ${g.found} | ${g.expected} | ${g.users.length} | ${esc(g.users.slice(0, 20).join(", "))}${g.users.length > 20 ? ", …" : ""} |`));
        }
    }
    out.push("", r.drifted ? "Repair with `pulumi up --refresh` (or `npm run drift -- --remediate`), or change the stack to accept the tenant as it is." : "");
    return out.join("\n").trimEnd() + "\n";
}
