/**
 * The provider process's list: every dynamic-provider setting of the package (its TenantSetting), by
 * resource type. The provider runtime (providers/runtime.ts) serves these, and the PR summary and
 * drift report read their diff rules by type. It loads the settings' models only (no member,
 * resource class, export or guardrail); the members' `settings` name the same objects (a test checks
 * that the two agree).
 */
import type { AnySetting } from "../providers/framework/setting";
import { externalAuthenticationMethod } from "./authenticationMethods/externalMethod";
import { authenticationMethodConfiguration } from "./authenticationMethods/methodConfiguration";
import { authenticationMethodsPolicy } from "./authenticationMethods/policy";
import { breakGlassAccounts } from "./conditionalAccess/breakGlass";
import { conditionalAccessRollout } from "./conditionalAccess/rollout";
import { authenticationPolicy } from "./exchangeAuthenticationPolicy/setting";
import { userHygiene } from "./hygiene/setting";
import { mailboxProtocols } from "./mailboxProtocols/setting";
import { managedConditionalAccessPolicy } from "./managedPolicies/setting";
import { modernAuthentication } from "./modernAuthentication/setting";
import { perUserMfa } from "./perUserMfa/setting";
import { securityDefaults } from "./securityDefaults/setting";
import { smtpAuth } from "./smtpAuth/setting";

const ALL: readonly AnySetting[] = [
    securityDefaults,
    modernAuthentication,
    conditionalAccessRollout,
    breakGlassAccounts,
    managedConditionalAccessPolicy,
    userHygiene,
    smtpAuth,
    authenticationPolicy,
    mailboxProtocols,
    authenticationMethodsPolicy,
    authenticationMethodConfiguration,
    externalAuthenticationMethod,
    perUserMfa,
];

/** Every dynamic-provider setting, by resource type (what the provider runtime serves). */
export const SETTINGS: Readonly<Record<string, AnySetting>> = Object.fromEntries(ALL.map((s) => [s.type, s]));
