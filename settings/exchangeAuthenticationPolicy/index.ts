/** The public API of this setting (the library, index.ts, exports it). */
export { AuthenticationPolicy } from "./resource";
export type { AuthenticationPolicyArgs } from "./resource";
export type { AuthPolicyProtocol } from "./setting";
