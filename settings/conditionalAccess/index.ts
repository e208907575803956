/** The public API of this setting (the library exports it through settings/registry.ts). */
export { CA_STATES, LegacyAuthenticationBlock, RequireMfaPolicy } from "./resource";
export type { LegacyAuthenticationBlockArgs, LegacyAuthenticationMode, RequireMfaPolicyArgs } from "./resource";
export type { ConditionalAccessSettings } from "./member";
export { rolloutConfirmation } from "./rollout";
