/**
 * The guardrail managed-policies-exclude-break-glass (settings/managedPolicies/policy.ts): an adopted
 * managed policy that is on excludes every break-glass account, judged by object id where the preview
 * resolved them (an exclusion written as an id and a break-glass account written as a UPN are the same user).
 */
import * as assert from "node:assert";
import { dynamicType } from "../../providers/framework/setting";
import { managedConditionalAccessPolicy } from "../../settings/managedPolicies/setting";
import { managedBlockingPoliciesExcludeBreakGlass as rule } from "../../settings/managedPolicies/policy";

const TYPE = dynamicType(managedConditionalAccessPolicy.type);
const BG1 = "11111111-1111-4111-8111-111111111111";
const BG2 = "22222222-2222-4222-8222-222222222222";

function violations(props: Record<string, unknown>): string[] {
    const out: string[] = [];
    (rule.validateStack as (args: unknown, report: (m: string) => void) => void)(
        { resources: [{ type: TYPE, name: "b-managed-block-device-code-flow", props }], getConfig: () => ({}) },
        (m: string) => out.push(m),
    );
    return out;
}

describe("guardrail: adopted managed policies that are on exclude the break-glass accounts", () => {
    const base = {
        policy: "Microsoft-managed: Block device code flow",
        mode: "on",
        breakGlassAccounts: ["bg1@contoso.com", "bg2@contoso.com"],
    };

    it("exclusions by object id and break-glass accounts by UPN, resolved at preview: no violation", () => {
        assert.deepStrictEqual(
            violations({ ...base, excludeUsers: [BG1, BG2.toUpperCase()], excludeUserIds: [BG1, BG2], breakGlassIds: [BG1, BG2] }),
            [],
        );
    });

    it("one break-glass account not excluded (by id): a violation naming it", () => {
        assert.deepStrictEqual(violations({ ...base, excludeUsers: [BG1], excludeUserIds: [BG1], breakGlassIds: [BG1, BG2] }), [
            "b-managed-block-device-code-flow: the Microsoft-managed policy Microsoft-managed: Block device code flow is on " +
                "and does not exclude bg2@contoso.com.",
        ]);
    });

    it("without the preview's resolution: by the names as written; report-only is not checked", () => {
        assert.deepStrictEqual(violations({ ...base, excludeUsers: ["BG1@contoso.com", "bg2@contoso.com"] }), []);
        assert.strictEqual(violations({ ...base, excludeUsers: ["bg1@contoso.com"] }).length, 1);
        assert.deepStrictEqual(violations({ ...base, mode: "reportOnly", excludeUsers: [] }), []);
    });
});
