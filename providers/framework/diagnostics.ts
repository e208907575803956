/**
 * Warnings from inside a dynamic provider, shown in `pulumi preview` and `pulumi up`.
 *
 * Pulumi starts the dynamic-provider process with the engine's gRPC address as its first argument
 * (cmd/dynamic-provider: `main(process.argv.slice(2))`, "the address of the RPC endpoint for the
 * engine"), but the Node SDK does not hand providers a logger. This sends the message through the
 * engine's own Log RPC, as every provider plugin does; outside the engine it goes to stderr.
 */
export type Severity = "info" | "warning" | "error";

let client: any;

/** `urn`, when given, attaches the message to that resource in the preview (as the engine does for providers). */
export async function engineLog(severity: Severity, message: string, urn?: string): Promise<void> {
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
        req.setSeverity({ info: engproto.LogSeverity.INFO, warning: engproto.LogSeverity.WARNING, error: engproto.LogSeverity.ERROR }[severity]);
        req.setMessage(message);
        if (urn) {
            req.setUrn(urn);
        }
        await new Promise<void>((resolve) => client.log(req, () => resolve()));
    } catch {
        console.error(`${severity}: ${message}`);
    }
}

/**
 * Progress of a long operation in the engine's display, at most every `everyMs` (default 5 s) and at
 * the end: "Per-user MFA: writing 1,200 of 2,000 users (38 throttled answers waited out so far)".
 */
export function progressReporter(what: string, urn: string | undefined, everyMs = 5_000): (done: number, total: number, stats?: { throttledItems: number }) => void {
    let last = Date.now();
    return (done, total, stats) => {
        const now = Date.now();
        if (done < total && now - last < everyMs) return;
        last = now;
        const waits = stats?.throttledItems ? ` (${stats.throttledItems.toLocaleString("en")} throttled answers waited out so far)` : "";
        void engineLog("info", `${what} ${done.toLocaleString("en")} of ${total.toLocaleString("en")}${waits}`, urn);
    };
}
