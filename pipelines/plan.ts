import { FieldChange, stableJson } from "../providers/framework/setting";
import { dynamicType } from "../providers/framework/setting";
import { SETTINGS, composerOf } from "../settings/registry";

/**
 * Reads `pulumi preview --json` (with --refresh for drift) into what a reviewer needs: per setting,
 * which fields go from what to what, and for settings over many users, the users grouped by change.
 *
 * The Node SDK gives dynamic resources no detailed diff, so the engine's JSON has none: the changes
 * are computed here with each setting's own diff() — the same code the provider runs — from the
 * step's old state (the tenant as last read; refreshed when --refresh is given) and new inputs.
 */
export interface UserGroupChange {
    from: string;
    to: string;
    users: string[];
}

export interface SettingPlan {
    /** Resource name in the stack, e.g. tenant-security-defaults. */
    name: string;
    urn: string;
    type: string;
    title: string;
    op: "create" | "update" | "delete" | "replace" | "same" | string;
    /** Field changes (for per-user settings: only non-user fields). */
    fields: FieldChange[];
    /** Per-user changes grouped by transition (per-user MFA). */
    users: UserGroupChange[];
    /**
     * Whether the stack's own config for this resource changed since it was last applied (its inputs in
     * state differ from the program's): "pending", not drift. Drift is the tenant differing from inputs
     * that did not change.
     */
    configChanged: boolean;
    /** How this change weakens security (empty when it does not): such settings come first in the PR summary. */
    weakens: string[];
    /** The transitions the provider planned at preview from the tenant as it read it then (per-user settings). */
    planned?: { from: string; to: string; count: number }[];
    /** For a resource being created: the desired values it will bring under management. */
    desired?: Record<string, unknown>;
}

export interface Plan {
    settings: SettingPlan[];
    warnings: string[];
    errors: string[];
    /** Other resources (e.g. the Conditional Access policy) with their operation. */
    others: { name: string; type: string; op: string }[];
    /** Findings of the policy packs the preview ran (`--policy-pack`), mandatory first. */
    policies: PolicyFinding[];
}

export interface PolicyFinding {
    pack: string;
    policy: string;
    level: "mandatory" | "advisory" | "remediate" | "disabled" | string;
    /** The resource the finding is about (its name), or the stack. */
    resource: string;
    message: string;
}

const DYNAMIC = dynamicType("");

/**
 * Resources of other providers that the baseline composes. Their providers give the engine a detailed
 * diff (property paths such as `conditions.users.excludedUsers`), which the plan shows field by field:
 * from the old state's outputs (the tenant as refreshed) to the new inputs.
 */

/** A change of one entry of a setting's per-user (or per-mailbox) property: "targets.<user>" -> the user. */
function itemOf(setting: { itemFields?: Readonly<Record<string, string>> } | undefined, field: string): string | undefined {
    for (const f of Object.keys(setting?.itemFields ?? {})) {
        if (field.startsWith(`${f}.`)) return field.slice(f.length + 1);
    }
    return undefined;
}

export function planFromPreviewJson(json: any): Plan {
    const plan: Plan = { settings: [], warnings: [], errors: [], others: [], policies: policyFindings(json?.__policyEvents) };
    for (const d of json?.diagnostics ?? []) {
        const msg = String(d.message ?? "").replace(/^(warning|error):\s*/, "").trim();
        if (d.severity === "warning") plan.warnings.push(msg);
        if (d.severity === "error") plan.errors.push(msg);
    }
    // With --refresh, a dynamic resource's read() replaces its inputs in state with the tenant's: the
    // inputs last applied are the refresh step's old state, so that is what "did the stack change" compares.
    const applied = new Map<string, any>();
    for (const step of json?.steps ?? []) {
        if (step.op === "refresh" && step.oldState?.inputs) applied.set(String(step.urn), step.oldState.inputs);
    }
    for (const step of json?.steps ?? []) {
        if (step.op === "refresh") {
            continue; // the in-memory refresh before the plan; its result is the next step's old state
        }
        const type: string = step.newState?.type ?? step.oldState?.type ?? "";
        const name = String(step.urn).split("::").pop()!;
        const composer = composerOf(type);
        if (composer && step.op !== "create" && step.op !== "delete" && step.op !== "same") {
            const fields = Object.keys(step.detailedDiff ?? {})
                .sort()
                .map((p): FieldChange => ({ field: p, from: atPath(step.oldState?.outputs, p), to: atPath(step.newState?.inputs, p) }));
            const weakens = [...new Set(fields.map((f) => composer.composedWeakens?.(type, f)).filter((w): w is string => !!w))];
            plan.settings.push({ name, urn: step.urn, type, title: composer.composes![type], op: step.op, fields, users: [], weakens, configChanged: inputsChanged(step, [], applied.get(String(step.urn))) });
            continue;
        }
        if (!type.startsWith(DYNAMIC)) {
            if (type && !type.startsWith("pulumi:pulumi:Stack") && !type.startsWith("m365-mfa:index:") && step.op !== "same") {
                plan.others.push({ name, type, op: step.op });
            }
            continue;
        }
        const settingType = type.slice(DYNAMIC.length);
        const setting = SETTINGS[settingType];
        const entry: SettingPlan = { name, urn: step.urn, type: settingType, title: setting?.title ?? settingType, op: step.op, fields: [], users: [], weakens: [], configChanged: inputsChanged(step, [...(setting?.internalFields ?? []), ...(setting?.resolvedFields ?? [])], applied.get(String(step.urn))) };
        const inputs = strip(step.newState?.inputs);
        const live = strip(step.oldState?.outputs);
        const planned = step.newState && setting?.plannedTransitions ? setting.plannedTransitions(inputs) : undefined;
        if (planned) entry.planned = planned;
        if (step.op === "create") {
            entry.desired = inputs;
        } else if (setting && step.newState && step.oldState) {
            const changes = setting.diff(inputs, live);
            const groups = new Map<string, UserGroupChange>();
            for (const c of changes) {
                const item = itemOf(setting, c.field);
                if (item !== undefined) {
                    const from = c.from === undefined ? "not managed" : String(c.from);
                    const key = `${from}\u0000${c.to}`;
                    const g = groups.get(key) ?? { from, to: String(c.to), users: [] };
                    g.users.push(item);
                    groups.set(key, g);
                } else {
                    entry.fields.push(c);
                }
            }
            entry.users = [...groups.values()].sort((a, b) => b.users.length - a.users.length);
            const weakens = new Set<string>();
            for (const c of changes) {
                const item = itemOf(setting, c.field);
                const w = setting.weakens?.(item !== undefined ? { field: c.field.slice(0, c.field.length - item.length - 1), from: c.from, to: c.to } : c);
                if (w) weakens.add(w);
            }
            entry.weakens = [...weakens];
        }
        if (step.op !== "same" || entry.fields.length || entry.users.length) {
            plan.settings.push(entry);
        }
    }
    return plan;
}

const LEVEL_ORDER = ["mandatory", "remediate", "advisory"];

function policyFindings(events: any[] | undefined): PolicyFinding[] {
    return (events ?? [])
        .map((e) => ({
            pack: String(e.policyPackName ?? ""),
            policy: String(e.policyName ?? ""),
            level: String(e.enforcementLevel ?? ""),
            resource: String(e.resourceUrn ?? "").split("::").pop() ?? "",
            message: String(e.message ?? "").trim(),
        }))
        .sort((a, b) => (LEVEL_ORDER.indexOf(a.level) + 1 || 9) - (LEVEL_ORDER.indexOf(b.level) + 1 || 9) || a.policy.localeCompare(b.policy));
}

/** The value at an engine property path (`a.b[0].c`, `a["x.y"]`), or undefined. */
export function atPath(value: unknown, p: string): unknown {
    const parts = [...p.matchAll(/([^.[\]"]+)|\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]/g)].map((m) => m[1] ?? m[2] ?? Number(m[3]));
    let v: any = value;
    for (const k of parts) {
        if (v === null || v === undefined) {
            return undefined;
        }
        v = v[k as any];
    }
    return v;
}

/**
 * Whether the program's inputs differ from the inputs recorded in state at the last apply (ignoring
 * the provider object, internal fields and what the provider resolves from the tenant at plan time,
 * e.g. a group's members): a change of the stack, not of the tenant.
 */
function inputsChanged(step: any, internal: readonly string[], appliedInputs?: any): boolean {
    if (step.op === "create" || step.op === "delete") return true;
    const clean = (p: any) => Object.fromEntries(Object.entries(strip(p)).filter(([k]) => !internal.includes(k)));
    const before = appliedInputs ?? step.oldState?.inputs;
    if (!before || !step.newState?.inputs) return false;
    return stableJson(clean(before)) !== stableJson(clean(step.newState.inputs));
}

function strip(props: any): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props ?? {})) {
        if (k !== "__provider") out[k] = v;
    }
    return out;
}

export function show(v: unknown): string {
    return v === undefined ? "(not set)" : typeof v === "string" ? v : stableJson(v);
}
