export * from "./TenantMfaBaseline";
export * from "./config";
