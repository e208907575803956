/** The public API of this setting (the library exports it through settings/registry.ts). */
export { ModernAuthentication } from "./resource";
export type { ModernAuthenticationArgs } from "./resource";
export type { ModernAuthenticationSettings } from "./member";
