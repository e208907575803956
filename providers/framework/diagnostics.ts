/**
 * Warnings from inside a dynamic provider, shown in `pulumi preview` and `pulumi up`.
 *
 * Pulumi starts the dynamic-provider process with the engine's gRPC address as its first argument
 * (cmd/dynamic-provider: `main(process.argv.slice(2))`, "the address of the RPC endpoint for the
 * engine"), but the Node SDK does not hand providers a logger. This sends the message through the
 * engine's own Log RPC, as every provider plugin does; outside the engine it goes to stderr.
 */
import { trace } from "../../client/trace";

export type Severity = "info" | "warning" | "error";

let client: any;

/**
 * `urn`, when given, attaches the message to that resource in the preview (as the engine does for
 * providers). An `ephemeral` message is a status line (LogRequest.ephemeral): the engine shows it while
 * the resource runs and leaves it out of the Diagnostics after the update.
 */
export async function engineLog(severity: Severity, message: string, urn?: string, ephemeral = false): Promise<void> {
    const address = process.argv[2];
    if (!address || !/^[\w.-]+:\d+$|^\[[0-9a-f:]+\]:\d+$/i.test(address)) {
        console.error(`${severity}: ${message}`);
        return;
    }
    try {
        const pulumiDir = require.resolve("@pulumi/pulumi");
        const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
        const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
        const engproto = require("@pulumi/pulumi/proto/engine_pb");
        client ??= new engrpc.EngineClient(address, grpc.credentials.createInsecure());
        const req = new engproto.LogRequest();
        req.setSeverity(
            { info: engproto.LogSeverity.INFO, warning: engproto.LogSeverity.WARNING, error: engproto.LogSeverity.ERROR }[severity],
        );
        req.setMessage(message);
        if (urn) {
            req.setUrn(urn);
        }
        if (ephemeral) {
            req.setEphemeral(true);
        }
        await new Promise<void>((resolve) => client.log(req, () => resolve()));
    } catch {
        console.error(`${severity}: ${message}`);
    }
}

/**
 * How often a long phase says where it is: every 5 s, or M365_MFA_PROGRESS_SECONDS (e.g. 0.2 in a
 * test that needs to see it within a short phase).
 */
export function progressEveryMs(env: NodeJS.ProcessEnv = process.env): number {
    const raw = Number(env.M365_MFA_PROGRESS_SECONDS);
    return Number.isFinite(raw) && raw > 0 ? Math.round(raw * 1000) : 5_000;
}

/** How often a batch run should call its reporter so that the reporter keeps its interval with room to spare (a tenth of it). */
export function progressTickMs(env: NodeJS.ProcessEnv = process.env): number {
    return Math.max(20, Math.round(progressEveryMs(env) / 10));
}

/** What a $batch run (client/batch.ts BatchStats) tells a reporter beside its counts. */
export interface ProgressStats {
    throttledItems: number;
    failedItems?: number;
    waitingItems?: number;
    /** Until when (ms since the epoch) the whole run waits out the tenant's throttling. */
    pausedUntil?: number;
}

/**
 * Progress of a long phase, in the engine's display and in the trace (M365_MFA_TRACE), at least every
 * `everyMs` (default progressEveryMs(): 5 s) while it is called (a $batch run calls it every tick,
 * waits included), and at the end: "Per-user MFA: verifying users: 1,200 of 1,937 (38 throttled
 * answers waited out so far; 12 waiting to be sent again)", and while every worker waits out the
 * tenant's throttling "...; the tenant is throttling: every request waits 3 s (Retry-After)".
 */
export function progressReporter(
    what: string,
    urn: string | undefined,
    everyMs = progressEveryMs(),
    /** Whether the end is said when nothing was said before it (a short phase): yes for writes, not for reads. */
    sayShortEnd = true,
): (done: number, total: number, stats?: ProgressStats) => void {
    const started = Date.now();
    let last = started;
    let said = false;
    let ended = false;
    return (done, total, stats) => {
        const now = Date.now();
        const end = done >= total;
        // A little early rather than late: the caller's tick decides the exact moment.
        if (ended || (!end && now - last < everyMs * 0.8) || (end && !said && !sayShortEnd)) return;
        ended = end;
        said = true;
        last = now;
        const notes: string[] = [];
        if (stats?.throttledItems) notes.push(`${stats.throttledItems.toLocaleString("en")} throttled answers waited out so far`);
        if (stats?.failedItems) notes.push(`${stats.failedItems.toLocaleString("en")} unavailable answers retried`);
        if (!end && stats?.waitingItems) notes.push(`${stats.waitingItems.toLocaleString("en")} waiting to be sent again`);
        const pausedMs = !end && stats?.pausedUntil ? stats.pausedUntil - now : 0;
        if (pausedMs > 0) notes.push(`the tenant is throttling: every request waits ${Math.ceil(pausedMs / 1000)} s (Retry-After)`);
        // A status line: shown while the phase runs, not repeated in the Diagnostics after the update.
        void engineLog(
            "info",
            `${what} ${done.toLocaleString("en")} of ${total.toLocaleString("en")}${notes.length ? ` (${notes.join("; ")})` : ""}`,
            urn,
            true,
        );
        trace("progress", started, {
            of: what,
            done,
            total,
            throttled: stats?.throttledItems ?? 0,
            failed: stats?.failedItems ?? 0,
            waiting: stats?.waitingItems ?? 0,
            pausedMs: Math.max(0, pausedMs),
        });
    };
}
