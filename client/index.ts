/**
 * The client layer: the only code that talks to Microsoft Graph, Exchange Online and Entra ID sign-in.
 * Providers receive a `TenantClients` and never build HTTP calls of their own.
 */
import { ConfigSource, ConnectionSettings, resolveConnection } from "./connection";
import { GraphClient } from "./graph";

export * from "./clouds";
export * from "./connection";
export * from "./errors";
export { GraphClient, GraphVersion } from "./graph";
export { TokenSource, decodeJwtPayload } from "./credentials";

export interface TenantClients {
    readonly connection: ConnectionSettings;
    readonly graph: GraphClient;
}

export function createTenantClients(config?: ConfigSource, env: NodeJS.ProcessEnv = process.env): TenantClients {
    const connection = resolveConnection(config, env);
    return { connection, graph: new GraphClient(connection) };
}
