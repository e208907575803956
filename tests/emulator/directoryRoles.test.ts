/**
 * Directory roles in the emulator: activated roles and their members (every principal type: users,
 * service principals, role-assignable groups), limited information, $select and the loud refusal of
 * what is not modelled; and the per-user MFA lockout guard on such a tenant.
 */
import * as assert from "node:assert";
import type { RunningEmulator } from "@m365-mfa/emulator";
import type { UserRecord } from "@m365-mfa/emulator";
import { useEmulator } from "../support/emulatorSuite";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { perUserMfa } from "../../settings/perUserMfa/setting";
import { assessGlobalAdminLockout } from "../../settings/perUserMfa/lockout";

const GA = "62e90394-69f5-4237-9190-012177145e10";
const SECURITY_ADMIN = "194ae4cb-b126-40b2-bd5b-6091b380977d";
const MEMBERS = `/directoryRoles(roleTemplateId='${GA}')/members`;

describe("emulator: directory roles", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    let tenantId: string;
    /** The service principal holding Global Administrator, and the role-assignable group holding it. */
    let automation: { objectId: string; appId: string };
    let pimGroup: { id: string; members: string[] };
    let groupMembers: UserRecord[];
    const dir = () => emu.directory();
    const directGAs = () => [...dir().users.values()].filter((u) => u.roles.includes("Global Administrator"));

    useEmulator(
        (e) => (emu = e),
        {},
        async () => {
            emu.directory().seed(400, 5);
            tenantId = emu.defaultTenant().tenantId;
            automation = emu.store.addServicePrincipal(tenantId, "Tenant automation", {
                directoryRoles: ["Global Administrator"],
                graphRoles: ["RoleManagement.Read.Directory"],
            });
            groupMembers = [...dir().users.values()].filter((u) => u.userType === "Member" && !u.roles.length).slice(0, 2);
            pimGroup = emu.store.addRoleAssignableGroup(
                tenantId,
                "Tier 0 admins (PIM)",
                groupMembers.map((u) => u.id),
                ["Global Administrator"],
            );
            // Readers of exactly one kind: the role only; the role and users.
            emu.store.addServicePrincipal(tenantId, "role-reader", { graphRoles: ["RoleManagement.Read.Directory"] });
            emu.store.addServicePrincipal(tenantId, "role-and-user-reader", {
                graphRoles: ["RoleManagement.Read.Directory", "User.Read.All", "UserAuthenticationMethod.Read.All"],
            });
        },
    );

    it(
        "lists every principal holding Global Administrator, by role id and by template id: users, the service principal, the " +
            "role-assignable group",
        async () => {
            const graph = clientsAs(emu, APPS.portal).graph; // Directory.ReadWrite.All: reads every type in full
            const roles = await graph.get("/directoryRoles");
            const ga = roles.value.find((r: any) => r.roleTemplateId === GA);
            assert.strictEqual(ga.displayName, "Global Administrator");
            const users = directGAs()
                .map((u) => u.id)
                .sort();
            assert.ok(users.length >= 2, "break-glass accounts and a few admins");
            const byId = await graph.get(`/directoryRoles/${ga.id}/members`);
            const byTemplate = await graph.get(MEMBERS);
            for (const answer of [byId, byTemplate]) {
                assert.match(answer["@odata.context"], /\$metadata#directoryObjects$/);
                const ofType = (t: string) => answer.value.filter((m: any) => m["@odata.type"] === `#microsoft.graph.${t}`);
                assert.deepStrictEqual(
                    ofType("user")
                        .map((m: any) => m.id)
                        .sort(),
                    users,
                );
                assert.strictEqual(answer.value.length, users.length + 2, "users, one service principal, one group: nothing else");
                const [sp] = ofType("servicePrincipal");
                assert.strictEqual(sp.id, automation.objectId);
                assert.strictEqual(sp.appId, automation.appId);
                assert.strictEqual(sp.displayName, "Tenant automation");
                assert.strictEqual(sp.accountEnabled, true);
                const [group] = ofType("group");
                assert.strictEqual(group.id, pimGroup.id);
                assert.strictEqual(group.isAssignableToRole, true);
                assert.strictEqual(group.displayName, "Tier 0 admins (PIM)");
                // The group's members hold the role through it; they are not members of the role themselves.
                for (const u of groupMembers)
                    assert.ok(!answer.value.some((m: any) => m.id === u.id), `${u.userPrincipalName} is not a direct member`);
                // Default properties per type: a user's default set (user-get.md) has no accountEnabled.
                const user = ofType("user")[0];
                assert.ok("userPrincipalName" in user && "businessPhones" in user && !("accountEnabled" in user), JSON.stringify(user));
            }
        },
    );

    it("gives limited information (only @odata.type and id, other properties null) for a type the app may not read", async () => {
        // The provider reads users (User.Read.All) and groups (GroupMember.Read.All), not service principals.
        const asProvider = (await clientsAs(emu).graph.get(MEMBERS)).value;
        const sp = asProvider.find((m: any) => m["@odata.type"] === "#microsoft.graph.servicePrincipal");
        assert.strictEqual(sp.id, automation.objectId);
        assert.strictEqual(sp.appId, null);
        assert.strictEqual(sp.displayName, null);
        assert.ok(
            Object.entries(sp).every(([k, v]) => k === "@odata.type" || k === "id" || v === null),
            JSON.stringify(sp),
        );
        assert.ok(
            asProvider
                .filter((m: any) => m["@odata.type"] === "#microsoft.graph.user")
                .every((m: any) => typeof m.userPrincipalName === "string"),
        );
        assert.strictEqual(asProvider.find((m: any) => m["@odata.type"] === "#microsoft.graph.group").displayName, "Tier 0 admins (PIM)");

        // RoleManagement.Read.Directory alone reads the role's membership, not the members.
        const bare = (await clientsAs(emu, "role-reader").graph.get(`${MEMBERS}?$select=id,userPrincipalName,accountEnabled,displayName`))
            .value;
        assert.strictEqual(bare.length, directGAs().length + 2);
        for (const m of bare) {
            assert.ok(typeof m.id === "string" && m["@odata.type"], JSON.stringify(m));
            assert.ok(
                Object.entries(m).every(([k, v]) => k === "@odata.type" || k === "id" || v === null),
                JSON.stringify(m),
            );
        }

        // A service principal reads its own object without any permission (serviceprincipal-get.md).
        const self = (await clientsAs(emu, "Tenant automation").graph.get(MEMBERS)).value;
        assert.strictEqual(self.find((m: any) => m.id === automation.objectId).displayName, "Tenant automation");
        assert.strictEqual(self.find((m: any) => m["@odata.type"] === "#microsoft.graph.user").userPrincipalName, null);
    });

    it("$select picks each member's properties its type has; an unknown property is Graph's 400", async () => {
        const r = await clientsAs(emu, APPS.portal).graph.get(`${MEMBERS}?$select=id,userPrincipalName,appId,accountEnabled`);
        assert.match(r["@odata.context"], /\$metadata#directoryObjects\(id,userPrincipalName,appId,accountEnabled\)$/);
        const user = r.value.find((m: any) => m.id === directGAs()[0].id);
        assert.deepStrictEqual(Object.keys(user).sort(), ["@odata.type", "accountEnabled", "id", "userPrincipalName"]);
        assert.strictEqual(user.accountEnabled, directGAs()[0].accountEnabled);
        const sp = r.value.find((m: any) => m.id === automation.objectId);
        assert.deepStrictEqual(Object.keys(sp).sort(), ["@odata.type", "accountEnabled", "appId", "id"]);
        const group = r.value.find((m: any) => m.id === pimGroup.id);
        assert.deepStrictEqual(Object.keys(group).sort(), ["@odata.type", "id"]);
        await assert.rejects(
            clientsAs(emu).graph.get(`${MEMBERS}?$select=id,noSuchProperty`),
            /400 Request_BadRequest: Could not find a property named 'noSuchProperty'/,
        );
    });

    it("refuses every query option it does not model, loudly, on both routes", async () => {
        const graph = clientsAs(emu).graph;
        for (const q of [
            "$filter=displayName eq 'x'",
            "$top=5",
            "$count=true",
            "$orderby=displayName",
            '$search="displayName:a"',
            "$expand=memberOf",
            "$skip=1",
            "$orderbydisplayName",
            "foo=bar",
        ]) {
            await assert.rejects(graph.get(`${MEMBERS}?${q}`), /answered 400 \w+: .*not modelled by the emulator/, q);
        }
        await assert.rejects(
            graph.get("/directoryRoles?$filter=roleTemplateId eq '62e90394-69f5-4237-9190-012177145e10'"),
            /answered 400 \w+: .*not modelled by the emulator/,
        );
    });

    it("a role held only by a service principal is activated and lists it", async () => {
        const ops = emu.store.addServicePrincipal(tenantId, "Security operations", { directoryRoles: ["Security Administrator"] });
        const graph = clientsAs(emu, APPS.portal).graph;
        assert.ok((await graph.get("/directoryRoles")).value.some((r: any) => r.roleTemplateId === SECURITY_ADMIN));
        const members = (await graph.get(`/directoryRoles(roleTemplateId='${SECURITY_ADMIN}')/members`)).value;
        assert.deepStrictEqual(
            members.map((m: any) => [m["@odata.type"], m.id]),
            [["#microsoft.graph.servicePrincipal", ops.objectId]],
        );
    });

    it("answers 404 for a role that is not activated and 403 without a directory read permission", async () => {
        await assert.rejects(
            clientsAs(emu).graph.get("/directoryRoles(roleTemplateId='00000000-0000-0000-0000-000000000000')/members"),
            /404 Request_ResourceNotFound/,
        );
        await assert.rejects(clientsAs(emu, APPS.reader).graph.get("/directoryRoles"), /403 Authorization_RequestDenied/);
        await assert.rejects(clientsAs(emu, APPS.reader).graph.get(MEMBERS), /403 Authorization_RequestDenied/);
    });

    it("keeps the documented rules of role-assignable groups", () => {
        const [a, b] = [...dir().users.values()].filter((u) => !u.roles.length).slice(5, 7);
        const other = [...dir().groups.values()].find((g) => !g.isAssignableToRole)!;
        assert.throws(
            () =>
                dir().putGroup({
                    ...pimGroup,
                    displayName: "Tier 0 admins (PIM)",
                    members: [...pimGroup.members, other.id],
                    isAssignableToRole: true,
                    roles: ["Global Administrator"],
                }),
            /group nesting is not supported/,
        );
        assert.throws(() => dir().putGroup({ ...other, roles: ["Global Administrator"] }), /not role-assignable/);
        assert.throws(() => dir().putGroup({ ...other, isAssignableToRole: true }), /immutable/);
        const free = emu.store.addTenant("No P1 (emulated)");
        emu.store.mutate(() => (free.entraIdP1 = false));
        emu.store.directory(free.tenantId).seed(5, 1);
        const someone = [...emu.store.directory(free.tenantId).users.keys()][3];
        assert.throws(() => emu.store.addRoleAssignableGroup(free.tenantId, "admins", [someone], ["Global Administrator"]), /P1/);
        assert.throws(
            () => emu.store.addRoleAssignableGroup(tenantId, "admins", [a.id, other.id], ["Global Administrator"]),
            /cannot hold groups/,
        );
        assert.ok(b, "two users without roles");
    });

    describe("the lockout guard on this tenant", () => {
        /** Gives `users` no MFA method (or restores them) for a test. */
        let saved: { id: string; methods: string[] }[] = [];
        const withoutMethods = (users: UserRecord[]) => {
            saved = users.map((u) => ({ id: u.id, methods: [...u.methods] }));
            for (const u of users) dir().updateUser(u.id, { methods: [] });
        };
        afterEach(() => {
            for (const s of saved) dir().updateUser(s.id, { methods: s.methods });
            saved = [];
        });
        const upns = (users: UserRecord[]) => new Set(users.map((u) => u.userPrincipalName.toLowerCase()));

        it("counts the role-assignable group's members: one left untouched keeps an administrator", async () => {
            withoutMethods([...directGAs(), ...groupMembers]);
            const moving = upns([...directGAs(), groupMembers[0]]);
            const v = await assessGlobalAdminLockout(clientsAs(emu), { excludeUsers: [] }, moving);
            assert.strictEqual(v.refusal, undefined, v.refusal);
            // The service principal is said, with what limited information hid (the provider has no Application.Read.All).
            assert.ok(
                v.notes.some(
                    (n) =>
                        n.includes(
                            `1 service principal holds Global Administrator (${automation.objectId} (limited information: ` +
                                "Application.Read.All would show its name))",
                        ) && /cannot lock it out/.test(n),
                ),
                v.notes.join("\n"),
            );
        });

        it(
            "refuses when every user holding it, directly or through the group, is moved and none has a method; names the " +
                "service principal and the keys",
            async () => {
                const everyone = [...directGAs(), ...groupMembers];
                withoutMethods(everyone);
                const v = await assessGlobalAdminLockout(clientsAs(emu), { excludeUsers: [] }, upns(everyone));
                assert.ok(v.refusal, "refused");
                assert.match(
                    v.refusal!,
                    new RegExp(
                        String.raw`^this plan moves every Global Administrator \(.*\) to MFA and none has an MFA method ` +
                            "registered: no administrator could sign in",
                    ),
                );
                for (const u of groupMembers)
                    assert.ok(v.refusal!.includes(`${u.userPrincipalName} through group Tier 0 admins (PIM)`), v.refusal);
                assert.match(v.refusal!, /1 service principal holds Global Administrator .*the guard does not count it/);
                assert.match(v.refusal!, /m365-mfa:baseline\.breakGlassAccounts/);
                assert.match(v.refusal!, /m365-mfa:baseline\.guards\.lockout/);
                // One of the group's members with a method is enough.
                dir().updateUser(groupMembers[1].id, { methods: ["microsoftAuthenticatorPush"] });
                assert.strictEqual(
                    (await assessGlobalAdminLockout(clientsAs(emu), { excludeUsers: [] }, upns(everyone))).refusal,
                    undefined,
                );
            },
        );

        it("with limited information it says what it could not see and which permission would show it", async () => {
            // RoleManagement.Read.Directory only: users and the group come back with their ids, the group's members cannot be read.
            const bare = await assessGlobalAdminLockout(clientsAs(emu, "role-reader"), { excludeUsers: [] }, upns(directGAs()));
            assert.ok(bare.refusal, "cannot show an administrator is left");
            assert.match(bare.refusal!, /it could see no Global Administrator user/);
            assert.match(
                bare.refusal!,
                new RegExp(
                    `${directGAs().length} users holding Global Administrator came back with limited information \\(object ` +
                        `id only: .*${directGAs()[0].id}`,
                ),
            );
            assert.match(bare.refusal!, /User\.Read\.All would show them/);
            assert.match(
                bare.refusal!,
                new RegExp(
                    `role-assignable group ${pimGroup.id} holds Global Administrator but its members could not be read: ` +
                        `grant the Microsoft Graph application permission GroupMember\\.Read\\.All`,
                ),
            );
            assert.match(bare.refusal!, /m365-mfa:baseline\.guards\.lockout/);
            // With users readable but not the group, an untouched user admin still passes, and the unread group is said.
            const moving = upns(directGAs().slice(1));
            const partial = await assessGlobalAdminLockout(clientsAs(emu, "role-and-user-reader"), { excludeUsers: [] }, moving);
            assert.strictEqual(partial.refusal, undefined, partial.refusal);
            assert.ok(
                partial.notes.some((n) => /could not see everything: role-assignable group .* GroupMember\.Read\.All/.test(n)),
                partial.notes.join("\n"),
            );
        });

        it("the provider's preview check does not crash on a service principal or a group among the Global Administrators", async () => {
            const everyone = [...directGAs(), ...groupMembers];
            withoutMethods(everyone);
            const someone = [...dir().users.values()].find((u) => !u.roles.length && u.userType === "Member" && !groupMembers.includes(u))!;
            const provider = new SettingProvider(perUserMfa, { verifyDelayMs: 20 }, () => clientsAs(emu));
            const inputs = {
                assignments: [{ state: "enforced", users: everyone.map((u) => u.userPrincipalName) }],
                excludeUsers: [someone.userPrincipalName],
                readiness: { mode: "off" },
                guards: { maxUserChangeShare: 1 },
            };
            const r = await provider.check({}, inputs);
            assert.strictEqual(r.failures!.length, 1, JSON.stringify(r.failures));
            assert.match(
                r.failures![0].reason,
                /moves every Global Administrator .* through group Tier 0 admins \(PIM\).* service principal holds Global Administrator/,
            );
        });
    });
});
