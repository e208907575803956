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
