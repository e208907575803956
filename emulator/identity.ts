import * as crypto from "node:crypto";
import { type EmuRequest, type EmuResponse, GraphHttpError, headerValue } from "./http";
import type { Pki } from "./pki";
import { type AppRegistration, CI_OIDC, type Store, type TenantState } from "./store";

/**
 * Entra ID's v2.0 endpoints as @azure/identity and MSAL call them with instance discovery off:
 * the tenant's OpenID configuration, its signing keys, and the token endpoint (client credentials,
 * with a client secret or a federated client assertion). Tokens are RS256 JWTs with Entra's claims
 * for app-only tokens; `roles` holds the application permissions granted to the app for the token's
 * audience.
 *
 * The emulator also plays the CI system's OpenID Connect issuer (GitHub Actions': `CI_OIDC.issuer`),
 * whose tokens an app with a matching federated identity credential exchanges for an access token
 * (workload identity federation). Real Entra fetches the issuer's keys from its discovery document;
 * here the issuer's key is the emulator's own, so no call leaves the machine.
 */
export const RESOURCES = {
    graph: { audiences: ["https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"], canonical: "https://graph.microsoft.com" },
    exchange: {
        audiences: ["https://outlook.office365.com", "00000002-0000-0ff1-ce00-000000000000"],
        canonical: "https://outlook.office365.com",
    },
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
    /** When set for this app, the token's exp claim is this close although expires_in says tokenLifetimeSeconds. */
    tokenExpiresEarlySeconds: (app: AppRegistration) => number | undefined;
}

export class Identity {
    /** The CI issuer's signing key (in memory: CI tokens live minutes, as GitHub's do). */
    private readonly ciKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    private readonly ciKeyId = crypto.randomBytes(12).toString("base64url");

    constructor(
        private readonly store: Store,
        private readonly pki: Pki,
        private readonly options: IdentityOptions,
    ) {}

    /**
     * A token from the CI issuer, as GitHub Actions hands a job (`ACTIONS_ID_TOKEN_REQUEST_URL`):
     * RS256, iss/sub/aud/exp/nbf/iat. `signWithOtherKey` makes one whose signature the issuer's keys
     * do not verify (a forged token).
     */
    mintCiToken(
        opts: { subject?: string; audience?: string; issuer?: string; lifetimeSeconds?: number; signWithOtherKey?: boolean } = {},
    ): string {
        const now = Math.floor(Date.now() / 1000);
        const lifetime = opts.lifetimeSeconds ?? 300;
        const claims = {
            iss: opts.issuer ?? CI_OIDC.issuer,
            sub: opts.subject ?? CI_OIDC.subject,
            aud: opts.audience ?? CI_OIDC.audience,
            iat: Math.min(now, now + lifetime),
            nbf: Math.min(now, now + lifetime) - 5,
            exp: now + lifetime,
            jti: crypto.randomUUID(),
        };
        const header = { typ: "JWT", alg: "RS256", kid: this.ciKeyId };
        const input = `${b64(header)}.${b64(claims)}`;
        const key = opts.signWithOtherKey ? crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey : this.ciKey.privateKey;
        return `${input}.${crypto.sign("sha256", Buffer.from(input), key).toString("base64url")}`;
    }

    /**
     * This cloud's own Microsoft Graph resource identifier: the emulator's origin. In a custom cloud
     * the metadata document names Graph's resource id, and clients that read it (go-azure-sdk, and so
     * the azuread provider) ask for `<that id>/.default` and call Graph at that same address
     * (go-azure-sdk environments/helpers.go MicrosoftGraphAPI: "endpoint and resource ID are the same").
     */
    private origin = "";

    setOrigin(origin: string): void {
        this.origin = origin;
    }

    /** The audiences a token for `resource` may carry in this cloud. */
    private audiences(resource: ResourceName): readonly string[] {
        return resource === "graph" && this.origin ? [...RESOURCES.graph.audiences, this.origin] : RESOURCES[resource].audiences;
    }

    /** What a CI job is given to ask its OIDC provider for a token (GitHub: ACTIONS_ID_TOKEN_REQUEST_TOKEN). */
    readonly ciRequestToken = crypto.randomBytes(24).toString("base64url");
    static readonly CI_TOKEN_PATH = "/_ci/github/idtoken";

    /** Routes under /{tenant}/..., the cloud metadata document and the CI's token endpoint, or undefined for any other path. */
    handle(req: EmuRequest, origin: string): EmuResponse | undefined {
        if (req.path === "/metadata/endpoints") {
            return this.cloudMetadata(req, origin);
        }
        if (req.path === Identity.CI_TOKEN_PATH) {
            return this.ciTokenRequest(req);
        }
        const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys|oauth2\/v2\.0\/token)$/.exec(req.path);
        if (!m) {
            return undefined;
        }
        const [, tenantRef, what] = m;
        const tenant = this.store.tenant(tenantRef);
        if (!tenant) {
            return aadError(
                400,
                "invalid_request",
                90002,
                `Tenant '${tenantRef}' not found. Check to make sure you have the correct tenant ID and are signing into the ` +
                    "correct cloud.",
            );
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
            return {
                status: 200,
                headers: { "Content-Type": "application/json; charset=utf-8" },
                body: { keys: [{ kty: "RSA", use: "sig", kid: this.pki.tokenKeyId, n: jwk.n, e: jwk.e }] },
            };
        }
        if (req.method !== "POST") {
            return aadError(405, "invalid_request", 900561, "The endpoint only accepts POST requests.");
        }
        return this.token(tenant, new URLSearchParams(req.body.toString("utf8")), req);
    }

    /**
     * The cloud metadata document (Azure Resource Manager's `GET /metadata/endpoints`), which
     * Azure SDKs read to reach a custom cloud: azuread's `metadataHost` / `ARM_METADATA_HOSTNAME`
     * makes go-azure-sdk GET `https://<host>/metadata/endpoints?api-version=2022-09-01` and require
     * `name`, `resourceManager` and `microsoftGraphResourceId` (sdk internal/metadata/client.go,
     * environments/from_endpoint.go); login goes to `authentication.loginEndpoint`. Here every
     * endpoint is this origin. ARM answers an unknown or missing api-version with 400; so does this.
     */
    private cloudMetadata(req: EmuRequest, origin: string): EmuResponse {
        if (req.method !== "GET") {
            return {
                status: 405,
                body: {
                    error: { code: "MethodNotAllowed", message: `The requested resource does not support http method '${req.method}'.` },
                },
            };
        }
        const apiVersion = req.url.searchParams.get("api-version");
        if (!apiVersion || !["2022-09-01", "2020-06-01", "2019-05-01"].includes(apiVersion)) {
            return {
                status: 400,
                body: {
                    error: {
                        code: "InvalidApiVersionParameter",
                        message:
                            `The api-version '${apiVersion ?? ""}' is invalid. The supported versions are ` +
                            "'2022-09-01,2020-06-01,2019-05-01'.",
                    },
                },
            };
        }
        const base = `${origin}/`;
        return {
            status: 200,
            headers: { "Content-Type": "application/json; charset=utf-8" },
            body: {
                portal: base,
                // As ARM's own 2022-09-01 document has them (go-azure-sdk internal/metadata/client_test.go):
                // loginEndpoint without a trailing slash, microsoftGraphResourceId with one.
                authentication: { loginEndpoint: origin, audiences: [base], tenant: "common", identityProvider: "AAD" },
                media: base,
                graphAudience: base,
                graph: base,
                name: "M365MfaEmulator",
                suffixes: {},
                batch: base,
                resourceManager: base,
                vmImageAliasDoc: "",
                activeDirectoryDataLake: "",
                sqlManagement: base,
                microsoftGraphResourceId: base,
                appInsightsResourceId: "",
                appInsightsTelemetryChannelResourceId: "",
                attestationResourceId: "",
                synapseAnalyticsResourceId: "",
                logAnalyticsResourceId: "",
                ossrDbmsResourceId: "",
                gallery: base,
            },
        };
    }

    /**
     * GitHub Actions' token request endpoint as a job calls it (docs.github.com "Configuring OpenID
     * Connect in cloud providers": GET ACTIONS_ID_TOKEN_REQUEST_URL with `&audience=...` and
     * `Authorization: Bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN`, answered `{"count": n, "value": "<jwt>"}`);
     * go-azure-sdk's GitHubOIDCAuthorizer calls exactly that. A wrong request token gets 401.
     */
    private ciTokenRequest(req: EmuRequest): EmuResponse {
        const bearer = (headerValue(req.headers.authorization) ?? "").replace(/^Bearer\s+/i, "");
        if (req.method !== "GET" || !timingSafeEqual(bearer, this.ciRequestToken)) {
            return { status: 401, body: { message: "Bad credentials" } };
        }
        const audience = req.url.searchParams.get("audience") ?? undefined;
        const value = this.mintCiToken({ ...(audience ? { audience } : {}), lifetimeSeconds: 300 });
        return { status: 200, headers: { "Content-Type": "application/json; charset=utf-8" }, body: { count: value.length, value } };
    }

    private token(tenant: TenantState, form: URLSearchParams, req: EmuRequest): EmuResponse {
        if (form.get("grant_type") !== "client_credentials") {
            return aadError(
                400,
                "unsupported_grant_type",
                70003,
                `The app requested an unsupported grant type '${form.get("grant_type") ?? ""}'.`,
            );
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
            return aadError(
                400,
                "unauthorized_client",
                700016,
                `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can ` +
                    "happen if the application has not been installed by the administrator of the tenant or consented to by any " +
                    "user in the tenant.",
            );
        }
        const assertionType = form.get("client_assertion_type");
        const assertion = form.get("client_assertion");
        if (assertionType !== null || assertion !== null) {
            const refused = this.checkFederatedAssertion(app, assertionType, assertion);
            if (refused) {
                return refused;
            }
        } else if (!secret) {
            return aadError(
                401,
                "invalid_client",
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
            );
        }
        if (secret !== null && !timingSafeEqual(secret, app.secret)) {
            return aadError(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not " +
                    `the client secret ID, for a secret added to app '${app.appId}'.`,
            );
        }
        const scope = (form.get("scope") ?? "").trim();
        const resourceId = scope.replace(/\/\.default$/, "").replace(/\/+$/, "");
        if (!scope.endsWith("/.default") || scope.includes(" ")) {
            return aadError(
                400,
                "invalid_scope",
                1002012,
                `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with ` +
                    "/.default suffixed to the resource identifier (application ID URI).",
            );
        }
        const resource = (Object.keys(RESOURCES) as ResourceName[]).find((r) => this.audiences(r).includes(resourceId));
        if (!resource) {
            return aadError(
                400,
                "invalid_resource",
                500011,
                `The resource principal named ${resourceId} was not found in the tenant named ${tenant.displayName}. This ` +
                    "can happen if the application has not been installed by the administrator of the tenant or consented to by " +
                    "any user in the tenant.",
            );
        }
        const lifetime = this.options.tokenLifetimeSeconds();
        return {
            status: 200,
            headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store, no-cache" },
            body: {
                token_type: "Bearer",
                expires_in: lifetime,
                ext_expires_in: lifetime,
                access_token: this.sign(tenant, app, resource, this.options.tokenExpiresEarlySeconds(app) ?? lifetime, resourceId),
            },
        };
    }

    /**
     * Workload identity federation (learn.microsoft.com entra/workload-id/workload-identity-federation,
     * ...-create-trust; OAuth 2.0 client credentials with `client_assertion_type`
     * `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`, RFC 7523): the assertion must be a JWT
     * signed by its issuer, within its lifetime, and its iss, sub and aud must match one federated
     * identity credential of the app exactly (matching is case-sensitive, as the docs say). Errors are
     * Entra's: AADSTS70021 for no matching credential (its text as azure-workload-identity's
     * troubleshooting page quotes it), AADSTS700024 outside the validity window, AADSTS50013 for a
     * signature the issuer's keys do not verify. Only the emulator's CI issuer has keys Entra can reach
     * here: an assertion from any other issuer has no matching credential.
     */
    private checkFederatedAssertion(app: AppRegistration, type: string | null, assertion: string | null): EmuResponse | undefined {
        if (type !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
            return aadError(
                400,
                "invalid_request",
                90014,
                "The required field 'client_assertion_type' is missing from the credential or is not " +
                    "'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.",
            );
        }
        const parts = (assertion ?? "").split(".");
        let claims: Record<string, unknown>;
        let header: Record<string, unknown>;
        try {
            if (parts.length !== 3) {
                throw new Error("not a JWT");
            }
            header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
            claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
        } catch {
            return aadError(400, "invalid_request", 50027, "JWT token is invalid or malformed.");
        }
        const iss = String(claims.iss ?? "");
        const sub = String(claims.sub ?? "");
        const aud = Array.isArray(claims.aud) ? claims.aud.map(String) : [String(claims.aud ?? "")];
        const match = (app.federatedCredentials ?? []).find(
            (c) => c.issuer === iss && c.subject === sub && aud.some((a) => c.audiences.includes(a)),
        );
        if (!match) {
            return aadError(
                400,
                "invalid_request",
                70021,
                `No matching federated identity record found for presented assertion. Assertion Issuer: '${iss}'. Assertion ` +
                    `Subject: '${sub}'. Assertion Audience: '${aud.join(",")}'.`,
            );
        }
        const signed =
            iss === CI_OIDC.issuer &&
            header.alg === "RS256" &&
            crypto.verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), this.ciKey.publicKey, Buffer.from(parts[2], "base64url"));
        if (!signed) {
            return aadError(
                401,
                "invalid_client",
                50013,
                "Assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '']",
            );
        }
        const now = Math.floor(Date.now() / 1000);
        const exp = Number(claims.exp);
        const nbf = Number(claims.nbf ?? claims.iat ?? 0);
        if (!Number.isFinite(exp) || exp <= now || nbf > now + 300) {
            const at = (t: number) => (Number.isFinite(t) ? new Date(t * 1000).toISOString() : "(none)");
            return aadError(
                400,
                "invalid_client",
                700024,
                `Client assertion is not within its valid time range. Current time: ${at(now)}, assertion valid from ` +
                    `${at(nbf)}, expiry time of assertion ${at(exp)}.`,
            );
        }
        return undefined;
    }

    private sign(tenant: TenantState, app: AppRegistration, resource: ResourceName, lifetime: number, requested: string): string {
        const now = Math.floor(Date.now() / 1000);
        const roles = resource === "graph" ? app.graphRoles : app.exchangeRoles;
        const claims: TokenClaims = {
            // Entra's aud is the resource as the client named it: its URI, or its app id for a GUID.
            aud: requested === this.origin ? requested : RESOURCES[resource].canonical,
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
            throw new GraphHttpError(401, "InvalidAuthenticationToken", "Access token is empty.", {
                "WWW-Authenticate": 'Bearer realm="", error="invalid_token"',
            });
        }
        const token = authorization.replace(/^Bearer\s+/i, "").trim();
        const parts = token.split(".");
        const invalid = (why: string) =>
            new GraphHttpError(401, "InvalidAuthenticationToken", why, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
        if (parts.length !== 3) {
            throw invalid("IDX14100: JWT is not well formed, there are no dots (.).");
        }
        const ok = crypto.verify(
            "sha256",
            Buffer.from(`${parts[0]}.${parts[1]}`),
            this.pki.tokenPublicKey,
            Buffer.from(parts[2], "base64url"),
        );
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
        if (!this.audiences(resource).includes(claims.aud)) {
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
    const timestamp = new Date()
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d{3}Z$/, "Z");
    return {
        status,
        headers: { "Content-Type": "application/json; charset=utf-8" },
        body: {
            error,
            error_description:
                `AADSTS${code}: ${description} Trace ID: ${traceId} ` + `Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
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
