/**
 * The readiness gate, written once: what every check at preview does with who would break before it
 * moves users to MFA or switches a policy on (per-user MFA's guards, the Conditional Access rollout, an
 * adopted managed policy). m365-mfa:baseline.readiness (./wide.ts) says the mode (warn by default,
 * block, off) and the users accepted; each check reads the tenant its own way and hands its findings
 * here, where they are filtered, listed (the first LISTED_INLINE inline, all of them in a file) and,
 * in block mode, refused with the fix.
 */
import { writeReport } from "./report";
import type { ValidationFailure } from "./validation";
import type { ReadinessSettings } from "./wide";

/** How many users a message lists one by one; the rest are counted, and all are written to a file. */
export const LISTED_INLINE = 25;

/** The fix a refusal of open findings names. */
export const READINESS_FIX = "Fix them first, or accept them in m365-mfa:baseline.readiness.acceptedUsers; nothing was changed.";

/** The readiness mode: warn unless the stack says otherwise. */
export function readinessMode(readiness: ReadinessSettings | undefined): ReadinessSettings["mode"] {
    return readiness?.mode ?? "warn";
}

/** The users readiness.acceptedUsers takes out of the lists (lower case, as findings name them). */
export function acceptedUsers(readiness: ReadinessSettings | undefined): ReadonlySet<string> {
    return new Set((readiness?.acceptedUsers ?? []).map((u) => u.toLowerCase()));
}

/**
 * Lines, the first LISTED_INLINE inline ("  - <line>"), the rest counted, with all of them in a report
 * file named by `what` (./report.ts writeReport); `readinessCommand`: the tail also points at
 * `npm run readiness` (for lists the readiness report holds).
 */
export function listed(lines: readonly string[], what: string, readinessCommand = true): string {
    const inline = lines.slice(0, LISTED_INLINE).map((l) => `  - ${l}`);
    if (lines.length <= LISTED_INLINE) return inline.join("\n");
    const file = writeReport(what, [...lines]);
    const where = [
        ...(file ? [`all ${lines.length}: ${file}`] : []),
        ...(readinessCommand ? ["npm run readiness for the full report"] : []),
    ];
    return `${inline.join("\n")}\n  ... and ${lines.length - LISTED_INLINE} more${where.length ? ` (${where.join("; ")})` : ""}`;
}

/** A user who would be affected: the legacy protocols they still sign in with (none: they only have no MFA method). */
export interface AffectedUser {
    readonly userPrincipalName: string;
    readonly legacy: readonly { readonly protocol: string }[];
}

/**
 * The parts that say who would be affected: users who will break (a legacy protocol in use stops
 * working), with the count per protocol when `byProtocol`, then users who will be asked to register a
 * method at their next sign-in; each listed with `describe`.
 */
export function affectedParts<F extends AffectedUser>(findings: readonly F[], describe: (f: F) => string, byProtocol = false): string[] {
    const breaking = findings.filter((f) => f.legacy.length);
    const registering = findings.filter((f) => !f.legacy.length);
    const parts: string[] = [];
    if (breaking.length) {
        const counts = new Map<string, Set<string>>();
        for (const f of breaking)
            for (const l of f.legacy) counts.set(l.protocol, (counts.get(l.protocol) ?? new Set()).add(f.userPrincipalName));
        const protocols = byProtocol
            ? ` (${[...counts]
                  .sort((a, b) => b[1].size - a[1].size)
                  .map(([p, us]) => `${p}: ${us.size}`)
                  .join(", ")})`
            : "";
        parts.push(
            `Will break: ${breaking.length} user${breaking.length === 1 ? "" : "s"} still sign in with legacy protocols, ` +
                `which stop working for them${protocols}:\n` +
                listed(breaking.map(describe), "users who will break"),
        );
    }
    if (registering.length) {
        parts.push(
            `Asked to register: ${registering.length} user${registering.length === 1 ? "" : "s"} have no MFA method and must ` +
                `register one at their next sign-in:\n` +
                listed(registering.map(describe), "users who must register"),
        );
    }
    return parts;
}

/** The refusal of open findings in block mode: `title: summary`, then the fix. */
export function readinessRefusal(title: string | undefined, summary: string, property = ""): ValidationFailure {
    return { property, reason: `${title ? `${title}: ` : ""}${summary}\n${READINESS_FIX}` };
}
