/**
 * The PR comment of issue #21's situations, end to end from the engine's preview JSON (the steps as
 * the providers record them at preview) to the Markdown, compared with the golden files in
 * tests/golden/. Regenerate with UPDATE_GOLDEN=1 after a deliberate change, and read them.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { planFromPreviewJson } from "../../pipelines/plan";
import { prComment, prFullList } from "../../pipelines/render";
import { withConfirmedChanges } from "../../pipelines/review";

const GOLDEN = path.join(__dirname, "..", "golden");
const DYN = "pulumi-nodejs:dynamic/m365-mfa:";
const CA = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy";
const BG = { "6a1c0f4e-0000-4000-8000-000000000001": "breakglass1@contoso.onmicrosoft.com" };
const urn = (type: string, name: string) => `urn:pulumi:contoso::m365-mfa::m365-mfa:index:TenantMfaBaseline$${type}::${name}`;
const step = (op: string, type: string, name: string, inputs: Record<string, unknown>, old?: Record<string, unknown>) => ({
    op,
    urn: urn(type, name),
    newState: { type, inputs },
    ...(old ? { oldState: { type, inputs: old, outputs: old } } : {}),
});
const upn = (i: number) => `user${String(i).padStart(3, "0")}@contoso.onmicrosoft.com`;

function rollout(policy: string, mode: string, state: string, enforcesFor = 0) {
    return step(
        "create",
        `${DYN}ConditionalAccessRollout`,
        `tenant-${policy === "conditionalAccessMfa" ? "require-mfa" : "legacy-authentication"}-rollout`,
        {
            policy,
            mode,
            displayName:
                policy === "conditionalAccessMfa" ? "m365-mfa: require MFA for all users" : "m365-mfa: block legacy authentication",
            breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"],
            tenantAtPreview: { state },
            excludedNames: BG,
            enforcesFor,
        },
    );
}
function caPolicy(name: string, state: string, control: string, apps: string[]) {
    return step("create", CA, name, {
        displayName: control === "mfa" ? "m365-mfa: require MFA for all users" : "m365-mfa: block legacy authentication",
        state,
        conditions: {
            clientAppTypes: apps,
            applications: { includedApplications: ["All"] },
            users: { includedUsers: ["All"], excludedUsers: Object.keys(BG) },
        },
        grantControls: { operator: "OR", builtInControls: [control] },
    });
}

const SMTP_WARNING =
    "SMTP AUTH off for the organisation: 2 users still sign in with Authenticated SMTP and will stop working (sign-in logs, " +
    "last 30 days):\n  - scanner@contoso.onmicrosoft.com: Authenticated SMTP 14x, last 2026-12-01\n  - " +
    "user017@contoso.onmicrosoft.com: Authenticated SMTP 2x, last 2026-11-20";

const CASES: Record<string, () => { comment: string; full: string }> = {
    // Migration stage 1 on a tenant with security defaults on and SMTP AUTH allowed: nothing weakens; the policies are new (report-only);
    // SMTP AUTH users are named.
    "stage1-report-only": () => {
        const plan = planFromPreviewJson({
            steps: [
                step("create", `${DYN}SmtpAuth`, "tenant-smtp-auth", {
                    disabledForOrganization: true,
                    mailboxes: {},
                    tenantAtPreview: { disabledForOrganization: false },
                }),
                step("create", `${DYN}AuthenticationMethodConfiguration`, "tenant-method-sms", {
                    method: "sms",
                    state: "disabled",
                    tenantAtPreview: { state: "enabled" },
                }),
                rollout("conditionalAccessMfa", "reportOnly", "none"),
                caPolicy("tenant-require-mfa-policy", "enabledForReportingButNotEnforced", "mfa", ["all"]),
            ],
            diagnostics: [{ severity: "warning", message: SMTP_WARNING }],
        });
        return { comment: prComment(plan, "contoso"), full: prFullList(plan, "contoso") };
    },
    // The conditional-access preset with only MFA on, on a tenant with security defaults on: the weakening is refused and said first;
    // the comment shows what the confirmations would cover (security defaults true -> false, the MFA policy on for 118 users).
    "security-defaults-off-refused": () => {
        const refused = planFromPreviewJson({
            steps: [],
            diagnostics: [
                {
                    severity: "error",
                    message:
                        "pulumi-nodejs:dynamic/m365-mfa:SecurityDefaults resource 'tenant-security-defaults' has a problem: " +
                        "Security defaults: this plan WEAKENS security (the tenant as read now): security defaults switched " +
                        "off while no enforced Conditional Access policy replaces them: legacy authentication is no longer " +
                        'blocked (isEnabled: true -> false). If that is intended, add "weakens:security-defaults:5d0f3a2c" ' +
                        "to m365-mfa:baseline.guards.confirm and preview again; nothing was changed.",
                },
            ],
        });
        const confirmed = planFromPreviewJson({
            steps: [
                step("create", `${DYN}SecurityDefaults`, "tenant-security-defaults", {
                    isEnabled: false,
                    replacement: { requiresMfa: true, blocksLegacy: false },
                    tenantAtPreview: { isEnabled: true },
                }),
                rollout("conditionalAccessMfa", "on", "none", 118),
                caPolicy("tenant-require-mfa-policy", "enabled", "mfa", ["all"]),
            ],
            diagnostics: [],
        });
        const second =
            "pulumi-nodejs:dynamic/m365-mfa:ConditionalAccessRollout resource 'tenant-require-mfa-rollout' has a problem: " +
            "Conditional Access rollout: MFA for all users (Conditional Access): switching the policy on (a new policy -> " +
            "enabled) requires MFA at every sign-in of 118 users (every user but the break-glass accounts). Readiness: 3 of " +
            "118 users would be affected.\nWill break: 1 user still sign in with legacy protocols, which stop working for " +
            "them:\n  - user017@contoso.onmicrosoft.com: no MFA method registered; IMAP4 3x, last 2026-12-02\nAsked to " +
            "register: 2 users have no MFA method and must register one at their next sign-in:\n  - " +
            "user031@contoso.onmicrosoft.com: no MFA method registered\n  - user064@contoso.onmicrosoft.com (admin): no MFA " +
            'method registered If that is intended, add "conditional-access-mfa:118:9c41e07b" to ' +
            "m365-mfa:baseline.guards.confirm and preview again; nothing was changed.";
        const plan = {
            ...withConfirmedChanges(refused, confirmed, ["weakens:security-defaults:5d0f3a2c", "conditional-access-mfa:118:9c41e07b"]),
            errors: [...refused.errors, second],
        };
        return { comment: prComment(plan, "contoso"), full: prFullList(plan, "contoso") };
    },
    // Migration stage 3 (per-user MFA off for everyone) first rollout: rows only for the users whose state changes, as the guard counts
    // them.
    "stage3-per-user": () => {
        // The inputs carry the targets counted (issue #27), and each user who changes, from what to what.
        const targetCounts = { disabled: 40, enabled: 0, enforced: 0 };
        const from = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [upn(i * 3), i % 4 === 0 ? "enabled" : "enforced"]));
        const planned: Record<string, number> = {};
        for (const f of Object.values(from)) planned[`${f} -> disabled`] = (planned[`${f} -> disabled`] ?? 0) + 1;
        const plan = planFromPreviewJson({
            steps: [
                step("create", `${DYN}PerUserMfa`, "tenant-per-user-mfa", {
                    assignments: [],
                    allOtherUsers: "disabled",
                    targetCounts,
                    planned,
                    plannedFrom: from,
                    plannedTo: Object.fromEntries(Object.keys(from).map((u) => [u, "disabled"])),
                }),
            ],
            diagnostics: [],
        });
        return { comment: prComment(plan, "contoso"), full: prFullList(plan, "contoso") };
    },
};

describe("unit: golden PR comments (issue #21)", () => {
    for (const [name, make] of Object.entries(CASES)) {
        it(name, () => {
            const { comment, full } = make();
            for (const [file, text] of [
                [`${name}.md`, comment],
                [`${name}.full.md`, full],
            ] as const) {
                const at = path.join(GOLDEN, file);
                if (process.env.UPDATE_GOLDEN) {
                    fs.mkdirSync(GOLDEN, { recursive: true });
                    fs.writeFileSync(at, text);
                }
                assert.ok(fs.existsSync(at), `no golden file ${at}: run with UPDATE_GOLDEN=1 and read it`);
                assert.strictEqual(
                    text,
                    fs.readFileSync(at, "utf8"),
                    `${file} differs from its golden file (UPDATE_GOLDEN=1 after a deliberate change)`,
                );
            }
        });
    }
});
