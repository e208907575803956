import type { TenantClients } from "../../client";
import { type TenantSetting, diffFields } from "../../providers/framework/setting";
import { type DesiredOf, type LiveOf, declareSetting } from "../../providers/framework/declare";
import { boolWith, str } from "../../providers/framework/validation";

/**
 * Modern authentication in Exchange Online: the organisation's OAuth2ClientProfileEnabled
 * (Get-/Set-OrganizationConfig). On by default for organisations since August 2017; when off,
 * Outlook and other clients fall back to Basic authentication, which Exchange Online no longer
 * accepts, so MFA cannot be enforced on them. The app needs the Office 365 Exchange Online
 * application permission Exchange.ManageAsApp and the Exchange Administrator role.
 */
export const modernAuthenticationDeclaration = declareSetting({
    inputs: {
        /** Whether Exchange Online accepts modern authentication (OAuth2ClientProfileEnabled). */
        enabled: boolWith("true turns on modern authentication (OAuth2ClientProfileEnabled) for Exchange Online"),
    },
    required: ["enabled"],
    hint: "like { enabled: true }",
    outputs: {
        /** The Exchange organisation (its initial domain, e.g. contoso.onmicrosoft.com). */
        organizationName: str(),
    },
});

export type ModernAuthenticationDesired = DesiredOf<typeof modernAuthenticationDeclaration>;
export type ModernAuthenticationLive = LiveOf<typeof modernAuthenticationDeclaration>;

export const ORGANIZATION_CONFIG_READ = "Get-OrganizationConfig";
export const ORGANIZATION_CONFIG_WRITE = "Set-OrganizationConfig";

export const modernAuthentication: TenantSetting<ModernAuthenticationDesired, ModernAuthenticationLive> = {
    type: "ModernAuthentication",
    title: "Modern authentication",
    permissions: {
        service: "exchange",
        read: ["Exchange.ManageAsApp"],
        write: ["Exchange.ManageAsApp"],
    },
    onDelete: "Removing the resource stops managing modern authentication; Exchange Online keeps its current setting.",
    inputKeys: modernAuthenticationDeclaration.inputKeys,
    weakens: (c) =>
        c.field === "enabled" && c.from === true && c.to === false
            ? "modern authentication switched off: Outlook cannot do MFA"
            : undefined,
    schema: modernAuthenticationDeclaration.schema,
    validate: modernAuthenticationDeclaration.validate,

    async read(clients: TenantClients) {
        const [config] = await clients.exchange.invoke(ORGANIZATION_CONFIG_READ);
        if (typeof config?.OAuth2ClientProfileEnabled !== "boolean") {
            throw new Error(`Exchange Online's ${ORGANIZATION_CONFIG_READ} returned no OAuth2ClientProfileEnabled`);
        }
        return { enabled: config.OAuth2ClientProfileEnabled, organizationName: String(config.Name ?? config.Identity ?? "") };
    },

    desiredFromLive(live) {
        return { enabled: live.enabled };
    },

    diff(desired, live) {
        return diffFields(desired, live);
    },

    async apply(clients: TenantClients, desired) {
        await clients.exchange.invoke(ORGANIZATION_CONFIG_WRITE, { OAuth2ClientProfileEnabled: desired.enabled });
    },

    id(tenantId) {
        return `${tenantId}/modernAuthentication`;
    },
};
