/**
 * Adopting an existing tenant. `pulumi import` does not work for dynamic resources, so instead this
 * reads the live tenant and writes the `m365-mfa:baseline` stack config that describes it exactly
 * (like Microsoft365DSC's export): the first `pulumi up` then brings every setting under management
 * without changing the tenant, and the way to the desired baseline is a series of reviewed edits.
 *
 *   npm run export -- [--format yaml|json] [--out FILE] [--include securityDefaults,modernAuthentication,perUserMfa]
 */
import * as fs from "fs";
import { TenantClients, createTenantClients, redact } from "../client";
import { pages, runBatched } from "../client/batch";
import { modernAuthentication } from "../settings/modernAuthentication/setting";
import { securityDefaults } from "../settings/securityDefaults/setting";

export const EXPORTABLE = ["securityDefaults", "modernAuthentication", "perUserMfa"] as const;
export type Exportable = (typeof EXPORTABLE)[number];

export interface ExportOptions {
    include?: readonly Exportable[];
    onProgress?: (what: string, n: number) => void;
}

/** The baseline object (the value of m365-mfa:baseline) that matches the tenant as it is. */
export async function exportBaseline(clients: TenantClients, options: ExportOptions = {}): Promise<Record<string, unknown>> {
    const include = new Set(options.include ?? EXPORTABLE);
    const baseline: Record<string, unknown> = {};
    if (include.has("securityDefaults")) {
        const live = await securityDefaults.read(clients, { isEnabled: false });
        baseline.securityDefaults = { enabled: live.isEnabled };
    }
    if (include.has("modernAuthentication")) {
        const live = await modernAuthentication.read(clients, { enabled: true } as any);
        baseline.modernAuthentication = { enabled: live.enabled };
    }
    if (include.has("perUserMfa")) {
        const assignments = await exportPerUserMfa(clients, options);
        if (assignments.length) {
            // Users not named stay unmanaged (disabled users are left alone).
            baseline.perUserMfa = { assignments };
        }
    }
    return baseline;
}

/** Every user whose per-user MFA state is not disabled, named explicitly under their state. */
async function exportPerUserMfa(clients: TenantClients, options: ExportOptions) {
    const upns: string[] = [];
    for await (const page of pages<{ userPrincipalName: string }>(clients.graph, "/users?$select=id,userPrincipalName&$top=999")) {
        upns.push(...page.map((u) => u.userPrincipalName));
        options.onProgress?.("users", upns.length);
    }
    const { results } = await runBatched(
        clients.graph,
        upns.map((u) => ({ method: "GET" as const, url: `/users/${encodeURIComponent(u)}/authentication/requirements` })),
        { version: "beta", onProgress: (done) => options.onProgress?.("per-user MFA states", done) },
    );
    const byState: Record<string, string[]> = { enabled: [], enforced: [] };
    upns.forEach((u, i) => {
        const r = results[i];
        if (r.status !== 200) {
            throw new Error(`reading the per-user MFA state of ${u} answered ${r.status} ${r.body?.error?.code ?? ""}`);
        }
        const state = r.body.perUserMfaState;
        if (state === "enabled" || state === "enforced") {
            byState[state].push(u.toLowerCase());
        }
    });
    return (["enforced", "enabled"] as const)
        .filter((s) => byState[s].length)
        .map((state) => ({ state, users: byState[state].sort() }));
}

/** A small YAML writer for plain config values (objects, arrays, strings, numbers, booleans). */
export function toYaml(value: unknown, indent = 0): string {
    const pad = " ".repeat(indent);
    const scalar = (v: unknown) => (typeof v === "string" ? (/^[\w.@+-]+$/.test(v) && !/^(true|false|null|yes|no|on|off|~|\d[\d.]*)$/i.test(v) ? v : JSON.stringify(v)) : JSON.stringify(v));
    if (Array.isArray(value)) {
        if (!value.length) return `${pad}[]\n`;
        return value
            .map((v) => {
                if (v && typeof v === "object") {
                    const inner = toYaml(v, indent + 2).replace(/^\s+/, "");
                    return `${pad}- ${inner}`;
                }
                return `${pad}- ${scalar(v)}\n`;
            })
            .join("");
    }
    if (value && typeof value === "object") {
        return Object.entries(value as Record<string, unknown>)
            .map(([k, v]) => (v && typeof v === "object" && (!Array.isArray(v) || v.length) ? `${pad}${k}:\n${toYaml(v, indent + 2)}` : `${pad}${k}: ${Array.isArray(v) ? "[]" : scalar(v)}\n`))
            .join("");
    }
    return `${pad}${scalar(value)}\n`;
}

/** `m365-mfa export` (the arguments are parsed by ../cli.ts). */
export async function exportCommand(options: { format?: "yaml" | "json"; out?: string; include?: string[] }): Promise<void> {
    const format = options.format ?? "yaml";
    const include = options.include as Exportable[] | undefined;
    for (const i of include ?? []) {
        if (!EXPORTABLE.includes(i)) throw new Error(`--include: unknown setting "${i}" (known: ${EXPORTABLE.join(", ")})`);
    }
    const progress = (what: string, n: number) => process.stderr.isTTY && process.stderr.write(`\r  reading ${what}: ${n.toLocaleString("en")}      `);
    const baseline = await exportBaseline(createTenantClients(), { include, onProgress: progress });
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    const text = format === "json" ? JSON.stringify(baseline, null, 2) + "\n" : `config:\n  m365-mfa:baseline:\n${toYaml(baseline, 4)}`;
    if (options.out) {
        fs.writeFileSync(options.out, text);
        console.error(`exported the tenant's MFA posture to ${options.out}`);
    } else {
        process.stdout.write(text);
    }
}

if (require.main === module) {
    require("../cli").run(["export", ...process.argv.slice(2)]);
}
