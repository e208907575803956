import type { FaultInjector } from "./faults";
import type { GraphCall } from "./graph/call";
import { type Answer, type EmuRequest, type EmuResponse, JSON_ODATA, errorAnswer, graphErrorBody, headerValue, jsonBody } from "./http";
import type { Identity } from "./identity";
import type { RequestLog } from "./requestLog";

export interface BatchDeps {
    readonly identity: Identity;
    readonly faults: FaultInjector;
    readonly graph: GraphCall;
    readonly log: RequestLog;
    /** Keep each item's request and response bodies in its log entry (EmulatorOptions.recordBodies). */
    readonly recordBodies?: boolean;
}

/**
 * JSON batching as Graph documents it: at most 20 requests with unique ids, every write item
 * (POST/PATCH/PUT) carries a body and a Content-Type, dependsOn runs after its dependencies and answers
 * 424 when one failed; the batch answers 200 and each item carries its own status (each item is
 * throttled on its own, and logged on its own beside the batch request).
 */
export function batchExecutor({
    identity,
    faults,
    graph,
    log,
    recordBodies,
}: BatchDeps): (req: EmuRequest, version: "v1.0" | "beta") => Answer {
    return (req, version) => {
        const bad = (message: string) => ({ response: { status: 400, body: graphErrorBody(req, "BadRequest", message) }, write: false });
        let requests: any[];
        try {
            identity.verify(headerValue(req.headers.authorization), "graph");
            requests = jsonBody(req).requests as any[];
        } catch (err) {
            return errorAnswer(req, err);
        }
        if (!Array.isArray(requests) || requests.length === 0) {
            return bad("Invalid batch payload format.");
        }
        if (requests.length > 20) {
            return bad("Number of requests in batch is too large. Maximum is 20.");
        }
        const ids = new Set<string>();
        for (const r of requests) {
            if (typeof r?.id !== "string" || !r.id || typeof r.method !== "string" || typeof r.url !== "string") {
                return bad("Invalid batch payload format: every request needs id, method and url.");
            }
            // Ids are compared case-insensitively (json-batching.md: "The id value must be unique within the batch
            // and is not case-sensitive"), for uniqueness and for dependsOn.
            if (ids.has(r.id.toLowerCase())) {
                return bad(`Batch request ids must be unique; '${r.id}' appears more than once.`);
            }
            ids.add(r.id.toLowerCase());
            const hasContentType = Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === "content-type");
            // Every write item (POST, PATCH, PUT) needs a body and a Content-Type, `{}` where the call takes
            // no body; otherwise the whole batch is refused. Source: docs-contrib concepts/json-batching.md
            // ("you must still specify the headers and body parameters where only body can be an empty
            // object") and microsoftgraph/msgraph-sdk-dotnet#2628 (the 400 and its text). A body without a
            // Content-Type on any other method is refused the same way (json-batching.md: "When a body is
            // included with the request, the headers object must contain a value for Content-Type").
            if (
                WRITE_METHODS.has(String(r.method).toUpperCase())
                    ? r.body === undefined || !hasContentType
                    : r.body !== undefined && !hasContentType
            ) {
                return bad(`Write request id : ${r.id} does not contain Content-Type header or body.`);
            }
            for (const d of r.dependsOn ?? []) {
                if (typeof d !== "string" || !requests.some((o) => typeof o?.id === "string" && o.id.toLowerCase() === d.toLowerCase())) {
                    return bad(`Request id ${r.id} depends on '${d}', which is not in the batch.`);
                }
            }
        }
        const status = new Map<string, number>();
        const key = (id: string) => id.toLowerCase();
        const responses: any[] = [];
        let anyWrite = false;
        const done = (r: any) => status.has(key(r.id));
        while (responses.length < requests.length) {
            const ready = requests.filter((r) => !done(r) && (r.dependsOn ?? []).every((d: string) => status.has(key(d))));
            if (!ready.length) {
                return bad("The dependsOn graph of the batch has a cycle.");
            }
            for (const r of ready) {
                const failedDep = (r.dependsOn ?? []).find((d: string) => (status.get(key(d)) ?? 0) >= 400);
                if (failedDep) {
                    status.set(key(r.id), 424);
                    responses.push({
                        id: r.id,
                        status: 424,
                        headers: { "Cache-Control": "no-cache", "Content-Type": "application/json" },
                        body: graphErrorBody(req, "FailedDependency", `The request depends on request '${failedDep}', which failed.`),
                    });
                    continue;
                }
                const url = new URL(r.url.startsWith("/") ? r.url : `/${r.url}`, "https://emulator.invalid");
                const sub: EmuRequest = {
                    ...req,
                    method: r.method.toUpperCase(),
                    url,
                    path: decodeURIComponent(url.pathname).replace(/\/+$/, ""),
                    headers: { ...lowerKeys(r.headers ?? {}), authorization: req.headers.authorization },
                    body: r.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(r.body)),
                };
                // Faults reach each item on its own (as Graph throttles items), from the seeded generator.
                const out = faults.batchItem(sub) ?? graph(sub, version, sub.path);
                anyWrite ||= out.write;
                status.set(key(r.id), out.response.status);
                const entry = log.entry(sub, out.response.status, out.appId, out.write);
                entry.batched = true;
                if (recordBodies && out.entity) {
                    Object.assign(entry, { version, entity: out.entity, requestBody: r.body, responseBody: out.response.body });
                }
                log.add(entry);
                responses.push({
                    id: r.id,
                    status: out.response.status,
                    headers: itemHeaders(out.response),
                    ...(out.response.body !== undefined ? { body: out.response.body } : {}),
                });
            }
        }
        return { response: { status: 200, headers: { "Content-Type": "application/json" }, body: { responses } }, write: anyWrite };
    };
}

/**
 * A $batch item's headers as Graph returns them (json-batching.md's response example: each item has
 * "Cache-Control": "no-cache", its x-ms-resource-unit where the service reports one, and the Content-Type
 * of its body: the OData JSON type with "OData-Version": "4.0" on an OData answer, "application/json" on
 * an error).
 */
function itemHeaders(out: EmuResponse): Record<string, string> {
    const headers: Record<string, string> = { "Cache-Control": "no-cache", ...(out.headers ?? {}) };
    if (out.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
        const error = out.status >= 400 && typeof out.body === "object" && out.body !== null && "error" in out.body;
        if (typeof out.body === "string") {
            headers["Content-Type"] = "text/plain";
        } else if (error) {
            headers["Content-Type"] = "application/json";
        } else {
            headers["OData-Version"] = "4.0";
            headers["Content-Type"] = JSON_ODATA;
        }
    }
    return headers;
}

/** The methods json-batching.md calls write requests (each needs a body and a Content-Type). */
const WRITE_METHODS = new Set(["POST", "PATCH", "PUT"]);

function lowerKeys(h: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
