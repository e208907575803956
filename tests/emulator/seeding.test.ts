/**
 * Seeding a realistic tenant: users with a mix of registered methods, admins, break-glass accounts,
 * guests, a mailbox for every member, and legacy-protocol sign-ins, deterministic from a seed.
 */
import * as assert from "node:assert";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { useEmulator } from "../support/emulatorSuite";
import { clientsAs } from "../../harness/tenant";

describe("emulator: seeding a tenant", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    useEmulator(
        (e) => (emu = e),
        {},
        (e) => e.store.seedTenant(e.defaultTenant().tenantId, 3000, 42),
    );

    it("makes the documented mix, deterministically", async () => {
        const users = [...emu.directory().users.values()];
        assert.strictEqual(users.length, 3000);
        const share = (f: (u: (typeof users)[0]) => boolean) => users.filter(f).length / users.length;
        assert.ok(share((u) => u.methods.length > 0) > 0.6 && share((u) => u.methods.length > 0) < 0.8, "about 70% registered");
        assert.ok(share((u) => u.userType === "Guest") > 0.01, "some guests");
        assert.strictEqual(users.filter((u) => u.breakGlass).length, 2);
        assert.ok(users.filter((u) => u.roles.includes("Global Administrator")).length > 2, "admins besides break-glass");
        const legacy = emu
            .directory()
            .signIns()
            .filter((s) => !s.isInteractive);
        assert.ok(legacy.length > 100, `${legacy.length} legacy sign-ins`);
        const first = users.slice(0, 5).map((u) => u.userPrincipalName);
        emu.store.seedTenant(emu.defaultTenant().tenantId, 3000, 42);
        assert.deepStrictEqual(
            [...emu.directory().users.values()].slice(0, 5).map((u) => u.userPrincipalName),
            first,
            "same seed, same tenant",
        );
    });

    it("gives every member a mailbox that Exchange finds by UPN, once, even when seeded again", async () => {
        const members = [...emu.directory().users.values()].filter((u) => u.userType === "Member");
        const exo = clientsAs(emu).exchange;
        const all = await exo.invoke("Get-Mailbox", { ResultSize: "Unlimited" });
        assert.strictEqual(
            all.filter((m: any) => m.RecipientTypeDetails === "UserMailbox").length,
            members.length + 5,
            "members plus the five sample user mailboxes",
        );
        const cas = await exo.invoke("Get-CASMailbox", { Identity: members[10].userPrincipalName });
        assert.strictEqual(cas[0].SmtpClientAuthenticationDisabled, null);
        await exo.invoke("Set-CASMailbox", { Identity: members[10].userPrincipalName, SmtpClientAuthenticationDisabled: false });
        assert.strictEqual(
            (await exo.invoke("Get-CASMailbox", { Identity: members[10].userPrincipalName }))[0].SmtpClientAuthenticationDisabled,
            false,
        );
    });
});
