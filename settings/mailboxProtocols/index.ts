/** The public API of this setting (the library, index.ts, exports it). */
export { MailboxProtocols } from "./resource";
export type { MailboxProtocolsArgs } from "./resource";
export type { MailboxProtocolsSettings } from "./member";
