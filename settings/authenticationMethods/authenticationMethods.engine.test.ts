/**
 * Issue #25 through the real engine, against the emulator: FIDO2 by passkey profiles, QR code with PIN,
 * hardware OATH (beta), report suspicious activity (beta) and an external authentication method as parts of
 * m365-mfa:baseline.authenticationMethods:
 * created from a new tenant's defaults, then a clean preview; a portal admin's changes found by `drift` with
 * the field named; bad input refused at preview naming the config key; a tenant still in the pre-profile
 * FIDO2 shape exported without the deprecated fields, then moved to passkey profiles only when the stack
 * declares them (said at preview); and no request body the project sent carries isAttestationEnforced.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { portal, startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

const CONFIGS = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations";
const ADMINS = "6f1d3b8e-2c4a-4e0f-9a7b-1c2d3e4f5a6b";
const FRONTLINE = "0a9b8c7d-6e5f-4a3b-8c1d-2e3f4a5b6c7d";
const YUBIKEY = "cb69481e-8ff7-4039-93ec-0a2729a154a8";

const BASELINE = {
    authenticationMethods: {
        policy: { reportSuspiciousActivitySettings: { state: "enabled", includeTarget: { id: "all_users" }, voiceReportingCode: 0 } },
        methods: {
            fido2: {
                state: "enabled",
                passkeyProfiles: {
                    default: { passkeyTypes: ["deviceBound", "synced"], attestationEnforcement: "disabled" },
                    Admins: {
                        passkeyTypes: ["deviceBound"],
                        attestationEnforcement: "registrationOnly",
                        keyRestrictions: { isEnforced: true, enforcementType: "allow", aaGuids: [YUBIKEY] },
                    },
                },
                includeTargets: [
                    { id: "all_users", allowedPasskeyProfiles: ["default"] },
                    { id: ADMINS, allowedPasskeyProfiles: ["Admins"] },
                ],
            },
            qrCodePin: { state: "enabled", includeTargets: [{ id: FRONTLINE }], pinLength: 10, standardQRCodeLifetimeInDays: 180 },
            hardwareOath: { state: "enabled", includeTargets: [{ id: ADMINS }] },
        },
        externalMethods: {
            "Acme MFA": {
                appId: FRONTLINE,
                state: "enabled",
                clientId: "entra-at-acme",
                discoveryUrl: "https://acme.example/.well-known/openid-configuration",
                includeTargets: [{ id: FRONTLINE }],
            },
        },
    },
};

describe("engine: authentication methods as Microsoft ships them now (issue #25)", function () {
    this.timeout(900_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const stack = "methods";
    const policy = () => emu.defaultTenant().authenticationMethodsPolicy;
    const portalApp = () => emu.defaultTenant().apps.find((a) => a.displayName === APPS.portal)!.appId;
    /** What the project's code sent (not the portal admin's changes). */
    const projectWrites = () => emu.requests.filter((r) => r.write && r.method !== "GET" && r.appId !== portalApp());
    const drift = (dir: string) => ws.cli(["drift", "--stack", stack, "--config-file", ws.configFile(stack), "--report-dir", dir]);

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-methods-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator"), recordSentBodies: true });
        emu.directory().seed(20, 3);
        ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: { ...emu.env(APPS.provider), ...emu.azureadEnv(APPS.provider) },
        });
    });
    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it(
        "create from a new tenant: passkey profiles, QR code, hardware OATH and report suspicious activity; then the preview is " + "clean",
        async () => {
            await ws.initStack(stack, {}, { "m365-mfa:baseline": BASELINE });
            const up = await ws.up(stack);
            assert.strictEqual(up.code, 0, up.output);
            const f = policy().methods.fido2 as any;
            const admins = f.passkeyProfiles.find((p: any) => p.name === "Admins");
            assert.deepStrictEqual(
                [admins.passkeyTypes, admins.attestationEnforcement, admins.keyRestrictions.aaGuids],
                ["deviceBound", "registrationOnly", [YUBIKEY]],
            );
            assert.deepStrictEqual(
                f.includeTargets.map((t: any) => [t.id, t.allowedPasskeyProfiles]),
                [
                    ["all_users", [f.defaultPasskeyProfile]],
                    [ADMINS, [admins.id]],
                ],
            );
            assert.deepStrictEqual(
                [
                    policy().methods.qrCodePin.state,
                    policy().methods.qrCodePin.pinLength,
                    policy().methods.qrCodePin.standardQRCodeLifetimeInDays,
                ],
                ["enabled", 10, 180],
            );
            assert.strictEqual(policy().methods.hardwareOath.state, "enabled");
            assert.strictEqual(policy().reportSuspiciousActivitySettings!.state, "enabled");
            const external = Object.values(policy().externalMethods ?? {});
            assert.deepStrictEqual(
                external.map((e) => [e.displayName, e.state, e.openIdConnectSetting.discoveryUrl]),
                [["Acme MFA", "enabled", "https://acme.example/.well-known/openid-configuration"]],
            );
            const clean = await ws.run(["preview", "--refresh", ...ws.stackArgs(stack), "--expect-no-changes", "--diff"]);
            assert.strictEqual(clean.code, 0, clean.output);
            // The preview says when a change moves users from one passkey profile to another.
            const moved = structuredClone(BASELINE);
            moved.authenticationMethods.methods.fido2.includeTargets[0].allowedPasskeyProfiles = ["default", "Admins"];
            await ws.setConfigObject(stack, "m365-mfa:baseline", moved);
            const p = await ws.preview(stack);
            assert.strictEqual(p.code, 0, p.output);
            assert.match(p.output, /fido2: users in all users move from passkey profile\(s\) default to Admins, default/);
            await ws.setConfigObject(stack, "m365-mfa:baseline", BASELINE);
        },
    );

    it("a portal admin's changes are drift, each named by its field", async () => {
        const live = await portal(emu).get(`${CONFIGS}/fido2`);
        await portal(emu).patch(`${CONFIGS}/fido2`, {
            "@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
            passkeyProfiles: live.passkeyProfiles.map((p: any) => (p.name === "Admins" ? { ...p, attestationEnforcement: "disabled" } : p)),
        });
        await portal(emu).patch(`${CONFIGS}/qrCodePin`, {
            "@odata.type": "#microsoft.graph.qrCodePinAuthenticationMethodConfiguration",
            pinLength: 8,
        });
        await portal(emu).patch(
            "/policies/authenticationMethodsPolicy",
            { reportSuspiciousActivitySettings: { voiceReportingCode: 4 } },
            { version: "beta" },
        );
        const [externalId] = Object.keys(policy().externalMethods!);
        await portal(emu).patch(`${CONFIGS}/${externalId}`, {
            "@odata.type": "#microsoft.graph.externalAuthenticationMethodConfiguration",
            state: "disabled",
        });
        const dir = path.join(tmp, "drift");
        const r = await drift(dir);
        assert.strictEqual(r.code, 2, `exit 2: drifted\n${r.output}`);
        const report = JSON.parse(fs.readFileSync(path.join(dir, "drift-report.json"), "utf8"));
        const fields = JSON.stringify(report);
        assert.match(fields, /"field":"passkeyProfiles\.Admins\.attestationEnforcement","expected":"registrationOnly","found":"disabled"/);
        assert.match(fields, /"field":"pinLength","expected":10,"found":8/);
        assert.match(fields, /"field":"reportSuspiciousActivitySettings\.voiceReportingCode","expected":0,"found":4/);
        assert.match(fields, /"field":"state","expected":"enabled","found":"disabled"/, `the external method's state: ${fields}`);
    });

    it("bad input is refused at preview naming the config key and the fix", async () => {
        const bad = "bad-methods";
        await ws.initStack(
            bad,
            {},
            {
                "m365-mfa:baseline": {
                    authenticationMethods: {
                        methods: { fido2: { isAttestationEnforced: true }, qrCodePin: { pinLength: 7 } },
                        policy: { reportSuspiciousActivitySettings: { voiceReportingCode: 12 } },
                    },
                },
            },
        );
        const before = projectWrites().length;
        const p = await ws.preview(bad);
        assert.notStrictEqual(p.code, 0, p.output);
        assert.match(
            p.output,
            new RegExp(
                String.raw`authenticationMethods\.methods\.fido2\.isAttestationEnforced: isAttestationEnforced is deprecated ` +
                    String.raw`by Microsoft .* set passkeyProfiles\.default\.attestationEnforcement: registrationOnly`,
            ),
        );
        assert.match(
            p.output,
            /authenticationMethods\.methods\.qrCodePin\.pinLength: pinLength must be a whole number from 8 to 20 digits \(got 7\)/,
        );
        assert.match(p.output, /authenticationMethods\.policy\.reportSuspiciousActivitySettings\.voiceReportingCode: .*from 0 to 9/);
        assert.strictEqual(projectWrites().length, before, "nothing written");
    });

    it(
        "a tenant in the pre-profile FIDO2 shape: exported without the deprecated fields; declaring profiles moves it, said at " +
            "preview; never a body with isAttestationEnforced",
        async () => {
            emu.store.mutate(() => {
                const f = policy().methods.fido2 as any;
                delete f.passkeyProfiles;
                delete f.defaultPasskeyProfile;
                Object.assign(f, {
                    state: "enabled",
                    isAttestationEnforced: true,
                    keyRestrictions: { isEnforced: false, enforcementType: "block", aaGuids: [] },
                });
                f.includeTargets = [{ id: "all_users", targetType: "group", isRegistrationRequired: false }];
            });
            const out = path.join(tmp, "legacy.json");
            const exported = await ws.cli(["export", "--format", "json", "--out", out]);
            assert.strictEqual(exported.code, 0, exported.output);
            const fido2 = JSON.parse(fs.readFileSync(out, "utf8")).authenticationMethods.methods.fido2;
            assert.deepStrictEqual(Object.keys(fido2).sort(), [
                "excludeTargets",
                "includeTargets",
                "isSelfServiceRegistrationAllowed",
                "state",
            ]);
            assert.match(exported.output, /the tenant has not moved to passkey profiles \(isAttestationEnforced true\)/);
            const legacy = "legacy";
            await ws.initStack(
                legacy,
                {},
                {
                    "m365-mfa:baseline": {
                        authenticationMethods: {
                            methods: { fido2: { passkeyProfiles: { default: { passkeyTypes: ["deviceBound", "synced"] } } } },
                        },
                    },
                },
            );
            const preview = await ws.preview(legacy);
            assert.strictEqual(preview.code, 0, preview.output);
            assert.match(preview.output, /this plan moves it to passkey profiles, which Microsoft does not let you undo/);
            assert.strictEqual((policy().methods.fido2 as any).passkeyProfiles, undefined, "a preview writes nothing");
            const up = await ws.up(legacy);
            assert.strictEqual(up.code, 0, up.output);
            const f = policy().methods.fido2 as any;
            assert.deepStrictEqual(
                f.passkeyProfiles.map((p: any) => [p.passkeyTypes, p.attestationEnforcement]),
                [["deviceBound,synced", "registrationOnly"]],
                "the legacy attestation carried into the default profile",
            );
            const carrying = projectWrites().filter((r) => JSON.stringify(r.sentBody ?? {}).includes("isAttestationEnforced"));
            assert.deepStrictEqual(
                carrying.map((r) => `${r.method} ${r.path}`),
                [],
            );
            assert.ok(
                projectWrites().some((r) => /fido2$/i.test(r.path)),
                "FIDO2 was written by the project",
            );
        },
    );
});
