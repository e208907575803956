import * as crypto from "node:crypto";
import type { TenantState } from "../store";
import { type Cmdlet, noChangeWarning, sameText } from "./cmdlet";
import { identityNotFound } from "./errors";
import { organizationDn } from "./organization";

/**
 * Client Access services (CAS) mailbox plans: Get-CASMailboxPlan and Set-CASMailboxPlan
 * (learn.microsoft.com powershell/module/exchange/get-casmailboxplan and set-casmailboxplan;
 * MicrosoftDocs/office-docs-powershell exchange/exchange-ps/ExchangePowerShell/{Get,Set}-CASMailboxPlan.md).
 *
 * What the pages state, and the emulator models:
 * - A CAS mailbox plan is tied to the mailbox plan of the same name; plans correspond to licence types
 *   and "are applied to a mailbox when you license the user". Plans cannot be created or removed (no
 *   New-/Remove- cmdlet; Microsoft365DSC EXOCASMailboxPlan: "cannot be created/removed in O365").
 * - The name is "<DisplayName>-<GUID>", the display name e.g. ExchangeOnlineEnterprise; -Identity takes
 *   the name, the distinguished name or the GUID (the example uses the display name, so it is taken too).
 * - Set-CASMailboxPlan's modelled parameters: -ActiveSyncEnabled, -ImapEnabled, -PopEnabled (Boolean;
 *   $true is the default, except IMAP for ExchangeOnlineDeskless, $false by default). -ECPEnabled,
 *   -EwsEnabled, -MAPIEnabled, -OWAEnabled and -OwaMailboxPolicy are documented but not modelled: refused.
 *   There is no SmtpClientAuthenticationDisabled: the default for SMTP AUTH is the organisation's
 *   (Set-TransportConfig), so a plan for it is refused as Exchange refuses an unknown parameter.
 * - Changing a plan does not change mailboxes that already exist (the plan is applied at licensing);
 *   the pages do not say so in as many words, so the stricter reading is modelled and said here.
 * - Get-CASMailboxPlan -Filter and -SortBy are documented but not modelled: refused.
 *
 * Which plans a tenant has depends on its licences and age; the emulator gives every tenant the four
 * plans Microsoft365DSC's and the docs' examples name (ExchangeOnline, ExchangeOnlineEnterprise,
 * ExchangeOnlineDeskless, ExchangeOnlineEssentials), with ids derived from the tenant id (stable).
 */
export interface CasMailboxPlanState {
    displayName: string;
    guid: string;
    popEnabled: boolean;
    imapEnabled: boolean;
    activeSyncEnabled: boolean;
}

declare module "../store" {
    interface ExchangeState {
        /** CAS mailbox plans (absent in state written before they were emulated: the defaults below). */
        casMailboxPlans?: CasMailboxPlanState[];
    }
    interface ExchangeMailboxState {
        /** Set-CASMailbox -PopEnabled (absent: $true, the documented default). */
        popEnabled?: boolean;
        /** Set-CASMailbox -ImapEnabled (absent: $true). */
        imapEnabled?: boolean;
        /** Set-CASMailbox -ActiveSyncEnabled (absent: $true). */
        activeSyncEnabled?: boolean;
    }
}

export const PLAN_NAMES = ["ExchangeOnline", "ExchangeOnlineEnterprise", "ExchangeOnlineDeskless", "ExchangeOnlineEssentials"] as const;

function defaultPlans(tenant: TenantState): CasMailboxPlanState[] {
    return PLAN_NAMES.map((displayName) => ({
        displayName,
        guid: crypto
            .createHash("sha256")
            .update(`casMailboxPlan:${tenant.tenantId}:${displayName}`)
            .digest("hex")
            .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, "$1-$2-$3-$4-$5"),
        popEnabled: true,
        // set-casmailboxplan: "$false: ... This is default value for ExchangeOnlineDeskless".
        imapEnabled: displayName !== "ExchangeOnlineDeskless",
        activeSyncEnabled: true,
    }));
}

/** The tenant's CAS mailbox plans (made on first use; the ids are derived from the tenant id, so a reload finds the same). */
export function casMailboxPlans(tenant: TenantState): CasMailboxPlanState[] {
    return (tenant.exchange.casMailboxPlans ??= defaultPlans(tenant));
}

const planName = (p: CasMailboxPlanState) => `${p.displayName}-${p.guid}`;
const planDn = (tenant: TenantState, p: CasMailboxPlanState) => `CN=${planName(p)},${organizationDn(tenant)}`;

export function findCasMailboxPlan(tenant: TenantState, identity: string): CasMailboxPlanState | undefined {
    return casMailboxPlans(tenant).find(
        (p) =>
            sameText(planName(p), identity) ||
            sameText(p.displayName, identity) ||
            sameText(p.guid, identity) ||
            sameText(planDn(tenant, p), identity),
    );
}

function planObject(tenant: TenantState, p: CasMailboxPlanState): Record<string, unknown> {
    return {
        Identity: planName(p),
        Name: planName(p),
        DisplayName: p.displayName,
        Guid: p.guid,
        DistinguishedName: planDn(tenant, p),
        ActiveSyncEnabled: p.activeSyncEnabled,
        ImapEnabled: p.imapEnabled,
        PopEnabled: p.popEnabled,
        OwaMailboxPolicy: "OwaMailboxPolicy-Default",
    };
}

export const casMailboxPlanCmdlets: Cmdlet[] = [
    {
        name: "Get-CASMailboxPlan",
        parameters: { Identity: "string", ResultSize: "resultSize", Filter: "notModelled", SortBy: "notModelled" },
        run({ tenant }, args) {
            if (args.Identity !== undefined) {
                const p = findCasMailboxPlan(tenant, args.Identity as string);
                if (!p) throw identityNotFound(args.Identity as string);
                return { value: [planObject(tenant, p)] };
            }
            const size = (args.ResultSize as number | undefined) ?? 1000;
            return {
                value: casMailboxPlans(tenant)
                    .slice(0, size)
                    .map((p) => planObject(tenant, p)),
            };
        },
    },
    {
        name: "Set-CASMailboxPlan",
        parameters: {
            Identity: "string",
            ActiveSyncEnabled: "bool",
            ImapEnabled: "bool",
            PopEnabled: "bool",
            ECPEnabled: "notModelled",
            EwsEnabled: "notModelled",
            MAPIEnabled: "notModelled",
            OWAEnabled: "notModelled",
            OwaMailboxPolicy: "notModelled",
            Confirm: "ignored",
            WhatIf: "notModelled",
        },
        mandatory: ["Identity"],
        run({ tenant, store }, args) {
            const p = findCasMailboxPlan(tenant, args.Identity as string);
            if (!p) throw identityNotFound(args.Identity as string);
            const set: Partial<CasMailboxPlanState> = {};
            if (args.ActiveSyncEnabled !== undefined && args.ActiveSyncEnabled !== p.activeSyncEnabled)
                set.activeSyncEnabled = args.ActiveSyncEnabled as boolean;
            if (args.ImapEnabled !== undefined && args.ImapEnabled !== p.imapEnabled) set.imapEnabled = args.ImapEnabled as boolean;
            if (args.PopEnabled !== undefined && args.PopEnabled !== p.popEnabled) set.popEnabled = args.PopEnabled as boolean;
            if (!Object.keys(set).length) {
                return { value: [], warnings: [noChangeWarning(planName(p))] };
            }
            store.mutate(() => Object.assign(p, set));
            return { value: [] };
        },
    },
];
