/**
 * FIDO2 by passkey profiles (issue #25), against the tenant emulator: the emulator's automatic migration and
 * its profile rules; the AuthenticationMethodConfiguration provider on a migrated tenant (profiles by key,
 * targets' allowedPasskeyProfiles, no-op, drift named by field, a move between profiles said at preview,
 * attestation switched off refused until confirmed) and on a tenant still in the pre-profile shape (read and
 * exported without the deprecated fields; moved to profiles only when the stack declares them, said at
 * preview); export round trips of both; bad input named by key; and no request body the project's clients
 * sent carries the deprecated isAttestationEnforced.
 */
import * as assert from "node:assert";
import { exportContext } from "../../providers/framework/exportContext";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs, portal } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { exportMember } from "./export";
import { authenticationMethodConfiguration } from "./methodConfiguration";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { problemsOf, senderOf } from "../../tests/support/requestLog";
import { warningsOf } from "../../tests/support/warnings";

const CONFIGS = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations";
const FIDO2 = `${CONFIGS}/fido2`;
const FIDO2_TYPE = "#microsoft.graph.fido2AuthenticationMethodConfiguration";
const DEFAULT_ID = "00000000-0000-0000-0000-000000000001";
const ADMINS = "6f1d3b8e-2c4a-4e0f-9a7b-1c2d3e4f5a6b";
const STAFF = "0a9b8c7d-6e5f-4a3b-8c1d-2e3f4a5b6c7d";
const YUBIKEY = "cb69481e-8ff7-4039-93ec-0a2729a154a8";

describe("emulator: FIDO2 passkey profiles", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    useEmulator((e) => (emu = e), { recordBodies: true });

    const provider = () =>
        new SettingProvider(authenticationMethodConfiguration, { verifyDelayMs: 20 }, () => clientsAs(emu, APPS.provider));
    const fido2 = () => emu.defaultTenant().authenticationMethodsPolicy.methods.fido2 as any;
    const checked = async (inputs: Record<string, unknown>) => {
        const c = await provider().check({}, inputs);
        assert.deepStrictEqual(c.failures, [], JSON.stringify(c.failures));
        return c.inputs;
    };
    const failures = async (inputs: Record<string, unknown>) => (await provider().check({}, inputs)).failures ?? [];
    /** The portal admin's requests (an administrator's changes) are not the project's clients'. */
    const portalApp = () => emu.defaultTenant().apps.find((a) => a.displayName === APPS.portal)!.appId;
    const projectRequests = () => emu.requests.filter((r) => senderOf(r) === "graph-sdk" && r.appId !== portalApp());
    const fido2Writes = () =>
        projectRequests().filter((r) => r.method === "PATCH" && /authenticationMethodConfigurations\/fido2$/i.test(r.path));
    /** A tenant that configured FIDO2 before passkey profiles (attestation on, a key allow-list), so it was not migrated. */
    const seedLegacy = () =>
        emu.store.mutate(() => {
            const f = fido2();
            delete f.passkeyProfiles;
            delete f.defaultPasskeyProfile;
            Object.assign(f, {
                state: "enabled",
                isAttestationEnforced: true,
                isSelfServiceRegistrationAllowed: true,
                keyRestrictions: { isEnforced: true, enforcementType: "allow", aaGuids: [YUBIKEY] },
                includeTargets: [{ id: "all_users", targetType: "group", isRegistrationRequired: false }],
                excludeTargets: [],
            });
        });
    /** A tenant on passkey profiles with only the default profile (as the automatic migration leaves it). */
    const seedMigrated = () =>
        emu.store.mutate(() => {
            const f = fido2();
            Object.assign(f, {
                state: "enabled",
                isAttestationEnforced: false,
                keyRestrictions: { isEnforced: false, enforcementType: "block", aaGuids: [] },
                passkeyProfiles: [
                    {
                        id: DEFAULT_ID,
                        name: "Default passkey profile",
                        passkeyTypes: "deviceBound",
                        attestationEnforcement: "disabled",
                        keyRestrictions: { isEnforced: false, enforcementType: "block", aaGuids: [] },
                    },
                ],
                defaultPasskeyProfile: DEFAULT_ID,
                includeTargets: [
                    { id: "all_users", targetType: "group", isRegistrationRequired: false, allowedPasskeyProfiles: [DEFAULT_ID] },
                ],
                excludeTargets: [],
            });
        });

    describe("the emulator (Graph's rules)", () => {
        it(
            "a new tenant, which never configured FIDO2, is on passkey profiles: the default profile mirrors the legacy settings " +
                "and every target allows it",
            async () => {
                const f = await portal(emu).get(FIDO2);
                assert.strictEqual(f.defaultPasskeyProfile, DEFAULT_ID);
                assert.deepStrictEqual(f.passkeyProfiles, [
                    {
                        id: DEFAULT_ID,
                        name: "Default passkey profile",
                        passkeyTypes: "deviceBound",
                        attestationEnforcement: "disabled",
                        keyRestrictions: { isEnforced: false, enforcementType: "block", aaGuids: [] },
                    },
                ]);
                assert.deepStrictEqual(
                    f.includeTargets.map((t: any) => t.allowedPasskeyProfiles),
                    [[DEFAULT_ID]],
                );
                const beta = await portal(emu).get(FIDO2, { version: "beta" });
                assert.strictEqual(beta.passkeyProfiles, undefined, "the vendored beta schema has no passkey profiles");
            },
        );

        it(
            "a tenant that configured FIDO2 keeps the legacy shape until a PATCH sends passkeyProfiles; then its settings become " +
                "the default profile, with no way back",
            async () => {
                seedLegacy();
                const before = await portal(emu).get(FIDO2);
                assert.deepStrictEqual(
                    [before.passkeyProfiles, before.defaultPasskeyProfile, before.isAttestationEnforced],
                    [[], null, true],
                );
                // The legacy shape still takes its legacy fields.
                await portal(emu).patch(FIDO2, { "@odata.type": FIDO2_TYPE, isAttestationEnforced: true });
                await assert.rejects(
                    portal(emu).patch(FIDO2, {
                        "@odata.type": FIDO2_TYPE,
                        includeTargets: [{ id: "all_users", targetType: "group", allowedPasskeyProfiles: [DEFAULT_ID] }],
                    }),
                    /allowedPasskeyProfiles needs passkey profiles/,
                );
                const legacyDefault = {
                    id: DEFAULT_ID,
                    name: "Default passkey profile",
                    passkeyTypes: "deviceBound",
                    attestationEnforcement: "registrationOnly",
                    keyRestrictions: { isEnforced: true, enforcementType: "allow", aaGuids: [YUBIKEY] },
                };
                await portal(emu).patch(FIDO2, { "@odata.type": FIDO2_TYPE, passkeyProfiles: [legacyDefault] });
                const after = await portal(emu).get(FIDO2);
                assert.deepStrictEqual(after.passkeyProfiles, [legacyDefault]);
                assert.deepStrictEqual(after.includeTargets[0].allowedPasskeyProfiles, [DEFAULT_ID]);
                await assert.rejects(
                    portal(emu).patch(FIDO2, { "@odata.type": FIDO2_TYPE, isAttestationEnforced: false }),
                    /Property 'isAttestationEnforced' on a tenant that uses passkey profiles is not modelled by the emulator/,
                );
                await assert.rejects(
                    portal(emu).patch(FIDO2, { "@odata.type": FIDO2_TYPE, passkeyProfiles: [] }),
                    /default passkey profile .* cannot be deleted/,
                );
                await assert.rejects(portal(emu).patch(FIDO2, { "@odata.type": FIDO2_TYPE, defaultPasskeyProfile: STAFF }), /read-only/);
                await assert.rejects(
                    portal(emu).patch(FIDO2, { "@odata.type": FIDO2_TYPE, passkeyProfiles: [{ ...legacyDefault, passkeyTypes: "cloud" }] }),
                    /Requested value 'cloud' was not found/,
                );
                await assert.rejects(
                    portal(emu).patch(FIDO2, { "@odata.type": FIDO2_TYPE, passkeyProfiles: [{ id: DEFAULT_ID, name: "x" }] }),
                    /'passkeyTypes' .* is required/,
                );
                assert.deepStrictEqual(
                    (await portal(emu).get(FIDO2)).passkeyProfiles,
                    [legacyDefault],
                    "nothing of a refused body applied",
                );
            },
        );
        it("a beta write of FIDO2 targets on a migrated tenant keeps each target's profiles (beta has no passkey profiles)", async () => {
            seedMigrated();
            await portal(emu).patch(
                FIDO2,
                {
                    "@odata.type": FIDO2_TYPE,
                    includeTargets: [
                        { id: "all_users", targetType: "group", isRegistrationRequired: true },
                        { id: ADMINS, targetType: "group" },
                    ],
                },
                { version: "beta" },
            );
            assert.deepStrictEqual(
                fido2().includeTargets.map((t: any) => [t.id, t.isRegistrationRequired, t.allowedPasskeyProfiles]),
                [
                    ["all_users", true, [DEFAULT_ID]],
                    [ADMINS, false, [DEFAULT_ID]],
                ],
            );
        });
    });

    describe("AuthenticationMethodConfiguration (fido2)", () => {
        it(
            "migrated tenant: a device-bound attested profile for admins, the default for the rest, in one PATCH with ids; the " +
                "preview names the move; a second run writes nothing",
            async () => {
                seedMigrated();
                const inputs = {
                    method: "fido2",
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
                };
                const before = fido2Writes().length;
                let created: any;
                const warnings = await warningsOf(async () => {
                    created = await provider().create(await checked(inputs));
                });
                assert.strictEqual(fido2Writes().length, before + 1, "one PATCH");
                const body = fido2Writes().at(-1)!.sentBody as any;
                assert.strictEqual(body["@odata.type"], FIDO2_TYPE);
                const admins = body.passkeyProfiles.find((p: any) => p.name === "Admins");
                assert.match(admins.id, /^[0-9a-f-]{36}$/);
                assert.deepStrictEqual(body.passkeyProfiles.find((p: any) => p.id === DEFAULT_ID).passkeyTypes, "deviceBound,synced");
                assert.deepStrictEqual(
                    body.includeTargets.map((t: any) => [t.id, t.allowedPasskeyProfiles]),
                    [
                        ["all_users", [DEFAULT_ID]],
                        [ADMINS, [admins.id]],
                    ],
                );
                assert.ok(!JSON.stringify(body).includes("isAttestationEnforced"));
                // The live tenant has what was declared.
                assert.deepStrictEqual(
                    fido2().passkeyProfiles.map((p: any) => [p.name, p.attestationEnforcement]),
                    [
                        ["Default passkey profile", "disabled"],
                        ["Admins", "registrationOnly"],
                    ],
                );
                assert.deepStrictEqual(warnings, [], "a new target moves no one");
                // A move of all users from the default profile to both is said at preview.
                const moved = {
                    ...inputs,
                    includeTargets: [
                        { id: "all_users", allowedPasskeyProfiles: ["default", "Admins"] },
                        { id: ADMINS, allowedPasskeyProfiles: ["Admins"] },
                    ],
                };
                const said = await warningsOf(async () => void (await checked(moved)));
                assert.match(said.join("\n"), /users in all users move from passkey profile\(s\) default to Admins, default/);
                // No-op: the same posture writes nothing and diffs clean.
                const again = await provider().read(created.id, created.outs);
                assert.deepStrictEqual(await provider().diff(created.id, again.props, await checked(inputs)), { changes: false });
                assert.deepStrictEqual(again.inputs!.passkeyProfiles, inputs.passkeyProfiles);
            },
        );

        it(
            "drift: a portal change to a profile shows under the profile's field; update restores it; switching attestation off " +
                "weakens and needs the confirmation",
            async () => {
                seedMigrated();
                const inputs = {
                    method: "fido2",
                    passkeyProfiles: { Admins: { passkeyTypes: ["deviceBound"], attestationEnforcement: "registrationOnly" } },
                    includeTargets: [
                        { id: "all_users", allowedPasskeyProfiles: ["default"] },
                        { id: ADMINS, allowedPasskeyProfiles: ["Admins"] },
                    ],
                };
                const created = await provider().create(await checked(inputs));
                const live = await portal(emu).get(FIDO2);
                await portal(emu).patch(FIDO2, {
                    "@odata.type": FIDO2_TYPE,
                    passkeyProfiles: live.passkeyProfiles.map((p: any) =>
                        p.name === "Admins" ? { ...p, attestationEnforcement: "disabled", passkeyTypes: "deviceBound,synced" } : p,
                    ),
                });
                const r = await provider().read(created.id, created.outs);
                assert.deepStrictEqual(r.inputs!.passkeyProfiles, {
                    Admins: { passkeyTypes: ["deviceBound", "synced"], attestationEnforcement: "disabled" },
                });
                const changes = authenticationMethodConfiguration.diff((await checked(inputs)) as any, r.props as any).map((c) => c.field);
                assert.deepStrictEqual(changes, ["passkeyProfiles.Admins.passkeyTypes", "passkeyProfiles.Admins.attestationEnforcement"]);
                await provider().update(created.id, r.props, await checked(inputs));
                assert.strictEqual(
                    fido2().passkeyProfiles.find((p: any) => p.name === "Admins").attestationEnforcement,
                    "registrationOnly",
                );
                // Now the stack switches attestation off for admins: refused until the confirmation is given.
                const weaker = {
                    ...inputs,
                    passkeyProfiles: { Admins: { passkeyTypes: ["deviceBound"], attestationEnforcement: "disabled" } },
                };
                const refused = await failures(weaker);
                assert.match(
                    refused.map((f) => f.reason).join(" "),
                    /WEAKENS security.*passkey profile Admins: attestation no longer enforced.*add "(weakens:method-fido2:[0-9a-f]+)"/,
                );
                const token = /add "(weakens:[^"]+)"/.exec(refused[0].reason)![1];
                assert.deepStrictEqual(await failures({ ...weaker, confirm: [token] }), []);
                assert.strictEqual(
                    authenticationMethodConfiguration.weakens!(
                        { field: "passkeyProfiles.Admins.attestationEnforcement", from: "registrationOnly", to: "disabled" },
                        weaker,
                    ),
                    "passkey profile Admins: attestation no longer enforced (passkeys registered from now on need not prove " +
                        "their make and model)",
                );
            },
        );

        it(
            "a tenant in the pre-profile shape is read as it is and moved only when the stack declares profiles (said at " +
                "preview); the deprecated field is never sent",
            async () => {
                seedLegacy();
                // Managing what the legacy shape has in common (state, self-service) leaves it on the legacy shape.
                const plain = await provider().create(
                    await checked({ method: "fido2", state: "enabled", isSelfServiceRegistrationAllowed: false }),
                );
                assert.strictEqual((plain.outs.configuration as any).defaultPasskeyProfile, null);
                assert.deepStrictEqual((plain.outs.configuration as any).passkeyProfiles, {});
                assert.strictEqual(fido2().isSelfServiceRegistrationAllowed, false);
                assert.strictEqual(fido2().passkeyProfiles, undefined, "still not migrated");
                // Targets cannot name profiles the tenant does not have yet.
                const early = await failures({
                    method: "fido2",
                    includeTargets: [{ id: "all_users", allowedPasskeyProfiles: ["default"] }],
                });
                assert.deepStrictEqual(
                    early.map((f) => f.property),
                    ["includeTargets[0].allowedPasskeyProfiles"],
                );
                assert.match(early[0].reason, /has not moved to passkey profiles yet; declare passkeyProfiles/);
                // Declaring profiles moves it: said at preview; the default profile starts from the legacy settings.
                const inputs = { method: "fido2", passkeyProfiles: { default: { passkeyTypes: ["deviceBound", "synced"] } } };
                let said: string[] = [];
                let created: any;
                said = await warningsOf(async () => {
                    const c = await checked(inputs);
                    assert.deepStrictEqual(
                        (c as any).tenantAtPreview.passkeyProfiles,
                        { default: { passkeyTypes: ["deviceBound"] } },
                        "from-value: the default profile as it would start",
                    );
                    created = await provider().create(c);
                });
                assert.match(
                    said.join("\n"),
                    new RegExp(
                        String.raw`still has the FIDO2 settings from before passkey profiles \(isAttestationEnforced true\); ` +
                            "this plan moves it to passkey profiles, which Microsoft does not let you undo",
                    ),
                );
                const body = fido2Writes().at(-1)!.sentBody as any;
                assert.deepStrictEqual(body.passkeyProfiles, [
                    {
                        id: DEFAULT_ID,
                        name: "Default passkey profile",
                        passkeyTypes: "deviceBound,synced",
                        attestationEnforcement: "registrationOnly",
                        keyRestrictions: { isEnforced: true, enforcementType: "allow", aaGuids: [YUBIKEY] },
                    },
                ]);
                assert.strictEqual(fido2().defaultPasskeyProfile, DEFAULT_ID);
                const r = await provider().read(created.id, created.outs);
                assert.deepStrictEqual(await provider().diff(created.id, r.props, await checked(inputs)), { changes: false });
            },
        );

        it(
            "a legacy tenant whose attestation is on: declaring the default profile without attestation weakens (judged from the " +
                "legacy setting)",
            async () => {
                seedLegacy();
                const f = await failures({ method: "fido2", passkeyProfiles: { default: { attestationEnforcement: "disabled" } } });
                assert.match(f.map((x) => x.reason).join(" "), /WEAKENS security.*passkey profile default: attestation no longer enforced/);
                assert.strictEqual(fido2().passkeyProfiles, undefined, "nothing written at check");
            },
        );

        it("bad input is refused before any call, naming the key and the fix", async () => {
            const calls = emu.requests.length;
            let f = await failures({ method: "fido2", isAttestationEnforced: true });
            assert.deepStrictEqual(
                f.map((x) => x.property),
                ["isAttestationEnforced"],
            );
            assert.match(
                f[0].reason,
                new RegExp(
                    "isAttestationEnforced is deprecated by Microsoft .* never written; set " +
                        String.raw`passkeyProfiles\.default\.attestationEnforcement: registrationOnly`,
                ),
            );
            f = await failures({
                method: "fido2",
                passkeyProfiles: {
                    default: { attestationEnforcement: "always" },
                    Admins: { passkeyTypes: ["cloud"], attestationEnforcement: "registrationOnly" },
                    Staff: { attestationEnforcement: "disabled" },
                    Extra: {
                        passkeyTypes: ["synced"],
                        attestationEnforcement: "disabled",
                        keyRestrictions: { aaGuids: ["yubikey"] },
                        name: "x",
                    },
                },
            });
            const by = (p: string) => f.find((x) => x.property === p)?.reason ?? `no failure for ${p}: ${JSON.stringify(f)}`;
            assert.match(by("passkeyProfiles"), /declares 4 profiles; Microsoft supports up to 3/);
            assert.match(by("passkeyProfiles.default.attestationEnforcement"), /must be one of "disabled", "registrationOnly"/);
            assert.match(by("passkeyProfiles.Admins.passkeyTypes"), /non-empty list of "deviceBound", "synced"/);
            assert.match(by("passkeyProfiles.Staff"), /needs passkeyTypes and attestationEnforcement/);
            assert.match(by("passkeyProfiles.Extra.keyRestrictions.aaGuids"), /list of AAGUIDs/);
            assert.match(by("passkeyProfiles.Extra.name"), /named by its key/);
            f = await failures({ method: "fido2", includeTargets: [{ id: "all_users", allowedPasskeyProfiles: [] }] });
            assert.match(f[0].reason, /includeTargets\[0\]\.allowedPasskeyProfiles must be a non-empty list of passkey profile keys/);
            assert.deepStrictEqual(
                (await failures({ method: "sms", passkeyProfiles: { default: { attestationEnforcement: "disabled" } } })).map(
                    (x) => x.reason,
                ),
                [
                    "Authentication method configuration: passkeyProfiles is not a setting of sms; it belongs to fido2. " +
                        "Remove it, or set method to fido2",
                ],
            );
            assert.strictEqual(emu.requests.length, calls, "no call for inputs that fail on their own");
            // A profile neither the tenant nor the stack has: refused at check, which reads the tenant.
            seedMigrated();
            f = await failures({ method: "fido2", includeTargets: [{ id: ADMINS, allowedPasskeyProfiles: ["Ghost"] }] });
            assert.deepStrictEqual(
                f.map((x) => x.property),
                ["includeTargets[0].allowedPasskeyProfiles"],
            );
            assert.match(
                f[0].reason,
                /names passkey profile\(s\) "Ghost" that neither the tenant nor passkeyProfiles has; the tenant has "default"/,
            );
        });

        it(
            "export: a migrated tenant's profiles by key and targets' profiles round-trip with no change; a legacy tenant is " +
                "exported without the deprecated fields, saying so",
            async () => {
                seedMigrated();
                const inputs = {
                    method: "fido2",
                    state: "enabled",
                    passkeyProfiles: {
                        default: {
                            passkeyTypes: ["deviceBound"],
                            attestationEnforcement: "disabled",
                            keyRestrictions: { isEnforced: false, enforcementType: "block", aaGuids: [] },
                        },
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
                };
                await provider().create(await checked(inputs));
                let ctx = exportContext(clientsAs(emu, APPS.provider));
                let exported = (await exportMember(ctx)) as any;
                const f = exported.methods.fido2;
                assert.deepStrictEqual(f.passkeyProfiles, inputs.passkeyProfiles);
                assert.deepStrictEqual(
                    f.includeTargets.map((t: any) => [t.id, t.allowedPasskeyProfiles]),
                    [
                        ["all_users", ["default"]],
                        [ADMINS, ["Admins"]],
                    ],
                );
                assert.strictEqual(f.isAttestationEnforced, undefined);
                // The first run on the exported config writes nothing.
                const writes = fido2Writes().length;
                const c = await checked({ ...f, method: "fido2" });
                const r = await provider().create(c);
                assert.strictEqual(fido2Writes().length, writes, "nothing written");
                assert.deepStrictEqual(await provider().diff(r.id, (await provider().read(r.id, r.outs)).props, c), { changes: false });
                // A legacy tenant.
                seedLegacy();
                ctx = exportContext(clientsAs(emu, APPS.provider));
                exported = (await exportMember(ctx)) as any;
                assert.deepStrictEqual(Object.keys(exported.methods.fido2).sort(), [
                    "excludeTargets",
                    "includeTargets",
                    "isSelfServiceRegistrationAllowed",
                    "state",
                ]);
                assert.match(
                    ctx.warnings.join("\n"),
                    new RegExp(
                        String.raw`methods\.fido2: the tenant has not moved to passkey profiles \(isAttestationEnforced true\); ` +
                            "attestation and key restrictions were left out",
                    ),
                );
                const again = await checked({ ...exported.methods.fido2, method: "fido2" });
                const legacy = await provider().create(again);
                assert.strictEqual(fido2Writes().length, writes, "nothing written on the legacy tenant either");
                assert.strictEqual(fido2().passkeyProfiles, undefined, "still not migrated");
                assert.deepStrictEqual(await provider().diff(legacy.id, (await provider().read(legacy.id, legacy.outs)).props, again), {
                    changes: false,
                });
            },
        );

        it("the client conformance check (every suite's requests) refuses a body that carries isAttestationEnforced", () => {
            const sent = (body: unknown) =>
                problemsOf(
                    {
                        at: "",
                        method: "PATCH",
                        path: `/v1.0${FIDO2}`,
                        status: 204,
                        write: true,
                        query: "",
                        headers: { "content-type": "application/json" },
                        sentBody: body,
                    },
                    undefined,
                ).join("; ");
            assert.match(sent({ "@odata.type": FIDO2_TYPE, isAttestationEnforced: false }), /read-only property isAttestationEnforced/);
            assert.strictEqual(sent({ "@odata.type": FIDO2_TYPE, state: "enabled" }), "");
        });

        it("no request body the project's clients sent in this suite carries isAttestationEnforced", () => {
            const sent = projectRequests().filter((r) => r.sentBody !== undefined);
            assert.ok(fido2Writes().length >= 4, "the suite wrote FIDO2 through the provider");
            const carrying = sent.filter((r) => JSON.stringify(r.sentBody).includes("isAttestationEnforced"));
            assert.deepStrictEqual(
                carrying.map((r) => `${r.method} ${r.path}`),
                [],
            );
        });
    });
});
