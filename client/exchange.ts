import * as crypto from "node:crypto";
import type { ConnectionSettings } from "./connection";
import { TokenSource } from "./credentials";
import { MissingExchangeRoleError, TenantApiError, isMissingExchangeRole, redact } from "./errors";
import { type Failure, RetryPolicy, isDroppedConnection, parseRetryAfter } from "./retry";

/**
 * The one way the providers talk to Exchange Online: the admin API that ExchangeOnlineManagement v3
 * uses, `POST {endpoint}/adminapi/beta/{tenantId}/InvokeCommand` with
 * `{"CmdletInput":{"CmdletName":"Get-OrganizationConfig","Parameters":{...}}}`, app-only with the
 * Exchange Online audience (the app needs Exchange.ManageAsApp and the Exchange Administrator role).
 *
 * - Answers are read page by page: the same body is POSTed to each `@odata.nextLink` (bounded);
 * - every call follows the client layer's one retry policy (./retry.ts): 429/503/504 after the
 *   Retry-After Exchange sends, or a jittered back-off, within the total time budget; a dropped
 *   connection is retried for reads (Get-*) and for Set-* calls, which set absolute values and are
 *   safe to repeat; New-/Remove- are never sent twice; a new token when Exchange refuses one (401);
 * - errors name the cmdlet, Exchange's status, code and message, with secrets scrubbed.
 * Nothing here makes a call before the first invoke.
 */
export interface ExchangeClientOptions {
    /** Objects per page asked for with `Prefer: odata.maxpagesize` (default 1000, Exchange's largest). */
    pageSize?: number;
    /** Most pages read for one cmdlet before giving up (default 1000). */
    maxPages?: number;
    /** Time allowed for one HTTP call, in ms (default 120 s). */
    timeoutMs?: number;
    /** The retry policy (default: the one from M365_MFA_RETRY_BUDGET_SECONDS or 300 s). */
    policy?: RetryPolicy;
}

export interface InvokeOptions {
    /**
     * Whether the cmdlet may be sent again when the connection drops before an answer. Default:
     * true for Get-* and Set-*, false otherwise. Pass false for a Set-* call that adds to or removes
     * from a multi-valued property.
     */
    idempotent?: boolean;
}

export interface InvokeResult<T> {
    /** Every object the cmdlet returned, all pages. */
    value: T[];
    /** Exchange's warnings (`@adminapi.warnings`), e.g. that a Set-* changed nothing. */
    warnings: string[];
}

/** The system mailbox ExchangeOnlineManagement anchors app-only admin calls on. */
export const EXCHANGE_ANCHOR_MAILBOX = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}";

export class ExchangeClient {
    readonly tokens: TokenSource;
    readonly policy: RetryPolicy;
    private readonly pageSize: number;

    constructor(
        readonly connection: ConnectionSettings,
        private readonly options: ExchangeClientOptions = {},
    ) {
        this.policy = options.policy ?? RetryPolicy.fromSettings(undefined);
        this.tokens = new TokenSource(connection, connection.cloud.exchangeResource, this.policy);
        this.pageSize = Math.max(1, Math.min(options.pageSize ?? 1000, 1000));
    }

    /** https://outlook.office365.com/adminapi/beta/{tenantId}/InvokeCommand (or the configured endpoint). */
    get invokeUrl(): string {
        return `${this.connection.cloud.exchangeEndpoint}/adminapi/beta/${encodeURIComponent(this.connection.tenantId)}/InvokeCommand`;
    }

    /** Runs a cmdlet and returns every object it returned. */
    async invoke<T = Record<string, any>>(
        cmdlet: string,
        parameters: Record<string, unknown> = {},
        options: InvokeOptions = {},
    ): Promise<T[]> {
        return (await this.execute<T>(cmdlet, parameters, options)).value;
    }

    /** Runs a cmdlet and returns its objects and Exchange's warnings. */
    async execute<T = Record<string, any>>(
        cmdlet: string,
        parameters: Record<string, unknown> = {},
        options: InvokeOptions = {},
    ): Promise<InvokeResult<T>> {
        const body = JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } });
        const idempotent = options.idempotent ?? /^(Get|Set)-/i.test(cmdlet);
        const maxPages = this.options.maxPages ?? 1000;
        const origin = new URL(this.invokeUrl).origin;
        const value: T[] = [];
        const warnings: string[] = [];
        let url = this.invokeUrl;
        for (let page = 0; page < maxPages; page++) {
            const answer = await this.policy.run(
                `running ${cmdlet} in Exchange Online${page ? ` (page ${page + 1})` : ""}`,
                () => this.post(url, body, cmdlet),
                (err) => this.classify(err, cmdlet),
                { idempotent, resetToken: () => this.tokens.reset() },
            );
            // A Set-* (or New-/Remove-...) cmdlet may answer value: null (or no value) beside @adminapi.warnings,
            // e.g. when nothing changed (CIPP's New-ExoRequest handles that shape); it returned no objects.
            const nothing = answer.value === null || (answer.value === undefined && !/^Get-/i.test(cmdlet));
            if (!nothing && !Array.isArray(answer.value)) {
                throw this.error(cmdlet, 200, undefined, "the answer has no value array");
            }
            value.push(...((nothing ? [] : answer.value) as T[]));
            if (Array.isArray(answer["@adminapi.warnings"])) {
                warnings.push(...answer["@adminapi.warnings"].map(String));
            }
            const next = answer["@odata.nextLink"];
            if (typeof next !== "string" || !next) {
                return { value, warnings };
            }
            const nextUrl = new URL(next, url);
            if (nextUrl.origin !== origin) {
                // Never send the tenant's token to a host it was not asked for.
                throw this.error(
                    cmdlet,
                    200,
                    undefined,
                    `the answer's @odata.nextLink points at another host (${nextUrl.origin}); not following it`,
                );
            }
            url = nextUrl.toString();
        }
        throw this.error(cmdlet, undefined, undefined, `the answer has more than ${maxPages} pages of ${this.pageSize}; stopped reading`);
    }

    private async post(url: string, body: string, cmdlet: string): Promise<Record<string, any>> {
        const token = await this.tokens.getToken();
        const res = await fetch(url, {
            method: "POST",
            headers: {
                Authorization: `Bearer ${token.token}`,
                "Content-Type": "application/json; charset=utf-8",
                Accept: "application/json",
                "X-AnchorMailbox": `APP:${EXCHANGE_ANCHOR_MAILBOX}@${this.connection.tenantId}`,
                Prefer: `odata.maxpagesize=${this.pageSize}`,
                "client-request-id": crypto.randomUUID(),
            },
            body,
            signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
        });
        const text = await res.text();
        const requestId = res.headers.get("request-id") ?? res.headers.get("x-request-id") ?? undefined;
        let json: any;
        try {
            json = text ? JSON.parse(text) : undefined;
        } catch {
            json = undefined;
        }
        if (!res.ok) {
            throw new ExchangeHttpError(res.status, json, text, requestId, parseRetryAfter(res.headers.get("retry-after")));
        }
        if (typeof json !== "object" || json === null) {
            throw this.error(cmdlet, res.status, undefined, `the answer is not JSON: ${text.slice(0, 200)}`, requestId);
        }
        return json;
    }

    private classify(err: unknown, cmdlet: string): Failure {
        if (err instanceof TenantApiError) {
            return { error: err };
        }
        if (err instanceof ExchangeHttpError) {
            if (isMissingExchangeRole(err.status, err.json, err.text)) {
                // Not Graph JSON, and not a permission the token can show: say which role to assign.
                const { message } = readExchangeError(err.json, err.text);
                return {
                    error: new MissingExchangeRoleError(
                        "POST",
                        `/adminapi/beta/${this.connection.tenantId}/InvokeCommand ${cmdlet}`,
                        redact(message, [this.connection.clientSecret]),
                        err.requestId,
                    ),
                };
            }
            const { code, message } = readExchangeError(err.json, err.text);
            return { error: this.error(cmdlet, err.status, code, message, err.requestId), retryAfterMs: err.retryAfterMs };
        }
        const e = err as any;
        const cause = e?.cause;
        const why = e?.name === "TimeoutError" ? "timed out" : (cause?.code ?? cause?.message ?? e?.message ?? String(err));
        // Only a dropped connection or a timeout is worth sending again; another failure to get an answer (TLS) is final.
        return { error: this.error(cmdlet, undefined, undefined, `no answer (${why})`), final: !isDroppedConnection(err) };
    }

    private error(
        cmdlet: string,
        status: number | undefined,
        code: string | undefined,
        detail: string,
        requestId?: string,
    ): TenantApiError {
        return new TenantApiError(
            "Exchange Online",
            "POST",
            `/adminapi/beta/${this.connection.tenantId}/InvokeCommand ${cmdlet}`,
            status,
            code,
            redact(detail, [this.connection.clientSecret]),
            requestId,
        );
    }
}

/** A non-2xx answer, kept whole until it is classified. */
class ExchangeHttpError extends Error {
    constructor(
        readonly status: number,
        readonly json: any,
        readonly text: string,
        readonly requestId: string | undefined,
        readonly retryAfterMs: number | undefined,
    ) {
        super(`HTTP ${status}`);
    }
}

/**
 * Exchange's own words from an error answer, in the order ExchangeOnlineManagement and CIPP look:
 * error.details[].message ("Ex6F9304|<exception type>|<sentence>"), then
 * error.innererror.internalexception.message, then error.message. Property names are matched without
 * regard to case, as those clients do.
 */
export function readExchangeError(json: any, text = ""): { code?: string; message: string } {
    const error = prop(json, "error");
    if (typeof error !== "object" || error === null) {
        return { message: text.trim().slice(0, 300) || "no error details in the answer" };
    }
    const code = typeof prop(error, "code") === "string" ? prop(error, "code") : undefined;
    const details = prop(error, "details");
    const detail = Array.isArray(details) ? details.map((d) => prop(d, "message")).find((m) => typeof m === "string" && m) : undefined;
    const internal = prop(prop(prop(error, "innererror"), "internalexception"), "message");
    const top = prop(error, "message");
    const raw: string = detail ?? (typeof internal === "string" && internal ? internal : undefined) ?? (typeof top === "string" ? top : "");
    // "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation ..." ->
    // "The operation ... (ManagementObjectNotFoundException)"
    const m = /^([A-Za-z0-9]*)\|([\w.`]+)\|([\s\S]*)$/.exec(raw);
    const message = m ? `${m[3].trim()} (${m[2].split(".").pop()})` : raw;
    return { code, message: message || "no error details in the answer" };
}

function prop(obj: any, name: string): any {
    if (typeof obj !== "object" || obj === null) {
        return undefined;
    }
    if (name in obj) {
        return obj[name];
    }
    const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : obj[key];
}
