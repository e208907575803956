import type { BaselineMember } from "../../providers/framework/member";
import type { Infer } from "../../providers/framework/validation";
import { exportMember } from "./export";
import { ModernAuthentication } from "./resource";
import { modernAuthentication, modernAuthenticationDeclaration } from "./setting";

/**
 * `m365-mfa:baseline.modernAuthentication`: the setting's inputs (enabled: true is the default, and required before blocking basic
 * authentication).
 */
export type ModernAuthenticationSettings = Infer<typeof modernAuthenticationDeclaration.schema>;

export const modernAuthenticationMember: BaselineMember<ModernAuthenticationSettings, ModernAuthentication> = {
    key: "modernAuthentication",
    title: modernAuthentication.title,
    settings: [modernAuthentication],
    exportMember,
    schema: modernAuthenticationDeclaration.schema,
    parse: (raw) => ({ enabled: raw.enabled }),
    build: (args, ctx) => new ModernAuthentication(`${ctx.name}-modern-authentication`, { enabled: args.enabled }, { parent: ctx.parent }),
    // Every preset: without modern authentication, Outlook cannot do MFA.
    preset: () => ({ enabled: true }),
};
