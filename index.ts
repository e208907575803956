/**
 * The m365-mfa library: what a team's own Pulumi program imports.
 *
 *   import { TenantMfaBaseline, PerUserMfa, SecurityDefaults } from "m365-mfa";
 *
 *   new TenantMfaBaseline("tenant", { breakGlassAccounts: ["bg@contoso.com"], securityDefaults: { enabled: true } });
 *   new PerUserMfa("pilot", { assignments: [{ state: "enforced", users: ["alice@contoso.com"] }] });
 *
 * The providers read the tenant connection (m365-mfa:tenantId, m365-mfa:clientId, a credential) from
 * the stack config of the program that uses them, or from the environment; see the README.
 *
 * The ready-made program that builds a TenantMfaBaseline from `m365-mfa:baseline` stack config is
 * program.ts; this file declares no resources.
 */

// Component resources: the whole baseline, and the Conditional Access policies.
export * from "./components/TenantMfaBaseline";
export { CA_STATES, LegacyAuthenticationBlock, RequireMfaPolicy } from "./settings/conditionalAccess/resource";
export type { LegacyAuthenticationBlockArgs, LegacyAuthenticationMode, RequireMfaPolicyArgs } from "./settings/conditionalAccess/resource";

// One resource class per tenant setting (dynamic providers), usable on their own.
export { SecurityDefaults } from "./settings/securityDefaults/resource";
export type { SecurityDefaultsArgs } from "./settings/securityDefaults/resource";
export { ModernAuthentication } from "./settings/modernAuthentication/resource";
export type { ModernAuthenticationArgs } from "./settings/modernAuthentication/resource";
export { PerUserMfa } from "./settings/perUserMfa/resource";
export type { PerUserMfaArgs } from "./settings/perUserMfa/resource";
export { SmtpAuth } from "./settings/smtpAuth/resource";
export type { SmtpAuthArgs } from "./settings/smtpAuth/resource";
export { AuthenticationPolicy } from "./settings/exchangeAuthenticationPolicy/resource";
export type { AuthenticationPolicyArgs } from "./settings/exchangeAuthenticationPolicy/resource";
export { AuthenticationMethodsPolicy } from "./settings/authenticationMethods/policyResource";
export type { AuthenticationMethodsPolicyArgs } from "./settings/authenticationMethods/policyResource";
export { AuthenticationMethodConfiguration } from "./settings/authenticationMethods/methodConfigurationResource";
export type { AuthenticationMethodConfigurationArgs } from "./settings/authenticationMethods/methodConfigurationResource";
export { UserHygiene } from "./settings/hygiene/resource";
export type { UserHygieneArgs } from "./settings/hygiene/resource";

// The baseline as stack config: parsing and checking `m365-mfa:baseline`, presets, coherence, permissions.
export { BASELINE_KEY, BASELINE_SCHEMA, BaselineConfigError, baselineArgsFromConfig, coherenceProblems, coherenceWarnings } from "./components/config";
export { PRESETS, presetBaseline } from "./components/presets";
export type { PresetName } from "./components/presets";
export { missingPermissions, requiredPermissions } from "./components/preflight";
export type { Requirement } from "./components/preflight";

// The client layer: Graph, Exchange Online and Entra ID sign-in, as the providers use it.
export * from "./client";
