/**
 * The client side of the fidelity rules: every emulator a test starts hands its request log here when
 * it stops (tests/support/emulatorSuite.ts, and the suites that start their own), and
 * tests/emulator/zz-clientConformance.test.ts checks every request the project's clients sent
 * (providers, readiness, export, pipelines: Graph through the Graph SDK, Exchange through the
 * Exchange client, sign-in through @azure/identity) against the route rules of emulator/ruleTables.ts.
 * Requests a test sends by hand (raw fetch, to probe the emulator) and the portal-admin app's (an
 * administrator's drift) are not the project's and are not checked.
 */
import { checkBody } from "@m365-mfa/emulator";
import { CMDLETS } from "@m365-mfa/emulator";
import { RULE_TABLES } from "@m365-mfa/emulator";
import { type RouteRule, STANDARD_QUERY_OPTIONS, type Version, templateRegExp } from "@m365-mfa/emulator";
import { GRAPH_ROUTES, addStartHook } from "@m365-mfa/emulator";
import type { RequestLogEntry, RunningEmulator } from "@m365-mfa/emulator";
import { checkQuery } from "@m365-mfa/emulator";
import type { EmuRequest } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

export interface CollectedLog {
    suite: string;
    portalAppIds: string[];
    entries: RequestLogEntry[];
}

const collected: CollectedLog[] = [];
const names = new WeakMap<RunningEmulator, string>();
const done = new WeakSet<RunningEmulator>();

/** Names an emulator's run in the findings (useEmulator names it after its suite). */
export function nameEmulator(emu: RunningEmulator, suite: string): void {
    names.set(emu, suite);
}

/**
 * Every emulator this process starts hands its log over when it stops, also those a suite starts
 * itself (startEmulator directly or through harness/tenant.ts): the emulator package runs the start hook
 * added here (once: Node loads this module once per process).
 */
addStartHook({
    options: (o) => ({ recordSentBodies: true, ...o }),
    started: (emu, options) => {
        const stop = emu.stop.bind(emu);
        emu.stop = async () => {
            collectRequests(emu, names.get(emu) ?? `emulator in ${options.stateDir}`);
            return stop();
        };
    },
});

/** Keeps a copy of the emulator's request log (call before stopping it). */
export function collectRequests(emu: RunningEmulator | undefined, suite: string): void {
    if (!emu || done.has(emu)) {
        return;
    }
    done.add(emu);
    const portalAppIds: string[] = [];
    for (const id of emu.store.tenantIds()) {
        const app = emu.store.tenant(id)?.apps.find((a) => a.displayName === APPS.portal);
        if (app) portalAppIds.push(app.appId);
    }
    collected.push({ suite, portalAppIds, entries: [...emu.requests] });
}

export function collectedLogs(): readonly CollectedLog[] {
    return collected;
}

type Sender = "graph-sdk" | "exchange-client" | "identity" | undefined;

/** Which of the project's clients sent the entry, or undefined for a test's own raw request. */
export function senderOf(e: RequestLogEntry): Sender {
    if (/^\/(v1\.0|beta)\//.test(e.path) || e.batched) {
        return e.sender?.sdkVersion?.startsWith("graph-js") ? "graph-sdk" : undefined;
    }
    if (/^\/adminapi\//i.test(e.path)) {
        return e.headers?.["x-anchormailbox"] ? "exchange-client" : undefined;
    }
    if (/\/oauth2\/v2\.0\/token$|\/openid-configuration$|\/discovery\/v2\.0\/keys$/.test(e.path)) {
        return /azsdk-js|msal/i.test(e.sender?.userAgent ?? "") ? "identity" : undefined;
    }
    return undefined;
}

interface Served {
    id: string;
    route: RouteRule;
    re: RegExp;
}

const SERVED: Served[] = RULE_TABLES.flatMap((t) =>
    t.rules.filter((r) => r.route).map((r) => ({ id: r.id, route: r.route!, re: templateRegExp(r.route!.path) })),
);

const WRITE = new Set(["POST", "PATCH", "PUT"]);

/** Every problem Graph (or Exchange, or Entra) would have with one request, as documented in the rule tables. */
export function problemsOf(e: RequestLogEntry, version: Version | undefined): string[] {
    const out: string[] = [];
    const graph = /^\/(v1\.0|beta)(\/.*)$/.exec(e.path);
    const rest = graph ? graph[2] : e.path;
    const v: Version | undefined = graph ? (graph[1] as Version) : version;
    const isGraph = !!graph || !!e.batched;
    const candidates = SERVED.filter(
        (s) =>
            s.re.test(rest) &&
            (isGraph ? s.route.versions.length > 0 && (!v || s.route.versions.includes(v)) : s.route.versions.length === 0),
    );
    if (!candidates.length) {
        const other = SERVED.filter((s) => s.re.test(rest));
        return [other.length ? `not served in ${v}` : "no documented route matches this path"];
    }
    const matches = candidates.filter((s) => s.route.methods.includes(e.method));
    if (!matches.length) {
        return [`${e.method} is not a documented verb here (${[...new Set(candidates.flatMap((c) => c.route.methods))].join(", ")})`];
    }
    const params = new URLSearchParams(e.query ?? "");
    // Query options by the first (general) route rule; every rule for this path and verb adds its own checks.
    const first = matches[0];
    for (const [k, val] of params) {
        const option = k.toLowerCase();
        if (!option.startsWith("$")) continue;
        const allowed = first.route.queryOptions ?? STANDARD_QUERY_OPTIONS;
        if (!allowed.includes(option)) {
            out.push(`query option ${k} is not supported (${first.id}: ${allowed.join(", ")})`);
        }
        if (option === "$top" && first.route.maxTop !== undefined && !(Number(val) >= 1 && Number(val) <= first.route.maxTop)) {
            out.push(`$top=${val} is outside 1..${first.route.maxTop}`);
        }
        if (
            (option === "$search" || (option === "$count" && val === "true")) &&
            isGraph &&
            (e.headers?.consistencylevel ?? "").toLowerCase() !== "eventual"
        ) {
            out.push(`${k} is an advanced query: ConsistencyLevel: eventual is required`);
        }
    }
    for (const m of matches) {
        out.push(...routeProblems(e, v, isGraph, m.id, m.route, params));
    }
    if (isGraph) {
        out.push(...capabilityProblems(e, rest, v ?? "v1.0"));
    }
    const body = e.sentBody;
    if (WRITE.has(e.method) && isGraph) {
        if (body === undefined) {
            if (e.batched) out.push("a $batch write item needs a body ({} where the call takes none)");
        } else if (!/^application\/json/i.test(e.headers?.["content-type"] ?? "")) {
            out.push(`a JSON body needs Content-Type: application/json${e.batched ? " (in the $batch item's headers)" : ""}`);
        }
    }
    if (/^\/adminapi\//i.test(e.path)) {
        if (!/^application\/json/i.test(e.headers?.["content-type"] ?? "")) out.push("InvokeCommand needs a JSON Content-Type");
        const input = (body as any)?.CmdletInput;
        const cmdlet = CMDLETS.find((c) => c.name.toLowerCase() === String(input?.CmdletName ?? "").toLowerCase());
        if (!cmdlet) {
            out.push(`cmdlet ${String(input?.CmdletName)} is not one the rules know`);
        } else {
            for (const p of Object.keys(input.Parameters ?? {})) {
                if (!Object.keys(cmdlet.parameters).some((d) => d.toLowerCase() === p.replace(/^-/, "").toLowerCase()))
                    out.push(`${cmdlet.name} has no parameter ${p}`);
            }
        }
    }
    if (/\/oauth2\/v2\.0\/token$/.test(e.path) && body && typeof body === "object") {
        const b = body as { grant_type?: string; scope?: string };
        if (b.grant_type === "client_credentials" && !/\/\.default$/.test(b.scope ?? ""))
            out.push(`client credentials need a scope ending in /.default (got ${b.scope})`);
    }
    return [...new Set(out)];
}

/**
 * The query of a Graph request against the same declaration the emulator's dispatcher checks
 * (Route.query, emulator/graph/query.ts): options, per-property $filter operators from the resource
 * pages, $orderby properties. One declaration serves both sides.
 */
function capabilityProblems(e: RequestLogEntry, rest: string, version: Version): string[] {
    const route = GRAPH_ROUTES.find((r) => r.method === e.method && r.versions.includes(version) && r.pattern.test(rest));
    if (!route) return [];
    const req = { url: new URL(`https://emulator.invalid${rest}${e.query ?? ""}`), headers: e.headers ?? {} } as unknown as EmuRequest;
    try {
        checkQuery(req, route.query, e.method, rest, version);
        return [];
    } catch (err) {
        return [`query: ${(err as Error).message}`];
    }
}

/** One route rule's header, query and body checks. */
function routeProblems(
    e: RequestLogEntry,
    v: Version | undefined,
    isGraph: boolean,
    id: string,
    route: RouteRule,
    params: URLSearchParams,
): string[] {
    const out: string[] = [];
    for (const [h, want] of Object.entries(route.requires?.headers ?? {})) {
        if ((e.headers?.[h] ?? "").toLowerCase() !== want.toLowerCase()) out.push(`header ${h}: ${want} is required (${id})`);
    }
    for (const [q, want] of Object.entries(route.requires?.query ?? {})) {
        if ((params.get(q) ?? "").toLowerCase() !== want.toLowerCase()) out.push(`query ${q}=${want} is required (${id})`);
    }
    const body = e.sentBody;
    if (body === undefined || typeof body !== "object" || body === null || !isGraph) {
        return out;
    }
    const entity = route.bodyEntity?.[e.method];
    if (entity && v) {
        out.push(...checkBody(v, entity, body, `${e.method} body`));
    }
    for (const ro of route.readOnly ?? []) {
        let o: any = body;
        for (const k of ro.split(".")) o = o === undefined || o === null ? undefined : o[k];
        if (o !== undefined) out.push(`read-only property ${ro} is sent (${id})`);
    }
    if (route.writable) {
        for (const k of Object.keys(body)) {
            if (!k.includes("@odata.") && !route.writable.includes(k))
                out.push(`property ${k} is not updatable (${id}: ${route.writable.join(", ")})`);
        }
    }
    if (route.needsODataType && WRITE.has(e.method) && typeof (body as any)["@odata.type"] !== "string") {
        out.push(`the body must name the derived type in @odata.type (${id})`);
    }
    return out;
}

export interface ClientFinding {
    suite: string;
    request: string;
    problems: string[];
}

/** Checks every collected request the project's clients sent; returns what Graph would refuse, and how many were checked. */
export function checkCollected(): { checked: number; bySender: Record<string, number>; findings: ClientFinding[] } {
    const findings: ClientFinding[] = [];
    const bySender: Record<string, number> = {};
    let checked = 0;
    for (const log of collected) {
        for (let i = 0; i < log.entries.length; i++) {
            const e = log.entries[i];
            const sender = senderOf(e);
            if (!sender || (e.appId !== undefined && log.portalAppIds.includes(e.appId))) {
                continue;
            }
            // A $batch item's version is its batch's, logged right after its items.
            let version: Version | undefined;
            if (e.batched) {
                const batch = log.entries.slice(i + 1).find((x) => !x.batched && /\/\$batch$/.test(x.path));
                version = batch?.path.startsWith("/beta/") ? "beta" : "v1.0";
            }
            checked++;
            bySender[sender] = (bySender[sender] ?? 0) + 1;
            const problems = problemsOf(e, version);
            // The emulator refused this request itself, with the same query check (problems "query: ..."):
            // nothing was accepted that Graph would refuse, and the test that sent it saw the 400.
            if (e.status === 400 && problems.some((p) => p.startsWith("query: "))) {
                continue;
            }
            if (problems.length) {
                findings.push({
                    suite: log.suite,
                    request: `${e.method} ${e.batched ? `($batch ${version}) ` : ""}${e.path}${e.query ?? ""}`,
                    problems,
                });
            }
        }
    }
    return { checked, bySender, findings };
}
