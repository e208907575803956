/** The public API of this setting (the library, index.ts, exports it). */
export { ManagedConditionalAccessPolicy } from "./resource";
export type { ManagedConditionalAccessPolicyArgs } from "./resource";
export type { ManagedPolicySettings } from "./setting";
export { managedPolicyOnConfirmation } from "./setting";
export type { ManagedPolicyMode } from "./setting";
