import type { BaselineMember } from "../../providers/framework/member";
import type { Infer } from "../../providers/framework/validation";
import { smtpAuthMember } from "../smtpAuth/member";
import { exportMember } from "./export";
import { MailboxProtocols } from "./resource";
import { mailboxProtocols, mailboxProtocolsDeclaration } from "./setting";

/** `m365-mfa:baseline.mailboxProtocols`: the setting's configured inputs (mailboxProtocolsDeclaration). */
export type MailboxProtocolsSettings = Infer<typeof mailboxProtocolsDeclaration.schema>;

/** Whether the member manages SMTP AUTH on any mailbox. */
const managesSmtpAuth = (a: MailboxProtocolsSettings | undefined) =>
    !!a && (a.defaults?.smtpAuth !== undefined || (a.exceptions ?? []).some((e) => e.smtpAuth !== undefined));

export const mailboxProtocolsMember: BaselineMember<MailboxProtocolsSettings, MailboxProtocols> = {
    key: "mailboxProtocols",
    title: mailboxProtocols.title,
    settings: [mailboxProtocols],
    exportMember,
    schema: mailboxProtocolsDeclaration.schema,
    parse: (raw, ctx) => {
        const { desired, failures } = mailboxProtocols.validate(raw);
        for (const f of failures) ctx.problems.push(`${ctx.key}.${f.property}: ${f.reason}`);
        return desired && !failures.length ? (raw as MailboxProtocolsSettings) : undefined;
    },
    problems: (args, ctx) => {
        const smtp = ctx.argsOf(smtpAuthMember);
        if (managesSmtpAuth(args) && smtp && ((smtp.exceptions as unknown[] | undefined)?.length || smtp.manageAllMailboxes)) {
            return [
                `${ctx.key} manages SMTP AUTH on mailboxes and so does ${ctx.keyOf(smtpAuthMember)} (exceptions or ` +
                    "manageAllMailboxes): one mailbox would " +
                    `be set by both. Name SMTP AUTH exceptions in one place: remove smtpAuth from ${ctx.key}.defaults and ` +
                    "its exceptions, or move " +
                    `${ctx.keyOf(smtpAuthMember)}.exceptions to ${ctx.key}.exceptions with smtpAuth: enabled.`,
            ];
        }
        return [];
    },
    build: (args, ctx) =>
        new MailboxProtocols(
            `${ctx.name}-mailbox-protocols`,
            { ...args, confirm: ctx.wide.guards?.confirm, configKey: ctx.key },
            { parent: ctx.parent },
        ),
};
