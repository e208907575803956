import * as crypto from "node:crypto";
import type * as http from "node:http";

/** One parsed request, with the ids Graph echoes back. */
export interface EmuRequest {
    readonly method: string;
    readonly url: URL;
    readonly path: string;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: Buffer;
    readonly requestId: string;
    readonly clientRequestId: string;
    readonly raw: http.IncomingMessage;
}

export interface EmuResponse {
    status: number;
    headers?: Record<string, string>;
    /** JSON body (objects) or a raw string; undefined for no body. */
    body?: unknown;
}

/** An answer in Graph's OData error shape. */
export class GraphHttpError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
        readonly headers: Record<string, string> = {},
    ) {
        super(message);
    }
}

export const JSON_ODATA = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

export function graphErrorBody(req: EmuRequest, code: string, message: string) {
    return {
        error: {
            code,
            message,
            innerError: {
                date: new Date().toISOString().replace(/\.\d{3}Z$/, ""),
                "request-id": req.requestId,
                "client-request-id": req.clientRequestId,
            },
        },
    };
}

export function readRequest(raw: http.IncomingMessage): Promise<EmuRequest> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        raw.on("data", (c: Buffer) => chunks.push(c));
        raw.on("error", reject);
        raw.on("end", () => {
            // The request target is a path, never a scheme-relative URL: `//tenant/oauth2/...` (what
            // go-azure-sdk sends, joining ARM's loginEndpoint "https://login.microsoftonline.com/" with
            // "/{tenant}/oauth2/v2.0/token") is the path /tenant/oauth2/..., which Entra answers.
            const url = new URL(`https://emulator.invalid${(raw.url ?? "/").replace(/^\/{2,}/, "/")}`);
            const clientRequestId = headerValue(raw.headers["client-request-id"]) ?? crypto.randomUUID();
            resolve({
                method: (raw.method ?? "GET").toUpperCase(),
                url,
                path: decodeURIComponent(url.pathname).replace(/\/+$/, "") || "/",
                headers: raw.headers,
                body: Buffer.concat(chunks),
                requestId: crypto.randomUUID(),
                clientRequestId,
                raw,
            });
        });
    });
}

export function headerValue(h: string | string[] | undefined): string | undefined {
    return Array.isArray(h) ? h[0] : h;
}

/** Parses a JSON request body as Graph does: a JSON object, with a JSON content type. */
export function jsonBody(req: EmuRequest): Record<string, unknown> {
    const type = headerValue(req.headers["content-type"]) ?? "";
    if (!/^application\/json/i.test(type)) {
        throw new GraphHttpError(415, "UnsupportedMediaType", `Content-Type '${type}' is not supported; use application/json.`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(req.body.toString("utf8"));
    } catch {
        throw new GraphHttpError(
            400,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        );
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new GraphHttpError(400, "BadRequest", "The request payload must be a JSON object.");
    }
    return parsed as Record<string, unknown>;
}

export function writeResponse(raw: http.ServerResponse, req: EmuRequest, out: EmuResponse): void {
    const headers: Record<string, string> = {
        "request-id": req.requestId,
        "client-request-id": req.clientRequestId,
        "x-ms-ags-diagnostic": JSON.stringify({ ServerInfo: { DataCenter: "Emulator", Slice: "E", Ring: "0" } }),
        ...(out.headers ?? {}),
    };
    let payload: string | undefined;
    if (out.body !== undefined) {
        payload = typeof out.body === "string" ? out.body : JSON.stringify(out.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
            headers["Content-Type"] = JSON_ODATA;
        }
    }
    raw.writeHead(out.status, headers);
    raw.end(payload);
}

/**
 * What one dispatched call answers, with what the request log records of it: the token's app, whether
 * it wrote, and for a Graph route its version and entity type (for the schema conformance tests).
 */
export interface Answer {
    response: EmuResponse;
    appId?: string;
    write: boolean;
    version?: "v1.0" | "beta";
    entity?: string;
}

/** A dispatched call's outcome: an answer, or the connection dropped before one (an injected fault). */
export type Dispatched = Answer | "drop";

/** A GraphHttpError as the Graph error answer it stands for; any other error is thrown on. */
export function errorAnswer(req: EmuRequest, err: unknown, appId?: string): Answer {
    if (err instanceof GraphHttpError) {
        return {
            response: { status: err.status, headers: err.headers, body: graphErrorBody(req, err.code, err.message) },
            appId,
            write: false,
        };
    }
    throw err;
}
