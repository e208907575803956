import {
    type AnyMember,
    BASELINE_KEY,
    type BaselineWide,
    type ParseContext,
    type RuleContext,
    keyOf,
    wideKey,
} from "../providers/framework/member";
import { WIDE_SCHEMA as BASELINE_WIDE_SCHEMA } from "../providers/framework/wide";
import { PRESETS, type PresetName, presetBaseline, presetProblems } from "./presets";
import { MEMBERS, MEMBER_KEYS } from "../settings/members";
import type { TenantMfaBaselineArgs } from "./TenantMfaBaseline";
import {
    check,
    describe,
    documented,
    foldProblems,
    type Infer,
    isObject,
    nearest,
    num,
    obj,
    oneOf,
    unknownKey,
} from "../providers/framework/validation";
import { CONFIG_KEYS, CONFIG_NAMESPACE } from "../client/connection";
import { RETRY_BUDGET_CONFIG_KEY } from "../client/retry";

export { BASELINE_KEY };

/**
 * Every key the package reads under the m365-mfa: namespace (the connection, the baseline, the
 * permission preflight switch, the retry budget). Pulumi passes any other key through unread, so a typo
 * (m365-mfa:baselne, m365-mfa:tenantID) would otherwise be ignored without a word.
 */
export const PACKAGE_CONFIG_KEYS: readonly string[] = [
    ...Object.values(CONFIG_KEYS),
    "baseline",
    "permissionPreflight",
    RETRY_BUDGET_CONFIG_KEY,
];

/**
 * The stack's config keys under m365-mfa: that the package does not read, each with the key it most
 * likely meant (`all`: every config key of the stack, e.g. pulumi.runtime.allConfig()).
 */
export function unknownConfigKeys(all: Readonly<Record<string, unknown>>): string[] {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const problems: string[] = [];
    for (const full of Object.keys(all)) {
        if (!full.startsWith(prefix)) continue;
        const k = full.slice(prefix.length);
        if (PACKAGE_CONFIG_KEYS.includes(k)) continue;
        const near = nearest(k, PACKAGE_CONFIG_KEYS);
        problems.push(
            `${full} is not a key m365-mfa reads${near ? `; did you mean ${prefix}${near}?` : ""} (known: ` +
                `${PACKAGE_CONFIG_KEYS.map((x) => prefix + x).join(", ")}). ` +
                "Rename it in Pulumi.<stack>.yaml" +
                `${near ? ` (pulumi config rm ${full}; pulumi config set ${prefix}${near} ...)` : ""}, or remove it.`,
        );
    }
    return problems;
}

export class BaselineConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(
            `stack config ${BASELINE_KEY} is not valid:\n` +
                problems.map((p) => `  - ${p}`).join("\n") +
                `\nFix it in Pulumi.<stack>.yaml (or with pulumi config set --path) and run again; nothing was changed.`,
        );
        this.name = "BaselineConfigError";
    }
}

const MIGRATION_PRESET: PresetName = "per-user-mfa-to-conditional-access";

/**
 * The keys of `m365-mfa:baseline` that are not settings: baseline-wide keys, read by every member (declared in the framework), and the
 * preset.
 */
const WIDE_SCHEMA = {
    ...BASELINE_WIDE_SCHEMA,
    preset: documented(oneOf(PRESETS), "A whole posture in one line; members you write win, each as a whole"),
    migrationStage: num({ integer: true, min: 1, max: 3, hint: `the stage of preset ${MIGRATION_PRESET}` }),
};

/** The baseline-wide keys as their declarations type them (Infer): one declaration, the type follows. */
type WideConfig = { [K in keyof typeof WIDE_SCHEMA]?: Infer<(typeof WIDE_SCHEMA)[K]> };
/** The declarations and the members' BaselineWide agree: a key or value added to one and not the other fails the typecheck. */
const wideFrom = (w: Pick<WideConfig, keyof BaselineWide>): BaselineWide => w;
type Agree<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _wideAgrees: Agree<Pick<WideConfig, keyof BaselineWide>, BaselineWide> = true;

/**
 * What each key of `m365-mfa:baseline` may hold: the baseline-wide keys, then every member of the program's list (described by its title).
 */
export const BASELINE_SCHEMA = obj({
    ...WIDE_SCHEMA,
    ...Object.fromEntries(MEMBER_KEYS.map((k) => [k, withTitle(MEMBERS[k] as AnyMember)])),
});

/** A member's schema, described for people by its title (and its hint, if any). */
function withTitle(member: AnyMember) {
    const hint = "hint" in member.schema && member.schema.hint ? `: ${member.schema.hint}` : "";
    return documented(member.schema, `${member.title}${hint}`);
}

/**
 * Reads and validates the baseline from stack config (the parsed object of `m365-mfa:baseline`).
 * Every problem names its full config key and what to write instead, all of them in one pass. With
 * `allConfig` (every config key of the stack), keys under m365-mfa: that the package does not read are
 * problems too, each with the key it most likely meant.
 */
export function baselineArgsFromConfig(raw: any, allConfig?: Readonly<Record<string, unknown>>): TenantMfaBaselineArgs {
    const problems: string[] = allConfig ? unknownConfigKeys(allConfig) : [];
    if (raw === undefined || raw === null) {
        throw new BaselineConfigError([
            `${BASELINE_KEY} is not set. Example:\n      config:\n        ${BASELINE_KEY}:\n          preset: security-defaults`,
            ...problems,
        ]);
    }
    if (!isObject(raw)) {
        throw new BaselineConfigError([`${BASELINE_KEY} must be an object, got ${describe(raw)}`, ...problems]);
    }
    // Shape first, key by key: a key with a problem is not passed on to its member's rules.
    const fields = (BASELINE_SCHEMA as Extract<typeof BASELINE_SCHEMA, { type: "object" }>).fields;
    for (const k of Object.keys(raw)) {
        if (!(k in fields)) problems.push(unknownKey(`${BASELINE_KEY}.${k}`, k, Object.keys(fields)));
    }
    const ok = new Set<string>();
    for (const [k, schema] of Object.entries(fields)) {
        if (raw[k] === undefined) continue;
        const own: string[] = [];
        if (check(raw[k], schema, `${BASELINE_KEY}.${k}`, own)) ok.add(k);
        problems.push(...foldProblems(own, `${BASELINE_KEY}.${k}`));
    }
    // Keys that do nothing where they stand are refused, not ignored.
    if (raw.migrationStage !== undefined && raw.preset !== MIGRATION_PRESET) {
        problems.push(
            `${BASELINE_KEY}.migrationStage does nothing ${raw.preset === undefined ? "without a preset" : `with preset ${raw.preset}`}: ` +
                `it is the stage of preset ${MIGRATION_PRESET}; set ${BASELINE_KEY}.preset: ${MIGRATION_PRESET} or remove migrationStage`,
        );
    }
    if (raw.preset !== undefined) {
        const { preset: _p, migrationStage: _m, ...explicit } = raw;
        if (!ok.has("preset") || (raw.migrationStage !== undefined && (!ok.has("migrationStage") || raw.preset !== MIGRATION_PRESET))) {
            // The preset's problem is reported above; the explicitly configured members are still checked, in the same pass.
            raw = explicit;
        }
    }
    if (raw.preset !== undefined) {
        // The preset's members, under the explicitly configured ones (which win, each as a whole).
        const { preset: _p, migrationStage: _m, ...explicit } = raw;
        const expanded = presetBaseline(raw.preset as PresetName, raw.migrationStage as number | undefined, explicit);
        problems.push(...presetProblems(raw.preset as PresetName, raw.migrationStage as number | undefined, explicit, BASELINE_KEY));
        for (const k of Object.keys(expanded)) if (explicit[k] === undefined) ok.add(k);
        raw = { ...expanded, ...explicit };
    }
    const shaped = raw as WideConfig;
    const wide: BaselineWide = wideFrom({
        ...(ok.has("breakGlassAccounts") ? { breakGlassAccounts: shaped.breakGlassAccounts } : {}),
        ...(ok.has("readiness") ? { readiness: shaped.readiness } : {}),
        ...(ok.has("guards") ? { guards: shaped.guards } : {}),
    });
    const args: TenantMfaBaselineArgs = {};
    const parseCtx = (key: string): ParseContext => ({ key, problems, wide, wideKey });
    // The members' rules for the baseline-wide keys they give meaning to.
    for (const k of MEMBER_KEYS) {
        const member = MEMBERS[k] as AnyMember;
        if (member.parseWide) Object.assign(wide, member.parseWide(wide, parseCtx(`${BASELINE_KEY}.${k}`)));
    }
    Object.assign(args, wide);
    // Each member's own rules (its provider's validate), each message under its config key.
    for (const k of MEMBER_KEYS) {
        if (!ok.has(k)) continue;
        const member = MEMBERS[k] as AnyMember;
        const parsed = member.parse ? member.parse(raw[k], parseCtx(`${BASELINE_KEY}.${k}`)) : raw[k];
        if (parsed !== undefined) (args as Record<string, unknown>)[k] = parsed;
    }
    problems.push(...coherenceProblems(args));
    if (problems.length) {
        throw new BaselineConfigError(problems);
    }
    return args;
}

function ruleContext(args: TenantMfaBaselineArgs, key: string): RuleContext {
    return {
        wide: args,
        wideKey,
        key,
        argsOf: (m) => (args as Record<string, any>)[m.key],
        keyOf,
    };
}

/** Rules across members; each names the conflicting keys and how to resolve them. */
export function coherenceProblems(args: TenantMfaBaselineArgs): string[] {
    return MEMBER_KEYS.flatMap(
        (k) => (MEMBERS[k] as AnyMember).problems?.((args as Record<string, unknown>)[k], ruleContext(args, `${BASELINE_KEY}.${k}`)) ?? [],
    );
}

/**
 * Combinations that work but that Microsoft advises against, and keys that do nothing where they stand; shown as warnings in the preview.
 */
export function coherenceWarnings(args: TenantMfaBaselineArgs): string[] {
    return MEMBER_KEYS.flatMap(
        (k) => (MEMBERS[k] as AnyMember).warnings?.((args as Record<string, unknown>)[k], ruleContext(args, `${BASELINE_KEY}.${k}`)) ?? [],
    );
}
