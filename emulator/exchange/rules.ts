import type { RuleTable } from "../rules";

/**
 * Exchange Online's admin endpoint is not documented as an API: the rules come from how Microsoft's
 * ExchangeOnlineManagement v3 module and peer tools call it, and from the documented app-only setup.
 */
const EXO = "KelvinTegelaar/CIPP-API Modules/CIPPCore/Public/GraphHelper/New-ExoRequest.ps1 (how ExchangeOnlineManagement v3 calls the endpoint)";
const APP_ONLY = "learn.microsoft.com powershell/exchange/app-only-auth-powershell-v2";
const INVOKE = "/adminapi/beta/{tenant}/InvokeCommand";
const cmd = (CmdletName: string, Parameters: Record<string, unknown> = {}) => ({ CmdletInput: { CmdletName, Parameters } });

/** The Exchange admin API (./index.ts and the cmdlets). */
export const RULES: RuleTable = {
    area: "exchange",
    file: "emulator/exchange/index.ts",
    rules: [
        {
            id: "exchange.route",
            kind: "route",
            statement: "POST /adminapi/beta/{tenantId}/InvokeCommand with {\"CmdletInput\":{\"CmdletName\",\"Parameters\"}} answers {\"value\": [...]}.",
            source: EXO,
            modelled: true,
            route: { methods: ["POST"], path: INVOKE, versions: [] },
            probe: { service: "exchange", method: "POST", path: INVOKE, body: cmd("Get-OrganizationConfig") },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "exchange.verb",
            kind: "verb",
            statement: "InvokeCommand is POST only.",
            source: EXO,
            modelled: true,
            stricter: "Exchange's answer to another method is not documented; the emulator answers 405.",
            probe: { service: "exchange", method: "GET", path: INVOKE },
            expect: { status: 405 },
        },
        {
            id: "exchange.headers",
            kind: "header",
            statement: "Requests carry X-AnchorMailbox: APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@{tenantId} and a JSON Content-Type.",
            source: EXO,
            modelled: false,
            stricter: "The emulator does not refuse a request without X-AnchorMailbox (what Exchange does then is not documented); the client check requires it.",
        },
        {
            id: "exchange.permission.appRole",
            kind: "permission",
            statement: "App-only access needs the Exchange.ManageAsApp application permission of Office 365 Exchange Online.",
            source: APP_ONLY,
            modelled: true,
            stricter: "Exchange's answer without it is not documented; the emulator answers 403 in Exchange's error shape.",
            probe: { service: "exchange", method: "POST", path: INVOKE, body: cmd("Get-OrganizationConfig"), app: "policy-reader" },
            expect: { status: 403 },
        },
        {
            id: "exchange.permission.entraRole",
            kind: "permission",
            statement: "The service principal also needs a supported Entra role (e.g. Exchange Administrator); without one Exchange answers 403 \"The role assigned to application ... isn't supported in this scenario\", not in Graph's JSON.",
            source: `${APP_ONLY} (assign Microsoft Entra roles to the application); MicrosoftDocs/office-docs-powershell#7970; microsoft/Microsoft365DSC#4530`,
            modelled: true,
            stricter: "The body's exact shape is not documented; the emulator sends plain text.",
            probe: { service: "exchange", method: "POST", path: INVOKE, body: cmd("Get-OrganizationConfig"), app: "exchange-app-without-role" },
            expect: { status: 403, message: "isn't supported in this scenario", headers: { "content-type": "^text/plain" } },
        },
        {
            id: "exchange.unknownCmdlet",
            kind: "error",
            statement: "A cmdlet Exchange does not have fails with PowerShell's CommandNotFoundException.",
            source: EXO,
            modelled: true,
            probe: { service: "exchange", method: "POST", path: INVOKE, body: cmd("Get-NoSuchThing") },
            expect: { status: 400, message: "CommandNotFoundException" },
        },
        {
            id: "exchange.unknownParameter",
            kind: "error",
            statement: "A parameter the cmdlet does not have fails with ParameterBindingException (\"A parameter cannot be found that matches parameter name\").",
            source: "learn.microsoft.com powershell/module/exchange/set-organizationconfig (the cmdlet's parameters)",
            modelled: true,
            probe: { service: "exchange", method: "POST", path: INVOKE, body: cmd("Set-OrganizationConfig", { NoSuchParameter: true }) },
            expect: { status: 400, message: "A parameter cannot be found that matches parameter name" },
        },
        {
            id: "exchange.paging",
            kind: "paging",
            statement: "Prefer: odata.maxpagesize=N pages the answer with @odata.nextLink; the client re-posts the same body to it.",
            source: EXO,
            modelled: true,
            probe: { service: "exchange", method: "POST", path: INVOKE, body: cmd("Get-Mailbox", { ResultSize: "Unlimited" }), headers: { Prefer: "odata.maxpagesize=1" } },
            expect: { status: 200, bodyHas: ["@odata.nextLink"], headers: { "preference-applied": "odata.maxpagesize=1" } },
        },
        {
            id: "exchange.setWarnsOnly",
            kind: "body",
            statement: "A Set-* cmdlet that changes nothing answers value: null with @adminapi.warnings.",
            source: "KelvinTegelaar/CIPP-API New-ExoRequest.ps1 (its branch for a null value)",
            modelled: true,
            probe: {
                service: "exchange",
                method: "POST",
                path: INVOKE,
                body: cmd("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: true }),
                setup: [{ service: "exchange", method: "POST", path: INVOKE, body: cmd("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: true }) }],
            },
            expect: { status: 200, body: { value: null }, bodyHas: ["@adminapi.warnings"] },
        },
        {
            id: "exchange.throttling",
            kind: "throttling",
            statement: "Exchange Online throttles the admin endpoint (limits not published for REST).",
            source: "learn.microsoft.com exchange/clients-and-mobile-in-exchange-online/exchange-online-limits",
            modelled: false,
        },
        {
            id: "exchange.roleScope",
            kind: "permission",
            statement: "Which cmdlets each supported Entra role allows (e.g. Global Reader: reads only).",
            source: APP_ONLY,
            modelled: false,
        },
    ],
};
