import type { Client, Context, Middleware } from "@microsoft/microsoft-graph-client";
import type { ConnectionSettings } from "./connection";
import { TokenSource } from "./credentials";
import { TenantApiError, redact } from "./errors";
import { RetryPolicy, type RetryRun, assertNotHalted, describeCall, isDroppedConnection, parseRetryAfter, sleep } from "./retry";

export type GraphVersion = "v1.0" | "beta";
export type HttpMethod = "GET" | "PATCH" | "POST" | "PUT" | "DELETE";

export interface GraphRequest {
    version?: GraphVersion;
    body?: unknown;
    headers?: Record<string, string>;
    /** Whether the call may be sent again after a dropped connection (default: every method but POST). */
    idempotent?: boolean;
    /**
     * Error statuses whose JSON body is the answer, returned instead of thrown: a $batch that answers
     * 424 with its items' own statuses (throttling.md: a batch with throttled items may answer 424;
     * json-batching.md: 200 with per-item statuses).
     */
    answerStatuses?: readonly number[];
}

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(["GET", "PATCH", "PUT", "DELETE"]);

/**
 * The one way the providers talk to Microsoft Graph.
 *
 * Requests go through @microsoft/microsoft-graph-client with a middleware chain of our own: the
 * SDK's RetryHandler (3 retries, then the call fails) is replaced by PolicyRetryHandler, which
 * applies the client layer's one retry policy (./retry.ts: Retry-After or jittered back-off for
 * 429/503/504, dropped connections of idempotent calls, a new token after a 401, a total time budget),
 * then the SDK's AuthenticationHandler, RedirectHandler, TelemetryHandler and HTTPMessageHandler.
 * Errors name the call, Graph's status and code, and the request-id, with secrets scrubbed.
 */
export class GraphClient {
    readonly tokens: TokenSource;
    readonly policy: RetryPolicy;
    private client?: Client;

    constructor(
        readonly connection: ConnectionSettings,
        policy?: RetryPolicy,
    ) {
        this.policy = policy ?? RetryPolicy.fromSettings(undefined);
        this.tokens = new TokenSource(connection, connection.cloud.graphResource, this.policy);
    }

    private sdk(): Client {
        if (!this.client) {
            // eslint-disable-next-line @typescript-eslint/no-var-requires
            const graph: typeof import("@microsoft/microsoft-graph-client") = require("@microsoft/microsoft-graph-client");
            const endpoint = new URL(this.connection.cloud.graphEndpoint);
            const authProvider = { getAccessToken: async () => (await this.tokens.getToken()).token };
            this.client = graph.Client.initWithMiddleware({
                middleware: [
                    new PolicyRetryHandler(() => this.tokens.reset()),
                    new graph.AuthenticationHandler(authProvider),
                    new graph.RedirectHandler(new graph.RedirectHandlerOptions()),
                    new graph.TelemetryHandler(),
                    new graph.HTTPMessageHandler(),
                ],
                baseUrl: `${endpoint.origin}/`,
                defaultVersion: "v1.0",
                // The SDK only attaches the token to Microsoft's Graph hosts and to these host names (port ignored).
                customHosts: new Set([endpoint.hostname]),
            });
        }
        return this.client;
    }

    get<T = any>(path: string, req: GraphRequest = {}): Promise<T> {
        return this.request<T>("GET", path, req);
    }

    patch<T = any>(path: string, body: unknown, req: GraphRequest = {}): Promise<T> {
        return this.request<T>("PATCH", path, { ...req, body });
    }

    post<T = any>(path: string, body: unknown, req: GraphRequest = {}): Promise<T> {
        return this.request<T>("POST", path, { ...req, body });
    }

    async request<T = any>(method: HttpMethod, path: string, req: GraphRequest = {}): Promise<T> {
        assertNotHalted();
        const version = req.version ?? "v1.0";
        const full = `/${version}${path}`;
        const options = new PolicyRequestOptions(
            this.policy.start(describeCall(method, full)),
            req.idempotent ?? IDEMPOTENT.has(method),
            (err) => this.toApiError(err, method, full),
        );
        try {
            let call = this.sdk().api(path).version(version).middlewareOptions([options]);
            if (req.headers) {
                call = call.headers(req.headers);
            }
            switch (method) {
                case "GET":
                    return await call.get();
                case "PATCH":
                    return await call.patch(req.body);
                case "POST":
                    return await call.post(req.body);
                case "PUT":
                    return await call.put(req.body);
                case "DELETE":
                    return await call.delete();
            }
        } catch (err) {
            const e = err as any;
            if (req.answerStatuses?.includes(e?.statusCode) && typeof e?.body === "object" && e.body !== null) {
                // The SDK's GraphError keeps a body that is not Graph's error shape as it came (the parsed JSON).
                return e.body as T;
            }
            const error = this.toApiError(err, method, full);
            // The policy's verdict is on the run: a spent budget is reported as such, with the last answer.
            throw options.run.exhausted ?? error;
        }
    }

    private toApiError(err: unknown, method: string, path: string): TenantApiError {
        if (err instanceof TenantApiError) {
            return err;
        }
        const e = err as any;
        const status = typeof e?.statusCode === "number" && e.statusCode > 0 ? e.statusCode : undefined;
        let detail = String(e?.message ?? err);
        if (status === undefined) {
            const cause = e?.cause ?? e?.body?.cause;
            detail = `no answer (${cause?.code ?? cause?.message ?? detail})`;
        }
        return new TenantApiError(
            "Microsoft Graph",
            method,
            path,
            status,
            typeof e?.code === "string" && status !== undefined ? e.code : undefined,
            redact(detail, [this.connection.clientSecret]),
            e?.requestId ?? undefined,
        );
    }
}

/** Per-request state for PolicyRetryHandler (found by the SDK's MiddlewareControl by constructor). */
export class PolicyRequestOptions {
    constructor(
        readonly run: RetryRun,
        readonly idempotent: boolean,
        readonly toApiError: (err: unknown) => TenantApiError,
    ) {}
}

/**
 * The Graph SDK middleware that applies the retry policy to a single call: it sends the request on
 * down the chain (authentication first, so that a retry after a refused token carries a new one),
 * reads the answer and asks the policy whether and when to send it again.
 */
export class PolicyRetryHandler implements Middleware {
    private nextMiddleware?: Middleware;

    constructor(private readonly resetToken: () => void) {}

    async execute(context: Context): Promise<void> {
        const options = context.middlewareControl?.getMiddlewareOptions(PolicyRequestOptions) as PolicyRequestOptions | undefined;
        if (!options) {
            return this.nextMiddleware!.execute(context);
        }
        for (;;) {
            assertNotHalted();
            dropAuthorization(context);
            context.response = undefined;
            let failure: { error: TenantApiError; retryAfterMs?: number };
            let thrown: unknown;
            try {
                await this.nextMiddleware!.execute(context);
                const res = context.response as Response | undefined;
                if (!res || res.ok || !(res.status === 401 || options.run.policy.verdict(res.status, options.idempotent) === "retry")) {
                    return;
                }
                failure = { error: await answerError(res, options), retryAfterMs: parseRetryAfter(res.headers.get("retry-after")) };
            } catch (err) {
                if (!isDroppedConnection(err)) {
                    throw err;
                }
                thrown = err;
                failure = { error: options.toApiError(err) };
            }
            const plan = options.run.plan(failure, options.idempotent);
            if (plan.action === "fail") {
                if (thrown) {
                    throw thrown;
                }
                return; // the last answer goes back to the SDK, which turns it into its error
            }
            if (plan.refreshToken) {
                this.resetToken();
            }
            await options.run.policy.sleep(plan.delayMs);
        }
    }

    setNext(next: Middleware): void {
        this.nextMiddleware = next;
    }
}

/** Graph's status, code and message of an error answer, without consuming the body the SDK reads. */
async function answerError(res: Response, options: PolicyRequestOptions): Promise<TenantApiError> {
    let body: any;
    try {
        body = await res.clone().json();
    } catch {
        body = undefined;
    }
    const e = Object.assign(new Error(String(body?.error?.message ?? res.statusText ?? "")), {
        statusCode: res.status,
        code: body?.error?.code,
        requestId: res.headers.get("request-id") ?? undefined,
    });
    return options.toApiError(e);
}

/** The SDK's AuthenticationHandler appends its header: remove the previous attempt's before the next. */
function dropAuthorization(context: Context): void {
    const h: any = context.options?.headers;
    if (!h) {
        return;
    }
    if (typeof Headers !== "undefined" && h instanceof Headers) {
        h.delete("Authorization");
    } else if (Array.isArray(h)) {
        context.options!.headers = h.filter(([k]) => k.toLowerCase() !== "authorization");
    } else {
        for (const k of Object.keys(h)) {
            if (k.toLowerCase() === "authorization") {
                delete h[k];
            }
        }
    }
}

export { sleep };
