/**
 * Errors from Microsoft's services, turned into messages that say which service, which call, what it
 * answered and what to do, with every secret and token scrubbed out.
 */
export type Service = "Microsoft Graph" | "Exchange Online" | "Entra ID sign-in";

export class TenantApiError extends Error {
    constructor(
        readonly service: Service,
        readonly method: string,
        readonly path: string,
        readonly status: number | undefined,
        readonly code: string | undefined,
        readonly detail: string,
        readonly requestId?: string,
    ) {
        super(
            `${service} ${method} ${path} ` +
                (status !== undefined ? `answered ${status}` : "failed") +
                (code ? ` ${code}` : "") +
                (detail ? `: ${detail}` : "") +
                (requestId ? ` (request-id ${requestId})` : ""),
        );
        this.name = "TenantApiError";
    }

    /** True when retrying the same call later can succeed. */
    get transient(): boolean {
        return this.status === undefined || this.status === 429 || this.status >= 500;
    }
}

/** Thrown when the app registration lacks a permission; names the permission to grant. */
export class MissingPermissionError extends Error {
    constructor(
        readonly setting: string,
        readonly action: "read" | "write",
        readonly anyOf: readonly string[],
        readonly granted: readonly string[] | undefined,
        /** Whose permission: Microsoft Graph (default) or Office 365 Exchange Online. */
        readonly service: "graph" | "exchange" = "graph",
    ) {
        super(
            `${setting}: the app registration cannot ${action} this setting. Grant the ` +
                (service === "exchange" ? "Office 365 Exchange Online" : "Microsoft Graph") +
                ` application permission ${anyOf[0]}` +
                (anyOf.length > 1 ? ` (or one of: ${anyOf.slice(1).join(", ")})` : "") +
                (service === "exchange"
                    ? ` and grant admin consent (Entra admin center > App registrations > API permissions > APIs my organization uses > ` +
                      `Office 365 Exchange Online), plus the Exchange Administrator role for the app's service principal ` +
                      `(Entra admin center > Roles and administrators > Exchange Administrator > Add assignments).`
                    : ` and grant admin consent (Entra admin center > App registrations > API permissions).`) +
                (granted ? ` The token carries: ${granted.length ? granted.join(", ") : "no application permissions"}.` : ""),
        );
        this.name = "MissingPermissionError";
    }
}

/**
 * Exchange Online refused an app that holds Exchange.ManageAsApp because its service principal has no
 * Entra role Exchange supports for app-only access (Exchange answers 403, often not as JSON, "The role
 * assigned to application ... isn't supported in this scenario"). Names the role to assign and where.
 */
export class MissingExchangeRoleError extends TenantApiError {
    constructor(method: string, path: string, detail: string, requestId?: string) {
        super(
            "Exchange Online",
            method,
            path,
            403,
            undefined,
            `${detail} -- the app's service principal needs an Entra role for Exchange besides the Exchange.ManageAsApp permission: ` +
                `assign it the ${EXCHANGE_ROLE_TO_ASSIGN} role (Entra admin center > Roles and administrators > ` +
                `${EXCHANGE_ROLE_TO_ASSIGN} > ` +
                `Add assignments > select the app), then run again. Role assignments can take a few minutes to reach Exchange.`,
            requestId,
        );
        this.name = "MissingExchangeRoleError";
    }
}

/** The Entra role m365-mfa asks for on the app's service principal (it reads and writes organisation settings). */
export const EXCHANGE_ROLE_TO_ASSIGN = "Exchange Administrator";

/** Whether an Exchange 403 is the refusal of an app without a supported Entra role. */
export function isMissingExchangeRole(status: number, json: unknown, text: string): boolean {
    return (
        status === 403 &&
        (/role assigned to application .* isn't supported in this scenario/i.test(text) || (json === undefined && !!text.trim()))
    );
}

const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

/**
 * Removes every given secret and anything shaped like a JWT from a text. Used on every message that
 * leaves the client layer (errors, logs).
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
    let out = text.replace(JWT, "[redacted token]");
    for (const s of secrets) {
        if (s && s.length >= 4) {
            out = out.split(s).join("[redacted secret]");
        }
    }
    return out;
}

/** Returns an Error whose message and stack carry no secret; the original is not kept as `cause`. */
export function scrubbed(err: unknown, secrets: ReadonlyArray<string | undefined>): Error {
    const e = err instanceof Error ? err : new Error(String(err));
    const clean = new Error(redact(e.message, secrets));
    clean.name = e.name;
    clean.stack = redact(e.stack ?? clean.message, secrets);
    for (const key of ["status", "code", "service", "method", "path", "requestId", "detail"] as const) {
        const v = (e as any)[key];
        if (v !== undefined) {
            (clean as any)[key] = typeof v === "string" ? redact(v, secrets) : v;
        }
    }
    return clean;
}
