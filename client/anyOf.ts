import { pages } from "./batch";
import { TenantApiError } from "./errors";
import type { GraphClient } from "./graph";
import { trace } from "./trace";

/**
 * Reads the items that match any one of several $filter clauses, with `or` where the tenant takes it.
 *
 * Graph lists `or` among its operators but says support "may vary" by resource (docs-contrib
 * concepts/filter-query-parameter.md), and the pages of the routes read this way (the sign-in log, the
 * directory audit log) do not list it; peers' code sends it there (CIPP-API ListBasicAuth/run.ps1,
 * Get-CIPPAlertGroupMembershipChange.ps1). So one query with the clauses joined by `or` is tried first (one
 * request per page, whatever the number of clauses), and a route that answers 400 to its first page is read
 * the documented way (by default one query per clause) for the rest of the process, this tenant's route
 * remembered with Graph's error. A 400 on a later page is an error, not a refusal.
 */
const refusedOr = new Map<string, string>();

/** Forgets which routes refused `or` in this process (tests). */
export function forgetOrSupport(): void {
    refusedOr.clear();
}

/** Graph's error ("<code>: <detail>") when this tenant's route refused `or` in this process, else undefined. */
export function orRefusal(graph: GraphClient, route: string): string | undefined {
    return refusedOr.get(key(graph, route));
}

function key(graph: GraphClient, route: string): string {
    return `${graph.connection.tenantId.toLowerCase()} ${route}`;
}

export interface AnyOfQuery {
    /** The route, as the path before `?` (the key of what refused `or`). */
    route: string;
    /** The clause every query keeps (e.g. a time window), joined to the others with `and`. */
    base?: string;
    /** The clauses, any one of which selects an item. */
    clauses: readonly string[];
    /** The other query options (`&$top=999`, ...), already encoded. */
    rest?: string;
}

/** The request path of `q` for one clause (or the clauses joined by `or`, in parentheses). */
function anyOfPath(q: AnyOfQuery, clause: string): string {
    const filter = q.base ? `${q.base} and ${clause}` : clause;
    return `${q.route}?$filter=${encodeURIComponent(filter)}${q.rest ?? ""}`;
}

/**
 * Hands every page of the items matching any clause to `take`. Where `or` is refused, `separately` reads them
 * instead (default: one query per clause, each documented), given Graph's error. With separate queries an item
 * may come more than once (an entry that matches two clauses): callers that count must key by id.
 *
 * The route is remembered as refusing `or` only once the separate read has succeeded: a 400 for another reason
 * (a clause the route does not take) fails the separate read too, and that error is the caller's, with nothing
 * remembered.
 */
export async function readAnyOf<T>(
    graph: GraphClient,
    q: AnyOfQuery,
    take: (page: T[]) => void,
    separately: (refusal: string | undefined) => Promise<void> = async () => {
        for (const clause of q.clauses) {
            for await (const page of pages<T>(graph, anyOfPath(q, clause))) take(page);
        }
    },
): Promise<void> {
    if (!q.clauses.length) return;
    let refusal = orRefusal(graph, q.route);
    if (q.clauses.length > 1 && refusal === undefined) {
        const started = Date.now();
        let read = 0;
        try {
            for await (const page of pages<T>(graph, anyOfPath(q, `(${q.clauses.join(" or ")})`))) {
                read++;
                take(page);
            }
            return;
        } catch (err) {
            if (!(err instanceof TenantApiError && err.status === 400 && read === 0)) throw err;
            refusal = `${err.code ?? "400"}: ${err.detail}`.slice(0, 300);
            trace("or refused", started, { route: q.route, clauses: q.clauses.length });
        }
        await separately(refusal);
        refusedOr.set(key(graph, q.route), refusal);
        return;
    }
    await separately(refusal);
}
