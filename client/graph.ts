import type { Client } from "@microsoft/microsoft-graph-client";
import { ConnectionSettings } from "./connection";
import { TokenSource } from "./credentials";
import { TenantApiError, redact } from "./errors";
import { sleep, withRetries } from "./retry";

export type GraphVersion = "v1.0" | "beta";
export type HttpMethod = "GET" | "PATCH" | "POST" | "PUT" | "DELETE";

export interface GraphRequest {
    version?: GraphVersion;
    body?: unknown;
    headers?: Record<string, string>;
}

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(["GET", "PATCH", "PUT", "DELETE"]);
const NETWORK_RETRIES = 3;

/**
 * The one way the providers talk to Microsoft Graph.
 *
 * Requests go through @microsoft/microsoft-graph-client, whose middleware attaches the token and
 * retries 429/503/504 honouring Retry-After. On top of it this layer adds, once for every setting
 * (with the rules shared by every client, ./retry.ts):
 * - retries of idempotent calls when the connection drops before an answer;
 * - one fresh sign-in when Graph refuses a token as expired or invalid before its stated lifetime;
 * - errors that name the call, Graph's status and code, and the request-id, with secrets scrubbed.
 */
export class GraphClient {
    readonly tokens: TokenSource;
    private client?: Client;

    constructor(readonly connection: ConnectionSettings) {
        this.tokens = new TokenSource(connection, connection.cloud.graphResource);
    }

    private sdk(): Client {
        if (!this.client) {
            // eslint-disable-next-line @typescript-eslint/no-var-requires
            const graph: typeof import("@microsoft/microsoft-graph-client") = require("@microsoft/microsoft-graph-client");
            const endpoint = new URL(this.connection.cloud.graphEndpoint);
            this.client = graph.Client.initWithMiddleware({
                authProvider: { getAccessToken: async () => (await this.tokens.getToken()).token },
                baseUrl: endpoint.origin + "/",
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
        const version = req.version ?? "v1.0";
        // 429/503/504 are retried by the SDK's RetryHandler; withRetries adds the sign-in and dropped-connection rules.
        return withRetries<T>(
            async () => {
                let call = this.sdk().api(path).version(version);
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
            },
            (err) => ({ error: this.toApiError(err, method, `/${version}${path}`) }),
            {
                resetToken: () => this.tokens.reset(),
                retryDroppedConnection: IDEMPOTENT.has(method),
                networkRetries: NETWORK_RETRIES,
            },
        );
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

export { sleep };
