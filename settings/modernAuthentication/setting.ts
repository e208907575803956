import type { TenantClients } from "../../client";
import { TenantSetting, ValidationFailure, diffFields } from "../../providers/framework/setting";

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

    validate(inputs) {
        const failures: ValidationFailure[] = [];
        for (const key of Object.keys(inputs)) {
            if (!modernAuthentication.inputKeys.includes(key)) {
                failures.push({ property: key, reason: `unknown property "${key}"; the only setting is enabled` });
            }
        }
        const v = inputs.enabled;
        if (typeof v !== "boolean") {
            failures.push({
                property: "enabled",
                reason:
                    `enabled must be true or false (got ${v === undefined ? "nothing" : JSON.stringify(v)}); ` +
                    `true turns on modern authentication (OAuth2ClientProfileEnabled) for Exchange Online`,
            });
            return { failures };
        }
        return { desired: { enabled: v }, failures };
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
