import { TenantApiError } from "../../client";
import { pages } from "../../client/batch";
import { type ExportContext, once } from "../../providers/framework/exportContext";
import {
    ADMIN_SHAPE,
    BUILT_IN_STRENGTHS,
    type BuiltInStrength,
    CA_STATES,
    DEVICE_CODE_SHAPE,
    type LegacyAuthenticationMode,
    POLICY_SHAPES,
    PRIVILEGED_ROLES,
} from "./resource";

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
export type CaMember = keyof typeof POLICY_SHAPES | "phishingResistantAdmins" | "deviceCodeFlow";
export const CA_MEMBERS: CaMember[] = [
    ...(Object.keys(POLICY_SHAPES) as (keyof typeof POLICY_SHAPES)[]),
    "phishingResistantAdmins",
    "deviceCodeFlow",
];
/** The display name the component gives each member's policy. */
const DEFAULT_NAMES: Record<CaMember, string> = {
    legacyAuthentication: POLICY_SHAPES.legacyAuthentication.displayName,
    conditionalAccessMfa: POLICY_SHAPES.conditionalAccessMfa.displayName,
    phishingResistantAdmins: ADMIN_SHAPE.displayName,
    deviceCodeFlow: DEVICE_CODE_SHAPE.displayName,
};
const STRENGTH_NAMES = Object.fromEntries(Object.entries(BUILT_IN_STRENGTHS).map(([name, id]) => [id, name])) as Record<
    string,
    BuiltInStrength
>;
const TRANSFER_METHODS = ["deviceCodeFlow", "deviceCodeFlow,authenticationTransfer", "authenticationTransfer,deviceCodeFlow"];

/** What the config's guards.confirm must hold for a member that is on (components/config.ts, coherenceProblems). */

const POLICIES = "/identity/conditionalAccess/policies";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Set by the service, or not managed by azuread's ConditionalAccessPolicy: not part of the shape. */
const NOT_SHAPE = ["id", "displayName", "state", "createdDateTime", "modifiedDateTime", "deletedDateTime", "templateId", "description"];
const MODES = Object.fromEntries(Object.entries(CA_STATES).map(([mode, state]) => [state, mode])) as Record<
    string,
    LegacyAuthenticationMode
>;

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
    /** phishingResistantAdmins: the roles (template ids) when not the default list, and the built-in strength. */
    roles?: string[];
    authenticationStrength?: BuiltInStrength;
    /** deviceCodeFlow: authentication transfer blocked too. */
    authenticationTransfer?: boolean;
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

/**
 * The component's policy of `member` (what ./resource.ts sends), with the given excluded users; `policy` gives a new member's own variable
 * parts (its roles, strength, transfer methods).
 */
function shapeOf(member: CaMember, excluded: readonly string[], policy?: CaPolicy): unknown {
    const users = (include: Record<string, unknown>) => ({ ...include, ...(excluded.length ? { excludeUsers: [...excluded] } : {}) });
    if (member === "deviceCodeFlow") {
        const methods = String((policy?.conditions as any)?.authenticationFlows?.transferMethods ?? "");
        return {
            conditions: {
                clientAppTypes: [...DEVICE_CODE_SHAPE.clientAppTypes],
                applications: { includeApplications: ["All"] },
                users: users({ includeUsers: ["All"] }),
                authenticationFlows: { transferMethods: TRANSFER_METHODS.includes(methods) ? methods : "deviceCodeFlow" },
            },
            grantControls: { operator: "OR", builtInControls: [...DEVICE_CODE_SHAPE.builtInControls] },
        };
    }
    if (member === "phishingResistantAdmins") {
        const roles: unknown = (policy?.conditions as any)?.users?.includeRoles;
        const id = String((policy?.grantControls as any)?.authenticationStrength?.id ?? "");
        return {
            conditions: {
                clientAppTypes: [...ADMIN_SHAPE.clientAppTypes],
                applications: { includeApplications: ["All"] },
                users: users({ includeRoles: Array.isArray(roles) && roles.length ? roles : Object.values(PRIVILEGED_ROLES) }),
            },
            grantControls: {
                operator: "OR",
                authenticationStrength: { id: STRENGTH_NAMES[id] ? id : BUILT_IN_STRENGTHS["phishing-resistant"] },
            },
        };
    }
    const s = POLICY_SHAPES[member];
    return {
        conditions: {
            clientAppTypes: [...s.clientAppTypes],
            applications: { includeApplications: ["All"] },
            users: users({ includeUsers: ["All"] }),
        },
        grantControls: { operator: "OR", builtInControls: [...s.builtInControls] },
    };
}

/**
 * Which member a policy would be: device code flow by its condition, administrators by a strength grant, else by its grant control;
 * undefined for a policy of another kind.
 */
function memberOf(policy: CaPolicy): CaMember | undefined {
    const flows = (policy.conditions as any)?.authenticationFlows?.transferMethods;
    if (typeof flows === "string" && flows.split(",").includes("deviceCodeFlow")) return "deviceCodeFlow";
    if ((policy.grantControls as any)?.authenticationStrength?.id) return "phishingResistantAdmins";
    const controls: unknown = (policy.grantControls as any)?.builtInControls;
    const list = Array.isArray(controls) ? controls : [];
    return (["legacyAuthentication", "conditionalAccessMfa"] as const).find((m) =>
        POLICY_SHAPES[m].builtInControls.every((c) => list.includes(c)),
    );
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
    // The grant's strength is read back as the whole strength policy: the component's policy names it by id.
    const strength = (policy.grantControls as any)?.authenticationStrength;
    if (strength) {
        shape.grantControls = { ...(policy.grantControls as object), authenticationStrength: { id: strength.id } };
        if (!STRENGTH_NAMES[String(strength.id)]) {
            reasons.push(
                `its authentication strength "${strength.displayName ?? strength.id}" is a custom one, which the component ` +
                    "creates itself (customStrength) rather than adopts",
            );
        }
    }
    differences(setOnly(shape), shapeOf(member, breakGlassIds ?? ids, policy), "", reasons);
    if (!ids.length) {
        reasons.push("it excludes no user, and the component's policy always excludes the break-glass accounts");
    } else if (ids.some((id) => !GUID.test(id))) {
        reasons.push(
            `it excludes ${ids.filter((id) => !GUID.test(id)).join(", ")}, which the component's policy never does (it ` +
                "excludes break-glass accounts by object id)",
        );
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
            const own = (p: CaPolicy) => (CA_MEMBERS.some((m) => DEFAULT_NAMES[m] === p.displayName) ? 0 : 1);
            return own(a) - own(b);
        });
        for (const p of ordered) {
            const member = memberOf(p);
            if (!member) {
                ctx.warnings.push(
                    `${name(p)} was left out: it neither blocks legacy authentication nor requires MFA for all users (nor is ` +
                        "it a phishing-resistant MFA or device code flow policy), so it is not one m365-mfa manages (it stays as " +
                        "it is).",
                );
                continue;
            }
            const ids: string[] = (p.conditions as any)?.users?.excludeUsers ?? [];
            const reasons = mismatches(
                { ...p, conditions: { ...(p.conditions as any), users: { ...(p.conditions as any)?.users, excludeUsers: lower(ids) } } },
                member,
                breakGlassIds,
            );
            if (!reasons.length && adopted[member]) {
                ctx.warnings.push(
                    `${name(p)} was left out (not adopted as ${member}): it has the same shape as ` +
                        `${name({ id: adopted[member]!.adoptPolicyId, displayName: adopted[member]!.displayName, state: "" })}, ` +
                        `which was adopted as ${member}, and the component manages one such policy. It stays as it is, unmanaged.`,
                );
                continue;
            }
            let upns: (string | undefined)[] = [];
            if (!reasons.length && !breakGlassIds) {
                upns = await Promise.all(ids.map((id) => userPrincipalName(ctx, id)));
                const unknown = ids.filter((_, i) => !upns[i]);
                if (unknown.length)
                    reasons.push(
                        `it excludes ${unknown.join(", ")}, which ${unknown.length > 1 ? "are not users" : "is not a user"} of the tenant`,
                    );
            }
            if (reasons.length) {
                ctx.warnings.push(
                    `${name(p)} was left out (not adopted as ${member}): ${reasons.join("; ")}. It stays as it is, ` +
                        `unmanaged; with ${member} in the baseline, m365-mfa creates a policy of its own beside it (change this ` +
                        "one to the component's shape and export again to adopt it instead).",
                );
                continue;
            }
            if (!breakGlassIds) {
                // The first adopted policy names the break-glass accounts; the other must exclude the same.
                breakGlassIds = lower(ids);
                breakGlassAccounts = upns as string[];
            }
            adopted[member] = { mode: MODES[p.state], displayName: p.displayName, adoptPolicyId: p.id, ...variableParts(member, p) };
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
        const text =
            "could not read the Conditional Access policies to find the break-glass accounts (" +
            `${err instanceof Error ? err.message : String(err)}); give them with --break-glass`;
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

/** A new member's own parts of an adopted policy: the roles (when not the default list) and strength, or authentication transfer. */
function variableParts(member: CaMember, p: CaPolicy): Partial<AdoptedPolicy> {
    if (member === "deviceCodeFlow") {
        return String((p.conditions as any)?.authenticationFlows?.transferMethods ?? "").includes("authenticationTransfer")
            ? { authenticationTransfer: true }
            : {};
    }
    if (member === "phishingResistantAdmins") {
        const roles: string[] = ((p.conditions as any)?.users?.includeRoles ?? []).map((r: string) => r.toLowerCase());
        const strength = STRENGTH_NAMES[String((p.grantControls as any)?.authenticationStrength?.id)];
        const defaults = Object.values(PRIVILEGED_ROLES);
        return {
            ...(JSON.stringify(roles) === JSON.stringify(defaults) ? {} : { roles }),
            ...(strength && strength !== "phishing-resistant" ? { authenticationStrength: strength } : {}),
        };
    }
    return {};
}

/**
 * m365-mfa:baseline.phishingResistantAdmins: the adopted policy (mode, displayName, adoptPolicyId, roles and strength when not the
 * defaults).
 */
export function exportPhishingResistantAdmins(ctx: ExportContext): Promise<AdoptedPolicy | undefined> {
    return exportCa(ctx, "phishingResistantAdmins");
}

/** m365-mfa:baseline.deviceCodeFlow: the adopted device code flow block (and authenticationTransfer when it blocks that too). */
export function exportDeviceCodeFlow(ctx: ExportContext): Promise<AdoptedPolicy | undefined> {
    return exportCa(ctx, "deviceCodeFlow");
}
