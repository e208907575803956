import type { AccessToken, TokenCredential } from "@azure/identity";
import { ConnectionSettings } from "./connection";
import { TenantApiError, redact } from "./errors";

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
            throw new Error(
                "a client secret is configured but no client id: set m365-mfa:clientId or AZURE_CLIENT_ID",
            );
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

    constructor(
        private readonly conn: ConnectionSettings,
        readonly resource: string,
    ) {
        this.credential = createCredential(conn);
    }

    get scope(): string {
        return `${this.resource}/.default`;
    }

    async getToken(): Promise<AccessToken> {
        try {
            const token = await this.credential.getToken(this.scope);
            if (!token) {
                throw new Error("the credential returned no token");
            }
            return token;
        } catch (err) {
            let message = redact(err instanceof Error ? err.message : String(err), [this.conn.clientSecret]);
            if (/endpoints_resolution_error/.test(message)) {
                // MSAL could not read the tenant's OpenID configuration: Entra answers that for unknown tenants.
                message =
                    `the authority ${this.conn.cloud.authorityHost} has no tenant "${this.conn.tenantId}" ` +
                    `(its OpenID configuration could not be read): check m365-mfa:tenantId / AZURE_TENANT_ID and the cloud`;
            }
            throw new TenantApiError(
                "Entra ID sign-in",
                "POST",
                `${this.conn.cloud.authorityHost}/${this.conn.tenantId}/oauth2/v2.0/token`,
                undefined,
                undefined,
                `could not get a token for ${this.resource} as app ${this.conn.clientId ?? "(credential chain)"}: ${firstLine(message)}`,
            );
        }
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

function firstLine(s: string): string {
    // Entra's own sentence (AADSTS code and description) without MSAL's trace and correlation ids.
    const aadsts = /AADSTS\d+:.*?(?= Trace ID:|\r|\n|$)/.exec(s);
    if (aadsts) {
        return aadsts[0];
    }
    return s.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(0, 2).join(" ");
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
