import { TENANT_AT_PREVIEW, WEAKENING_REFUSAL } from "../providers/framework/setting";
import { SETTINGS } from "../settings/providerSettings";
import { type Plan, type SettingPlan, show } from "./plan";

/** Markdown for a pull-request comment, and the drift report (Markdown and JSON). */
const FIRST_NAMES = 10;
export const COMMENT_MARKER = "<!-- m365-mfa-preview -->";

function esc(s: string): string {
    return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** GitHub refuses an issue or PR comment over 65,536 characters; the comment stays below this, with room to spare. */
export const COMMENT_LIMIT = 60_000;

export interface CommentOptions {
    /** The longest comment to write (default COMMENT_LIMIT). */
    maxChars?: number;
    /** What the full list is called where the workflow puts it (e.g. the artifact's file name). */
    fullListName?: string;
}

function userTable(s: SettingPlan, fromLabel: string, toLabel: string, inline: boolean, fullList: string): string[] {
    const lines = [`| ${fromLabel} | ${toLabel} | users | first users |`, "|---|---|---:|---|"];
    for (const g of s.users) {
        const first = g.users.slice(0, FIRST_NAMES).join(", ") + (g.users.length > FIRST_NAMES ? ", …" : "");
        lines.push(`| ${g.from} | ${g.to} | ${g.users.length} | ${esc(first)} |`);
    }
    for (const g of s.users.filter((x) => x.users.length > FIRST_NAMES)) {
        if (inline) {
            lines.push(
                "",
                `<details><summary>All ${g.users.length} users: ${g.from} → ${g.to}</summary>`,
                "",
                g.users.map((u) => `- ${u}`).join("\n"),
                "",
                "</details>",
            );
        }
    }
    if (!inline && s.users.some((x) => x.users.length > FIRST_NAMES)) {
        lines.push("", `All users of each transition: ${fullList}.`);
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
        const given = d[field] as Record<string, string> | undefined;
        const entries = given && typeof given === "object" ? given : undefined;
        // A setting whose inputs carry the items only counted (per-user MFA's targets): the counts, without names.
        const counted = entries ? undefined : setting?.itemCounts?.(d);
        const total = entries ? Object.keys(entries).length : Object.values(counted ?? {}).reduce((n, c) => n + c, 0);
        if (!total) continue;
        if (s.users.length || s.planned) {
            // The rows above are the change (from the tenant as read at preview); the rest keep their state.
            const changing = s.users.reduce((n, g) => n + g.users.length, 0) || (s.planned ?? []).reduce((n, t) => n + t.count, 0);
            const unchanged = total - changing;
            if (unchanged > 0)
                lines.push(
                    `${unchanged} other ${setting?.itemFields?.[field] ?? field} already have the state the stack gives ` +
                        "them: brought under management as they are, nothing changes for them.",
                );
            continue;
        }
        // Named items only: a setting that carries them counted plans its transitions, so the rows above say it.
        if (!entries) continue;
        const noun = setting?.itemFields?.[field] ?? field;
        const byState = new Map<string, string[]>();
        for (const [u, st] of Object.entries(entries)) {
            byState.set(String(st), [...(byState.get(String(st)) ?? []), u]);
        }
        lines.push(`| brought under management as | ${noun} | first ${noun} |`, "|---|---:|---|");
        for (const [st, users] of byState) {
            lines.push(
                `| ${st} | ${users.length} | ${esc(users.slice(0, FIRST_NAMES).join(", "))}${users.length > FIRST_NAMES ? ", …" : ""} |`,
            );
        }
    }
    const hidden = new Set([
        ...items,
        ...(setting?.internalFields ?? []),
        ...(setting?.resolvedFields ?? []),
        TENANT_AT_PREVIEW,
        ...s.fields.map((f) => f.field),
    ]);
    const plain = Object.entries(d).filter(([k]) => !hidden.has(k));
    if (plain.length) {
        lines.push("", "| setting | value |", "|---|---|", ...plain.map(([k, v]) => `| ${k} | ${esc(cut(show(v), 500))} |`));
    }
    return lines;
}

function cut(text: string, max: number): string {
    return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

/** A fenced block that no text can break out of (a fence longer than any run of backticks inside). */
function fenced(text: string): string[] {
    const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = "`".repeat(longest + 1);
    return [fence, text, fence];
}

/**
 * Markdown for a pull-request comment. It stays under `maxChars` at any size (GitHub refuses
 * comments over 65,536 characters): counts and the first names always; every user of a transition
 * inline while that fits, else in the full list (prFullList, which the workflow uploads). Changes
 * that weaken security come first.
 */
export function prComment(plan: Plan, stack: string, options: CommentOptions = {}): string {
    const max = options.maxChars ?? COMMENT_LIMIT;
    const fullList = options.fullListName
        ? `in the full list, \`${options.fullListName}\``
        : "in the full list (`pr-summary --full-list FILE`)";
    for (const level of [0, 1, 2] as const) {
        const text = renderComment(plan, stack, level, fullList);
        if (text.length <= max) return text;
    }
    const text = renderComment(plan, stack, 2, fullList);
    const notice = `\n\n**This comment was cut at ${max} characters** (it had ${text.length}); the whole summary is ${fullList}.\n`;
    return text.slice(0, max - notice.length) + notice;
}

/** Every user of every transition, and the lists the preview's messages refer to (`extra`), for the artifact the comment points to. */
export function prFullList(plan: Plan, stack: string, extra: readonly string[] = []): string {
    const out = [`# m365-mfa preview: \`${stack}\`: every user of every change`];
    for (const s of plan.settings) {
        for (const g of s.users) {
            out.push(
                "",
                `## ${s.title} (\`${s.name}\`): ${g.from} → ${g.to} (${g.users.length} users)`,
                "",
                ...g.users.map((u) => `- ${u}`),
            );
        }
        const d = s.desired ?? {};
        for (const field of Object.keys(SETTINGS[s.type]?.itemFields ?? {})) {
            const entries = d[field] as Record<string, string> | undefined;
            if (!entries || typeof entries !== "object") {
                // Counted only (per-user MFA's targets, issue #27): how many per state; the users who change are listed above.
                const counted = Object.entries(SETTINGS[s.type]?.itemCounts?.(d) ?? {}).filter(([, n]) => n > 0);
                if (!counted.length) continue;
                const noun = SETTINGS[s.type]?.itemFields?.[field] ?? field;
                out.push(
                    "",
                    `## ${s.title} (\`${s.name}\`): brought under management`,
                    "",
                    ...counted.map(([st, n]) => `- ${st}: ${n} ${noun}`),
                    "",
                    `The ${noun} who change are listed above by name; the provider resolves the others from the assignments at ` +
                        "preview and the plan carries them counted, not by name.",
                );
                continue;
            }
            if (!Object.keys(entries).length) continue;
            out.push(
                "",
                `## ${s.title} (\`${s.name}\`): brought under management`,
                "",
                ...Object.entries(entries).map(([u, st]) => `- ${u}: ${st}`),
            );
        }
    }
    out.push(...extra);
    return `${out.join("\n")}\n`;
}

/**
 * level 0: everything inline; 1: long user lists only in the full list; 2: also warnings and errors
 * shortened to their first lines.
 */
function renderComment(plan: Plan, stack: string, level: 0 | 1 | 2, fullList: string): string {
    // What weakens security first, then the rest in plan order.
    const changing = plan.settings
        .filter((s) => s.op !== "same" || s.fields.length || s.users.length)
        .map((s, i) => ({ s, i }))
        .sort((a, b) => Number(b.s.weakens.length > 0) - Number(a.s.weakens.length > 0) || a.i - b.i)
        .map(({ s }) => s);
    // The users who change: what the provider planned from the tenant as read at preview (the count the
    // guard confirms), else the per-user diff.
    const changeCount = (s: SettingPlan) =>
        s.planned ? s.planned.reduce((m, t) => m + t.count, 0) : s.users.reduce((m, g) => m + g.users.length, 0);
    const userChanges = changing.reduce((n, s) => n + changeCount(s), 0);
    const weakening = changing.filter((s) => s.weakens.length);
    // Weakenings a guard refused (judged from the tenant at preview): said first too, with the confirmation that names each.
    const refusedWeakenings = plan.errors.filter((e) => e.includes(WEAKENING_REFUSAL));
    const out: string[] = [COMMENT_MARKER, `## m365-mfa preview: \`${stack}\``];
    if (weakening.length || refusedWeakenings.length) {
        out.push(
            "",
            "### ⚠️ Weakens security",
            "",
            ...weakening.flatMap((s) => s.weakens.map((w) => `- **${s.title}** (\`${s.name}\`): ${w}`)),
            ...refusedWeakenings.map(
                (e) => `- **Refused until confirmed:** ${esc(cut(e.replace(/^.*? has a problem: /, "").replace(/\s+/g, " "), 1_000))}`,
            ),
        );
    }
    out.push(
        "",
        plan.errors.length
            ? `**The preview failed: nothing can be applied as it stands.** See "What could break" below.`
            : changing.length
              ? `**${changing.length} setting${changing.length === 1 ? "" : "s"} change** · ${userChanges} user` +
                `${userChanges === 1 ? "" : "s"} change MFA state · ${plan.warnings.length} warning` +
                `${plan.warnings.length === 1 ? "" : "s"}`
              : "**No changes to the tenant.**",
    );
    if (plan.confirmedBy?.length) {
        const which = plan.confirmedBy.length === 1 ? "its confirmation" : "these confirmations";
        out.push(
            "",
            `A guard refused this plan until it is confirmed (see "What could break"). What ${which} would cover: ` +
                `**${changing.length} setting${changing.length === 1 ? "" : "s"} change** · ${userChanges} user` +
                `${userChanges === 1 ? "" : "s"} change MFA state, as below ` +
                `(previewed with ${plan.confirmedBy.map((t) => `\`${t}\``).join(", ")} added to ` +
                `\`m365-mfa:baseline.guards.confirm\`; nothing was applied). ` +
                `Add ${plan.confirmedBy.length === 1 ? "it" : "them"} only if this is intended.`,
        );
    }
    for (const s of changing) {
        out.push("", `### ${s.title} (\`${s.name}\`): ${s.op}`);
        const from = s.fromTenant ? "from (the tenant now)" : "from";
        if (s.planned?.length && !s.users.length) {
            out.push(
                "",
                "| from (the tenant now) | to | users |",
                "|---|---|---:|",
                ...s.planned.map((t) => `| ${t.from} | ${t.to} | ${t.count} |`),
            );
        }
        if (s.fields.length) {
            const newPolicy = s.op === "create" && !s.fromTenant;
            out.push(
                "",
                ...(newPolicy ? ["| field | value |", "|---|---|"] : [`| field | ${from} | to |`, "|---|---|---|"]),
                ...s.fields.map((f) =>
                    newPolicy
                        ? `| ${f.field} | ${esc(cut(show(f.to), 500))} |`
                        : `| ${f.field} | ${esc(cut(show(f.from), 500))} | ${esc(cut(show(f.to), 500))} |`,
                ),
            );
        }
        if (s.users.length) {
            out.push("", ...userTable(s, s.fromTenant || s.planned ? "from (the tenant now)" : "from", "to", level === 0, fullList));
        }
        if (s.op === "create") {
            if (s.fromTenant && !s.fields.length && !s.users.length && !s.planned?.length) {
                out.push("", "The tenant already has what the stack declares: it is brought under management as it is, nothing changes.");
            }
            const rest = desiredSummary(s);
            if (rest.length) out.push(...(rest[0] === "" ? rest : ["", ...rest]));
            continue;
        }
        if (s.op === "delete") {
            out.push("", "Removing the resource stops managing this setting; the tenant keeps its current state.");
        }
    }
    if (plan.others.length) {
        out.push(
            "",
            "### Other resources",
            "",
            "| resource | type | operation |",
            "|---|---|---|",
            ...plan.others.map((o) => `| ${o.name} | ${o.type} | ${o.op} |`),
        );
    }
    if (plan.policies.length) {
        const mandatory = plan.policies.filter((f) => f.level === "mandatory").length;
        out.push(
            "",
            "### Policy pack: " +
                (mandatory
                    ? `**${mandatory} mandatory violation${mandatory === 1 ? "" : "s"}** (the preview fails)`
                    : "no mandatory violation") +
                ", " +
                `${plan.policies.length - mandatory} other finding${plan.policies.length - mandatory === 1 ? "" : "s"}`,
            "",
            "| level | policy | resource | finding |",
            "|---|---|---|---|",
            ...plan.policies.map(
                (f) => `| ${f.level} | ${esc(f.policy)} | ${esc(f.resource)} | ${esc(cut(f.message.split("\n").pop() ?? "", 500))} |`,
            ),
        );
    }
    if (plan.warnings.length || plan.errors.length) {
        out.push("", "### What could break", "");
        const shorten = (t: string) => (level < 2 ? t : cut(t, 1_000));
        for (const e of plan.errors) out.push("**error:**", "", ...fenced(shorten(e)), "");
        for (const w of plan.warnings) out.push(...fenced(shorten(w)), "");
    }
    return `${out.join("\n").trimEnd()}\n`;
}

// The drift report (Markdown and JSON) lives in ./drift.ts; re-exported for the code that imports it from here.
export type { DriftReport } from "./drift";
export { driftMarkdown, driftReport } from "./drift";
