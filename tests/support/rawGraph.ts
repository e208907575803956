import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS, type AppRegistration } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";

/**
 * Plain HTTP calls to the emulator's Graph with an app's token, for tests that need the status code
 * and headers exactly as sent (the Graph SDK hides them and retries 429s).
 */
export interface RawAnswer {
    status: number;
    headers: Headers;
    body: any;
}

const tokens = new Map<string, { token: string; expires: number }>();

export async function tokenFor(emu: RunningEmulator, app: string = APPS.provider): Promise<string> {
    const key = `${emu.origin}/${app}`;
    const cached = tokens.get(key);
    if (cached && cached.expires > Date.now() + 60_000) {
        return cached.token;
    }
    const t = await clientsAs(emu, app).graph.tokens.getToken();
    tokens.set(key, { token: t.token, expires: t.expiresOnTimestamp });
    return t.token;
}

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
