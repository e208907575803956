/**
 * The client layer: the only code that talks to Microsoft Graph, Exchange Online and Entra ID sign-in.
 * Providers receive a `TenantClients` and never build HTTP calls of their own. Building one makes no
 * network call: each client signs in on its first request.
 */
import { ConfigSource, ConnectionSettings, resolveConnection } from "./connection";
import { ExchangeClient } from "./exchange";
import { GraphClient } from "./graph";

export * from "./clouds";
export * from "./connection";
export * from "./errors";
export { GraphClient, GraphVersion } from "./graph";
export { ExchangeClient, ExchangeClientOptions, InvokeOptions, InvokeResult } from "./exchange";
export { TokenSource, decodeJwtPayload } from "./credentials";

export interface TenantClients {
    readonly connection: ConnectionSettings;
    readonly graph: GraphClient;
    readonly exchange: ExchangeClient;
}

export function createTenantClients(config?: ConfigSource, env: NodeJS.ProcessEnv = process.env): TenantClients {
    const connection = resolveConnection(config, env);
    return { connection, graph: new GraphClient(connection), exchange: new ExchangeClient(connection) };
}
