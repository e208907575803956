import type { ExchangeMailboxState, TenantState } from "../store";
import { Cmdlet, noChangeWarning, sameText } from "./cmdlet";
import { ExchangeCmdletError, identityNotFound } from "./errors";
import { organizationDn } from "./organization";

/**
 * Mailboxes: Get-Mailbox and Get/Set-CASMailbox (per-mailbox SMTP AUTH). A mailbox's
 * SmtpClientAuthenticationDisabled is true/false to override the organisation, or null to follow
 * Set-TransportConfig; Get-CASMailbox reports the stored value (null stays null), as Exchange does.
 */

/** Exchange's default -ResultSize for Get-Mailbox and Get-CASMailbox. */
const DEFAULT_RESULT_SIZE = 1000;
const MORE_RESULTS =
    "There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.";

const RECIPIENT_TYPE_DETAILS = [
    "UserMailbox",
    "SharedMailbox",
    "RoomMailbox",
    "EquipmentMailbox",
    "LinkedMailbox",
    "SchedulingMailbox",
    "TeamMailbox",
    "DiscoveryMailbox",
    "GroupMailbox",
];

/** Finds a mailbox by any of the identities Exchange accepts for -Identity. */
export function findMailbox(tenant: TenantState, identity: string): ExchangeMailboxState | undefined {
    return tenant.exchange.mailboxes.find(
        (m) =>
            sameText(m.name, identity) ||
            sameText(m.alias, identity) ||
            sameText(m.userPrincipalName, identity) ||
            sameText(m.primarySmtpAddress, identity) ||
            sameText(m.guid, identity) ||
            sameText(m.externalDirectoryObjectId, identity) ||
            sameText(m.displayName, identity) ||
            sameText(mailboxDn(tenant, m), identity),
    );
}

/** Whether SMTP AUTH is off for the mailbox after the organisation default is applied. */
export function effectiveSmtpClientAuthenticationDisabled(tenant: TenantState, m: ExchangeMailboxState): boolean {
    return m.smtpClientAuthenticationDisabled ?? tenant.exchange.organization.smtpClientAuthenticationDisabled;
}

function mailboxDn(tenant: TenantState, m: ExchangeMailboxState): string {
    return `CN=${m.name},${organizationDn(tenant)}`;
}

function common(tenant: TenantState, m: ExchangeMailboxState): Record<string, unknown> {
    return {
        Identity: m.name,
        Name: m.name,
        DisplayName: m.displayName,
        PrimarySmtpAddress: m.primarySmtpAddress,
        EmailAddresses: [`SMTP:${m.primarySmtpAddress}`],
        Guid: m.guid,
        ExternalDirectoryObjectId: m.externalDirectoryObjectId,
        DistinguishedName: mailboxDn(tenant, m),
    };
}

function casMailbox(tenant: TenantState, m: ExchangeMailboxState): Record<string, unknown> {
    return {
        ...common(tenant, m),
        ActiveSyncEnabled: true,
        OWAEnabled: true,
        OWAforDevicesEnabled: true,
        EwsEnabled: true,
        ECPEnabled: true,
        PopEnabled: true,
        ImapEnabled: true,
        MAPIEnabled: true,
        UniversalOutlookEnabled: true,
        OutlookMobileEnabled: true,
        SmtpClientAuthenticationDisabled: m.smtpClientAuthenticationDisabled,
    };
}

function mailbox(tenant: TenantState, m: ExchangeMailboxState): Record<string, unknown> {
    return {
        ...common(tenant, m),
        Alias: m.alias,
        UserPrincipalName: m.userPrincipalName,
        RecipientType: "UserMailbox",
        RecipientTypeDetails: m.recipientTypeDetails,
        WindowsEmailAddress: m.primarySmtpAddress,
    };
}

function select(
    tenant: TenantState,
    args: Record<string, unknown>,
    filter: (m: ExchangeMailboxState) => boolean = () => true,
): { found: ExchangeMailboxState[]; warnings?: string[] } {
    if (args.Identity !== undefined) {
        const m = findMailbox(tenant, args.Identity as string);
        if (!m || !filter(m)) {
            throw identityNotFound(args.Identity as string);
        }
        return { found: [m] };
    }
    const all = tenant.exchange.mailboxes.filter(filter);
    const size = (args.ResultSize as number | undefined) ?? DEFAULT_RESULT_SIZE;
    return all.length > size ? { found: all.slice(0, size), warnings: [MORE_RESULTS] } : { found: all };
}

export const mailboxCmdlets: Cmdlet[] = [
    {
        name: "Get-Mailbox",
        parameters: { Identity: "string", ResultSize: "resultSize", RecipientTypeDetails: "stringList" },
        run({ tenant }, args) {
            const wanted = args.RecipientTypeDetails as string[] | undefined;
            for (const w of wanted ?? []) {
                if (!RECIPIENT_TYPE_DETAILS.some((r) => sameText(r, w))) {
                    throw new ExchangeCmdletError(
                        400,
                        "System.Management.Automation.ParameterBindingArgumentTransformationException",
                        `Cannot process argument transformation on parameter 'RecipientTypeDetails'. Cannot convert value "${w}" to type ` +
                            `"Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails[]". Error: "Unable to match the identifier name ${w} to a valid enumerator name."`,
                    );
                }
            }
            const { found, warnings } = select(tenant, args, (m) => !wanted || wanted.some((w) => sameText(w, m.recipientTypeDetails)));
            return { value: found.map((m) => mailbox(tenant, m)), warnings };
        },
    },
    {
        name: "Get-CASMailbox",
        parameters: { Identity: "string", ResultSize: "resultSize" },
        run({ tenant }, args) {
            const { found, warnings } = select(tenant, args);
            return { value: found.map((m) => casMailbox(tenant, m)), warnings };
        },
    },
    {
        name: "Set-CASMailbox",
        parameters: { Identity: "string", SmtpClientAuthenticationDisabled: "nullableBool", Confirm: "ignored" },
        mandatory: ["Identity"],
        run({ tenant, store }, args) {
            const m = findMailbox(tenant, args.Identity as string);
            if (!m) {
                throw identityNotFound(args.Identity as string);
            }
            const want = args.SmtpClientAuthenticationDisabled as boolean | null | undefined;
            if (want === undefined || want === m.smtpClientAuthenticationDisabled) {
                return { value: [], warnings: [noChangeWarning(m.name)] };
            }
            store.mutate(() => {
                m.smtpClientAuthenticationDisabled = want;
            });
            return { value: [] };
        },
    },
];
