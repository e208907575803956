import { type Answer, type Dispatched, type EmuRequest, graphErrorBody } from "./http";

/**
 * The emulator's seeded fault generator: every random fault (429, 503, dropped connection) is drawn
 * from a PRNG seeded by `Faults.seed`, so that a failing run replays exactly: the same seed and the
 * same sequence of requests give the same sequence of faults. One number is drawn per request
 * (never more, never fewer), whatever the rates, so that a replay does not drift.
 */
export type FaultKind = "429" | "503" | "drop";

/** The faults an emulator injects (EmulatorOptions.faults, RunningEmulator.faults, PUT /_emulator/faults). */
export interface Faults {
    /** Added to every Graph/Exchange answer, in milliseconds. */
    latencyMs?: number;
    /** Share (0..1) of Graph/Exchange requests answered 429 with Retry-After. */
    rate429?: number;
    /** Share (0..1) of Graph/Exchange requests answered 503. */
    rate5xx?: number;
    /** Share (0..1) of Graph/Exchange requests whose connection is dropped before an answer. */
    dropRate?: number;
    /** Lifetime of newly issued tokens in seconds (default 3599). */
    tokenLifetimeSeconds?: number;
    /**
     * Tokens that expire early: the JWT's exp is this many seconds away although expires_in still
     * says tokenLifetimeSeconds, as when a token is revoked or clocks disagree. Clients must sign in again.
     */
    tokenExpiresEarlySeconds?: number;
    /**
     * The apps (display names or app ids) whose tokens expire early; unset: every app. An artificial
     * fault (Entra's tokens live what expires_in says unless revoked), so a run can give it to the
     * clients that renew on a 401 and keep honest lifetimes for one that renews on expires_in only
     * (the azuread plugin: go-azure-sdk sdk/auth/cached_authorizer.go renews when the token is due by
     * its expiry, never on a 401). The token endpoint's other faults reach every app.
     */
    tokenExpiresEarlyApps?: string[];
    /** Seconds sent in Retry-After with injected 429s (default 1). */
    retryAfterSeconds?: number;
    /** Faults at the token endpoint (429 with Retry-After, 503, dropped connections), from the same seeded generator. */
    tokenEndpoint?: TokenEndpointFaults;
    /** Deterministic faults: the next `count` Graph/Exchange requests whose path contains `match`. */
    next?: { kind: "429" | "503" | "drop"; count: number; match?: string }[];
    /** Deterministic faults inside $batch: the next `count` batch items whose path contains `match` get this status. */
    batchItems?: { kind: "429" | "503"; count: number; match?: string }[];
    /**
     * Seed of the generator random faults (rate429, rate5xx, dropRate; also applied to each $batch item,
     * except drops) are drawn from: the same seed replays the same faults. Given faults without a seed
     * get a fresh one, shown here (emu.faults.seed, PUT /_emulator/faults's answer).
     */
    seed?: number;
}

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

function hasRandomFaults(f: Faults): boolean {
    return !!(f.rate429 || f.rate5xx || f.dropRate);
}

/** An injected answer: 429 with Retry-After, or 503, in Graph's error shape. */
function injected(req: EmuRequest, kind: "429" | "503", retryAfterSeconds: number | undefined): Answer {
    return kind === "429"
        ? {
              response: {
                  status: 429,
                  headers: { "Retry-After": String(retryAfterSeconds ?? 1) },
                  body: graphErrorBody(req, "TooManyRequests", "Too many requests. Please try again later."),
              },
              write: false,
          }
        : {
              response: {
                  status: 503,
                  body: graphErrorBody(req, "serviceNotAvailable", "Service is temporarily unavailable. Please try again later."),
              },
              write: false,
          };
}

/**
 * One emulator's fault injection: the installed faults and the seeded generator they draw from. Each
 * Graph/Exchange request takes one draw (`request`), each $batch item one (`batchItem`), each token
 * request one when token faults are on (`tokenRequest`).
 */
export class FaultInjector {
    private current: Faults = {};
    private random: () => number = Math.random;

    constructor(initial: Faults = {}) {
        this.faults = initial;
    }

    get faults(): Faults {
        return this.current;
    }

    /** Installs faults and restarts the seeded generator they draw from (a fresh seed when none is given). */
    set faults(f: Faults) {
        this.current = f;
        f.seed ??= freshSeed();
        this.random = mulberry32(f.seed);
    }

    /** The fault of a token request (./identity.ts answers the rest), or undefined. */
    tokenRequest(req: EmuRequest): Dispatched | undefined {
        const fault = tokenEndpointFault(req, this.current.tokenEndpoint, this.random);
        if (!fault) {
            return undefined;
        }
        return fault === "drop" ? "drop" : { response: fault, write: false };
    }

    /** The injected latency, then the fault of one Graph/Exchange request (a deterministic one first), or undefined. */
    async request(req: EmuRequest): Promise<Dispatched | undefined> {
        const f = this.current;
        if (f.latencyMs) {
            await new Promise((r) => setTimeout(r, f.latencyMs));
        }
        let kind: FaultKind | undefined;
        const next = f.next?.find((n) => n.count > 0 && (!n.match || req.path.includes(n.match)));
        if (next) {
            next.count--;
            kind = next.kind;
        } else if (hasRandomFaults(f)) {
            // One draw per request from the seeded generator: the same seed replays the same faults.
            kind = faultFor(f, this.random());
        }
        if (kind === "drop") {
            return "drop";
        }
        return kind ? injected(req, kind, f.retryAfterSeconds) : undefined;
    }

    /**
     * The fault of one $batch item, or undefined: each item is throttled and fails on its own, a
     * deterministic batchItems fault first, else a draw from the seeded generator (no drops: an item
     * has no connection of its own).
     */
    batchItem(sub: EmuRequest): Answer | undefined {
        const f = this.current;
        const fault = f.batchItems?.find((n) => n.count > 0 && (!n.match || sub.path.includes(n.match)));
        if (fault) {
            fault.count--;
        }
        const drawn = fault || !hasRandomFaults(f) ? undefined : faultFor(f, this.random(), false);
        const kind = fault?.kind ?? (drawn === "drop" ? undefined : drawn);
        return kind ? injected(sub, kind, f.retryAfterSeconds) : undefined;
    }
}
