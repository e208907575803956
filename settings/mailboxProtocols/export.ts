import type { ExportContext } from "../../providers/framework/exportContext";
import { stableJson } from "../../providers/framework/setting";
import type { Infer } from "../../providers/framework/validation";
import {
    CAS_MAILBOX_READ,
    CAS_PLAN_READ,
    PLAN_PROTOCOLS,
    type PlanProtocol,
    type PlanValues,
    type ProtocolException,
    type mailboxProtocolsDeclaration,
    valuesOf,
} from "./setting";

/** `m365-mfa:baseline.mailboxProtocols` as its declaration types it (the member's MailboxProtocolsSettings). */
type MailboxProtocolsSettings = Infer<typeof mailboxProtocolsDeclaration.schema>;

/**
 * m365-mfa:baseline.mailboxProtocols describing the tenant exactly, so the first up writes nothing:
 * each of POP, IMAP and ActiveSync takes the value most mailboxes have as its default; every mailbox
 * that differs becomes an exception (mailboxes with the same values share one); every CAS mailbox plan
 * that differs from the defaults gets its own values under plans. SMTP AUTH per mailbox is left to
 * m365-mfa:baseline.smtpAuth (its export names the mailboxes that keep it), so it is not exported here.
 * Exceptions are not changes: the blast-radius guard counts what a plan changes, nothing right after export.
 */
export async function exportMember(ctx: ExportContext): Promise<MailboxProtocolsSettings | undefined> {
    const [mailboxes, plans] = await Promise.all([
        ctx.clients.exchange.invoke(CAS_MAILBOX_READ, { ResultSize: "Unlimited" }),
        ctx.clients.exchange.invoke(CAS_PLAN_READ),
    ]);
    ctx.onProgress?.("mailboxes", mailboxes.length);
    const rows = mailboxes
        .map((m) => ({ address: String(m.PrimarySmtpAddress ?? "").toLowerCase(), v: valuesOf(m) }))
        .filter((r) => r.address.includes("@"))
        .sort((a, b) => a.address.localeCompare(b.address));
    const planRows = plans.map((p) => ({
        name: String(p.DisplayName),
        v: { pop: p.PopEnabled !== false, imap: p.ImapEnabled !== false, activeSync: p.ActiveSyncEnabled !== false },
    }));
    if (!rows.length && !planRows.length) return undefined;
    const defaults: PlanValues = {};
    for (const p of PLAN_PROTOCOLS) {
        const source = rows.length ? rows.map((r) => r.v[p]) : planRows.map((r) => r.v[p]);
        const on = source.filter(Boolean).length;
        defaults[p] = on * 2 > source.length; // ties: off (the safer default)
    }
    const groups = new Map<string, ProtocolException>();
    for (const r of rows) {
        const own: Partial<Record<PlanProtocol, boolean>> = {};
        for (const p of PLAN_PROTOCOLS) if (r.v[p] !== defaults[p]) own[p] = r.v[p];
        if (!Object.keys(own).length) continue;
        const key = JSON.stringify(own);
        const g = groups.get(key) ?? { mailboxes: [], ...own };
        g.mailboxes.push(r.address);
        groups.set(key, g);
    }
    const planValues: Record<string, PlanValues> = {};
    for (const r of planRows.sort((a, b) => a.name.localeCompare(b.name))) {
        const own: PlanValues = {};
        for (const p of PLAN_PROTOCOLS) if (r.v[p] !== defaults[p]) own[p] = r.v[p];
        if (Object.keys(own).length) planValues[r.name] = own;
    }
    const exceptions = [...groups.values()];
    // Every mailbox and plan at Microsoft's defaults (on; IMAP off for ExchangeOnlineDeskless, set-casmailboxplan):
    // nothing anyone set, so nothing to adopt; the member is left out rather than manage what nobody chose.
    const microsoftDefaults =
        PLAN_PROTOCOLS.every((p) => defaults[p] === true) &&
        !exceptions.length &&
        Object.entries(planValues).every(([name, v]) => name === "ExchangeOnlineDeskless" && stableJson(v) === stableJson({ imap: false }));
    if (microsoftDefaults) return undefined;
    return {
        defaults,
        ...(Object.keys(planValues).length ? { plans: planValues } : {}),
        ...(exceptions.length ? { exceptions } : {}),
    };
}
