import type { FaultInjector } from "../faults";
import { type Dispatched, type EmuRequest, GraphHttpError, errorAnswer, headerValue } from "../http";
import type { Identity } from "../identity";
import type { Store } from "../store";
import { handleInvokeCommand } from "./index";

export interface ExchangeEndpointDeps {
    readonly identity: Identity;
    readonly store: Store;
    readonly faults: FaultInjector;
    origin(): string;
}

/** The Exchange admin API's path: POST /adminapi/beta/{tenant}/InvokeCommand; the tenant, or undefined for another path. */
export function exchangeTenantRef(path: string): string | undefined {
    return /^\/adminapi\/beta\/([^/]+)\/InvokeCommand$/i.exec(path)?.[1];
}

/** Exchange admin API: Exchange Online audience, the token's tenant must be the path's tenant. */
export function exchangeEndpoint({ identity, store, faults, origin }: ExchangeEndpointDeps) {
    return async (req: EmuRequest, tenantRef: string): Promise<Dispatched> => {
        const injected = await faults.request(req);
        if (injected) {
            return injected;
        }
        let appId: string | undefined;
        try {
            if (req.method !== "POST") {
                throw new GraphHttpError(405, "MethodNotAllowed", `The requested resource does not support http method '${req.method}'.`);
            }
            const claims = identity.verify(headerValue(req.headers.authorization), "exchange");
            appId = claims.appid;
            const tenant = store.tenant(claims.tid)!;
            if (tenant.tenantId !== tenantRef.toLowerCase() && !tenant.domains?.includes(tenantRef.toLowerCase())) {
                throw new GraphHttpError(
                    401,
                    "Unauthorized",
                    `The token's tenant ${claims.tid} does not match the tenant in the request path '${tenantRef}'.`,
                );
            }
            const response = handleInvokeCommand({ req, params: [tenantRef], claims, tenant, store, origin: origin() });
            return { response, appId, write: /^(Set|New|Remove|Enable|Disable)-/i.test(cmdletName(req)) };
        } catch (err) {
            return errorAnswer(req, err, appId);
        }
    };
}

function cmdletName(req: EmuRequest): string {
    try {
        return String(JSON.parse(req.body.toString("utf8"))?.CmdletInput?.CmdletName ?? "");
    } catch {
        return "";
    }
}
