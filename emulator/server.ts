import * as https from "https";
import type { AddressInfo } from "net";
import * as path from "path";
import { securityDefaultsRoutes } from "./graph/securityDefaults";
import type { Route } from "./graph/routes";
import { EmuRequest, EmuResponse, GraphHttpError, graphErrorBody, headerValue, readRequest, writeResponse } from "./http";
import { Identity } from "./identity";
import { loadOrCreatePki } from "./pki";
import { APPS, AppRegistration, Store, TenantState } from "./store";

/**
 * The local tenant emulator: Entra ID sign-in, Microsoft Graph and the Exchange Online admin
 * endpoint on one HTTPS origin on loopback, with its state in a directory.
 */
export interface Faults {
    /** Added to every Graph/Exchange answer, in milliseconds. */
    latencyMs?: number;
    /** Share (0..1) of Graph/Exchange requests answered 429 with Retry-After. */
    rate429?: number;
    /** Share (0..1) of Graph/Exchange requests answered 503. */
    rate5xx?: number;
    /** Share (0..1) of Graph/Exchange requests whose connection is dropped before an answer. */
    dropRate?: number;
    /** Lifetime of newly issued tokens in seconds (default 3599). */
    tokenLifetimeSeconds?: number;
    /**
     * Tokens that expire early: the JWT's exp is this many seconds away although expires_in still
     * says tokenLifetimeSeconds, as when a token is revoked or clocks disagree. Clients must sign in again.
     */
    tokenExpiresEarlySeconds?: number;
    /** Seconds sent in Retry-After with injected 429s (default 1). */
    retryAfterSeconds?: number;
    /** Deterministic faults: the next `count` Graph/Exchange requests whose path contains `match`. */
    next?: { kind: "429" | "503" | "drop"; count: number; match?: string }[];
}

export interface EmulatorOptions {
    stateDir: string;
    /** 0 picks a free port. */
    port?: number;
    host?: string;
    faults?: Faults;
    /** Keep request and response bodies in the request log (for the schema conformance tests). */
    recordBodies?: boolean;
}

export interface RequestLogEntry {
    at: string;
    method: string;
    path: string;
    status: number | "dropped";
    appId?: string;
    write: boolean;
    /** With recordBodies: the Graph version, the route's entity type and both JSON bodies. */
    version?: "v1.0" | "beta";
    entity?: string;
    requestBody?: unknown;
    responseBody?: unknown;
}

export interface RunningEmulator {
    readonly origin: string;
    readonly caCertPath: string;
    readonly store: Store;
    readonly requests: RequestLogEntry[];
    faults: Faults;
    /** The tenant the emulator starts with. */
    defaultTenant(): TenantState;
    app(name: string, tenantId?: string): AppRegistration;
    /** Environment variables that point m365-mfa (and @azure/identity) at this emulator as `appName`. */
    env(appName?: string, tenantId?: string): Record<string, string>;
    stop(): Promise<void>;
}

const GRAPH_ROUTES: Route[] = [...securityDefaultsRoutes];

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
    const pki = loadOrCreatePki(path.join(options.stateDir, "pki"));
    const store = new Store(options.stateDir);
    const requests: RequestLogEntry[] = [];
    const emulator: { faults: Faults } = { faults: { ...(options.faults ?? {}) } };
    const identity = new Identity(store, pki, {
        tokenLifetimeSeconds: () => emulator.faults.tokenLifetimeSeconds ?? 3599,
        tokenExpiresEarlySeconds: () => emulator.faults.tokenExpiresEarlySeconds,
    });
    let origin = "";

    const server = https.createServer({ cert: pki.serverCert, key: pki.serverKey }, async (raw, res) => {
        let req: EmuRequest | undefined;
        try {
            req = await readRequest(raw);
            const out = await dispatch(req);
            if (out === "drop") {
                requests.push(logEntry(req, "dropped", undefined, false));
                raw.socket.destroy();
                return;
            }
            writeResponse(res, req, out.response);
            const entry = logEntry(req, out.response.status, out.appId, out.write);
            if (options.recordBodies && out.entity) {
                entry.version = out.version;
                entry.entity = out.entity;
                entry.requestBody = req.body.length ? JSON.parse(req.body.toString("utf8")) : undefined;
                entry.responseBody = out.response.body;
            }
            requests.push(entry);
        } catch (err) {
            if (req) {
                writeResponse(res, req, { status: 500, body: graphErrorBody(req, "InternalServerError", String(err)) });
            } else {
                res.destroy();
            }
        }
    });

    type Dispatched = { response: EmuResponse; appId?: string; write: boolean; version?: "v1.0" | "beta"; entity?: string } | "drop";

    async function dispatch(req: EmuRequest): Promise<Dispatched> {
        if (req.path.startsWith("/_emulator/")) {
            return { response: admin(req), write: false };
        }
        const idp = identity.handle(req, origin);
        if (idp) {
            return { response: idp, write: false };
        }
        const m = /^\/(v1\.0|beta)(\/.*)$/.exec(req.path);
        if (!m) {
            return { response: { status: 404, body: graphErrorBody(req, "BadRequest", `Resource not found for the segment '${req.path.split("/")[1] ?? ""}'.`) }, write: false };
        }
        const version = m[1] as "v1.0" | "beta";
        const rest = m[2];
        const injected = await injectFaults(req);
        if (injected) {
            return injected;
        }
        const candidates = GRAPH_ROUTES.filter((r) => r.versions.includes(version) && r.pattern.test(rest));
        const route = candidates.find((r) => r.method === req.method);
        let appId: string | undefined;
        try {
            const claims = identity.verify(headerValue(req.headers.authorization), "graph");
            appId = claims.appid;
            if (!route) {
                if (candidates.length) {
                    throw new GraphHttpError(405, "Request_BadRequest", `Specified HTTP method '${req.method}' is not allowed for the request target.`);
                }
                throw new GraphHttpError(400, "BadRequest", `Resource not found for the segment '${rest.split("/")[1] ?? ""}'.`);
            }
            const tenant = store.tenant(claims.tid)!;
            const params = route.pattern.exec(rest)!.slice(1);
            const response = route.handle({ req, params, claims, tenant, store, origin }, version);
            return { response, appId, write: route.write, version, entity: route.entity };
        } catch (err) {
            if (err instanceof GraphHttpError) {
                return { response: { status: err.status, headers: err.headers, body: graphErrorBody(req, err.code, err.message) }, appId, write: false };
            }
            throw err;
        }
    }

    async function injectFaults(req: EmuRequest): Promise<Dispatched | undefined> {
        const f = emulator.faults;
        if (f.latencyMs) {
            await new Promise((r) => setTimeout(r, f.latencyMs));
        }
        let kind: "429" | "503" | "drop" | undefined;
        const next = f.next?.find((n) => n.count > 0 && (!n.match || req.path.includes(n.match)));
        if (next) {
            next.count--;
            kind = next.kind;
        } else if (f.dropRate && Math.random() < f.dropRate) {
            kind = "drop";
        } else if (f.rate429 && Math.random() < f.rate429) {
            kind = "429";
        } else if (f.rate5xx && Math.random() < f.rate5xx) {
            kind = "503";
        }
        switch (kind) {
            case "drop":
                return "drop";
            case "429":
                return {
                    response: {
                        status: 429,
                        headers: { "Retry-After": String(f.retryAfterSeconds ?? 1) },
                        body: graphErrorBody(req, "TooManyRequests", "Too many requests. Please try again later."),
                    },
                    write: false,
                };
            case "503":
                return {
                    response: { status: 503, body: graphErrorBody(req, "serviceNotAvailable", "Service is temporarily unavailable. Please try again later.") },
                    write: false,
                };
        }
        return undefined;
    }

    function admin(req: EmuRequest): EmuResponse {
        if (headerValue(req.headers["x-emulator-admin-key"]) !== store.adminKey) {
            return { status: 401, body: { error: { code: "Unauthorized", message: "x-emulator-admin-key header missing or wrong" } } };
        }
        if (req.path === "/_emulator/state" && req.method === "GET") {
            return { status: 200, body: store.snapshot() };
        }
        if (req.path === "/_emulator/faults" && req.method === "PUT") {
            emulator.faults = JSON.parse(req.body.toString("utf8") || "{}");
            return { status: 200, body: emulator.faults };
        }
        if (req.path === "/_emulator/requests" && req.method === "GET") {
            return { status: 200, body: { value: requests } };
        }
        return { status: 404, body: { error: { code: "NotFound", message: `no admin endpoint ${req.method} ${req.path}` } } };
    }

    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
    });
    const address = server.address() as AddressInfo;
    origin = `https://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;

    const api: RunningEmulator = {
        origin,
        caCertPath: pki.caCertPath,
        store,
        requests,
        get faults() {
            return emulator.faults;
        },
        set faults(f: Faults) {
            emulator.faults = f;
        },
        defaultTenant: () => store.tenant(store.tenantIds()[0])!,
        app(name, tenantId) {
            const tenant = tenantId ? store.tenant(tenantId) : api.defaultTenant();
            const app = tenant?.apps.find((a) => a.displayName === name);
            if (!app) {
                throw new Error(`no app registration "${name}" in tenant ${tenantId ?? "(default)"}`);
            }
            return app;
        },
        env(appName = APPS.provider, tenantId) {
            const tenant = tenantId ? store.tenant(tenantId)! : api.defaultTenant();
            const app = api.app(appName, tenant.tenantId);
            return {
                AZURE_TENANT_ID: tenant.tenantId,
                AZURE_CLIENT_ID: app.appId,
                AZURE_CLIENT_SECRET: app.secret,
                AZURE_AUTHORITY_HOST: origin,
                M365_MFA_GRAPH_ENDPOINT: origin,
                M365_MFA_EXCHANGE_ENDPOINT: origin,
                NODE_EXTRA_CA_CERTS: pki.caCertPath,
            };
        },
        async stop() {
            await new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            });
            store.close();
        },
    };
    return api;
}

function logEntry(req: EmuRequest, status: number | "dropped", appId: string | undefined, write: boolean): RequestLogEntry {
    return { at: new Date().toISOString(), method: req.method, path: req.path, status, appId, write };
}
