/** Directory roles in the emulator: activated roles and their members, permissions. */
import * as assert from "assert";
import type { RunningEmulator } from "../../emulator/server";
import { useEmulator } from "../support/emulatorSuite";
import { APPS } from "../../emulator/store";
import { clientsAs } from "../../harness/tenant";

const GA = "62e90394-69f5-4237-9190-012177145e10";

describe("emulator: directory roles", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;

    useEmulator((e) => (emu = e), {}, async () => {
        emu.directory().seed(400, 5);
    });

    it("lists activated roles and the Global Administrators, by role id and by template id", async () => {
        const graph = clientsAs(emu).graph;
        const roles = await graph.get("/directoryRoles");
        const ga = roles.value.find((r: any) => r.roleTemplateId === GA);
        assert.strictEqual(ga.displayName, "Global Administrator");
        const expected = [...emu.directory().users.values()].filter((u) => u.roles.includes("Global Administrator")).map((u) => u.id).sort();
        assert.ok(expected.length >= 2, "break-glass accounts and a few admins");
        const byId = await graph.get(`/directoryRoles/${ga.id}/members`);
        const byTemplate = await graph.get(`/directoryRoles(roleTemplateId='${GA}')/members`);
        assert.deepStrictEqual(byId.value.map((m: any) => m.id).sort(), expected);
        assert.deepStrictEqual(byTemplate.value.map((m: any) => m.id).sort(), expected);
        assert.ok(byId.value.every((m: any) => m["@odata.type"] === "#microsoft.graph.user"));
    });

    it("answers 404 for a role that is not activated and 403 without a directory read permission", async () => {
        await assert.rejects(clientsAs(emu).graph.get("/directoryRoles(roleTemplateId='00000000-0000-0000-0000-000000000000')/members"), /404 Request_ResourceNotFound/);
        await assert.rejects(clientsAs(emu, APPS.reader).graph.get("/directoryRoles"), /403 Authorization_RequestDenied/);
    });
});
