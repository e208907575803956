/**
 * The client layer: the only code that talks to Microsoft Graph, Exchange Online and Entra ID sign-in.
 * Providers receive a `TenantClients` and never build HTTP calls of their own. Building one makes no
 * network call: each client signs in on its first request.
 */
import { type ConfigSource, type ConnectionSettings, resolveConnection } from "./connection";
import { ExchangeClient } from "./exchange";
import { GraphClient } from "./graph";
import { RetryPolicy } from "./retry";

export * from "./clouds";
export * from "./connection";
export * from "./errors";
export { GraphClient, GraphVersion } from "./graph";
export { ExchangeClient, ExchangeClientOptions, InvokeOptions, InvokeResult } from "./exchange";
export { TokenSource, decodeJwtPayload } from "./credentials";
export { RetryPolicy, RetryBudgetExceededError, DEFAULT_RETRY_BUDGET_SECONDS, RETRY_BUDGET_CONFIG_KEY, RETRY_BUDGET_ENV } from "./retry";

export interface TenantClients {
    readonly connection: ConnectionSettings;
    readonly graph: GraphClient;
    readonly exchange: ExchangeClient;
}

export function createTenantClients(config?: ConfigSource, env: NodeJS.ProcessEnv = process.env): TenantClients {
    const connection = resolveConnection(config, env);
    // One policy for every call of these clients: the budget from stack config, else the environment.
    const policy = RetryPolicy.fromSettings(config, env);
    return { connection, graph: new GraphClient(connection, policy), exchange: new ExchangeClient(connection, { policy }) };
}
