import { createHash } from "node:crypto";
import type { TenantClients } from "../../client";
import type { Schema, ValidationFailure } from "./validation";

export type { ValidationFailure };

/** Module of every dynamic resource's type token: pulumi-nodejs:dynamic/m365-mfa:<Type>. */
export const MODULE = "m365-mfa";

/** The type token the engine gives a dynamic resource of this package: pulumi-nodejs:dynamic/m365-mfa:<type>. */
export function dynamicType(type: string): string {
    return `pulumi-nodejs:dynamic/${MODULE}:${type}`;
}

/**
 * The one shape every tenant setting has, so that whoever knows one knows all:
 *
 *   validate(inputs) -> desired     check at preview: clear errors that name the field and the fix
 *   read(tenant)     -> live        the tenant as it is now (create, update, refresh, drift)
 *   diff(desired, live) -> changes  field by field; equal-in-meaning values are no change
 *   apply(changes)                  make the tenant match
 *   verify                          read again until the tenant reports the desired state
 *
 * The generic dynamic-provider adapter (./adapter.ts) turns a TenantSetting into a Pulumi resource
 * provider; a setting never talks to Pulumi or builds HTTP calls itself (it uses TenantClients).
 */
export interface FieldChange {
    /** Input property name, e.g. "isEnabled". */
    readonly field: string;
    readonly from: unknown;
    readonly to: unknown;
}

export interface Validated<D> {
    readonly desired?: D;
    readonly failures: readonly ValidationFailure[];
}

export interface Permissions {
    /**
     * Whose application permissions these are, and so which token's `roles` the preflight reads:
     * Microsoft Graph (the default) or Office 365 Exchange Online (Exchange.ManageAsApp).
     */
    readonly service?: "graph" | "exchange";
    /** Any one of these application permissions allows reading the setting. */
    readonly read: readonly string[];
    /** Any one of these allows changing it. */
    readonly write: readonly string[];
}

/**
 * What a check may know besides the tenant: the live state this provider process read for a refresh
 * of the same operation, moments before (`pulumi preview --refresh`, `up --refresh` and the drift
 * check run the refresh's reads and then the check in one provider process). A setting that reads
 * much to plan (per-user MFA: every user) may count from these reads instead of reading it all again.
 */
export interface PrepareContext<L> {
    /** Live states returned by this process's `read` in the last REFRESH_REUSE_MS, newest last; each used by one check only. */
    readonly refreshed: readonly L[];
}

/** How long a refresh's read stands for "the tenant as read now" in the next check (one operation, seconds apart). */
export const REFRESH_REUSE_MS = 120_000;

/**
 * What a create or update may know besides the tenant: the live state its own check read moments
 * before in this process (`pulumi up` checks a resource and then creates or updates it in one
 * provider process). A setting that reads much (per-user MFA: every user) may take what the check
 * read instead of reading it all again; a write still reads back what it changed (verify).
 */
export interface ReadContext<L> {
    /** Live states this process's check of the same inputs read in the last CHECK_REUSE_MS; each used by one create/update only. */
    readonly checked: readonly L[];
}

/** How long a check's read stands for "the tenant as read now" in the create or update that follows it. */
export const CHECK_REUSE_MS = 120_000;

/** What prepare returns: the completed desired state, and the live state it read to plan (for the create or update that follows). */
export interface Prepared<D, L> extends Validated<D> {
    readonly live?: L;
}

export interface TenantSetting<D extends Record<string, unknown>, L extends Record<string, unknown>> {
    /** Resource type name, e.g. "SecurityDefaults": the type token is m365-mfa:<type>. */
    readonly type: string;
    /** What a person calls it, used in every message, e.g. "Security defaults". */
    readonly title: string;
    readonly permissions: Permissions;
    /** What deleting the resource does to the tenant (documented behaviour). */
    readonly onDelete: string;

    /**
     * Optional: the shape of its inputs, declared once (./validation.ts): validate() checks it first
     * with checkInputs, and a baseline member whose config is these inputs uses it as its config schema,
     * so a message names the resource property on its own and the full config key through the baseline.
     */
    readonly schema?: Schema;
    /** The input property names (the rest of the state is outputs). */
    readonly inputKeys: readonly string[];
    /**
     * Optional: inputs that name which tenant object the resource is (e.g. an authentication method), so
     * changing one replaces the resource (a new id) instead of updating it.
     */
    readonly replaceOnChanges?: readonly string[];
    /**
     * Optional: outputs that only the resource's own state knows, not the tenant (e.g. which trigger an
     * operation last ran with). update() and read() pass them from the previous state to read() inside
     * `desired`, beside the inputs; create() has none.
     */
    readonly stateKeys?: readonly string[];

    /**
     * Optional: properties keyed by user or mailbox (e.g. per-user MFA's targets): the PR summary
     * groups their changes by transition (from -> to, with counts) instead of listing fields. Property -> what its entries are ("users").
     */
    readonly itemFields?: Readonly<Record<string, string>>;
    /** Optional: inputs the setting resolves at plan time (e.g. the mailboxes its exceptions name): never configured. */
    readonly resolvedFields?: readonly string[];
    /**
     * Optional: the directory audit log's activities (activityDisplayName, as Entra writes them) that
     * change this setting, so the drift report can say who changed it and when. For a per-user
     * setting, entries are matched to the drifted users by their target. Exchange settings have none
     * (Exchange's admin audit log is not the directory's).
     */
    readonly auditActivities?: readonly string[];
    /**
     * Optional: the transitions the provider planned at preview from the tenant as it read it then
     * (from -> to, with counts), when the plan records them in its inputs; the PR summary counts these
     * (they are what the guards confirm), for a first rollout as for an update.
     */
    plannedTransitions?(inputs: Record<string, unknown>): { from: string; to: string; count: number }[];
    /** Optional: inputs that are plumbing, not posture (e.g. a diagnostics URN): never shown in a preview or PR summary. */
    readonly internalFields?: readonly string[];
    /**
     * Optional: inputs an earlier version recorded in state and this one no longer has (e.g. per-user MFA's
     * `targets` map, issue #27): ignored where the inputs last applied are compared with the new ones, so that
     * an upgrade is not taken for a change of the stack (pipelines/plan.ts).
     */
    readonly retiredFields?: readonly string[];

    /**
     * Optional: whether a change weakens the tenant's security, and how (e.g. "MFA switched off"); the
     * PR summary puts such changes first. For a per-user property, `field` is the property (itemFields).
     * `inputs` are the resource's inputs as planned (e.g. which method a method configuration is, what
     * replaces security defaults): whether a change weakens may depend on them. The from-value is the
     * tenant's as read at preview (TENANT_AT_PREVIEW), never the stack's.
     */
    weakens?(change: FieldChange, inputs?: Record<string, unknown>): string | undefined;
    /**
     * Optional: per item (user) of a per-user property, the transition the provider planned at preview
     * from the tenant as it read it then (only the items that change: what the guard counts). The PR
     * summary groups these instead of the diff against state, which does not know the tenant state of an
     * item the stack did not manage before.
     */
    plannedItems?(inputs: Record<string, unknown>): { item: string; from: string; to: string }[] | undefined;
    /**
     * Optional, for a setting whose per-item property (itemFields) the inputs carry only counted (per-user
     * MFA's targets, issue #27): how many items get each value.
     */
    itemCounts?(inputs: Record<string, unknown>): Record<string, number> | undefined;
    /**
     * Optional: the changes from the tenant as read at preview (TENANT_AT_PREVIEW) to the inputs, when
     * they are not field for field (default: each field of TENANT_AT_PREVIEW against the same input).
     */
    previewChanges?(inputs: Record<string, unknown>): FieldChange[];

    validate(inputs: Record<string, unknown>): Validated<D>;
    /**
     * Optional: completes the desired state from the tenant at preview time (e.g. resolves group
     * membership to users), so the plan shows exactly what will change. Returns failures for inputs
     * that name things the tenant does not have.
     */
    prepare?(clients: TenantClients, desired: D, context?: PrepareContext<L>): Promise<Prepared<D, L>>;
    /**
     * The live state; `context` (create and update only) holds what the check just read, which a setting may take instead of reading again.
     */
    read(clients: TenantClients, desired: D, context?: ReadContext<L>): Promise<L>;
    /** Optional: re-reads only what `changes` touched (verification of large settings). */
    reread?(clients: TenantClients, desired: D, live: L, changes: readonly FieldChange[]): Promise<L>;
    /** The desired state that the live state satisfies exactly (the inputs after a refresh). */
    desiredFromLive(live: L, desired: D): D;
    /**
     * Optional: what of the live state the resource's outputs keep, beside the desired state (default:
     * all of it). A setting over many users can keep only what the desired state does not already say
     * (per-user MFA: the users whose state differs from their target), so that the state, and every
     * call that carries it between the engine and the provider, does not hold each user twice. diff()
     * must then read the outputs the same way (what is not kept is as the desired state says).
     */
    stored?(desired: D, live: L): Record<string, unknown>;
    /** What differs between the desired state and the live one: a live state as read, or the outputs in state. */
    diff(desired: D, live: L): FieldChange[];
    apply(clients: TenantClients, desired: D, live: L, changes: readonly FieldChange[]): Promise<void>;
    /** The resource id: stable for one tenant. */
    id(tenantId: string, live: L): string;
}

export type AnySetting = TenantSetting<any, any>;

/** Compares the fields of `desired` with the same fields of `live`, by JSON value. */
export function diffFields<D extends Record<string, unknown>>(
    desired: D,
    live: Record<string, unknown>,
    equal: (field: string, want: unknown, have: unknown) => boolean = (_f, a, b) => stableJson(a) === stableJson(b),
): FieldChange[] {
    const changes: FieldChange[] = [];
    for (const field of Object.keys(desired)) {
        const want = desired[field];
        if (want === undefined) {
            continue; // not managed
        }
        const have = live[field];
        if (!equal(field, want, have)) {
            changes.push({ field, from: have, to: want });
        }
    }
    return changes;
}

export function stableJson(v: unknown): string {
    return JSON.stringify(v, (_k, value) =>
        value && typeof value === "object" && !Array.isArray(value)
            ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
            : value,
    );
}

export function describeChanges(changes: readonly FieldChange[]): string {
    return changes.map((c) => `${c.field}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`).join("; ");
}

/**
 * The resolved input in which a setting's check records the tenant as it read it at preview, for the
 * fields the stack manages, in the inputs' own shape (`{ isEnabled: true }`): the from-values of a
 * create, and what a weakening is judged from. Never configured; plumbing, not posture.
 */
export const TENANT_AT_PREVIEW = "tenantAtPreview";

/**
 * A confirmation that names a change: "<kind>:<count>:<digest>", the digest the first 8 hex digits of
 * SHA-256 over the sorted lines that describe the change (e.g. "user=state"). The same count with
 * other lines needs a new confirmation. Per-user MFA's blast-radius guard, Conditional Access
 * enforcement and every weakening confirm with it.
 */
export function confirmationOf(kind: string, lines: readonly string[]): string {
    const sorted = [...lines].sort();
    const digest = createHash("sha256").update(sorted.join("\n")).digest("hex").slice(0, 8);
    return `${kind}:${sorted.length}:${digest}`;
}

/** The prefix of every weakening confirmation: "weakens:<what>:<digest>". */
export const WEAKENS_PREFIX = "weakens";

/** The first words of every refusal of a weakening (the PR summary puts these first). */
export const WEAKENING_REFUSAL = "this plan WEAKENS security";

/**
 * The refusal of a plan that weakens the tenant (judged from the tenant as read at preview), unless
 * `confirm` holds the confirmation that names this weakening (`weakens:<what>:<digest>`, over the
 * field changes and what is lost); undefined when confirmed or when nothing weakens.
 */
export function weakeningRefusal(
    what: string,
    weakenings: readonly string[],
    changes: readonly FieldChange[],
    confirm: readonly string[] | undefined,
    confirmKey = "m365-mfa:baseline.guards.confirm",
): ValidationFailure | undefined {
    if (!weakenings.length) return undefined;
    const token = weakeningToken(what, weakenings, changes);
    if ((confirm ?? []).includes(token)) return undefined;
    return {
        property: "",
        reason:
            `${WEAKENING_REFUSAL} (the tenant as read now): ${weakenings.join("; ")} (${describeChanges(changes)}). ` +
            `If that is intended, add "${token}" to ${confirmKey} and preview again; nothing was changed.`,
    };
}

/** The confirmation of one weakening: names what weakens and is bound to the change (from -> to) and what is lost. */
export function weakeningToken(what: string, weakenings: readonly string[], changes: readonly FieldChange[]): string {
    const lines = [
        ...changes.map((c) => `${c.field}=${stableJson(c.from)}->${stableJson(c.to)}`),
        ...weakenings.map((w) => `lost=${w}`),
    ].sort();
    return `${WEAKENS_PREFIX}:${what}:${createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 8)}`;
}
