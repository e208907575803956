/**
 * The permission preflight (components/preflight.ts) for the MFA posture of today: switching a
 * Conditional Access policy on reads its evidence (the sign-in log's report-only results and, for the
 * administrators' policy, the registration report: AuditLog.Read.All; the roles' holders:
 * RoleManagement.Read.Directory), and an adopted Microsoft-managed policy is read and written with
 * Policy.Read.All / Policy.ReadWrite.ConditionalAccess; a missing one is named before anything is written.
 */
import * as assert from "node:assert";
import { missingPermissions, requiredPermissions } from "../../components/preflight";
import { baselineArgsFromConfig } from "../../components/config";

const BG = ["bg1@contoso.com"];
const anyOfs = (config: Record<string, unknown>) =>
    requiredPermissions(baselineArgsFromConfig({ breakGlassAccounts: BG, ...config }) as any).map(
        (r) => `${r.feature}: ${r.anyOf.join("|")}`,
    );
const clientsWith = (roles: string[]): any => ({
    graph: { tokens: { grantedRoles: async () => roles } },
    exchange: { tokens: { grantedRoles: async () => [] } },
});

describe("unit: permission preflight for the MFA posture of today", () => {
    it(
        "switching phishing-resistant MFA for administrators on needs AuditLog.Read.All (sign-ins, registration report) and " +
            "RoleManagement.Read.Directory (role holders)",
        () => {
            const on = anyOfs({ phishingResistantAdmins: { mode: "on" } });
            assert.ok(
                on.some((r) =>
                    /switch-on evidence \(sign-in logs' report-only results, registration report\): AuditLog\.Read\.All$/.test(r),
                ),
                on.join("\n"),
            );
            assert.ok(
                on.some((r) => /switch-on evidence \(the roles' holders\): RoleManagement\.Read\.Directory\|Directory\.Read\.All$/.test(r)),
                on.join("\n"),
            );
            // Report-only: the guard reads no evidence.
            const reportOnly = anyOfs({ phishingResistantAdmins: { mode: "reportOnly" } });
            assert.ok(!reportOnly.some((r) => /AuditLog|RoleManagement/.test(r)), reportOnly.join("\n"));
            // readiness off: no sign-in log, still the role holders.
            const noReadiness = anyOfs({ phishingResistantAdmins: { mode: "on" }, readiness: { mode: "off" } });
            assert.ok(
                !noReadiness.some((r) => /AuditLog/.test(r)) && noReadiness.some((r) => /RoleManagement/.test(r)),
                noReadiness.join("\n"),
            );
        },
    );

    it("switching the device code flow block on needs AuditLog.Read.All for its report-only results, not the role holders", () => {
        const on = anyOfs({ deviceCodeFlow: { mode: "on" } });
        assert.ok(
            on.some((r) =>
                new RegExp(
                    String.raw`Device code flow block \(Conditional Access\) switch-on evidence \(sign-in logs' report-only ` +
                        String.raw`results\): AuditLog\.Read\.All$`,
                ).test(r),
            ),
            on.join("\n"),
        );
        assert.ok(!on.some((r) => /RoleManagement/.test(r)), on.join("\n"));
    });

    it(
        "an adopted Microsoft-managed policy needs Policy.Read.All to read and Policy.ReadWrite.ConditionalAccess to write, and " +
            "reading users (and groups when it excludes some)",
        () => {
            const req = anyOfs({
                managedPolicies: [
                    {
                        policy: "Microsoft-managed: Block device code flow",
                        mode: "on",
                        excludeUsers: BG,
                        excludeGroups: ["Emergency access"],
                    },
                ],
            });
            assert.ok(
                req.includes("Microsoft-managed Conditional Access policy (read): Policy.Read.All|Policy.ReadWrite.ConditionalAccess"),
                req.join("\n"),
            );
            assert.ok(
                req.includes("Microsoft-managed Conditional Access policy (write): Policy.ReadWrite.ConditionalAccess"),
                req.join("\n"),
            );
            assert.ok(
                req.some((r) => /excluded users, break-glass accounts\): User\.Read\.All\|Directory\.Read\.All$/.test(r)),
                req.join("\n"),
            );
            assert.ok(
                req.some((r) => /excluded groups\): GroupMember\.Read\.All\|Group\.Read\.All\|Directory\.Read\.All$/.test(r)),
                req.join("\n"),
            );
        },
    );

    it("what the app lacks is named, each with the permission to grant", async () => {
        const required = requiredPermissions(
            baselineArgsFromConfig({
                breakGlassAccounts: BG,
                phishingResistantAdmins: { mode: "on" },
                managedPolicies: [{ policy: "Microsoft-managed: Block device code flow", mode: "on", excludeUsers: BG }],
            }) as any,
        );
        const missing = await missingPermissions(clientsWith(["Policy.Read.All", "User.Read.All"]), required);
        const text = missing.join("\n");
        assert.match(
            text,
            new RegExp(
                String.raw`switch-on evidence \(sign-in logs' report-only results, registration report\): grant the ` +
                    String.raw`Microsoft Graph application permission AuditLog\.Read\.All`,
            ),
        );
        assert.match(
            text,
            new RegExp(
                String.raw`switch-on evidence \(the roles' holders\): grant the Microsoft Graph application permission ` +
                    String.raw`RoleManagement\.Read\.Directory \(or Directory\.Read\.All\)`,
            ),
        );
        assert.match(
            text,
            new RegExp(
                String.raw`Microsoft-managed Conditional Access policy \(write\): grant the Microsoft Graph application ` +
                    String.raw`permission Policy\.ReadWrite\.ConditionalAccess`,
            ),
        );
        const none = await missingPermissions(
            clientsWith([
                "Policy.Read.All",
                "Policy.ReadWrite.ConditionalAccess",
                "User.Read.All",
                "AuditLog.Read.All",
                "RoleManagement.Read.Directory",
            ]),
            required,
        );
        assert.deepStrictEqual(none, []);
    });
});
