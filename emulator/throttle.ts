/**
 * Microsoft Graph's documented throttling for identity and access, per app per tenant:
 * - resource units per 10 seconds: 3,500 (tenant under 50 users), 5,000 (50-500), 8,000 (over 500);
 *   each route's cost is its own (Route.units: GET users 2, groups/{id}/transitiveMembers 5, unlisted 1;
 *   $select -1, $top under 20 -1, never below 1);
 * - writes: 3,000 per 150 seconds.
 * Modelled as token buckets that refill continuously. An exhausted bucket answers 429 with a
 * Retry-After of the seconds until the request would fit, and x-ms-throttle-* headers.
 */
export interface ThrottleOptions {
    /** Off: no 429s from limits (faults can still inject them). */
    enabled: boolean;
    /** Multiplies every limit (e.g. 0.01 in a test that wants to hit them quickly). */
    scale?: number;
}

interface Bucket {
    tokens: number;
    capacity: number;
    /** Tokens per millisecond. */
    rate: number;
    at: number;
}

export interface Charge {
    ok: boolean;
    /** Seconds to wait, when !ok. */
    retryAfter?: number;
    headers: Record<string, string>;
}

export function resourceUnitLimit(tenantUsers: number): number {
    return tenantUsers < 50 ? 3500 : tenantUsers <= 500 ? 5000 : 8000;
}

export class Throttle {
    private readonly buckets = new Map<string, Bucket>();

    constructor(public options: ThrottleOptions) {}

    charge(tenantId: string, appId: string, tenantUsers: number, units: number, write: boolean, now = Date.now()): Charge {
        const scale = this.options.scale ?? 1;
        const ruLimit = resourceUnitLimit(tenantUsers) * scale;
        const ru = this.bucket(`ru/${tenantId}/${appId}/${ruLimit}`, ruLimit, ruLimit / 10_000, now);
        const wr = write ? this.bucket(`w/${tenantId}/${appId}/${scale}`, 3000 * scale, (3000 * scale) / 150_000, now) : undefined;
        // Regular answers carry x-ms-resource-unit, and x-ms-throttle-limit-percentage once more than 0.8
        // of the limit is used; x-ms-throttle-scope and x-ms-throttle-information come on throttled answers
        // only, the scope as <Scope>/<Limit>/<ApplicationId>/<TenantId> (docs-contrib
        // concepts/throttling-limits.md, identity and access: "Regular responses requests", "Throttled
        // responses requests").
        const headers: Record<string, string> = { "x-ms-resource-unit": String(units) };
        if (!this.options.enabled) {
            return { ok: true, headers };
        }
        const waitFor = (b: Bucket, need: number) => Math.max(0, (need - b.tokens) / b.rate);
        const waitMs = Math.max(waitFor(ru, units), wr ? waitFor(wr, 1) : 0);
        if (waitMs > 0) {
            const writeLimited = !!wr && waitFor(wr, 1) > 0 && waitFor(wr, 1) >= waitFor(ru, units);
            return {
                ok: false,
                retryAfter: Math.max(1, Math.ceil(waitMs / 1000)),
                headers: {
                    ...headers,
                    "x-ms-throttle-limit-percentage": "1.0",
                    "x-ms-throttle-scope": `Tenant_Application/${writeLimited ? "Write" : "ReadWrite"}/${appId}/${tenantId}`,
                    "x-ms-throttle-information": writeLimited ? "WriteLimitExceeded" : "ResourceUnitLimitExceeded",
                },
            };
        }
        ru.tokens -= units;
        if (wr) {
            wr.tokens -= 1;
        }
        const used = 1 - ru.tokens / ru.capacity;
        if (used >= 0.8) {
            headers["x-ms-throttle-limit-percentage"] = used.toFixed(1);
        }
        return { ok: true, headers };
    }

    /**
     * Entra logs and reports (sign-ins, directory audits, the registration report): five requests per
     * 10 seconds per app per tenant (docs-contrib includes/throttling-entra-logs-reports.md).
     */
    chargeReports(tenantId: string, appId: string, now = Date.now()): Charge {
        const scale = this.options.scale ?? 1;
        const b = this.bucket(`rep/${tenantId}/${appId}/${scale}`, Math.max(1, 5 * scale), (5 * scale) / 10_000, now);
        const headers: Record<string, string> = {};
        if (!this.options.enabled) {
            return { ok: true, headers };
        }
        if (b.tokens < 1) {
            // The reports limits document no x-ms-throttle-* headers (those are the identity and access
            // service's); the 429 carries Retry-After only.
            return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / b.rate / 1000)), headers: {} };
        }
        b.tokens -= 1;
        return { ok: true, headers };
    }

    /**
     * Identity protection and Conditional Access (conditionalAccessPolicy, namedLocation and its derived
     * types, risk detections, risky users): 1 request per second per tenant, shared by all apps. Graph
     * documents that these 429s carry no Retry-After header, so the charge gives none. Not scaled: the
     * limit is small already.
     */
    chargeConditionalAccess(tenantId: string, now = Date.now()): Charge {
        const b = this.bucket(`ca/${tenantId}`, 1, 1 / 1000, now);
        if (!this.options.enabled) {
            return { ok: true, headers: {} };
        }
        if (b.tokens < 1) {
            return { ok: false, headers: {} };
        }
        b.tokens -= 1;
        return { ok: true, headers: {} };
    }

    private bucket(key: string, capacity: number, rate: number, now: number): Bucket {
        let b = this.buckets.get(key);
        if (!b) {
            b = { tokens: capacity, capacity, rate, at: now };
            this.buckets.set(key, b);
        }
        b.tokens = Math.min(b.capacity, b.tokens + (now - b.at) * b.rate);
        b.at = now;
        return b;
    }
}
