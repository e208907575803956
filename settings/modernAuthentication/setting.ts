import type { TenantClients } from "../../client";
import { TenantSetting, diffFields } from "../../providers/framework/setting";
import { boolWith, checkInputs, obj } from "../../providers/framework/validation";

/**
 * Modern authentication in Exchange Online: the organisation's OAuth2ClientProfileEnabled
 * (Get-/Set-OrganizationConfig). On by default for organisations since August 2017; when off,
 * Outlook and other clients fall back to Basic authentication, which Exchange Online no longer
 * accepts, so MFA cannot be enforced on them. The app needs the Office 365 Exchange Online
 * application permission Exchange.ManageAsApp and the Exchange Administrator role.
 */
export interface ModernAuthenticationDesired extends Record<string, unknown> {
    enabled: boolean;
}

export interface ModernAuthenticationLive extends Record<string, unknown> {
    enabled: boolean;
    /** The Exchange organisation (its initial domain, e.g. contoso.onmicrosoft.com). */
    organizationName: string;
}

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
    inputKeys: ["enabled"],
    weakens: (c) => (c.field === "enabled" && c.from === true && c.to === false ? "modern authentication switched off: Outlook cannot do MFA" : undefined),
    schema: obj({ enabled: boolWith("true turns on modern authentication (OAuth2ClientProfileEnabled) for Exchange Online") }, { required: ["enabled"] }),

    validate(inputs) {
        const failures = checkInputs(inputs, modernAuthentication.schema!);
        return failures.length ? { failures } : { desired: { enabled: inputs.enabled as boolean }, failures };
    },

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
