// Moved to providers/framework/guardrail.ts (the guardrail helper is a contract of the framework); kept while settings/conditionalAccess and managedPolicies import it here.
export * from "../providers/framework/guardrail";
