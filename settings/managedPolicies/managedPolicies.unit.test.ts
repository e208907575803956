/**
 * Microsoft-managed Conditional Access policies in the drift report (issue 24): the section lists each
 * with its state, and a change made by the app "Microsoft Managed Policy Manager" is Microsoft's.
 */
import * as assert from "assert";
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
