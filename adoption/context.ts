// Moved to providers/framework/exportContext.ts (the export context is a contract of the framework); kept while settings/perUserMfa/export.ts,
// bench/perUserMfaList.ts and four emulator tests (managedPolicies, perUserMfaExport, authenticationMethods{Added,PasskeyProfiles}) import it here.
export * from "../providers/framework/exportContext";
