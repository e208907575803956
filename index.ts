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

// The whole baseline as one component.
export * from "./components/TenantMfaBaseline";
export type { BaselineMember, BaselineWide } from "./providers/framework/member";
export { keyOf, wideKey } from "./providers/framework/member";

// Every setting's public API, from its folder's index.ts: its resource class (usable on its own) and
// args, and its baseline member's settings type. A new setting adds its line here.
export * from "./settings/securityDefaults";
export * from "./settings/modernAuthentication";
export * from "./settings/conditionalAccess";
export * from "./settings/managedPolicies";
export * from "./settings/hygiene";
export * from "./settings/smtpAuth";
export * from "./settings/exchangeAuthenticationPolicy";
export * from "./settings/mailboxProtocols";
export * from "./settings/authenticationMethods";
export * from "./settings/perUserMfa";

// The lists the package's own entry points read: the baseline's members (the program) and the
// dynamic-provider settings by type (the provider process).
export { MEMBERS, MEMBER_KEYS, type MemberKey, type Members, composerOf } from "./settings/members";
export { SETTINGS } from "./settings/providerSettings";

// The baseline as stack config: parsing and checking `m365-mfa:baseline`, presets, coherence, permissions.
export {
    BASELINE_KEY,
    BASELINE_SCHEMA,
    BaselineConfigError,
    baselineArgsFromConfig,
    coherenceProblems,
    coherenceWarnings,
} from "./components/config";
export { PRESETS, presetBaseline } from "./components/presets";
export type { PresetName } from "./components/presets";
export { missingPermissions, requiredPermissions } from "./components/preflight";
export type { Requirement } from "./components/preflight";

// The client layer: Graph, Exchange Online and Entra ID sign-in, as the providers use it.
export * from "./client";
