import { AUTHENTICATION_METHODS, authenticationMethodConfiguration } from "../providers/settings/authenticationMethodConfiguration";
import { authenticationMethodsPolicy } from "../providers/settings/authenticationMethodsPolicy";
import { authenticationPolicy } from "../providers/settings/authenticationPolicy";
import { perUserMfa } from "../providers/settings/perUserMfa";
import { smtpAuth } from "../providers/settings/smtpAuth";
import { userHygiene } from "../providers/settings/userHygiene";
import type { AnySetting } from "../providers/framework/setting";
import { PRESETS, PresetName, presetBaseline } from "./presets";
import { TenantMfaBaselineArgs } from "./TenantMfaBaseline";

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

const KNOWN = {
    baseline: ["breakGlassAccounts", "securityDefaults", "modernAuthentication", "perUserMfa", "authenticationMethods", "smtpAuth", "exchangeAuthenticationPolicy", "legacyAuthentication", "conditionalAccessMfa", "hygiene", "readiness", "guards", "preset", "migrationStage"],
    conditionalAccess: ["mode", "displayName"],
    authenticationMethods: ["policy", "methods"],
    securityDefaults: ["enabled"],
    modernAuthentication: ["enabled"],
    perUserMfa: ["assignments", "excludeUsers", "allOtherUsers"],
};

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
    unknownKeys(raw, KNOWN.baseline, BASELINE_KEY, problems);
    const args: TenantMfaBaselineArgs = {};
    if (raw.preset !== undefined) {
        if (!(PRESETS as readonly unknown[]).includes(raw.preset)) {
            throw new BaselineConfigError([`${BASELINE_KEY}.preset must be one of ${PRESETS.join(", ")}, got ${describe(raw.preset)}`]);
        }
        if (raw.migrationStage !== undefined && (raw.preset !== "per-user-mfa-to-conditional-access" || ![1, 2, 3].includes(raw.migrationStage as number))) {
            throw new BaselineConfigError([`${BASELINE_KEY}.migrationStage must be 1, 2 or 3, and only with preset per-user-mfa-to-conditional-access`]);
        }
        // The preset's members, under the explicitly configured ones.
        const { preset: _p, migrationStage: _m, ...explicit } = raw;
        raw = { ...presetBaseline(raw.preset as PresetName, raw.migrationStage as number | undefined), ...explicit };
    }
    for (const field of ["legacyAuthentication", "conditionalAccessMfa"] as const) {
        const v = (raw as Record<string, unknown>)[field];
        if (v === undefined) continue;
        const key = `${BASELINE_KEY}.${field}`;
        if (!isObject(v) || !["reportOnly", "on", "off"].includes(v.mode as string)) {
            problems.push(`${key}.mode must be reportOnly, on or off (report-only first, as Microsoft recommends), got ${describe(isObject(v) ? v.mode : v)}`);
            continue;
        }
        unknownKeys(v, KNOWN.conditionalAccess, key, problems);
        if (v.displayName !== undefined && typeof v.displayName !== "string") problems.push(`${key}.displayName must be a string`);
        args[field] = { mode: v.mode as "reportOnly" | "on" | "off", ...(typeof v.displayName === "string" ? { displayName: v.displayName } : {}) };
    }
    if (raw.securityDefaults !== undefined) {
        const key = `${BASELINE_KEY}.securityDefaults`;
        const sd = raw.securityDefaults;
        if (!isObject(sd)) {
            problems.push(`${key} must be an object like { enabled: true }, got ${describe(sd)}`);
        } else {
            unknownKeys(sd, KNOWN.securityDefaults, key, problems);
            if (typeof sd.enabled !== "boolean") {
                problems.push(`${key}.enabled must be true or false, got ${describe(sd.enabled)}`);
            } else {
                args.securityDefaults = { enabled: sd.enabled };
            }
        }
    }
    if (raw.modernAuthentication !== undefined) {
        const key = `${BASELINE_KEY}.modernAuthentication`;
        const ma = raw.modernAuthentication;
        if (!isObject(ma)) {
            problems.push(`${key} must be an object like { enabled: true }, got ${describe(ma)}`);
        } else {
            unknownKeys(ma, KNOWN.modernAuthentication, key, problems);
            if (typeof ma.enabled !== "boolean") {
                problems.push(`${key}.enabled must be true or false, got ${describe(ma.enabled)}`);
            } else {
                args.modernAuthentication = { enabled: ma.enabled };
            }
        }
    }
    if (raw.authenticationMethods !== undefined) {
        const key = `${BASELINE_KEY}.authenticationMethods`;
        const am = raw.authenticationMethods;
        if (!isObject(am)) {
            problems.push(`${key} must be an object with policy and/or methods, got ${describe(am)}`);
        } else {
            unknownKeys(am, KNOWN.authenticationMethods, key, problems);
            const out: NonNullable<TenantMfaBaselineArgs["authenticationMethods"]> = {};
            if (am.policy !== undefined) {
                // The provider's own validation, each message under its config key.
                const { desired, failures } = isObject(am.policy) ? authenticationMethodsPolicy.validate(am.policy) : { desired: undefined, failures: [{ property: "", reason: "must be an object" }] };
                failures.forEach((f) => problems.push(`${key}.policy${f.property ? `.${f.property}` : ""}: ${f.reason}`));
                if (desired && !failures.length) out.policy = desired as any;
            }
            if (am.methods !== undefined) {
                if (!isObject(am.methods)) {
                    problems.push(`${key}.methods must be an object keyed by method (${AUTHENTICATION_METHODS.join(", ")})`);
                } else {
                    out.methods = {};
                    for (const [method, cfg] of Object.entries(am.methods)) {
                        if (!(AUTHENTICATION_METHODS as readonly string[]).includes(method)) {
                            problems.push(`${key}.methods.${method} is not a method (known: ${AUTHENTICATION_METHODS.join(", ")})`);
                            continue;
                        }
                        if (!isObject(cfg)) {
                            problems.push(`${key}.methods.${method} must be an object like { state: enabled }`);
                            continue;
                        }
                        const { desired, failures } = authenticationMethodConfiguration.validate({ ...cfg, method });
                        failures.forEach((f) => problems.push(`${key}.methods.${method}.${f.property}: ${f.reason}`));
                        if (desired && !failures.length) {
                            const { method: _m, ...rest } = desired;
                            (out.methods as any)[method] = rest;
                        }
                    }
                }
            }
            args.authenticationMethods = out;
        }
    }
    // Settings whose config is exactly the provider's inputs: validated by the provider's own rules.
    const direct: [keyof TenantMfaBaselineArgs, AnySetting][] = [["smtpAuth", smtpAuth], ["exchangeAuthenticationPolicy", authenticationPolicy]];
    for (const [field, setting] of direct) {
        const value = raw[field];
        if (value === undefined) continue;
        const key = `${BASELINE_KEY}.${field}`;
        if (!isObject(value)) {
            problems.push(`${key} must be an object, got ${describe(value)}`);
            continue;
        }
        const unknown = Object.keys(value).filter((k) => !setting.inputKeys.includes(k) || k === "mailboxes");
        unknown.forEach((k) => problems.push(`${key}.${k} is not a known setting (known: ${setting.inputKeys.filter((i) => i !== "mailboxes").join(", ")})`));
        const { desired, failures } = setting.validate(value);
        failures.forEach((f) => problems.push(`${key}.${f.property}: ${f.reason}`));
        if (desired && !failures.length && !unknown.length) {
            (args as any)[field] = value;
        }
    }
    if (raw.hygiene !== undefined) {
        const key = `${BASELINE_KEY}.hygiene`;
        if (!isObject(raw.hygiene)) {
            problems.push(`${key} must be an object of named operations, like { incident-42: { users: [...], revokeSessions: true, trigger: "2026-11-22" } }`);
        } else {
            args.hygiene = {};
            for (const [op, value] of Object.entries(raw.hygiene)) {
                if (!/^[a-z0-9-]+$/i.test(op)) problems.push(`${key}.${op}: operation names are letters, digits and '-'`);
                const { desired, failures } = isObject(value) ? userHygiene.validate({ ...value }) : { desired: undefined, failures: [{ property: "", reason: "must be an object" }] };
                failures.forEach((f) => problems.push(`${key}.${op}${f.property ? `.${f.property}` : ""}: ${f.reason}`));
                if (desired && !failures.length && isObject(value) && value.targets === undefined) args.hygiene[op] = value as any;
            }
        }
    }
    if (raw.guards !== undefined) {
        const { desired, failures } = perUserMfa.validate({ assignments: [{ state: "disabled", users: ["x"] }], guards: raw.guards });
        for (const f of failures) {
            problems.push(`${BASELINE_KEY}.${f.property}: ${f.reason}`);
        }
        if (desired?.guards) {
            args.guards = desired.guards;
        }
    }
    if (raw.readiness !== undefined) {
        // Checked with the per-user MFA provider's rules, which apply it.
        const { desired, failures } = perUserMfa.validate({ assignments: [{ state: "disabled", users: ["x"] }], readiness: raw.readiness });
        for (const f of failures) {
            problems.push(`${BASELINE_KEY}.${f.property}: ${f.reason}`);
        }
        if (desired?.readiness) {
            args.readiness = desired.readiness;
        }
    }
    if (raw.breakGlassAccounts !== undefined) {
        const bg = raw.breakGlassAccounts;
        const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
        if (!Array.isArray(bg) || bg.some((x) => typeof x !== "string" || !(x.includes("@") || guid.test(x)))) {
            problems.push(`${BASELINE_KEY}.breakGlassAccounts must be a list of user principal names or object ids, got ${describe(bg)}`);
        } else {
            args.breakGlassAccounts = bg as string[];
        }
    }
    if (raw.perUserMfa !== undefined) {
        const key = `${BASELINE_KEY}.perUserMfa`;
        const pum = raw.perUserMfa;
        if (!isObject(pum)) {
            problems.push(`${key} must be an object like { assignments: [{ state: enforced, groups: [<group id>] }] }, got ${describe(pum)}`);
        } else {
            unknownKeys(pum, KNOWN.perUserMfa, key, problems);
            // The provider's own validation, with every message under its config key.
            const { desired, failures } = perUserMfa.validate(
                Object.fromEntries(Object.entries(pum).filter(([k]) => KNOWN.perUserMfa.includes(k))),
            );
            for (const f of failures) {
                problems.push(`${key}.${f.property}: ${f.reason}`);
            }
            const assigned = new Set((desired?.assignments ?? []).flatMap((a) => a.users ?? []).map((u) => u.toLowerCase()));
            for (const bg of args.breakGlassAccounts ?? []) {
                if (assigned.has(bg.toLowerCase())) {
                    problems.push(`${key}.assignments names break-glass account ${bg}; break-glass accounts are always excluded: remove it`);
                }
            }
            if (desired && !failures.length) {
                args.perUserMfa = {
                    assignments: desired.assignments,
                    ...(desired.excludeUsers ? { excludeUsers: desired.excludeUsers } : {}),
                    ...(desired.allOtherUsers ? { allOtherUsers: desired.allOtherUsers } : {}),
                };
            }
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
    return warnings;
}

function unknownKeys(obj: Record<string, unknown>, known: readonly string[], at: string, problems: string[]) {
    for (const k of Object.keys(obj)) {
        if (!known.includes(k)) {
            problems.push(`${at}.${k} is not a known setting (known: ${known.join(", ")})`);
        }
    }
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
    return v === undefined ? "nothing" : JSON.stringify(v);
}
