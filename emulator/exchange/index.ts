import * as crypto from "node:crypto";
import type { RouteContext } from "../graph/routes";
import { type EmuResponse, headerValue } from "../http";
import { stableStringify } from "./stable";
import { authenticationPolicyCmdlets } from "./authenticationPolicies";
import { type Cmdlet, bindParameters, sameText } from "./cmdlet";
import { ExchangeCmdletError, commandNotFound, exchangeErrorResponse } from "./errors";
import { casMailboxPlanCmdlets } from "./casMailboxPlans";
import { mailboxCmdlets } from "./mailboxes";
import { organizationCmdlets } from "./organization";

/**
 * Exchange Online's admin API as ExchangeOnlineManagement v3 (and CIPP) call it:
 * POST /adminapi/beta/{tenantId}/InvokeCommand with {"CmdletInput":{"CmdletName","Parameters"}}.
 * The caller's token (audience Exchange Online, tenant matching the path) is verified by the server
 * before this runs; here the app must hold Exchange.ManageAsApp and its service principal an Entra role
 * Exchange supports (else a 403 that is not JSON).
 *
 * Answers are {"@odata.context", "value": [...]}, paged by `Prefer: odata.maxpagesize=N` with an
 * `@odata.nextLink` that the client POSTs the same body to; warnings come as `@adminapi.warnings` (a
 * Set-* that only warns answers value: null).
 * Errors use Exchange's shape (./errors.ts).
 */
export const EXCHANGE_APP_ROLE = "Exchange.ManageAsApp";

/**
 * The Entra roles Exchange supports for app-only access (with Exchange.ManageAsApp), as
 * learn.microsoft.com powershell/exchange/app-only-auth-powershell-v2 lists them (copied from that
 * page's list as peer tools use it; recheck it there when it changes).
 */
export const EXCHANGE_ENTRA_ROLES: readonly string[] = [
    "Compliance Administrator",
    "Exchange Administrator",
    "Exchange Recipient Administrator",
    "Global Administrator",
    "Global Reader",
    "Helpdesk Administrator",
    "Security Administrator",
    "Security Reader",
];

export const CMDLETS: readonly Cmdlet[] = [
    ...organizationCmdlets,
    ...mailboxCmdlets,
    ...casMailboxPlanCmdlets,
    ...authenticationPolicyCmdlets,
];

/** Largest page Exchange hands out, and the page size without a Prefer header. */
export const MAX_PAGE_SIZE = 1000;

export function handleInvokeCommand(ctx: RouteContext): EmuResponse {
    const { req, claims, tenant, store, origin } = ctx;
    const tenantRef = ctx.params[0];
    try {
        if (!(claims.roles ?? []).includes(EXCHANGE_APP_ROLE)) {
            // A token without Exchange.ManageAsApp: Exchange's exact answer is not documented; it is
            // modelled as a 403 in Exchange's error shape that names the missing permission (the
            // "role assigned to application" text belongs to the missing Entra role, below).
            throw new ExchangeCmdletError(
                403,
                "Microsoft.Exchange.Configuration.Tasks.CmdletAccessDeniedException",
                `[AuthZRequestId=${req.requestId}][FailureCategory=AuthZ-CmdletAccessDeniedException] The application ${claims.appid} ` +
                    `has no ${EXCHANGE_APP_ROLE} permission for Office 365 Exchange Online; app-only access needs it.`,
            );
        }
        // Exchange.ManageAsApp is not enough: the service principal needs one of the Entra roles Exchange
        // supports for app-only access (learn.microsoft.com powershell/exchange/app-only-auth-powershell-v2,
        // "Assign Microsoft Entra roles to the application"). Without one, users report a 403 whose text is
        // "The role assigned to application <appId> isn't supported in this scenario..."
        // (MicrosoftDocs/office-docs-powershell#7970, Microsoft365DSC#4530 and #6253, maester365/maester#718);
        // the body Exchange sends is not documented and is not Graph's JSON error, so it is modelled as
        // plain text. Which cmdlets each role allows (e.g. Global Reader: reads only) is not modelled.
        const app = tenant.apps.find((a) => a.appId === claims.appid);
        if (!(app?.directoryRoles ?? []).some((r) => EXCHANGE_ENTRA_ROLES.some((x) => sameText(x, r)))) {
            return {
                status: 403,
                headers: { "Content-Type": "text/plain; charset=utf-8", "X-Request-Id": req.requestId },
                body:
                    `The role assigned to application ${claims.appid} isn't supported in this scenario. Please check online ` +
                    "documentation " +
                    `for assigning correct Directory Roles to Azure AD Application for EXO App-Only Authentication.`,
            };
        }
        const { cmdletName, parameters } = readCmdletInput(req.body);
        const cmdlet = CMDLETS.find((c) => sameText(c.name, cmdletName));
        if (!cmdlet) {
            throw commandNotFound(cmdletName);
        }
        const args = bindParameters(cmdlet, parameters);

        const fingerprint = crypto
            .createHash("sha256")
            .update(stableStringify({ cmdlet: cmdlet.name, parameters }))
            .digest("base64url")
            .slice(0, 16);
        const skipToken = req.url.searchParams.get("$skiptoken");
        let offset = 0;
        if (skipToken !== null) {
            offset = readSkipToken(skipToken, fingerprint, cmdlet);
        }

        const result = cmdlet.run({ tenant, store }, args);
        const requested = requestedPageSize(headerValue(req.headers.prefer));
        const pageSize = Math.min(requested ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
        const page = result.value.slice(offset, offset + pageSize);
        const base = `${origin}/adminapi/beta/${encodeURIComponent(tenantRef)}`;
        const body: Record<string, unknown> = {
            "@odata.context": `${base}/$metadata#Collection(Exchange.GenericHashTable)`,
        };
        if (offset + pageSize < result.value.length) {
            const token = Buffer.from(JSON.stringify({ o: offset + pageSize, f: fingerprint })).toString("base64url");
            body["@odata.nextLink"] = `${base}/InvokeCommand?$skiptoken=${token}`;
        }
        if (result.warnings?.length && offset === 0) {
            body["@adminapi.warnings"] = result.warnings;
        }
        // A Set-* (or other non-Get) cmdlet that writes nothing to the pipeline and only warns (e.g. "no
        // settings ... have been modified") answers value: null beside @adminapi.warnings. Exchange does not
        // document its answers; CIPP's New-ExoRequest (KelvinTegelaar/CIPP-API) has a branch for exactly
        // that shape, so clients must take it.
        body.value = !/^Get-/i.test(cmdlet.name) && result.value.length === 0 && result.warnings?.length ? null : page;
        return {
            status: 200,
            headers: requested !== undefined ? { "Preference-Applied": `odata.maxpagesize=${pageSize}` } : {},
            body,
        };
    } catch (err) {
        if (err instanceof ExchangeCmdletError) {
            return exchangeErrorResponse(req, err);
        }
        throw err;
    }
}

function readCmdletInput(raw: Buffer): { cmdletName: string; parameters: Record<string, unknown> } {
    const invalid = (why: string) =>
        new ExchangeCmdletError(
            400,
            "Microsoft.OData.ODataException",
            `The request body is not a valid InvokeCommand payload (${why}); send ` +
                `{"CmdletInput":{"CmdletName":"<cmdlet>","Parameters":{...}}}.`,
        );
    let parsed: any;
    try {
        parsed = JSON.parse(raw.toString("utf8"));
    } catch {
        throw invalid("not JSON");
    }
    const input = parsed?.CmdletInput;
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
        throw invalid("no CmdletInput object");
    }
    if (typeof input.CmdletName !== "string" || !input.CmdletName.trim()) {
        throw invalid("no CmdletName");
    }
    const parameters = input.Parameters ?? {};
    if (typeof parameters !== "object" || Array.isArray(parameters)) {
        throw invalid("Parameters is not an object");
    }
    return { cmdletName: input.CmdletName.trim(), parameters };
}

/** `Prefer: odata.maxpagesize=N` (also with spaces around "=", and among other preferences). */
export function requestedPageSize(prefer: string | undefined): number | undefined {
    const m = /(?:^|[,;]\s*)odata\.maxpagesize\s*=\s*"?(\d+)"?/i.exec(prefer ?? "");
    const n = m ? Number(m[1]) : NaN;
    return Number.isInteger(n) && n > 0 ? n : undefined;
}

function readSkipToken(token: string, fingerprint: string, cmdlet: Cmdlet): number {
    let decoded: any;
    try {
        decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    } catch {
        decoded = undefined;
    }
    if (!/^Get-/i.test(cmdlet.name) || typeof decoded?.o !== "number" || decoded.o < 0 || decoded.f !== fingerprint) {
        throw new ExchangeCmdletError(
            400,
            "Microsoft.OData.ODataException",
            `The $skiptoken '${token}' does not belong to this request: POST the same CmdletInput to the @odata.nextLink that returned it.`,
        );
    }
    return decoded.o;
}
