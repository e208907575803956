import type { TenantState } from "../store";
import { type Cmdlet, DN_SUFFIX, noChangeWarning } from "./cmdlet";
import { referenceNotFound } from "./errors";
import { findAuthenticationPolicy } from "./authenticationPolicies";

/**
 * Organisation-wide settings: Get/Set-OrganizationConfig (modern authentication, the default
 * authentication policy) and Get/Set-TransportConfig (SMTP AUTH for the organisation).
 */
export function organizationDn(tenant: TenantState): string {
    return `OU=${tenant.exchange.organization.name},OU=Microsoft Exchange Hosted Organizations,${DN_SUFFIX}`;
}

function configurationDn(tenant: TenantState): string {
    return `CN=Configuration,CN=${tenant.exchange.organization.name},CN=ConfigurationUnits,${DN_SUFFIX}`;
}

function organizationConfig(tenant: TenantState): Record<string, unknown> {
    const org = tenant.exchange.organization;
    const policy = tenant.exchange.authenticationPolicies.find((p) => p.guid === org.defaultAuthenticationPolicyGuid);
    return {
        Name: org.name,
        DisplayName: org.displayName,
        Identity: org.name,
        Id: org.name,
        Guid: org.guid,
        DistinguishedName: configurationDn(tenant),
        OAuth2ClientProfileEnabled: org.oauth2ClientProfileEnabled,
        DefaultAuthenticationPolicy: policy ? policy.name : null,
        IsDehydrated: false,
        AuditDisabled: false,
        CustomerLockboxEnabled: false,
        SmtpActionableMessagesEnabled: true,
        MailTipsAllTipsEnabled: true,
        PublicFoldersEnabled: "Local",
        ActivityBasedAuthenticationTimeoutEnabled: true,
        ActivityBasedAuthenticationTimeoutInterval: "06:00:00",
        ObjectState: "Unchanged",
        IsValid: true,
    };
}

function transportConfig(tenant: TenantState): Record<string, unknown> {
    const org = tenant.exchange.organization;
    return {
        Identity: "Transport Settings",
        Name: "Transport Settings",
        Guid: org.transportConfigGuid,
        DistinguishedName: `CN=Transport Settings,CN=${org.name},CN=ConfigurationUnits,${DN_SUFFIX}`,
        SmtpClientAuthenticationDisabled: org.smtpClientAuthenticationDisabled,
        AllowLegacyTLSClients: false,
        ExternalPostmasterAddress: null,
        MaxReceiveSize: "36 MB (37,748,736 bytes)",
        MaxSendSize: "35 MB (36,700,160 bytes)",
        MaxRecipientEnvelopeLimit: "500",
        ObjectState: "Unchanged",
        IsValid: true,
    };
}

export const organizationCmdlets: Cmdlet[] = [
    {
        name: "Get-OrganizationConfig",
        parameters: {},
        run: ({ tenant }) => ({ value: [organizationConfig(tenant)] }),
    },
    {
        name: "Set-OrganizationConfig",
        parameters: { OAuth2ClientProfileEnabled: "bool", DefaultAuthenticationPolicy: "nullableString", Confirm: "ignored" },
        run({ tenant, store }, args) {
            const org = tenant.exchange.organization;
            const next = { ...org };
            if (args.OAuth2ClientProfileEnabled !== undefined) {
                next.oauth2ClientProfileEnabled = args.OAuth2ClientProfileEnabled as boolean;
            }
            if (args.DefaultAuthenticationPolicy !== undefined) {
                const ref = args.DefaultAuthenticationPolicy as string | null;
                if (ref === null || ref === "") {
                    next.defaultAuthenticationPolicyGuid = null;
                } else {
                    const policy = findAuthenticationPolicy(tenant, ref);
                    if (!policy) {
                        throw referenceNotFound(ref);
                    }
                    next.defaultAuthenticationPolicyGuid = policy.guid;
                }
            }
            const changed =
                next.oauth2ClientProfileEnabled !== org.oauth2ClientProfileEnabled ||
                next.defaultAuthenticationPolicyGuid !== org.defaultAuthenticationPolicyGuid;
            if (!changed) {
                return { value: [], warnings: [noChangeWarning(org.name)] };
            }
            store.mutate(() => {
                Object.assign(org, next);
            });
            return { value: [] };
        },
    },
    {
        name: "Get-TransportConfig",
        parameters: {},
        run: ({ tenant }) => ({ value: [transportConfig(tenant)] }),
    },
    {
        name: "Set-TransportConfig",
        parameters: { SmtpClientAuthenticationDisabled: "bool", Confirm: "ignored" },
        run({ tenant, store }, args) {
            const org = tenant.exchange.organization;
            const want = args.SmtpClientAuthenticationDisabled as boolean | undefined;
            if (want === undefined || want === org.smtpClientAuthenticationDisabled) {
                return { value: [], warnings: [noChangeWarning("Transport Settings")] };
            }
            store.mutate(() => {
                org.smtpClientAuthenticationDisabled = want;
            });
            return { value: [] };
        },
    },
];
