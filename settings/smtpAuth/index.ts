/** The public API of this setting (the library exports it through settings/registry.ts). */
export { SmtpAuth } from "./resource";
export type { SmtpAuthArgs } from "./resource";
