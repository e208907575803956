// Split by who reads it (issue 23): the program's list is ./members.ts, the provider process's ./providerSettings.ts, the policy
// pack's ./guardrails.ts, and a member's config key is keyOf (providers/framework/member.ts). Kept only while other owners' files
// (pipelines/plan.ts, render.ts, attribution.ts, adoption/export.ts, tests/unit/config.test.ts, tests/emulator/schemaConformance.test.ts
// and refreshKeepsInputs.test.ts) import these names here; import from the lists instead.
export { MEMBERS, MEMBER_KEYS, type MemberKey, type Members, composerOf } from "./members";
export { SETTINGS } from "./providerSettings";
export { BASELINE_KEY, keyOf, wideKey } from "../providers/framework/member";
