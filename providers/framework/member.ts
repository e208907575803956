import type * as pulumi from "@pulumi/pulumi";
import type { ExportMember } from "./exportContext";
import type { AnySetting } from "./setting";
import type { Schema } from "./validation";
import type { BaselineWide } from "./wide";

export type { BaselineWide, GuardSettings, ReadinessSettings } from "./wide";

/** The stack config key that holds the baseline. */
export const BASELINE_KEY = "m365-mfa:baseline";

/**
 * What one member of the baseline (`m365-mfa:baseline.<key>`) is, written once in the setting's
 * folder (`settings/<name>/member.ts`) and listed once in the program's list (`settings/members.ts`).
 * The component, the stack-config parsing, the presets, the permission preflight and the export
 * iterate over that list; none of them names a setting. A member knows its own key, so nothing needs
 * the list to name it (keyOf).
 *
 * `A` is the member's typed args (what a program passes to TenantMfaBaseline), `B` what it builds.
 */
export interface BaselineMember<A, B> {
    /** Its key under m365-mfa:baseline (e.g. smtpAuth): the same as its key in settings/members.ts (a test checks). */
    readonly key: string;
    /** What a person calls it, in messages. */
    readonly title: string;
    /** The dynamic-provider settings it builds (their permissions feed the preflight; the runtime serves their providers). */
    readonly settings: readonly AnySetting[];
    /** The shape of its config value (checked first; unknown keys are answered with the nearest known key). */
    readonly schema: Schema;
    /**
     * The provider's own rules on a value whose shape is right, each problem under the full config key
     * (`ctx.key`); returns the args, or undefined when there is a problem. Default: the value as it is.
     */
    parse?(raw: any, ctx: ParseContext): A | undefined;
    /**
     * Optional: the rules of baseline-wide keys this member gives meaning to (e.g. per-user MFA's
     * readiness and guards), on their shape-checked values; returns their parsed values.
     */
    parseWide?(wide: BaselineWide, ctx: ParseContext): Partial<BaselineWide>;
    /** Builds its resources under the component. */
    build(args: A, ctx: BuildContext): B;
    /** Permissions beyond its settings' own read/write (e.g. reading users and groups at plan time). */
    permissions?(args: A, baseline: BaselineWide): Requirement[];
    /**
     * Its part of a preset (a whole posture in one line of config), or undefined when the preset leaves
     * it out. `others` gives another member's value as the baseline will have it (explicit, else its
     * preset part), e.g. security defaults stay on until a Conditional Access policy is enforced.
     */
    preset?(preset: string, migrationStage: number | undefined, others?: PresetContext): unknown;
    /**
     * Optional: refusals of a preset beside an explicit value of this member that would make the preset
     * a silent no-op (e.g. migration stage 3 beside an explicit perUserMfa, which wins): each names the
     * keys and the fix.
     */
    presetProblems?(preset: string, migrationStage: number | undefined, explicit: unknown, key: string): string[];
    /** Rules across members that make the baseline invalid, each naming the keys and the fix. */
    problems?(args: A | undefined, ctx: RuleContext): string[];
    /** Combinations that work but that Microsoft advises against, or keys that do nothing where they stand. */
    warnings?(args: A | undefined, ctx: RuleContext): string[];
    /**
     * Optional: the Conditional Access it enforces with these args (mode: on), and whether that does
     * what security defaults do (MFA for all users, legacy authentication blocked); undefined when it
     * enforces none. Entra refuses security defaults beside any enforced policy: the baseline's security
     * defaults read the sum of these (BuildContext.enforced, PresetContext.enforced), without naming a
     * Conditional Access member.
     */
    enforces?(args: A): Partial<Omit<Enforced, "any">> | undefined;
    /**
     * Resources of other providers it composes, by type token, with what a person calls them (the PR summary shows their detailed diff).
     */
    readonly composes?: Readonly<Record<string, string>>;
    /** Whether a change of a composed resource (at an engine property path) weakens security, and how. */
    composedWeakens?(type: string, change: { field: string; from: unknown; to: unknown }): string | undefined;
    /** The directory audit activities that change a composed resource (for the drift report's "who and when"). */
    readonly composedAuditActivities?: readonly string[];
    /**
     * Adoption (settings/<name>/export.ts): reads the live tenant and returns the value of its config
     * key that describes the tenant exactly, so the first up writes nothing; undefined leaves it out.
     * A member without one has no tenant state to adopt (say why in the member).
     */
    readonly exportMember?: ExportMember;
    /** Baseline-wide keys its export brings along, and their exporters (e.g. the break-glass accounts adopted policies exclude). */
    readonly exportWide?: Partial<Record<keyof BaselineWide, ExportMember>>;
    /** Baseline-wide keys its exported value needs in the same config (e.g. per-user MFA: the break-glass accounts). */
    readonly exportNeeds?: readonly (keyof BaselineWide)[];
    /** Its part of the posture output. */
    posture?(args: A, built: B): PostureFacts;
}

export type AnyMember = BaselineMember<any, any>;

/** What a member's preset part may know of the rest of the baseline. */
export interface PresetContext {
    /** Another member's value as the baseline will have it: the explicit one, else that member's preset part. */
    readonly valueOf: <A>(member: BaselineMember<A, any>) => A | undefined;
    /** The Conditional Access the baseline will enforce (every member's `enforces` on its value as the baseline will have it). */
    readonly enforced: () => Enforced;
}

/** The Conditional Access a baseline enforces: any policy at all, and whether together they do what security defaults do. */
export interface Enforced {
    /** Any Conditional Access policy is enforced (Entra then refuses security defaults). */
    readonly any: boolean;
    /** An enforced policy requires MFA of every user. */
    readonly requiresMfa: boolean;
    /** An enforced policy blocks legacy authentication. */
    readonly blocksLegacy: boolean;
}

/** The sum of the members' `enforces` over their values (`valueIn`: a member's value as the baseline has it, or undefined). */
export function enforcedBy(members: readonly AnyMember[], valueIn: (member: AnyMember) => unknown): Enforced {
    const parts = members.flatMap((m) => {
        if (!m.enforces) return [];
        const v = valueIn(m);
        const e = v === undefined ? undefined : m.enforces(v);
        return e ? [e] : [];
    });
    return { any: parts.length > 0, requiresMfa: parts.some((p) => p.requiresMfa), blocksLegacy: parts.some((p) => p.blocksLegacy) };
}

/** The full config key of a member object, e.g. m365-mfa:baseline.smtpAuth. */
export function keyOf(member: Pick<AnyMember, "key">): string {
    return `${BASELINE_KEY}.${member.key}`;
}

/** The full config key of a baseline-wide key, e.g. m365-mfa:baseline.breakGlassAccounts. */
export function wideKey(k: keyof BaselineWide): string {
    return `${BASELINE_KEY}.${k}`;
}

export interface ParseContext {
    /** The member's full config key, e.g. m365-mfa:baseline.smtpAuth. */
    readonly key: string;
    /** Where problems go; every problem names its full config key and the fix. */
    readonly problems: string[];
    /** The baseline-wide keys as configured (shape-checked). */
    readonly wide: BaselineWide;
    /** The full config key of a baseline-wide key, e.g. keyOf("breakGlassAccounts"). */
    readonly wideKey: (k: keyof BaselineWide) => string;
}

export interface RuleContext {
    readonly wide: BaselineWide;
    readonly wideKey: (k: keyof BaselineWide) => string;
    /** The member's own full config key. */
    readonly key: string;
    /** Another member's args and key, by its member object (so no member writes out another's key). */
    readonly argsOf: <A>(member: BaselineMember<A, any>) => A | undefined;
    readonly keyOf: (member: AnyMember) => string;
}

export interface BuildContext {
    /** The component's name: resource names are `${name}-<suffix>`. */
    readonly name: string;
    readonly parent: pulumi.ComponentResource;
    readonly wide: BaselineWide;
    /** Full config keys, for messages that the providers show at preview. */
    readonly key: string;
    readonly wideKey: (k: keyof BaselineWide) => string;
    /** What another member built (members are built in the order of settings/members.ts), by its member object. */
    readonly builtBy: <B>(member: BaselineMember<any, B>) => B | undefined;
    /** The Conditional Access the baseline enforces (every configured member's `enforces`). */
    readonly enforced: Enforced;
    /** Another member's args (built or not yet), by its member object. */
    readonly argsOf?: <A>(member: BaselineMember<A, any>) => A | undefined;
}

/** A permission the preflight checks before anything is written. */
export interface Requirement {
    feature: string;
    service: "graph" | "exchange";
    /** Any one of these is enough. */
    anyOf: readonly string[];
}

/** One member's contribution to the posture output: which path requires MFA, what blocks legacy authentication. */
export interface PostureFacts {
    /** The member requires MFA through `path` when `active` is true; the highest rank wins. */
    requiresMfa?: { path: string; rank: number; active: pulumi.Input<boolean | undefined> };
    /** The member blocks legacy authentication as `how` (the highest rank wins), with a line for the preview log. */
    blocksLegacy?: { how: string; rank: number; log: string };
    /** Protocols it turns off besides (said with the block, e.g. "SMTP AUTH"). */
    alsoBlocks?: string;
    /** Fields of the posture output. */
    fields?: Record<string, pulumi.Input<unknown>>;
}

/**
 * The `parse` of a member whose config is exactly its setting's inputs: the setting's own validate,
 * each failure under the member's full config key; the value as it is when there is none.
 */
export function parseAsInputs<A>(setting: AnySetting): (raw: any, ctx: ParseContext) => A | undefined {
    return (raw, ctx) => {
        const { desired, failures } = setting.validate(raw);
        for (const f of failures) ctx.problems.push(`${ctx.key}.${f.property}: ${f.reason}`);
        return desired && !failures.length ? (raw as A) : undefined;
    };
}
