/**
 * The emulator's authentication methods policy, called as Graph is called (no provider): shapes and
 * status codes, @odata.type on method PATCHes, ranges, the reversible migration, number matching refused,
 * v1.0/beta differences, permissions, persistence, and Graph schema conformance of every body.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { GraphClient, TenantApiError } from "../../client";
import { METHOD_IDS } from "@m365-mfa/emulator";
import { checkBody } from "@m365-mfa/emulator";
import { type RunningEmulator, startEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs, portal, startTrustedEmulator } from "../../harness/tenant";

const POLICY = "/policies/authenticationMethodsPolicy";
const CONFIGS = `${POLICY}/authenticationMethodConfigurations`;
const GROUP = "6f1d3b8e-2c4a-4e0f-9a7b-1c2d3e4f5a6b";

/** The target types of each method's includeTargets (navigation properties, so not in the vendored schema). */
const TARGET_PROPS: Record<string, string[]> = {
    microsoftAuthenticator: ["id", "targetType", "isRegistrationRequired", "authenticationMode"],
    sms: ["id", "targetType", "isRegistrationRequired", "isUsableForSignIn"],
    // A new tenant is on passkey profiles (migrated automatically; emulator/graph/authenticationMethodsPolicy.ts).
    fido2: ["id", "targetType", "isRegistrationRequired", "allowedPasskeyProfiles"],
};

describe("emulator: authentication methods policy (Graph routes)", function () {
    this.timeout(60_000);
    let tmp: string;
    let emu: RunningEmulator;
    let admin: GraphClient;

    const policy = () => emu.defaultTenant().authenticationMethodsPolicy;
    /** Runs a call that must fail and returns Graph's status and message. */
    const refused = async (call: Promise<unknown>, status: number, message?: RegExp) => {
        await assert.rejects(call, (err: TenantApiError) => {
            assert.strictEqual(err.status, status, err.message);
            if (message) {
                assert.match(err.message, message);
            }
            return true;
        });
    };
    const setMigration = (s: "preMigration" | "migrationInProgress" | "migrationComplete" | null) =>
        emu.store.mutate(() => {
            policy().policyMigrationState = s;
        });

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-amp-"));
        emu = await startTrustedEmulator({ stateDir: tmp, recordBodies: true });
        admin = portal(emu);
    });
    after(async () => {
        await emu.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("GET the policy: a new tenant's policy, with the method configurations inline", async () => {
        const p = await admin.get(POLICY);
        assert.strictEqual(p.id, "authenticationMethodsPolicy");
        assert.strictEqual(p.policyVersion, "1.5");
        assert.strictEqual(p.policyMigrationState, null);
        assert.ok(!Number.isNaN(Date.parse(p.lastModifiedDateTime)));
        assert.deepStrictEqual(p.registrationEnforcement.authenticationMethodsRegistrationCampaign, {
            snoozeDurationInDays: 1,
            state: "default",
            excludeTargets: [],
            includeTargets: [{ id: "all_users", targetType: "group", targetedAuthenticationMethod: "microsoftAuthenticator" }],
        });
        assert.strictEqual(p.systemCredentialPreferences, undefined, "v1.0 has no systemCredentialPreferences");
        assert.deepStrictEqual(
            p.authenticationMethodConfigurations.map((c: any) => c.id),
            [
                "MicrosoftAuthenticator",
                "Sms",
                "Voice",
                "Fido2",
                "SoftwareOath",
                "TemporaryAccessPass",
                "Email",
                "X509Certificate",
                "qrCodePin",
            ],
        );
        assert.ok(!JSON.stringify(p).includes("HardwareOath"), "hardware OATH is beta only");
        const beta = await admin.get(POLICY, { version: "beta" });
        assert.deepStrictEqual(beta.systemCredentialPreferences, {
            state: "default",
            includeTargets: [{ id: "all_users", targetType: "group" }],
            excludeTargets: [],
        });
        assert.strictEqual(
            beta.registrationEnforcement.authenticationMethodsRegistrationCampaign.enforceRegistrationAfterAllowedSnoozes,
            true,
        );
    });

    it("GET each configuration by id (case-insensitive), with its derived type and its own target type", async () => {
        const list = await admin.get(CONFIGS);
        assert.strictEqual(list.value.length, METHOD_IDS.length - 1, "all but hardware OATH (beta only)");
        assert.strictEqual(
            (await admin.get(CONFIGS, { version: "beta" })).value.length,
            METHOD_IDS.length - 1,
            "all but QR code (not in the vendored beta schema)",
        );
        for (const id of METHOD_IDS) {
            const c = await admin.get(`${CONFIGS}/${id}`, { version: id === "hardwareOath" ? "beta" : "v1.0" });
            assert.match(c["@odata.type"], new RegExp(`^#microsoft\\.graph\\.${id}AuthenticationMethodConfiguration$`, "i"));
            for (const t of c.includeTargets) {
                assert.deepStrictEqual(
                    Object.keys(t).sort(),
                    (TARGET_PROPS[id] ?? ["id", "targetType", "isRegistrationRequired"]).slice().sort(),
                    `${id} target`,
                );
            }
        }
        assert.strictEqual((await admin.get(`${CONFIGS}/SMS`)).id, "Sms");
        await refused(admin.get(`${CONFIGS}/carrierPigeon`), 404);
        const v1 = await admin.get(`${CONFIGS}/microsoftAuthenticator`);
        assert.deepStrictEqual(Object.keys(v1.featureSettings).sort(), [
            "displayAppInformationRequiredState",
            "displayLocationInformationRequiredState",
        ]);
        const beta = await admin.get(`${CONFIGS}/microsoftAuthenticator`, { version: "beta" });
        assert.ok(beta.featureSettings.companionAppAllowedState, "beta has companionAppAllowedState");
        // Beta still reports number matching (beta schema; Microsoft365DSC#3406), v1.0 does not.
        assert.strictEqual(beta.featureSettings.numberMatchingRequiredState.state, "enabled");
        assert.deepStrictEqual(checkBody("beta", "microsoftAuthenticatorFeatureSettings", beta.featureSettings), []);
        assert.strictEqual(v1.featureSettings.numberMatchingRequiredState, undefined);
        assert.ok((await admin.get(`${CONFIGS}/x509Certificate`)).crlValidationConfiguration, "v1.0 x509 has crlValidationConfiguration");
        assert.strictEqual((await admin.get(`${CONFIGS}/x509Certificate`, { version: "beta" })).crlValidationConfiguration, undefined);
    });

    it("PATCH a configuration needs the matching @odata.type and answers 204", async () => {
        await refused(admin.patch(`${CONFIGS}/sms`, { state: "enabled" }), 400, /@odata\.type/);
        await refused(
            admin.patch(`${CONFIGS}/sms`, { "@odata.type": "#microsoft.graph.voiceAuthenticationMethodConfiguration", state: "enabled" }),
            400,
            /does not match the authentication method configuration 'Sms'/,
        );
        assert.strictEqual(policy().methods.sms.state, "disabled", "nothing written");
        const before = policy().lastModifiedDateTime;
        await new Promise((r) => setTimeout(r, 5));
        const answer = await admin.patch(`${CONFIGS}/sms`, {
            "@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration",
            state: "enabled",
            includeTargets: [{ id: GROUP, targetType: "group", isUsableForSignIn: false }],
        });
        assert.ok(answer === undefined || answer === null || answer === "", `204 has no body (got ${JSON.stringify(answer)})`);
        assert.strictEqual(emu.requests.at(-1)!.status, 204);
        const sms = await admin.get(`${CONFIGS}/sms`);
        assert.strictEqual(sms.state, "enabled");
        assert.deepStrictEqual(sms.includeTargets, [
            { targetType: "group", id: GROUP, isRegistrationRequired: false, isUsableForSignIn: false },
        ]);
        assert.ok(policy().lastModifiedDateTime > before, "lastModifiedDateTime moves on change");
    });

    it("refuses unknown properties, wrong types and enum values, and applies nothing of a refused body", async () => {
        const sms = "#microsoft.graph.smsAuthenticationMethodConfiguration";
        const before = JSON.stringify(policy().methods.sms);
        await refused(admin.patch(`${CONFIGS}/sms`, { "@odata.type": sms, state: "on" }), 400, /Requested value 'on' was not found/);
        await refused(
            admin.patch(`${CONFIGS}/sms`, { "@odata.type": sms, state: "disabled", isOfficePhoneAllowed: true }),
            400,
            /property 'isOfficePhoneAllowed' does not exist on type 'microsoft\.graph\.smsAuthenticationMethodConfiguration'/,
        );
        await refused(
            admin.patch(`${CONFIGS}/sms`, { "@odata.type": sms, includeTargets: [{ id: GROUP, targetType: "team" }] }),
            400,
            /Requested value 'team'/,
        );
        await refused(
            admin.patch(`${CONFIGS}/sms`, {
                "@odata.type": sms,
                includeTargets: [{ id: GROUP, targetType: "group", authenticationMode: "push" }],
            }),
            400,
            /authenticationMode' does not exist on type 'microsoft\.graph\.smsAuthenticationMethodTarget'/,
        );
        await refused(
            admin.patch(`${CONFIGS}/sms`, {
                "@odata.type": sms,
                includeTargets: [
                    { id: GROUP, targetType: "group" },
                    { id: GROUP.toUpperCase(), targetType: "group" },
                ],
            }),
            400,
            /more than once/,
        );
        await refused(
            admin.patch(`${CONFIGS}/voice`, {
                "@odata.type": "#microsoft.graph.voiceAuthenticationMethodConfiguration",
                isOfficePhoneAllowed: "yes",
            }),
            400,
            /Edm\.Boolean/,
        );
        assert.strictEqual(JSON.stringify(policy().methods.sms), before);
    });

    it("Temporary Access Pass: lengths 8-48, lifetimes 10-43200 minutes that nest (minimum <= default <= maximum)", async () => {
        const tap = (body: Record<string, unknown>) =>
            admin.patch(`${CONFIGS}/temporaryAccessPass`, {
                "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
                ...body,
            });
        await refused(tap({ defaultLength: 7 }), 400, /defaultLength must be between 8 and 48/);
        await refused(tap({ defaultLength: 49 }), 400, /defaultLength/);
        await refused(tap({ maximumLifetimeInMinutes: 43201 }), 400, /maximumLifetimeInMinutes must be between 10 and 43200/);
        await refused(tap({ minimumLifetimeInMinutes: 9 }), 400, /minimumLifetimeInMinutes/);
        await refused(
            tap({ defaultLifetimeInMinutes: 30 }),
            400,
            /defaultLifetimeInMinutes \(30\) must be between minimumLifetimeInMinutes \(60\) and maximumLifetimeInMinutes \(480\)/,
        );
        await refused(tap({ minimumLifetimeInMinutes: 600 }), 400, /must not be greater than maximumLifetimeInMinutes/);
        await refused(tap({ defaultLength: 12.5 }), 400, /Edm\.Int32/);
        await tap({
            minimumLifetimeInMinutes: 10,
            defaultLifetimeInMinutes: 30,
            maximumLifetimeInMinutes: 43200,
            defaultLength: 48,
            isUsableOnce: true,
        });
        const c = await admin.get(`${CONFIGS}/temporaryAccessPass`);
        assert.deepStrictEqual(
            [c.minimumLifetimeInMinutes, c.defaultLifetimeInMinutes, c.maximumLifetimeInMinutes, c.defaultLength, c.isUsableOnce],
            [10, 30, 43200, 48, true],
        );
    });

    it(
        "Microsoft Authenticator: feature settings merge; number matching is refused (v1.0: no such property, beta: not " + "configurable)",
        async () => {
            const type = "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration";
            await admin.patch(`${CONFIGS}/microsoftAuthenticator`, {
                "@odata.type": type,
                featureSettings: {
                    displayAppInformationRequiredState: { state: "enabled", includeTarget: { id: GROUP, targetType: "group" } },
                },
            });
            const c = await admin.get(`${CONFIGS}/microsoftAuthenticator`);
            assert.deepStrictEqual(c.featureSettings.displayAppInformationRequiredState, {
                state: "enabled",
                includeTarget: { id: GROUP, targetType: "group" },
                excludeTarget: { id: "00000000-0000-0000-0000-000000000000", targetType: "group" },
            });
            assert.strictEqual(c.featureSettings.displayLocationInformationRequiredState.state, "default", "other features untouched");
            const numberMatching = { featureSettings: { numberMatchingRequiredState: { state: "enabled" } } };
            await refused(
                admin.patch(`${CONFIGS}/microsoftAuthenticator`, { "@odata.type": type, ...numberMatching }),
                400,
                /numberMatchingRequiredState' does not exist on type 'microsoft\.graph\.microsoftAuthenticatorFeatureSettings'/,
            );
            await refused(
                admin.patch(`${CONFIGS}/microsoftAuthenticator`, { "@odata.type": type, ...numberMatching }, { version: "beta" }),
                400,
                /Number matching is enabled for all users/,
            );
            // A read-modify-write that sends back what beta read (number matching included) is refused too.
            const read = await admin.get(`${CONFIGS}/microsoftAuthenticator`, { version: "beta" });
            await refused(
                admin.patch(
                    `${CONFIGS}/microsoftAuthenticator`,
                    { "@odata.type": type, featureSettings: read.featureSettings },
                    { version: "beta" },
                ),
                400,
                /Remove numberMatchingRequiredState from featureSettings/,
            );
            await refused(
                admin.patch(`${CONFIGS}/microsoftAuthenticator`, {
                    "@odata.type": type,
                    featureSettings: { companionAppAllowedState: { state: "disabled" } },
                }),
                400,
                /companionAppAllowedState' does not exist/,
            );
            await admin.patch(
                `${CONFIGS}/microsoftAuthenticator`,
                { "@odata.type": type, featureSettings: { companionAppAllowedState: { state: "disabled" } } },
                { version: "beta" },
            );
            assert.strictEqual(
                (await admin.get(`${CONFIGS}/microsoftAuthenticator`, { version: "beta" })).featureSettings.companionAppAllowedState.state,
                "disabled",
            );
            await refused(
                admin.patch(`${CONFIGS}/microsoftAuthenticator`, {
                    "@odata.type": type,
                    featureSettings: { displayAppInformationRequiredState: { state: "always" } },
                }),
                400,
                /Requested value 'always'/,
            );
        },
    );

    it("properties the emulator does not model itself are checked against Graph's schema and kept", async () => {
        const type = "#microsoft.graph.fido2AuthenticationMethodConfiguration";
        // A tenant still on the legacy FIDO2 shape (FIDO2 configured, so not migrated automatically).
        const f = policy().methods.fido2 as any;
        Object.assign(f, { state: "enabled", passkeyProfiles: undefined, defaultPasskeyProfile: undefined });
        f.includeTargets.forEach((t: any) => {
            delete t.allowedPasskeyProfiles;
        });
        await admin.patch(`${CONFIGS}/fido2`, {
            "@odata.type": type,
            keyRestrictions: { isEnforced: true, enforcementType: "allow", aaGuids: ["cb69481e-8ff7-4039-93ec-0a2729a154a8"] },
        });
        assert.strictEqual((await admin.get(`${CONFIGS}/fido2`)).keyRestrictions.enforcementType, "allow");
        await refused(
            admin.patch(`${CONFIGS}/fido2`, { "@odata.type": type, keyRestrictions: { enforcementType: "maybe" } }),
            400,
            /not a member of fido2RestrictionEnforcementType/,
        );
    });

    it("PATCH the policy answers 200 with the policy; the campaign's ranges and targets are checked", async () => {
        const campaign = (c: Record<string, unknown>) =>
            admin.patch(POLICY, { registrationEnforcement: { authenticationMethodsRegistrationCampaign: c } });
        const answer = await campaign({ state: "enabled", snoozeDurationInDays: 14, excludeTargets: [{ id: GROUP, targetType: "group" }] });
        assert.strictEqual(emu.requests.at(-1)!.status, 200);
        assert.strictEqual(answer.id, "authenticationMethodsPolicy");
        assert.deepStrictEqual(answer.registrationEnforcement.authenticationMethodsRegistrationCampaign, {
            snoozeDurationInDays: 14,
            state: "enabled",
            excludeTargets: [{ id: GROUP, targetType: "group" }],
            includeTargets: [{ id: "all_users", targetType: "group", targetedAuthenticationMethod: "microsoftAuthenticator" }],
        });
        await refused(campaign({ snoozeDurationInDays: 15 }), 400, /snoozeDurationInDays must be between 0 and 14/);
        await refused(campaign({ snoozeDurationInDays: -1 }), 400, /snoozeDurationInDays/);
        await refused(
            campaign({ includeTargets: [{ id: "all_users", targetType: "group", targetedAuthenticationMethod: "sms" }] }),
            400,
            /can only target microsoftAuthenticator/,
        );
        await refused(campaign({ state: "on" }), 400, /Requested value 'on'/);
        await refused(admin.patch(POLICY, { policyVersion: "2.0" }), 400, /read-only/);
        await refused(admin.patch(POLICY, { lastModifiedDateTime: new Date().toISOString() }), 400, /read-only/);
        await refused(
            admin.patch(POLICY, { systemCredentialPreferences: { state: "enabled" } }),
            400,
            /systemCredentialPreferences' does not exist on type 'microsoft\.graph\.authenticationMethodsPolicy'/,
        );
        const beta = await admin.patch(
            POLICY,
            { systemCredentialPreferences: { state: "enabled", excludeTargets: [{ id: GROUP, targetType: "group" }] } },
            { version: "beta" },
        );
        assert.strictEqual(beta.systemCredentialPreferences.state, "enabled");
        assert.deepStrictEqual(policy().systemCredentialPreferences.excludeTargets, [{ id: GROUP, targetType: "group" }]);
    });

    it("policyMigrationState moves either way, as Microsoft documents the migration as reversible; only its three values", async () => {
        // learn.microsoft.com entra/identity/authentication/how-to-authentication-methods-manage: "fully reversible".
        setMigration(null);
        for (const step of [
            "preMigration",
            "migrationInProgress",
            "migrationComplete",
            "migrationInProgress",
            "preMigration",
            "migrationComplete",
        ]) {
            const r = await admin.patch(POLICY, { policyMigrationState: step });
            assert.strictEqual(r.policyMigrationState, step);
            assert.strictEqual(policy().policyMigrationState, step);
        }
        await admin.patch(POLICY, { policyMigrationState: "migrationComplete" }); // staying is fine
        await refused(admin.patch(POLICY, { policyMigrationState: "done" }), 400, /Requested value 'done'/);
        await refused(admin.patch(POLICY, { policyMigrationState: null }), 400, /Requested value 'null'/);
        assert.strictEqual(policy().policyMigrationState, "migrationComplete");
    });

    it("permissions: policy-reader reads but every write is 403; an app without policy permissions cannot read", async () => {
        const reader = clientsAs(emu, APPS.reader).graph;
        await reader.get(POLICY);
        await reader.get(`${CONFIGS}/sms`);
        const before = JSON.stringify(policy());
        await refused(reader.patch(POLICY, { policyMigrationState: "migrationComplete" }), 403, /Authorization_RequestDenied/);
        await refused(
            reader.patch(`${CONFIGS}/sms`, { "@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", state: "disabled" }),
            403,
            /Authorization_RequestDenied/,
        );
        await refused(reader.patch(POLICY, { systemCredentialPreferences: { state: "disabled" } }, { version: "beta" }), 403);
        assert.strictEqual(JSON.stringify(policy()), before);
        emu.store.mutate(() => {
            emu.app(APPS.reader).graphRoles = [];
        });
        try {
            await refused(clientsAs(emu, APPS.reader).graph.get(POLICY), 403);
        } finally {
            emu.store.mutate(() => {
                emu.app(APPS.reader).graphRoles = ["Policy.Read.All"];
            });
        }
    });

    it("every request and response body conforms to Graph's schema", () => {
        const checked = emu.requests.filter(
            (r) => r.entity && r.path.includes("authenticationMethodsPolicy") && typeof r.status === "number" && r.status < 300,
        );
        assert.ok(checked.some((r) => r.method === "PATCH" && r.path.endsWith("/sms")));
        assert.ok(checked.some((r) => r.method === "GET" && r.path.endsWith("/authenticationMethodConfigurations")));
        const problems = checked.flatMap((r) => [
            ...(r.requestBody !== undefined ? checkBody(r.version!, r.entity!, r.requestBody, `${r.method} ${r.path} request`) : []),
            ...(r.responseBody !== undefined ? checkBody(r.version!, r.entity!, r.responseBody, `${r.method} ${r.path} response`) : []),
        ]);
        assert.deepStrictEqual(problems, []);
    });

    it(
        "the policy persists across a restart, and a state file from " + "before the policy was emulated gets a new tenant's policy",
        async () => {
            const want = JSON.stringify(policy());
            await emu.stop();
            emu = await startTrustedEmulator({ stateDir: tmp, recordBodies: true });
            assert.strictEqual(JSON.stringify(emu.defaultTenant().authenticationMethodsPolicy), want);
            admin = portal(emu);

            const old = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-amp-old-"));
            try {
                const first = await startEmulator({ stateDir: old });
                await first.stop();
                const file = path.join(old, "tenants.json");
                const state = JSON.parse(fs.readFileSync(file, "utf8"));
                for (const t of Object.values<any>(state.tenants)) {
                    delete t.authenticationMethodsPolicy;
                }
                fs.writeFileSync(file, JSON.stringify(state));
                const second = await startEmulator({ stateDir: old });
                try {
                    assert.strictEqual(second.defaultTenant().authenticationMethodsPolicy.methods.microsoftAuthenticator.state, "enabled");
                    assert.strictEqual(second.defaultTenant().authenticationMethodsPolicy.policyMigrationState, null);
                } finally {
                    await second.stop();
                }
            } finally {
                fs.rmSync(old, { recursive: true, force: true });
            }
        },
    );
});
