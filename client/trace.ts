/**
 * An opt-in timing trace: with M365_MFA_TRACE=<file>, every provider operation and the phases it
 * names append a JSON line (time, process, what, milliseconds) to that file, for "where does the
 * time of this preview go". Names and counts only: never inputs, tenant data or credentials.
 */
export function trace(what: string, startedAt: number, extra?: Record<string, string | number>): void {
    const file = process.env.M365_MFA_TRACE;
    if (!file) return;
    const now = Date.now();
    try {
        require("node:fs").appendFileSync(
            file,
            `${JSON.stringify({ at: new Date(now).toISOString(), pid: process.pid, what, ms: now - startedAt, ...extra })}\n`,
        );
    } catch {
        // A trace that cannot be written is not worth failing an operation for.
    }
}
