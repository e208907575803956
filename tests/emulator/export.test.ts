/**
 * The export's member functions against the emulator, in-process (no engine): Conditional Access
 * policies of another shape are left out with a warning that names them and says why, break-glass
 * accounts come from the adopted policies (or --break-glass), and the Exchange members say what they
 * leave alone. The engine tests (tests/engine/adoption.test.ts) run the first `up` on an export.
 */
import * as assert from "node:assert";
import { exportBaseline } from "../../adoption/export";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";
import { POLICY_SHAPES } from "../../settings/conditionalAccess/resource";
import { useEmulator } from "../support/emulatorSuite";

const POLICIES = "/identity/conditionalAccess/policies";
const BG = ["breakglass1@contoso.onmicrosoft.com", "breakglass2@contoso.onmicrosoft.com"];

function policy(
    displayName: string,
    state: string,
    excludeUsers: string[],
    shape: "legacyAuthentication" | "conditionalAccessMfa",
    over: Record<string, any> = {},
) {
    const s = POLICY_SHAPES[shape];
    return {
        displayName,
        state,
        conditions: {
            clientAppTypes: [...s.clientAppTypes],
            applications: { includeApplications: ["All"] },
            users: { includeUsers: ["All"], excludeUsers },
            ...(over.conditions ?? {}),
        },
        grantControls: { operator: "OR", builtInControls: [...s.builtInControls], ...(over.grantControls ?? {}) },
    };
}

describe("emulator: export of each member", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    useEmulator((e) => (emu = e));
    const portal = () => clientsAs(emu, APPS.portal);
    const provider = () => clientsAs(emu, APPS.provider);
    const ids = () => BG.map((u) => emu.directory().user(u)!.id);

    describe("Conditional Access", () => {
        const created: Record<string, string> = {};
        before(async () => {
            await portal().graph.patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
            const [a, b] = ids();
            const make = async (key: string, body: unknown) => (created[key] = (await portal().graph.post(POLICIES, body)).id);
            await make("block", policy("Block legacy auth", "enabled", [a, b], "legacyAuthentication"));
            // The same accounts in the other order: the component builds both policies from one list.
            await make("mfaReordered", policy("MFA for everyone", "enabledForReportingButNotEnforced", [b, a], "conditionalAccessMfa"));
            await make(
                "mfaBrowser",
                policy("MFA in browsers", "enabledForReportingButNotEnforced", [a, b], "conditionalAccessMfa", {
                    conditions: { clientAppTypes: ["browser"] },
                }),
            );
            await make("device", {
                displayName: "Compliant devices",
                state: "disabled",
                conditions: {
                    clientAppTypes: ["all"],
                    applications: { includeApplications: ["All"] },
                    users: { includeUsers: ["All"], excludeUsers: [a] },
                },
                grantControls: { operator: "OR", builtInControls: ["compliantDevice"] },
            });
            await make("block2", policy("Block legacy auth again", "disabled", [a, b], "legacyAuthentication"));
        });

        it("adopts the policies of the component's shape and leaves every other one out, named with why", async () => {
            const warnings: string[] = [];
            const baseline = await exportBaseline(provider(), { include: ["legacyAuthentication", "conditionalAccessMfa"], warnings });
            assert.deepStrictEqual(baseline, {
                breakGlassAccounts: BG,
                legacyAuthentication: { mode: "on", displayName: "Block legacy auth", adoptPolicyId: created.block },
            });
            const about = (key: string) =>
                warnings.filter((w) => new RegExp(`^Conditional Access policy "[^"]+" \\(${created[key]}\\)`).test(w));
            assert.match(about("mfaReordered").join("\n"), /excludeUsers is \[.*\] where the component's policy has \[.*\]/);
            assert.match(
                about("mfaBrowser").join("\n"),
                /conditions\.clientAppTypes is \["browser"\] where the component's policy has \["all"\]/,
            );
            assert.match(about("device").join("\n"), /neither blocks legacy authentication nor requires MFA/);
            assert.match(
                about("block2").join("\n"),
                /same shape as .*"Block legacy auth" \(.*adopted as legacyAuthentication.*stays as it is/,
            );
            assert.strictEqual(about("block").length, 0, warnings.join("\n"));
            assert.strictEqual(warnings.length, 4, warnings.join("\n"));
        });

        it("with --break-glass, a policy must exclude exactly those accounts, in that order", async () => {
            const warnings: string[] = [];
            const baseline = await exportBaseline(provider(), {
                include: ["conditionalAccessMfa", "legacyAuthentication"],
                breakGlassAccounts: [BG[1], BG[0]],
                warnings,
            });
            assert.deepStrictEqual(baseline.breakGlassAccounts, [BG[1], BG[0]]);
            assert.deepStrictEqual(baseline.conditionalAccessMfa, {
                mode: "reportOnly",
                displayName: "MFA for everyone",
                adoptPolicyId: created.mfaReordered,
            });
            assert.strictEqual(baseline.legacyAuthentication, undefined, "the block policy excludes them in the other order");
            assert.ok(
                warnings.some((w) => w.startsWith(`Conditional Access policy "Block legacy auth" (${created.block}) was left out`)),
                warnings.join("\n"),
            );
            assert.strictEqual(baseline.guards, undefined, "nothing adopted is on");
        });

        it("an unknown --break-glass account fails the export, naming it", async () => {
            await assert.rejects(
                exportBaseline(provider(), { include: ["legacyAuthentication"], breakGlassAccounts: ["nobody@contoso.onmicrosoft.com"] }),
                /no such user in the tenant: nobody@contoso\.onmicrosoft\.com/,
            );
        });
    });

    describe("Exchange", () => {
        it(
            "no default authentication policy: nothing to adopt; SMTP AUTH with the organisation on: no exceptions, own values " + "said",
            async () => {
                const exo = portal().exchange;
                const [m] = await exo.invoke("Get-CASMailbox", { ResultSize: "Unlimited" });
                await exo.invoke("Set-TransportConfig", { SmtpClientAuthenticationDisabled: false });
                await exo.invoke("Set-CASMailbox", { Identity: m.PrimarySmtpAddress, SmtpClientAuthenticationDisabled: true });
                const warnings: string[] = [];
                const baseline = await exportBaseline(provider(), { include: ["smtpAuth", "exchangeAuthenticationPolicy"], warnings });
                assert.deepStrictEqual(baseline, { smtpAuth: { disabledForOrganization: false } });
                assert.ok(
                    warnings.some((w) => w.includes(String(m.PrimarySmtpAddress).toLowerCase()) && /disabled on its own/.test(w)),
                    warnings.join("\n"),
                );
            },
        );
    });
});
