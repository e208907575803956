import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { adminEndpoint } from "./admin";
import { batchExecutor } from "./batch";
import type { Directory } from "./directory";
import { exchangeEndpoint, exchangeTenantRef } from "./exchange/endpoint";
import { FaultInjector, type Faults } from "./faults";
import { graphCall } from "./graph/call";
import { type Dispatched, type EmuRequest, graphErrorBody, readRequest, writeResponse } from "./http";
import { Identity } from "./identity";
import { loadOrCreatePki } from "./pki";
import { RequestLog, type RequestLogEntry } from "./requestLog";
import { APPS, type AppRegistration, Store, type TenantState } from "./store";
import { Throttle, type ThrottleOptions } from "./throttle";

export type { Faults } from "./faults";
export { GRAPH_ROUTES } from "./graph/call";
export type { RequestLogEntry } from "./requestLog";

/**
 * The local tenant emulator: Entra ID sign-in, Microsoft Graph and the Exchange Online admin
 * endpoint on one HTTPS origin on loopback, with its state in a directory. This module is the HTTPS
 * server and the dispatcher; the Graph call is ./graph/call.ts, JSON batching ./batch.ts, fault
 * injection ./faults.ts, the Exchange admin API ./exchange/endpoint.ts, the admin endpoint ./admin.ts,
 * the request log ./requestLog.ts.
 */
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

/**
 * What a process does with every emulator it starts, whoever starts it (a suite, the harness, the
 * command line): `options` may add options before it starts, `started` sees it running (and may wrap
 * its stop). The product's client conformance check records each emulator's requests this way.
 */
export interface StartHook {
    options?(options: EmulatorOptions): EmulatorOptions;
    started?(emu: RunningEmulator, options: EmulatorOptions): void;
}

const startHooks: StartHook[] = [];

/** Adds a hook for every emulator started from now on in this process; returns its removal. */
export function addStartHook(hook: StartHook): () => void {
    startHooks.push(hook);
    return () => {
        const i = startHooks.indexOf(hook);
        if (i >= 0) startHooks.splice(i, 1);
    };
}

export async function startEmulator(given: EmulatorOptions): Promise<RunningEmulator> {
    const options = startHooks.reduce((o, h) => h.options?.(o) ?? o, given);
    const pki = loadOrCreatePki(path.join(options.stateDir, "pki"));
    const store = new Store(options.stateDir);
    const log = new RequestLog(options.maxLogEntries ?? 100_000, options.recordSentBodies);
    const throttle = new Throttle(options.throttling ?? { enabled: true });
    const faults = new FaultInjector({ ...(options.faults ?? {}) });
    const identity = new Identity(store, pki, {
        tokenLifetimeSeconds: () => faults.faults.tokenLifetimeSeconds ?? 3599,
        tokenExpiresEarlySeconds: (app) => {
            const f = faults.faults;
            return f.tokenExpiresEarlyApps &&
                !f.tokenExpiresEarlyApps.includes(app.displayName) &&
                !f.tokenExpiresEarlyApps.includes(app.appId)
                ? undefined
                : f.tokenExpiresEarlySeconds;
        },
    });
    let origin = "";
    const graph = graphCall({ identity, store, throttle, origin: () => origin });
    const batch = batchExecutor({ identity, faults, graph, log, recordBodies: options.recordBodies });
    const exchange = exchangeEndpoint({ identity, store, faults, origin: () => origin });
    const admin = adminEndpoint({ store, faults, log, defaultTenantId: () => api.defaultTenant().tenantId });

    const server = https.createServer({ cert: pki.serverCert, key: pki.serverKey }, async (raw, res) => {
        const received = performance.now();
        const elapsed = () => Math.round((performance.now() - received) * 10) / 10;
        let req: EmuRequest | undefined;
        try {
            req = await readRequest(raw);
            const out = await dispatch(req);
            if (out === "drop") {
                const dropped = log.entry(req, "dropped", undefined, false);
                dropped.ms = elapsed();
                log.add(dropped);
                raw.socket.destroy();
                return;
            }
            writeResponse(res, req, out.response);
            const entry = log.entry(req, out.response.status, out.appId, out.write);
            entry.ms = elapsed();
            if (options.recordBodies && out.entity) {
                entry.version = out.version;
                entry.entity = out.entity;
                entry.requestBody = req.body.length ? JSON.parse(req.body.toString("utf8")) : undefined;
                entry.responseBody = out.response.body;
            }
            log.add(entry);
        } catch (err) {
            if (req) {
                writeResponse(res, req, { status: 500, body: graphErrorBody(req, "InternalServerError", String(err)) });
            } else {
                res.destroy();
            }
        }
    });

    /** Admin endpoint, token endpoint faults, sign-in, Exchange, then Graph (faults first, then $batch or one call). */
    async function dispatch(req: EmuRequest): Promise<Dispatched> {
        if (req.path.startsWith("/_emulator/")) {
            return { response: admin(req), write: false };
        }
        const tokenFault = faults.tokenRequest(req);
        if (tokenFault) {
            return tokenFault;
        }
        const idp = identity.handle(req, origin);
        if (idp) {
            return { response: idp, write: false };
        }
        const exo = exchangeTenantRef(req.path);
        if (exo !== undefined) {
            return exchange(req, exo);
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
        const injected = await faults.request(req);
        if (injected) {
            return injected;
        }
        if (rest === "/$batch" && req.method === "POST") {
            return batch(req, version);
        }
        return graph(req, version, rest);
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
        requests: log.entries,
        throttle,
        get faults() {
            return faults.faults;
        },
        set faults(f: Faults) {
            faults.faults = f;
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
    for (const h of startHooks) h.started?.(api, options);
    return api;
}
