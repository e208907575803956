// From @azure/core-auth, where they are declared (@azure/identity re-exports them): this file's declarations
// are public, and @azure/identity's load @azure/msal-node's, which fail a consumer's tsc under node16
// resolution without skipLibCheck (its .d.cts imports an ES module).
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import type { ConnectionSettings } from "./connection";
import { TenantApiError, redact } from "./errors";
import { RetryPolicy, isDroppedConnection } from "./retry";

/**
 * Builds the credential for a connection:
 * - a client secret (stack config `m365-mfa:clientSecret` or AZURE_CLIENT_SECRET): ClientSecretCredential;
 * - AZURE_FEDERATED_TOKEN_FILE (GitHub Actions / Kubernetes workload identity federation):
 *   WorkloadIdentityCredential, no secret anywhere;
 * - otherwise DefaultAzureCredential (managed identity, Azure CLI, ...).
 * For an authority Microsoft's instance discovery does not know (the emulator, a proxy), discovery is
 * switched off and MSAL reads the authority's OpenID configuration directly.
 */
export function createCredential(conn: ConnectionSettings): TokenCredential {
    // Loaded lazily: @azure/identity is large and the dynamic-provider shim must stay small.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const identity: typeof import("@azure/identity") = require("@azure/identity");
    const common = {
        authorityHost: conn.cloud.authorityHost,
        disableInstanceDiscovery: !conn.cloud.knownAuthority,
    };
    if (conn.clientSecret) {
        if (!conn.clientId) {
            throw new Error("a client secret is configured but no client id: set m365-mfa:clientId or AZURE_CLIENT_ID");
        }
        return new identity.ClientSecretCredential(conn.tenantId, conn.clientId, conn.clientSecret, common);
    }
    if (conn.federatedTokenFile && conn.clientId) {
        return new identity.WorkloadIdentityCredential({
            ...common,
            tenantId: conn.tenantId,
            clientId: conn.clientId,
            tokenFilePath: conn.federatedTokenFile,
        });
    }
    return new identity.DefaultAzureCredential({
        ...common,
        tenantId: conn.tenantId,
        managedIdentityClientId: conn.clientId,
    } as any);
}

/**
 * A token source for one audience, with a way to start over when a token is refused as expired
 * before its stated lifetime (clock skew, revoked sessions, an emulator fault).
 */
export class TokenSource {
    private credential: TokenCredential;

    private readonly policy: RetryPolicy;

    constructor(
        private readonly conn: ConnectionSettings,
        readonly resource: string,
        policy?: RetryPolicy,
    ) {
        this.credential = createCredential(conn);
        this.policy = policy ?? RetryPolicy.fromSettings(undefined);
    }

    get scope(): string {
        return `${this.resource}/.default`;
    }

    /**
     * A token for the resource. The token endpoint follows the client layer's retry policy: a
     * throttled or unavailable authority (429, 5xx, AADSTS temporarily unavailable) or a dropped
     * connection is retried within the budget; a refused credential (a wrong secret, an unknown app
     * or tenant) is final at once.
     */
    async getToken(): Promise<AccessToken> {
        return this.policy.run(
            `signing in for ${this.resource}`,
            async () => {
                const token = await this.credential.getToken(this.scope);
                if (!token) {
                    throw new Error("the credential returned no token");
                }
                return token;
            },
            (err) => this.classify(err),
            // Retryable failures are classified 503 (throttled, unavailable or dropped); anything else is final.
            { idempotent: false },
        );
    }

    private classify(err: unknown): { error: TenantApiError; retryAfterMs?: number } {
        if (err instanceof TenantApiError) {
            return { error: err };
        }
        let message = redact(err instanceof Error ? err.message : String(err), [this.conn.clientSecret]);
        if (/endpoints_resolution_error/.test(message)) {
            // MSAL could not read the tenant's OpenID configuration: Entra answers that for unknown tenants.
            message =
                `the authority ${this.conn.cloud.authorityHost} has no tenant "${this.conn.tenantId}" ` +
                `(its OpenID configuration could not be read): check m365-mfa:tenantId / AZURE_TENANT_ID and the cloud`;
        }
        const status = tokenEndpointStatus(err, message);
        return {
            error: new TenantApiError(
                "Entra ID sign-in",
                "POST",
                `${this.conn.cloud.authorityHost}/${this.conn.tenantId}/oauth2/v2.0/token`,
                status,
                undefined,
                `could not get a token for ${this.resource} as app ${this.conn.clientId ?? "(credential chain)"}: ${firstLine(message)}`,
            ),
        };
    }

    /** Drops cached tokens: the next getToken asks the authority again. */
    reset(): void {
        this.credential = createCredential(this.conn);
    }

    /** The application permissions (`roles`) of the current token, or undefined for a delegated token. */
    async grantedRoles(): Promise<string[] | undefined> {
        const claims = decodeJwtPayload((await this.getToken()).token);
        if (!claims || !Array.isArray(claims.roles)) {
            return claims && typeof claims.scp === "string" ? undefined : [];
        }
        return claims.roles.map(String);
    }
}

/**
 * What the token endpoint's failure amounts to for the retry policy: 503 (retry) for a throttled or
 * unavailable authority (HTTP 429/5xx, AADSTS temporarily_unavailable / 90033 / 50196...) or a dropped
 * connection (asking for a token is safe to repeat), undefined (final: "failed") for everything else,
 * e.g. a refused secret.
 */
export function tokenEndpointStatus(err: unknown, message: string): number | undefined {
    const e = err as any;
    const status = typeof e?.statusCode === "number" ? e.statusCode : typeof e?.status === "number" ? e.status : undefined;
    if (status === 429 || status === 503 || status === 504 || (status !== undefined && status >= 500)) {
        return 503;
    }
    if (
        new RegExp(
            String.raw`temporarily_unavailable|server_error|AADSTS(90033|50196|50087|90006)\b|\b(429|503|504)\b|Too Many ` +
                "Requests|Service Unavailable",
            "i",
        ).test(message)
    ) {
        return 503;
    }
    if (isDroppedConnection(err) || /ECONNRESET|socket hang up|EPIPE|ETIMEDOUT|network_error|other side closed/i.test(message)) {
        return 503;
    }
    return undefined;
}

function firstLine(s: string): string {
    // Entra's own sentence (AADSTS code and description) without MSAL's trace and correlation ids.
    const aadsts = /AADSTS\d+:.*?(?= Trace ID:|\r|\n|$)/.exec(s);
    if (aadsts) {
        return aadsts[0];
    }
    return s
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(0, 2)
        .join(" ");
}

/** Reads a JWT's claims without verifying it (the service verifies it; we only read our own roles). */
export function decodeJwtPayload(token: string): Record<string, any> | undefined {
    const parts = token.split(".");
    if (parts.length < 2) {
        return undefined;
    }
    try {
        return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    } catch {
        return undefined;
    }
}
