/**
 * Adopting an existing tenant: a tenant as portal admins leave it (every member of the baseline set
 * by hand, Conditional Access policies included), exported as stack config into the stack file; the
 * first `pulumi up` (real engine, real azuread plugin) brings it under management without a single
 * write to the tenant, the next preview is clean, and an adopted Conditional Access policy is then
 * managed in place (no second policy).
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { clientsAs, startTrustedEmulator } from "../../harness/tenant";
import type { RequestLogEntry, RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { AUTHENTICATION_METHODS } from "../../settings/authenticationMethods/methodConfiguration";
import { POLICY_SHAPES } from "../../settings/conditionalAccess/resource";

const BREAK_GLASS = ["breakglass1@contoso.onmicrosoft.com", "breakglass2@contoso.onmicrosoft.com"];
const CONFIG_POLICY = "/policies/authenticationMethodsPolicy";
const CA = "/identity/conditionalAccess/policies";
/** What the portal admins set, and what the export must find. */
const CAMPAIGN = {
    state: "enabled",
    snoozeDurationInDays: 3,
    includeTargets: [{ id: "all_users", targetType: "group", targetedAuthenticationMethod: "microsoftAuthenticator" }],
    excludeTargets: [],
};
const TAP = {
    defaultLifetimeInMinutes: 120,
    minimumLifetimeInMinutes: 60,
    maximumLifetimeInMinutes: 240,
    defaultLength: 12,
    isUsableOnce: true,
};
const AUTH_POLICY = { Name: "Block basic auth (printers on SMTP)", AllowBasicAuthSmtp: true, AllowBasicAuthAutodiscover: true };

/** Requests that change the tenant: Graph writes (a $batch of GETs is a read) and Exchange Set-/New-/Remove- cmdlets. */
function writesIn(log: RequestLogEntry[]): RequestLogEntry[] {
    const graphWrite = (r: RequestLogEntry) =>
        !/\/oauth2\/|\/adminapi\/|^\/_/.test(r.path) && r.method !== "GET" && !(r.method === "POST" && r.path.endsWith("/$batch"));
    return log.filter((r) => r.write || graphWrite(r));
}

function cmdlets(log: RequestLogEntry[]): string[] {
    return log.filter((r) => /\/adminapi\//.test(r.path)).map((r) => String((r.sentBody as any)?.CmdletInput?.CmdletName));
}

describe("engine: adopting an existing tenant", function () {
    this.timeout(600_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const stack = "adopted";
    const policyIds: Record<string, string> = {};
    let exceptionMailbox: string;

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-adopt-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator"), recordSentBodies: true });
        emu.directory().seed(60, 33);
        const { graph, exchange } = clientsAs(emu, APPS.portal);
        const d = emu.directory();
        // Security defaults off; a few users on per-user MFA (a break-glass account too, which the baseline never touches).
        await graph.patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
        const users = [...d.users.values()].filter((u) => !u.breakGlass).slice(5, 12);
        for (const [i, u] of [...users, d.user(BREAK_GLASS[0])!].entries()) {
            await graph.patch(
                `/users/${u.id}/authentication/requirements`,
                { perUserMfaState: i % 2 ? "enabled" : "enforced" },
                { version: "beta" },
            );
        }
        // Authentication methods: the campaign, the migration under way, system-preferred MFA, and methods changed.
        await graph.patch(CONFIG_POLICY, {
            registrationEnforcement: { authenticationMethodsRegistrationCampaign: CAMPAIGN },
            policyMigrationState: "migrationInProgress",
        });
        await graph.patch(
            CONFIG_POLICY,
            {
                systemCredentialPreferences: {
                    state: "enabled",
                    includeTargets: [{ id: "all_users", targetType: "group" }],
                    excludeTargets: [],
                },
            },
            { version: "beta" },
        );
        const method = (m: string, entity: string, body: Record<string, unknown>) =>
            graph.patch(`${CONFIG_POLICY}/authenticationMethodConfigurations/${m}`, {
                "@odata.type": `#microsoft.graph.${entity}AuthenticationMethodConfiguration`,
                ...body,
            });
        await method("sms", "sms", { state: "enabled" });
        await method("temporaryAccessPass", "temporaryAccessPass", { state: "enabled", ...TAP });
        // FIDO2 by passkey profiles (issue #25: the deprecated isAttestationEnforced is refused on a migrated tenant).
        const passkeys = { isEnforced: false, enforcementType: "block", aaGuids: [] };
        await method("fido2", "fido2", {
            state: "enabled",
            passkeyProfiles: [
                {
                    id: "00000000-0000-0000-0000-000000000001",
                    name: "Default passkey profile",
                    passkeyTypes: "deviceBound",
                    attestationEnforcement: "registrationOnly",
                    keyRestrictions: passkeys,
                },
            ],
        });
        await method("microsoftAuthenticator", "microsoftAuthenticator", {
            featureSettings: {
                displayAppInformationRequiredState: { state: "enabled", includeTarget: { id: "all_users", targetType: "group" } },
            },
        });
        // Exchange: SMTP AUTH off with one mailbox that keeps it, a default authentication policy.
        await exchange.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: true });
        const [mbx] = await exchange.invoke("Get-CASMailbox", { ResultSize: "Unlimited" });
        exceptionMailbox = String(mbx.PrimarySmtpAddress).toLowerCase();
        await exchange.invoke("Set-CASMailbox", { Identity: exceptionMailbox, SmtpClientAuthenticationDisabled: false });
        await exchange.invoke("New-AuthenticationPolicy", AUTH_POLICY);
        await exchange.invoke("Set-OrganizationConfig", { DefaultAuthenticationPolicy: AUTH_POLICY.Name });
        // Conditional Access as an admin builds it in the portal: legacy authentication blocked (on), MFA in report-only,
        // and a policy of another shape (left out of the export, with a warning).
        const bg = BREAK_GLASS.map((u) => d.user(u)!.id);
        const ca = async (key: string, displayName: string, state: string, shape: keyof typeof POLICY_SHAPES) => {
            const s = POLICY_SHAPES[shape];
            const body = {
                displayName,
                state,
                conditions: {
                    clientAppTypes: [...s.clientAppTypes],
                    applications: { includeApplications: ["All"] },
                    users: { includeUsers: ["All"], excludeUsers: bg },
                },
                grantControls: { operator: "OR", builtInControls: [...s.builtInControls] },
            };
            policyIds[key] = (await graph.post(CA, body)).id;
        };
        await ca("block", "Block legacy authentication", "enabled", "legacyAuthentication");
        await ca("mfa", "Require MFA for all users", "enabledForReportingButNotEnforced", "conditionalAccessMfa");
        policyIds.other = (
            await graph.post(CA, {
                displayName: "Admins on compliant devices",
                state: "disabled",
                conditions: {
                    clientAppTypes: ["all"],
                    applications: { includeApplications: ["All"] },
                    users: { includeRoles: ["62e90394-69f5-4237-9190-012177145e10"] },
                },
                grantControls: { operator: "OR", builtInControls: ["compliantDevice"] },
            })
        ).id;
        ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: { ...emu.env(APPS.provider), ...emu.azureadEnv(APPS.provider) },
        });
    });

    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("exports every member of the live posture exactly, and says what it left out", async () => {
        const out = path.join(tmp, "baseline.json");
        const r = await ws.cli(["export", "--format", "json", "--out", out]);
        assert.strictEqual(r.code, 0, r.output);
        const baseline = JSON.parse(fs.readFileSync(out, "utf8"));
        const t = emu.defaultTenant();
        const d = emu.directory();
        const byState = (s: string) =>
            [...d.users.values()]
                .filter((u) => !u.breakGlass && u.perUserMfaState === s)
                .map((u) => u.userPrincipalName.toLowerCase())
                .sort();
        assert.deepStrictEqual(Object.keys(baseline).sort(), [
            "authenticationMethods",
            "breakGlassAccounts",
            "conditionalAccessMfa",
            "exchangeAuthenticationPolicy",
            "legacyAuthentication",
            "modernAuthentication",
            "perUserMfa",
            "securityDefaults",
            "smtpAuth",
        ]);
        assert.deepStrictEqual(baseline.breakGlassAccounts, BREAK_GLASS);
        assert.deepStrictEqual(baseline.securityDefaults, { enabled: t.securityDefaults.isEnabled });
        assert.deepStrictEqual(baseline.modernAuthentication, { enabled: t.exchange.organization.oauth2ClientProfileEnabled });
        assert.deepStrictEqual(baseline.perUserMfa, {
            assignments: [
                { state: "enforced", users: byState("enforced") },
                { state: "enabled", users: byState("enabled") },
            ],
        });
        // The setup sets breakglass1 (the 8th account patched) to enabled; it already has a method, and the emulator keeps
        // Enabled (howto-mfa-userstates: only completing registration while Enabled moves a user to Enforced).
        assert.strictEqual(d.user(BREAK_GLASS[0])!.perUserMfaState, "enabled");
        assert.match(r.stderr, /break-glass account breakglass1@contoso\.onmicrosoft\.com has per-user MFA enabled; it was left out/);
        const am = baseline.authenticationMethods;
        assert.deepStrictEqual(am.policy.registrationCampaign, CAMPAIGN);
        assert.strictEqual(am.policy.policyMigrationState, "migrationInProgress");
        assert.strictEqual(am.policy.systemCredentialPreferences.state, "enabled");
        assert.deepStrictEqual(Object.keys(am.methods).sort(), [...AUTHENTICATION_METHODS].sort());
        for (const m of AUTHENTICATION_METHODS) {
            const live = (t.authenticationMethodsPolicy.methods as any)[m];
            assert.strictEqual(am.methods[m].state, live.state, m);
            assert.deepStrictEqual(
                am.methods[m].includeTargets.map((x: any) => x.id),
                live.includeTargets.map((x: any) => x.id),
                m,
            );
        }
        assert.deepStrictEqual(Object.fromEntries(Object.keys(TAP).map((k) => [k, am.methods.temporaryAccessPass[k]])), TAP);
        assert.strictEqual(am.methods.fido2.passkeyProfiles.default.attestationEnforcement, "registrationOnly");
        assert.strictEqual(am.methods.fido2.isAttestationEnforced, undefined, "the deprecated field is not exported");
        assert.strictEqual(am.methods.microsoftAuthenticator.featureSettings.displayAppInformationRequiredState.state, "enabled");
        assert.strictEqual(
            am.methods.sms.includeTargets[0].isUsableForSignIn,
            t.authenticationMethodsPolicy.methods.sms.includeTargets[0].isUsableForSignIn,
        );
        assert.deepStrictEqual(baseline.smtpAuth, { disabledForOrganization: true, exceptions: [exceptionMailbox] });
        const allow = baseline.exchangeAuthenticationPolicy.allowBasicAuth;
        assert.strictEqual(baseline.exchangeAuthenticationPolicy.name, AUTH_POLICY.Name);
        assert.strictEqual(baseline.exchangeAuthenticationPolicy.organizationDefault, true);
        assert.deepStrictEqual(
            Object.keys(allow)
                .filter((p) => allow[p])
                .sort(),
            ["Autodiscover", "Smtp"],
        );
        assert.strictEqual(Object.keys(allow).length, 12);
        assert.deepStrictEqual(baseline.legacyAuthentication, {
            mode: "on",
            displayName: "Block legacy authentication",
            adoptPolicyId: policyIds.block,
        });
        assert.deepStrictEqual(baseline.conditionalAccessMfa, {
            mode: "reportOnly",
            displayName: "Require MFA for all users",
            adoptPolicyId: policyIds.mfa,
        });
        // An adopted policy the tenant already enforces needs no confirmation (issue #21: the static token is gone).
        assert.strictEqual(baseline.guards, undefined);
        assert.match(r.stderr, new RegExp(`"Admins on compliant devices" \\(${policyIds.other}\\) was left out: it neither blocks`));
        assert.ok(!("hygiene" in baseline), "hygiene is operations, not state");
    });

    it("the first pulumi up on the exported stack file writes nothing to the tenant; the next preview is clean", async () => {
        await ws.initStack(stack, { "m365-mfa:retryBudgetSeconds": "300" });
        const file = ws.configFile(stack);
        const r = await ws.cli(["export", "--format", "yaml", "--out", file]);
        assert.strictEqual(r.code, 0, r.output);
        const text = fs.readFileSync(file, "utf8");
        assert.strictEqual(text.match(/^config:/gm)?.length, 1, text);
        const config = parse(text).config;
        assert.strictEqual(config["m365-mfa:retryBudgetSeconds"], "300", "the stack file's other config is kept");
        assert.strictEqual(config["m365-mfa:baseline"].legacyAuthentication.mode, "on");
        const policiesBefore = emu
            .defaultTenant()
            .conditionalAccessPolicies.map((p) => p.id)
            .sort();
        const from = emu.requests.length;
        const up = await ws.up(stack);
        assert.strictEqual(up.code, 0, up.output);
        const log = emu.requests.slice(from);
        const exo = cmdlets(log);
        console.log(
            `      first up: ${log.length} requests, ${log.filter((r) => r.method === "GET").length} Graph GETs (` +
                `${log.filter((r) => r.batched).length} in $batch), ` +
                `${exo.length} Exchange cmdlets (${[...new Set(exo)].sort().join(", ")}), ${writesIn(log).length} writes`,
        );
        assert.deepStrictEqual(
            writesIn(log).map((r) => `${r.method} ${r.path} ${(r.sentBody as any)?.CmdletInput?.CmdletName ?? ""}`),
            [],
            "adoption wrote nothing to the tenant",
        );
        assert.ok(
            exo.every((c) => /^Get-/.test(c)),
            exo.join(", "),
        );
        assert.match(up.output, /imported/, "the Conditional Access policies were imported");
        assert.deepStrictEqual(
            emu
                .defaultTenant()
                .conditionalAccessPolicies.map((p) => p.id)
                .sort(),
            policiesBefore,
            "no policy was created",
        );
        const state = await ws.exportStack(stack);
        const caIds = state.deployment.resources
            .filter((x: any) => x.type === "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy")
            .map((x: any) => x.id)
            .sort();
        assert.deepStrictEqual(caIds, [policyIds.block, policyIds.mfa].map((id) => `${CA}/${id}`).sort());
        const clean = await ws.run(["preview", "--refresh", ...ws.stackArgs(stack), "--expect-no-changes", "--diff"]);
        assert.strictEqual(clean.code, 0, clean.output);
    });

    it("an adopted policy is then managed in place: a mode change updates it, no second policy", async () => {
        const file = ws.configFile(stack);
        const baseline = parse(fs.readFileSync(file, "utf8")).config["m365-mfa:baseline"];
        baseline.conditionalAccessMfa.mode = "off";
        await ws.setConfigObject(stack, "m365-mfa:baseline", baseline);
        const from = emu.requests.length;
        const up = await ws.up(stack);
        assert.strictEqual(up.code, 0, up.output);
        const log = emu.requests.slice(from);
        assert.deepStrictEqual(log.filter((r) => r.method === "POST" && r.path.endsWith(CA)).length, 0, "no policy created");
        assert.ok(log.some((r) => r.method === "PATCH" && r.path.endsWith(`${CA}/${policyIds.mfa}`) && r.status === 204));
        const mfa = emu.defaultTenant().conditionalAccessPolicies.find((p) => p.id === policyIds.mfa)!;
        assert.strictEqual(mfa.state, "disabled");
        assert.strictEqual(emu.defaultTenant().conditionalAccessPolicies.length, 3);
    });
});
