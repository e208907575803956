/**
 * Fidelity: every body the providers send and every body the emulator answers, for the settings
 * implemented so far, uses only properties, types and enum values that Microsoft Graph has.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkBody } from "@m365-mfa/emulator";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { useEmulator } from "../support/emulatorSuite";
import { clientsAs, portal } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { SETTINGS } from "../../settings/providerSettings";
import { seedManagedPolicies } from "@m365-mfa/emulator";
import { AUTHENTICATION_METHODS_TYPES, driveAuthenticationMethods } from "../support/authenticationMethodsDrive";

describe("emulator: Graph schema conformance", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;

    useEmulator((e) => (emu = e), { recordBodies: true });

    it("the vendored schema is the one in ../shared/graph-schema", function () {
        const shared = path.resolve(__dirname, "..", "..", "..", "shared", "graph-schema");
        if (!fs.existsSync(shared)) {
            // CI always has shared/ beside the clone: there a missing copy is a failure, not a skip.
            assert.ok(!process.env.CI, `../shared/graph-schema is missing at ${shared}: CI must have shared/ beside the clone`);
            this.skip(); // a checkout outside the team workspace only
        }
        for (const f of ["v1.0.json", "beta.json"]) {
            assert.strictEqual(
                fs.readFileSync(path.join(__dirname, "..", "..", "emulator", "schema", f), "utf8"),
                fs.readFileSync(path.join(shared, f), "utf8"),
                `emulator/schema/${f} differs from shared/graph-schema/${f}`,
            );
        }
    });

    it("the checker catches what Graph does not have", () => {
        assert.deepStrictEqual(checkBody("v1.0", "identitySecurityDefaultsEnforcementPolicy", { isEnabled: true, id: "x" }), []);
        assert.deepStrictEqual(checkBody("v1.0", "identitySecurityDefaultsEnforcementPolicy", { enabled: true }), [
            "identitySecurityDefaultsEnforcementPolicy.enabled: no such property on identitySecurityDefaultsEnforcementPolicy",
        ]);
        assert.deepStrictEqual(checkBody("v1.0", "identitySecurityDefaultsEnforcementPolicy", { isEnabled: "yes" }), [
            "identitySecurityDefaultsEnforcementPolicy.isEnabled: expected a boolean",
        ]);
        assert.match(
            checkBody("v1.0", "authenticationMethodsPolicy", { policyMigrationState: "done" })[0],
            /not a member of authenticationMethodsPolicyMigrationState/,
        );
    });

    it("every setting's provider traffic conforms: requests and responses", async () => {
        await portal(emu).patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false });
        // Per-user MFA: resolve a group at check, write, read back (requirements bodies, beta).
        {
            const p = new SettingProvider(SETTINGS.PerUserMfa, { verifyDelayMs: 10 }, () => clientsAs(emu));
            const group = [...emu.directory().groups.values()][0];
            const checked = await p.check({}, { assignments: [{ state: "enforced", groups: [group.id] }] });
            const created = await p.create(checked.inputs);
            await p.read(created.id, created.outs);
        }
        // The authentication methods policy: every method and the policy, v1.0 and beta, created then changed.
        for (const type of AUTHENTICATION_METHODS_TYPES) {
            await driveAuthenticationMethods(type, new SettingProvider(SETTINGS[type], { verifyDelayMs: 10 }, () => clientsAs(emu)));
        }
        // User hygiene is an operation, not a readable setting: run it once for two users.
        {
            const p = new SettingProvider(SETTINGS.UserHygiene, { verifyDelayMs: 10 }, () => clientsAs(emu));
            const users = [...emu.directory().users.values()].filter((u) => u.methods.length && !u.breakGlass).slice(0, 2);
            const checked = await p.check(
                {},
                { users: users.map((u) => u.userPrincipalName), revokeSessions: true, requireReregistration: true, trigger: "conformance" },
            );
            await p.create(checked.inputs);
        }
        // The Conditional Access rollout guard needs the policy it guards (issue 24: policy, mode, display
        // name and break-glass accounts are required): checked against the tenant, created, read back.
        {
            const p = new SettingProvider(SETTINGS.ConditionalAccessRollout, { verifyDelayMs: 10 }, () => clientsAs(emu));
            const breakGlass = [...emu.directory().users.values()].filter((u) => u.breakGlass).map((u) => u.userPrincipalName);
            const checked = await p.check(
                {},
                {
                    policy: "phishingResistantAdmins",
                    mode: "reportOnly",
                    displayName: "Require phishing-resistant MFA for administrators",
                    breakGlassAccounts: breakGlass,
                    readiness: { mode: "off" },
                },
            );
            assert.deepStrictEqual(checked.failures ?? [], []);
            const created = await p.create(checked.inputs);
            await p.read(created.id, created.outs);
        }
        // A Microsoft-managed Conditional Access policy (issue 24) is named by its display name: adopted as
        // it is, switched to report-only, read back (only state and exclusions are PATCHed).
        {
            const p = new SettingProvider(SETTINGS.ManagedConditionalAccessPolicy, { verifyDelayMs: 10 }, () => clientsAs(emu));
            const managed = seedManagedPolicies(emu.store, emu.defaultTenant())[0];
            const breakGlass = [...emu.directory().users.values()].filter((u) => u.breakGlass).map((u) => u.userPrincipalName);
            const base = {
                policy: managed.displayName,
                excludeUsers: [],
                excludeGroups: [],
                breakGlassAccounts: breakGlass,
                configKey: "m365-mfa:baseline.managedPolicies[0]",
            };
            const adopted = await p.check(
                {},
                { ...base, mode: managed.state === "enabled" ? "on" : managed.state === "disabled" ? "off" : "reportOnly" },
            );
            assert.deepStrictEqual(adopted.failures ?? [], []);
            const created = await p.create(adopted.inputs);
            const changed = await p.check(adopted.inputs, { ...base, mode: managed.state === "disabled" ? "reportOnly" : "off" });
            if (!changed.failures?.length) await p.update(created.id, created.outs, changed.inputs);
            await p.read(created.id, created.outs);
        }
        // AuthenticationPolicy manages a named object and MailboxProtocols needs defaults, plans or
        // exceptions: a read with no recorded inputs has nothing to read (their traffic is Exchange's,
        // covered by tests/emulator/authenticationPolicy.test.ts and mailboxProtocols.test.ts).
        const named = [
            "PerUserMfa",
            "AuthenticationPolicy",
            "MailboxProtocols",
            "UserHygiene",
            "ConditionalAccessRollout",
            "ManagedConditionalAccessPolicy",
        ];
        for (const setting of Object.values(SETTINGS).filter(
            (s) => !named.includes(s.type) && !AUTHENTICATION_METHODS_TYPES.includes(s.type),
        )) {
            const p = new SettingProvider(setting, { verifyDelayMs: 10 }, () => clientsAs(emu));
            const live = (await p.read("id")).inputs!;
            // Flip every boolean to force a write, then read again.
            const flipped = Object.fromEntries(Object.entries(live).map(([k, v]) => [k, typeof v === "boolean" ? !v : v]));
            await p.update("id", live, flipped);
            await p.read("id");
        }
        const checked = emu.requests.filter((r) => r.entity);
        assert.ok(checked.some((r) => r.method === "PATCH") && checked.some((r) => r.method === "GET"));
        const problems = checked.flatMap((r) => [
            ...(r.requestBody !== undefined ? checkBody(r.version!, r.entity!, r.requestBody, `${r.method} ${r.path} request`) : []),
            ...(r.responseBody !== undefined ? checkBody(r.version!, r.entity!, r.responseBody, `${r.method} ${r.path} response`) : []),
        ]);
        assert.deepStrictEqual(problems, []);
    });
});
