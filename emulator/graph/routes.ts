import type { EmuRequest, EmuResponse } from "../http";
import type { TokenClaims } from "../identity";
import type { AuditDraft } from "../auditLog";
import type { Store, TenantState } from "../store";
import type { QueryCapability } from "./query";

/** What a Graph or Exchange route handler receives: the caller's verified token and its tenant. */
export interface RouteContext {
    readonly req: EmuRequest;
    readonly params: readonly string[];
    readonly claims: TokenClaims;
    readonly tenant: TenantState;
    readonly store: Store;
    /** https://host:port of the emulator, for @odata.context and nextLink URLs. */
    readonly origin: string;
}

export interface Route {
    readonly method: string;
    /** Matched against the path without the /v1.0 or /beta prefix. */
    readonly pattern: RegExp;
    /** Graph versions the route exists in. */
    readonly versions: readonly ("v1.0" | "beta")[];
    /** The Graph type of the request and response bodies, checked against Graph's schema in tests. */
    readonly entity?: string;
    /** Resource units the call costs (Graph's identity and access limits); 1 when absent. */
    readonly units?: (ctx: RouteContext) => number;
    /**
     * Which throttling bucket: identity and access (default), reports (5 requests per 10 s), or
     * conditionalAccess (1 request per second per tenant for all apps, 429 without Retry-After).
     */
    readonly bucket?: "identity" | "reports" | "conditionalAccess";
    /**
     * The OData query options the route models, checked by the dispatcher before the handler runs
     * (./query.ts). Without one the route takes no query option: anything in the query string is refused.
     */
    readonly query?: QueryCapability;
    /** A route that changes the tenant (counted by the write limits and the request log). */
    readonly write: boolean;
    handle(ctx: RouteContext, version: "v1.0" | "beta"): EmuResponse;
    /**
     * A change the directory audit log records (./audit.ts): `before` is taken before the handler
     * runs, `entry` after it answered 2xx, and its draft is recorded as made by the token's app.
     */
    readonly audit?: {
        before?(ctx: RouteContext): unknown;
        entry(ctx: RouteContext, before: unknown, response: EmuResponse): AuditDraft | undefined;
    };
}
