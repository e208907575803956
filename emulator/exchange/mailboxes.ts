import type { ExchangeMailboxState, TenantState } from "../store";
import { type Cmdlet, noChangeWarning, sameText } from "./cmdlet";
import { ExchangeCmdletError, identityNotFound } from "./errors";
import { organizationDn } from "./organization";
import "./casMailboxPlans"; // the mailbox's protocol fields (declared there)
import { recordCasMailboxChange, replayCasJournal } from "./casJournal";

/**
 * Mailboxes: Get-Mailbox and Get/Set-CASMailbox (per-mailbox SMTP AUTH, POP, IMAP and Exchange ActiveSync). A mailbox's
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
    // Fast path: an index of the unique identities (address, UPN, name, alias, ids), so a tenant of
    // 50,000 mailboxes is not scanned for every cmdlet; anything else (display name, DN) by the scan.
    const indexed = indexOf(tenant.exchange.mailboxes).get(identity.toLowerCase());
    if (indexed) {
        return indexed;
    }
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

const indexes = new WeakMap<ExchangeMailboxState[], { size: number; byId: Map<string, ExchangeMailboxState> }>();

function indexOf(mailboxes: ExchangeMailboxState[]): Map<string, ExchangeMailboxState> {
    let entry = indexes.get(mailboxes);
    if (!entry || entry.size !== mailboxes.length) {
        const byId = new Map<string, ExchangeMailboxState>();
        for (const m of mailboxes) {
            for (const id of [m.primarySmtpAddress, m.userPrincipalName, m.name, m.alias, m.guid, m.externalDirectoryObjectId]) {
                // A value two mailboxes share goes to the first in order, as the scan finds it.
                const key = String(id ?? "").toLowerCase();
                if (key && !byId.has(key)) byId.set(key, m);
            }
        }
        indexes.set(mailboxes, (entry = { size: mailboxes.length, byId }));
    }
    return entry.byId;
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
        ActiveSyncEnabled: m.activeSyncEnabled ?? true,
        OWAEnabled: true,
        OWAforDevicesEnabled: true,
        EwsEnabled: true,
        ECPEnabled: true,
        PopEnabled: m.popEnabled ?? true,
        ImapEnabled: m.imapEnabled ?? true,
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
                            `"Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails[]". Error: "Unable to match ` +
                            `the identifier name ${w} to a valid enumerator name."`,
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
        run({ tenant, store }, args) {
            replayCasJournal(store, tenant);
            const { found, warnings } = select(tenant, args);
            return { value: found.map((m) => casMailbox(tenant, m)), warnings };
        },
    },
    {
        name: "Set-CASMailbox",
        // set-casmailbox (MicrosoftDocs/office-docs-powershell exchange/exchange-ps/ExchangePowerShell/Set-CASMailbox.md):
        // -PopEnabled, -ImapEnabled, -ActiveSyncEnabled are Boolean ($true by default; $null is refused by
        // PowerShell's binder for a Boolean); -SmtpClientAuthenticationDisabled is $true/$false or $null
        // (follow Set-TransportConfig). Documented parameters the emulator does not model are refused loudly.
        parameters: {
            Identity: "string",
            SmtpClientAuthenticationDisabled: "nullableBool",
            PopEnabled: "bool",
            ImapEnabled: "bool",
            ActiveSyncEnabled: "bool",
            Confirm: "ignored",
            WhatIf: "notModelled",
            OWAEnabled: "notModelled",
            OWAforDevicesEnabled: "notModelled",
            EwsEnabled: "notModelled",
            MAPIEnabled: "notModelled",
            ECPEnabled: "notModelled",
            UniversalOutlookEnabled: "notModelled",
            OutlookMobileEnabled: "notModelled",
            MacOutlookEnabled: "notModelled",
            OneWinNativeOutlookEnabled: "notModelled",
            ActiveSyncMailboxPolicy: "notModelled",
            ActiveSyncAllowedDeviceIDs: "notModelled",
            ActiveSyncBlockedDeviceIDs: "notModelled",
            OwaMailboxPolicy: "notModelled",
            PopUseProtocolDefaults: "notModelled",
            ImapUseProtocolDefaults: "notModelled",
        },
        mandatory: ["Identity"],
        run({ tenant, store }, args) {
            const m = findMailbox(tenant, args.Identity as string);
            if (!m) {
                throw identityNotFound(args.Identity as string);
            }
            const set: Partial<ExchangeMailboxState> = {};
            const want = args.SmtpClientAuthenticationDisabled as boolean | null | undefined;
            if (want !== undefined && want !== m.smtpClientAuthenticationDisabled) set.smtpClientAuthenticationDisabled = want;
            if (args.PopEnabled !== undefined && args.PopEnabled !== (m.popEnabled ?? true)) set.popEnabled = args.PopEnabled as boolean;
            if (args.ImapEnabled !== undefined && args.ImapEnabled !== (m.imapEnabled ?? true))
                set.imapEnabled = args.ImapEnabled as boolean;
            if (args.ActiveSyncEnabled !== undefined && args.ActiveSyncEnabled !== (m.activeSyncEnabled ?? true))
                set.activeSyncEnabled = args.ActiveSyncEnabled as boolean;
            if (!Object.keys(set).length) {
                return { value: [], warnings: [noChangeWarning(m.name)] };
            }
            // Journalled, not a whole-state write per mailbox (./casJournal.ts): tenants of 50,000 mailboxes are changed one by one.
            recordCasMailboxChange(store, tenant, m, set);
            return { value: [] };
        },
    },
];
