/**
 * Per-user MFA states as Microsoft describes them (entra-docs docs/identity/authentication/
 * howto-mfa-userstates.md):
 * - "Administrators may move users between states, including from Enforced to Enabled or Disabled";
 * - "Users who complete registration while in the Enabled state are automatically moved to the
 *   Enforced state";
 * - "If per-user MFA is re-enabled on a user and the user doesn't re-register, their MFA state doesn't
 *   transition from Enabled to Enforced ... The administrator must move the user directly to Enforced."
 */
import * as assert from "node:assert";
import type { RunningEmulator } from "../server";
import { rawGraph, useEmulator } from "./support";

describe("emulator: per-user MFA states (howto-mfa-userstates.md)", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    useEmulator((e) => (emu = e), { throttling: { enabled: false } });

    const registered = () =>
        [...emu.directory().users.values()].filter((u) => u.methods.length > 0 && !u.breakGlass && u.userType !== "Guest");
    const unregistered = () =>
        [...emu.directory().users.values()].filter((u) => u.methods.length === 0 && !u.breakGlass && u.userType !== "Guest");
    const state = async (id: string) =>
        (await rawGraph(emu, "GET", `/users/${id}/authentication/requirements`, undefined, undefined, "beta")).body.perUserMfaState;
    const set = async (id: string, perUserMfaState: string) => {
        const r = await rawGraph(emu, "PATCH", `/users/${id}/authentication/requirements`, { perUserMfaState }, undefined, "beta");
        assert.strictEqual(r.status, 204, JSON.stringify(r.body));
    };
    const register = async (id: string) => {
        const res = await fetch(`${emu.origin}/_emulator/users/${id}/methods`, {
            method: "POST",
            headers: { "x-emulator-admin-key": emu.store.adminKey },
            body: "{}",
        });
        assert.strictEqual(res.status, 200);
    };

    it("an administrator sets Enabled for a user who registered long ago: the state is Enabled, not Enforced", async () => {
        const u = registered()[0];
        await set(u.id, "disabled");
        await set(u.id, "enabled");
        assert.strictEqual(await state(u.id), "enabled");
    });

    it("an administrator moves a user from Enforced to Enabled, and to Disabled", async () => {
        const u = registered()[1];
        await set(u.id, "enforced");
        assert.strictEqual(await state(u.id), "enforced");
        await set(u.id, "enabled");
        assert.strictEqual(await state(u.id), "enabled");
        await set(u.id, "disabled");
        assert.strictEqual(await state(u.id), "disabled");
    });

    it("a user who completes registration while Enabled is moved to Enforced; a Disabled one stays Disabled", async () => {
        const [a, b] = unregistered();
        await set(a.id, "enabled");
        await set(b.id, "disabled");
        await register(a.id);
        await register(b.id);
        assert.strictEqual(await state(a.id), "enforced");
        assert.strictEqual(await state(b.id), "disabled");
    });

    it("a re-enabled user who does not re-register stays Enabled until the administrator sets Enforced", async () => {
        const u = unregistered()[2];
        await set(u.id, "enabled");
        await register(u.id);
        assert.strictEqual(await state(u.id), "enforced");
        await set(u.id, "disabled");
        await set(u.id, "enabled");
        assert.strictEqual(await state(u.id), "enabled", "re-enabled, no new registration");
        await set(u.id, "enforced");
        assert.strictEqual(await state(u.id), "enforced");
    });
});
