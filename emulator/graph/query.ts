import { GraphHttpError, headerValue } from "../http";
import type { EmuRequest } from "../http";
import { loadSchema, propertiesOf } from "../schema/check";
import type { TenantState } from "../store";

/**
 * Query capabilities by construction: each Graph route declares the OData query options it models
 * (`Route.query`), and the dispatcher (../server.ts) checks every request against the declaration
 * before the handler runs, for direct requests and $batch items alike. What a route does not declare
 * is refused with 400 and "not modelled by the emulator" in the message (or Graph's own documented
 * error where a page documents one), never ignored. A route without a declaration takes no query
 * options at all.
 *
 * The $filter and $orderby tables are derived row by row from Microsoft's resource pages (each row
 * cites the page that lists the property's operators); handlers evaluate filters through the one
 * parser here, driven by the same table.
 */
export type FilterOp = "eq" | "ne" | "not" | "in" | "ge" | "le" | "gt" | "lt" | "startsWith" | "endsWith" | "any" | "eqNull";

export interface FilterRow {
    /** The operators the page documents for the property (and the emulator evaluates). */
    ops: readonly FilterOp[];
    /** Inside `prop/any(x: ...)`: the element's properties ("" for the element itself) and their operators. */
    any?: Readonly<Record<string, readonly FilterOp[]>>;
    /** The page that states the operators. */
    source: string;
}

export interface LogicalRow {
    /** The page (or, marked so, the peer's code) that shows the operator on this route. */
    source: string;
    /** Whether this tenant takes it; absent: every tenant does. */
    tenant?: (t: TenantState) => boolean;
    /** Why a tenant that does not take it refuses (the tenant option to set), for the refusal's text. */
    refusedUnless?: string;
    /** Whether `or` may join lambdas (`any(...)`) or stand inside one; absent: no (the source shows plain comparisons). */
    lambdas?: boolean;
}

/** Whether a $filter node has a lambda (`any(...)`) anywhere. */
function hasLambda(n: FilterNode): boolean {
    switch (n.kind) {
        case "any":
            return true;
        case "and":
        case "or":
            return hasLambda(n.left) || hasLambda(n.right);
        case "not":
            return hasLambda(n.inner);
        default:
            return false;
    }
}

export interface DocumentedRefusal {
    status: number;
    code: string;
    message: string;
    source: string;
}

export interface QueryCapability {
    /** The system query options the route models (lower-case, with the $), $skiptoken where it pages. */
    options: readonly string[];
    /** Per-property $filter operators (property names as Graph spells them; paths with /). */
    filter?: Readonly<Record<string, FilterRow>>;
    /** Properties $orderby takes, each with the page that says so. */
    orderby?: Readonly<Record<string, string>>;
    /** $select: the Graph type whose properties it takes (checked against Graph's metadata), or false. */
    select?: string | false;
    /**
     * Properties $select takes beyond Graph's metadata, each with what it rests on: served by some
     * tenants as observed (an issue thread, a peer's code), not documented. The route's handler decides
     * per tenant whether it serves them (e.g. GET /users and perUserMfaState, emulator/graph/directory.ts).
     */
    selectObserved?: Readonly<Record<string, string>>;
    /** The Graph type named in filter errors (e.g. "User", "signIn"). */
    resource: string;
    /** Error code Graph uses for an unsupported filter on this API. */
    filterErrorCode?: string;
    /** Filter operators that are advanced queries here (ConsistencyLevel: eventual and $count=true; aad-advanced-queries.md). */
    advanced?: readonly FilterOp[];
    /** Options Graph documents refusing, with its documented error. */
    refused?: Readonly<Record<string, DocumentedRefusal>>;
    /**
     * `or` between $filter clauses. Graph lists `and` and `or` among its operators but says support "may vary" by
     * resource (docs-contrib concepts/filter-query-parameter.md), so a route takes `or` only where this says what
     * shows it; without it `or` is refused (400, not modelled), the stricter reading. `tenant`: only where the
     * tenant takes it (behaviour observed in peers' code, not documented: a tenant option says which tenant it is).
     */
    or?: LogicalRow;
    /** The API page listing the query options. */
    source: string;
}

const NOT_MODELLED = "not modelled by the emulator";

/** Where a page states that aad advanced query operators (ne, not, endsWith) need ConsistencyLevel and $count. */
const ADVANCED_SOURCE = "docs-contrib concepts/aad-advanced-queries.md";

/** The directory objects' advanced-query operators (aad-advanced-queries.md: ne, not and endsWith need the advanced query parameters). */
export const DIRECTORY_ADVANCED: readonly FilterOp[] = ["ne", "not", "endsWith"];

export function notModelled(what: string, cap: QueryCapability | undefined): GraphHttpError {
    const where = cap
        ? ` (the emulator models: ${cap.options.length ? cap.options.join(", ") : "no query options"} here; per ${cap.source})`
        : " (the emulator models no query options on this route)";
    return new GraphHttpError(400, "BadRequest", `${what} is ${NOT_MODELLED}${where}.`);
}

export function hasEventual(req: EmuRequest): boolean {
    const level = req.headers.consistencylevel;
    return (Array.isArray(level) ? level : [level]).some((v) => typeof v === "string" && v.trim().toLowerCase() === "eventual");
}

export function isAdvancedQuery(req: EmuRequest): boolean {
    return hasEventual(req) && (req.url.searchParams.get("$count") ?? "").toLowerCase() === "true";
}

export function needsAdvanced(what: string): GraphHttpError {
    return new GraphHttpError(
        400,
        "Request_UnsupportedQuery",
        `${what} is not supported because the required parameters might be missing. ` +
            "Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to " +
            "https://aka.ms/graph-docs/advanced-queries for more information",
    );
}

/**
 * The dispatcher's check: every query parameter of the request against the route's declaration.
 * Throws the refusal; returns when everything the request asks for is modelled.
 */
export function checkQuery(
    req: EmuRequest,
    cap: QueryCapability | undefined,
    method: string,
    template: string,
    version = "v1.0",
    tenant?: TenantState,
): void {
    const seen = new Set<string>();
    for (const key of req.url.searchParams.keys()) {
        const option = key.toLowerCase();
        if (seen.has(option)) {
            throw new GraphHttpError(
                400,
                "BadRequest",
                `Query option '${key}' is specified more than once; a query option may appear once.`,
            );
        }
        seen.add(option);
        const documented = cap?.refused?.[option];
        if (documented) {
            throw new GraphHttpError(documented.status, documented.code, documented.message);
        }
        if (!option.startsWith("$")) {
            throw notModelled(`Query parameter '${key}' on ${method} ${template}`, cap);
        }
        if (!cap?.options.includes(option)) {
            throw notModelled(`Query option '${key}' on ${method} ${template}`, cap);
        }
    }
    if (!cap) {
        return;
    }
    const q = req.url.searchParams;
    const filter = q.get("$filter");
    if (filter !== null) {
        validateFilter(parseFilter(filter), cap, req, tenant);
    }
    const orderby = q.get("$orderby");
    if (orderby !== null) {
        parseOrderBy(orderby, cap);
    }
    const select = q.get("$select");
    if (select !== null && typeof cap.select === "string") {
        selectedFields(select, cap.select, version, Object.keys(cap.selectObserved ?? {}));
    }
    const count = q.get("$count");
    if (count !== null && !["true", "false"].includes(count.toLowerCase())) {
        throw new GraphHttpError(400, "Request_BadRequest", `Invalid value '${count}' for $count; expected true or false.`);
    }
}

// ---------------------------------------------------------------- $filter

export type FilterNode =
    | { kind: "and" | "or"; left: FilterNode; right: FilterNode }
    | { kind: "not"; inner: FilterNode }
    | { kind: "cmp"; prop: string; op: "eq" | "ne" | "ge" | "le" | "gt" | "lt"; value: unknown }
    | { kind: "in"; prop: string; values: unknown[] }
    | { kind: "fn"; fn: "startsWith" | "endsWith"; prop: string; value: string }
    | { kind: "any"; prop: string; variable: string; inner: FilterNode };

const bad = (message: string) => new GraphHttpError(400, "BadRequest", message);

function tokenize(s: string): string[] {
    const out: string[] = [];
    const re = new RegExp(
        String.raw`\s*('(?:[^']|'')*'|\(|\)|,|:|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]` +
            String.raw`{12}|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)?|[A-Za-z_$][\w/.$]*|-?\d+(?:\.\d+)?|\S)`,
        "y",
    );
    let m: RegExpExecArray | null;
    while (re.lastIndex < s.length && (m = re.exec(s))) {
        if (m[1] === undefined) break;
        out.push(m[1]);
    }
    if (out.join("").replace(/\s/g, "") !== s.replace(/\s/g, "")) {
        throw bad(`Invalid filter clause: '${s}'.`);
    }
    return out;
}

function literal(tok: string | undefined, expr: string): unknown {
    if (tok === undefined) throw bad(`Invalid filter clause: a value is missing in '${expr}'.`);
    const q = /^'((?:[^']|'')*)'$/.exec(tok);
    if (q) return q[1].replace(/''/g, "'");
    if (/^(true|false)$/i.test(tok)) return tok.toLowerCase() === "true";
    if (/^null$/i.test(tok)) return null;
    // An Edm.Guid literal is written without quotes (OData ABNF guidValue; user-list.md example 9: skuId eq cbdc14ab-...).
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tok)) return tok.toLowerCase();
    if (/^\d{4}-\d\d-\d\dT/.test(tok)) {
        const t = Date.parse(tok);
        if (Number.isNaN(t)) throw bad(`Invalid date '${tok}' in filter.`);
        return new Date(t);
    }
    if (/^-?\d+(\.\d+)?$/.test(tok)) return Number(tok);
    throw bad(`Invalid filter clause: '${tok}' is not a value in '${expr}'.`);
}

/** Parses an OData $filter: comparisons, in, startsWith/endsWith, not, and/or, parentheses, any() lambdas. */
export function parseFilter(expr: string): FilterNode {
    const t = tokenize(expr);
    let i = 0;
    const peek = () => t[i]?.toLowerCase();
    const take = (want?: string) => {
        const tok = t[i++];
        if (want !== undefined && tok?.toLowerCase() !== want) throw bad(`Invalid filter clause: expected '${want}' in '${expr}'.`);
        return tok;
    };
    const orExpr = (): FilterNode => {
        let left = andExpr();
        while (peek() === "or") {
            take();
            left = { kind: "or", left, right: andExpr() };
        }
        return left;
    };
    const andExpr = (): FilterNode => {
        let left = unary();
        while (peek() === "and") {
            take();
            left = { kind: "and", left, right: unary() };
        }
        return left;
    };
    const unary = (): FilterNode => {
        if (peek() === "not") {
            take();
            return { kind: "not", inner: unary() };
        }
        if (peek() === "(") {
            take();
            const inner = orExpr();
            take(")");
            return inner;
        }
        if (peek() === "startswith" || peek() === "endswith") {
            const fn = take()!.toLowerCase() === "startswith" ? "startsWith" : "endsWith";
            take("(");
            const prop = take() ?? "";
            take(",");
            const value = literal(take(), expr);
            take(")");
            if (typeof value !== "string") throw bad(`Invalid filter clause: ${fn} takes a string in '${expr}'.`);
            return { kind: "fn", fn, prop, value };
        }
        const prop = take() ?? "";
        if (!/^[A-Za-z_]/.test(prop)) throw bad(`Invalid filter clause: '${prop}' in '${expr}'.`);
        const any = /^(.*)\/any$/i.exec(prop);
        if (any) {
            take("(");
            const variable = take() ?? "";
            take(":");
            const inner = orExpr();
            take(")");
            return { kind: "any", prop: any[1], variable, inner };
        }
        const op = (take() ?? "").toLowerCase();
        if (op === "in") {
            take("(");
            const values: unknown[] = [];
            while (peek() !== ")") {
                values.push(literal(take(), expr));
                if (peek() === ",") take();
                else if (peek() !== ")") throw bad(`Invalid filter clause: expected ',' or ')' in '${expr}'.`);
            }
            take(")");
            return { kind: "in", prop, values };
        }
        if (!["eq", "ne", "ge", "le", "gt", "lt"].includes(op)) throw bad(`Invalid filter clause: unknown operator '${op}' in '${expr}'.`);
        return { kind: "cmp", prop, op: op as "eq", value: literal(take(), expr) };
    };
    const node = orExpr();
    if (i < t.length) throw bad(`Invalid filter clause: unexpected '${t[i]}' in '${expr}'.`);
    return node;
}

function rowFor(cap: QueryCapability, prop: string): [string, FilterRow] | undefined {
    const found = Object.entries(cap.filter ?? {}).find(([p]) => p.toLowerCase() === prop.toLowerCase());
    return found;
}

function filterRefusal(cap: QueryCapability, prop: string, op: string, row: FilterRow | undefined): GraphHttpError {
    const detail = row
        ? `'${op}' on '${prop}' is not among the operators ${row.source} lists for it (${row.ops.join(", ")})`
        : `filtering on '${prop}' is not listed in the emulator's table for this route (${cap.source})`;
    return new GraphHttpError(
        400,
        cap.filterErrorCode ?? "BadRequest",
        `Unsupported or invalid query filter clause specified for property '${prop}' of resource '${cap.resource}': ` +
            `${detail}; ${NOT_MODELLED}.`,
    );
}

/**
 * `or` where the route does not declare it (QueryCapability.or), where this tenant does not take it, or, unless the
 * route's row says so, next to or inside a lambda (`any(...)`), which no source shows.
 */
function orRefusal(cap: QueryCapability, tenant: TenantState | undefined, lambda: boolean): GraphHttpError | undefined {
    // Without a tenant (tests/support/requestLog.ts checks a logged request), a tenant's option counts as taken.
    if (cap.or && (!lambda || cap.or.lambdas) && (!cap.or.tenant || !tenant || cap.or.tenant(tenant))) return undefined;
    const detail = !cap.or
        ? `the operator is not listed for this route (${cap.source}; concepts/filter-query-parameter.md: support "may vary" by resource)`
        : lambda && !cap.or.lambdas
          ? `with a lambda operand (any) or inside a lambda it is shown nowhere for this route (${cap.or.source} shows plain comparisons)`
          : `this tenant does not take it (${cap.or.refusedUnless ?? cap.or.source})`;
    return new GraphHttpError(
        400,
        cap.filterErrorCode ?? "BadRequest",
        `Invalid filter clause: the operator 'or' on resource '${cap.resource}' is ${NOT_MODELLED}: ${detail}.`,
    );
}

/** Every property and operator of the filter must be in the route's table, `or` only where the route declares it. */
export function validateFilter(node: FilterNode, cap: QueryCapability, req: EmuRequest, tenant?: TenantState): void {
    const use = (prop: string, op: FilterOp, inside?: { row: FilterRow; variable: string; outer: string }) => {
        if (inside) {
            const sub =
                prop.toLowerCase() === inside.variable.toLowerCase() ? "" : prop.replace(new RegExp(`^${inside.variable}/`, "i"), "");
            const ops = Object.entries(inside.row.any ?? {}).find(([p]) => p.toLowerCase() === sub.toLowerCase())?.[1];
            if (!ops?.includes(op))
                throw filterRefusal(cap, `${inside.outer}/any(${inside.variable}: ${prop})`, op, {
                    ops: ops ?? [],
                    source: inside.row.source,
                });
            return;
        }
        const row = rowFor(cap, prop);
        if (!row?.[1].ops.includes(op)) throw filterRefusal(cap, prop, op, row?.[1]);
        if (cap.advanced?.includes(op) && !isAdvancedQuery(req)) {
            throw needsAdvanced(`Operator '${op}' in filter clause on '${prop}'`);
        }
    };
    const walk = (n: FilterNode, inside?: { row: FilterRow; variable: string; outer: string }): void => {
        switch (n.kind) {
            case "or": {
                // The clauses first, so that a bad one is named rather than the operator.
                walk(n.left, inside);
                walk(n.right, inside);
                const refusal = orRefusal(cap, tenant, inside !== undefined || hasLambda(n));
                if (refusal) throw refusal;
                return;
            }
            case "and":
                walk(n.left, inside);
                walk(n.right, inside);
                return;
            case "not": {
                // `not` applies to the property of its operand.
                const first = firstProp(n.inner);
                if (first && !inside) use(first, "not");
                walk(n.inner, inside);
                return;
            }
            case "cmp":
                use(n.prop, n.op === "eq" && n.value === null ? "eqNull" : n.op, inside);
                return;
            case "in":
                use(n.prop, "in", inside);
                return;
            case "fn":
                use(n.prop, n.fn, inside);
                return;
            case "any": {
                if (inside) throw filterRefusal(cap, n.prop, "any", undefined);
                const row = rowFor(cap, n.prop);
                if (!row?.[1].ops.includes("any")) throw filterRefusal(cap, n.prop, "any", row?.[1]);
                walk(n.inner, { row: row[1], variable: n.variable, outer: row[0] });
                return;
            }
        }
    };
    walk(node);
}

function firstProp(n: FilterNode): string | undefined {
    switch (n.kind) {
        case "and":
        case "or":
            return firstProp(n.left);
        case "not":
            return firstProp(n.inner);
        default:
            return n.prop;
    }
}

/** Reads a (slash-separated) property of a rendered item, case-insensitively. */
export function readPath(item: unknown, path: string): unknown {
    let cur: any = item;
    for (const seg of path.split("/")) {
        if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
        const key = Object.keys(cur).find((k) => k.toLowerCase() === seg.toLowerCase());
        cur = key === undefined ? undefined : cur[key];
    }
    return cur;
}

function norm(v: unknown): unknown {
    if (v instanceof Date) return v.getTime();
    if (typeof v === "string") {
        if (/^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/.test(v)) return Date.parse(v);
        return v.toLowerCase();
    }
    return v ?? null;
}

/** A predicate over rendered items (the JSON Graph answers); `get` reads a property of an item. */
export function compileFilter<T>(
    node: FilterNode | undefined,
    get: (item: T, path: string) => unknown = readPath as any,
): (item: T) => boolean {
    if (!node) return () => true;
    const build = (n: FilterNode, scope: { variable: string; value: unknown } | undefined): ((x: T) => boolean) => {
        const read = (x: T, prop: string): unknown => {
            if (scope) {
                if (prop.toLowerCase() === scope.variable.toLowerCase()) return scope.value;
                if (prop.toLowerCase().startsWith(`${scope.variable.toLowerCase()}/`))
                    return readPath(scope.value, prop.slice(scope.variable.length + 1));
            }
            return get(x, prop);
        };
        switch (n.kind) {
            case "and": {
                const l = build(n.left, scope),
                    r = build(n.right, scope);
                return (x) => l(x) && r(x);
            }
            case "or": {
                const l = build(n.left, scope),
                    r = build(n.right, scope);
                return (x) => l(x) || r(x);
            }
            case "not": {
                const inner = build(n.inner, scope);
                return (x) => !inner(x);
            }
            case "in": {
                const values = n.values.map(norm);
                return (x) => values.includes(norm(read(x, n.prop)));
            }
            case "fn": {
                const want = n.value.toLowerCase();
                return (x) => {
                    const v = String(read(x, n.prop) ?? "").toLowerCase();
                    return n.fn === "startsWith" ? v.startsWith(want) : v.endsWith(want);
                };
            }
            case "cmp": {
                const want = norm(n.value);
                return (x) => {
                    const v = norm(read(x, n.prop)) as any;
                    switch (n.op) {
                        case "eq":
                            return v === want;
                        case "ne":
                            return v !== want;
                        case "ge":
                            return v !== null && v >= (want as any);
                        case "le":
                            return v !== null && v <= (want as any);
                        case "gt":
                            return v !== null && v > (want as any);
                        default:
                            return v !== null && v < (want as any);
                    }
                };
            }
            case "any":
                return (x) => {
                    const coll = get(x, n.prop);
                    return Array.isArray(coll) && coll.some((el) => build(n.inner, { variable: n.variable, value: el })(x));
                };
        }
    };
    return build(node, undefined);
}

/** The request's $filter as a predicate over rendered items (already checked against the route's table by the dispatcher). */
export function filterOf<T>(req: EmuRequest, cap: QueryCapability, get?: (item: T, path: string) => unknown): (item: T) => boolean {
    const expr = req.url.searchParams.get("$filter");
    if (expr === null) return () => true;
    const node = parseFilter(expr);
    validateFilter(node, cap, req);
    return compileFilter(node, get);
}

// ---------------------------------------------------------------- $orderby

export function parseOrderBy(expr: string, cap: QueryCapability): { prop: string; desc: boolean }[] {
    return expr.split(",").map((part) => {
        const m = /^\s*([\w/]+)(?:\s+(asc|desc))?\s*$/i.exec(part);
        if (!m) throw bad(`Invalid $orderby clause: '${expr}'.`);
        const prop = Object.keys(cap.orderby ?? {}).find((p) => p.toLowerCase() === m[1].toLowerCase());
        if (!prop) {
            throw new GraphHttpError(
                400,
                "BadRequest",
                `$orderby on '${m[1]}' is ${NOT_MODELLED} (the pages list $orderby on: ` +
                    `${Object.keys(cap.orderby ?? {}).join(", ") || "nothing here"}; ${cap.source}).`,
            );
        }
        return { prop, desc: m[2]?.toLowerCase() === "desc" };
    });
}

export function orderOf<T>(
    req: EmuRequest,
    cap: QueryCapability,
    get: (item: T, path: string) => unknown = readPath as any,
): ((a: T, b: T) => number) | undefined {
    const expr = req.url.searchParams.get("$orderby");
    if (expr === null) return undefined;
    const keys = parseOrderBy(expr, cap);
    return (a, b) => {
        for (const k of keys) {
            const x = norm(get(a, k.prop)) as any,
                y = norm(get(b, k.prop)) as any;
            if (x === y) continue;
            const c = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
            return k.desc ? -c : c;
        }
        return 0;
    };
}

// ---------------------------------------------------------------- $select

/**
 * `$select` names properties of the route's Graph type (Graph's metadata, emulator/schema) or of the
 * route's observed extras (QueryCapability.selectObserved); a name that is neither is refused with
 * Graph's 400 (unknownSelectProperty).
 */
export function selectedFields(raw: string, type: string, version: string, observed: readonly string[] = []): string[] {
    const known = typeProperties(type, version);
    const fields = raw
        .split(",")
        .map((f) => f.trim())
        .filter(Boolean);
    for (const f of fields) {
        if (!Object.keys(known).some((k) => k === f) && !observed.includes(f)) {
            throw unknownSelectProperty(f, type);
        }
    }
    return fields;
}

/** Graph's answer to a $select of a property its type does not have. */
export function unknownSelectProperty(property: string, type: string): GraphHttpError {
    return new GraphHttpError(
        400,
        "Request_BadRequest",
        `Could not find a property named '${property}' on type 'microsoft.graph.${type}'.`,
    );
}

/**
 * A Graph type's properties from the version's metadata; the vendored beta schema carries only the
 * types the project writes in beta, so a type it lacks is read from v1.0 (emulator/schema/README.md).
 */
export function typeProperties(type: string, version: string): Record<string, { type: string }> {
    const beta = loadSchema("beta");
    return propertiesOf(version === "beta" && beta.types[type] ? beta : loadSchema("v1.0"), type);
}

/** The header value, for handlers that need it. */
export function header(req: EmuRequest, name: string): string | undefined {
    return headerValue(req.headers[name.toLowerCase()]);
}

export { ADVANCED_SOURCE };
