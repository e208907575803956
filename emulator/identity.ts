import * as crypto from "crypto";
import { EmuRequest, EmuResponse, GraphHttpError, headerValue } from "./http";
import type { Pki } from "./pki";
import type { AppRegistration, Store, TenantState } from "./store";

/**
 * Entra ID's v2.0 endpoints as @azure/identity and MSAL call them with instance discovery off:
 * the tenant's OpenID configuration, its signing keys, and the token endpoint (client credentials,
 * with a client secret). Tokens are RS256 JWTs with Entra's claims for app-only tokens; `roles`
 * holds the application permissions granted to the app for the token's audience.
 */
export const RESOURCES = {
    graph: { audiences: ["https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"], canonical: "https://graph.microsoft.com" },
    exchange: { audiences: ["https://outlook.office365.com", "00000002-0000-0ff1-ce00-000000000000"], canonical: "https://outlook.office365.com" },
} as const;

export type ResourceName = keyof typeof RESOURCES;

export interface TokenClaims {
    aud: string;
    iss: string;
    tid: string;
    appid: string;
    oid: string;
    roles?: string[];
    exp: number;
    nbf: number;
    iat: number;
    [k: string]: unknown;
}

export interface IdentityOptions {
    /** Lifetime of issued tokens, in seconds (Entra issues 60-90 minutes; shorter to test expiry). */
    tokenLifetimeSeconds: () => number;
    /** When set, the token's exp claim is this close although expires_in says tokenLifetimeSeconds. */
    tokenExpiresEarlySeconds: () => number | undefined;
}

export class Identity {
    constructor(
        private readonly store: Store,
        private readonly pki: Pki,
        private readonly options: IdentityOptions,
    ) {}

    /** Routes under /{tenant}/..., or undefined when the path is not an identity path. */
    handle(req: EmuRequest, origin: string): EmuResponse | undefined {
        const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys|oauth2\/v2\.0\/token)$/.exec(req.path);
        if (!m) {
            return undefined;
        }
        const [, tenantRef, what] = m;
        const tenant = this.store.tenant(tenantRef);
        if (!tenant) {
            return aadError(400, "invalid_request", 90002, `Tenant '${tenantRef}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
        }
        const base = `${origin}/${tenant.tenantId}`;
        if (what.startsWith("v2.0")) {
            return {
                status: 200,
                headers: { "Content-Type": "application/json; charset=utf-8" },
                body: {
                    token_endpoint: `${base}/oauth2/v2.0/token`,
                    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                    jwks_uri: `${base}/discovery/v2.0/keys`,
                    response_modes_supported: ["query", "fragment", "form_post"],
                    subject_types_supported: ["pairwise"],
                    id_token_signing_alg_values_supported: ["RS256"],
                    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
                    scopes_supported: ["openid", "profile", "email", "offline_access"],
                    issuer: `${base}/v2.0`,
                    request_uri_parameter_supported: false,
                    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
                    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
                    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
                    tenant_region_scope: "EU",
                    cloud_instance_name: "emulator.local",
                },
            };
        }
        if (what.startsWith("discovery")) {
            const jwk = this.pki.tokenPublicKey.export({ format: "jwk" }) as Record<string, string>;
            return { status: 200, headers: { "Content-Type": "application/json; charset=utf-8" }, body: { keys: [{ kty: "RSA", use: "sig", kid: this.pki.tokenKeyId, n: jwk.n, e: jwk.e }] } };
        }
        if (req.method !== "POST") {
            return aadError(405, "invalid_request", 900561, "The endpoint only accepts POST requests.");
        }
        return this.token(tenant, new URLSearchParams(req.body.toString("utf8")), req);
    }

    private token(tenant: TenantState, form: URLSearchParams, req: EmuRequest): EmuResponse {
        if (form.get("grant_type") !== "client_credentials") {
            return aadError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${form.get("grant_type") ?? ""}'.`);
        }
        let clientId = form.get("client_id") ?? "";
        let secret = form.get("client_secret");
        const basic = headerValue(req.headers.authorization);
        if (basic?.startsWith("Basic ")) {
            const [id, pw] = Buffer.from(basic.slice(6), "base64").toString("utf8").split(":");
            clientId = decodeURIComponent(id);
            secret = decodeURIComponent(pw ?? "");
        }
        const app = tenant.apps.find((a) => a.appId === clientId);
        if (!app) {
            return aadError(400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
        }
        if (!secret) {
            return aadError(401, "invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
        }
        if (!timingSafeEqual(secret, app.secret)) {
            return aadError(401, "invalid_client", 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.appId}'.`);
        }
        const scope = (form.get("scope") ?? "").trim();
        const resourceId = scope.replace(/\/\.default$/, "");
        if (!scope.endsWith("/.default") || scope.includes(" ")) {
            return aadError(400, "invalid_scope", 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
        }
        const resource = (Object.keys(RESOURCES) as ResourceName[]).find((r) => (RESOURCES[r].audiences as readonly string[]).includes(resourceId));
        if (!resource) {
            return aadError(400, "invalid_resource", 500011, `The resource principal named ${resourceId} was not found in the tenant named ${tenant.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
        }
        const lifetime = this.options.tokenLifetimeSeconds();
        return {
            status: 200,
            headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store, no-cache" },
            body: {
                token_type: "Bearer",
                expires_in: lifetime,
                ext_expires_in: lifetime,
                access_token: this.sign(tenant, app, resource, this.options.tokenExpiresEarlySeconds() ?? lifetime),
            },
        };
    }

    private sign(tenant: TenantState, app: AppRegistration, resource: ResourceName, lifetime: number): string {
        const now = Math.floor(Date.now() / 1000);
        const roles = resource === "graph" ? app.graphRoles : app.exchangeRoles;
        const claims: TokenClaims = {
            aud: RESOURCES[resource].canonical,
            iss: `https://sts.windows.net/${tenant.tenantId}/`,
            iat: now,
            nbf: now,
            exp: now + lifetime,
            app_displayname: app.displayName,
            appid: app.appId,
            appidacr: "1",
            idp: `https://sts.windows.net/${tenant.tenantId}/`,
            idtyp: "app",
            oid: app.objectId,
            sub: app.objectId,
            tid: tenant.tenantId,
            uti: crypto.randomBytes(16).toString("base64url"),
            ver: "1.0",
            ...(roles.length ? { roles: [...roles] } : {}),
        };
        const header = { typ: "JWT", alg: "RS256", kid: this.pki.tokenKeyId, x5t: this.pki.tokenKeyId };
        const input = `${b64(header)}.${b64(claims)}`;
        const signature = crypto.sign("sha256", Buffer.from(input), this.pki.tokenSigningKey).toString("base64url");
        return `${input}.${signature}`;
    }

    /**
     * Checks a bearer token as Graph and Exchange do: present, signed by this authority, within its
     * lifetime, for this audience. Answers 401 with Graph's codes and messages otherwise.
     */
    verify(authorization: string | undefined, resource: ResourceName): TokenClaims {
        if (!authorization || !/^Bearer\s+\S/i.test(authorization)) {
            throw new GraphHttpError(401, "InvalidAuthenticationToken", "Access token is empty.", { "WWW-Authenticate": 'Bearer realm="", error="invalid_token"' });
        }
        const token = authorization.replace(/^Bearer\s+/i, "").trim();
        const parts = token.split(".");
        const invalid = (why: string) => new GraphHttpError(401, "InvalidAuthenticationToken", why, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
        if (parts.length !== 3) {
            throw invalid("IDX14100: JWT is not well formed, there are no dots (.).");
        }
        const ok = crypto.verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), this.pki.tokenPublicKey, Buffer.from(parts[2], "base64url"));
        if (!ok) {
            throw invalid("Access token validation failure. Invalid signature.");
        }
        const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as TokenClaims;
        const now = Math.floor(Date.now() / 1000);
        if (claims.exp <= now) {
            throw invalid("Lifetime validation failed, the token is expired.");
        }
        if (claims.nbf > now + 300) {
            throw invalid("Lifetime validation failed, the token is not yet valid.");
        }
        if (!(RESOURCES[resource].audiences as readonly string[]).includes(claims.aud)) {
            throw invalid("Access token validation failure. Invalid audience.");
        }
        if (!this.store.tenant(claims.tid)) {
            throw invalid("Access token validation failure. Invalid issuer.");
        }
        const app = this.store.tenant(claims.tid)!.apps.find((a) => a.appId === claims.appid);
        if (!app) {
            throw invalid("Access token validation failure. The application no longer exists in the tenant.");
        }
        return claims;
    }
}

/** Checks that a token carries one of the permissions; Graph's 403 otherwise. */
export function requireRole(claims: TokenClaims, anyOf: readonly string[]): void {
    const roles = claims.roles ?? [];
    if (!anyOf.some((r) => roles.includes(r))) {
        throw new GraphHttpError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    }
}

function aadError(status: number, error: string, code: number, description: string): EmuResponse {
    const traceId = crypto.randomUUID();
    const correlationId = crypto.randomUUID();
    const timestamp = new Date().toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
    return {
        status,
        headers: { "Content-Type": "application/json; charset=utf-8" },
        body: {
            error,
            error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
            error_codes: [code],
            timestamp,
            trace_id: traceId,
            correlation_id: correlationId,
            error_uri: `https://login.microsoftonline.com/error?code=${code}`,
        },
    };
}

function b64(obj: unknown): string {
    return Buffer.from(JSON.stringify(obj)).toString("base64url");
}

function timingSafeEqual(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && crypto.timingSafeEqual(x, y);
}
