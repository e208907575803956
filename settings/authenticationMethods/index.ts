/** The public API of this setting (the library, index.ts, exports it). */
export { AuthenticationMethodsPolicy } from "./policyResource";
export type { AuthenticationMethodsPolicyArgs } from "./policyResource";
export { AuthenticationMethodConfiguration } from "./methodConfigurationResource";
export type { AuthenticationMethodConfigurationArgs } from "./methodConfigurationResource";
export type { AuthenticationMethodsSettings } from "./member";
export type { AuthenticationMethod } from "./methodConfiguration";
export { ExternalAuthenticationMethod } from "./externalMethodResource";
export type { ExternalAuthenticationMethodArgs } from "./externalMethodResource";
