// Moved to providers/framework/member.ts (the member contract is the framework's); kept while settings/conditionalAccess, managedPolicies and perUserMfa import it here.
export * from "../providers/framework/member";
