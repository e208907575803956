/** The public API of this setting (the library, index.ts, exports it). */
export { SmtpAuth } from "./resource";
export type { SmtpAuthArgs } from "./resource";
