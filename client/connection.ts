import { type CloudEndpoints, resolveCloud } from "./clouds";

/**
 * How to reach one tenant: which tenant, which app registration, which cloud. Read at run time only
 * (from stack config handed to the provider's `configure`, or from the environment), never from
 * resource inputs, so that nothing of it reaches Pulumi state.
 */
export interface ConnectionSettings {
    readonly tenantId: string;
    readonly clientId?: string;
    /** Kept out of `toString`/JSON; see `describeConnection`. */
    readonly clientSecret?: string;
    readonly federatedTokenFile?: string;
    readonly cloud: CloudEndpoints;
}

/** Stack config keys, under the `m365-mfa` namespace, that the providers read. */
export const CONFIG_KEYS = {
    tenantId: "tenantId",
    clientId: "clientId",
    clientSecret: "clientSecret",
    cloud: "cloud",
    authorityHost: "authorityHost",
    graphEndpoint: "graphEndpoint",
    exchangeEndpoint: "exchangeEndpoint",
} as const;

export const CONFIG_NAMESPACE = "m365-mfa";

/** A key/value source: the dynamic provider's `ConfigureRequest.config`, or a plain map in tests. */
export interface ConfigSource {
    get(key: string): string | undefined;
}

export function mapConfigSource(values: Record<string, string | undefined>): ConfigSource {
    return { get: (key) => values[key] };
}

/** Stack config is consulted first, then the environment variables that @azure/identity documents. */
export function resolveConnection(config: ConfigSource = mapConfigSource({}), env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
    const pick = (key: keyof typeof CONFIG_KEYS, envName: string) => {
        const v = config.get(CONFIG_KEYS[key]) ?? env[envName];
        return v === undefined || v === "" ? undefined : v;
    };
    const tenantId = pick("tenantId", "AZURE_TENANT_ID");
    if (!tenantId) {
        throw new Error(
            `no tenant configured: set stack config "${CONFIG_NAMESPACE}:${CONFIG_KEYS.tenantId}" ` +
                `(pulumi config set ${CONFIG_NAMESPACE}:${CONFIG_KEYS.tenantId} <tenant id>) or the AZURE_TENANT_ID environment variable`,
        );
    }
    const cloud = resolveCloud(pick("cloud", "M365_MFA_CLOUD"), {
        authorityHost: pick("authorityHost", "AZURE_AUTHORITY_HOST"),
        graphEndpoint: pick("graphEndpoint", "M365_MFA_GRAPH_ENDPOINT"),
        exchangeEndpoint: pick("exchangeEndpoint", "M365_MFA_EXCHANGE_ENDPOINT"),
    });
    return {
        tenantId,
        clientId: pick("clientId", "AZURE_CLIENT_ID"),
        clientSecret: pick("clientSecret", "AZURE_CLIENT_SECRET"),
        federatedTokenFile: env.AZURE_FEDERATED_TOKEN_FILE || undefined,
        cloud,
    };
}

/** A description safe for logs and error messages: never the secret. */
export function describeConnection(c: ConnectionSettings): string {
    const how = c.clientSecret ? "client secret" : c.federatedTokenFile ? "workload identity federation" : "DefaultAzureCredential chain";
    return `tenant ${c.tenantId}, app ${c.clientId ?? "(from credential chain)"}, ${how}, cloud ${c.cloud.name} (${c.cloud.graphEndpoint})`;
}
