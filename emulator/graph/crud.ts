import type { EmuResponse } from "../http";
import { requireRole } from "../identity";
import type { TenantState } from "../store";
import { type QueryCapability, filterOf, readPath } from "./query";
import type { Route, RouteContext } from "./routes";

/**
 * An entity set of the tenant that Graph serves the same way in every resource that has one (Conditional
 * Access policies, named locations, authentication strengths): the list (GET on the set, with the OData
 * query options the set models, `@odata.context` of the set), one member (GET on the set/{id},
 * `@odata.context` of `$entity`), and the answer to a create (201 with Location and the member). What
 * differs per resource (validation, what a create or a PATCH or a DELETE does) stays with the resource.
 */
export interface EntitySet<T extends { id: string }> {
    /** The set's path under the version, as @odata.context and Location name it: "identity/conditionalAccess/policies". */
    readonly path: string;
    /** The route patterns (without the version) of the set and of one member (its id the first capture). */
    readonly collection: RegExp;
    readonly member: RegExp;
    /** The Graph type of the members (checked against Graph's schema in tests). */
    readonly entity: string;
    readonly versions: Route["versions"];
    readonly bucket?: Route["bucket"];
    /** The permissions any one of which reads the set. */
    readonly readRoles: readonly string[];
    /** The query options the list models (./query.ts); the rest is refused. */
    readonly query: QueryCapability;
    all(tenant: TenantState): T[];
    /** The member with this id, or a thrown 404 in the resource's own error shape. */
    one(tenant: TenantState, id: string): T;
    render(item: T, tenant: TenantState): Record<string, unknown>;
}

/** GET on the set: the members that pass the request's $filter, rendered. */
export function listRoute<T extends { id: string }>(set: EntitySet<T>): Route {
    return {
        method: "GET",
        pattern: set.collection,
        versions: set.versions,
        entity: set.entity,
        ...(set.bucket ? { bucket: set.bucket } : {}),
        query: set.query,
        write: false,
        handle(ctx, version) {
            requireRole(ctx.claims, set.readRoles);
            const keep = filterOf<T>(ctx.req, set.query, (x, p) => readPath(x, p));
            return {
                status: 200,
                body: {
                    "@odata.context": `${ctx.origin}/${version}/$metadata#${set.path}`,
                    value: set
                        .all(ctx.tenant)
                        .filter(keep)
                        .map((x) => set.render(x, ctx.tenant)),
                },
            };
        },
    };
}

/** GET on one member of the set. */
export function getRoute<T extends { id: string }>(set: EntitySet<T>): Route {
    return {
        method: "GET",
        pattern: set.member,
        versions: set.versions,
        entity: set.entity,
        ...(set.bucket ? { bucket: set.bucket } : {}),
        write: false,
        handle(ctx, version) {
            requireRole(ctx.claims, set.readRoles);
            return { status: 200, body: entityBody(ctx, version, set, set.one(ctx.tenant, ctx.params[0])) };
        },
    };
}

/** The answer to a POST that created `item` in the set: 201, its Location, and the member as a GET returns it. */
export function createdAnswer<T extends { id: string }>(ctx: RouteContext, version: string, set: EntitySet<T>, item: T): EmuResponse {
    return {
        status: 201,
        headers: { Location: `${ctx.origin}/${version}/${set.path}/${item.id}` },
        body: entityBody(ctx, version, set, item),
    };
}

function entityBody<T extends { id: string }>(ctx: RouteContext, version: string, set: EntitySet<T>, item: T): Record<string, unknown> {
    return { "@odata.context": `${ctx.origin}/${version}/$metadata#${set.path}/$entity`, ...set.render(item, ctx.tenant) };
}
