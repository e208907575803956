/** The public API of this setting (the library, index.ts, exports it). */
export {
    CA_STATES,
    DeviceCodeFlowBlock,
    LegacyAuthenticationBlock,
    PhishingResistantAdminsPolicy,
    PRIVILEGED_ROLES,
    RequireMfaPolicy,
} from "./resource";
export type {
    BuiltInStrength,
    CustomStrength,
    DeviceCodeFlowBlockArgs,
    LegacyAuthenticationBlockArgs,
    LegacyAuthenticationMode,
    PhishingResistantAdminsArgs,
    RequireMfaPolicyArgs,
} from "./resource";
export type { ConditionalAccessSettings, DeviceCodeFlowSettings, PhishingResistantAdminsSettings } from "./member";
export { rolloutConfirmation } from "./rollout";
