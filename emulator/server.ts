import * as https from "https";
import type { AddressInfo } from "net";
import * as path from "path";
import { handleInvokeCommand } from "./exchange";
import { auditLogRoutes } from "./graph/auditLogs";
import { authenticationMethodsPolicyRoutes } from "./graph/authenticationMethodsPolicy";
import { authenticationStrengthRoutes } from "./graph/authenticationStrengths";
import { conditionalAccessRoutes } from "./graph/conditionalAccess";
import { userMethodRoutes } from "./graph/userMethods";
import { directoryRoutes } from "./graph/directory";
import { directoryRoleRoutes } from "./graph/directoryRoles";
import { reportRoutes } from "./graph/reports";
import { securityDefaultsRoutes } from "./graph/securityDefaults";
import { Throttle, ThrottleOptions } from "./throttle";
import { TokenEndpointFaults, faultFor, freshSeed, mulberry32, tokenEndpointFault } from "./faults";
import type { Route } from "./graph/routes";
import { checkQuery } from "./graph/query";
import {
    EmuRequest,
    EmuResponse,
    GraphHttpError,
    JSON_ODATA,
    graphErrorBody,
    headerValue,
    jsonBody,
    readRequest,
    writeResponse,
} from "./http";
import type { Directory } from "./directory";
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
    /**
     * The apps (display names or app ids) whose tokens expire early; unset: every app. An artificial
     * fault (Entra's tokens live what expires_in says unless revoked), so a run can give it to the
     * clients that renew on a 401 and keep honest lifetimes for one that renews on expires_in only
     * (the azuread plugin: go-azure-sdk sdk/auth/cached_authorizer.go renews when the token is due by
     * its expiry, never on a 401). The token endpoint's other faults reach every app.
     */
    tokenExpiresEarlyApps?: string[];
    /** Seconds sent in Retry-After with injected 429s (default 1). */
    retryAfterSeconds?: number;
    /** Faults at the token endpoint (429 with Retry-After, 503, dropped connections), from the same seeded generator (./faults.ts). */
    tokenEndpoint?: TokenEndpointFaults;
    /** Deterministic faults: the next `count` Graph/Exchange requests whose path contains `match`. */
    next?: { kind: "429" | "503" | "drop"; count: number; match?: string }[];
    /** Deterministic faults inside $batch: the next `count` batch items whose path contains `match` get this status. */
    batchItems?: { kind: "429" | "503"; count: number; match?: string }[];
    /**
     * Seed of the generator random faults (rate429, rate5xx, dropRate; also applied to each $batch item,
     * except drops) are drawn from (./faults.ts): the same seed replays the same faults. Given faults
     * without a seed get a fresh one, shown here (emu.faults.seed, PUT /_emulator/faults's answer).
     */
    seed?: number;
}

export interface EmulatorOptions {
    stateDir: string;
    /** 0 picks a free port. */
    port?: number;
    host?: string;
    faults?: Faults;
    /** Keep request and response bodies in the request log (for the schema conformance tests). */
    recordBodies?: boolean;
    /**
     * Keep every request's JSON body in the request log as `sentBody` (the client conformance check of
     * tests/support/requestLog.ts turns it on). Off by default: it costs a parse and the body's memory
     * for each of up to maxLogEntries requests, which benchmarks and the demo do not need.
     */
    recordSentBodies?: boolean;
    /** Microsoft's documented Graph limits; on unless switched off. */
    throttling?: ThrottleOptions;
    /** Keep at most this many request log entries (oldest dropped); default 100,000. */
    maxLogEntries?: number;
}

export interface RequestLogEntry {
    at: string;
    method: string;
    path: string;
    status: number | "dropped";
    appId?: string;
    write: boolean;
    /** An item of a $batch (logged on its own, beside the batch request). */
    batched?: boolean;
    /** With recordBodies: the Graph version, the route's entity type and both JSON bodies. */
    version?: "v1.0" | "beta";
    entity?: string;
    requestBody?: unknown;
    responseBody?: unknown;
    /** The query string as sent ("" or "?..."), for the client conformance check. */
    query?: string;
    /** The request headers the rules look at (lower-case names; a $batch item's are its own). */
    headers?: Record<string, string>;
    /** Who sent it: the HTTP client's SdkVersion / User-Agent (a $batch item's are the batch's). */
    sender?: { sdkVersion?: string; userAgent?: string };
    /** The JSON body as sent (Graph and Exchange; for token requests only grant_type and scope, never secrets). */
    sentBody?: unknown;
    /**
     * Milliseconds from receiving the request to sending its answer (injected latency included), so the
     * request ran over [at - ms, at]. On requests only: a $batch item's time is its batch's.
     */
    ms?: number;
}

export interface RunningEmulator {
    readonly origin: string;
    readonly caCertPath: string;
    readonly store: Store;
    readonly requests: RequestLogEntry[];
    faults: Faults;
    readonly throttle: Throttle;
    /** The tenant the emulator starts with. */
    defaultTenant(): TenantState;
    /** Users and groups of a tenant (the default tenant when not named). */
    directory(tenantId?: string): Directory;
    app(name: string, tenantId?: string): AppRegistration;
    /** Environment variables that point m365-mfa (and @azure/identity) at this emulator as `appName`. */
    env(appName?: string, tenantId?: string): Record<string, string>;
    /**
     * Environment variables that point the azuread provider (go-azure-sdk) at this emulator as
     * `appName`: the custom cloud by metadata host, the tenant and app, a client secret or workload
     * identity federation the GitHub Actions way (ARM_USE_OIDC with the job's token request URL and
     * token; pulumi-azuread's configure check reads ARM_OIDC_TOKEN or those, not a token file), and
     * the CA (with the system's) through SSL_CERT_FILE.
     */
    azureadEnv(appName?: string, tenantId?: string, credentials?: "secret" | "github-oidc"): Record<string, string>;
    /** What a GitHub Actions job with `id-token: write` has, pointing at the CI issuer the emulator plays. */
    ciRequestEnv(): Record<string, string>;
    /** A token from the CI issuer the emulator plays (GitHub Actions' OIDC), for workload identity. */
    ciToken(opts?: Parameters<Identity["mintCiToken"]>[0]): string;
    stop(): Promise<void>;
}

function hasRandomFaults(f: Faults): boolean {
    return !!(f.rate429 || f.rate5xx || f.dropRate);
}

export const GRAPH_ROUTES: Route[] = [
    ...securityDefaultsRoutes,
    ...directoryRoutes,
    ...reportRoutes,
    ...authenticationMethodsPolicyRoutes,
    ...conditionalAccessRoutes,
    ...authenticationStrengthRoutes,
    ...userMethodRoutes,
    ...directoryRoleRoutes,
    ...auditLogRoutes,
];

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
    const pki = loadOrCreatePki(path.join(options.stateDir, "pki"));
    const store = new Store(options.stateDir);
    const requests: RequestLogEntry[] = [];
    const maxLog = options.maxLogEntries ?? 100_000;
    const requests_log = (e: RequestLogEntry) => {
        requests.push(e);
        if (requests.length > maxLog) {
            requests.splice(0, requests.length - maxLog);
        }
    };
    const throttle = new Throttle(options.throttling ?? { enabled: true });
    const emulator: { faults: Faults; random: () => number } = { faults: {}, random: Math.random };
    /** Installs faults and restarts the seeded generator they draw from. */
    const setFaults = (f: Faults) => {
        emulator.faults = f;
        f.seed ??= freshSeed();
        emulator.random = mulberry32(f.seed);
    };
    setFaults({ ...(options.faults ?? {}) });
    const identity = new Identity(store, pki, {
        tokenLifetimeSeconds: () => emulator.faults.tokenLifetimeSeconds ?? 3599,
        tokenExpiresEarlySeconds: (app) => {
            const f = emulator.faults;
            return f.tokenExpiresEarlyApps &&
                !f.tokenExpiresEarlyApps.includes(app.displayName) &&
                !f.tokenExpiresEarlyApps.includes(app.appId)
                ? undefined
                : f.tokenExpiresEarlySeconds;
        },
    });
    let origin = "";

    const server = https.createServer({ cert: pki.serverCert, key: pki.serverKey }, async (raw, res) => {
        const received = performance.now();
        const elapsed = () => Math.round((performance.now() - received) * 10) / 10;
        let req: EmuRequest | undefined;
        try {
            req = await readRequest(raw);
            const out = await dispatch(req);
            if (out === "drop") {
                const dropped = logEntry(req, "dropped", undefined, false, options.recordSentBodies);
                dropped.ms = elapsed();
                requests_log(dropped);
                raw.socket.destroy();
                return;
            }
            writeResponse(res, req, out.response);
            const entry = logEntry(req, out.response.status, out.appId, out.write, options.recordSentBodies);
            entry.ms = elapsed();
            if (options.recordBodies && out.entity) {
                entry.version = out.version;
                entry.entity = out.entity;
                entry.requestBody = req.body.length ? JSON.parse(req.body.toString("utf8")) : undefined;
                entry.responseBody = out.response.body;
            }
            requests_log(entry);
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
        const tokenFault = tokenEndpointFault(req, emulator.faults.tokenEndpoint, emulator.random);
        if (tokenFault) {
            return tokenFault === "drop" ? "drop" : { response: tokenFault, write: false };
        }
        const idp = identity.handle(req, origin);
        if (idp) {
            return { response: idp, write: false };
        }
        const exo = /^\/adminapi\/beta\/([^/]+)\/InvokeCommand$/i.exec(req.path);
        if (exo) {
            return exchange(req, exo[1]);
        }
        const m = /^\/(v1\.0|beta)(\/.*)$/.exec(req.path);
        if (!m) {
            return {
                response: {
                    status: 404,
                    body: graphErrorBody(req, "BadRequest", `Resource not found for the segment '${req.path.split("/")[1] ?? ""}'.`),
                },
                write: false,
            };
        }
        const version = m[1] as "v1.0" | "beta";
        const rest = m[2];
        const injected = await injectFaults(req);
        if (injected) {
            return injected;
        }
        if (rest === "/$batch" && req.method === "POST") {
            return batch(req, version);
        }
        return graph(req, version, rest);
    }

    /** One Graph call (also each item of a $batch): token, route, permission, throttling, handler. */
    function graph(req: EmuRequest, version: "v1.0" | "beta", rest: string): Exclude<Dispatched, "drop"> {
        const candidates = GRAPH_ROUTES.filter((r) => r.versions.includes(version) && matcher(r).test(rest));
        const route = candidates.find((r) => r.method === req.method);
        let appId: string | undefined;
        try {
            const claims = identity.verify(headerValue(req.headers.authorization), "graph");
            appId = claims.appid;
            if (!route) {
                if (candidates.length) {
                    throw new GraphHttpError(
                        405,
                        "Request_BadRequest",
                        `Specified HTTP method '${req.method}' is not allowed for the request target.`,
                    );
                }
                const unmodelled = UNMODELLED_ROUTES.find((u) => u.pattern.test(rest) && (!u.versions || u.versions.includes(version)));
                if (unmodelled) {
                    throw new GraphHttpError(
                        400,
                        "BadRequest",
                        `${req.method} ${rest} (${unmodelled.what}) is not modelled by the emulator; Graph serves it (${unmodelled.source}).`,
                    );
                }
                throw new GraphHttpError(400, "BadRequest", `Resource not found for the segment '${rest.split("/")[1] ?? ""}'.`);
            }
            const tenant = store.tenant(claims.tid)!;
            const params = matcher(route).exec(rest)!.slice(1);
            const ctx = { req, params, claims, tenant, store, origin };
            // What the route does not model is refused before anything runs (./graph/query.ts).
            checkQuery(req, route.query, req.method, rest, version);
            const units = route.units ? route.units(ctx) : 1;
            const charge =
                route.bucket === "reports"
                    ? throttle.chargeReports(tenant.tenantId, claims.appid)
                    : route.bucket === "conditionalAccess"
                      ? throttle.chargeConditionalAccess(tenant.tenantId)
                      : throttle.charge(tenant.tenantId, claims.appid, store.directory(tenant.tenantId).userCount, units, route.write);
            if (!charge.ok) {
                // Some limits (Conditional Access) answer 429 without Retry-After, as Graph documents.
                const wait: Record<string, string> = charge.retryAfter === undefined ? {} : { "Retry-After": String(charge.retryAfter) };
                return {
                    response: {
                        status: 429,
                        headers: { ...charge.headers, ...wait },
                        body: graphErrorBody(
                            req,
                            "TooManyRequests",
                            charge.retryAfter === undefined
                                ? "Too many requests."
                                : "Too many requests. Please retry after the time in the Retry-After header.",
                        ),
                    },
                    appId,
                    write: false,
                };
            }
            let before: unknown;
            try {
                before = route.audit?.before?.(ctx);
            } catch {
                before = undefined; // the handler answers the error (an unknown object, say)
            }
            const response = route.handle(ctx, version);
            if (route.audit && response.status >= 200 && response.status < 300) {
                const draft = route.audit.entry(ctx, before, response);
                if (draft) {
                    store.auditLog(tenant.tenantId).record(draft, initiator(tenant, claims.appid));
                }
            }
            response.headers = { ...charge.headers, ...(response.headers ?? {}) };
            return { response, appId, write: route.write, version, entity: route.entity };
        } catch (err) {
            if (err instanceof GraphHttpError) {
                return {
                    response: { status: err.status, headers: err.headers, body: graphErrorBody(req, err.code, err.message) },
                    appId,
                    write: false,
                };
            }
            throw err;
        }
    }

    /**
     * JSON batching as Graph documents it: at most 20 requests with unique ids, every write item
     * (POST/PATCH/PUT) carries a body and a Content-Type, dependsOn runs after its dependencies and answers 424 when one failed; the batch
     * answers 200 and each item carries its own status (each item is throttled on its own).
     */
    function batch(req: EmuRequest, version: "v1.0" | "beta"): Dispatched {
        const bad = (message: string) => ({ response: { status: 400, body: graphErrorBody(req, "BadRequest", message) }, write: false });
        let requests: any[];
        try {
            identity.verify(headerValue(req.headers.authorization), "graph");
            requests = jsonBody(req).requests as any[];
        } catch (err) {
            if (err instanceof GraphHttpError) {
                return {
                    response: { status: err.status, headers: err.headers, body: graphErrorBody(req, err.code, err.message) },
                    write: false,
                };
            }
            throw err;
        }
        if (!Array.isArray(requests) || requests.length === 0) {
            return bad("Invalid batch payload format.");
        }
        if (requests.length > 20) {
            return bad("Number of requests in batch is too large. Maximum is 20.");
        }
        const ids = new Set<string>();
        for (const r of requests) {
            if (typeof r?.id !== "string" || !r.id || typeof r.method !== "string" || typeof r.url !== "string") {
                return bad("Invalid batch payload format: every request needs id, method and url.");
            }
            // Ids are compared case-insensitively (json-batching.md: "The id value must be unique within the batch
            // and is not case-sensitive"), for uniqueness and for dependsOn.
            if (ids.has(r.id.toLowerCase())) {
                return bad(`Batch request ids must be unique; '${r.id}' appears more than once.`);
            }
            ids.add(r.id.toLowerCase());
            const hasContentType = Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === "content-type");
            // Every write item (POST, PATCH, PUT) needs a body and a Content-Type, `{}` where the call takes
            // no body; otherwise the whole batch is refused. Source: docs-contrib concepts/json-batching.md
            // ("you must still specify the headers and body parameters where only body can be an empty
            // object") and microsoftgraph/msgraph-sdk-dotnet#2628 (the 400 and its text). A body without a
            // Content-Type on any other method is refused the same way (json-batching.md: "When a body is
            // included with the request, the headers object must contain a value for Content-Type").
            if (
                WRITE_METHODS.has(String(r.method).toUpperCase())
                    ? r.body === undefined || !hasContentType
                    : r.body !== undefined && !hasContentType
            ) {
                return bad(`Write request id : ${r.id} does not contain Content-Type header or body.`);
            }
            for (const d of r.dependsOn ?? []) {
                if (typeof d !== "string" || !requests.some((o) => typeof o?.id === "string" && o.id.toLowerCase() === d.toLowerCase())) {
                    return bad(`Request id ${r.id} depends on '${d}', which is not in the batch.`);
                }
            }
        }
        const status = new Map<string, number>();
        const key = (id: string) => id.toLowerCase();
        const responses: any[] = [];
        let anyWrite = false;
        const done = (r: any) => status.has(key(r.id));
        while (responses.length < requests.length) {
            const ready = requests.filter((r) => !done(r) && (r.dependsOn ?? []).every((d: string) => status.has(key(d))));
            if (!ready.length) {
                return bad("The dependsOn graph of the batch has a cycle.");
            }
            for (const r of ready) {
                const failedDep = (r.dependsOn ?? []).find((d: string) => (status.get(key(d)) ?? 0) >= 400);
                if (failedDep) {
                    status.set(key(r.id), 424);
                    responses.push({
                        id: r.id,
                        status: 424,
                        headers: { "Cache-Control": "no-cache", "Content-Type": "application/json" },
                        body: graphErrorBody(req, "FailedDependency", `The request depends on request '${failedDep}', which failed.`),
                    });
                    continue;
                }
                const url = new URL(r.url.startsWith("/") ? r.url : `/${r.url}`, "https://emulator.invalid");
                const sub: EmuRequest = {
                    ...req,
                    method: r.method.toUpperCase(),
                    url,
                    path: decodeURIComponent(url.pathname).replace(/\/+$/, ""),
                    headers: { ...lowerKeys(r.headers ?? {}), authorization: req.headers.authorization },
                    body: r.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(r.body)),
                };
                const fault = emulator.faults.batchItems?.find((n) => n.count > 0 && (!n.match || sub.path.includes(n.match)));
                if (fault) {
                    fault.count--;
                }
                // Random faults reach each item on its own (as Graph throttles items), from the seeded generator.
                const drawn = fault || !hasRandomFaults(emulator.faults) ? undefined : faultFor(emulator.faults, emulator.random(), false);
                const kind = fault?.kind ?? (drawn === "drop" ? undefined : drawn);
                const out = kind ? itemFault(sub, kind) : graph(sub, version, sub.path);
                anyWrite ||= out.write;
                status.set(key(r.id), out.response.status);
                const entry = logEntry(sub, out.response.status, out.appId, out.write, options.recordSentBodies);
                entry.batched = true;
                if (options.recordBodies && out.entity) {
                    Object.assign(entry, { version, entity: out.entity, requestBody: r.body, responseBody: out.response.body });
                }
                requests_log(entry);
                responses.push({
                    id: r.id,
                    status: out.response.status,
                    headers: itemHeaders(out.response),
                    ...(out.response.body !== undefined ? { body: out.response.body } : {}),
                });
            }
        }
        return { response: { status: 200, headers: { "Content-Type": "application/json" }, body: { responses } }, write: anyWrite };
    }

    /** An injected answer to one $batch item (each item is throttled and fails on its own). */
    function itemFault(sub: EmuRequest, kind: "429" | "503"): Exclude<Dispatched, "drop"> {
        return kind === "429"
            ? {
                  response: {
                      status: 429,
                      headers: { "Retry-After": String(emulator.faults.retryAfterSeconds ?? 1) },
                      body: graphErrorBody(sub, "TooManyRequests", "Too many requests. Please try again later."),
                  },
                  write: false,
              }
            : {
                  response: {
                      status: 503,
                      body: graphErrorBody(sub, "serviceNotAvailable", "Service is temporarily unavailable. Please try again later."),
                  },
                  write: false,
              };
    }

    /** Exchange admin API: Exchange Online audience, the token's tenant must be the path's tenant. */
    async function exchange(req: EmuRequest, tenantRef: string): Promise<Dispatched> {
        const injected = await injectFaults(req);
        if (injected) {
            return injected;
        }
        let appId: string | undefined;
        try {
            if (req.method !== "POST") {
                throw new GraphHttpError(405, "MethodNotAllowed", `The requested resource does not support http method '${req.method}'.`);
            }
            const claims = identity.verify(headerValue(req.headers.authorization), "exchange");
            appId = claims.appid;
            const tenant = store.tenant(claims.tid)!;
            if (tenant.tenantId !== tenantRef.toLowerCase() && !tenant.domains?.includes(tenantRef.toLowerCase())) {
                throw new GraphHttpError(
                    401,
                    "Unauthorized",
                    `The token's tenant ${claims.tid} does not match the tenant in the request path '${tenantRef}'.`,
                );
            }
            const response = handleInvokeCommand({ req, params: [tenantRef], claims, tenant, store, origin });
            return { response, appId, write: /^(Set|New|Remove|Enable|Disable)-/i.test(cmdletName(req)) };
        } catch (err) {
            if (err instanceof GraphHttpError) {
                return {
                    response: { status: err.status, headers: err.headers, body: graphErrorBody(req, err.code, err.message) },
                    appId,
                    write: false,
                };
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
        } else if (hasRandomFaults(f)) {
            // One draw per request from the seeded generator: the same seed replays the same faults.
            kind = faultFor(f, emulator.random());
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
                    response: {
                        status: 503,
                        body: graphErrorBody(req, "serviceNotAvailable", "Service is temporarily unavailable. Please try again later."),
                    },
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
            setFaults(JSON.parse(req.body.toString("utf8") || "{}"));
            return { status: 200, body: emulator.faults };
        }
        if (req.path === "/_emulator/requests" && req.method === "GET") {
            return { status: 200, body: { value: requests } };
        }
        const tenantParam = req.url.searchParams.get("tenant") ?? api.defaultTenant().tenantId;
        if (req.path === "/_emulator/seed" && req.method === "POST") {
            const { users = 25, seed = 1 } = JSON.parse(req.body.toString("utf8") || "{}");
            store.seedTenant(tenantParam, users, seed);
            return { status: 200, body: { users: store.directory(tenantParam).userCount } };
        }
        const reg = /^\/_emulator\/users\/([^/]+)\/methods$/.exec(req.path);
        if (reg && req.method === "POST") {
            // The user registers an MFA method (as at an interrupted sign-in): enabled becomes enforced.
            const { method = "microsoftAuthenticatorPush" } = JSON.parse(req.body.toString("utf8") || "{}");
            const d = store.directory(tenantParam);
            const u = d.user(reg[1]);
            if (!u) {
                return { status: 404, body: { error: { code: "NotFound", message: `no user ${reg[1]}` } } };
            }
            d.updateUser(u.id, {
                methods: [...new Set([...u.methods, method])],
                ...(u.perUserMfaState === "enabled" ? { perUserMfaState: "enforced" as const } : {}),
            });
            return { status: 200, body: d.user(u.id) };
        }
        return { status: 404, body: { error: { code: "NotFound", message: `no admin endpoint ${req.method} ${req.path}` } } };
    }

    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
    });
    const address = server.address() as AddressInfo;
    origin = `https://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
    identity.setOrigin(origin);

    const api: RunningEmulator = {
        origin,
        caCertPath: pki.caCertPath,
        store,
        requests,
        throttle,
        get faults() {
            return emulator.faults;
        },
        set faults(f: Faults) {
            setFaults(f);
        },
        defaultTenant: () => store.tenant(store.tenantIds()[0])!,
        directory: (tenantId) => store.directory(tenantId ?? api.defaultTenant().tenantId),
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
        azureadEnv(appName = APPS.provider, tenantId, credentials = "secret") {
            const tenant = tenantId ? store.tenant(tenantId)! : api.defaultTenant();
            const app = api.app(appName, tenant.tenantId);
            return {
                ARM_METADATA_HOSTNAME: new URL(origin).host,
                ARM_TENANT_ID: tenant.tenantId,
                ARM_CLIENT_ID: app.appId,
                ...(credentials === "github-oidc" ? { ARM_USE_OIDC: "true", ...api.ciRequestEnv() } : { ARM_CLIENT_SECRET: app.secret }),
                SSL_CERT_FILE: pki.caBundlePath,
            };
        },
        ciRequestEnv: () => ({
            ACTIONS_ID_TOKEN_REQUEST_URL: `${origin}${Identity.CI_TOKEN_PATH}?api-version=2.0`,
            ACTIONS_ID_TOKEN_REQUEST_TOKEN: identity.ciRequestToken,
        }),
        ciToken: (opts) => identity.mintCiToken(opts),
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

/**
 * Who made a change, for the audit log: the token's app (directoryaudit-list.md: initiatedBy has
 * `app` or `user`; an app-only token has no user), by its app id, display name and service principal.
 */
function initiator(tenant: TenantState, appId: string) {
    const app = tenant.apps.find((a) => a.appId === appId);
    return {
        app: { appId, displayName: app?.displayName ?? appId, servicePrincipalId: app?.objectId ?? appId, servicePrincipalName: null },
        user: null,
    };
}

/**
 * A $batch item's headers as Graph returns them (json-batching.md's response example: each item has
 * "Cache-Control": "no-cache", its x-ms-resource-unit where the service reports one, and the Content-Type
 * of its body: the OData JSON type with "OData-Version": "4.0" on an OData answer, "application/json" on
 * an error).
 */
function itemHeaders(out: EmuResponse): Record<string, string> {
    const headers: Record<string, string> = { "Cache-Control": "no-cache", ...(out.headers ?? {}) };
    if (out.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
        const error = out.status >= 400 && typeof out.body === "object" && out.body !== null && "error" in out.body;
        if (typeof out.body === "string") {
            headers["Content-Type"] = "text/plain";
        } else if (error) {
            headers["Content-Type"] = "application/json";
        } else {
            headers["OData-Version"] = "4.0";
            headers["Content-Type"] = JSON_ODATA;
        }
    }
    return headers;
}

/**
 * A route's pattern, matched case-insensitively: Graph's path segments are (group-list-transitivemembers.md
 * itself writes /transitivemembers/ in its example 3 request).
 */
const matchers = new Map<Route, RegExp>();
function matcher(route: Route): RegExp {
    let m = matchers.get(route);
    if (!m) {
        m = route.pattern.flags.includes("i") ? route.pattern : new RegExp(route.pattern.source, `${route.pattern.flags}i`);
        matchers.set(route, m);
    }
    return m;
}

/**
 * Paths Graph serves that the emulator does not: answered 400 "not modelled by the emulator" instead of
 * the "Resource not found for the segment" of a path Graph does not have, so a test never mistakes one
 * for the other. Each names the page that documents the route.
 */
const UNMODELLED_ROUTES: readonly { pattern: RegExp; what: string; source: string; versions?: readonly string[] }[] = [
    {
        pattern: /^\/groups\/[^/]+\/transitiveMembers\/microsoft\.graph\.(?!user$)\w+$/i,
        what: "an OData cast of transitiveMembers to a type other than microsoft.graph.user",
        source: "docs-contrib api-reference/v1.0/api/group-list-transitivemembers.md, example 3",
    },
    {
        pattern: /^\/groups\/[^/]+\/members(\/.*)?$/i,
        what: "a group's direct members",
        source: "docs-contrib api-reference/v1.0/api/group-list-members.md",
    },
    {
        pattern: /^\/users\/[^/]+\/authentication\/signInPreferences$/i,
        what: "a user's sign-in preferences (system-preferred MFA)",
        source: "docs-contrib api-reference/beta/api/authentication-get.md and authentication-update.md, example 1",
        versions: ["beta"],
    },
    {
        pattern: /^\/users\/[^/]+\/(memberOf|transitiveMemberOf)(\/.*)?$/i,
        what: "a user's group memberships",
        source: "docs-contrib api-reference/v1.0/api/user-list-memberof.md",
    },
];

/** The methods json-batching.md calls write requests (each needs a body and a Content-Type). */
const WRITE_METHODS = new Set(["POST", "PATCH", "PUT"]);

function lowerKeys(h: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function cmdletName(req: EmuRequest): string {
    try {
        return String(JSON.parse(req.body.toString("utf8"))?.CmdletInput?.CmdletName ?? "");
    } catch {
        return "";
    }
}

function logEntry(
    req: EmuRequest,
    status: number | "dropped",
    appId: string | undefined,
    write: boolean,
    withBody = false,
): RequestLogEntry {
    const headers: Record<string, string> = {};
    for (const h of LOGGED_HEADERS) {
        const v = headerValue(req.headers[h]);
        if (v !== undefined) headers[h] = v;
    }
    const outer = req.raw?.headers ?? {};
    const sentBody = withBody && req.body.length ? sentBodyOf(req) : undefined;
    return {
        at: new Date().toISOString(),
        method: req.method,
        path: req.path,
        status,
        appId,
        write,
        query: req.url.search,
        headers,
        sender: { sdkVersion: headerValue(outer["sdkversion"]), userAgent: headerValue(outer["user-agent"]) },
        ...(sentBody !== undefined ? { sentBody } : {}),
    };
}

/** A request's JSON body for the log; of a token request only grant_type and scope, never a secret. */
function sentBodyOf(req: EmuRequest): unknown {
    if (/\/oauth2\/v2\.0\/token$/.test(req.path)) {
        const form = new URLSearchParams(req.body.toString("utf8"));
        return { grant_type: form.get("grant_type"), scope: form.get("scope") };
    }
    if (req.path.startsWith("/_")) {
        return undefined;
    }
    try {
        return JSON.parse(req.body.toString("utf8"));
    } catch {
        return "(not JSON)";
    }
}

/** Request headers the fidelity rules name (advanced queries, bodies, Exchange's routing and paging). */
const LOGGED_HEADERS = ["consistencylevel", "content-type", "prefer", "x-anchormailbox", "accept"];
