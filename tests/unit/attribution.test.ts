/**
 * The drift report's "who changed what and when": directory audit entries matched to the drifted
 * settings by the activities each setting declares, and for per-user settings to the drifted users.
 */
import * as assert from "node:assert";
import type { AuditEntry } from "../../client/audit";
import { initiator, matchChanges } from "../../pipelines/attribution";
import type { DriftReport } from "../../pipelines/drift";
import { perUserMfa } from "../../settings/perUserMfa/setting";
import { securityDefaults } from "../../settings/securityDefaults/setting";
import { smtpAuth } from "../../settings/smtpAuth/setting";

const entry = (
    activity: string,
    target: Record<string, unknown>,
    by: string,
    when: string,
    initiatedBy?: AuditEntry["initiatedBy"],
): AuditEntry => ({
    id: `${activity}-${when}`,
    activityDateTime: when,
    activityDisplayName: activity,
    category: "Policy",
    loggedByService: "x",
    operationType: "Update",
    result: "success",
    correlationId: "c",
    initiatedBy: initiatedBy ?? { app: { appId: "a", displayName: by, servicePrincipalId: "s" }, user: null },
    targetResources: [{ id: "id", displayName: null, type: "User", modifiedProperties: [], ...target } as any],
    additionalDetails: [],
});

describe("unit: who changed the drifted settings", () => {
    it("matches by activity, and per-user entries to the drifted users only; Exchange settings get none", () => {
        const report: DriftReport = {
            stack: "s",
            checkedAt: "now",
            drifted: true,
            pending: false,
            settings: [
                {
                    name: "sd",
                    title: "Security defaults",
                    type: securityDefaults.type,
                    kind: "drift",
                    fields: [{ field: "isEnabled", expected: true, found: false }],
                    users: [],
                },
                {
                    name: "pum",
                    title: "Per-user MFA",
                    type: perUserMfa.type,
                    kind: "drift",
                    fields: [],
                    users: [{ found: "disabled", expected: "enforced", users: ["bob@x"] }],
                },
                {
                    name: "smtp",
                    title: "SMTP AUTH",
                    type: smtpAuth.type,
                    kind: "drift",
                    fields: [{ field: "disabledForOrganization", expected: true, found: false }],
                    users: [],
                },
            ],
        };
        const entries = [
            entry("Disable Strong Authentication", { id: "u2", userPrincipalName: "alice@x" }, "portal-admin", "2026-12-01T10:02:00Z"),
            entry("Disable Strong Authentication", { id: "u1", userPrincipalName: "Bob@x" }, "portal-admin", "2026-12-01T10:01:00Z"),
            entry("Update security defaults", { id: "p", displayName: "Security Defaults" }, "portal-admin", "2026-12-01T10:00:00Z"),
        ];
        const m = matchChanges(report, entries);
        assert.deepStrictEqual(m.sd, [
            {
                when: "2026-12-01T10:00:00Z",
                who: "portal-admin",
                by: "app",
                appId: "a",
                activity: "Update security defaults",
                target: "Security Defaults",
            },
        ]);
        assert.deepStrictEqual(
            m.pum.map((c) => c.target),
            ["Bob@x"],
            "alice's change is not this drift",
        );
        assert.strictEqual(m.smtp, undefined, "Exchange settings are not in the directory audit log");
    });

    it("tells this stack's own writes (its app id) apart from a portal admin's (a user) and another app's", () => {
        const SELF = "11111111-2222-3333-4444-555555555555";
        const report: DriftReport = {
            stack: "s",
            checkedAt: "now",
            drifted: true,
            pending: false,
            settings: [
                {
                    name: "sd",
                    title: "Security defaults",
                    type: securityDefaults.type,
                    kind: "drift",
                    fields: [{ field: "isEnabled", expected: true, found: false }],
                    users: [],
                },
            ],
        };
        const target = { id: "p", displayName: "Security Defaults" };
        const entries = [
            entry("Update security defaults", target, "", "2026-12-01T10:03:00Z", {
                app: null,
                user: { id: "u9", displayName: "Adele Vance", userPrincipalName: "adele@contoso.com" },
            }),
            entry("Update security defaults", target, "", "2026-12-01T10:02:00Z", {
                app: { appId: "99999999-0000-0000-0000-000000000000", displayName: "portal-admin", servicePrincipalId: "sp" },
                user: null,
            }),
            entry("Update security defaults", target, "", "2026-12-01T10:01:00Z", {
                app: { appId: SELF.toUpperCase(), displayName: "m365-mfa-provider", servicePrincipalId: "sp2" },
                user: null,
            }),
        ];
        const m = matchChanges(report, entries, SELF);
        assert.deepStrictEqual(
            m.sd.map((c) => [c.who, c.by]),
            [
                ["adele@contoso.com", "user"],
                ["portal-admin", "app"],
                ["m365-mfa-provider", "self"],
            ],
        );
        assert.deepStrictEqual(
            initiator(entries[2]),
            { who: "m365-mfa-provider", by: "app", appId: SELF.toUpperCase() },
            "without the stack's app id, no write is called its own",
        );
    });
});
