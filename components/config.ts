import { AUTHENTICATION_METHODS, authenticationMethodConfiguration } from "../settings/authenticationMethods/methodConfiguration";
import { authenticationMethodsPolicy } from "../settings/authenticationMethods/policy";
import { authenticationPolicy } from "../settings/exchangeAuthenticationPolicy/setting";
import { perUserMfa } from "../settings/perUserMfa/setting";
import { smtpAuth } from "../settings/smtpAuth/setting";
import { userHygiene } from "../settings/hygiene/setting";
import type { AnySetting } from "../providers/framework/setting";
import { PRESETS, PresetName, presetBaseline } from "./presets";
import { TenantMfaBaselineArgs } from "./TenantMfaBaseline";
import { any, bool, check, describe, isObject, keysOf, list, map, num, obj, oneOf, str, unknownKey } from "./validation";

/** Stack config namespace and key that hold the baseline: `m365-mfa:baseline`. */
export const BASELINE_KEY = "m365-mfa:baseline";

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

const STATES = ["disabled", "enabled", "enforced"] as const;
const UPN_OR_ID = str({ pattern: /^[^@\s]+@[^@\s]+$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, hint: "a user principal name (user@domain) or an object id" });
const CA_MEMBER = obj({ mode: oneOf(["reportOnly", "on", "off"], "report-only first, as Microsoft recommends"), displayName: str(), adoptPolicyId: str({ pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, hint: "the object id of the existing policy the first up adopts (written by npm run export)" }) }, { required: ["mode"] });
const ON_OFF = obj({ enabled: bool }, { required: ["enabled"], hint: "like { enabled: true }" });

/**
 * What each member of `m365-mfa:baseline` may hold. Shape only: the providers' own rules (validate)
 * run afterwards on every member whose shape is right, under the same config key.
 */
export const BASELINE_SCHEMA = obj({
    breakGlassAccounts: list(UPN_OR_ID),
    securityDefaults: ON_OFF,
    modernAuthentication: ON_OFF,
    perUserMfa: obj(
        {
            assignments: list(obj({ state: oneOf(STATES), users: list(str()), groups: list(str()) }, { required: ["state"] })),
            excludeUsers: list(str()),
            allOtherUsers: oneOf(STATES),
        },
        { required: ["assignments"], hint: "like { assignments: [{ state: enforced, groups: [<group id>] }] }" },
    ),
    authenticationMethods: obj(
        {
            policy: obj(
                {
                    registrationCampaign: keysOf(["state", "snoozeDurationInDays", "includeTargets", "excludeTargets"]),
                    systemCredentialPreferences: keysOf(["state", "includeTargets", "excludeTargets"]),
                    policyMigrationState: any,
                },
                { nonEmpty: "it manages nothing; give registrationCampaign, policyMigrationState and/or systemCredentialPreferences, or remove it" },
            ),
            methods: map(keysOf(authenticationMethodConfiguration.inputKeys.filter((k) => k !== "method"), { hint: "like { state: enabled }" }), {
                keys: AUTHENTICATION_METHODS,
                keyHint: "an authentication method",
                nonEmpty: `it manages no method; name at least one (${AUTHENTICATION_METHODS.join(", ")}) or remove methods`,
            }),
        },
        { nonEmpty: "it manages nothing; give policy and/or methods, or remove it" },
    ),
    smtpAuth: keysOf(smtpAuth.inputKeys.filter((k) => k !== "mailboxes")),
    exchangeAuthenticationPolicy: keysOf(authenticationPolicy.inputKeys),
    legacyAuthentication: CA_MEMBER,
    conditionalAccessMfa: CA_MEMBER,
    hygiene: map(keysOf(userHygiene.inputKeys.filter((k) => k !== "targets")), {
        keyPattern: /^[a-z0-9-]+$/i,
        keyHint: "operation names are letters, digits and '-'",
        hint: 'named operations, like { incident-42: { users: [...], revokeSessions: true, trigger: "2026-11-22" } }',
    }),
    readiness: obj(
        {
            mode: oneOf(["off", "warn", "block"]),
            windowDays: num({ integer: true, min: 1, max: 30, hint: "sign-in logs are kept 30 days" }),
            acceptedUsers: list(str()),
        },
        { required: ["mode"] },
    ),
    guards: obj({
        lockout: oneOf(["on", "off"]),
        maxUserChangeShare: num({ min: 0, exclusiveMin: true, max: 1, hint: "a share of users, e.g. 0.1 for 10%" }),
        confirm: list(str()),
    }),
    preset: oneOf(PRESETS),
    migrationStage: num({ integer: true, min: 1, max: 3, hint: "the stage of preset per-user-mfa-to-conditional-access" }),
});

type Member = keyof TenantMfaBaselineArgs | "preset" | "migrationStage";
const MIGRATION_PRESET: PresetName = "per-user-mfa-to-conditional-access";

/**
 * Reads and validates the baseline from stack config (the parsed object of `m365-mfa:baseline`).
 * Every problem names its full config key and what to write instead.
 */
export function baselineArgsFromConfig(raw: any): TenantMfaBaselineArgs {
    const problems: string[] = [];
    if (raw === undefined || raw === null) {
        throw new BaselineConfigError([
            `${BASELINE_KEY} is not set. Example:\n      config:\n        ${BASELINE_KEY}:\n          securityDefaults:\n            enabled: true`,
        ]);
    }
    if (!isObject(raw)) {
        throw new BaselineConfigError([`${BASELINE_KEY} must be an object, got ${describe(raw)}`]);
    }
    // Shape first, member by member: a member with a problem is not passed on to the provider's rules.
    const fields = (BASELINE_SCHEMA as Extract<typeof BASELINE_SCHEMA, { type: "object" }>).fields;
    for (const k of Object.keys(raw)) {
        if (!(k in fields)) problems.push(unknownKey(`${BASELINE_KEY}.${k}`, k, Object.keys(fields)));
    }
    const ok = new Set<Member>();
    for (const [k, schema] of Object.entries(fields)) {
        if (raw[k] !== undefined && check(raw[k], schema, `${BASELINE_KEY}.${k}`, problems)) ok.add(k as Member);
    }
    // Keys that do nothing where they stand are refused, not ignored.
    if (raw.migrationStage !== undefined && raw.preset !== MIGRATION_PRESET) {
        problems.push(
            `${BASELINE_KEY}.migrationStage does nothing ${raw.preset === undefined ? "without a preset" : `with preset ${raw.preset}`}: ` +
                `it is the stage of preset ${MIGRATION_PRESET}; set ${BASELINE_KEY}.preset: ${MIGRATION_PRESET} or remove migrationStage`,
        );
    }
    const pum = raw.perUserMfa as { assignments: unknown[]; allOtherUsers?: unknown } | undefined;
    if (ok.has("perUserMfa") && pum && !pum.assignments.length && pum.allOtherUsers === undefined) {
        ok.delete("perUserMfa");
        problems.push(
            `${BASELINE_KEY}.perUserMfa.assignments is empty and allOtherUsers is not set: per-user MFA would manage nobody. ` +
                `Add an assignment, set ${BASELINE_KEY}.perUserMfa.allOtherUsers (e.g. disabled, to switch it off for everyone), or remove perUserMfa`,
        );
    }
    const args: TenantMfaBaselineArgs = {};
    if (raw.preset !== undefined) {
        if (!ok.has("preset") || (raw.migrationStage !== undefined && (!ok.has("migrationStage") || raw.preset !== MIGRATION_PRESET))) {
            throw new BaselineConfigError(problems);
        }
        // The preset's members, under the explicitly configured ones (which win, each as a whole).
        const { preset: _p, migrationStage: _m, ...explicit } = raw;
        const expanded = presetBaseline(raw.preset as PresetName, raw.migrationStage as number | undefined);
        for (const k of Object.keys(expanded)) if (explicit[k] === undefined) ok.add(k as Member);
        raw = { ...expanded, ...explicit };
    }
    for (const field of ["legacyAuthentication", "conditionalAccessMfa"] as const) {
        if (!ok.has(field)) continue;
        const v = raw[field];
        args[field] = { mode: v.mode, ...(typeof v.displayName === "string" ? { displayName: v.displayName } : {}), ...(typeof v.adoptPolicyId === "string" ? { adoptPolicyId: v.adoptPolicyId } : {}) };
    }
    if (ok.has("securityDefaults")) args.securityDefaults = { enabled: raw.securityDefaults.enabled };
    if (ok.has("modernAuthentication")) args.modernAuthentication = { enabled: raw.modernAuthentication.enabled };
    if (ok.has("authenticationMethods")) {
        const key = `${BASELINE_KEY}.authenticationMethods`;
        const am = raw.authenticationMethods;
        const out: NonNullable<TenantMfaBaselineArgs["authenticationMethods"]> = {};
        if (am.policy !== undefined) {
            // The provider's own validation, each message under its config key.
            const { desired, failures } = authenticationMethodsPolicy.validate(am.policy);
            failures.forEach((f) => problems.push(`${key}.policy${f.property ? `.${f.property}` : ""}: ${f.reason}`));
            if (desired && !failures.length) out.policy = desired as any;
        }
        if (am.methods !== undefined) {
            out.methods = {};
            for (const [method, cfg] of Object.entries(am.methods as Record<string, Record<string, unknown>>)) {
                const { desired, failures } = authenticationMethodConfiguration.validate({ ...cfg, method });
                failures.forEach((f) => problems.push(`${key}.methods.${method}.${f.property}: ${f.reason}`));
                if (desired && !failures.length) {
                    const { method: _m, ...rest } = desired;
                    (out.methods as any)[method] = rest;
                }
            }
        }
        args.authenticationMethods = out;
    }
    // Settings whose config is exactly the provider's inputs: validated by the provider's own rules.
    const direct: [keyof TenantMfaBaselineArgs, AnySetting][] = [["smtpAuth", smtpAuth], ["exchangeAuthenticationPolicy", authenticationPolicy]];
    for (const [field, setting] of direct) {
        if (!ok.has(field)) continue;
        const { desired, failures } = setting.validate(raw[field]);
        failures.forEach((f) => problems.push(`${BASELINE_KEY}.${field}.${f.property}: ${f.reason}`));
        if (desired && !failures.length) (args as any)[field] = raw[field];
    }
    if (ok.has("hygiene")) {
        const key = `${BASELINE_KEY}.hygiene`;
        args.hygiene = {};
        for (const [op, value] of Object.entries(raw.hygiene as Record<string, Record<string, unknown>>)) {
            const { desired, failures } = userHygiene.validate({ ...value });
            failures.forEach((f) => problems.push(`${key}.${op}${f.property ? `.${f.property}` : ""}: ${f.reason}`));
            if (desired && !failures.length) args.hygiene[op] = value as any;
        }
    }
    // guards and readiness: checked with the per-user MFA provider's rules, which apply them.
    for (const field of ["guards", "readiness"] as const) {
        if (!ok.has(field)) continue;
        const { desired, failures } = perUserMfa.validate({ assignments: [{ state: "disabled", users: ["x"] }], [field]: raw[field] });
        failures.forEach((f) => problems.push(`${BASELINE_KEY}.${f.property}: ${f.reason}`));
        if (desired?.[field] && !failures.length) (args as any)[field] = desired[field];
    }
    if (ok.has("breakGlassAccounts")) args.breakGlassAccounts = raw.breakGlassAccounts as string[];
    if (ok.has("perUserMfa")) {
        const key = `${BASELINE_KEY}.perUserMfa`;
        // The provider's own validation, with every message under its config key.
        const { desired, failures } = perUserMfa.validate(raw.perUserMfa);
        for (const f of failures) {
            problems.push(`${key}.${f.property}: ${f.reason}`);
        }
        const bgIndex = new Map((args.breakGlassAccounts ?? []).map((bg, i) => [bg.toLowerCase(), i] as const));
        (desired?.assignments ?? []).forEach((a, i) =>
            (a.users ?? []).forEach((u, j) => {
                const b = bgIndex.get(u.toLowerCase());
                if (b !== undefined) {
                    problems.push(`${key}.assignments[${i}].users[${j}] names break-glass account ${u} (${BASELINE_KEY}.breakGlassAccounts[${b}]); break-glass accounts are always excluded: remove it`);
                }
            }),
        );
        if (desired && !failures.length) {
            args.perUserMfa = {
                assignments: desired.assignments,
                ...(desired.excludeUsers ? { excludeUsers: desired.excludeUsers } : {}),
                ...(desired.allOtherUsers ? { allOtherUsers: desired.allOtherUsers } : {}),
            };
        }
    }
    problems.push(...coherenceProblems(args));
    if (problems.length) {
        throw new BaselineConfigError(problems);
    }
    return args;
}

/** Rules across members; each names the conflicting keys and how to resolve them. */
export function coherenceProblems(args: TenantMfaBaselineArgs): string[] {
    const problems: string[] = [];
    const caOn = [args.legacyAuthentication, args.conditionalAccessMfa].some((c) => c?.mode === "on");
    if (args.securityDefaults?.enabled && caOn) {
        problems.push(
            `${BASELINE_KEY}.securityDefaults.enabled is true while a Conditional Access policy is on (${BASELINE_KEY}.legacyAuthentication / conditionalAccessMfa mode: on): ` +
                `Entra ID refuses security defaults while Conditional Access policies are enabled. Either set securityDefaults.enabled: false (preset conditional-access) ` +
                `or set the Conditional Access modes to off (preset security-defaults).`,
        );
    }
    const confirmations: Record<"legacyAuthentication" | "conditionalAccessMfa", [string, string]> = {
        legacyAuthentication: ["legacy-authentication:on", "blocks legacy-protocol sign-ins (IMAP, POP, SMTP AUTH, ActiveSync, ...) for every user but the break-glass accounts"],
        conditionalAccessMfa: ["conditional-access-mfa:on", "requires MFA at every sign-in of every user but the break-glass accounts"],
    };
    for (const field of ["legacyAuthentication", "conditionalAccessMfa"] as const) {
        const c = args[field];
        const [token, effect] = confirmations[field];
        if (c?.mode === "on" && !(args.guards?.confirm ?? []).includes(token)) {
            problems.push(
                `${BASELINE_KEY}.${field}.mode on ${effect}. Review the report-only results first (npm run readiness; the sign-in logs' report-only column), ` +
                    `then add "${token}" to ${BASELINE_KEY}.guards.confirm to switch it on.`,
            );
        }
    }
    for (const field of ["legacyAuthentication", "conditionalAccessMfa"] as const) {
        const c = args[field];
        if (c && c.mode !== "off" && !(args.breakGlassAccounts ?? []).length) {
            problems.push(
                `${BASELINE_KEY}.${field} needs ${BASELINE_KEY}.breakGlassAccounts: every block or MFA policy must exclude at least one emergency-access account, or a mistake locks every admin out.`,
            );
        }
    }
    return problems;
}

/** Combinations that work but that Microsoft advises against; shown as warnings in the preview. */
export function coherenceWarnings(args: TenantMfaBaselineArgs): string[] {
    const warnings: string[] = [];
    const perUserOn = (args.perUserMfa?.assignments ?? []).some((a) => a.state !== "disabled") || (args.perUserMfa?.allOtherUsers && args.perUserMfa.allOtherUsers !== "disabled");
    if (perUserOn && args.conditionalAccessMfa && args.conditionalAccessMfa.mode !== "off") {
        warnings.push(
            `${BASELINE_KEY}.perUserMfa enables per-user MFA while ${BASELINE_KEY}.conditionalAccessMfa requires MFA through Conditional Access: Microsoft advises against using both. ` +
                `Finish the migration (preset per-user-mfa-to-conditional-access, migrationStage 3) to switch per-user MFA off.`,
        );
    }
    if (perUserOn && args.securityDefaults?.enabled) {
        warnings.push(`${BASELINE_KEY}.perUserMfa enables per-user MFA while security defaults are on: security defaults already require MFA; per-user MFA adds prompts on top.`);
    }
    // Keys that do nothing where they stand: said, not ignored.
    if (args.readiness && !args.perUserMfa) {
        warnings.push(`${BASELINE_KEY}.readiness does nothing without ${BASELINE_KEY}.perUserMfa: it checks the users per-user MFA moves to MFA. Remove it, or add perUserMfa.`);
    }
    const perUserGuards = (["lockout", "maxUserChangeShare"] as const).filter((k) => args.guards?.[k] !== undefined);
    if (perUserGuards.length && !args.perUserMfa) {
        warnings.push(`${perUserGuards.map((k) => `${BASELINE_KEY}.guards.${k}`).join(" and ")} ${perUserGuards.length > 1 ? "do" : "does"} nothing without ${BASELINE_KEY}.perUserMfa: ${perUserGuards.length > 1 ? "they guard" : "it guards"} per-user MFA changes only. Remove ${perUserGuards.length > 1 ? "them" : "it"}, or add perUserMfa.`);
    }
    if (args.hygiene && !Object.keys(args.hygiene).length) {
        warnings.push(`${BASELINE_KEY}.hygiene is empty: it runs no operation. Remove it, or name an operation.`);
    }
    return warnings;
}
