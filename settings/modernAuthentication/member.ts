import type { BaselineMember } from "../../components/member";
import type { Infer } from "../../providers/framework/validation";
import type { ModernAuthentication } from "./resource";
import { modernAuthentication, modernAuthenticationDeclaration } from "./setting";

/** `m365-mfa:baseline.modernAuthentication`: the setting's inputs (enabled: true is the default, and required before blocking basic authentication). */
export type ModernAuthenticationSettings = Infer<typeof modernAuthenticationDeclaration.schema>;

export const modernAuthenticationMember: BaselineMember<ModernAuthenticationSettings, ModernAuthentication> = {
    title: modernAuthentication.title,
    guardrails: () => {
        const p = require("./policy") as typeof import("./policy");
        return [p.modernAuthenticationOn];
    },
    settings: [modernAuthentication],
    exportMember: (ctx) => (require("./export") as typeof import("./export")).exportMember(ctx),
    schema: modernAuthenticationDeclaration.schema,
    parse: (raw) => ({ enabled: raw.enabled }),
    build: (args, ctx) => {
        const { ModernAuthentication } = require("./resource") as typeof import("./resource");
        return new ModernAuthentication(`${ctx.name}-modern-authentication`, { enabled: args.enabled }, { parent: ctx.parent });
    },
    // Every preset: without modern authentication, Outlook cannot do MFA.
    preset: () => ({ enabled: true }),
};
