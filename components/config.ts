import { AUTHENTICATION_METHODS, authenticationMethodConfiguration } from "../providers/settings/authenticationMethodConfiguration";
import { authenticationMethodsPolicy } from "../providers/settings/authenticationMethodsPolicy";
import { authenticationPolicy } from "../providers/settings/authenticationPolicy";
import { perUserMfa } from "../providers/settings/perUserMfa";
import { smtpAuth } from "../providers/settings/smtpAuth";
import type { AnySetting } from "../providers/framework/setting";
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
    baseline: ["breakGlassAccounts", "securityDefaults", "modernAuthentication", "perUserMfa", "authenticationMethods", "smtpAuth", "exchangeAuthenticationPolicy", "readiness", "guards"],
    authenticationMethods: ["policy", "methods"],
    securityDefaults: ["enabled"],
    modernAuthentication: ["enabled"],
    perUserMfa: ["assignments", "excludeUsers", "allOtherUsers"],
};

/**
 * Reads and validates the baseline from stack config (the parsed object of `m365-mfa:baseline`).
 * Every problem names its full config key and what to write instead.
 */
export function baselineArgsFromConfig(raw: unknown): TenantMfaBaselineArgs {
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
        if (!Array.isArray(bg) || bg.some((x) => typeof x !== "string" || !x.includes("@"))) {
            problems.push(`${BASELINE_KEY}.breakGlassAccounts must be a list of user principal names, got ${describe(bg)}`);
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
    if (problems.length) {
        throw new BaselineConfigError(problems);
    }
    return args;
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
