/**
 * Adopting an existing tenant. `pulumi import` does not work for dynamic resources, so instead this
 * reads the live tenant and writes the `m365-mfa:baseline` stack config that describes it exactly
 * (like Microsoft365DSC's export): the first `pulumi up` then brings every setting under management
 * without changing the tenant, and the way to the desired baseline is a series of reviewed edits.
 * The Conditional Access policies (azuread resources) are adopted with Pulumi's `import` option: the
 * export gives each adopted policy's object id as adoptPolicyId.
 *
 *   npm run export -- [--format yaml|json] [--out FILE] [--include securityDefaults,perUserMfa,...] [--break-glass a@x,b@x]
 *
 * With --out naming an existing stack file (Pulumi.<stack>.yaml), the baseline is merged into its
 * `config:` (m365-mfa:baseline replaced, every other key and comment kept).
 */
import * as fs from "node:fs";
import { Document, Scalar, isMap, parseDocument, visit } from "yaml";
import { type TenantClients, createTenantClients } from "../client";
import { type ExportContext, type ExportMember, exportContext } from "../providers/framework/exportContext";
import type { AnyMember, BaselineWide } from "../providers/framework/member";
import { MEMBERS as REGISTRY, MEMBER_KEYS } from "../settings/members";

/**
 * Every exported key of m365-mfa:baseline, from the registry: each member's exportMember (a member
 * without one, e.g. hygiene, has no tenant state: its operations run once per trigger), and the
 * baseline-wide keys that members bring along (exportWide: the break-glass accounts and confirmations
 * of adopted Conditional Access policies). `readiness` and `preset` are choices, not state.
 */
const member = (k: string) => REGISTRY[k as keyof typeof REGISTRY] as AnyMember;
const WIDE_EXPORTERS = new Map<string, ExportMember>();
for (const k of MEMBER_KEYS) {
    for (const [w, fn] of Object.entries(member(k).exportWide ?? {})) if (fn && !WIDE_EXPORTERS.has(w)) WIDE_EXPORTERS.set(w, fn);
}
/** In the order written: the break-glass accounts first, the members in registry order, the rest of the baseline-wide keys last. */
export const MEMBERS: readonly (readonly [string, ExportMember])[] = [
    ...[...WIDE_EXPORTERS].filter(([w]) => w === "breakGlassAccounts"),
    ...MEMBER_KEYS.flatMap((k) => (member(k).exportMember ? [[k, member(k).exportMember!] as const] : [])),
    ...[...WIDE_EXPORTERS].filter(([w]) => w !== "breakGlassAccounts"),
];

export const EXPORTABLE = MEMBERS.map(([key]) => key);

/** Keys that are only valid config together with others: what a member's export brings along or needs. */
const COMPANIONS: Record<string, string[]> = Object.fromEntries(
    MEMBER_KEYS.map((k) => [k, [...Object.keys(member(k).exportWide ?? {}), ...((member(k).exportNeeds ?? []) as (keyof BaselineWide)[])]]),
);

export interface ExportOptions {
    include?: readonly string[];
    onProgress?: (what: string, n: number) => void;
    /** Break-glass accounts (UPNs or object ids) the adopted Conditional Access policies must exclude. */
    breakGlassAccounts?: string[];
    /** Where warnings go (what was left out, and why); printed on stderr by the command. */
    warnings?: string[];
}

/** The baseline object (the value of m365-mfa:baseline) that matches the tenant as it is. */
export async function exportBaseline(clients: TenantClients, options: ExportOptions = {}): Promise<Record<string, unknown>> {
    const include = new Set(options.include ?? EXPORTABLE);
    for (const k of [...include]) for (const c of COMPANIONS[k] ?? []) include.add(c);
    const ctx: ExportContext = exportContext(clients, {
        onProgress: options.onProgress,
        breakGlassAccounts: options.breakGlassAccounts,
        warnings: options.warnings,
    });
    const baseline: Record<string, unknown> = {};
    for (const [key, exportMember] of MEMBERS) {
        if (!include.has(key)) continue;
        const value = await exportMember(ctx);
        if (value !== undefined) baseline[key] = value;
    }
    return baseline;
}

/**
 * The stack file text with `baseline` as its m365-mfa:baseline: merged into `existing` (a stack file's
 * text) when given, so the file keeps one `config:` with its other keys and comments; a new file otherwise.
 */
export function stackFileYaml(baseline: Record<string, unknown>, existing?: string): string {
    const doc = existing?.trim() ? parseDocument(existing) : new Document({});
    if (doc.errors.length) {
        throw new Error(`the stack file is not valid YAML: ${doc.errors[0].message}`);
    }
    if (doc.contents === null || doc.contents === undefined) doc.contents = doc.createNode({}) as any;
    if (!isMap(doc.contents)) {
        throw new Error("the stack file is not a YAML mapping (a Pulumi stack file has config: at its top)");
    }
    const config = doc.get("config", true);
    if (config !== undefined && config !== null && !isMap(config)) {
        throw new Error("the stack file's config: is not a mapping");
    }
    if (!isMap(config)) doc.set("config", doc.createNode({}));
    const node = doc.createNode(baseline);
    // Strings a YAML 1.1 reader takes for booleans or null (mode: on) are quoted, whatever reads the file.
    visit(node, {
        Scalar(_, s: Scalar) {
            if (typeof s.value === "string" && /^(y|yes|n|no|on|off|true|false|null|~)$/i.test(s.value)) s.type = Scalar.QUOTE_DOUBLE;
        },
    });
    doc.setIn(["config", "m365-mfa:baseline"], node);
    return doc.toString({ lineWidth: 0 });
}

/** `m365-mfa export` (the arguments are parsed by ../cli.ts). */
export async function exportCommand(options: {
    format?: "yaml" | "json";
    out?: string;
    include?: string[];
    breakGlass?: string[];
}): Promise<void> {
    const format = options.format ?? "yaml";
    const include = options.include;
    for (const i of include ?? []) {
        if (!EXPORTABLE.includes(i)) throw new Error(`--include: unknown setting "${i}" (known: ${EXPORTABLE.join(", ")})`);
    }
    const progress = (what: string, n: number) =>
        process.stderr.isTTY && process.stderr.write(`\r  reading ${what}: ${n.toLocaleString("en")}      `);
    const warnings: string[] = [];
    const baseline = await exportBaseline(createTenantClients(), {
        include,
        onProgress: progress,
        breakGlassAccounts: options.breakGlass,
        warnings,
    });
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    for (const w of warnings) console.error(`warning: ${w}`);
    const out = options.out;
    const existing = out && format === "yaml" && fs.existsSync(out) ? fs.readFileSync(out, "utf8") : undefined;
    const text = format === "json" ? `${JSON.stringify(baseline, null, 2)}\n` : stackFileYaml(baseline, existing);
    if (out) {
        fs.writeFileSync(out, text);
        console.error(`exported the tenant's MFA posture to ${out}${existing !== undefined ? " (merged into its config:)" : ""}`);
    } else {
        process.stdout.write(text);
    }
}
