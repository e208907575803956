/**
 * The UserHygiene provider against the emulator: users resolved at check (the preview lists them),
 * the operation runs on create and once per trigger value (never on an up that keeps the trigger, never
 * on refresh), a new trigger or a new user runs again, unknown users fail at check with nothing written,
 * a partial failure names who was not done and a rerun converges, faults converge, permissions are
 * checked before the first write.
 */
import * as assert from "node:assert";
import type { UserRecord } from "@m365-mfa/emulator";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { useEmulator } from "../../tests/support/emulatorSuite";
import { clientsAs } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { userHygiene } from "./setting";
import { addApp } from "../../tests/support/rawGraph";

describe("emulator: user hygiene provider", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    const provider = (app?: string, overrides: Record<string, string> = {}) =>
        new SettingProvider(userHygiene, { verifyDelayMs: 20 }, () => clientsAs(emu, app, overrides));
    const dir = () => emu.directory();
    const used = new Set<string>();
    /** Members no other test used, each with the methods given. */
    const usersWith = (...methods: string[][]): UserRecord[] =>
        methods.map((m) => {
            const u = [...dir().users.values()].find((x) => x.userType === "Member" && !x.breakGlass && !used.has(x.id))!;
            used.add(u.id);
            dir().updateUser(u.id, { methods: m, signInSessionsValidFromDateTime: undefined });
            return dir().user(u.id)!;
        });
    const upn = (u: UserRecord) => u.userPrincipalName.toLowerCase();
    const mark = () => emu.requests.length;
    const since = (at: number) => emu.requests.slice(at);
    const deletes = (at: number) =>
        since(at).filter((r) => r.method === "DELETE" && r.path.includes("/authentication/") && r.status === 204);
    const revokes = (at: number) =>
        since(at).filter((r) => r.method === "POST" && r.path.endsWith("/revokeSignInSessions") && r.status === 200);
    const writes = (at: number) => since(at).filter((r) => r.write);
    const revokedAt = (u: UserRecord) => dir().user(u.id)!.signInSessionsValidFromDateTime;
    const register = (u: UserRecord, methods: string[]) => dir().updateUser(u.id, { methods });
    const inputs = (users: string[], trigger: string, extra: Record<string, unknown> = {}) => ({
        users,
        revokeSessions: true,
        requireReregistration: true,
        trigger,
        ...extra,
    });

    useEmulator(
        (e) => (emu = e),
        {},
        async () => {
            dir().seed(120, 11);
        },
    );
    beforeEach(() => {
        emu.faults = {};
        emu.throttle.options = { enabled: true };
    });

    it(
        "resolves the users at check, then create removes their methods " + "(default last) and revokes their sessions, through $batch",
        async () => {
            const [a, b, c] = usersWith(
                ["microsoftAuthenticatorPush", "mobilePhone", "fido2SecurityKey", "email"],
                ["softwareOneTimePasscode", "mobilePhone"],
                [],
            );
            const p = provider();
            const checked = await p.check({}, inputs([a.userPrincipalName.toUpperCase(), b.id, c.userPrincipalName], "INC-1001"));
            assert.deepStrictEqual(checked.failures, []);
            // The preview shows exactly who is affected.
            assert.deepStrictEqual(
                checked.inputs.targets,
                Object.fromEntries([a, b, c].map((u) => [upn(u), u.id]).sort(([x], [y]) => x.localeCompare(y))),
            );
            const at = mark();
            const created = await p.create(checked.inputs);
            for (const u of [a, b, c]) {
                assert.deepStrictEqual(dir().user(u.id)!.methods, [], `${u.userPrincipalName}: only the password is left`);
                assert.ok(revokedAt(u), `${u.userPrincipalName}: sessions revoked`);
            }
            assert.strictEqual(deletes(at).length, 6);
            assert.ok(
                deletes(at).every((r) => r.batched),
                "deletions went through $batch",
            );
            assert.strictEqual(revokes(at).length, 3);
            assert.ok(revokes(at).every((r) => r.batched));
            // The defaults went last: Graph's 400 never had to be met.
            assert.strictEqual(since(at).filter((r) => r.status === 400).length, 0);
            assert.strictEqual(created.id, `${emu.defaultTenant().tenantId}/userHygiene`);
            assert.deepStrictEqual(created.outs.lastRun, { [upn(a)]: "INC-1001", [upn(b)]: "INC-1001", [upn(c)]: "INC-1001" });
        },
    );

    it(
        "runs once per trigger: the same trigger does nothing on diff, " + "update or refresh; a new trigger or a new user runs again",
        async () => {
            const [a, b, c] = usersWith(["microsoftAuthenticatorPush"], ["mobilePhone"], ["fido2SecurityKey"]);
            const p = provider();
            const checked = await p.check({}, inputs([a.userPrincipalName, b.userPrincipalName], "2026-01-15"));
            const created = await p.create(checked.inputs);
            const firstRevocation = revokedAt(a);

            // The users register again; an up with the same trigger must not touch them.
            register(a, ["microsoftAuthenticatorPush"]);
            register(b, ["mobilePhone"]);
            let at = mark();
            assert.deepStrictEqual(await p.diff(created.id, created.outs, checked.inputs), { changes: false });
            const same = await p.update(created.id, created.outs, checked.inputs);
            assert.deepStrictEqual(writes(at), [], "an update with the same trigger writes nothing");
            assert.deepStrictEqual(same.outs.lastRun, created.outs.lastRun);
            assert.deepStrictEqual(dir().user(a.id)!.methods, ["microsoftAuthenticatorPush"]);
            // Refresh keeps the completed run: no drift, nothing written.
            const refreshed = await p.read(created.id, created.outs);
            assert.deepStrictEqual((refreshed.props as any).lastRun, created.outs.lastRun);
            assert.ok(!("lastRun" in (refreshed.inputs as any)), "lastRun is state, not an input");
            assert.deepStrictEqual(await p.diff(created.id, refreshed.props, checked.inputs), { changes: false });
            // What the operation does changes from the next trigger on; changing it alone runs nothing.
            const onlyRevoke = await p.check(
                {},
                inputs([a.userPrincipalName, b.userPrincipalName], "2026-01-15", { requireReregistration: false }),
            );
            assert.deepStrictEqual(await p.diff(created.id, refreshed.props, onlyRevoke.inputs), { changes: false });
            assert.deepStrictEqual(writes(at), []);

            // A new trigger runs again for everyone.
            const next = await p.check({}, inputs([a.userPrincipalName, b.userPrincipalName], "2026-02-01"));
            assert.deepStrictEqual(await p.diff(created.id, refreshed.props, next.inputs), { changes: true });
            at = mark();
            const rerun = await p.update(created.id, refreshed.props, next.inputs);
            assert.strictEqual(deletes(at).length, 2);
            assert.strictEqual(revokes(at).length, 2);
            assert.deepStrictEqual(dir().user(a.id)!.methods, []);
            assert.ok(revokedAt(a)! >= firstRevocation!);
            assert.deepStrictEqual(rerun.outs.lastRun, { [upn(a)]: "2026-02-01", [upn(b)]: "2026-02-01" });

            // A user added with the same trigger: only that user.
            const more = await p.check({}, inputs([a.userPrincipalName, b.userPrincipalName, c.id], "2026-02-01"));
            assert.deepStrictEqual(await p.diff(created.id, rerun.outs, more.inputs), { changes: true });
            register(a, ["email"]); // must not be touched
            at = mark();
            const added = await p.update(created.id, rerun.outs, more.inputs);
            assert.deepStrictEqual(
                revokes(at).map((r) => r.path),
                [`/users/${c.id}/revokeSignInSessions`],
            );
            assert.deepStrictEqual(
                deletes(at).map((r) => r.path.split("/")[2]),
                [c.id],
            );
            assert.deepStrictEqual(dir().user(a.id)!.methods, ["email"]);
            assert.deepStrictEqual(Object.keys(added.outs.lastRun).length, 3);

            // A user taken off the list: recorded, nothing written.
            const fewer = await p.check({}, inputs([b.userPrincipalName, c.id], "2026-02-01"));
            assert.deepStrictEqual(await p.diff(created.id, added.outs, fewer.inputs), { changes: true });
            at = mark();
            const removed = await p.update(created.id, added.outs, fewer.inputs);
            assert.deepStrictEqual(writes(at), []);
            assert.deepStrictEqual(Object.keys(removed.outs.lastRun).sort(), [upn(b), upn(c)].sort());
        },
    );

    it("when Graph refuses the method taken for the default, keeps that one for the last round", async () => {
        // The emulator's default here is the phone (no push); the provider first guesses the Authenticator app.
        const [a] = usersWith(["microsoftAuthenticatorPasswordless", "mobilePhone", "email"]);
        const p = provider();
        const checked = await p.check({}, inputs([a.userPrincipalName], "INC-5005", { revokeSessions: false }));
        const at = mark();
        await p.create(checked.inputs);
        assert.deepStrictEqual(dir().user(a.id)!.methods, []);
        const refused = since(at).filter((r) => r.status === 400);
        assert.deepStrictEqual(
            refused.map((r) => r.path.split("/")[4]),
            ["phoneMethods"],
        );
        assert.strictEqual(revokes(at).length, 0, "sessions left alone when only re-registration is asked for");
    });

    it("fails at check on unknown users and bad input, naming them, writing nothing", async () => {
        const [a] = usersWith(["microsoftAuthenticatorPush"]);
        const p = provider();
        const at = mark();
        let r = await p.check(
            {},
            inputs(["nobody@contoso.onmicrosoft.com", a.userPrincipalName, "00000000-0000-0000-0000-00000000dead"], "INC-7"),
        );
        assert.strictEqual(r.failures!.length, 1);
        assert.strictEqual(r.failures![0].property, "users");
        assert.match(
            r.failures![0].reason,
            /^User hygiene: no such user in the tenant: nobody@contoso\.onmicrosoft\.com, 00000000-0000-0000-0000-00000000dead\./,
        );
        r = await p.check(
            {},
            { users: [a.userPrincipalName, a.userPrincipalName.toUpperCase()], revokeSessions: false, trigger: "", colour: "red" },
        );
        assert.deepStrictEqual(r.failures!.map((f) => f.property).sort(), ["colour", "revokeSessions", "trigger", "users"]);
        assert.match(r.failures!.find((f) => f.property === "revokeSessions")!.reason, /nothing to do/);
        assert.match(r.failures!.find((f) => f.property === "users")!.reason, /named twice/);
        r = await p.check({}, inputs([], "x"));
        assert.match(r.failures![0].reason, /users is empty: name at least one user/);
        assert.deepStrictEqual(writes(at), []);
        assert.deepStrictEqual(dir().user(a.id)!.methods, ["microsoftAuthenticatorPush"]);
    });

    it("a partial failure names the users not done; a rerun with the same trigger finishes without removing anything twice", async () => {
        const [a, b, c] = usersWith(
            ["microsoftAuthenticatorPush", "mobilePhone"],
            ["microsoftAuthenticatorPush", "fido2SecurityKey"],
            ["softwareOneTimePasscode"],
        );
        // A short retry budget: b's item is retried for 3 s, then its last answer is its result.
        const p = provider(undefined, { M365_MFA_RETRY_BUDGET_SECONDS: "3" });
        const checked = await p.check({}, inputs([a.userPrincipalName, b.userPrincipalName, c.userPrincipalName], "INC-2002"));
        // b's revocation keeps failing (every retry of the item answers 503).
        emu.faults = { batchItems: [{ kind: "503", count: 1000, match: `/users/${b.id}/revokeSignInSessions` }] };
        let at = mark();
        await assert.rejects(p.create(checked.inputs), (err: Error) => {
            assert.match(err.message, /^User hygiene: create failed: 1 of 3 users could not be changed \(the others were\): /);
            assert.ok(err.message.includes(`${upn(b)} (revoking the sign-in sessions answered 503 serviceNotAvailable`), err.message);
            assert.match(err.message, /Run the update again with the same trigger/);
            return true;
        });
        assert.deepStrictEqual(
            [a, b, c].map((u) => dir().user(u.id)!.methods),
            [[], [], []],
            "methods went first, for everyone",
        );
        assert.ok(revokedAt(a) && revokedAt(c));
        assert.strictEqual(revokedAt(b), undefined, "b is not done");
        assert.strictEqual(deletes(at).length, 5);

        // The rerun (Pulumi calls create again: the failed create left no state).
        emu.faults = {};
        at = mark();
        const created = await p.create(checked.inputs);
        assert.strictEqual(deletes(at).length, 0, "nothing removed twice");
        assert.ok(revokedAt(b), "b is done now");
        assert.strictEqual(revokes(at).length, 3, "revoking again is harmless: it only moves the revocation time");
        assert.deepStrictEqual(Object.values(created.outs.lastRun), ["INC-2002", "INC-2002", "INC-2002"]);
    });

    it("converges through throttling, 503s and dropped connections", async () => {
        const users = usersWith(
            ["microsoftAuthenticatorPush", "mobilePhone", "email"],
            ["microsoftAuthenticatorPush", "fido2SecurityKey"],
            ["mobilePhone", "softwareOneTimePasscode"],
            ["windowsHelloForBusiness", "temporaryAccessPass"],
            [],
        );
        const p = provider();
        const checked = await p.check(
            {},
            inputs(
                users.map((u) => u.userPrincipalName),
                "INC-3003",
            ),
        );
        emu.faults = {
            rate429: 0.15,
            rate5xx: 0.15,
            dropRate: 0.1,
            retryAfterSeconds: 1,
            batchItems: [
                { kind: "429", count: 3, match: "/authentication/" },
                { kind: "503", count: 2, match: "/revokeSignInSessions" },
            ],
        };
        const created = await p.create(checked.inputs);
        emu.faults = {};
        for (const u of users) {
            assert.deepStrictEqual(dir().user(u.id)!.methods, [], u.userPrincipalName);
            assert.ok(revokedAt(u), u.userPrincipalName);
        }
        assert.strictEqual(Object.keys(created.outs.lastRun).length, users.length);
    });

    it("checks the permissions each step needs before the first write, naming the one to grant", async () => {
        const [a] = usersWith(["microsoftAuthenticatorPush"]);
        addApp(emu, "hygiene-methods-only", ["User.Read.All", "UserAuthenticationMethod.ReadWrite.All"]);
        const p = provider("hygiene-methods-only");
        const checked = await p.check({}, inputs([a.userPrincipalName], "INC-4004"));
        assert.deepStrictEqual(checked.failures, []);
        const at = mark();
        await assert.rejects(
            p.create(checked.inputs),
            new RegExp(
                String.raw`User hygiene: the app registration cannot write this setting\. Grant the Microsoft Graph ` +
                    String.raw`application permission User\.RevokeSessions\.All`,
            ),
        );
        assert.deepStrictEqual(writes(at), []);
        assert.deepStrictEqual(dir().user(a.id)!.methods, ["microsoftAuthenticatorPush"]);
        // Revoking only needs User.RevokeSessions.All.
        const revokeOnly = await p.check({}, inputs([a.userPrincipalName], "INC-4004", { requireReregistration: false }));
        await assert.rejects(provider("hygiene-methods-only").create(revokeOnly.inputs), /User\.RevokeSessions\.All/);
        const ok = await provider().create(revokeOnly.inputs);
        assert.deepStrictEqual(dir().user(a.id)!.methods, ["microsoftAuthenticatorPush"], "methods kept when only sessions are revoked");
        assert.ok(revokedAt(a));
        assert.deepStrictEqual(ok.outs.lastRun, { [upn(a)]: "INC-4004" });
    });
});
