/** The public API of this setting (the library exports it through settings/registry.ts). */
export { AuthenticationPolicy } from "./resource";
export type { AuthenticationPolicyArgs } from "./resource";
export type { AuthPolicyProtocol } from "./setting";
