import { createHash } from "node:crypto";
import { type DesiredOf, declareSetting } from "../../providers/framework/declare";
import { type Infer, documented, list, map, num, obj, oneOf, str } from "../../providers/framework/validation";
import { GUARDS_SCHEMA, READINESS_SCHEMA } from "../../providers/framework/wide";

/**
 * Per-user MFA's inputs and outputs, declared once (issue 23): the configured inputs (what
 * m365-mfa:baseline.perUserMfa holds), the plumbing the component sets (readiness, guards, the URN,
 * where each input came from), what the plan resolves at preview (targets, planned, plannedFrom) and
 * what a read returns (observed, counts). The types, the member's config schema, the resource's Args
 * and outputs, inputKeys and the shape checks come from here; the rules between fields (a user named
 * twice, an assignment that targets nobody) are the setting's validate (setting.ts).
 *
 * Microsoft's model (Graph beta users/{id|upn}/authentication/requirements, perUserMfaState):
 * disabled | enabled | enforced; a user the tenant no longer has reads as userNotFound.
 */
export const PER_USER_MFA_STATES = ["disabled", "enabled", "enforced"] as const;
export type PerUserMfaState = (typeof PER_USER_MFA_STATES)[number];
export const OBSERVED_STATES = [...PER_USER_MFA_STATES, "userNotFound"] as const;
export type ObservedState = (typeof OBSERVED_STATES)[number];

/** The directory audit log's activities that change a user's per-user MFA state (the drift report's who and when). */
export const AUDIT_ACTIVITIES = ["Enable Strong Authentication", "Disable Strong Authentication"] as const;

/** The blast-radius guard's default: a plan may change at most this share of the tenant's users without a confirmation. */
export const DEFAULT_MAX_USER_CHANGE_SHARE = 0.1;

const STATE = oneOf(PER_USER_MFA_STATES);
const NAMES = list(str());

/**
 * Who gets one state. A user named in `users` gets it whatever the groups give them (the most specific
 * assignment wins: a named user over a group); `excludeUsers` and `excludeGroups` take users out of this
 * assignment only.
 */
const ASSIGNMENT = obj(
    {
        state: documented(STATE, "The per-user MFA state these users get"),
        users: documented(NAMES, "Users by user principal name or object id"),
        groups: documented(NAMES, "Groups by object id: their transitive members"),
        excludeUsers: documented(NAMES, "Users (UPN or object id) this assignment does not apply to"),
        excludeGroups: documented(NAMES, "Groups (object id) whose transitive members this assignment does not apply to"),
    },
    { required: ["state"], hint: "with state, users and/or groups" },
);

/** What a read returns: each target's state as Graph reports it, and how many targets are in each. */
const OUTPUTS = {
    /**
     * What Graph reported at the last read, for the targets whose state differs from `targets` (e.g.
     * `enforced` for a target `enabled`, or `userNotFound`); every other target had the state `targets` gives.
     */
    observed: map(oneOf(OBSERVED_STATES)),
    /** Number of targets per observed state. */
    counts: map(num({ integer: true, min: 0 }), { keys: OBSERVED_STATES }),
    /** The target of each user in `observed` (what they should have), so that a refresh can say who drifted from what. */
    observedTargets: map(STATE),
    /** When the tenant was read for these outputs (ISO time): a refresh newer than the plan diffs from `observed`. */
    readAt: str(),
};

export const perUserMfaDeclaration = declareSetting({
    inputs: {
        /** Who gets which per-user MFA state: users by UPN or object id, groups by object id (transitive members). */
        assignments: documented(
            list(ASSIGNMENT, { hint: 'like [{ state: "enforced", users: ["alice@contoso.com"], groups: ["<group id>"] }]' }),
            "Who gets which per-user MFA state: users by UPN or object id, groups by object id (members resolved " +
                "transitively at plan time)",
        ),
        /** Users never touched (e.g. break-glass accounts). */
        excludeUsers: documented(NAMES, "Users never touched (in addition to the break-glass accounts)"),
        /** When set, the resource owns the whole tenant: every user not otherwise targeted gets this state. */
        allOtherUsers: documented(STATE, "Set to own the whole tenant: every user not otherwise assigned gets this state"),
    },
    required: ["assignments"],
    hint: "like { assignments: [{ state: enforced, groups: [<group id>] }] }",
    internal: {
        /**
         * Readiness check at plan time, for users about to be moved from disabled to enabled/enforced: warn
         * (default) lists who would break in the preview; block fails the preview unless each such user is in
         * acceptedUsers; off skips the check. m365-mfa:baseline.readiness, declared once (framework/wide.ts).
         */
        readiness: READINESS_SCHEMA,
        /**
         * Guards, on by default. Lockout: moving users to MFA needs at least one excluded (break-glass) account.
         * Blast radius: a plan that changes more than maxUserChangeShare of the tenant's users needs
         * "per-user-mfa:<count>:<digest>" in confirm, naming the change: the digest is of who goes to which
         * state, so another plan of the same size needs a new confirmation (confirmationToken).
         * m365-mfa:baseline.guards, declared once (framework/wide.ts).
         */
        guards: GUARDS_SCHEMA,
        /** The resource's own URN, so that readiness warnings are shown on it (set by the resource class). */
        diagnosticsUrn: str(),
        /**
         * Where each input came from, so messages name the key the user wrote: input path (e.g.
         * "excludeUsers[0]", or a prefix such as "assignments") -> config key (e.g.
         * "m365-mfa:baseline.breakGlassAccounts[0]"). Set by the component; without it, messages name inputs.
         */
        configKeys: map(str(), { hint: "input paths to config keys" }),
    },
    resolved: {
        /**
         * Resolved at plan time: a digest of who gets which state (SHA-256 over the sorted "user=state" lines of
         * every target). The targets themselves stay in the provider (issue #27): a 50,000-user tenant's map
         * does not cross between the engine and the provider at every step, nor sit in the state. An update
         * whose targets no longer match this digest (membership changed between its check and its write)
         * writes nothing and says so.
         */
        targetsDigest: str({ hint: "computed at plan time; do not set it" }),
        /** Resolved at plan time: how many users the resource gives each state (the targets, counted). */
        targetCounts: map(num({ integer: true, min: 0 }), { keys: PER_USER_MFA_STATES, hint: "computed at plan time; do not set it" }),
        /**
         * Set at preview: how many targeted users go from which state (as the tenant has it now) to which
         * ("disabled -> enforced": 1219), the same count the blast-radius guard confirms; the PR summary
         * shows it, for a first rollout as for an update.
         */
        planned: map(num({ integer: true, min: 0 }), { hint: "set at preview; do not set it" }),
        /** Set at preview: each user who changes -> their state in the tenant as read then (the rows of the PR summary). */
        plannedFrom: map(str(), { hint: "set at preview; do not set it" }),
        /** Set at preview: each user who changes -> the state the plan gives them. */
        plannedTo: map(STATE, { hint: "set at preview; do not set it" }),
        /** Set at preview: when the check read the tenant for this plan (ISO time). */
        plannedAt: str({ hint: "set at preview; do not set it" }),
    },
    outputs: OUTPUTS,
});

export type PerUserMfaAssignment = Infer<typeof ASSIGNMENT>;
export type { GuardSettings, ReadinessSettings } from "../../providers/framework/wide";
export type PerUserMfaDesired = DesiredOf<typeof perUserMfaDeclaration>;
/**
 * The live state: each target's state (user principal name, lower case -> state) and the counts per state.
 * In the provider's memory only (stored() leaves them out of the state), the targets the read compared
 * with and their digest.
 */
export type PerUserMfaLive = { [K in "observed" | "counts"]: Infer<(typeof OUTPUTS)[K]> } & {
    [K in "observedTargets" | "readAt"]?: Infer<(typeof OUTPUTS)[K]>;
} & {
    /** The targets this read resolved or was given (user principal name -> state): never stored. */
    resolvedTargets?: Record<string, PerUserMfaState>;
    /** Their digest (targetsDigest()), stored: a read against other targets makes a diff. */
    targetsDigest?: string;
    /** The config the targets were resolved from (configDigest()), so a check right after a refresh reuses them. */
    resolvedFor?: string;
    /** Every user of the tenant, when the resolution listed them anyway (the blast-radius guard's total). */
    tenantUsers?: number;
};

/** The digest of who gets which state: SHA-256 over the sorted "user=state" lines. */
export function targetsDigest(targets: Record<string, PerUserMfaState>): string {
    const hash = createHash("sha256");
    for (const u of Object.keys(targets).sort()) hash.update(`${u}=${targets[u]}\n`);
    return `sha256:${hash.digest("hex")}`;
}

/** How many targets get each state. */
export function countTargets(targets: Record<string, PerUserMfaState>): Record<PerUserMfaState, number> {
    const counts: Record<PerUserMfaState, number> = { disabled: 0, enabled: 0, enforced: 0 };
    for (const s of Object.values(targets)) counts[s]++;
    return counts;
}

/** The digest of what the targets are resolved from (the assignments, exclusions and allOtherUsers as validated). */
export function configDigest(desired: Pick<PerUserMfaDesired, "assignments" | "excludeUsers" | "allOtherUsers">): string {
    const { assignments, excludeUsers, allOtherUsers } = desired;
    return createHash("sha256")
        .update(JSON.stringify({ assignments, excludeUsers: excludeUsers ?? [], allOtherUsers: allOtherUsers ?? null }))
        .digest("hex");
}

export const isState = (v: unknown): v is PerUserMfaState =>
    typeof v === "string" && (PER_USER_MFA_STATES as readonly string[]).includes(v);
/** `enabled` is satisfied by an observed `enforced` (Microsoft flips a user to enforced once a method is registered). */
export const satisfies = (want: PerUserMfaState, have: ObservedState | undefined) =>
    have === want || (want === "enabled" && have === "enforced");

/**
 * The config key an input path came from, through the configKeys mapping (exact path, else the
 * longest mapped prefix with the rest appended), else the path itself.
 */
export function configKeyOf(path: string, configKeys: Record<string, string> | undefined): string {
    if (!configKeys) return path;
    if (configKeys[path] !== undefined) return configKeys[path];
    let best = "";
    for (const k of Object.keys(configKeys)) {
        if (k.length > best.length && path.startsWith(k) && /^[.[]/.test(path.slice(k.length))) best = k;
    }
    return best ? configKeys[best] + path.slice(best.length) : path;
}
