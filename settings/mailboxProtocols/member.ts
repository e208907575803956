import type { BaselineMember } from "../../components/member";
import { obj } from "../../providers/framework/validation";
import { smtpAuthMember } from "../smtpAuth/member";
import type { MailboxProtocols } from "./resource";
import { PlanValues, ProtocolException, ProtocolValues, mailboxProtocols } from "./setting";

/** `m365-mfa:baseline.mailboxProtocols` */
export interface MailboxProtocolsSettings {
    /** Every mailbox's value of each protocol named, and (POP, IMAP, ActiveSync) every CAS mailbox plan's: what new mailboxes get. */
    defaults?: ProtocolValues;
    /** Per CAS mailbox plan (display name, e.g. ExchangeOnlineDeskless): values for new mailboxes of that licence. */
    plans?: Record<string, PlanValues>;
    /** Named mailboxes (UPN or primary SMTP address) with their own values. */
    exceptions?: ProtocolException[];
    /** Above this many mailboxes changed by one plan, a confirmation in m365-mfa:baseline.guards.confirm is needed (default 500). */
    maxMailboxChanges?: number;
}

const CONFIG_KEYS = ["defaults", "plans", "exceptions", "maxMailboxChanges"] as const;
const fields = (mailboxProtocols.schema as Extract<typeof mailboxProtocols.schema, { type: "object" }>).fields;

/** Whether the member manages SMTP AUTH on any mailbox. */
const managesSmtpAuth = (a: MailboxProtocolsSettings | undefined) => !!a && (a.defaults?.smtpAuth !== undefined || (a.exceptions ?? []).some((e) => e.smtpAuth !== undefined));

export const mailboxProtocolsMember: BaselineMember<MailboxProtocolsSettings, MailboxProtocols> = {
    title: mailboxProtocols.title,
    settings: [mailboxProtocols],
    guardrails: () => {
        const p = require("./policy") as typeof import("./policy");
        return [p.mailboxSmtpAuthNotOnByDefault];
    },
    exportMember: (ctx) => (require("./export") as typeof import("./export")).exportMember(ctx),
    schema: obj(Object.fromEntries(CONFIG_KEYS.map((k) => [k, fields[k]])), {
        hint: "like { defaults: { pop: false, imap: false }, exceptions: [{ mailboxes: [scanner@contoso.com], smtpAuth: enabled }] }",
    }),
    parse: (raw, ctx) => {
        const { desired, failures } = mailboxProtocols.validate(raw);
        failures.forEach((f) => ctx.problems.push(`${ctx.key}.${f.property}: ${f.reason}`));
        return desired && !failures.length ? (raw as MailboxProtocolsSettings) : undefined;
    },
    problems: (args, ctx) => {
        const smtp = ctx.argsOf(smtpAuthMember);
        if (managesSmtpAuth(args) && smtp && ((smtp.exceptions as unknown[] | undefined)?.length || smtp.manageAllMailboxes)) {
            return [
                `${ctx.key} manages SMTP AUTH on mailboxes and so does ${ctx.keyOf(smtpAuthMember)} (exceptions or manageAllMailboxes): one mailbox would ` +
                    `be set by both. Name SMTP AUTH exceptions in one place: remove smtpAuth from ${ctx.key}.defaults and its exceptions, or move ` +
                    `${ctx.keyOf(smtpAuthMember)}.exceptions to ${ctx.key}.exceptions with smtpAuth: enabled.`,
            ];
        }
        return [];
    },
    build: (args, ctx) => {
        const { MailboxProtocols } = require("./resource") as typeof import("./resource");
        return new MailboxProtocols(
            `${ctx.name}-mailbox-protocols`,
            { ...args, confirm: ctx.wide.guards?.confirm, configKey: ctx.key },
            { parent: ctx.parent },
        );
    },
};
