/**
 * An app's permissions belong to its tenant: a grant (the emulator's `app grant` command, or a test's
 * consent) changes that tenant's app only, never the lists every new tenant starts from. Before, the
 * provider app of each new tenant held the module's own list, so a grant in one emulator leaked into
 * every emulator started later in the same process (and hid a missing Directory.Read.All from tests).
 */
import * as assert from "node:assert";
import { setAppPermissions } from "../cli";
import { APPS, PROVIDER_GRAPH_ROLES, newTenant } from "../store";
import type { RunningEmulator } from "../server";
import { useEmulator } from "./support";

describe("emulator: app permissions are the tenant's", function () {
    this.timeout(30_000);
    let emu: RunningEmulator;
    useEmulator((e) => (emu = e));

    it("granting the provider app a permission in one tenant leaves a new tenant's provider app as Microsoft's defaults give it", () => {
        const before = [...PROVIDER_GRAPH_ROLES];
        assert.ok(!before.includes("Directory.Read.All"));
        const held = setAppPermissions(emu.store, emu.defaultTenant().tenantId, APPS.provider, ["Directory.Read.All"]);
        assert.ok(held.graphRoles.includes("Directory.Read.All"));
        assert.deepStrictEqual([...PROVIDER_GRAPH_ROLES], before, "the defaults every tenant starts from are unchanged");
        const fresh = newTenant().apps.find((a) => a.displayName === APPS.provider)!;
        assert.ok(!fresh.graphRoles.includes("Directory.Read.All"), "a new tenant's provider app does not hold the other tenant's grant");
        setAppPermissions(emu.store, emu.defaultTenant().tenantId, APPS.provider, ["Directory.Read.All"], true);
    });
});
