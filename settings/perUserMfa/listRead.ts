import type { TenantClients } from "../../client";
import { readAnyOf } from "../../client/anyOf";
import { ADVANCED_QUERY_HEADERS } from "../../client/batch";
import { TenantApiError } from "../../client/errors";
import { trace } from "../../client/trace";
import { engineLog, progressReporter, progressTickMs } from "../../providers/framework/diagnostics";

/**
 * Per-user MFA states from the user list (issue #27): `GET /v1.0/users?$select=userPrincipalName,
 * perUserMfaState&$top=999` (targets are keyed by user principal name, so no id: a smaller page than
 * CIPP's `$select=UserPrincipalName,Id,perUserMfaState`), one request per 999 users (1 resource unit each: GET users 2, $select -1;
 * throttling-limits.md) instead of one $batch item per user on `beta/users/{id}/authentication/requirements`
 * (1 unit each).
 *
 * The property is observed, not documented: Graph's published metadata does not list it on user; CIPP
 * reads it this way since March 2025 (CIPP-API Get-CIPPPerUserMFA.ps1, commit 78f7154a6, "per MS's
 * requests") and msgraph-sdk-powershell#3368 reports it served on v1.0 and beta. So the list is a fast
 * path with a fallback: a tenant whose list refuses the property (400/403 on the first page), leaves it
 * out, or carries a value outside the documented states (disabled, enabled, enforced: entra-docs
 * howto-mfa-userstates.md) is read through the documented per-user route for the rest of this process
 * (the run), and the preview says so once per tenant.
 *
 * M365_MFA_PER_USER_READ forces a path: `batch` never reads the list, `list` requires it (a tenant that
 * does not serve it fails the read, naming the variable), `auto` (the default) reads the list when it takes
 * fewer requests than $batch for the users read (listReadPays: the tenant's size against the users) and
 * falls back as above.
 */
export type PerUserReadMode = "auto" | "list" | "batch";
export const PER_USER_READ_ENV = "M365_MFA_PER_USER_READ";
const MODES: readonly PerUserReadMode[] = ["auto", "list", "batch"];
/** Auto reads the list when more users are read than one $batch holds; fewer take one $batch request. */
export const AUTO_LIST_MIN_USERS = 21;
const DOCUMENTED_STATES: readonly string[] = ["disabled", "enabled", "enforced"];
export const LIST_PATH = "/users?$select=userPrincipalName,perUserMfaState&$top=999";
/** Users per list page (LIST_PATH's $top) and requests per $batch (json-batching.md: 20). */
const LIST_PAGE_SIZE = 999;
const BATCH_SIZE = 20;

/** The read path the environment asks for; a value that is not one is refused, naming the variable and the fix. */
export function perUserReadMode(env: NodeJS.ProcessEnv = process.env): PerUserReadMode {
    const raw = env[PER_USER_READ_ENV];
    if (raw === undefined || raw.trim() === "") return "auto";
    const v = raw.trim().toLowerCase();
    if (!(MODES as readonly string[]).includes(v)) {
        throw new Error(
            `${PER_USER_READ_ENV}=${JSON.stringify(raw)} is not a per-user MFA read path: use auto (the default: the user ` +
                "list where the tenant serves perUserMfaState, else per-user reads), " +
                `list (the user list only) or batch (per-user reads through $batch only), or unset it.`,
        );
    }
    return v as PerUserReadMode;
}

/** Tenants (by id) whose list was found not to serve the states in this process, with why. */
const notServed = new Map<string, string>();

/** Forgets what this process learnt about tenants' lists (tests). */
export function forgetListSupport(): void {
    notServed.clear();
    tenantSize.clear();
}

/**
 * Whether a read of `users` users may try the list: by the mode, and not when this tenant's list was found not to serve the states in this
 * run.
 */
export function shouldReadList(clients: TenantClients, users: number, mode: PerUserReadMode = perUserReadMode()): boolean {
    if (mode === "batch" || users === 0) return false;
    if (mode === "list") return true;
    return users >= AUTO_LIST_MIN_USERS && !notServed.has(clients.connection.tenantId.toLowerCase());
}

/** Users in each tenant (by id), counted once per process (the list's cost does not change within a run). */
const tenantSize = new Map<string, number>();

/**
 * Users of the tenant: `GET /v1.0/users/$count` with ConsistencyLevel: eventual (docs-contrib api-reference/v1.0/api/user-list.md, example
 * 3 "Get only a count of users"; the $count segment is an advanced query, aad-advanced-queries.md). Undefined when it cannot be read.
 */
async function usersInTenant(clients: TenantClients): Promise<number | undefined> {
    const tenant = clients.connection.tenantId.toLowerCase();
    const cached = tenantSize.get(tenant);
    if (cached !== undefined) return cached;
    const started = Date.now();
    let n: number;
    try {
        n = Number(String(await clients.graph.get("/users/$count", { version: "v1.0", headers: { ...ADVANCED_QUERY_HEADERS } })).trim());
    } catch (err) {
        if (err instanceof TenantApiError && err.status !== undefined && err.status < 500 && err.status !== 429) return undefined;
        throw err;
    }
    trace("PerUserMfa tenant users counted", started, { users: Number.isFinite(n) ? n : -1 });
    if (!Number.isFinite(n) || n < 0) return undefined;
    tenantSize.set(tenant, n);
    return n;
}

/**
 * Whether reading `users` users' states should take the list (mode auto weighs the two by requests, the
 * tenant's size counted once): ceil(tenant / 999) list pages against ceil(users / 20) $batch requests; the
 * list only when it takes fewer (21 users in a 50,000-user tenant: 2 batches, not 51 pages). Where the count
 * cannot be read, the list is taken from 21 users as before. Modes list and batch as shouldReadList.
 */
export async function listReadPays(clients: TenantClients, users: number, mode: PerUserReadMode = perUserReadMode()): Promise<boolean> {
    if (!shouldReadList(clients, users, mode)) return false;
    if (mode === "list") return true;
    const size = await usersInTenant(clients);
    if (size === undefined) return true;
    return Math.ceil(size / LIST_PAGE_SIZE) < Math.ceil(users / BATCH_SIZE);
}

export interface ListedUsers {
    /** Every user of the tenant: user principal name (lower case) -> per-user MFA state, when the list served them. */
    states?: Map<string, string>;
    /** Every user's principal name (lower case), in the list's order. */
    upns: string[];
    pages: number;
}

/** Why the list does not serve the states (the kind goes to the trace, which carries no tenant data; the message to the preview). */
class NotServed extends Error {
    constructor(
        readonly kind: "refused" | "forbidden" | "absent" | "outsideDocumentedStates",
        message: string,
    ) {
        super(message);
    }
}

/**
 * Pages through the user list. With `withStates`, asks for perUserMfaState too and checks every user
 * carries a documented state; where the tenant does not serve it (mode auto) the read falls back to the
 * list without it (only when `upnsAnyway`, else returns undefined) and the tenant is remembered for the
 * run, said once in the preview. Mode list turns the same finding into an error naming M365_MFA_PER_USER_READ.
 */
export async function listUsers(
    clients: TenantClients,
    options: {
        withStates: boolean;
        upnsAnyway: boolean;
        urn?: string;
        progress?: string;
        expected?: ReadonlySet<string>;
        mode?: PerUserReadMode;
    },
): Promise<ListedUsers | undefined> {
    const mode = options.mode ?? perUserReadMode();
    if (options.withStates) {
        try {
            return await page(clients, true, options);
        } catch (err) {
            if (!(err instanceof NotServed)) throw err;
            const tenant = clients.connection.tenantId.toLowerCase();
            if (mode === "list") {
                throw new Error(
                    `Per-user MFA: ${PER_USER_READ_ENV}=list, but ` +
                        (err.kind === "forbidden"
                            ? "the app may not read perUserMfaState from the user list"
                            : "the tenant's user list does not serve perUserMfaState") +
                        " " +
                        `(${err.message}). ` +
                        `Set ${PER_USER_READ_ENV}=auto (or unset it) to read each user's state through ` +
                        "authentication/requirements instead, or batch to skip the list.",
                );
            }
            if (!notServed.has(tenant)) {
                notServed.set(tenant, err.message);
                await engineLog(
                    "warning",
                    "Per-user MFA: " +
                        (err.kind === "forbidden"
                            ? "the app may not read perUserMfaState from the user list"
                            : "the tenant's user list does not serve perUserMfaState") +
                        " " +
                        `(${err.message}); reading each user's state through $batch ` +
                        "(beta users/{id}/authentication/requirements, documented) for the rest of this run. " +
                        `${PER_USER_READ_ENV}=batch skips the list; list requires it.`,
                    options.urn,
                );
            }
            trace("PerUserMfa list fallback", Date.now(), { why: err.kind });
        }
    }
    return options.upnsAnyway ? page(clients, false, options) : undefined;
}

async function page(
    clients: TenantClients,
    withStates: boolean,
    options: { urn?: string; progress?: string; expected?: ReadonlySet<string> },
): Promise<ListedUsers> {
    const started = Date.now();
    const upns: string[] = [];
    const states = withStates ? new Map<string, string>() : undefined;
    const expected = options.expected;
    let found = 0;
    const report = options.progress && expected?.size ? progressReporter(options.progress, options.urn, undefined, false) : undefined;
    const ticker = report ? setInterval(() => report(found, expected!.size), progressTickMs()) : undefined;
    let next: string | undefined = withStates ? LIST_PATH : "/users?$select=id,userPrincipalName&$top=999";
    let pages = 0;
    try {
        while (next) {
            let body: { value?: { userPrincipalName?: string; perUserMfaState?: unknown }[]; "@odata.nextLink"?: string };
            try {
                body = await clients.graph.get(next, { version: "v1.0" });
            } catch (err) {
                // The first page says whether the tenant serves the property: Graph refuses a property a type does not have with 400.
                if (withStates && pages === 0 && err instanceof TenantApiError && err.status === 400) {
                    throw new NotServed("refused", `the first page answered ${err.status}${err.code ? ` ${err.code}` : ""}`);
                }
                // 403 is a missing permission, not a missing property: listing users needs User.Read.All (user-list.md,
                // application); which permission serves perUserMfaState is not documented.
                if (withStates && pages === 0 && err instanceof TenantApiError && err.status === 403) {
                    throw new NotServed(
                        "forbidden",
                        `the first page answered 403${err.code ? ` ${err.code}` : ""}: the app is not permitted to read the ` +
                            "user list with perUserMfaState; grant User.Read.All (which permission serves perUserMfaState is not " +
                            "documented)",
                    );
                }
                throw err;
            }
            pages++;
            for (const u of body.value ?? []) {
                const upn = String(u.userPrincipalName ?? "").toLowerCase();
                upns.push(upn);
                if (states) {
                    const s = u.perUserMfaState;
                    if (s === undefined || s === null) {
                        throw new NotServed("absent", `page ${pages} lists ${upn || "a user"} without it`);
                    }
                    if (typeof s !== "string" || !DOCUMENTED_STATES.includes(s)) {
                        throw new NotServed(
                            "outsideDocumentedStates",
                            `page ${pages} gives ${upn || "a user"} ${JSON.stringify(s)}, not one of the documented states ` +
                                `${DOCUMENTED_STATES.join(", ")}`,
                        );
                    }
                    states.set(upn, s);
                }
                if (expected?.has(upn)) found++;
            }
            next = body["@odata.nextLink"];
            report?.(found, expected!.size);
        }
    } finally {
        if (ticker) clearInterval(ticker);
    }
    if (report) report(expected!.size, expected!.size);
    trace("PerUserMfa list read", started, { users: upns.length, pages, states: states ? 1 : 0 });
    return { upns, states, pages };
}

/**
 * How far back the directory audit log is read for per-user MFA changes the list may not show yet: one
 * hour. How long the user list lags a write is not documented (nor how long an entry takes to reach the
 * audit log: entra-docs reference-log-latency.md names no figure), so the bound is a choice: far above the
 * seconds-to-minutes directory replication is usually seen at, and cheap (one request for a quiet hour).
 */
export const RECENT_CHANGE_WINDOW_MS = 60 * 60 * 1000;

/** Tenants (by id) whose audit log could not be read in this process, with why (said once per tenant). */
const auditUnreadable = new Map<string, string>();

/** Forgets what this process learnt about tenants' audit logs (tests). */
export function forgetAuditSupport(): void {
    auditUnreadable.clear();
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The users whose per-user MFA state was changed within RECENT_CHANGE_WINDOW_MS, by anyone (the portal,
 * the admin endpoint, this project), from the directory audit log: `GET /auditLogs/directoryAudits` with
 * `$filter=activityDateTime ge ... and (activityDisplayName eq ... or ...)`, or one query per activity where the log
 * refuses `or`, which its pages do not list (client/anyOf.ts) (docs-contrib
 * api-reference/v1.0/api/directoryaudit-list.md; activityDisplayName and activityDateTime are filterable,
 * resources/directoryaudit.md; the activities "Enable/Disable Strong Authentication" are Core Directory's,
 * entra-docs reference-audit-activities.md). Users by the target's userPrincipalName (resources/targetresource.md:
 * "When type is set to User, this includes the user name that initiated the action"), lower case.
 *
 * A user the list shows at their target may have been moved away within the list's lag; these users are
 * read again through the documented route. Returns undefined where the log cannot be read (403: it needs
 * AuditLog.Read.All and Directory.Read.All, directoryaudit-list.md, both; or a target without a principal name):
 * the caller then does not use the list's states and reads every user through the documented route (correct,
 * at the batched path's cost, rather than fast and blind to a weakening), and the preview says so once per tenant.
 */
export async function recentlyChangedUsers(
    clients: TenantClients,
    activities: readonly string[],
    options: { urn?: string; now?: number } = {},
): Promise<Set<string> | undefined> {
    const tenant = clients.connection.tenantId.toLowerCase();
    if (auditUnreadable.has(tenant)) return undefined;
    const started = Date.now();
    const since = new Date((options.now ?? Date.now()) - RECENT_CHANGE_WINDOW_MS).toISOString();
    const users = new Set<string>();
    let why: string | undefined;
    try {
        await readAnyOf<{ targetResources?: { type?: string; id?: string; userPrincipalName?: string | null }[] }>(
            clients.graph,
            {
                route: "/auditLogs/directoryAudits",
                base: `activityDateTime ge ${since}`,
                clauses: activities.map((a) => `activityDisplayName eq ${quote(a)}`),
                rest: "&$top=999",
            },
            (entries) => {
                for (const e of entries) {
                    for (const t of e.targetResources ?? []) {
                        if (t.type && t.type !== "User") continue;
                        if (!t.userPrincipalName) {
                            why ??= `an entry names user ${t.id ?? "(no id)"} without a principal name`;
                            continue;
                        }
                        users.add(t.userPrincipalName.toLowerCase());
                    }
                }
            },
        );
    } catch (err) {
        if (!(err instanceof TenantApiError) || (err.status ?? 500) >= 500 || err.status === 429) throw err;
        why =
            err.status === 403 || err.status === 401
                ? `reading the directory audit log answered ${err.status}${err.code ? ` ${err.code}` : ""}: grant the app ` +
                  "AuditLog.Read.All and Directory.Read.All (both)"
                : `reading the directory audit log answered ${err.status}${err.code ? ` ${err.code}` : ""}`;
    }
    trace("PerUserMfa recent changes", started, { users: users.size, readable: why ? 0 : 1 });
    if (why) {
        auditUnreadable.set(tenant, why);
        await engineLog(
            "warning",
            `Per-user MFA: the users whose state changed in the last hour could not be found (${why}). The user list may not ` +
                "show a change made within its lag " +
                "(a user moved away from their target would look unchanged), so the list's states are not used: every user " +
                "is read through the documented " +
                "per-user route (beta users/{id}/authentication/requirements, $batch) for the rest of this run. " +
                `${PER_USER_READ_ENV}=batch skips the list and this check.`,
            options.urn,
        );
        return undefined;
    }
    return users;
}
