/**
 * Plain HTTP calls to a running emulator's Graph with an app's token from the emulator's token endpoint
 * (client credentials, as Entra ID's v2.0 endpoint takes them), for tests that need status codes and headers
 * exactly as sent: the emulator's own tests and the product's tests share them.
 */
import * as crypto from "node:crypto";
import type { ResourceName } from "./identity";
import type { RunningEmulator } from "./server";
import { APPS, type AppRegistration } from "./store";

export interface RawAnswer {
    status: number;
    headers: Headers;
    body: any;
}

const tokens = new Map<string, { token: string; expires: number }>();

/**
 * An access token of `app` (a display name) for Graph or Exchange Online, from the emulator's token
 * endpoint with the client credentials grant; cached until a minute before it expires.
 */
export async function tokenFor(emu: RunningEmulator, app: string = APPS.provider, resource: ResourceName = "graph"): Promise<string> {
    const key = `${emu.origin}/${app}/${resource}`;
    const cached = tokens.get(key);
    if (cached && cached.expires > Date.now() + 60_000) {
        return cached.token;
    }
    const registration = emu.app(app);
    const tenantId = emu.store.tenantIds().find((id) => emu.store.tenant(id)?.apps.includes(registration)) ?? emu.defaultTenant().tenantId;
    const scope = resource === "graph" ? "https://graph.microsoft.com/.default" : "https://outlook.office365.com/.default";
    const res = await fetch(`${emu.origin}/${tenantId}/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
            grant_type: "client_credentials",
            client_id: registration.appId,
            client_secret: registration.secret,
            scope,
        }).toString(),
    });
    const body = (await res.json()) as { access_token?: string; expires_in?: number; error_description?: string };
    if (res.status !== 200 || !body.access_token) {
        throw new Error(`token for ${app} (${resource}): ${res.status} ${body.error_description ?? ""}`);
    }
    tokens.set(key, { token: body.access_token, expires: Date.now() + (body.expires_in ?? 0) * 1000 });
    return body.access_token;
}

/** A plain Graph call with an app's token (no SDK: no retries, nothing hidden). */
export async function rawGraph(
    emu: RunningEmulator,
    method: string,
    path: string,
    body?: unknown,
    app: string = APPS.provider,
    version = "v1.0",
    headers: Record<string, string> = {},
): Promise<RawAnswer> {
    const token = await tokenFor(emu, app);
    const res = await fetch(`${emu.origin}/${version}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Adds an app registration with exactly these Graph permissions to the emulator's default tenant. */
export function addApp(emu: RunningEmulator, displayName: string, graphRoles: string[]): AppRegistration {
    const template = emu.app(APPS.reader);
    const app: AppRegistration = {
        ...template,
        displayName,
        appId: crypto.randomUUID(),
        objectId: crypto.randomUUID(),
        graphRoles,
        exchangeRoles: [],
    };
    emu.store.mutate(() => {
        emu.defaultTenant().apps.push(app);
    });
    return app;
}
