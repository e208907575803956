/**
 * The program's list: every member of `m365-mfa:baseline`, in the order they are built (a member may
 * wait for one listed before it, e.g. Conditional Access for security defaults). The component, the
 * stack-config parsing, the presets, the permission preflight and the export iterate over it; none
 * of them names a setting, and nothing it lists imports it back (a member knows its own key:
 * providers/framework/member.ts keyOf).
 *
 * The provider process's list is ./providerSettings.ts and the policy pack's ./guardrails.ts; adding a
 * setting is a new folder and its line in each list that reads it.
 */
import type { AnyMember } from "../providers/framework/member";
import { authenticationMethodsMember } from "./authenticationMethods/member";
import {
    deviceCodeFlowMember,
    legacyAuthenticationMember,
    phishingResistantAdminsMember,
    requireMfaMember,
} from "./conditionalAccess/member";
import { exchangeAuthenticationPolicyMember } from "./exchangeAuthenticationPolicy/member";
import { hygieneMember } from "./hygiene/member";
import { mailboxProtocolsMember } from "./mailboxProtocols/member";
import { managedPoliciesMember } from "./managedPolicies/member";
import { modernAuthenticationMember } from "./modernAuthentication/member";
import { perUserMfaMember } from "./perUserMfa/member";
import { securityDefaultsMember } from "./securityDefaults/member";
import { smtpAuthMember } from "./smtpAuth/member";

export const MEMBERS = {
    /** Microsoft's security defaults on or off (settings/securityDefaults). */
    securityDefaults: securityDefaultsMember,
    /** Exchange Online modern authentication (settings/modernAuthentication). */
    modernAuthentication: modernAuthenticationMember,
    /**
     * Legacy authentication blocked by a Conditional Access policy (Entra ID P1): reportOnly first, then on (settings/conditionalAccess).
     */
    legacyAuthentication: legacyAuthenticationMember,
    /** MFA for all users through Conditional Access (Entra ID P1): reportOnly first, then on (settings/conditionalAccess). */
    conditionalAccessMfa: requireMfaMember,
    /**
     * Phishing-resistant MFA (an authentication strength) for the highly privileged roles (Entra ID P1): reportOnly first, then on
     * (settings/conditionalAccess).
     */
    phishingResistantAdmins: phishingResistantAdminsMember,
    /**
     * Device code flow (and optionally authentication transfer) blocked by Conditional Access (Entra ID P1): reportOnly first, then on
     * (settings/conditionalAccess).
     */
    deviceCodeFlow: deviceCodeFlowMember,
    /**
     * Microsoft-managed Conditional Access policies adopted: their state and the users and groups they exclude, nothing else
     * (settings/managedPolicies).
     */
    managedPolicies: managedPoliciesMember,
    /** Session and method hygiene operations, by name: each runs once per value of its trigger (settings/hygiene). */
    hygiene: hygieneMember,
    /** SMTP AUTH off for the organisation, with named mailbox exceptions (settings/smtpAuth). */
    smtpAuth: smtpAuthMember,
    /**
     * An Exchange authentication policy blocking basic authentication per protocol, optionally the organisation default
     * (settings/exchangeAuthenticationPolicy).
     */
    exchangeAuthenticationPolicy: exchangeAuthenticationPolicyMember,
    /**
     * POP, IMAP, Exchange ActiveSync and SMTP AUTH per mailbox and for new mailboxes (CAS mailbox plans), with named exceptions
     * (settings/mailboxProtocols).
     */
    mailboxProtocols: mailboxProtocolsMember,
    /** The authentication methods policy and its method configurations (settings/authenticationMethods). */
    authenticationMethods: authenticationMethodsMember,
    /** Per-user MFA (disabled / enabled / enforced) for named users and groups (settings/perUserMfa). */
    perUserMfa: perUserMfaMember,
} as const;

export type Members = typeof MEMBERS;
export type MemberKey = keyof Members;
export const MEMBER_KEYS = Object.keys(MEMBERS) as MemberKey[];

// A member's own key is the key it is listed under: a member listed under another name would be told by the wrong config key.
for (const k of MEMBER_KEYS) {
    if ((MEMBERS[k] as AnyMember).key !== k) {
        throw new Error(`m365-mfa: settings/members.ts lists the member whose key is "${(MEMBERS[k] as AnyMember).key}" under "${k}"`);
    }
}

/** The member that composes resources of another provider's type (e.g. an azuread Conditional Access policy), if any. */
export function composerOf(type: string): AnyMember | undefined {
    return MEMBER_KEYS.map((k) => MEMBERS[k] as AnyMember).find((m) => m.composes?.[type] !== undefined);
}
