/**
 * The one list of what this package manages. Every member of `m365-mfa:baseline` is a line here,
 * pointing at its folder (settings/<name>/: its TenantSetting, resource, baseline member, export and
 * guardrails). The component, the stack-config parsing, the presets, the permission preflight, the
 * export, the PR summary, the policy pack and the provider runtime iterate over this list; none of
 * them names a setting. Adding a setting is a new folder and a line here.
 *
 * Two parts: MEMBERS (the baseline's members, in the order they are built) and, at the end, each
 * folder's public API for the library.
 *
 * Members are built in this order (a member may wait for one listed before it, e.g. Conditional
 * Access for security defaults).
 */
import type { AnyMember, BaselineWide } from "../components/member";
import type { AnySetting } from "../providers/framework/setting";
import { authenticationMethodsMember } from "./authenticationMethods/member";
import {
    deviceCodeFlowMember,
    legacyAuthenticationMember,
    phishingResistantAdminsMember,
    requireMfaMember,
} from "./conditionalAccess/member";
import { managedPoliciesMember } from "./managedPolicies/member";
import { mailboxProtocolsMember } from "./mailboxProtocols/member";
import { exchangeAuthenticationPolicyMember } from "./exchangeAuthenticationPolicy/member";
import { hygieneMember } from "./hygiene/member";
import { modernAuthenticationMember } from "./modernAuthentication/member";
import { perUserMfaMember } from "./perUserMfa/member";
import { securityDefaultsMember } from "./securityDefaults/member";
import { smtpAuthMember } from "./smtpAuth/member";

export const MEMBERS = {
    /** Microsoft's security defaults on or off (settings/securityDefaults). */
    securityDefaults: securityDefaultsMember,
    /** Exchange Online modern authentication (settings/modernAuthentication). */
    modernAuthentication: modernAuthenticationMember,
    /** Legacy authentication blocked by a Conditional Access policy (Entra ID P1): reportOnly first, then on (settings/conditionalAccess). */
    legacyAuthentication: legacyAuthenticationMember,
    /** MFA for all users through Conditional Access (Entra ID P1): reportOnly first, then on (settings/conditionalAccess). */
    conditionalAccessMfa: requireMfaMember,
    /** Phishing-resistant MFA (an authentication strength) for the highly privileged roles (Entra ID P1): reportOnly first, then on (settings/conditionalAccess). */
    phishingResistantAdmins: phishingResistantAdminsMember,
    /** Device code flow (and optionally authentication transfer) blocked by Conditional Access (Entra ID P1): reportOnly first, then on (settings/conditionalAccess). */
    deviceCodeFlow: deviceCodeFlowMember,
    /** Microsoft-managed Conditional Access policies adopted: their state and the users and groups they exclude, nothing else (settings/managedPolicies). */
    managedPolicies: managedPoliciesMember,
    /** Session and method hygiene operations, by name: each runs once per value of its trigger (settings/hygiene). */
    hygiene: hygieneMember,
    /** SMTP AUTH off for the organisation, with named mailbox exceptions (settings/smtpAuth). */
    smtpAuth: smtpAuthMember,
    /** An Exchange authentication policy blocking basic authentication per protocol, optionally the organisation default (settings/exchangeAuthenticationPolicy). */
    exchangeAuthenticationPolicy: exchangeAuthenticationPolicyMember,
    /** POP, IMAP, Exchange ActiveSync and SMTP AUTH per mailbox and for new mailboxes (CAS mailbox plans), with named exceptions (settings/mailboxProtocols). */
    mailboxProtocols: mailboxProtocolsMember,
    /** The authentication methods policy and its method configurations (settings/authenticationMethods). */
    authenticationMethods: authenticationMethodsMember,
    /** Per-user MFA (disabled / enabled / enforced) for named users and groups (settings/perUserMfa). */
    perUserMfa: perUserMfaMember,
} as const;

export type Members = typeof MEMBERS;
export type MemberKey = keyof Members;
export const MEMBER_KEYS = Object.keys(MEMBERS) as MemberKey[];

/** The stack config key that holds the baseline. */
export const BASELINE_KEY = "m365-mfa:baseline";

/** The full config key of a member object, e.g. m365-mfa:baseline.smtpAuth. */
export function keyOf(member: AnyMember): string {
    return `${BASELINE_KEY}.${memberKey(member)}`;
}

/** The full config key of a baseline-wide key, e.g. m365-mfa:baseline.breakGlassAccounts. */
export function wideKey(k: keyof BaselineWide): string {
    return `${BASELINE_KEY}.${k}`;
}

/** The config key (under m365-mfa:baseline) of a member object. */
export function memberKey(member: AnyMember): MemberKey {
    const key = MEMBER_KEYS.find((k) => MEMBERS[k] === member);
    if (!key) throw new Error(`m365-mfa: a member of the baseline is not in settings/registry.ts (${member.title})`);
    return key;
}

/** The member that composes resources of another provider's type (e.g. an azuread Conditional Access policy), if any. */
export function composerOf(type: string): AnyMember | undefined {
    return MEMBER_KEYS.map((k) => MEMBERS[k] as AnyMember).find((m) => m.composes?.[type] !== undefined);
}

/** Every dynamic-provider setting, by resource type (what the provider runtime serves). */
export const SETTINGS: Readonly<Record<string, AnySetting>> = Object.fromEntries(
    MEMBER_KEYS.flatMap((k) => (MEMBERS[k] as AnyMember).settings).map((s) => [s.type, s]),
);

// The public API of every setting (its folder's index.ts: the resource class, its args and its baseline
// member's settings type), which the library (../index.ts) exports. A new setting adds its line here too.
export * from "./securityDefaults";
export * from "./modernAuthentication";
export * from "./conditionalAccess";
export * from "./managedPolicies";
export * from "./hygiene";
export * from "./smtpAuth";
export * from "./exchangeAuthenticationPolicy";
export * from "./mailboxProtocols";
export * from "./authenticationMethods";
export * from "./perUserMfa";
