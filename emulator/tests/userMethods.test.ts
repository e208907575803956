/**
 * A user's authentication methods and sign-in sessions in the emulator: the per-kind collections
 * (list, get, delete) in Graph's types with ids that match /methods and stay stable, Microsoft's rule
 * that the default method goes last, permissions, revokeSignInSessions, and persistence.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { METHOD_COLLECTIONS, type MethodCollection, PASSWORD_METHOD_ID } from "../index";
import { checkBody } from "../index";
import type { RunningEmulator } from "../index";
import { APPS } from "../index";
import { startTrustedEmulator } from "./support";
import { addApp, rawGraph } from "./support";

const ALL_KINDS = [
    "microsoftAuthenticatorPush",
    "mobilePhone",
    "softwareOneTimePasscode",
    "fido2SecurityKey",
    "email",
    "temporaryAccessPass",
    "windowsHelloForBusiness",
];

describe("emulator: users' authentication methods and sessions", function () {
    this.timeout(60_000);
    let tmp: string;
    let emu: RunningEmulator;
    const call = (method: string, p: string, body?: unknown, app?: string) => rawGraph(emu, method, p, body, app);
    const dir = () => emu.directory();
    const used = new Set<string>();
    /** A member no other test used, with exactly these methods registered. */
    const fresh = (methods: string[]) => {
        const u = [...dir().users.values()].find((x) => x.userType === "Member" && !x.breakGlass && !used.has(x.id))!;
        used.add(u.id);
        dir().updateUser(u.id, { methods });
        return dir().user(u.id)!;
    };

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-methods-"));
        emu = await startTrustedEmulator({ stateDir: tmp, throttling: { enabled: false } });
        dir().seed(40, 5);
    });
    after(async () => {
        await emu.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("lists each kind in its own collection, in Graph's types, with the ids /methods shows", async () => {
        const u = fresh(ALL_KINDS);
        const all = (await call("GET", `/users/${u.id}/authentication/methods`)).body.value as any[];
        assert.strictEqual(all[0].id, PASSWORD_METHOD_ID);
        assert.strictEqual(all.length, ALL_KINDS.length + 1);
        const seen: string[] = [];
        for (const name of Object.keys(METHOD_COLLECTIONS) as MethodCollection[]) {
            const r = await call("GET", `/users/${encodeURIComponent(u.userPrincipalName)}/authentication/${name}`);
            assert.strictEqual(r.status, 200, name);
            assert.match(r.body["@odata.context"], new RegExp(`authentication/${name}$`));
            assert.deepStrictEqual(checkBody("v1.0", METHOD_COLLECTIONS[name].entity, r.body), [], name);
            assert.strictEqual(r.body.value.length, 1, name);
            const m = r.body.value[0];
            assert.strictEqual(m["@odata.type"], `#microsoft.graph.${METHOD_COLLECTIONS[name].entity}`);
            assert.deepStrictEqual(
                m,
                all.find((x) => x.id === m.id),
                `${name}: same object and id as in /methods`,
            );
            const one = await call("GET", `/users/${u.id}/authentication/${name}/${m.id}`);
            assert.strictEqual(one.status, 200);
            assert.deepStrictEqual(checkBody("v1.0", METHOD_COLLECTIONS[name].entity, one.body), []);
            assert.strictEqual(one.body.id, m.id);
            seen.push(m.id);
        }
        assert.strictEqual(new Set(seen).size, ALL_KINDS.length, "every method has its own id");
        const password = await call("GET", `/users/${u.id}/authentication/passwordMethods`);
        assert.deepStrictEqual(
            password.body.value.map((m: any) => m.id),
            [PASSWORD_METHOD_ID],
        );
        assert.deepStrictEqual(checkBody("v1.0", "passwordAuthenticationMethod", password.body), []);

        // Empty collections, unknown ids and users.
        const none = fresh([]);
        assert.deepStrictEqual((await call("GET", `/users/${none.id}/authentication/fido2Methods`)).body.value, []);
        assert.strictEqual(
            (await call("GET", `/users/${u.id}/authentication/fido2Methods/${seen[0]}`)).status,
            404,
            "an id of another kind is not in this collection",
        );
        assert.strictEqual((await call("GET", `/users/nobody@contoso.onmicrosoft.com/authentication/phoneMethods`)).status, 404);
    });

    it("deletes methods (204), the default last: Graph's 400 while others exist; ids stay stable; the password stays", async () => {
        const u = fresh(["microsoftAuthenticatorPush", "mobilePhone", "fido2SecurityKey"]);
        const before = (await call("GET", `/users/${u.id}/authentication/methods`)).body.value as any[];
        const idOf = (type: string) => before.find((m) => m["@odata.type"] === `#microsoft.graph.${type}`).id;

        const refused = await call(
            "DELETE",
            `/users/${u.id}/authentication/microsoftAuthenticatorMethods/${idOf("microsoftAuthenticatorAuthenticationMethod")}`,
        );
        assert.strictEqual(refused.status, 400);
        assert.strictEqual(
            refused.body.error.message,
            "Cannot delete default method with other methods configured. Please change default method before deletion.",
        );
        assert.deepStrictEqual(dir().user(u.id)!.methods, ["microsoftAuthenticatorPush", "mobilePhone", "fido2SecurityKey"]);

        assert.strictEqual(
            (await call("DELETE", `/users/${u.id}/authentication/fido2Methods/${idOf("fido2AuthenticationMethod")}`)).status,
            204,
        );
        // The ids of the others did not move.
        const middle = (await call("GET", `/users/${u.id}/authentication/methods`)).body.value as any[];
        assert.deepStrictEqual(
            middle.map((m) => m.id),
            before.filter((m) => m["@odata.type"] !== "#microsoft.graph.fido2AuthenticationMethod").map((m) => m.id),
        );
        // Deleting it again: gone.
        assert.strictEqual(
            (await call("DELETE", `/users/${u.id}/authentication/fido2Methods/${idOf("fido2AuthenticationMethod")}`)).status,
            404,
        );
        // With push and the phone left, push is still the default; the phone goes first.
        assert.strictEqual(
            (
                await call(
                    "DELETE",
                    `/users/${u.id}/authentication/microsoftAuthenticatorMethods/${idOf("microsoftAuthenticatorAuthenticationMethod")}`,
                )
            ).status,
            400,
        );
        assert.strictEqual(
            (await call("DELETE", `/users/${u.id}/authentication/phoneMethods/${idOf("phoneAuthenticationMethod")}`)).status,
            204,
        );
        assert.strictEqual(
            (
                await call(
                    "DELETE",
                    `/users/${u.id}/authentication/microsoftAuthenticatorMethods/${idOf("microsoftAuthenticatorAuthenticationMethod")}`,
                )
            ).status,
            204,
        );

        const after = (await call("GET", `/users/${u.id}/authentication/methods`)).body.value as any[];
        assert.deepStrictEqual(
            after.map((m) => m.id),
            [PASSWORD_METHOD_ID],
        );
        assert.deepStrictEqual(dir().user(u.id)!.methods, []);
        // Through $batch as the providers send it.
        const v = fresh(["softwareOneTimePasscode", "email"]);
        const vMethods = (await call("GET", `/users/${v.id}/authentication/methods`)).body.value as any[];
        const batch = await call("POST", "/$batch", {
            requests: vMethods
                .filter((m) => m.id !== PASSWORD_METHOD_ID)
                .reverse()
                .map((m, i) => ({
                    id: String(i),
                    method: "DELETE",
                    url:
                        `/users/${v.id}/authentication/` +
                        `${m["@odata.type"] === "#microsoft.graph.emailAuthenticationMethod" ? "emailMethods" : "softwareOathMethods"}/` +
                        `${m.id}`,
                })),
        });
        assert.deepStrictEqual(
            batch.body.responses.map((r: any) => r.status),
            [204, 204],
        );
        assert.deepStrictEqual(dir().user(v.id)!.methods, []);
    });

    it("needs UserAuthenticationMethod.Read.All to read and .ReadWrite.All to delete", async () => {
        const u = fresh(["email"]);
        const emailId = (await call("GET", `/users/${u.id}/authentication/emailMethods`)).body.value[0].id;
        assert.strictEqual((await call("GET", `/users/${u.id}/authentication/emailMethods`, undefined, APPS.reader)).status, 403);
        addApp(emu, "methods-reader", ["UserAuthenticationMethod.Read.All"]);
        assert.strictEqual((await call("GET", `/users/${u.id}/authentication/emailMethods`, undefined, "methods-reader")).status, 200);
        const denied = await call("DELETE", `/users/${u.id}/authentication/emailMethods/${emailId}`, undefined, "methods-reader");
        assert.strictEqual(denied.status, 403);
        assert.strictEqual(denied.body.error.code, "Authorization_RequestDenied");
        assert.deepStrictEqual(dir().user(u.id)!.methods, ["email"]);
    });

    it("revokes sign-in sessions: 200 {value: true}, the time recorded on the user, with User.RevokeSessions.All", async () => {
        const u = fresh(["microsoftAuthenticatorPush"]);
        assert.strictEqual(dir().user(u.id)!.signInSessionsValidFromDateTime, undefined);
        const before = Date.now() - 1000;
        const r = await call("POST", `/users/${encodeURIComponent(u.userPrincipalName)}/revokeSignInSessions`);
        assert.strictEqual(r.status, 200);
        assert.strictEqual(r.body.value, true);
        assert.match(r.body["@odata.context"], /\$metadata#Edm\.Boolean$/);
        const at = dir().user(u.id)!.signInSessionsValidFromDateTime!;
        assert.ok(Date.parse(at) >= before && Date.parse(at) <= Date.now(), at);
        // Graph shows it on the user.
        const got = await call("GET", `/users/${u.id}?$select=id,signInSessionsValidFromDateTime`);
        assert.strictEqual(got.body.signInSessionsValidFromDateTime, at);
        assert.deepStrictEqual(checkBody("v1.0", "user", got.body), []);
        assert.strictEqual(
            (await call("GET", `/users/${fresh([]).id}?$select=signInSessionsValidFromDateTime`)).body.signInSessionsValidFromDateTime,
            null,
        );

        assert.strictEqual((await call("POST", `/users/${u.id}/revokeSignInSessions`, undefined, APPS.reader)).status, 403);
        addApp(emu, "revoker", ["User.RevokeSessions.All"]);
        assert.strictEqual((await call("POST", `/users/${u.id}/revokeSignInSessions`, undefined, "revoker")).status, 200);
        assert.strictEqual((await call("POST", `/users/nobody@contoso.onmicrosoft.com/revokeSignInSessions`)).status, 404);
        assert.strictEqual((await call("GET", `/users/${u.id}/revokeSignInSessions`)).status, 405);
        // In a batch: a POST item needs a body ({} for an action that takes none) and a Content-Type, or
        // Graph refuses the whole batch (json-batching.md; msgraph-sdk-dotnet#2628).
        const revokeItem = { id: "1", method: "POST", url: `/users/${u.id}/revokeSignInSessions` };
        const bodiless = await call("POST", "/$batch", { requests: [{ id: "0", method: "GET", url: `/users/${u.id}` }, revokeItem] });
        assert.strictEqual(bodiless.status, 400);
        assert.strictEqual(bodiless.body.error.code, "BadRequest");
        assert.strictEqual(bodiless.body.error.message, "Write request id : 1 does not contain Content-Type header or body.");
        const noType = await call("POST", "/$batch", { requests: [{ ...revokeItem, body: {} }] });
        assert.strictEqual(noType.status, 400);
        assert.match(noType.body.error.message, /Write request id : 1 does not contain Content-Type header or body/);
        const batch = await call("POST", "/$batch", {
            requests: [{ ...revokeItem, body: {}, headers: { "Content-Type": "application/json" } }],
        });
        assert.strictEqual(batch.status, 200);
        assert.strictEqual(batch.body.responses[0].status, 200);
        assert.strictEqual(batch.body.responses[0].body.value, true);
    });

    it("keeps deletions and revocations across a restart (journaled)", async () => {
        const u = fresh(["mobilePhone", "email"]);
        const email = (await call("GET", `/users/${u.id}/authentication/emailMethods`)).body.value[0].id;
        assert.strictEqual((await call("DELETE", `/users/${u.id}/authentication/emailMethods/${email}`)).status, 204);
        await call("POST", `/users/${u.id}/revokeSignInSessions`);
        const at = dir().user(u.id)!.signInSessionsValidFromDateTime;
        await emu.stop();
        emu = await startTrustedEmulator({ stateDir: tmp, throttling: { enabled: false } });
        assert.deepStrictEqual(emu.directory().user(u.id)!.methods, ["mobilePhone"]);
        assert.strictEqual(emu.directory().user(u.id)!.signInSessionsValidFromDateTime, at);
    });
});
