/**
 * The emulator's seeded fault generator: every random fault (429, 503, dropped connection) is drawn
 * from a PRNG seeded by `Faults.seed`, so that a failing run replays exactly: the same seed and the
 * same sequence of requests give the same sequence of faults. One number is drawn per request
 * (never more, never fewer), whatever the rates, so that a replay does not drift.
 */
export type FaultKind = "429" | "503" | "drop";

/** mulberry32: a small, fast 32-bit PRNG with good statistical quality for this use. Returns [0, 1). */
export function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export interface FaultRates {
    rate429?: number;
    rate5xx?: number;
    dropRate?: number;
}

/**
 * The fault for one request from one draw r in [0, 1): [0, drop) drops the connection,
 * [drop, drop + 429) throttles, then [.., + 5xx) answers 503; otherwise none. `allowDrop` false (an
 * item inside a $batch, which has no connection of its own) turns a drop into no fault.
 */
export function faultFor(rates: FaultRates, r: number, allowDrop = true): FaultKind | undefined {
    const drop = rates.dropRate ?? 0;
    const throttle = rates.rate429 ?? 0;
    const unavailable = rates.rate5xx ?? 0;
    if (r < drop) {
        return allowDrop ? "drop" : undefined;
    }
    if (r < drop + throttle) {
        return "429";
    }
    if (r < drop + throttle + unavailable) {
        return "503";
    }
    return undefined;
}

/** A seed for faults given without one (so that every run has a seed to print and replay). */
export function freshSeed(): number {
    return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/**
 * Faults at the Entra ID token endpoint (POST /{tenant}/oauth2/v2.0/token), drawn from the same seeded
 * generator (one draw per token request) when `tokenEndpoint` rates are set:
 * - 429 with Retry-After: for the client credentials grant Entra ID "will reply with 429 Too Many
 *   Requests, with a Retry-After: 60 header" (learn.microsoft.com entra/msal/dotnet/advanced/
 *   client-and-server-throttling, "Server throttling"); the seconds here are `retryAfterSeconds`
 *   (default 1, like the Graph faults). The body of that answer is not documented; MSAL.NET issue
 *   AzureAD/microsoft-authentication-library-for-dotnet#2855 shows it as the plain text
 *   "Too Many Requests", which is also the stricter shape for a client (no JSON to read), so that is sent;
 * - 503 without Retry-After: "If AAD is having problems it may respond with an HTTP 5xx error code with
 *   no Retry-After header" (MSAL.NET wiki, Client Throttling); its body is not documented either: plain
 *   text "Service Unavailable" (stricter, as above);
 * - a dropped connection, as for Graph.
 */
export interface TokenEndpointFaults extends FaultRates {
    retryAfterSeconds?: number;
}

const TOKEN_PATH = /^\/[^/]+\/oauth2\/v2\.0\/token$/;

/** The fault for one request when it is a token request and token faults are on; undefined otherwise (no draw). */
export function tokenEndpointFault(
    request: { method: string; path: string },
    faults: TokenEndpointFaults | undefined,
    random: () => number,
): { status: number; headers: Record<string, string>; body: string } | "drop" | undefined {
    if (!faults || !(faults.rate429 || faults.rate5xx || faults.dropRate) || request.method !== "POST" || !TOKEN_PATH.test(request.path)) {
        return undefined;
    }
    switch (faultFor(faults, random())) {
        case "drop":
            return "drop";
        case "429":
            return {
                status: 429,
                headers: { "Retry-After": String(faults.retryAfterSeconds ?? 1), "Content-Type": "text/plain" },
                body: "Too Many Requests",
            };
        case "503":
            return { status: 503, headers: { "Content-Type": "text/plain" }, body: "Service Unavailable" };
    }
    return undefined;
}
