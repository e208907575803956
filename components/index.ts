export * from "./TenantMfaBaseline";
export * from "./config";
export * from "../settings/conditionalAccess/resource";
export * from "./presets";
