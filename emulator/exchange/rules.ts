import type { RuleTable } from "../rules";

/**
 * Exchange Online's admin endpoint is not documented as an API: the rules come from how Microsoft's
 * ExchangeOnlineManagement v3 module and peer tools call it, and from the documented app-only setup.
 */
const EXO =
    "KelvinTegelaar/CIPP-API Modules/CIPPCore/Public/GraphHelper/New-ExoRequest.ps1 (how ExchangeOnlineManagement v3 calls the endpoint)";
const APP_ONLY = "learn.microsoft.com powershell/exchange/app-only-auth-powershell-v2";
const INVOKE = "/adminapi/beta/{tenant}/InvokeCommand";
const SET_CAS =
    "learn.microsoft.com powershell/module/exchange/set-casmailbox (MicrosoftDocs/office-docs-powershell " +
    "exchange/exchange-ps/ExchangePowerShell/Set-CASMailbox.md)";
const SET_PLAN =
    "learn.microsoft.com powershell/module/exchange/set-casmailboxplan (MicrosoftDocs/office-docs-powershell " +
    "exchange/exchange-ps/ExchangePowerShell/Set-CASMailboxPlan.md)";
const GET_PLAN =
    "learn.microsoft.com powershell/module/exchange/get-casmailboxplan (MicrosoftDocs/office-docs-powershell " +
    "exchange/exchange-ps/ExchangePowerShell/Get-CASMailboxPlan.md)";
const cmd = (CmdletName: string, Parameters: Record<string, unknown> = {}) => ({ CmdletInput: { CmdletName, Parameters } });

/** The Exchange admin API (./index.ts and the cmdlets). */
export const RULES: RuleTable = {
    area: "exchange",
    file: "emulator/exchange/index.ts",
    rules: [
        {
            id: "exchange.route",
            kind: "route",
            statement:
                'POST /adminapi/beta/{tenantId}/InvokeCommand with {"CmdletInput":{"CmdletName","Parameters"}} answers {"value": [...]}.',
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
            statement:
                "Requests carry X-AnchorMailbox: APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@{tenantId} and a " +
                "JSON Content-Type.",
            source: EXO,
            modelled: false,
            stricter:
                "The emulator does not refuse a request without X-AnchorMailbox (what Exchange does then is not documented); " +
                "the client check requires it.",
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
            statement:
                "The service principal also needs a supported Entra role (e.g. Exchange Administrator); without one Exchange " +
                "answers 403 \"The role assigned to application ... isn't supported in this scenario\", not in Graph's JSON.",
            source:
                `${APP_ONLY} (assign Microsoft Entra roles to the application); MicrosoftDocs/office-docs-powershell#7970; ` +
                "microsoft/Microsoft365DSC#4530",
            modelled: true,
            stricter: "The body's exact shape is not documented; the emulator sends plain text.",
            probe: {
                service: "exchange",
                method: "POST",
                path: INVOKE,
                body: cmd("Get-OrganizationConfig"),
                app: "exchange-app-without-role",
            },
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
            statement:
                'A parameter the cmdlet does not have fails with ParameterBindingException ("A parameter cannot be found ' +
                'that matches parameter name").',
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
            probe: {
                service: "exchange",
                method: "POST",
                path: INVOKE,
                body: cmd("Get-Mailbox", { ResultSize: "Unlimited" }),
                headers: { Prefer: "odata.maxpagesize=1" },
            },
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
                setup: [
                    {
                        service: "exchange",
                        method: "POST",
                        path: INVOKE,
                        body: cmd("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: true }),
                    },
                ],
            },
            expect: { status: 200, body: { value: null }, bodyHas: ["@adminapi.warnings"] },
        },
        // Client access settings per mailbox and CAS mailbox plans (./mailboxes.ts, ./casMailboxPlans.ts).
        {
            id: "exchange.casMailbox.unknownIdentity",
            kind: "error",
            statement:
                'Set-CASMailbox -Identity that names no mailbox fails with ManagementObjectNotFoundException ("couldn\'t be found").',
            source: `${SET_CAS} (-Identity); ${EXO} (the error's shape)`,
            modelled: true,
            probe: {
                service: "exchange",
                method: "POST",
                path: INVOKE,
                body: cmd("Set-CASMailbox", { Identity: "nobody-here@example.invalid", PopEnabled: false }),
            },
            expect: { status: 404, message: "couldn't be found" },
        },
        {
            id: "exchange.casMailbox.booleanNotNull",
            kind: "error",
            statement:
                "-PopEnabled, -ImapEnabled and -ActiveSyncEnabled are Boolean ($true by default); $null is refused by PowerShell's binder.",
            source: `${SET_CAS} (-PopEnabled, -ImapEnabled, -ActiveSyncEnabled: Type Boolean)`,
            modelled: true,
            stricter: "The page gives the type; the refusal's wording is PowerShell's for a Boolean parameter.",
            probe: {
                service: "exchange",
                method: "POST",
                path: INVOKE,
                body: cmd("Set-CASMailbox", { Identity: "AdeleV", ImapEnabled: null }),
            },
            expect: { status: 400, message: "Cannot convert value" },
        },
        {
            id: "exchange.casMailbox.smtpAuthNull",
            kind: "body",
            statement:
                "-SmtpClientAuthenticationDisabled takes $true, $false or $null ($null, the default: the mailbox follows " +
                "Set-TransportConfig).",
            source: `${SET_CAS} (-SmtpClientAuthenticationDisabled)`,
            modelled: true,
            probe: {
                service: "exchange",
                method: "POST",
                path: INVOKE,
                body: cmd("Set-CASMailbox", { Identity: "AdeleV", SmtpClientAuthenticationDisabled: null }),
            },
            expect: { status: 200 },
        },
        {
            id: "exchange.casMailbox.notModelled",
            kind: "error",
            statement: "Set-CASMailbox documents many more parameters (e.g. -OWAEnabled, -EwsEnabled, -ActiveSyncMailboxPolicy).",
            source: `${SET_CAS} (SYNTAX)`,
            modelled: true,
            stricter:
                "The emulator models only -PopEnabled, -ImapEnabled, -ActiveSyncEnabled and " +
                '-SmtpClientAuthenticationDisabled and refuses the other documented ones: 400 "not modelled by the emulator".',
            probe: {
                service: "exchange",
                method: "POST",
                path: INVOKE,
                body: cmd("Set-CASMailbox", { Identity: "AdeleV", OWAEnabled: false }),
            },
            expect: { status: 400, message: "not modelled by the emulator" },
        },
        {
            id: "exchange.casMailboxPlan.list",
            kind: "body",
            statement:
                "Get-CASMailboxPlan lists the CAS mailbox plans (Name <DisplayName>-<GUID>, DisplayName, ActiveSyncEnabled, " +
                "ImapEnabled, PopEnabled, OwaMailboxPolicy).",
            source: GET_PLAN,
            modelled: true,
            stricter:
                "Which plans a tenant has depends on its licences; the emulator gives every tenant ExchangeOnline, " +
                "ExchangeOnlineEnterprise, ExchangeOnlineDeskless (IMAP off, as set-casmailboxplan states) and " +
                "ExchangeOnlineEssentials.",
            probe: { service: "exchange", method: "POST", path: INVOKE, body: cmd("Get-CASMailboxPlan") },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "exchange.casMailboxPlan.unknownIdentity",
            kind: "error",
            statement: "Set-CASMailboxPlan -Identity (name, DN or GUID) that names no plan fails with ManagementObjectNotFoundException.",
            source: `${SET_PLAN} (-Identity)`,
            modelled: true,
            stricter: "The page does not show the error; the emulator answers as for any -Identity Exchange cannot find.",
            probe: {
                service: "exchange",
                method: "POST",
                path: INVOKE,
                body: cmd("Set-CASMailboxPlan", { Identity: "NoSuchPlan", PopEnabled: false }),
            },
            expect: { status: 404, message: "couldn't be found" },
        },
        {
            id: "exchange.casMailboxPlan.noSmtpAuth",
            kind: "error",
            statement:
                "Set-CASMailboxPlan has -ActiveSyncEnabled, -ImapEnabled, -PopEnabled (and OWA/EWS/MAPI/ECP settings) but no " +
                "SMTP AUTH parameter: the default for SMTP AUTH is the organisation's (Set-TransportConfig).",
            source:
                `${SET_PLAN} (SYNTAX); learn.microsoft.com powershell/module/exchange/set-transportconfig ` +
                "(-SmtpClientAuthenticationDisabled)",
            modelled: true,
            probe: {
                service: "exchange",
                method: "POST",
                path: INVOKE,
                body: cmd("Set-CASMailboxPlan", { Identity: "ExchangeOnlineEnterprise", SmtpClientAuthenticationDisabled: true }),
            },
            expect: { status: 400, message: "A parameter cannot be found that matches parameter name" },
        },
        {
            id: "exchange.casMailboxPlan.appliedAtLicensing",
            kind: "body",
            statement:
                'CAS mailbox plans "are applied to a mailbox when you license the user": changing a plan changes the plan, ' +
                "not the mailboxes that exist.",
            source: SET_PLAN,
            modelled: true,
            stricter:
                "The page does not say in as many words that existing mailboxes keep their values; the emulator models that " +
                "reading (mailboxes are changed with Set-CASMailbox), and licensing is not modelled. " +
                "The probe reads a mailbox after a plan change; tests/emulator/mailboxProtocols.test.ts asserts its values.",
            probe: {
                service: "exchange",
                method: "POST",
                path: INVOKE,
                body: cmd("Get-CASMailbox", { Identity: "AdeleV" }),
                setup: [
                    {
                        service: "exchange",
                        method: "POST",
                        path: INVOKE,
                        body: cmd("Set-CASMailboxPlan", { Identity: "ExchangeOnlineEssentials", ActiveSyncEnabled: false }),
                    },
                ],
            },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "exchange.casMailboxPlan.notModelled",
            kind: "error",
            statement:
                "Set-CASMailboxPlan documents -ECPEnabled, -EwsEnabled, -MAPIEnabled, -OWAEnabled, -OwaMailboxPolicy; " +
                "Get-CASMailboxPlan -Filter and -SortBy.",
            source: `${SET_PLAN}; ${GET_PLAN}`,
            modelled: true,
            stricter: 'Refused: 400 "not modelled by the emulator".',
            probe: {
                service: "exchange",
                method: "POST",
                path: INVOKE,
                body: cmd("Set-CASMailboxPlan", { Identity: "ExchangeOnlineEnterprise", OWAEnabled: true }),
            },
            expect: { status: 400, message: "not modelled by the emulator" },
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
