/** The public API of this setting (the library exports it through settings/registry.ts). */
export { MailboxProtocols } from "./resource";
export type { MailboxProtocolsArgs } from "./resource";
export type { MailboxProtocolsSettings } from "./member";
