import { type BaselineMember, parseAsInputs } from "../../providers/framework/member";
import { configSchema } from "../../providers/framework/validation";
import { exportMember } from "./export";
import { SmtpAuth, type SmtpAuthArgs } from "./resource";
import { smtpAuth } from "./setting";

export const smtpAuthMember: BaselineMember<SmtpAuthArgs, SmtpAuth> = {
    key: "smtpAuth",
    title: smtpAuth.title,
    settings: [smtpAuth],
    exportMember,
    // The config is exactly the provider's inputs (mailboxes is resolved at plan time, not configured).
    schema: configSchema(smtpAuth),
    parse: parseAsInputs(smtpAuth),
    build: (args, ctx) => new SmtpAuth(`${ctx.name}-smtp-auth`, args, { parent: ctx.parent }),
    // Every preset: SMTP AUTH is basic authentication.
    preset: () => ({ disabledForOrganization: true }),
    posture: () => ({ alsoBlocks: "SMTP AUTH" }),
};
