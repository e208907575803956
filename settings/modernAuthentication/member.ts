import type { BaselineMember } from "../../components/member";
import { bool, obj } from "../../providers/framework/validation";
import type { ModernAuthentication } from "./resource";
import { modernAuthentication } from "./setting";

/** `m365-mfa:baseline.modernAuthentication` */
export interface ModernAuthenticationSettings {
    /** true: Exchange Online accepts modern authentication (OAuth2ClientProfileEnabled); the default, and required before blocking basic authentication. */
    enabled: boolean;
}

export const modernAuthenticationMember: BaselineMember<ModernAuthenticationSettings, ModernAuthentication> = {
    title: modernAuthentication.title,
    guardrails: () => {
        const p = require("./policy") as typeof import("./policy");
        return [p.modernAuthenticationOn];
    },
    settings: [modernAuthentication],
    exportMember: (ctx) => (require("./export") as typeof import("./export")).exportMember(ctx),
    schema: obj({ enabled: bool }, { required: ["enabled"], hint: "like { enabled: true }" }),
    parse: (raw) => ({ enabled: raw.enabled }),
    build: (args, ctx) => {
        const { ModernAuthentication } = require("./resource") as typeof import("./resource");
        return new ModernAuthentication(`${ctx.name}-modern-authentication`, { enabled: args.enabled }, { parent: ctx.parent });
    },
    // Every preset: without modern authentication, Outlook cannot do MFA.
    preset: () => ({ enabled: true }),
};
