import { type EmuRequest, headerValue } from "./http";

/** One request the emulator answered (or dropped), as RunningEmulator.requests and GET /_emulator/requests list it. */
export interface RequestLogEntry {
    at: string;
    method: string;
    path: string;
    status: number | "dropped";
    appId?: string;
    write: boolean;
    /** An item of a $batch (logged on its own, beside the batch request). */
    batched?: boolean;
    /** With recordBodies: the Graph version, the route's entity type and both JSON bodies. */
    version?: "v1.0" | "beta";
    entity?: string;
    requestBody?: unknown;
    responseBody?: unknown;
    /** The query string as sent ("" or "?..."), for the client conformance check. */
    query?: string;
    /** The request headers the rules look at (lower-case names; a $batch item's are its own). */
    headers?: Record<string, string>;
    /** Who sent it: the HTTP client's SdkVersion / User-Agent (a $batch item's are the batch's). */
    sender?: { sdkVersion?: string; userAgent?: string };
    /** The JSON body as sent (Graph and Exchange; for token requests only grant_type and scope, never secrets). */
    sentBody?: unknown;
    /**
     * Milliseconds from receiving the request to sending its answer (injected latency included), so the
     * request ran over [at - ms, at]. On requests only: a $batch item's time is its batch's.
     */
    ms?: number;
}

/** The request log: entries in arrival order, at most `max` (the oldest dropped). */
export class RequestLog {
    readonly entries: RequestLogEntry[] = [];

    constructor(
        private readonly max: number,
        /** Keep each request's JSON body as `sentBody` (EmulatorOptions.recordSentBodies). */
        readonly recordSentBodies = false,
    ) {}

    add(e: RequestLogEntry): void {
        this.entries.push(e);
        if (this.entries.length > this.max) {
            this.entries.splice(0, this.entries.length - this.max);
        }
    }

    /** A new entry for a request (not yet added). */
    entry(req: EmuRequest, status: number | "dropped", appId: string | undefined, write: boolean): RequestLogEntry {
        const headers: Record<string, string> = {};
        for (const h of LOGGED_HEADERS) {
            const v = headerValue(req.headers[h]);
            if (v !== undefined) headers[h] = v;
        }
        const outer = req.raw?.headers ?? {};
        const sentBody = this.recordSentBodies && req.body.length ? sentBodyOf(req) : undefined;
        return {
            at: new Date().toISOString(),
            method: req.method,
            path: req.path,
            status,
            appId,
            write,
            query: req.url.search,
            headers,
            sender: { sdkVersion: headerValue(outer.sdkversion), userAgent: headerValue(outer["user-agent"]) },
            ...(sentBody !== undefined ? { sentBody } : {}),
        };
    }
}

/** A request's JSON body for the log; of a token request only grant_type and scope, never a secret. */
function sentBodyOf(req: EmuRequest): unknown {
    if (/\/oauth2\/v2\.0\/token$/.test(req.path)) {
        const form = new URLSearchParams(req.body.toString("utf8"));
        return { grant_type: form.get("grant_type"), scope: form.get("scope") };
    }
    if (req.path.startsWith("/_")) {
        return undefined;
    }
    try {
        return JSON.parse(req.body.toString("utf8"));
    } catch {
        return "(not JSON)";
    }
}

/** Request headers the fidelity rules name (advanced queries, bodies, Exchange's routing and paging). */
const LOGGED_HEADERS = ["consistencylevel", "content-type", "prefer", "x-anchormailbox", "accept"];
