/**
 * Microsoft-managed Conditional Access policies in the drift report (issue 24): the section lists each
 * with its state, and a change made by the app "Microsoft Managed Policy Manager" is Microsoft's.
 */
import * as assert from "node:assert";
import { MANAGED_POLICY_MANAGER, initiator } from "../../pipelines/attribution";
import { driftMarkdown } from "../../pipelines/drift";

const entry = (app: string) => ({
    id: "e1",
    activityDisplayName: "Update Conditional Access policy",
    activityDateTime: "2026-12-01T10:00:00Z",
    category: "Policy",
    initiatedBy: { user: null, app: { appId: "00000000-0000-0000-0000-000000000a11", displayName: app } },
    targetResources: [{ id: "p1", displayName: "Microsoft-managed: Block device code flow", type: "Policy" }],
});

describe("unit: Microsoft-managed policies in the drift report", () => {
    it("a change by Microsoft Managed Policy Manager is attributed to Microsoft; another app's is not", () => {
        assert.deepStrictEqual(initiator(entry(MANAGED_POLICY_MANAGER) as any), {
            who: MANAGED_POLICY_MANAGER,
            by: "microsoft",
            appId: "00000000-0000-0000-0000-000000000a11",
        });
        assert.strictEqual(initiator(entry("portal-admin") as any).by, "app");
    });

    it("lists each managed policy with its state and the changes, or says why not", () => {
        const base = { stack: "s", checkedAt: "2026-12-05T00:00:00Z", drifted: false, pending: false, settings: [] };
        const md = driftMarkdown({
            ...base,
            managed: {
                available: true,
                policies: [
                    {
                        id: "p1",
                        displayName: "Microsoft-managed: Block device code flow",
                        state: "enabled",
                        excludedUsers: 2,
                        excludedGroups: 0,
                    },
                    {
                        id: "p2",
                        displayName: "Microsoft-managed: Block legacy authentication",
                        state: "enabledForReportingButNotEnforced",
                        excludedUsers: 0,
                        excludedGroups: 0,
                    },
                ],
                changes: [
                    {
                        policy: "Microsoft-managed: Block device code flow",
                        when: "2026-12-01T10:00:00Z",
                        who: MANAGED_POLICY_MANAGER,
                        by: "microsoft",
                        activity: "Update Conditional Access policy",
                        target: "p1",
                    },
                ],
            },
        });
        assert.match(md, /\| Microsoft-managed: Block device code flow \| on \| 2 \/ 0 \|/);
        assert.match(md, /\| Microsoft-managed: Block legacy authentication \| report-only \| 0 \/ 0 \|/);
        assert.match(md, /\*\*Microsoft Managed Policy Manager\*\* \(Microsoft: a change Microsoft made to its managed policy\)/);
        assert.match(
            driftMarkdown({ ...base, managed: { available: false, reason: "no P1", policies: [], changes: [] } }),
            /## Microsoft-managed Conditional Access policies\n\nNot shown: no P1\./,
        );
        assert.doesNotMatch(driftMarkdown(base), /Microsoft-managed/);
    });
});

/**
 * A Microsoft-managed policy's inputs declared once (managedPolicyDeclaration): the member's entries, the resource's inputs, the JSON
 * Schema.
 */
describe("unit: a Microsoft-managed policy declared once", () => {
    it("the resource's plumbing (readiness, confirm, tenantAtPreview) is checked by the declaration, not dropped", async () => {
        const { managedConditionalAccessPolicy } = await import("./setting");
        const ok = managedConditionalAccessPolicy.validate({ policy: "Microsoft-managed: Block device code flow", mode: "on" });
        assert.deepStrictEqual(ok.failures, []);
        assert.deepStrictEqual(ok.desired, {
            policy: "Microsoft-managed: Block device code flow",
            mode: "on",
            excludeUsers: [],
            excludeGroups: [],
            breakGlassAccounts: [],
        });
        const bad = managedConditionalAccessPolicy.validate({
            policy: "Microsoft-managed: Block device code flow",
            mode: "on",
            readiness: "warn",
            tenantAtPreview: { state: 1 },
        });
        assert.strictEqual(bad.desired, undefined);
        assert.deepStrictEqual(
            bad.failures.map((f) => f.property),
            ["readiness", "tenantAtPreview", "tenantAtPreview", "tenantAtPreview"],
        );
        assert.match(bad.failures[1].reason, /tenantAtPreview\.state must be a non-empty string, got 1/);
        assert.match(bad.failures[0].reason, /^readiness must be an object, got "warn"$/);
        assert.deepStrictEqual(managedConditionalAccessPolicy.inputKeys, [
            "policy",
            "mode",
            "excludeUsers",
            "excludeGroups",
            "policyId",
            "excludeUserIds",
            "excludeGroupIds",
            "breakGlassIds",
        ]);
        assert.deepStrictEqual(
            [...(managedConditionalAccessPolicy.resolvedFields ?? [])],
            ["policyId", "excludeUserIds", "excludeGroupIds", "breakGlassIds", "tenantAtPreview"],
        );
    });

    it(
        "m365-mfa:baseline.managedPolicies: every problem at once under its full key, the policy reference by the declared " +
            "pattern (also in the JSON Schema)",
        async () => {
            const { BaselineConfigError, baselineArgsFromConfig } = await import("../../components/config");
            const { jsonSchemaOf } = await import("../../providers/framework/validation");
            const { managedPoliciesMember } = await import("./member");
            let err: unknown;
            try {
                baselineArgsFromConfig({
                    breakGlassAccounts: ["breakglass1@contoso.com"],
                    managedPolicies: [{ policy: "Block device code flow", mode: "onn", excludUsers: [] }],
                });
            } catch (e) {
                err = e;
            }
            assert.ok(err instanceof BaselineConfigError, String(err));
            const text = (err as InstanceType<typeof BaselineConfigError>).problems.join("\n");
            assert.match(text, /m365-mfa:baseline\.managedPolicies\[0\]\.excludUsers is not a known setting; did you mean excludeUsers\?/);
            assert.match(text, /m365-mfa:baseline\.managedPolicies\[0\]\.mode must be one of reportOnly, on, off .*; did you mean on\?/);
            assert.match(
                text,
                new RegExp(
                    String.raw`m365-mfa:baseline\.managedPolicies\[0\]\.policy is not valid \(the display name of a ` +
                        'Microsoft-managed policy, which begins "Microsoft-managed: ", or its object id; a policy of your ' +
                        String.raw`own is managed with the Conditional Access members\), got "Block device code flow"`,
                ),
            );
            const entry = (jsonSchemaOf(managedPoliciesMember.schema) as any).items;
            assert.deepStrictEqual(entry.required, ["policy", "mode"]);
            const pattern = new RegExp(entry.properties.policy.allOf[0].pattern);
            assert.ok(pattern.test("Microsoft-managed: Block device code flow") && pattern.test("0B5E4C1D-0000-4000-8000-00000000DEAD"));
            assert.ok(!pattern.test("Block device code flow") && !pattern.test("Microsoft-managed: "));
        },
    );
});
