/**
 * The tenants file: one baseline, many tenants, each with its own differences.
 *
 *   # tenants.yaml (or .json)
 *   baseline:                       # m365-mfa:baseline for every tenant (or --baseline FILE)
 *     preset: conditional-access
 *     breakGlassAccounts: [breakglass1@contoso.com]
 *   defaults:                       # tenant keys every tenant gets unless it sets them (e.g. one app across tenants)
 *     clientId: 11111111-1111-1111-1111-111111111111
 *   tenants:
 *     - name: contoso
 *       tenantId: 00000000-0000-0000-0000-000000000001
 *       clientSecretEnv: CONTOSO_SECRET          # or federatedTokenFile, or neither (the run's workload identity)
 *       overrides:
 *         breakGlassAccounts: [bg1@contoso.com, bg2@contoso.com]
 *     - name: fabrikam                           # no Entra ID P1
 *       tenantId: 00000000-0000-0000-0000-000000000002
 *       overrides: { preset: security-defaults }
 *
 * The merge: a tenant's `overrides` replace keys of the baseline, each key as a whole (a member such
 * as `perUserMfa`, or a baseline-wide key such as `breakGlassAccounts`, `readiness`, `guards`), as
 * explicit members win over a preset; `null` removes the key. Nothing is merged inside a key.
 *
 * A plain list of tenants (the old format, without baseline and defaults) is read too.
 * validateTenantsFile checks everything before any tenant runs: the file's own keys and every
 * tenant's merged baseline (baselineArgsFromConfig), naming the tenant and the key at fault.
 * Secrets never go in this file: a tenant names the environment variable holding its secret.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { BaselineConfigError, baselineArgsFromConfig } from "../components/config";

export interface TenantTarget {
    name: string;
    tenantId: string;
    clientId?: string;
    /** The environment variable holding this tenant's client secret (never the secret itself). */
    clientSecretEnv?: string;
    /** A workload identity token file for this tenant (default: the run's AZURE_FEDERATED_TOKEN_FILE, if any). */
    federatedTokenFile?: string;
    cloud?: string;
    authorityHost?: string;
    graphEndpoint?: string;
    exchangeEndpoint?: string;
    /** The azuread provider's ARM_METADATA_HOSTNAME (custom clouds only; default the host of graphEndpoint when that is set). */
    azureadMetadataHost?: string;
    /** Stack name; default m365-mfa-<name>. */
    stack?: string;
    /** Keys of the baseline this tenant replaces (each as a whole; null removes it). */
    overrides?: Record<string, unknown>;
}

/** A tenant ready to run: its file entry and its merged baseline, already validated. */
export interface TenantPlan extends TenantTarget {
    stack: string;
    baseline: Record<string, unknown>;
}

export interface TenantsFile {
    baseline?: Record<string, unknown>;
    tenants: TenantPlan[];
}

export class TenantsFileError extends Error {
    constructor(
        readonly problems: readonly string[],
        file?: string,
    ) {
        super(`${file ? `${file}: ` : ""}the tenants file is not valid; no tenant was run:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "TenantsFileError";
    }
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STRING_KEYS = [
    "clientId",
    "federatedTokenFile",
    "cloud",
    "authorityHost",
    "graphEndpoint",
    "exchangeEndpoint",
    "azureadMetadataHost",
    "stack",
] as const;
const TENANT_KEYS = ["name", "tenantId", "clientSecretEnv", ...STRING_KEYS, "overrides"];
/** Keys that would put a credential in the file: refused with the way to do it instead. */
const SECRET_KEYS = ["clientSecret", "secret", "password", "federatedToken", "token", "clientCertificate"];
const CLOUDS = ["global", "usgov", "usgovdod", "china"];
const PREFIX = "m365-mfa:baseline";

/** Reads a tenants file, JSON or YAML (by content: JSON is YAML). */
export function readTenantsFile(file: string): unknown {
    const text = fs.readFileSync(file, "utf8");
    try {
        return /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text);
    } catch (err) {
        throw new TenantsFileError(
            [`cannot be read as ${/\.json$/i.test(file) ? "JSON" : "YAML"}: ${err instanceof Error ? err.message : String(err)}`],
            file,
        );
    }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The baseline for one tenant: the overrides replace the baseline's keys, each as a whole; null removes. */
export function mergeBaseline(
    baseline: Record<string, unknown> | undefined,
    overrides: Record<string, unknown> | undefined,
): Record<string, unknown> {
    const out: Record<string, unknown> = { ...(baseline ?? {}) };
    for (const [k, v] of Object.entries(overrides ?? {})) {
        if (v === null) delete out[k];
        else out[k] = v;
    }
    return out;
}

/**
 * A problem of baselineArgsFromConfig (`m365-mfa:baseline.<key>... message`) said where the tenant's
 * file has it: under its overrides when the tenant replaced that key, else under the shared baseline.
 */
function locate(problem: string, at: string, overrides: Record<string, unknown>, baselineLabel: string): string {
    const m = /^m365-mfa:baseline\.([A-Za-z0-9_]+)(\S*)\s+([\s\S]*)$/.exec(problem);
    if (!m) return `${at}: ${problem.split(`${PREFIX}.`).join("")}`;
    const [, key, rest, message] = m;
    const where = key in overrides ? `${at}.overrides.${key}${rest}` : `${at}: ${baselineLabel}.${key}${rest}`;
    return `${where}: ${message.split(`${PREFIX}.`).join("")}`;
}

/**
 * Checks the whole file and returns every tenant with its merged baseline; throws a TenantsFileError
 * listing every problem (`tenants[2] (fabrikam).overrides.perUserMfa.assignments[0].state: ...`).
 * `baseline` (from --baseline) is used when the file has none.
 */
export function validateTenantsFile(raw: unknown, baseline?: unknown, file?: string): TenantsFile {
    const problems: string[] = [];
    let list: unknown;
    let shared: unknown = baseline;
    let defaults: Record<string, unknown> = {};
    let baselineLabel = "--baseline";
    if (Array.isArray(raw)) {
        list = raw;
    } else if (isObject(raw)) {
        for (const k of Object.keys(raw)) {
            if (!["baseline", "defaults", "tenants"].includes(k))
                problems.push(`${k}: not a key of the tenants file (known: baseline, defaults, tenants)`);
        }
        list = raw.tenants;
        if (raw.baseline !== undefined) {
            if (baseline !== undefined) problems.push("baseline: given both in the file and with --baseline; keep one");
            shared = raw.baseline;
            baselineLabel = "baseline";
        }
        if (raw.defaults !== undefined) {
            if (!isObject(raw.defaults)) problems.push("defaults: must be an object of tenant keys (clientId, cloud, ...)");
            else {
                defaults = raw.defaults;
                for (const k of Object.keys(defaults)) {
                    if (["name", "tenantId", "overrides", "stack"].includes(k))
                        problems.push(`defaults.${k}: is per tenant, not a default`);
                    else if (SECRET_KEYS.includes(k))
                        problems.push(
                            `defaults.${k}: secrets never go in the tenants file; name the environment variable holding it ` +
                                "with clientSecretEnv",
                        );
                    else if (!TENANT_KEYS.includes(k))
                        problems.push(
                            `defaults.${k}: not a tenant key (known: ` +
                                `${TENANT_KEYS.filter((x) => !["name", "tenantId", "overrides", "stack"].includes(x)).join(", ")})`,
                        );
                }
            }
        }
    } else {
        throw new TenantsFileError(["expected { baseline, defaults, tenants: [...] } or a list of tenants"], file);
    }
    if (!Array.isArray(list) || list.length === 0) {
        throw new TenantsFileError([...problems, "tenants: expected a non-empty list of { name, tenantId, ... }"], file);
    }
    if (shared !== undefined && !isObject(shared)) {
        problems.push(`${baselineLabel}: must be an object (the value of m365-mfa:baseline)`);
        shared = undefined;
    }
    const names = new Map<string, number>();
    const stacks = new Map<string, number>();
    const tenants: TenantPlan[] = [];
    list.forEach((entry: unknown, i) => {
        const label = isObject(entry) && typeof entry.name === "string" ? `tenants[${i}] (${entry.name})` : `tenants[${i}]`;
        if (!isObject(entry)) {
            problems.push(`${label}: must be an object { name, tenantId, ... }`);
            return;
        }
        const t: Record<string, unknown> = { ...defaults, ...entry };
        const own: string[] = [];
        for (const k of Object.keys(entry)) {
            if (SECRET_KEYS.includes(k))
                own.push(
                    `${label}.${k}: secrets never go in the tenants file; put it in an environment variable and name it with ` +
                        "clientSecretEnv (or use workload identity)",
                );
            else if (!TENANT_KEYS.includes(k)) own.push(`${label}.${k}: not a tenant key (known: ${TENANT_KEYS.join(", ")})`);
        }
        if (typeof t.name !== "string" || !NAME.test(t.name))
            own.push(`${label}.name: must be 1 to 64 letters, digits, '.', '_' or '-', got ${JSON.stringify(t.name)}`);
        else if (names.has(t.name)) own.push(`${label}.name: "${t.name}" is also tenants[${names.get(t.name)}]`);
        else names.set(t.name, i);
        if (typeof t.tenantId !== "string" || !t.tenantId.trim())
            own.push(`${label}.tenantId: is required (the tenant's id or initial domain)`);
        for (const k of STRING_KEYS) {
            if (t[k] !== undefined && (typeof t[k] !== "string" || !(t[k] as string).trim()))
                own.push(`${label}.${k}: must be a non-empty string, got ${JSON.stringify(t[k])}`);
        }
        if (t.clientSecretEnv !== undefined && (typeof t.clientSecretEnv !== "string" || !ENV_NAME.test(t.clientSecretEnv))) {
            own.push(
                `${label}.clientSecretEnv: must name an environment variable (letters, digits, '_'), got ` +
                    `${JSON.stringify(t.clientSecretEnv)}`,
            );
        }
        if (t.clientSecretEnv !== undefined && t.federatedTokenFile !== undefined)
            own.push(`${label}: clientSecretEnv and federatedTokenFile both given; a tenant signs in one way`);
        if (typeof t.cloud === "string" && !CLOUDS.includes(t.cloud))
            own.push(`${label}.cloud: must be one of ${CLOUDS.join(", ")}, got "${t.cloud}"`);
        for (const k of ["authorityHost", "graphEndpoint", "exchangeEndpoint"] as const) {
            if (typeof t[k] === "string" && !/^https:\/\/[^\s/]+/.test(t[k] as string))
                own.push(`${label}.${k}: must be an https:// URL, got "${t[k]}"`);
        }
        const stack = typeof t.stack === "string" ? t.stack : typeof t.name === "string" ? `m365-mfa-${t.name}` : "";
        if (stack && !/^[A-Za-z0-9_.\-/]+$/.test(stack)) own.push(`${label}.stack: not a valid stack name: "${stack}"`);
        else if (stack && stacks.has(stack)) own.push(`${label}.stack: "${stack}" is also the stack of tenants[${stacks.get(stack)}]`);
        else if (stack) stacks.set(stack, i);
        let overrides: Record<string, unknown> = {};
        if (t.overrides !== undefined) {
            if (!isObject(t.overrides))
                own.push(`${label}.overrides: must be an object of baseline keys, got ${JSON.stringify(t.overrides)}`);
            else overrides = t.overrides;
        }
        if (shared === undefined && !Object.keys(overrides).length && baselineLabel === "--baseline" && baseline === undefined) {
            own.push(`${label}: no baseline (give baseline: in the file, --baseline FILE, or this tenant's overrides)`);
        }
        const merged = mergeBaseline(shared as Record<string, unknown> | undefined, overrides);
        if (!own.some((p) => p.startsWith(`${label}.overrides:`) || p.includes(": no baseline"))) {
            try {
                baselineArgsFromConfig(merged);
            } catch (err) {
                if (!(err instanceof BaselineConfigError)) throw err;
                for (const p of err.problems) own.push(locate(p, label, overrides, baselineLabel));
            }
        }
        problems.push(...own);
        if (!own.length) tenants.push({ ...(t as unknown as TenantTarget), stack, baseline: merged });
    });
    if (problems.length) throw new TenantsFileError(problems, file);
    return { baseline: shared as Record<string, unknown> | undefined, tenants };
}

/** Reads and validates a tenants file (and an optional separate baseline file, JSON or YAML). */
export function loadTenants(file: string, baselineFile?: string): TenantsFile {
    const baseline = baselineFile ? readTenantsFile(baselineFile) : undefined;
    return validateTenantsFile(readTenantsFile(file), baseline, path.basename(file));
}
