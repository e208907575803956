import type { TenantClients } from "../../client";

export interface ExchangeCall {
    cmdlet: string;
    params: Record<string, unknown>;
}

/** Records every cmdlet the clients send to Exchange (name and parameters, in order), still sending it. */
export function recordExchangeCalls(clients: TenantClients): ExchangeCall[] {
    const calls: ExchangeCall[] = [];
    const real = clients.exchange.invoke.bind(clients.exchange);
    (clients.exchange as any).invoke = async (cmdlet: string, params: any = {}, opts: any = {}) => {
        calls.push({ cmdlet, params });
        return real(cmdlet, params, opts);
    };
    return calls;
}
