/** The public API of this setting (the library, index.ts, exports it). */
export { PerUserMfa } from "./resource";
export type { PerUserMfaArgs } from "./resource";
export type { PerUserMfaSettings } from "./member";
export { confirmationToken } from "./guards";
export type { GuardSettings, PerUserMfaAssignment, PerUserMfaState, ReadinessSettings } from "./declaration";
