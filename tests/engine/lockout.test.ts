/**
 * The lockout guard through the real Pulumi engine on a tenant whose Global Administrators include a
 * service principal and a role-assignable (PIM) group besides users: the preview that moves users to
 * MFA does not crash (the guard used to read userPrincipalName on every role member), counts the
 * group's members as administrators, names the service principal it does not count, and refuses a plan
 * that leaves no administrator able to sign in, naming the config keys.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import type { UserRecord } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { setAppPermissions } from "@m365-mfa/emulator";

describe("engine: lockout guard with service principals and role-assignable groups among the Global Administrators", function () {
    this.timeout(300_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    let automation: { objectId: string };
    let groupMembers: UserRecord[];
    const dir = () => emu.directory();
    const directGAs = () => [...dir().users.values()].filter((u) => u.roles.includes("Global Administrator"));
    const mfaWrites = () => emu.requests.filter((r) => r.method === "PATCH" && r.path.endsWith("/authentication/requirements")).length;

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-lockout-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        dir().seed(120, 17);
        const tenantId = emu.defaultTenant().tenantId;
        // A new state directory grants the provider app the drift report's Directory.Read.All, which shows
        // a service principal's name. These tests are about an app that may not read applications: take
        // it (and Application.Read.All, should it be granted) away, so the guard gets limited information.
        const held = setAppPermissions(
            emu.store,
            tenantId,
            APPS.provider,
            ["Directory.Read.All", "Directory.ReadWrite.All", "Application.Read.All", "Application.ReadWrite.All"],
            true,
        );
        assert.deepStrictEqual(
            held.graphRoles.filter((p) => /^(Directory|Application)\./.test(p)),
            [],
            "the provider app still reads applications",
        );
        automation = emu.store.addServicePrincipal(tenantId, "Tenant automation", { directoryRoles: ["Global Administrator"] });
        groupMembers = [...dir().users.values()].filter((u) => u.userType === "Member" && !u.roles.length).slice(0, 2);
        emu.store.addRoleAssignableGroup(
            tenantId,
            "Tier 0 admins (PIM)",
            groupMembers.map((u) => u.id),
            ["Global Administrator"],
        );
        // Nobody holding the role has an MFA method yet.
        for (const u of [...directGAs(), ...groupMembers]) dir().updateUser(u.id, { methods: [] });
        const projectDir = copyProject(path.join(tmp, "project"));
        ws = new PulumiWorkspace({ projectDir, workDir: path.join(tmp, "work"), env: emu.env(APPS.provider) });
    });

    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it(
        "a plan keeping a break-glass Global Administrator previews, " + "and the guard says it does not count the service principal",
        async () => {
            const stack = "lockout-ok";
            const moving = [...directGAs().filter((u) => !u.breakGlass), ...groupMembers].map((u) => u.userPrincipalName);
            await ws.initStack(
                stack,
                {},
                {
                    "m365-mfa:baseline": {
                        breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com", "breakglass2@contoso.onmicrosoft.com"],
                        perUserMfa: { assignments: [{ state: "enforced", users: moving }] },
                        readiness: { mode: "off" },
                        guards: { maxUserChangeShare: 1 },
                    },
                },
            );
            const r = await ws.preview(stack);
            assert.strictEqual(r.code, 0, r.output);
            assert.doesNotMatch(r.output, /TypeError|Cannot read properties/);
            assert.match(r.output, /\+ pulumi-nodejs:dynamic\/m365-mfa:PerUserMfa/);
            // The provider app has no Application.Read.All: the service principal comes back with limited information.
            assert.match(
                r.output,
                new RegExp(
                    `warning: Per-user MFA lockout guard: 1 service principal holds Global Administrator \\(` +
                        `${automation.objectId} \\(limited information: Application\\.Read\\.All would show its name\\)\\): per-user ` +
                        "MFA applies to users, so this plan cannot lock it out",
                ),
            );
            assert.strictEqual(mfaWrites(), 0);
        },
    );

    it(
        "a plan moving every user who holds the role, directly or through the group, with no method anywhere is refused at " + "preview",
        async () => {
            const stack = "lockout-refused";
            const bystander = [...dir().users.values()].find(
                (u) => u.userType === "Member" && !u.roles.length && !groupMembers.includes(u),
            )!;
            const everyone = [...directGAs(), ...groupMembers];
            await ws.initStack(
                stack,
                {},
                {
                    "m365-mfa:baseline": {
                        // A break-glass account that is no Global Administrator: the role's holders are all moved.
                        breakGlassAccounts: [bystander.userPrincipalName],
                        perUserMfa: { assignments: [{ state: "enforced", users: everyone.map((u) => u.userPrincipalName) }] },
                        readiness: { mode: "off" },
                        guards: { maxUserChangeShare: 1 },
                    },
                },
            );
            const before = mfaWrites();
            const r = await ws.preview(stack);
            assert.notStrictEqual(r.code, 0, r.output);
            assert.doesNotMatch(r.output, /TypeError|Cannot read properties/);
            const flat = r.output.replace(/\s+/g, " ");
            assert.match(
                flat,
                new RegExp(
                    String.raw`this plan moves every Global Administrator \(.*\) to MFA and none has an MFA method registered: ` +
                        "no administrator could sign in",
                ),
            );
            for (const u of groupMembers)
                assert.ok(
                    flat.includes(`${u.userPrincipalName} through group Tier 0 admins (PIM)`),
                    `names ${u.userPrincipalName} through the group:\n${r.output}`,
                );
            for (const u of directGAs()) assert.ok(flat.includes(u.userPrincipalName), `names ${u.userPrincipalName}`);
            assert.match(flat, /1 service principal holds Global Administrator .* the guard does not count it/);
            assert.match(flat, /m365-mfa:baseline\.breakGlassAccounts/);
            assert.match(flat, /m365-mfa:baseline\.guards\.lockout to off/);
            assert.strictEqual(mfaWrites(), before, "nothing was written");

            // One member of the group registering a method is enough for the same plan.
            dir().updateUser(groupMembers[0].id, { methods: ["microsoftAuthenticatorPush"] });
            const ok = await ws.preview(stack);
            assert.strictEqual(ok.code, 0, ok.output);
        },
    );
});
