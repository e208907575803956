/** The public API of this setting (the library, index.ts, exports it). */
export { ModernAuthentication } from "./resource";
export type { ModernAuthenticationArgs } from "./resource";
export type { ModernAuthenticationSettings } from "./member";
