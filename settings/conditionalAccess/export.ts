import { TenantApiError } from "../../client";
import { pages } from "../../client/batch";
import { ExportContext, once } from "../../adoption/context";
import { CA_STATES, LegacyAuthenticationMode, POLICY_SHAPES } from "./resource";

/**
 * Adopting the tenant's Conditional Access policies. These are @pulumi/azuread resources, which do
 * support Pulumi's `import` option: a policy that is exactly what the component builds (see
 * POLICY_SHAPES in ./resource.ts) is exported with its mode, displayName and object id (adoptPolicyId),
 * and the component passes `import: <id>` so the first `up` adopts it instead of creating a second one.
 * Pulumi refuses an import whose inputs differ from the policy, so "exactly" is strict: the same
 * conditions and controls, in the same order, and nothing else set. Every other policy is left out,
 * with a warning that names it and says why.
 *
 * The excluded users of an adopted policy are the baseline's break-glass accounts (by user principal
 * name); both policies must exclude the same accounts in the same order (the component builds both from
 * one list), or the accounts given with --break-glass.
 */
export type CaMember = keyof typeof POLICY_SHAPES;
export const CA_MEMBERS = Object.keys(POLICY_SHAPES) as CaMember[];

/** What the config's guards.confirm must hold for a member that is on (components/config.ts, coherenceProblems). */

const POLICIES = "/identity/conditionalAccess/policies";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Set by the service, or not managed by azuread's ConditionalAccessPolicy: not part of the shape. */
const NOT_SHAPE = ["id", "displayName", "state", "createdDateTime", "modifiedDateTime", "deletedDateTime", "templateId", "description"];
const MODES = Object.fromEntries(Object.entries(CA_STATES).map(([mode, state]) => [state, mode])) as Record<string, LegacyAuthenticationMode>;

export interface CaPolicy {
    id: string;
    displayName: string;
    state: string;
    [k: string]: unknown;
}

export interface AdoptedPolicy {
    mode: LegacyAuthenticationMode;
    displayName: string;
    adoptPolicyId: string;
}

interface Analysis {
    adopted: Partial<Record<CaMember, AdoptedPolicy>>;
    /** The break-glass accounts the adopted policies exclude (user principal names), or --break-glass. */
    breakGlassAccounts?: string[];
}

/** Drops what Graph reports as "not set" (null, empty lists and objects) and annotations. */
function setOnly(v: unknown): unknown {
    if (Array.isArray(v)) {
        return v.length ? v : undefined;
    }
    if (v && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
            const c = k.includes("@odata.") ? undefined : setOnly(x);
            if (c !== undefined) out[k] = c;
        }
        return Object.keys(out).length ? out : undefined;
    }
    return v === null ? undefined : v;
}

/** Where `have` differs from `want`, as "path: what the policy has; the component's has ..." lines. */
function differences(have: unknown, want: unknown, at: string, out: string[]): void {
    const show = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v));
    if (want && typeof want === "object" && !Array.isArray(want) && have && typeof have === "object" && !Array.isArray(have)) {
        const keys = [...new Set([...Object.keys(want), ...Object.keys(have)])];
        for (const k of keys) differences((have as any)[k], (want as any)[k], at ? `${at}.${k}` : k, out);
        return;
    }
    if (JSON.stringify(have) !== JSON.stringify(want)) {
        out.push(`${at} is ${show(have)} where the component's policy has ${show(want)}`);
    }
}

/** The component's policy of `member` (what ./resource.ts sends), with the given excluded users. */
function shapeOf(member: CaMember, excluded: readonly string[]): unknown {
    const s = POLICY_SHAPES[member];
    return {
        conditions: {
            clientAppTypes: [...s.clientAppTypes],
            applications: { includeApplications: ["All"] },
            users: { includeUsers: ["All"], ...(excluded.length ? { excludeUsers: [...excluded] } : {}) },
        },
        grantControls: { operator: "OR", builtInControls: [...s.builtInControls] },
    };
}

/** Which member a policy would be, by its grant control; undefined for a policy of another kind. */
function memberOf(policy: CaPolicy): CaMember | undefined {
    const controls: unknown = (policy.grantControls as any)?.builtInControls;
    const list = Array.isArray(controls) ? controls : [];
    return CA_MEMBERS.find((m) => POLICY_SHAPES[m].builtInControls.every((c) => list.includes(c)));
}

/**
 * Why `policy` cannot be adopted as `member` with `breakGlassIds` excluded (empty: it can). The
 * excluded users are compared with `breakGlassIds` when given, else only checked to be users.
 */
export function mismatches(policy: CaPolicy, member: CaMember, breakGlassIds?: readonly string[]): string[] {
    const reasons: string[] = [];
    if (!(policy.state in MODES)) {
        reasons.push(`its state ${JSON.stringify(policy.state)} is not one the component sets (${Object.keys(MODES).join(", ")})`);
    }
    const excluded: unknown = (policy.conditions as any)?.users?.excludeUsers;
    const ids = Array.isArray(excluded) ? (excluded as unknown[]).map(String) : [];
    const shape: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(policy)) if (!NOT_SHAPE.includes(k)) shape[k] = v;
    differences(setOnly(shape), shapeOf(member, breakGlassIds ?? ids), "", reasons);
    if (!ids.length) {
        reasons.push("it excludes no user, and the component's policy always excludes the break-glass accounts");
    } else if (ids.some((id) => !GUID.test(id))) {
        reasons.push(`it excludes ${ids.filter((id) => !GUID.test(id)).join(", ")}, which the component's policy never does (it excludes break-glass accounts by object id)`);
    }
    return reasons;
}

async function userPrincipalName(ctx: ExportContext, id: string): Promise<string | undefined> {
    try {
        const u = await ctx.clients.graph.get(`/users/${encodeURIComponent(id)}?$select=id,userPrincipalName`);
        return typeof u?.userPrincipalName === "string" ? u.userPrincipalName : undefined;
    } catch (err) {
        if (err instanceof TenantApiError && err.status === 404) return undefined;
        throw err;
    }
}

async function objectId(ctx: ExportContext, account: string): Promise<string> {
    if (GUID.test(account)) return account.toLowerCase();
    try {
        const u = await ctx.clients.graph.get(`/users/${encodeURIComponent(account)}?$select=id,userPrincipalName`);
        return String(u.id).toLowerCase();
    } catch (err) {
        if (err instanceof TenantApiError && err.status === 404) throw new Error(`--break-glass: no such user in the tenant: ${account}`);
        throw err;
    }
}

/** Reads and classifies every policy once per export; the warnings are written once. */
export function analyseConditionalAccess(ctx: ExportContext): Promise<Analysis> {
    return once(ctx, "conditionalAccess", async () => {
        const policies: CaPolicy[] = [];
        for await (const page of pages<CaPolicy>(ctx.clients.graph, POLICIES)) policies.push(...page);
        const given = ctx.breakGlassAccounts?.length ? ctx.breakGlassAccounts : undefined;
        let breakGlassIds = given ? await Promise.all(given.map((a) => objectId(ctx, a))) : undefined;
        let breakGlassAccounts = given ? [...given] : undefined;
        const lower = (ids: readonly string[]) => ids.map((i) => i.toLowerCase());
        const adopted: Analysis["adopted"] = {};
        const name = (p: CaPolicy) => `Conditional Access policy "${p.displayName}" (${p.id})`;
        // The component's own names first: a tenant with two policies of one shape adopts the one it named.
        const ordered = [...policies].sort((a, b) => {
            const own = (p: CaPolicy) => (CA_MEMBERS.some((m) => POLICY_SHAPES[m].displayName === p.displayName) ? 0 : 1);
            return own(a) - own(b);
        });
        for (const p of ordered) {
            const member = memberOf(p);
            if (!member) {
                ctx.warnings.push(`${name(p)} was left out: it neither blocks legacy authentication nor requires MFA for all users, so it is not one m365-mfa manages (it stays as it is).`);
                continue;
            }
            const ids: string[] = (p.conditions as any)?.users?.excludeUsers ?? [];
            const reasons = mismatches({ ...p, conditions: { ...(p.conditions as any), users: { ...(p.conditions as any)?.users, excludeUsers: lower(ids) } } }, member, breakGlassIds);
            if (!reasons.length && adopted[member]) {
                ctx.warnings.push(
                    `${name(p)} was left out (not adopted as ${member}): it has the same shape as ${name({ id: adopted[member]!.adoptPolicyId, displayName: adopted[member]!.displayName, state: "" })}, ` +
                        `which was adopted as ${member}, and the component manages one such policy. It stays as it is, unmanaged.`,
                );
                continue;
            }
            let upns: (string | undefined)[] = [];
            if (!reasons.length && !breakGlassIds) {
                upns = await Promise.all(ids.map((id) => userPrincipalName(ctx, id)));
                const unknown = ids.filter((_, i) => !upns[i]);
                if (unknown.length) reasons.push(`it excludes ${unknown.join(", ")}, which ${unknown.length > 1 ? "are not users" : "is not a user"} of the tenant`);
            }
            if (reasons.length) {
                ctx.warnings.push(`${name(p)} was left out (not adopted as ${member}): ${reasons.join("; ")}. It stays as it is, unmanaged; with ${member} in the baseline, m365-mfa creates a policy of its own beside it (change this one to the component's shape and export again to adopt it instead).`);
                continue;
            }
            if (!breakGlassIds) {
                // The first adopted policy names the break-glass accounts; the other must exclude the same.
                breakGlassIds = lower(ids);
                breakGlassAccounts = upns as string[];
            }
            adopted[member] = { mode: MODES[p.state], displayName: p.displayName, adoptPolicyId: p.id };
        }
        return { adopted, ...(breakGlassAccounts && (given || Object.keys(adopted).length) ? { breakGlassAccounts } : {}) };
    });
}

async function exportCa(ctx: ExportContext, member: CaMember): Promise<AdoptedPolicy | undefined> {
    return (await analyseConditionalAccess(ctx)).adopted[member];
}

/** m365-mfa:baseline.legacyAuthentication: the adopted block policy (mode, displayName, adoptPolicyId). */
export function exportLegacyAuthentication(ctx: ExportContext): Promise<AdoptedPolicy | undefined> {
    return exportCa(ctx, "legacyAuthentication");
}

/** m365-mfa:baseline.conditionalAccessMfa: the adopted require-MFA policy. */
export function exportConditionalAccessMfa(ctx: ExportContext): Promise<AdoptedPolicy | undefined> {
    return exportCa(ctx, "conditionalAccessMfa");
}

/** m365-mfa:baseline.breakGlassAccounts: --break-glass, else the accounts the adopted policies exclude. */
export async function exportBreakGlassAccounts(ctx: ExportContext): Promise<string[] | undefined> {
    const accounts = await knownBreakGlassAccounts(ctx);
    return accounts.length ? accounts : undefined;
}

/**
 * The break-glass accounts other members must leave alone (per-user MFA excludes them), when they can
 * be known: --break-glass, or the adopted policies' exclusions. A tenant whose policies cannot be read
 * (no Entra ID P1, or no permission) has none from there; that is said as a warning.
 */
export async function knownBreakGlassAccounts(ctx: ExportContext): Promise<string[]> {
    try {
        return (await analyseConditionalAccess(ctx)).breakGlassAccounts ?? [];
    } catch (err) {
        if (ctx.breakGlassAccounts?.length) return ctx.breakGlassAccounts;
        const text = `could not read the Conditional Access policies to find the break-glass accounts (${err instanceof Error ? err.message : String(err)}); give them with --break-glass`;
        if (!ctx.warnings.includes(text)) ctx.warnings.push(text);
        return [];
    }
}

/**
 * m365-mfa:baseline.guards: the confirmations an adopted policy that is already on needs (the config
 * refuses mode: on without them; here the tenant already enforces it, so nothing changes for users).
 */
export async function exportGuards(_ctx: ExportContext): Promise<{ confirm: string[] } | undefined> {
    // An adopted policy that the tenant already enforces needs no confirmation: the rollout guard asks
    // for one only when the tenant's policy is not enforced yet (and it names that change), so nothing
    // is written here. (Earlier versions wrote the static "<policy>:on", which no longer confirms anything.)
    return undefined;
}
