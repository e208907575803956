/**
 * The rollout guard's evidence before a Conditional Access policy goes on (issue 24), against the
 * emulator and without the engine: the report-only verdicts of the readiness window from the sign-ins
 * (who would have been blocked or interrupted: count, verdicts, apps, last seen), the administrators with
 * no phishing-resistant method, readiness.mode block and acceptedUsers, and a tenant without sign-in logs
 * told so in plain words.
 */
import * as assert from "node:assert";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs, portal } from "../../harness/tenant";
import { conditionalAccessRollout } from "../../settings/conditionalAccess/rollout";
import { useEmulator } from "../support/emulatorSuite";

const BG = ["breakglass1@contoso.onmicrosoft.com", "breakglass2@contoso.onmicrosoft.com"];
const GA = "62e90394-69f5-4237-9190-012177145e10";

describe("emulator: evidence before a Conditional Access policy goes on", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    useEmulator((e) => (emu = e));
    let policyId: string;
    let admins: string[];

    before(async () => {
        await portal(emu).patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
        const users = [...emu.directory().users.values()].filter((u) => !u.breakGlass && u.userType === "Member" && u.accountEnabled);
        emu.directory().updateUser(users[0].id, { roles: ["Global Administrator"], methods: ["fido2SecurityKey"] });
        emu.directory().updateUser(users[1].id, { roles: ["Global Administrator"], methods: ["microsoftAuthenticatorPush"] });
        admins = [users[0].userPrincipalName.toLowerCase(), users[1].userPrincipalName.toLowerCase()];
        policyId = (
            await portal(emu).post("/identity/conditionalAccess/policies", {
                displayName: "m365-mfa: phishing-resistant MFA for administrators",
                state: "enabledForReportingButNotEnforced",
                conditions: {
                    clientAppTypes: ["all"],
                    applications: { includeApplications: ["All"] },
                    users: { includeRoles: [GA], excludeUsers: BG.map((u) => emu.directory().user(u)!.id) },
                },
                grantControls: { operator: "OR", authenticationStrength: { id: "00000000-0000-0000-0000-000000000004" } },
            })
        ).id;
        const at = new Date(Date.now() - 7_200_000).toISOString().replace(/\.\d{3}Z$/, "Z");
        emu.store.mutate(() => {
            emu.defaultTenant().recordedSignIns = [
                {
                    id: "5f0e0a53-0000-4000-8000-0000000000a1",
                    createdDateTime: at,
                    userPrincipalName: admins[1],
                    appDisplayName: "Azure Portal",
                    clientAppUsed: "Browser",
                    appliedConditionalAccessPolicies: [
                        {
                            id: policyId,
                            displayName: "x",
                            result: "reportOnlyFailure",
                            enforcedGrantControls: [],
                            enforcedSessionControls: [],
                        },
                    ],
                },
            ];
        });
    });

    const prepare = (readiness?: Record<string, unknown>) =>
        conditionalAccessRollout.prepare!(clientsAs(emu, APPS.provider), {
            policy: "phishingResistantAdmins",
            includeRoles: [GA],
            mode: "on",
            displayName: "m365-mfa: phishing-resistant MFA for administrators",
            breakGlassAccounts: BG,
            ...(readiness ? { readiness: readiness as any } : {}),
        });
    const reasons = (r: { failures: readonly { reason: string }[] }) => r.failures.map((f) => f.reason).join("\n");

    it(
        "names who report-only failed (count, verdict, app, last seen) and the admins without a phishing-resistant method, in " +
            "the refusal that asks for the confirmation",
        async () => {
            const r = await prepare();
            const text = reasons(r);
            assert.match(text, /phishing-resistant-admins:2:[0-9a-f]{8}/);
            assert.match(
                text,
                new RegExp(`${admins[1].replace(/\./g, "\\.")}: 1 sign-in reportOnlyFailure, app Azure Portal, last seen \\d{4}-`),
            );
            assert.match(
                text,
                new RegExp(
                    `No phishing-resistant method: 1 of the 2 targeted administrators .*\\n  - ` +
                        `${admins[1].replace(/\./g, "\\.")} \\(registered: microsoftAuthenticatorPush\\)`,
                ),
            );
            assert.ok(!text.includes(`  - ${admins[0]}`), "the admin with a FIDO2 key is not listed");
            assert.strictEqual(r.desired?.enforcesFor, 2);
        },
    );

    it("readiness.mode block refuses while any is open; acceptedUsers takes them out", async () => {
        const blocked = await prepare({ mode: "block" });
        assert.strictEqual(blocked.failures.filter((f) => /Fix them first, or accept them/.test(f.reason)).length, 1, reasons(blocked));
        const accepted = await prepare({ mode: "block", acceptedUsers: [admins[1]] });
        assert.ok(!accepted.failures.some((f) => /Fix them first/.test(f.reason)), reasons(accepted));
        assert.match(reasons(accepted), /nobody would have been blocked or interrupted/);
    });

    it("a tenant without sign-in logs (no Entra ID P1) gets a plain statement, not a silent pass", async () => {
        emu.store.mutate(() => (emu.defaultTenant().entraIdP1 = false));
        try {
            const r = await prepare();
            assert.match(
                reasons(r),
                new RegExp(
                    String.raw`Report-only results: this tenant has no sign-in logs \(Microsoft Entra ID P1 is needed to ` +
                        String.raw`read them\), so who the policy would block or interrupt is not known`,
                ),
            );
        } finally {
            emu.store.mutate(() => (emu.defaultTenant().entraIdP1 = true));
        }
    });

    it(
        "a weaker strength for the administrators or a role no longer covered is a weakening the preview names and asks to " +
            "confirm; a phishing-resistant custom strength is not",
        async () => {
            const plan = (strength: string, includeRoles = [GA]) =>
                conditionalAccessRollout.prepare!(clientsAs(emu, APPS.provider), {
                    policy: "phishingResistantAdmins",
                    includeRoles,
                    strength,
                    mode: "reportOnly",
                    displayName: "m365-mfa: phishing-resistant MFA for administrators",
                    breakGlassAccounts: BG,
                });
            const weaker = reasons(await plan("multifactor"));
            assert.match(
                weaker,
                new RegExp(
                    "this plan WEAKENS security .*the administrators' sign-ins no longer need a phishing-resistant " +
                        String.raw`method \(authentication strength multifactor\).*weakens:phishing-resistant-admins:[0-9a-f]{8}`,
                    "s",
                ),
            );
            assert.strictEqual(reasons(await plan("custom:fido2;x509CertificateMultiFactor")), "");
            assert.match(reasons(await plan("custom:fido2;password,sms")), /no longer need a phishing-resistant method/);
            assert.match(
                reasons(await plan("phishing-resistant", ["e8611ab8-c189-46e8-94e1-60213ab1f814"])),
                new RegExp(`1 directory role is no longer covered \\(${GA}\\)`),
            );
            assert.strictEqual(reasons(await plan("phishing-resistant", [GA, "e8611ab8-c189-46e8-94e1-60213ab1f814"])), "");
        },
    );
});
