/**
 * A refresh (the provider's read) of a tenant nobody changed returns the inputs the plan recorded,
 * unchanged: the inputs that are not the tenant's (what replaces security defaults, the confirmations,
 * the tenant as read at preview, the mailboxes resolved at preview) are carried over, so
 * `pulumi refresh --expect-no-changes` passes on an untouched tenant and a portal change shows only
 * the field that drifted. (The engine test is settings/securityDefaults/securityDefaults.engine.test.ts.)
 */
import * as assert from "node:assert";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { useEmulator } from "../support/emulatorSuite";
import { clientsAs, portal } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { SETTINGS } from "../../settings/providerSettings";
import { securityDefaultsOffConfirmation } from "../../settings/securityDefaults/setting";

describe("emulator: a refresh of an unchanged tenant keeps the recorded inputs", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    useEmulator((e) => (emu = e));

    const provider = (type: string) => new SettingProvider(SETTINGS[type], { verifyDelayMs: 10 }, () => clientsAs(emu));
    /** check, create, then read back as a refresh does: the inputs it returns are the ones created with. */
    const refreshed = async (type: string, inputs: Record<string, unknown>) => {
        const p = provider(type);
        const checked = await p.check({}, inputs);
        assert.deepStrictEqual(checked.failures ?? [], [], type);
        const created = await p.create(checked.inputs);
        const read = await p.read(created.id, created.outs);
        return { checked: checked.inputs, read };
    };

    it(
        "security defaults: replacement, confirm and tenantAtPreview " + "are carried over; a portal change shows as isEnabled only",
        async () => {
            await portal(emu).patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: true });
            const replacement = { requiresMfa: false, blocksLegacy: false };
            const confirm = [securityDefaultsOffConfirmation(replacement)!];
            const { checked, read } = await refreshed("SecurityDefaults", { isEnabled: false, replacement, confirm });
            assert.deepStrictEqual(checked.tenantAtPreview, { isEnabled: true }, "sanity: the plan recorded the tenant at preview");
            assert.deepStrictEqual(read.inputs, checked);
            await portal(emu).patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: true });
            const drifted = await provider("SecurityDefaults").read(read.id!, read.props);
            assert.deepStrictEqual(drifted.inputs, { ...checked, isEnabled: true });
        },
    );

    it("SMTP AUTH: the mailboxes resolved and the tenant at preview are carried over", async () => {
        const mailbox = emu.defaultTenant().exchange.mailboxes.find((m: any) => m.primarySmtpAddress)!.primarySmtpAddress;
        const { checked, read } = await refreshed("SmtpAuth", { disabledForOrganization: true, exceptions: [mailbox] });
        assert.ok(checked.tenantAtPreview, "sanity: the plan recorded the tenant at preview");
        assert.deepStrictEqual(read.inputs, checked);
    });

    it("per-user MFA: what the plan read at preview (planned, plannedFrom) is carried over", async () => {
        const users = [...emu.directory().users.values()].filter((u) => !u.breakGlass && u.userType === "Member").slice(0, 2);
        for (const u of users) emu.directory().updateUser(u.id, { perUserMfaState: "disabled" });
        const breakGlass = [...emu.directory().users.values()].filter((u) => u.breakGlass).map((u) => u.userPrincipalName);
        const { checked, read } = await refreshed("PerUserMfa", {
            assignments: [{ state: "enabled", users: users.map((u) => u.userPrincipalName) }],
            excludeUsers: breakGlass,
            guards: { maxUserChangeShare: 1 },
            readiness: { mode: "off" },
        });
        assert.ok(checked.plannedFrom, "sanity: the plan recorded the users' states at preview");
        assert.deepStrictEqual(read.inputs, checked);
    });

    it("Exchange authentication policy: the tenant at preview is carried over", async () => {
        const { checked, read } = await refreshed("AuthenticationPolicy", {
            name: "Refresh keeps inputs",
            allowBasicAuth: { Smtp: true },
            organizationDefault: true,
        });
        assert.ok(checked.tenantAtPreview, "sanity: the plan recorded the tenant at preview");
        assert.deepStrictEqual(read.inputs, checked);
    });
});
