/**
 * The MFA posture of today (issue 24) through the real engine and the real azuread plugin, against the
 * emulator: the conditional-access preset from an empty stack creates the phishing-resistant-MFA policy
 * for administrators (granted by the built-in Phishing-resistant MFA strength) and the device code flow
 * block, both in report-only with break-glass excluded, and a preview after is clean; switching the
 * administrators' policy on is refused without its confirmation, and with it the preview warns naming
 * the administrators with no phishing-resistant method and the users whose sign-ins the report-only
 * policy would have failed; a custom strength is created through azuread.AuthenticationStrengthPolicy
 * and read back with no diff.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { portal as portalOf, startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS, type ConditionalAccessPolicyState } from "@m365-mfa/emulator";
import { microsoftSetsManagedPolicyState, seedManagedPolicies } from "@m365-mfa/emulator";

const BREAK_GLASS = ["breakglass1@contoso.onmicrosoft.com", "breakglass2@contoso.onmicrosoft.com"];
const REPORT_ONLY = "enabledForReportingButNotEnforced";
const ADMINS_POLICY = "m365-mfa: phishing-resistant MFA for administrators";
const DEVICE_CODE_POLICY = "m365-mfa: block device code flow";
const TOKEN = /phishing-resistant-admins:\d+:[0-9a-f]{8}/;

describe("engine: the MFA posture of today (phishing-resistant MFA for admins, device code flow blocked)", function () {
    this.timeout(900_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const stack = "posture";
    const policyNamed = (name: string): ConditionalAccessPolicyState => {
        const p = emu.defaultTenant().conditionalAccessPolicies.find((x) => x.displayName === name);
        assert.ok(
            p,
            `no policy "${name}": ${emu
                .defaultTenant()
                .conditionalAccessPolicies.map((x) => x.displayName)
                .join(", ")}`,
        );
        return p;
    };
    const breakGlassIds = () => BREAK_GLASS.map((upn) => emu.directory().user(upn)!.id).sort();
    /** Two Global Administrators and an Exchange Administrator; only the first has a phishing-resistant method. */
    let admins: { withKey: string; withoutKey: string[] };

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-posture-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: { ...emu.env(APPS.provider), ...emu.azureadEnv(APPS.provider) },
        });
        // A tenant that already moved off security defaults (Conditional Access cannot be enforced beside them).
        emu.store.mutate(() => (emu.defaultTenant().securityDefaults.isEnabled = false));
        const users = [...emu.directory().users.values()].filter((u) => !u.breakGlass && u.userType === "Member" && u.accountEnabled);
        const [a, b, c] = users;
        emu.directory().updateUser(a.id, { roles: ["Global Administrator"], methods: ["microsoftAuthenticatorPush", "fido2SecurityKey"] });
        emu.directory().updateUser(b.id, { roles: ["Global Administrator"], methods: ["microsoftAuthenticatorPush", "mobilePhone"] });
        emu.directory().updateUser(c.id, { roles: ["Exchange Administrator"], methods: [] });
        admins = {
            withKey: a.userPrincipalName.toLowerCase(),
            withoutKey: [b.userPrincipalName.toLowerCase(), c.userPrincipalName.toLowerCase()],
        };
        await ws.initStack(stack, {}, { "m365-mfa:baseline": { preset: "conditional-access", breakGlassAccounts: BREAK_GLASS } });
    });
    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it(
        "the conditional-access preset from an empty stack creates both new policies in report-only, break-glass excluded; a " +
            "preview after is clean",
        async () => {
            const r = await ws.up(stack);
            assert.strictEqual(r.code, 0, r.output);
            const adminsPolicy = policyNamed(ADMINS_POLICY);
            const deviceCode = policyNamed(DEVICE_CODE_POLICY);
            for (const p of [adminsPolicy, deviceCode]) {
                assert.strictEqual(p.state, REPORT_ONLY);
                assert.deepStrictEqual([...(p.conditions as any).users.excludeUsers].sort(), breakGlassIds());
                assert.deepStrictEqual((p.conditions as any).applications.includeApplications, ["All"]);
            }
            const roles: string[] = (adminsPolicy.conditions as any).users.includeRoles;
            assert.ok(
                roles.includes("62e90394-69f5-4237-9190-012177145e10") &&
                    roles.includes("e8611ab8-c189-46e8-94e1-60213ab1f814") &&
                    roles.length === 15,
                roles.join(","),
            );
            assert.strictEqual((adminsPolicy.grantControls as any).authenticationStrength.id, "00000000-0000-0000-0000-000000000004");
            assert.deepStrictEqual((deviceCode.conditions as any).authenticationFlows, { transferMethods: "deviceCodeFlow" });
            assert.deepStrictEqual((deviceCode.grantControls as any).builtInControls, ["block"]);
            assert.strictEqual(emu.defaultTenant().conditionalAccessPolicies.length, 4);
            for (const args of [
                ["--expect-no-changes", "--diff"],
                ["--refresh", "--expect-no-changes", "--diff"],
            ]) {
                const clean = await ws.run(["preview", ...ws.stackArgs(stack), ...args]);
                assert.strictEqual(clean.code, 0, `not clean (${args.join(" ")}):\n${clean.output}`);
            }
        },
    );

    it(
        "switching the administrators' policy on is refused without its confirmation; the refusal names the admins without a " +
            "phishing-resistant method and who report-only failed",
        async () => {
            const policyId = policyNamed(ADMINS_POLICY).id;
            const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
            const applied = (result: string) => [
                {
                    id: policyId,
                    displayName: ADMINS_POLICY,
                    result,
                    enforcedGrantControls: ["Authentication Strength"],
                    enforcedSessionControls: [],
                },
            ];
            emu.store.mutate(() => {
                emu.defaultTenant().recordedSignIns = [
                    {
                        id: "5f0e0a53-0000-4000-8000-000000000001",
                        createdDateTime: at(30),
                        userPrincipalName: admins.withoutKey[0],
                        appDisplayName: "Azure Portal",
                        clientAppUsed: "Browser",
                        appliedConditionalAccessPolicies: applied("reportOnlyFailure"),
                    },
                    {
                        id: "5f0e0a53-0000-4000-8000-000000000002",
                        createdDateTime: at(5),
                        userPrincipalName: admins.withoutKey[0],
                        appDisplayName: "Microsoft 365 admin center",
                        clientAppUsed: "Browser",
                        appliedConditionalAccessPolicies: applied("reportOnlyInterrupted"),
                    },
                    {
                        id: "5f0e0a53-0000-4000-8000-000000000003",
                        createdDateTime: at(2),
                        userPrincipalName: admins.withKey,
                        appDisplayName: "Azure Portal",
                        clientAppUsed: "Browser",
                        appliedConditionalAccessPolicies: applied("reportOnlySuccess"),
                    },
                ];
            });
            const config = (confirm: string[]) => ({
                preset: "conditional-access",
                breakGlassAccounts: BREAK_GLASS,
                phishingResistantAdmins: { mode: "on" },
                ...(confirm.length ? { guards: { confirm } } : {}),
            });
            await ws.setConfigObject(stack, "m365-mfa:baseline", config([]));
            const refused = await ws.preview(stack);
            assert.notStrictEqual(refused.code, 0, refused.output);
            const token = TOKEN.exec(refused.output)?.[0];
            assert.ok(token, `the refusal names no confirmation:\n${refused.output}`);
            assert.match(
                token,
                /^phishing-resistant-admins:3:/,
                "the confirmation counts the three administrators, not the break-glass accounts",
            );
            for (const upn of admins.withoutKey) assert.ok(refused.output.includes(upn), `${upn} is not named:\n${refused.output}`);
            assert.match(
                refused.output,
                /2 of the 3 targeted administrators have no FIDO2 security key, passkey or Windows Hello for Business/,
            );
            assert.match(
                refused.output,
                new RegExp(
                    `${admins.withoutKey[0].replace(/\./g, "\\.")}: 2 sign-ins ` +
                        "reportOnly(Failure/reportOnlyInterrupted|Interrupted/reportOnlyFailure), apps .*Azure Portal",
                ),
            );
            assert.match(refused.output, /1 user would have been blocked or interrupted/);
            assert.strictEqual(policyNamed(ADMINS_POLICY).state, REPORT_ONLY, "nothing was changed");

            await ws.setConfigObject(stack, "m365-mfa:baseline", config([token]));
            const confirmed = await ws.preview(stack);
            assert.strictEqual(confirmed.code, 0, confirmed.output);
            assert.match(confirmed.output, /Phishing-resistant MFA for administrators \(Conditional Access\) readiness/);
            for (const upn of admins.withoutKey)
                assert.ok(confirmed.output.includes(upn), `${upn} is not named in the warning:\n${confirmed.output}`);
            assert.ok(
                !new RegExp(`  - ${admins.withKey.replace(/\./g, "\\.")}`).test(confirmed.output),
                "the administrator with a FIDO2 key is not listed",
            );

            const applied2 = await ws.up(stack);
            assert.strictEqual(applied2.code, 0, applied2.output);
            assert.strictEqual(policyNamed(ADMINS_POLICY).state, "enabled");
            assert.strictEqual(policyNamed(DEVICE_CODE_POLICY).state, REPORT_ONLY);
        },
    );

    it(
        "a custom strength (azuread.AuthenticationStrengthPolicy) is created and granted, with device code flow and " +
            "authentication transfer blocked; no diff after",
        async () => {
            // The policy is already on in the tenant: switching it on asks for nothing any more.
            const baseline = {
                preset: "conditional-access",
                breakGlassAccounts: BREAK_GLASS,
                phishingResistantAdmins: {
                    mode: "on",
                    customStrength: { displayName: "FIDO2 or certificate", allowedCombinations: ["fido2", "x509CertificateMultiFactor"] },
                },
                deviceCodeFlow: { mode: "reportOnly", authenticationTransfer: true },
            };
            await ws.setConfigObject(stack, "m365-mfa:baseline", baseline);
            const r = await ws.up(stack);
            assert.strictEqual(r.code, 0, r.output);
            const custom = (emu.defaultTenant().authenticationStrengthPolicies ?? []).find((p) => p.displayName === "FIDO2 or certificate");
            assert.ok(custom, "no custom strength in the tenant");
            assert.deepStrictEqual(custom.allowedCombinations, ["fido2", "x509CertificateMultiFactor"]);
            assert.strictEqual((policyNamed(ADMINS_POLICY).grantControls as any).authenticationStrength.id, custom.id);
            // A flag enum: the members in the order the provider sent them (its set's order).
            assert.deepStrictEqual(
                String((policyNamed(DEVICE_CODE_POLICY).conditions as any).authenticationFlows.transferMethods)
                    .split(",")
                    .sort(),
                ["authenticationTransfer", "deviceCodeFlow"],
            );
            for (const args of [
                ["--expect-no-changes", "--diff"],
                ["--refresh", "--expect-no-changes", "--diff"],
            ]) {
                const clean = await ws.run(["preview", ...ws.stackArgs(stack), ...args]);
                assert.strictEqual(clean.code, 0, `not clean (${args.join(" ")}):\n${clean.output}`);
            }
        },
    );

    it(
        "Microsoft-managed policies: a member duplicating one is flagged at preview; one switched on by Microsoft shows in the " +
            "drift report with its state, attributed to Microsoft Managed Policy Manager",
        async () => {
            const seeded = seedManagedPolicies(emu.store, emu.defaultTenant());
            const preview = await ws.preview(stack);
            assert.strictEqual(preview.code, 0, preview.output);
            assert.match(
                preview.output,
                new RegExp(
                    String.raw`Device code flow block \(Conditional Access\) duplicates the Microsoft-managed policy ` +
                        String.raw`"Microsoft-managed: Block device code flow" \([0-9a-f-]+\), which is report-only: Microsoft turns ` +
                        "it on by itself",
                ),
            );
            assert.match(
                preview.output,
                new RegExp(
                    String.raw`Phishing-resistant MFA for administrators \(Conditional Access\) duplicates the Microsoft-managed ` +
                        'policy "Microsoft-managed: Phishing-resistant multifactor authentication for admins"',
                ),
            );

            const deviceCode = seeded.find((p) => p.displayName === "Microsoft-managed: Block device code flow")!;
            microsoftSetsManagedPolicyState(emu.store, emu.defaultTenant(), deviceCode.id, "enabled");
            // Reading who changed them needs AuditLog.Read.All and Directory.Read.All (directoryaudit-list.md).
            emu.app(APPS.provider).graphRoles.push("Directory.Read.All");
            const reportDir = path.join(tmp, "drift");
            const drift = await ws.cli(["drift", "--stack", stack, "--config-file", ws.configFile(stack), "--report-dir", reportDir]);
            assert.strictEqual(drift.code, 0, `the stack's own resources did not drift:\n${drift.output}`);
            const md = fs.readFileSync(path.join(reportDir, "drift-report.md"), "utf8");
            assert.match(md, /## Microsoft-managed Conditional Access policies/);
            assert.match(md, /\| Microsoft-managed: Block device code flow \| on \| 0 \/ 0 \|/);
            assert.match(md, /\| Microsoft-managed: Block legacy authentication \| report-only \|/);
            assert.match(
                md,
                new RegExp(
                    String.raw`\| Microsoft-managed: Block device code flow \| [^|]+ \| \*\*Microsoft Managed Policy Manager\*\* ` +
                        String.raw`\(Microsoft: a change Microsoft made to its managed policy\) \| Update Conditional Access policy ` +
                        String.raw`\|`,
                ),
            );
            const json = JSON.parse(fs.readFileSync(path.join(reportDir, "drift-report.json"), "utf8"));
            assert.deepStrictEqual(
                json.managed.changes.map((c: any) => [c.policy, c.who, c.by]),
                [["Microsoft-managed: Block device code flow", "Microsoft Managed Policy Manager", "microsoft"]],
            );
        },
    );
});

describe(
    "engine: export adopts phishing-resistant MFA for admins " + "and the device code flow block; the first up writes nothing",
    function () {
        this.timeout(900_000);
        let tmp: string;
        let emu: RunningEmulator;
        let ws: PulumiWorkspace;
        const stack = "adopted";
        const ids: Record<string, string> = {};

        before(async () => {
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-posture-export-"));
            emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
            ws = new PulumiWorkspace({
                projectDir: copyProject(path.join(tmp, "project")),
                workDir: path.join(tmp, "work"),
                env: { ...emu.env(APPS.provider), ...emu.azureadEnv(APPS.provider) },
            });
            const portal = portalOf(emu);
            await portal.patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
            const bg = BREAK_GLASS.map((u) => emu.directory().user(u)!.id);
            ids.admins = (
                await portal.post("/identity/conditionalAccess/policies", {
                    displayName: "Admins sign in phishing-resistant",
                    state: "enabled",
                    conditions: {
                        clientAppTypes: ["all"],
                        applications: { includeApplications: ["All"] },
                        users: {
                            includeRoles: ["62e90394-69f5-4237-9190-012177145e10", "e8611ab8-c189-46e8-94e1-60213ab1f814"],
                            excludeUsers: bg,
                        },
                    },
                    grantControls: { operator: "OR", authenticationStrength: { id: "00000000-0000-0000-0000-000000000004" } },
                })
            ).id;
            ids.deviceCode = (
                await portal.post("/identity/conditionalAccess/policies", {
                    displayName: "Block device code flow",
                    state: "enabledForReportingButNotEnforced",
                    conditions: {
                        clientAppTypes: ["all"],
                        applications: { includeApplications: ["All"] },
                        users: { includeUsers: ["All"], excludeUsers: bg },
                        authenticationFlows: { transferMethods: "deviceCodeFlow" },
                    },
                    grantControls: { operator: "OR", builtInControls: ["block"] },
                })
            ).id;
        });
        after(async () => {
            await emu?.stop();
            if (tmp && !process.env.KEEP_TEST_DIRS) fs.rmSync(tmp, { recursive: true, force: true });
        });

        it("exports both exactly; the first up imports them and writes nothing; the next preview is clean", async () => {
            await ws.initStack(stack, {});
            const file = ws.configFile(stack);
            const r = await ws.cli([
                "export",
                "--format",
                "json",
                "--out",
                path.join(tmp, "baseline.json"),
                "--include",
                "phishingResistantAdmins,deviceCodeFlow",
            ]);
            assert.strictEqual(r.code, 0, r.output);
            const baseline = JSON.parse(fs.readFileSync(path.join(tmp, "baseline.json"), "utf8"));
            assert.deepStrictEqual(baseline.phishingResistantAdmins, {
                mode: "on",
                displayName: "Admins sign in phishing-resistant",
                adoptPolicyId: ids.admins,
                roles: ["62e90394-69f5-4237-9190-012177145e10", "e8611ab8-c189-46e8-94e1-60213ab1f814"],
            });
            assert.deepStrictEqual(baseline.deviceCodeFlow, {
                mode: "reportOnly",
                displayName: "Block device code flow",
                adoptPolicyId: ids.deviceCode,
            });
            assert.deepStrictEqual(baseline.breakGlassAccounts, BREAK_GLASS);
            await ws.setConfigObject(stack, "m365-mfa:baseline", baseline);
            const before = emu.requests.length;
            const up = await ws.up(stack);
            assert.strictEqual(up.code, 0, up.output);
            assert.match(up.output, /imported/);
            const writes = emu.requests
                .slice(before)
                .filter((x) => x.write || (x.method !== "GET" && !/\/oauth2\/|^\/_/.test(x.path) && !x.path.endsWith("/$batch")));
            assert.deepStrictEqual(
                writes.map((x) => `${x.method} ${x.path}`),
                [],
                "adoption wrote nothing",
            );
            assert.strictEqual(emu.defaultTenant().conditionalAccessPolicies.length, 2, "no policy was created");
            const clean = await ws.run(["preview", "--refresh", ...ws.stackArgs(stack), "--expect-no-changes", "--diff"]);
            assert.strictEqual(clean.code, 0, clean.output);
            assert.ok(fs.existsSync(file));
        });
    },
);
