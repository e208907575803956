// Moved to providers/framework/member.ts (the member contract is the framework's); kept while adoption/export.ts imports it here.
export * from "../providers/framework/member";
