import { BaselineMember, parseAsInputs } from "../../components/member";
import { configSchema } from "../../providers/framework/validation";
import type { SmtpAuth, SmtpAuthArgs } from "./resource";
import { smtpAuth } from "./setting";

export const smtpAuthMember: BaselineMember<SmtpAuthArgs, SmtpAuth> = {
    title: smtpAuth.title,
    guardrails: () => {
        const p = require("./policy") as typeof import("./policy");
        return [p.smtpAuthDisabled];
    },
    settings: [smtpAuth],
    exportMember: (ctx) => (require("./export") as typeof import("./export")).exportMember(ctx),
    // The config is exactly the provider's inputs (mailboxes is resolved at plan time, not configured).
    schema: configSchema(smtpAuth),
    parse: parseAsInputs(smtpAuth),
    build: (args, ctx) => {
        const { SmtpAuth } = require("./resource") as typeof import("./resource");
        return new SmtpAuth(`${ctx.name}-smtp-auth`, args, { parent: ctx.parent });
    },
    // Every preset: SMTP AUTH is basic authentication.
    preset: () => ({ disabledForOrganization: true }),
    posture: () => ({ alsoBlocks: "SMTP AUTH" }),
};
