import { type FieldChange, TENANT_AT_PREVIEW, stableJson } from "../providers/framework/setting";
import { dynamicType } from "../providers/framework/setting";
import { composerOf } from "../settings/members";
import { SETTINGS } from "../settings/providerSettings";

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
    /** Whether the from-values are the tenant's as the provider read it at preview (TENANT_AT_PREVIEW), also for a create. */
    fromTenant?: boolean;
}

export interface Plan {
    settings: SettingPlan[];
    warnings: string[];
    errors: string[];
    /** Other resources (e.g. the Conditional Access policy) with their operation. */
    others: { name: string; type: string; op: string }[];
    /** Findings of the policy packs the preview ran (`--policy-pack`), mandatory first. */
    policies: PolicyFinding[];
    /**
     * When a guard refused the plan: the confirmations it asked for, with which the settings above were
     * previewed (nothing applied), so they show what those confirmations would cover.
     */
    confirmedBy?: string[];
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
        const msg = String(d.message ?? "")
            .replace(/^(warning|error):\s*/, "")
            .trim();
        if (d.severity === "warning") plan.warnings.push(msg);
        if (d.severity === "error") plan.errors.push(msg);
    }
    // With --refresh, a dynamic resource's read() replaces its inputs in state with the tenant's: the
    // inputs last applied are the refresh step's old state, so that is what "did the stack change" compares.
    const applied = new Map<string, any>();
    for (const step of json?.steps ?? []) {
        if (step.op === "refresh" && step.oldState?.inputs) applied.set(String(step.urn), step.oldState.inputs);
    }
    // Object id -> user principal name, as the providers resolved them at preview (e.g. the accounts a Conditional Access policy excludes).
    const names = new Map<string, string>();
    for (const step of json?.steps ?? []) {
        for (const [id, upn] of Object.entries((step.newState?.inputs?.excludedNames ?? {}) as Record<string, string>))
            names.set(id.toLowerCase(), String(upn));
    }
    for (const step of json?.steps ?? []) {
        if (step.op === "refresh") {
            continue; // the in-memory refresh before the plan; its result is the next step's old state
        }
        const type: string = step.newState?.type ?? step.oldState?.type ?? "";
        const name = String(step.urn).split("::").pop()!;
        const composer = composerOf(type);
        if (composer && step.op === "create" && step.newState?.inputs) {
            // A new policy: what it will be (state, grant, who is excluded, by name), not "other resources | create".
            const fields = composedSummary(step.newState.inputs, names).map(
                (f): FieldChange => ({ field: f.field, from: undefined, to: f.value }),
            );
            plan.settings.push({
                name,
                urn: step.urn,
                type,
                title: composer.composes![type],
                op: step.op,
                fields,
                users: [],
                weakens: [],
                configChanged: true,
            });
            continue;
        }
        if (composer && step.op !== "create" && step.op !== "delete" && step.op !== "same") {
            const fields = Object.keys(step.detailedDiff ?? {})
                .sort()
                .map((p): FieldChange => ({ field: p, from: atPath(step.oldState?.outputs, p), to: atPath(step.newState?.inputs, p) }));
            const weakens = [...new Set(fields.map((f) => composer.composedWeakens?.(type, f)).filter((w): w is string => !!w))];
            const named = fields.map((f) =>
                /excludedUsers/.test(f.field) ? { ...f, from: byName(f.from, names), to: byName(f.to, names) } : f,
            );
            plan.settings.push({
                name,
                urn: step.urn,
                type,
                title: composer.composes![type],
                op: step.op,
                fields: named,
                users: [],
                weakens,
                configChanged: inputsChanged(step, [], applied.get(String(step.urn))),
            });
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
        const entry: SettingPlan = {
            name,
            urn: step.urn,
            type: settingType,
            title: setting?.title ?? settingType,
            op: step.op,
            fields: [],
            users: [],
            weakens: [],
            configChanged: inputsChanged(
                step,
                [...(setting?.internalFields ?? []), ...(setting?.resolvedFields ?? []), ...(setting?.retiredFields ?? [])],
                applied.get(String(step.urn)),
            ),
        };
        const inputs = strip(step.newState?.inputs);
        const live = strip(step.oldState?.outputs);
        const planned = step.newState && setting?.plannedTransitions ? setting.plannedTransitions(inputs) : undefined;
        if (planned) entry.planned = planned;
        // The tenant as the provider read it at preview: the from-values (also of a create), and what a weakening is judged from.
        const tenant = inputs[TENANT_AT_PREVIEW] as Record<string, unknown> | undefined;
        const items = step.newState && setting?.plannedItems ? setting.plannedItems(inputs) : undefined;
        let changes: FieldChange[] = [];
        if (step.op === "create") {
            entry.desired = inputs;
            changes = tenant ? (setting?.previewChanges?.(inputs) ?? fromTenant(inputs, tenant)) : [];
        } else if (setting && step.newState && step.oldState) {
            changes = setting.diff(inputs, live);
            if (tenant) {
                const own = setting.previewChanges?.(inputs);
                changes =
                    own ??
                    changes
                        .map((c) => (c.field in tenant ? { ...c, from: tenant[c.field] } : c))
                        .filter((c) => stableJson(c.from) !== stableJson(c.to));
            }
        }
        if (setting && tenant) entry.fromTenant = true;
        if (setting) {
            const groups = new Map<string, UserGroupChange>();
            const add = (item: string, fromValue: unknown, to: unknown) => {
                const from = fromValue === undefined ? "not managed" : String(fromValue);
                const key = `${from}\u0000${to}`;
                const g = groups.get(key) ?? { from, to: String(to), users: [] };
                g.users.push(item);
                groups.set(key, g);
            };
            // Per-user rows: the transitions the provider planned from the tenant (what the guard counts), else the diff against state.
            if (items)
                items.forEach((i) => {
                    add(i.item, i.from, i.to);
                });
            for (const c of changes) {
                const item = itemOf(setting, c.field);
                if (item === undefined) entry.fields.push(c);
                else if (!items) add(item, c.from, c.to);
            }
            entry.users = [...groups.values()].sort((a, b) => b.users.length - a.users.length);
            const weakens = new Set<string>();
            for (const c of changes) {
                const item = itemOf(setting, c.field);
                const w = setting.weakens?.(
                    item !== undefined ? { field: c.field.slice(0, c.field.length - item.length - 1), from: c.from, to: c.to } : c,
                    inputs,
                );
                if (w) weakens.add(w);
            }
            for (const i of items ?? []) {
                const field = Object.keys(setting.itemFields ?? {})[0];
                const w = field ? setting.weakens?.({ field, from: i.from, to: i.to }, inputs) : undefined;
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

/** For a create: each managed field whose value differs from the tenant's at preview (`tenant` in the inputs' shape). */
function fromTenant(inputs: Record<string, unknown>, tenant: Record<string, unknown>): FieldChange[] {
    return Object.keys(tenant)
        .filter((k) => inputs[k] !== undefined && stableJson(inputs[k]) !== stableJson(tenant[k]))
        .map((k) => ({ field: k, from: tenant[k], to: inputs[k] }));
}

/** Ids replaced by names where known. */
function byName(v: unknown, names: ReadonlyMap<string, string>): unknown {
    const one = (x: unknown) => (typeof x === "string" ? (names.get(x.toLowerCase()) ?? x) : x);
    return Array.isArray(v) ? v.map(one) : one(v);
}

/** What a new Conditional Access policy will be: its state, what it grants or blocks, for whom, and who is excluded (by name). */
function composedSummary(inputs: any, names: ReadonlyMap<string, string>): { field: string; value: unknown }[] {
    const out: { field: string; value: unknown }[] = [];
    const add = (field: string, value: unknown) => value !== undefined && out.push({ field, value });
    add("displayName", inputs.displayName);
    add("state", inputs.state);
    add(
        "grantControls",
        inputs.grantControls
            ? `${(inputs.grantControls.builtInControls ?? []).join(` ${inputs.grantControls.operator ?? "OR"} `)}`
            : undefined,
    );
    add("clientAppTypes", inputs.conditions?.clientAppTypes);
    add("includedUsers", inputs.conditions?.users?.includedUsers);
    add("includedApplications", inputs.conditions?.applications?.includedApplications);
    add("excludedUsers", byName(inputs.conditions?.users?.excludedUsers ?? [], names));
    return out;
}

const LEVEL_ORDER = ["mandatory", "remediate", "advisory"];

function policyFindings(events: any[] | undefined): PolicyFinding[] {
    return (events ?? [])
        .map((e) => ({
            pack: String(e.policyPackName ?? ""),
            policy: String(e.policyName ?? ""),
            level: String(e.enforcementLevel ?? ""),
            resource:
                String(e.resourceUrn ?? "")
                    .split("::")
                    .pop() ?? "",
            message: String(e.message ?? "").trim(),
        }))
        .sort(
            (a, b) => (LEVEL_ORDER.indexOf(a.level) + 1 || 9) - (LEVEL_ORDER.indexOf(b.level) + 1 || 9) || a.policy.localeCompare(b.policy),
        );
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
    // Confirmations (guards.confirm, or a resource's own confirm) approve a change; they are not posture.
    const clean = (p: any) =>
        Object.fromEntries(
            Object.entries(strip(p))
                .filter(([k]) => !internal.includes(k) && k !== "confirm")
                .map(([k, v]) =>
                    k === "guards" && v && typeof v === "object"
                        ? [k, Object.fromEntries(Object.entries(v as object).filter(([g]) => g !== "confirm"))]
                        : [k, v],
                ),
        );
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
