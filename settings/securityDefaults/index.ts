/** The public API of this setting (the library, index.ts, exports it). */
export { SecurityDefaults } from "./resource";
export type { SecurityDefaultsArgs } from "./resource";
export type { SecurityDefaultsSettings } from "./member";
export type { SecurityDefaultsReplacement } from "./setting";
export { securityDefaultsOffConfirmation } from "./setting";
