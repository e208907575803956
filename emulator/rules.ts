/**
 * Fidelity rules: what Microsoft documents for each route the emulator serves, one table per area,
 * kept beside the routes (emulator/graph/<area>.rules.ts, emulator/exchange/rules.ts,
 * emulator/identity.rules.ts). Each rule names its source (a docs page under
 * microsoftgraph/microsoft-graph-docs-contrib or learn.microsoft.com, an issue thread, or
 * "graph-schema v1.0.json <type>") and whether the emulator models it.
 *
 * The tables are data for two checks:
 * - emulator/tests/conformance.test.ts sends each modelled rule's `probe` to a running emulator and
 *   asserts the documented answer (`expect`); rules with modelled: false get no test and are listed.
 * - tests/support/requestLog.ts checks every request the project's clients sent in the emulator test
 *   runs against the `route` rules (path, verb, versions, query options, headers, body).
 *
 * `stricter` says where Microsoft is silent and the emulator refuses more than may be refused (the
 * safe model: a client depending on it fails in the tests rather than on a real tenant).
 */
export type RuleKind =
    | "route"
    | "verb"
    | "permission"
    | "status"
    | "error"
    | "header"
    | "query"
    | "paging"
    | "throttling"
    | "readOnly"
    | "valueSet"
    | "body";

export type Version = "v1.0" | "beta";

/**
 * A request the conformance suite sends. Placeholders in `path`: {user}, {userWithMethods}, {group}, {tenant}, {phoneMethodId}, {caPolicy}.
 */
export interface Probe {
    method: string;
    path: string;
    /** Graph version (default v1.0); ignored for Exchange and identity probes. */
    version?: Version;
    /** Query string without "?". */
    query?: string;
    headers?: Record<string, string>;
    body?: unknown;
    /** The calling app: an app registration's display name (default m365-mfa-provider), or a new app with exactly these Graph roles. */
    app?: string | readonly string[];
    /** Identity probes: the form sent to the token endpoint ({clientId} and {secret} are the provider app's). */
    form?: Record<string, string>;
    /** Requests sent first (their answers are not asserted). */
    setup?: readonly Probe[];
    /** Run against an emulator whose throttling is on at this scale (the suite's own emulator has throttling off). */
    throttleScale?: number;
    /** Graph (default), Exchange's InvokeCommand for the token's tenant, or an Entra sign-in path. */
    service?: "graph" | "exchange" | "identity";
    /** Send this many times in a row and assert on the last answer (throttling). */
    repeat?: number;
    /** Emulator state to set first. */
    given?:
        | "securityDefaultsOn"
        | "securityDefaultsOff"
        | "freeTenant"
        | "conditionalAccessEnabled"
        | "perUserMfaStateServed"
        | "signInOrAccepted"
        | "auditOrAccepted";
}

export interface Expectation {
    status: number;
    /** error.code of a Graph JSON error body. */
    code?: string;
    /** A regular expression the error message (or a plain-text body) must match. */
    message?: string;
    /** Response headers: a regular expression the value must match, or null for "absent". */
    headers?: Record<string, string | null>;
    /** Top-level body properties that must have these values. */
    body?: Record<string, unknown>;
    /** Body properties (dotted paths) that must be present. */
    bodyHas?: readonly string[];
    /** Body properties (dotted paths) that must be absent. */
    bodyLacks?: readonly string[];
    /** $batch: the status of each item, by id. */
    items?: Record<string, number>;
}

/** A served route, for the client check. */
export interface RouteRule {
    methods: readonly string[];
    /** Path template after the version, e.g. /users/{id}/authentication/requirements. */
    path: string;
    versions: readonly Version[];
    /** The documented query options; undefined when the page lists the usual OData set ($select, $filter, $top, ...). */
    queryOptions?: readonly string[];
    /** Largest $top the endpoint takes. */
    maxTop?: number;
    /** Graph type of a write body (checked against graph-schema), per method. */
    bodyEntity?: Partial<Record<string, string>>;
    /** Properties a write body must not carry (read-only). */
    readOnly?: readonly string[];
    /** Only these properties may be sent (the update page's list). */
    writable?: readonly string[];
    /** Header and query options this path needs (e.g. an OData cast on transitiveMembers). */
    requires?: { headers?: Record<string, string>; query?: Record<string, string> };
    /** Write bodies must name the derived type in @odata.type. */
    needsODataType?: boolean;
}

export interface Rule {
    /** Unique, stable: area.what. */
    id: string;
    kind: RuleKind;
    /** What Microsoft documents, in a sentence. */
    statement: string;
    /** Where: a docs-contrib path, a learn.microsoft.com path, an issue, or "graph-schema v1.0.json <type>". */
    source: string;
    modelled: boolean;
    /** Where the docs are silent and the emulator is stricter (or guesses a wording), what it does. */
    stricter?: string;
    route?: RouteRule;
    probe?: Probe;
    expect?: Expectation;
}

export interface RuleTable {
    area: string;
    /** The emulator file whose routes the table covers. */
    file: string;
    rules: readonly Rule[];
}

/** Turns a path template into a regular expression over the path after the version. */
export function templateRegExp(template: string): RegExp {
    const escaped = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, "[^/()']+");
    return new RegExp(`^${escaped}$`, "i");
}

/** The standard OData system query options Graph's directory APIs take where a page lists no restriction. */
export const STANDARD_QUERY_OPTIONS = [
    "$select",
    "$filter",
    "$top",
    "$skiptoken",
    "$count",
    "$orderby",
    "$expand",
    "$search",
    "$skip",
    "$format",
];
