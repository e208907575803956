import type { ExportContext } from "../../providers/framework/exportContext";
import { CAS_MAILBOX_READ, fromExchange, smtpAuth } from "./setting";

/**
 * m365-mfa:baseline.smtpAuth: the organisation switch, and (while it is off) the mailboxes that keep
 * SMTP AUTH with a value of their own as exceptions, by primary SMTP address. Mailboxes not named are
 * left alone (manageAllMailboxes is not set), so a mailbox with SMTP AUTH switched off on its own, or
 * with a value of its own while the organisation allows SMTP AUTH, is not managed; each is said.
 */
export async function exportMember(ctx: ExportContext): Promise<{ disabledForOrganization: boolean; exceptions?: string[] }> {
    const live = await smtpAuth.read(ctx.clients, { disabledForOrganization: true, exceptions: [] });
    const all = await ctx.clients.exchange.invoke(CAS_MAILBOX_READ, { ResultSize: "Unlimited" });
    const own = all
        .map((m) => ({
            address: String(m.PrimarySmtpAddress ?? "").toLowerCase(),
            state: fromExchange(m.SmtpClientAuthenticationDisabled),
        }))
        .filter((m) => m.address.includes("@") && m.state !== "followsOrganization")
        .sort((a, b) => a.address.localeCompare(b.address));
    const exceptions = live.disabledForOrganization ? own.filter((m) => m.state === "enabled").map((m) => m.address) : [];
    const unmanaged = own.filter((m) => !exceptions.includes(m.address));
    if (unmanaged.length) {
        ctx.warnings.push(
            `smtpAuth: ${unmanaged.map((m) => `${m.address} (SMTP AUTH ${m.state} on its own)`).join(", ")} ` +
                `${unmanaged.length > 1 ? "are" : "is"} not an exception ` +
                `to the organisation's ${live.disabledForOrganization ? "switch-off" : "setting"} and stay` +
                `${unmanaged.length > 1 ? "" : "s"} unmanaged (manageAllMailboxes: true would reset ` +
                `${unmanaged.length > 1 ? "them" : "it"} to follow the organisation).`,
        );
    }
    return { disabledForOrganization: live.disabledForOrganization, ...(exceptions.length ? { exceptions } : {}) };
}
