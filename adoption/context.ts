// Moved to providers/framework/exportContext.ts (the export context is a contract of the framework); kept while settings/conditionalAccess, managedPolicies and perUserMfa import it here.
export * from "../providers/framework/exportContext";
