export * from "./TenantMfaBaseline";
export * from "./config";
export * from "./ConditionalAccess";
export * from "./presets";
