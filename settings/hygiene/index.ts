/** The public API of this setting (the library, index.ts, exports it). */
export { UserHygiene } from "./resource";
export type { UserHygieneArgs } from "./resource";
export type { HygieneSettings } from "./member";
