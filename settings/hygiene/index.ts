/** The public API of this setting (the library exports it through settings/registry.ts). */
export { UserHygiene } from "./resource";
export type { UserHygieneArgs } from "./resource";
export type { HygieneSettings } from "./member";
