/**
 * What the PR summary adds around the preview, so that the comment is the one the approver decides in:
 * - the lists the providers write while previewing (readiness, long refusals: providers/framework/report.ts)
 *   go to a temporary folder of this run, then into the full list (the artifact), and the folder is removed;
 * - when a guard refuses and names its confirmation (per-user MFA's count and digest, switching a
 *   Conditional Access policy on, a weakening), the plan those confirmations would cover is previewed
 *   too (a copy of the stack's config with them added; nothing is applied), so the comment shows its
 *   per-user table and transitions beside the refusal.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import type { Plan } from "./plan";

/** The confirmations a refused preview asks for: `add "<token>" to m365-mfa:baseline.guards.confirm`. */
export function confirmationsAsked(errors: readonly string[]): string[] {
    const out = new Set<string>();
    for (const e of errors) for (const m of e.matchAll(/add "([^"\s]+)" to m365-mfa:baseline\.guards\.confirm/g)) out.add(m[1]);
    return [...out];
}

/** A temporary folder for what the providers write during this run's previews (M365_MFA_REPORT_DIR). */
export function reportFolder(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-review-"));
}

/**
 * A copy of the stack's config file with `tokens` added to m365-mfa:baseline.guards.confirm, in `dir`;
 * undefined when the baseline is not plain config there (a secret, an ESC environment, no file).
 */
export function configWithConfirmations(configFile: string, tokens: readonly string[], dir: string): string | undefined {
    let doc: YAML.Document;
    try {
        doc = YAML.parseDocument(fs.readFileSync(configFile, "utf8"));
    } catch {
        return undefined;
    }
    const baseline = doc.getIn(["config", "m365-mfa:baseline"]);
    if (!baseline || !YAML.isMap(baseline)) return undefined;
    const value = (baseline as YAML.YAMLMap).toJSON() as Record<string, any>;
    if ("secure" in value) return undefined;
    const confirm: string[] = [...(value.guards?.confirm ?? [])];
    for (const t of tokens) if (!confirm.includes(t)) confirm.push(t);
    doc.setIn(["config", "m365-mfa:baseline", "guards", "confirm"], confirm);
    const file = path.join(dir, `confirmed-${path.basename(configFile)}`);
    fs.writeFileSync(file, doc.toString());
    return file;
}

/**
 * The refused plan, with the settings of the plan its confirmations would cover: the errors stay the
 * refused preview's (they are why nothing can be applied), the changes are the confirmed preview's.
 */
export function withConfirmedChanges(refused: Plan, confirmed: Plan, tokens: readonly string[]): Plan {
    const warnings = [...new Set([...refused.warnings, ...confirmed.warnings])];
    return { ...refused, settings: confirmed.settings, others: confirmed.others, warnings, confirmedBy: [...tokens] };
}

/**
 * Previews the plan the asked confirmations would cover (`preview` on a copy of the config with them
 * added), in up to three rounds: a guard that only runs once an earlier one passes (Conditional Access
 * after security defaults) asks for its own in the next round. Every refusal met is kept in the errors,
 * so the comment names every confirmation the plan needs. The refused plan as it is when none is asked
 * or the rounds do not end in a preview that passes.
 */
export async function previewConfirmed(
    refused: Plan,
    configFile: string,
    dir: string,
    preview: (configFile: string) => Promise<{ plan: Plan; failed: boolean } | undefined>,
): Promise<Plan> {
    const tokens: string[] = [];
    const errors = [...refused.errors];
    let asked = confirmationsAsked(refused.errors);
    for (let round = 0; round < 3 && asked.length; round++) {
        tokens.push(...asked.filter((t) => !tokens.includes(t)));
        const copy = configWithConfirmations(configFile, tokens, dir);
        const again = copy ? await preview(copy) : undefined;
        if (!again) break;
        if (!again.failed) return { ...withConfirmedChanges(refused, again.plan, tokens), errors };
        for (const e of again.plan.errors) if (!errors.includes(e)) errors.push(e);
        asked = confirmationsAsked(again.plan.errors).filter((t) => !tokens.includes(t));
    }
    return { ...refused, errors };
}

/** Files of `dir` that `texts` name, each once, in the order named. */
function namedFiles(dir: string, texts: readonly string[]): string[] {
    const out: string[] = [];
    const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
    for (const t of texts) {
        let at = t.indexOf(prefix);
        while (at >= 0) {
            const m = /^[^\s;:,)]+/.exec(t.slice(at));
            const file = m?.[0].replace(/[.]$/, "");
            if (file && !out.includes(file) && fs.existsSync(file)) out.push(file);
            at = t.indexOf(prefix, at + 1);
        }
    }
    return out;
}

/**
 * The lists the plan's messages name (files under `dir`), as sections of the full list, and the plan
 * with each path replaced by where the list now is ("the full list, `<name>`", or a note that they are
 * in the full list when there is none).
 */
export function keepReports(plan: Plan, dir: string, fullListName: string | undefined): { plan: Plan; sections: string[] } {
    const texts = [...plan.warnings, ...plan.errors];
    const files = namedFiles(dir, texts);
    const sections: string[] = [];
    const where = new Map<string, string>();
    files.forEach((file, i) => {
        const title = path
            .basename(file)
            .replace(/-\d{4}-\d\d-\d\dt[\d-]+z-\d+-[a-z0-9]+\.txt$/i, "")
            .replace(/-/g, " ");
        const anchor = `list ${i + 1}: ${title}`;
        where.set(
            file,
            fullListName ? `the full list, \`${fullListName}\` (${anchor})` : `(kept only with pr-summary --full-list FILE: ${anchor})`,
        );
        sections.push(
            "",
            `## ${anchor}`,
            "",
            ...fs
                .readFileSync(file, "utf8")
                .trimEnd()
                .split("\n")
                .map((l) => `- ${l}`),
        );
    });
    const rewrite = (t: string) => [...where].reduce((s, [file, to]) => s.split(file).join(to), t);
    return { plan: { ...plan, warnings: plan.warnings.map(rewrite), errors: plan.errors.map(rewrite) }, sections };
}
