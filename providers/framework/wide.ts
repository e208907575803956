/**
 * The baseline-wide keys of `m365-mfa:baseline` (breakGlassAccounts, readiness, guards), declared
 * once: every member may read them, the stack config is checked against these declarations
 * (components/config.ts), the JSON Schema of m365-mfa:baseline says them, and a provider that takes
 * them as inputs (per-user MFA, the Conditional Access rollout) checks them with the same declaration
 * (checkWide), so the rules and their messages are written once.
 */
import { type Infer, type ValidationFailure, checkInputs, documented, list, num, obj, oneOf, str } from "./validation";

const UPN_OR_ID = str({
    pattern: /^[^@\s]+@[^@\s]+$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    hint: "a user principal name (user@domain) or an object id",
});

/** How many days of sign-in logs a readiness check reads: 1 to 30 (Entra keeps sign-in logs 30 days). */
export const READINESS_WINDOW_DAYS = num({ integer: true, min: 1, max: 30, hint: "sign-in logs are kept 30 days" });

/** Readiness before moving users to MFA or switching a Conditional Access policy on: warn (default), block, or off. */
export const READINESS_SCHEMA = documented(
    obj(
        {
            mode: documented(
                oneOf(["off", "warn", "block"]),
                "warn shows who would break as a warning in the preview; block fails the preview while any is open; off",
            ),
            windowDays: READINESS_WINDOW_DAYS,
            acceptedUsers: documented(list(str()), "Named users taken out of the readiness lists"),
        },
        { required: ["mode"] },
    ),
    "Who would break when per-user MFA moves users to MFA, and the evidence shown before a Conditional Access policy goes " +
        "from report-only to on",
);

/**
 * Guards, on by default. Lockout: moving users to MFA needs at least one excluded (break-glass)
 * account. Blast radius: a plan that changes more than maxUserChangeShare of the tenant's users needs
 * the confirmation that names the change in confirm; confirm also holds the confirmations of
 * weakenings, switch-ons and large mailbox changes.
 */
export const GUARDS_SCHEMA = documented(
    obj({
        lockout: documented(oneOf(["on", "off"]), "The lockout guard (on by default); off accepts the risk"),
        maxUserChangeShare: num({ min: 0, exclusiveMin: true, max: 1, hint: "a share of users, e.g. 0.1 for 10%" }),
        confirm: documented(
            list(str()),
            "The confirmations the preview names (weakenings, switch-ons, large per-user MFA and mailbox changes), each as " +
                "the preview gives it",
        ),
    }),
    "The lockout and blast-radius guards, and the confirmations they ask for",
);

/** The baseline-wide keys' declarations, by key. */
export const WIDE_SCHEMA = {
    breakGlassAccounts: documented(
        list(UPN_OR_ID),
        "Emergency-access accounts (UPN or object id): excluded from per-user MFA and from every Conditional Access policy",
    ),
    readiness: READINESS_SCHEMA,
    guards: GUARDS_SCHEMA,
};

export type ReadinessSettings = Infer<typeof READINESS_SCHEMA>;
export type GuardSettings = Infer<typeof GUARDS_SCHEMA>;

/** The baseline-wide keys, which every member may read (they are not settings of their own). */
export type BaselineWide = { [K in keyof typeof WIDE_SCHEMA]?: Infer<(typeof WIDE_SCHEMA)[K]> };

/**
 * The problems of baseline-wide keys passed to a provider as inputs (e.g. per-user MFA's readiness and
 * guards), checked with their one declaration; each failure names the input (readiness.windowDays).
 */
export function checkWide(inputs: Record<string, unknown>, keys: readonly (keyof BaselineWide)[]): ValidationFailure[] {
    const present = Object.fromEntries(keys.filter((k) => inputs[k] !== undefined).map((k) => [k, inputs[k]]));
    return checkInputs(present, obj(Object.fromEntries(keys.map((k) => [k, WIDE_SCHEMA[k]]))));
}
