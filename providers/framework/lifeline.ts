import { haltCalls } from "../../client/retry";
import { trace } from "../../client/trace";

/**
 * The provider process stops working once the engine that asked for the work is gone.
 *
 * The engine starts every plugin, the dynamic-provider host included, with a pipe on its standard
 * input that it holds open for the plugin's whole life and never writes to (pulumi sdk/go/common/
 * resource/plugin/plugin.go, execPlugin: `in, _ := cmd.StdinPipe()`; the pulumi-resource-pulumi-nodejs
 * script runs node with that stdin). When the engine dies, even by SIGKILL, the kernel closes its end
 * and the provider reads end-of-file. Nothing else closes it: the engine's orderly shutdown of a plugin
 * comes after its last call. (The parent process id is no signal: the host is started through a shell
 * script, whose process outlives the engine.)
 *
 * On end-of-file every call of this process is halted (client/retry.ts haltCalls): nothing more is
 * sent, no $batch schedules another batch, no retry goes out; then the process exits, since nobody
 * is left to answer. Writes already on the wire finish; what they did is what a `pulumi up` after
 * `pulumi cancel` finds (see the README: a killed `pulumi up` leaves the stack locked).
 */
export function watchEngine(
    options: { input?: NodeJS.ReadableStream; exit?: (code: number) => void; argv?: readonly string[] } = {},
): boolean {
    const argv = options.argv ?? process.argv;
    const input = options.input ?? process.stdin;
    // Only under the engine: its address is the host's first argument (cmd/dynamic-provider main(args)).
    if (!/^[\w.-]+:\d+$|^\[[0-9a-f:]+\]:\d+$/i.test(argv[2] ?? "")) {
        return false;
    }
    if ((input as { isTTY?: boolean }).isTTY) {
        return false; // started by hand from a terminal: no engine's pipe to watch
    }
    const exit = options.exit ?? ((code: number) => process.exit(code));
    let gone = false;
    const onGone = (why: string) => {
        if (gone) return;
        gone = true;
        haltCalls(`the Pulumi engine is gone (${why}); nothing more is written. Run pulumi cancel, then pulumi up to resume`);
        trace("engine gone: calls halted", Date.now(), { why });
        // Let the calls on the wire fail over to the halt and the trace line reach its file, then leave.
        setTimeout(() => exit(1), 200).unref?.();
    };
    input.on("end", () => onGone("its pipe to this provider closed"));
    input.on("close", () => onGone("its pipe to this provider closed"));
    input.on("error", (err: Error) => onGone(`its pipe to this provider failed: ${err.message}`));
    // Read (and drop) whatever comes, so that end-of-file is seen.
    input.on("data", () => undefined);
    input.resume();
    return true;
}
