import type { FaultInjector } from "./faults";
import { type EmuRequest, type EmuResponse, headerValue } from "./http";
import type { RequestLog } from "./requestLog";
import type { Store } from "./store";

export interface AdminDeps {
    readonly store: Store;
    readonly faults: FaultInjector;
    readonly log: RequestLog;
    /** The tenant an admin call without ?tenant= acts on. */
    defaultTenantId(): string;
}

/**
 * The emulator's own admin endpoint (/_emulator/*, never Graph's): its state, faults, request log,
 * seeding, and a user registering an MFA method. Every call needs the x-emulator-admin-key header.
 */
export function adminEndpoint({ store, faults, log, defaultTenantId }: AdminDeps): (req: EmuRequest) => EmuResponse {
    return (req) => {
        if (headerValue(req.headers["x-emulator-admin-key"]) !== store.adminKey) {
            return { status: 401, body: { error: { code: "Unauthorized", message: "x-emulator-admin-key header missing or wrong" } } };
        }
        if (req.path === "/_emulator/state" && req.method === "GET") {
            return { status: 200, body: store.snapshot() };
        }
        if (req.path === "/_emulator/faults" && req.method === "PUT") {
            faults.faults = JSON.parse(req.body.toString("utf8") || "{}");
            return { status: 200, body: faults.faults };
        }
        if (req.path === "/_emulator/requests" && req.method === "GET") {
            return { status: 200, body: { value: log.entries } };
        }
        const tenantParam = req.url.searchParams.get("tenant") ?? defaultTenantId();
        if (req.path === "/_emulator/seed" && req.method === "POST") {
            const { users = 25, seed = 1 } = JSON.parse(req.body.toString("utf8") || "{}");
            store.seedTenant(tenantParam, users, seed);
            return { status: 200, body: { users: store.directory(tenantParam).userCount } };
        }
        const reg = /^\/_emulator\/users\/([^/]+)\/methods$/.exec(req.path);
        if (reg && req.method === "POST") {
            // The user registers an MFA method (as at an interrupted sign-in): enabled becomes enforced.
            const { method = "microsoftAuthenticatorPush" } = JSON.parse(req.body.toString("utf8") || "{}");
            const d = store.directory(tenantParam);
            const u = d.user(reg[1]);
            if (!u) {
                return { status: 404, body: { error: { code: "NotFound", message: `no user ${reg[1]}` } } };
            }
            d.updateUser(u.id, {
                methods: [...new Set([...u.methods, method])],
                ...(u.perUserMfaState === "enabled" ? { perUserMfaState: "enforced" as const } : {}),
            });
            return { status: 200, body: d.user(u.id) };
        }
        return { status: 404, body: { error: { code: "NotFound", message: `no admin endpoint ${req.method} ${req.path}` } } };
    };
}
