import type { TenantClients } from "../../client";
import { readAnyOf } from "../../client/anyOf";
import { TenantApiError } from "../../client";
import { pages, runBatched } from "../../client/batch";

/**
 * Readiness before enforcing MFA, as Microsoft advises: check the sign-in logs for legacy protocols
 * and the registration report for users with no MFA method, before turning anything on.
 *
 * With Entra ID P1: sign-in logs (legacy clientAppUsed values over a window) and the registration
 * report (userRegistrationDetails). Without P1 (Graph answers 403
 * Authentication_RequestFromNonPremiumTenantOrB2CTenant): sign-in logs cannot be known, and the
 * registration of the users in question is read one by one from /users/{id}/authentication/methods.
 */
export const LEGACY_CLIENT_APPS = [
    "Authenticated SMTP",
    "Autodiscover",
    "Exchange ActiveSync",
    "Exchange Online PowerShell",
    "Exchange Web Services",
    "IMAP4",
    "MAPI Over HTTP",
    "Offline Address Book",
    "Outlook Anywhere (RPC over HTTP)",
    "Outlook Service",
    "POP3",
    "Reporting Web Services",
    "Other clients",
];

export interface LegacyUse {
    protocol: string;
    count: number;
    lastSeen: string;
    apps: string[];
}

export interface UserFinding {
    userPrincipalName: string;
    isAdmin?: boolean;
    /** undefined when it could not be known. */
    mfaRegistered?: boolean;
    methods?: string[];
    legacy: LegacyUse[];
}

export interface ReadinessReport {
    generatedAt: string;
    windowDays: number;
    /** Whether sign-in logs and the registration report were available (Entra ID P1). */
    premium: boolean;
    /** Plain statements about what could not be known and why. */
    notes: string[];
    /** Users with legacy sign-ins in the window, by UPN (lower case). */
    legacy: Map<string, UserFinding>;
    /** Users with no MFA method registered (for P1 tenants: all of them; otherwise those asked about). */
    unregistered: Map<string, UserFinding>;
}

export interface AssessOptions {
    windowDays?: number;
    /**
     * Pages of the whole sign-in log read before switching to one query per legacy protocol (default:
     * the number of protocols less one, where the per-protocol queries start to cost fewer requests).
     */
    wideSignInPages?: number;
    /** Sign-ins per page ($top; Graph's maximum and default is 1,000). */
    signInPageSize?: number;
    /**
     * Read the legacy sign-ins with one query for all legacy protocols (`clientAppUsed eq '...' or ...`; default)
     * before the documented per-protocol ways; false skips it.
     */
    combinedSignInQuery?: boolean;
    /** Without P1, the users whose registration to read one by one. */
    users?: string[];
    onProgress?: (what: string, count: number) => void;
}

const PREMIUM_ERROR = "Authentication_RequestFromNonPremiumTenantOrB2CTenant";

/**
 * M365_MFA_READINESS=drift-check: set by `m365-mfa drift` on its preview only (pipelines/localEngine.ts
 * DRIFT_CHECK_ENV). The drift report lists what drifted and who changed it, never who a repair would break,
 * so that preview does not read the sign-in logs and the registration report (at 10,000 users about 17
 * requests under the reports limit of five per 10 s: most of the drift check's time, BENCHMARKS.md issue #27);
 * the report says so in a note, which the settings show as a warning. Anything that enforces still assesses:
 * `drift --remediate` runs `pulumi up` without it, and its check reads readiness before enforcing.
 */
export const READINESS_ENV = "M365_MFA_READINESS";
export const READINESS_DRIFT_CHECK = "drift-check";

/** Whether this run is a drift check's preview (READINESS_ENV); a value that is not one is refused, naming the variable and the fix. */
export function isDriftCheckPreview(env: NodeJS.ProcessEnv = process.env): boolean {
    const raw = env[READINESS_ENV];
    if (raw === undefined || raw.trim() === "") return false;
    if (raw.trim().toLowerCase() === READINESS_DRIFT_CHECK) return true;
    throw new Error(
        `${READINESS_ENV}=${JSON.stringify(raw)} is not understood: the only value is ${READINESS_DRIFT_CHECK} (set by ` +
            "m365-mfa drift on its own preview, whose report does not list readiness); unset it everywhere else.",
    );
}

/** A report with nothing found yet (premium until the tenant says otherwise). */
function emptyReport(windowDays: number): ReadinessReport {
    return { generatedAt: new Date().toISOString(), windowDays, premium: true, notes: [], legacy: new Map(), unregistered: new Map() };
}

export async function assessReadiness(clients: TenantClients, options: AssessOptions = {}): Promise<ReadinessReport> {
    const windowDays = options.windowDays ?? 30;
    const report = emptyReport(windowDays);
    if (isDriftCheckPreview()) {
        report.notes.push(
            `not assessed in this preview: it is m365-mfa drift's check (${READINESS_ENV}=${READINESS_DRIFT_CHECK}), whose ` +
                "report lists what drifted, not who a repair would break. " +
                "pulumi up (and drift --remediate) reads the sign-in logs and the registration report before enforcing; npm " +
                "run readiness prints them now.",
        );
        return report;
    }
    const read = await sharedRead(clients, windowDays, options);
    report.generatedAt = read.generatedAt;
    report.premium = read.premium;
    report.notes.push(...read.notes);
    report.legacy = new Map(read.legacy);
    report.unregistered = new Map(read.unregistered);
    if (!read.premium) {
        // Per caller: the users in question are the caller's.
        await registrationOneByOne(clients, report, options);
    }
    return report;
}

/** How long a shared read serves the settings that ask after it (within one engine operation, the provider's process). */
export const READINESS_SHARE_MS = 60_000;

let sharing = false;
const shared = new Map<string, { at: number; read: Promise<ReadinessReport> }>();

/**
 * One readiness read per engine operation, shared by every setting that asks (per-user MFA, the Conditional Access
 * rollout gates, the Exchange authentication policy's warning): in a preview of the migration preset several settings
 * assess readiness, and each read costs requests under the reports limit of five per 10 s. Switched on in the
 * dynamic-provider process only (providers/runtime.ts), which lives for one engine operation; the settings run in
 * this process for tests read afresh each time. A read that fails is not shared.
 */
export function shareReadinessReads(on = true): void {
    sharing = on;
    shared.clear();
}

function sharedRead(clients: TenantClients, windowDays: number, options: AssessOptions): Promise<ReadinessReport> {
    if (!sharing) return tenantRead(clients, windowDays, options);
    const key = [
        clients.connection.tenantId.toLowerCase(),
        windowDays,
        options.wideSignInPages,
        options.signInPageSize,
        options.combinedSignInQuery,
    ].join("|");
    const hit = shared.get(key);
    if (hit && Date.now() - hit.at < READINESS_SHARE_MS) return hit.read;
    const read = tenantRead(clients, windowDays, options);
    shared.set(key, { at: Date.now(), read });
    read.catch(() => {
        if (shared.get(key)?.read === read) shared.delete(key);
    });
    return read;
}

/** The tenant's part of a readiness report: the sign-in logs and the registration report (Entra ID P1), or that they are not available. */
async function tenantRead(clients: TenantClients, windowDays: number, options: AssessOptions): Promise<ReadinessReport> {
    const report = emptyReport(windowDays);
    const since = new Date(Date.now() - windowDays * 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    try {
        await legacySignIns(clients, report, since, options);
        let rows = 0;
        for await (const page of pages<any>(
            clients.graph,
            "/reports/authenticationMethods/userRegistrationDetails?$filter=isMfaRegistered eq false",
        )) {
            for (const r of page) {
                const upn = String(r.userPrincipalName).toLowerCase();
                report.unregistered.set(upn, {
                    userPrincipalName: upn,
                    isAdmin: !!r.isAdmin,
                    mfaRegistered: false,
                    methods: r.methodsRegistered ?? [],
                    legacy: report.legacy.get(upn)?.legacy ?? [],
                });
            }
            rows += page.length;
            options.onProgress?.("registration report", rows);
        }
    } catch (err) {
        if (!(err instanceof TenantApiError && err.status === 403 && err.code === PREMIUM_ERROR)) {
            throw err;
        }
        report.premium = false;
        report.legacy.clear();
        report.unregistered.clear();
        report.notes.push(
            "This tenant has no Microsoft Entra ID P1: sign-in logs and the registration report are not available, so " +
                "legacy-protocol use cannot be known. Check Exchange Online's SMTP AUTH and POP/IMAP usage reports by hand " +
                "before enforcing.",
        );
    }
    return report;
}

/**
 * The clientAppUsed values queried: each legacy protocol as LEGACY_CLIENT_APPS names it, and the other spellings
 * in use. The spelling varies between sources (entra-docs howto-customize-filter-logs.md, "Legacy authentication client
 * details": "Autodiscover", "MAPI over HTTP"; CIPP-API ListBasicAuth/run.ps1 and jasonfritts/AADReportingAPI filter on
 * 'AutoDiscover' and 'MAPI Over HTTP'), and whether the sign-in log's `eq` ignores case is not documented: every known
 * spelling is asked for, so that a case-sensitive `eq` misses none.
 */
export const LEGACY_CLIENT_APP_SPELLINGS: readonly string[] = [...LEGACY_CLIENT_APPS, "AutoDiscover", "MAPI over HTTP"];

const eqClientApp = (p: string) => `clientAppUsed eq '${p.replace(/'/g, "''")}'`;

/**
 * Legacy-protocol sign-ins of the window. First one query for every legacy protocol at once:
 * `createdDateTime ge <since> and (clientAppUsed eq '<protocol>' or ...)`, one request per 1,000 legacy
 * sign-ins whatever the tenant's sign-in volume (legacy sign-ins are few), so that readiness stays within the
 * reports limit of five requests per 10 s. Each clause is documented (clientAppUsed `eq`, createdDateTime `ge`:
 * resources/signin.md), and `and` and `or` are among the operators Graph supports (concepts/filter-query-parameter.md),
 * which adds that support "may vary" by resource; the sign-in pages do not say. Peers' code sends the combination to
 * sign-ins (on /beta: CIPP-API ListBasicAuth/run.ps1, jasonfritts/AADReportingAPI MSGraphSDK_ExportLogs.ps1); their
 * code does not show Graph's answer. So it is tried (client/anyOf.ts), and a sign-in log that refuses it (400 on its first page) is read
 * the documented way below for the rest of the process, and each report says so. A 400 on a later page is an error.
 */
async function legacySignIns(clients: TenantClients, report: ReadinessReport, since: string, options: AssessOptions): Promise<void> {
    const counted = new Set<string>();
    let seen = 0;
    const takePage = (page: any[]) => {
        for (const s of page) takeSignIn(report, counted, s);
        seen += page.length;
        options.onProgress?.("sign-ins", seen);
    };
    const documented = () => legacySignInsDocumented(clients, since, options, takePage);
    if (options.combinedSignInQuery === false) return documented();
    await readAnyOf<any>(
        clients.graph,
        {
            route: SIGN_INS,
            base: `createdDateTime ge ${since}`,
            clauses: LEGACY_CLIENT_APP_SPELLINGS.map(eqClientApp),
            rest: `&$top=${options.signInPageSize ?? 1000}`,
        },
        takePage,
        async (refusal) => {
            await documented();
            // Said once the documented read has gone through (a log that cannot be read at all says so instead).
            report.notes.push(
                `The sign-in log refused one query for all legacy protocols (400 ${refusal}); legacy sign-ins are read the ` +
                    "documented way (the whole window, then one query per protocol), which costs more requests under the " +
                    "reports limit of five per 10 s.",
            );
        },
    );
}

const SIGN_INS = "/auditLogs/signIns";

function signInQuery(filter: string, options: AssessOptions): string {
    return `${SIGN_INS}?$filter=${encodeURIComponent(filter)}&$top=${options.signInPageSize ?? 1000}`;
}

/** Counts one sign-in (once, by id) when its client is a legacy protocol. */
function takeSignIn(report: ReadinessReport, counted: Set<string>, s: any): void {
    if (counted.has(s.id)) return;
    counted.add(s.id);
    if (!LEGACY_LOWER.has(String(s.clientAppUsed).toLowerCase())) return;
    const upn = String(s.userPrincipalName).toLowerCase();
    const f = report.legacy.get(upn) ?? { userPrincipalName: upn, legacy: [] };
    // Casing of clientAppUsed varies in practice: group case-insensitively.
    let use = f.legacy.find((l) => l.protocol.toLowerCase() === String(s.clientAppUsed).toLowerCase());
    if (!use) {
        use = { protocol: s.clientAppUsed, count: 0, lastSeen: s.createdDateTime, apps: [] };
        f.legacy.push(use);
    }
    use.count++;
    if (s.createdDateTime > use.lastSeen) use.lastSeen = s.createdDateTime;
    if (s.appDisplayName && !use.apps.includes(s.appDisplayName)) use.apps.push(s.appDisplayName);
    report.legacy.set(upn, f);
}

const LEGACY_LOWER = new Set(LEGACY_CLIENT_APPS.map((a) => a.toLowerCase()));

/**
 * Legacy-protocol sign-ins of the window where the combined query is refused, read with only what the sign-in log documents: $top,
 * $skiptoken and $filter (no $select; docs-contrib api-reference/v1.0/api/signin-list.md), and per
 * property only the operators resources/signin.md lists: clientAppUsed `eq` only (no `in`),
 * createdDateTime `eq`, `le`, `ge`. Sign-in logs are under the Entra logs and reports limit of five
 * requests per 10 seconds per app per tenant (includes/throttling-entra-logs-reports.md), so the
 * number of requests is what costs: every request runs after the one before (never in parallel), and a
 * 429 from the limit carries Retry-After, which the Graph client's retry policy waits out
 * (client/retry.ts).
 *
 * Two documented ways, whichever needs fewer requests:
 * - the whole log of the window (`createdDateTime ge <since>`), filtered here: one request per 1,000
 *   sign-ins, newest first ("the most recent sign-ins are returned first", signin-list.md);
 * - one query per legacy protocol (`... and clientAppUsed eq '<protocol>'`): 15 requests (every spelling), whatever the
 *   tenant's sign-in volume, as legacy sign-ins are few.
 * The whole log is read first; once it has taken as many pages as the per-protocol queries would cost
 * and still goes on, the rest of the window (`createdDateTime le <oldest sign-in read>`) is read per
 * protocol, and a sign-in read both ways counts once (by id).
 */
async function legacySignInsDocumented(
    clients: TenantClients,
    since: string,
    options: AssessOptions,
    takePage: (page: any[]) => void,
): Promise<void> {
    const widePages = options.wideSignInPages ?? LEGACY_CLIENT_APP_SPELLINGS.length - 1;
    const query = (filter: string) => signInQuery(filter, options);
    let oldest: string | undefined;
    let complete = false;
    if (widePages > 0) {
        // Paged by hand to see each page's @odata.nextLink: the log is complete when a page has none.
        let next: string | undefined = query(`createdDateTime ge ${since}`);
        for (let read = 0; next && read < widePages; read++) {
            const page: { value?: any[]; "@odata.nextLink"?: string } = await clients.graph.get(next);
            const value = page.value ?? [];
            takePage(value);
            if (value.length) oldest = value[value.length - 1].createdDateTime;
            next = page["@odata.nextLink"];
        }
        complete = !next;
    }
    if (complete) return;
    const upTo = oldest ? ` and createdDateTime le ${oldest}` : "";
    for (const protocol of LEGACY_CLIENT_APP_SPELLINGS) {
        for await (const page of pages<any>(clients.graph, query(`createdDateTime ge ${since}${upTo} and ${eqClientApp(protocol)}`))) {
            takePage(page);
        }
    }
}

/** Without P1: reads the methods of the given users (UserAuthenticationMethod.Read.All), batched. */
async function registrationOneByOne(clients: TenantClients, report: ReadinessReport, options: AssessOptions) {
    const users = options.users ?? [];
    if (!users.length) {
        return;
    }
    const { results } = await runBatched(
        clients.graph,
        users.map((u) => ({ method: "GET" as const, url: `/users/${encodeURIComponent(u)}/authentication/methods` })),
    );
    let unknown = 0;
    users.forEach((u, i) => {
        const r = results[i];
        if (r.status !== 200) {
            unknown++;
            return;
        }
        const methods = (r.body.value as any[])
            .map((m) => String(m["@odata.type"] ?? "").replace("#microsoft.graph.", ""))
            .filter((t) => t !== "passwordAuthenticationMethod");
        if (!methods.some((m) => m !== "emailAuthenticationMethod" && m !== "temporaryAccessPassAuthenticationMethod")) {
            report.unregistered.set(u.toLowerCase(), { userPrincipalName: u.toLowerCase(), mfaRegistered: false, methods, legacy: [] });
        }
    });
    options.onProgress?.("authentication methods", users.length);
    if (unknown) {
        report.notes.push(`The authentication methods of ${unknown} users could not be read (grant UserAuthenticationMethod.Read.All).`);
    }
}

/** What a planned change to these users would break: legacy protocol use and missing registration. */
export function findingsFor(report: ReadinessReport, users: Iterable<string>): UserFinding[] {
    const out: UserFinding[] = [];
    for (const raw of users) {
        const upn = raw.toLowerCase();
        const legacy = report.legacy.get(upn)?.legacy ?? [];
        const unreg = report.unregistered.get(upn);
        if (legacy.length || unreg) {
            out.push({
                userPrincipalName: upn,
                isAdmin: unreg?.isAdmin,
                mfaRegistered: unreg ? false : report.premium ? true : undefined,
                methods: unreg?.methods,
                legacy,
            });
        }
    }
    return out.sort((a, b) => a.userPrincipalName.localeCompare(b.userPrincipalName));
}

export function describeFinding(f: UserFinding): string {
    const parts: string[] = [];
    if (f.mfaRegistered === false) parts.push("no MFA method registered");
    for (const l of f.legacy) parts.push(`${l.protocol} ${l.count}x, last ${l.lastSeen.slice(0, 10)}`);
    return `${f.userPrincipalName}${f.isAdmin ? " (admin)" : ""}: ${parts.join("; ")}`;
}
