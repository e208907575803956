/**
 * The policy pack's list: every setting's guardrails (its folder's policy.ts), each mapped to the
 * public baseline it enforces. The pack (policies/) reads it; no member loads a guardrail, so a
 * folder's policy.ts may use its member (its config key) and other folders' without a cycle.
 */
import type { PackPolicy } from "../providers/framework/guardrail";
import * as authenticationMethods from "./authenticationMethods/policyRules";
import * as conditionalAccess from "./conditionalAccess/policy";
import * as mailboxProtocols from "./mailboxProtocols/policy";
import * as managedPolicies from "./managedPolicies/policy";
import * as modernAuthentication from "./modernAuthentication/policy";
import * as securityDefaults from "./securityDefaults/policy";
import * as smtpAuth from "./smtpAuth/policy";

export const GUARDRAILS: readonly PackPolicy[] = [
    securityDefaults.securityDefaultsWithoutConditionalAccess,
    modernAuthentication.modernAuthenticationOn,
    conditionalAccess.legacyAuthenticationBlocked,
    conditionalAccess.breakGlassExcludedEverywhere,
    conditionalAccess.reportOnlyTimeLimited,
    conditionalAccess.mfaForAllUsers,
    conditionalAccess.phishingResistantForAllUsers,
    conditionalAccess.perUserMfaDisabled,
    conditionalAccess.phishingResistantAdmins,
    conditionalAccess.deviceCodeFlowBlocked,
    managedPolicies.managedBlockingPoliciesExcludeBreakGlass,
    smtpAuth.smtpAuthDisabled,
    mailboxProtocols.mailboxSmtpAuthNotOnByDefault,
    authenticationMethods.noSmsOrVoiceForAdmins,
    authenticationMethods.migrationComplete,
    authenticationMethods.otpMethodsDisabled,
    authenticationMethods.passkeyAttestationForAdmins,
    authenticationMethods.qrCodeOnlyWhereIntended,
];
