/**
 * @m365-mfa/emulator: a local Entra ID / Microsoft Graph / Exchange Online admin tenant over HTTPS
 * (README.md). This is the package's public API, what the product's tests, the demo and the benches
 * use: start and stop an emulator, its options and faults, its state (tenants, apps, directory),
 * seeding, its command line (the admin client), the schema checks and the fidelity rule tables.
 * The package imports nothing of the product (tests/unit/importGraph.test.ts keeps it so).
 */

// Start, stop, options, faults, the request log.
export { GRAPH_ROUTES, addStartHook, startEmulator } from "./server";
export type { EmulatorOptions, RunningEmulator, StartHook } from "./server";
export { faultFor, mulberry32, tokenEndpointFault } from "./faults";
export type { FaultKind, FaultRates, Faults, TokenEndpointFaults } from "./faults";
export type { RequestLogEntry } from "./requestLog";
export type { ThrottleOptions } from "./throttle";

// State: tenants, apps, the directory, Microsoft-managed policies.
export {
    APPS,
    AUTH_POLICY_PROTOCOLS,
    CI_OIDC,
    EXCHANGE_ADMINISTRATOR,
    OR_FILTER,
    PER_USER_MFA_ON_LIST,
    PROVIDER_GRAPH_ROLES,
    Store,
    isAlive,
    newApp,
    newExchangeState,
    newTenant,
} from "./store";
export type {
    AppRegistration,
    AuthPolicyProtocol,
    AuthenticationStrengthPolicyState,
    ConditionalAccessPolicyState,
    EmulatorState,
    ExchangeAuthenticationPolicyState,
    ExchangeMailboxState,
    ExchangeOrganizationState,
    ExchangeState,
    NamedLocationState,
    TenantState,
} from "./store";
export type { Directory } from "./directory";
export { METHOD_KINDS } from "./records";
export type { GroupRecord, PerUserMfaState, UserRecord } from "./records";
export { SECURITY_DEFAULTS_CONFLICT, microsoftSetsManagedPolicyState, seedManagedPolicies } from "./graph/conditionalAccess";
export { METHOD_IDS } from "./authenticationMethods";
export { METHOD_COLLECTIONS, PASSWORD_METHOD_ID, methodId } from "./graph/userMethods";
export type { MethodCollection } from "./graph/userMethods";
export { effectiveSmtpClientAuthenticationDisabled } from "./exchange/mailboxes";
export { CMDLETS } from "./exchange";

// The command line (`npm run emulator`) and the admin client it is.
export {
    DRIFT_REPORT_PERMISSIONS,
    LOCAL_PASSPHRASE,
    RUNNING_FILE,
    USAGE_EXIT,
    backendDir,
    breakGlassAccounts,
    emulatorMain,
    findCli,
    pasteBlock,
    runningEmulator,
    setAppPermissions,
    setupText,
} from "./cli";
export { loadOrCreatePki, nodeCaBundlePath } from "./pki";

// Fidelity: Graph's schema, the query rules, the rule tables (the client conformance check reads them).
export { checkBody, loadSchema } from "./schema/check";
export { checkQuery } from "./graph/query";
export { RULE_TABLES } from "./ruleTables";
export { STANDARD_QUERY_OPTIONS, templateRegExp } from "./rules";
export type { Expectation, Probe, Rule, RouteRule, Version } from "./rules";
export type { EmuRequest, EmuResponse } from "./http";
export type { Route, RouteContext } from "./graph/routes";

// Plain Graph calls with an app's token from the emulator's token endpoint (tests of the emulator and of the product).
export { type RawAnswer, addApp, rawGraph, tokenFor } from "./rawClient";

// Trusting a started emulator's CA in this process (tests, demo, benchmarks).
export { startTrustedEmulator, trustCa } from "./trust";
