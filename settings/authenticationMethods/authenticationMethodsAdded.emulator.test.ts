/**
 * The authentication methods Microsoft added (issue #25), against the tenant emulator: QR code with PIN
 * (v1.0; PATCH answers 200), hardware OATH tokens (beta only) and the methods policy's report suspicious
 * activity settings (beta only): create from empty, no-op, drift named by field, update, bad input named
 * by key, export round trip; switching report suspicious activity off needs a confirmation; external
 * authentication methods created by name, managed and exported. Also the guardrails and the preset.
 */
import * as assert from "node:assert";
import { exportContext } from "../../providers/framework/exportContext";
import { presetBaseline } from "../../components/presets";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs, portal } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { dynamicType } from "../../providers/framework/setting";
import { exportMember } from "./export";
import { authenticationMethodConfiguration } from "./methodConfiguration";
import { externalAuthenticationMethod } from "./externalMethod";
import { authenticationMethodsPolicy } from "./policy";
import { otpMethodsDisabled, passkeyAttestationForAdmins, qrCodeOnlyWhereIntended } from "./policyRules";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { senderOf } from "../../tests/support/requestLog";

const POLICY = "/policies/authenticationMethodsPolicy";
const CONFIGS = `${POLICY}/authenticationMethodConfigurations`;
const FRONTLINE = "6f1d3b8e-2c4a-4e0f-9a7b-1c2d3e4f5a6b";
const OTHERS = "0a9b8c7d-6e5f-4a3b-8c1d-2e3f4a5b6c7d";

describe("emulator: QR code, hardware OATH and report suspicious activity", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    useEmulator((e) => (emu = e), { recordBodies: true });

    const methods = () =>
        new SettingProvider(authenticationMethodConfiguration, { verifyDelayMs: 20 }, () => clientsAs(emu, APPS.provider));
    const externals = () => new SettingProvider(externalAuthenticationMethod, { verifyDelayMs: 20 }, () => clientsAs(emu, APPS.provider));
    const policyProvider = () =>
        new SettingProvider(authenticationMethodsPolicy, { verifyDelayMs: 20 }, () => clientsAs(emu, APPS.provider));
    const live = () => emu.defaultTenant().authenticationMethodsPolicy;
    const portalApp = () => emu.defaultTenant().apps.find((a) => a.displayName === APPS.portal)!.appId;
    const writes = (match: RegExp) =>
        emu.requests.filter((r) => r.method === "PATCH" && match.test(r.path) && senderOf(r) === "graph-sdk" && r.appId !== portalApp());
    const checked = async (p: SettingProvider, inputs: Record<string, unknown>) => {
        const c = await p.check({}, inputs);
        assert.deepStrictEqual(c.failures, [], JSON.stringify(c.failures));
        return c.inputs;
    };
    const failures = async (p: SettingProvider, inputs: Record<string, unknown>) => (await p.check({}, inputs)).failures ?? [];
    /** Creates, then a second run (read, check, diff) that must find nothing to change. */
    const createAndNoOp = async (p: SettingProvider, inputs: Record<string, unknown>, match: RegExp) => {
        const before = writes(match).length;
        const created = await p.create(await checked(p, inputs));
        assert.strictEqual(writes(match).length, before + 1, "one write");
        const again = await p.read(created.id, created.outs);
        assert.deepStrictEqual(await p.diff(created.id, again.props, await checked(p, inputs)), { changes: false });
        return created;
    };

    describe("QR code with PIN (qrCodePin, v1.0)", () => {
        it(
            "create from empty: enabled for the frontline group with a 10-digit PIN and 180-day codes, one v1.0 PATCH answered " +
                "200; a second run writes nothing",
            async () => {
                assert.deepStrictEqual(
                    [
                        live().methods.qrCodePin.state,
                        live().methods.qrCodePin.pinLength,
                        live().methods.qrCodePin.standardQRCodeLifetimeInDays,
                    ],
                    ["disabled", 8, 365],
                    "Microsoft's defaults",
                );
                const created = await createAndNoOp(
                    methods(),
                    {
                        method: "qrCodePin",
                        state: "enabled",
                        includeTargets: [{ id: FRONTLINE }],
                        pinLength: 10,
                        standardQRCodeLifetimeInDays: 180,
                    },
                    /qrCodePin$/,
                );
                const w = writes(/qrCodePin$/).at(-1)!;
                assert.strictEqual(w.path, `/v1.0${CONFIGS}/qrCodePin`);
                assert.strictEqual(w.status, 200);
                assert.deepStrictEqual(w.sentBody, {
                    "@odata.type": "#microsoft.graph.qrCodePinAuthenticationMethodConfiguration",
                    state: "enabled",
                    includeTargets: [{ id: FRONTLINE, targetType: "group" }],
                    pinLength: 10,
                    standardQRCodeLifetimeInDays: 180,
                });
                assert.strictEqual((created.outs.configuration as any).id, "qrCodePin");
                assert.deepStrictEqual([live().methods.qrCodePin.state, live().methods.qrCodePin.pinLength], ["enabled", 10]);
            },
        );

        it("drift: a portal change of the PIN length is named pinLength; update restores it", async () => {
            const p = methods();
            const inputs = { method: "qrCodePin", pinLength: 12 };
            const created = await p.create(await checked(p, inputs));
            await portal(emu).patch(`${CONFIGS}/qrCodePin`, {
                "@odata.type": "#microsoft.graph.qrCodePinAuthenticationMethodConfiguration",
                pinLength: 8,
                standardQRCodeLifetimeInDays: 30,
            });
            const r = await p.read(created.id, created.outs);
            // Only the managed field drifts; the plan's own inputs (not the tenant's) are carried over as created.
            const carried = Object.fromEntries(
                ["confirm", "tenantAtPreview"].filter((k) => created.outs[k] !== undefined).map((k) => [k, created.outs[k]]),
            );
            assert.deepStrictEqual(r.inputs, { method: "qrCodePin", pinLength: 8, ...carried }, "only the managed field");
            assert.deepStrictEqual(authenticationMethodConfiguration.diff((await checked(p, inputs)) as any, r.props as any), [
                { field: "pinLength", from: 8, to: 12 },
            ]);
            await p.update(created.id, r.props, await checked(p, inputs));
            assert.deepStrictEqual(
                [live().methods.qrCodePin.pinLength, live().methods.qrCodePin.standardQRCodeLifetimeInDays],
                [12, 30],
                "the unmanaged lifetime kept",
            );
        });

        it("bad input is refused before any call, naming the key and the range", async () => {
            const calls = emu.requests.length;
            const f = await failures(methods(), {
                method: "qrCodePin",
                pinLength: 7,
                standardQRCodeLifetimeInDays: 400,
                isOfficePhoneAllowed: true,
            });
            const by = Object.fromEntries(f.map((x) => [x.property, x.reason]));
            assert.match(by.pinLength, /pinLength must be a whole number from 8 to 20 digits \(got 7\)/);
            assert.match(by.standardQRCodeLifetimeInDays, /from 1 to 395 days \(got 400\)/);
            assert.match(by.isOfficePhoneAllowed, /isOfficePhoneAllowed is not a setting of qrCodePin; it belongs to voice/);
            assert.strictEqual(emu.requests.length, calls);
        });
    });

    describe("hardware OATH tokens (hardwareOath, beta only)", () => {
        it("create from empty through beta; no-op; drift named; update restores", async () => {
            const p = methods();
            const inputs = {
                method: "hardwareOath",
                state: "enabled",
                includeTargets: [{ id: OTHERS }],
                excludeTargets: [{ id: FRONTLINE }],
            };
            const created = await createAndNoOp(p, inputs, /hardwareOath$/);
            const w = writes(/hardwareOath$/).at(-1)!;
            assert.strictEqual(w.path, `/beta${CONFIGS}/hardwareOath`);
            assert.strictEqual(w.status, 204);
            assert.strictEqual((w.sentBody as any)["@odata.type"], "#microsoft.graph.hardwareOathAuthenticationMethodConfiguration");
            assert.strictEqual(live().methods.hardwareOath.state, "enabled");
            await portal(emu).patch(
                `${CONFIGS}/hardwareOath`,
                { "@odata.type": "#microsoft.graph.hardwareOathAuthenticationMethodConfiguration", state: "disabled" },
                { version: "beta" },
            );
            const r = await p.read(created.id, created.outs);
            assert.deepStrictEqual(
                authenticationMethodConfiguration
                    .diff((await checked(p, inputs)) as any, r.props as any)
                    .map((c) => [c.field, c.from, c.to]),
                [["state", "disabled", "enabled"]],
            );
            await p.update(created.id, r.props, await checked(p, inputs));
            assert.strictEqual(live().methods.hardwareOath.state, "enabled");
        });

        it("v1.0 has no hardware OATH configuration (404); bad input is named by key", async () => {
            await assert.rejects(portal(emu).get(`${CONFIGS}/hardwareOath`), (e: any) => e.status === 404);
            const f = await failures(methods(), { method: "hardwareOath", pinLength: 10, state: "on" });
            assert.deepStrictEqual(f.map((x) => x.property).sort(), ["pinLength", "state"]);
            assert.match(f.find((x) => x.property === "pinLength")!.reason, /belongs to qrCodePin/);
        });
    });

    describe("report suspicious activity (methods policy, beta only)", () => {
        it("create from empty: on for a group with code 5, written through beta; no-op; drift named; update restores", async () => {
            const p = policyProvider();
            const inputs = {
                reportSuspiciousActivitySettings: { state: "enabled", includeTarget: { id: FRONTLINE }, voiceReportingCode: 5 },
            };
            const created = await createAndNoOp(p, inputs, /authenticationMethodsPolicy$/);
            const w = writes(/authenticationMethodsPolicy$/).at(-1)!;
            assert.strictEqual(w.path, `/beta${POLICY}`);
            assert.deepStrictEqual(w.sentBody, {
                reportSuspiciousActivitySettings: {
                    state: "enabled",
                    includeTarget: { id: FRONTLINE, targetType: "group" },
                    voiceReportingCode: 5,
                },
            });
            assert.deepStrictEqual(live().reportSuspiciousActivitySettings, {
                state: "enabled",
                includeTarget: { id: FRONTLINE, targetType: "group" },
                voiceReportingCode: 5,
            });
            await portal(emu).patch(POLICY, { reportSuspiciousActivitySettings: { voiceReportingCode: 7 } }, { version: "beta" });
            const r = await p.read(created.id, created.outs);
            assert.deepStrictEqual(authenticationMethodsPolicy.diff((await checked(p, inputs)) as any, r.props as any), [
                { field: "reportSuspiciousActivitySettings.voiceReportingCode", from: 7, to: 5 },
            ]);
            await p.update(created.id, r.props, await checked(p, inputs));
            assert.strictEqual(live().reportSuspiciousActivitySettings!.voiceReportingCode, 5);
        });

        it("switching it off weakens: refused until the confirmation the refusal names is given", async () => {
            emu.store.mutate(() => {
                live().reportSuspiciousActivitySettings!.state = "enabled";
            });
            const p = policyProvider();
            const off = { reportSuspiciousActivitySettings: { state: "disabled" } };
            const f = await failures(p, off);
            assert.match(
                f.map((x) => x.reason).join(" "),
                /WEAKENS security.*report suspicious activity switched off.*add "(weakens:report-suspicious-activity:[0-9a-f]+)"/,
            );
            const token = /add "(weakens:[^"]+)"/.exec(f[0].reason)![1];
            await p.create(await checked(p, { ...off, confirm: [token] }));
            assert.strictEqual(live().reportSuspiciousActivitySettings!.state, "disabled");
            assert.strictEqual(
                authenticationMethodsPolicy.weakens!(
                    { field: "reportSuspiciousActivitySettings.state", from: "enabled", to: "default" },
                    off,
                ),
                "report suspicious activity switched off: users can no longer flag an MFA prompt they did not start (which " +
                    "sets their user risk to high)",
            );
        });

        it("bad input is refused naming the key; v1.0 has no such property", async () => {
            const f = await failures(policyProvider(), {
                reportSuspiciousActivitySettings: {
                    voiceReportingCode: 12,
                    includeTargets: [{ id: FRONTLINE }],
                    includeTarget: { id: "frontline" },
                },
            });
            const by = Object.fromEntries(f.map((x) => [x.property, x.reason]));
            assert.match(by["reportSuspiciousActivitySettings.voiceReportingCode"], /whole number from 0 to 9/);
            assert.match(by["reportSuspiciousActivitySettings.includeTargets"], /one includeTarget .* not a list/);
            assert.match(by["reportSuspiciousActivitySettings.includeTarget.id"], /"all_users" or a group's object id/);
            await assert.rejects(
                portal(emu).patch(POLICY, { reportSuspiciousActivitySettings: { state: "enabled" } }),
                /does not exist on type 'microsoft\.graph\.authenticationMethodsPolicy'/,
            );
        });
    });

    describe("export and what is not modelled (after the others: mocha runs a suite's own tests before its nested suites)", () => {
        it(
            "export: QR code, hardware OATH and report suspicious activity round-trip: a first run on the exported config writes " +
                "nothing",
            async () => {
                await portal(emu).patch(`${CONFIGS}/qrCodePin`, {
                    "@odata.type": "#microsoft.graph.qrCodePinAuthenticationMethodConfiguration",
                    state: "enabled",
                    pinLength: 9,
                    standardQRCodeLifetimeInDays: 90,
                });
                await portal(emu).patch(
                    POLICY,
                    { reportSuspiciousActivitySettings: { state: "enabled", voiceReportingCode: 3 } },
                    { version: "beta" },
                );
                const ctx = exportContext(clientsAs(emu, APPS.provider));
                const exported = (await exportMember(ctx)) as any;
                assert.deepStrictEqual(
                    { ...exported.methods.qrCodePin, includeTargets: undefined, excludeTargets: undefined },
                    {
                        state: "enabled",
                        pinLength: 9,
                        standardQRCodeLifetimeInDays: 90,
                        includeTargets: undefined,
                        excludeTargets: undefined,
                    },
                );
                assert.ok(exported.methods.hardwareOath, "hardware OATH exported (read through beta)");
                assert.deepStrictEqual(exported.policy.reportSuspiciousActivitySettings.voiceReportingCode, 3);
                const before = emu.requests.filter((r) => r.method === "PATCH").length;
                for (const method of ["qrCodePin", "hardwareOath", "fido2", "email"]) {
                    const p = methods();
                    const inputs = await checked(p, { ...exported.methods[method], method });
                    const r = await p.create(inputs);
                    assert.deepStrictEqual(await p.diff(r.id, (await p.read(r.id, r.outs)).props, inputs), { changes: false }, method);
                }
                const pp = policyProvider();
                const pin = await checked(pp, exported.policy);
                const created = await pp.create(pin);
                assert.deepStrictEqual(await pp.diff(created.id, (await pp.read(created.id, created.outs)).props, pin), { changes: false });
                assert.strictEqual(emu.requests.filter((r) => r.method === "PATCH").length, before, "nothing written");
            },
        );

        it(
            "external authentication methods: created from empty by POST when the tenant has none of that name; no-op; drift " +
                "named; update; bad input by key; export round trip",
            async () => {
                const p = externals();
                const inputs = {
                    displayName: "Acme MFA",
                    appId: OTHERS,
                    clientId: "entra-at-acme",
                    discoveryUrl: "https://acme.example/.well-known/openid-configuration",
                    includeTargets: [{ id: FRONTLINE }],
                };
                const posts = () =>
                    emu.requests.filter(
                        (r) => r.method === "POST" && r.path.endsWith("/authenticationMethodConfigurations") && r.appId !== portalApp(),
                    );
                const created = await p.create(await checked(p, inputs));
                assert.strictEqual(posts().length, 1, "one POST");
                assert.strictEqual(posts()[0].status, 201);
                assert.deepStrictEqual(posts()[0].sentBody, {
                    "@odata.type": "#microsoft.graph.externalAuthenticationMethodConfiguration",
                    displayName: "Acme MFA",
                    appId: OTHERS,
                    state: "enabled",
                    openIdConnectSetting: {
                        clientId: "entra-at-acme",
                        discoveryUrl: "https://acme.example/.well-known/openid-configuration",
                    },
                    includeTargets: [{ isRegistrationRequired: false, id: FRONTLINE, targetType: "group" }],
                });
                const [id] = Object.keys(live().externalMethods!);
                assert.strictEqual(live().externalMethods![id].displayName, "Acme MFA");
                assert.strictEqual(created.id, `${emu.defaultTenant().tenantId}/externalAuthenticationMethods/Acme MFA`);
                // No-op.
                const again = await p.read(created.id, created.outs);
                assert.deepStrictEqual(await p.diff(created.id, again.props, await checked(p, inputs)), { changes: false });
                // Drift: the portal switches it off and points it elsewhere.
                await portal(emu).patch(`${CONFIGS}/${id}`, {
                    "@odata.type": "#microsoft.graph.externalAuthenticationMethodConfiguration",
                    state: "disabled",
                    openIdConnectSetting: {
                        clientId: "entra-at-acme",
                        discoveryUrl: "https://evil.example/.well-known/openid-configuration",
                    },
                });
                const r = await p.read(created.id, created.outs);
                assert.deepStrictEqual(
                    externalAuthenticationMethod
                        .diff((await checked(p, { ...inputs, state: "enabled" })) as any, r.props as any)
                        .map((c) => [c.field, c.from, c.to]),
                    [
                        [
                            "discoveryUrl",
                            "https://evil.example/.well-known/openid-configuration",
                            "https://acme.example/.well-known/openid-configuration",
                        ],
                        ["state", "disabled", "enabled"],
                    ],
                );
                await p.update(created.id, r.props, await checked(p, { ...inputs, state: "enabled" }));
                assert.deepStrictEqual(
                    [live().externalMethods![id].state, live().externalMethods![id].openIdConnectSetting.discoveryUrl],
                    ["enabled", "https://acme.example/.well-known/openid-configuration"],
                );
                assert.strictEqual(posts().length, 1, "the update PATCHed the method, no second one");
                // Bad input, named by key.
                const f = await failures(p, {
                    displayName: "Other",
                    appId: "acme",
                    discoveryUrl: "http://acme.example",
                    openIdConnectSetting: {},
                });
                const by = Object.fromEntries(f.map((x) => [x.property, x.reason]));
                assert.match(by.appId, /appId must be the application \(client\) id .* a GUID \(got "acme"\)/);
                assert.match(by.discoveryUrl, /must be the https URL/);
                assert.match(by.openIdConnectSetting, /give its clientId and discoveryUrl directly/);
                // A method the tenant lacks needs what Graph requires to create it.
                const missing = await failures(p, { displayName: "Beta MFA", state: "enabled" });
                assert.deepStrictEqual(missing.map((x) => x.property).sort(), ["appId", "clientId", "discoveryUrl"]);
                // Export round trip: the first run on the exported config writes nothing.
                const exported = (await exportMember(exportContext(clientsAs(emu, APPS.provider)))) as any;
                const e = exported.externalMethods["Acme MFA"];
                assert.deepStrictEqual(
                    { ...e, excludeTargets: undefined },
                    {
                        appId: OTHERS,
                        clientId: "entra-at-acme",
                        discoveryUrl: "https://acme.example/.well-known/openid-configuration",
                        state: "enabled",
                        includeTargets: [{ id: FRONTLINE, targetType: "group", isRegistrationRequired: false }],
                        excludeTargets: undefined,
                    },
                );
                const writesBefore = emu.requests.filter((x) => x.write).length;
                const ex = await checked(p, { ...e, displayName: "Acme MFA" });
                const adopted = await p.create(ex);
                assert.deepStrictEqual(await p.diff(adopted.id, (await p.read(adopted.id, adopted.outs)).props, ex), { changes: false });
                assert.strictEqual(emu.requests.filter((x) => x.write).length, writesBefore, "nothing written");
            },
        );

        it(
            "the emulator: external methods need their OpenID Connect settings; a built-in method is not created; a built-in " +
                "method's DELETE is not modelled",
            async () => {
                await assert.rejects(
                    portal(emu).post(CONFIGS, {
                        "@odata.type": "#microsoft.graph.externalAuthenticationMethodConfiguration",
                        displayName: "No OIDC",
                        appId: OTHERS,
                        state: "enabled",
                    }),
                    /'openIdConnectSetting' .* is required/,
                );
                await assert.rejects(
                    portal(emu).post(CONFIGS, { "@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", state: "enabled" }),
                    /Only external authentication methods can be created/,
                );
                await assert.rejects(portal(emu).request("DELETE", `${CONFIGS}/sms`), /not modelled by the emulator/);
                await assert.rejects(portal(emu).get(`${CONFIGS}/${FRONTLINE}`), (e: any) => e.status === 404);
            },
        );
    });

    describe("guardrails and preset", () => {
        const TYPE = dynamicType(authenticationMethodConfiguration.type);
        const run = (policy: any, props: Record<string, any>, config: Record<string, unknown> = {}) => {
            const out: string[] = [];
            const defaults = Object.fromEntries(Object.entries(policy.configSchema?.properties ?? {}).map(([k, v]: any) => [k, v.default]));
            policy.validateResource({ type: TYPE, name: "m", props, getConfig: () => ({ ...defaults, ...config }) }, (m: string) =>
                out.push(m),
            );
            return out;
        };

        it("sms-voice-email-otp-disabled (ScubaGear MS.AAD.3.5v2): email OTP enabled is a violation like SMS and voice", () => {
            for (const method of ["sms", "voice", "email"]) {
                assert.match(
                    run(otpMethodsDisabled, { method, state: "enabled" })[0],
                    new RegExp(`${method} is enabled: ScubaGear MS\\.AAD\\.3\\.5v2`),
                );
                assert.deepStrictEqual(run(otpMethodsDisabled, { method, state: "disabled" }), []);
            }
            assert.deepStrictEqual(run(otpMethodsDisabled, { method: "fido2", state: "enabled" }), []);
            assert.match(otpMethodsDisabled.description, /ScubaGear MS\.AAD\.3\.5v2/);
        });

        it("passkey-attestation-for-admins: an admin group (or all users) allowed an unattested profile is a violation", () => {
            const props = {
                method: "fido2",
                passkeyProfiles: {
                    default: { attestationEnforcement: "disabled" },
                    Admins: { attestationEnforcement: "registrationOnly" },
                },
                includeTargets: [
                    { id: FRONTLINE, allowedPasskeyProfiles: ["default"] },
                    { id: OTHERS, allowedPasskeyProfiles: ["Admins"] },
                ],
            };
            assert.deepStrictEqual(run(passkeyAttestationForAdmins, props, { adminGroupIds: [OTHERS] }), []);
            assert.match(
                run(passkeyAttestationForAdmins, props, { adminGroupIds: [FRONTLINE] })[0],
                new RegExp(`administrator group ${FRONTLINE} may use passkey profile\\(s\\) default without attestation`),
            );
            assert.match(
                run(passkeyAttestationForAdmins, {
                    ...props,
                    includeTargets: [{ id: "all_users", allowedPasskeyProfiles: ["default", "Admins"] }],
                })[0],
                /all users, administrators included, may use passkey profile\(s\) default/,
            );
        });

        it("qr-code-only-where-intended: QR code for all users, or a group not listed, is a violation", () => {
            assert.match(
                run(qrCodeOnlyWhereIntended, { method: "qrCodePin", state: "enabled", includeTargets: [{ id: "all_users" }] })[0],
                /enabled for all users/,
            );
            assert.deepStrictEqual(
                run(
                    qrCodeOnlyWhereIntended,
                    { method: "qrCodePin", state: "enabled", includeTargets: [{ id: FRONTLINE }] },
                    { allowedGroupIds: [FRONTLINE] },
                ),
                [],
            );
            assert.deepStrictEqual(
                run(qrCodeOnlyWhereIntended, { method: "qrCodePin", state: "disabled", includeTargets: [{ id: "all_users" }] }),
                [],
            );
        });

        it("the Conditional Access presets switch email OTP off with SMS and voice (ScubaGear MS.AAD.3.5v2)", () => {
            for (const preset of ["conditional-access", "per-user-mfa-to-conditional-access"] as const) {
                const methodsOf = (presetBaseline(preset) as any).authenticationMethods.methods;
                assert.deepStrictEqual(methodsOf.email, { state: "disabled" }, preset);
                assert.deepStrictEqual([methodsOf.sms, methodsOf.voice], [{ state: "disabled" }, { state: "disabled" }]);
            }
        });
    });
});
