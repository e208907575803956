/**
 * One baseline applied to several emulated tenants with the Automation API: one stack per tenant,
 * bounded parallelism, a result per tenant, and one tenant's failure does not stop the others.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PULUMI_BIN_DIR, PulumiWorkspace, copyProject } from "../../harness/engine";
import { startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "../../emulator/server";
import { APPS } from "../../emulator/store";
import { TenantTarget, resultTable, runBaseline, validateTenants } from "../../multitenant/run";

describe("engine: one baseline, many tenants (Automation API)", function () {
    this.timeout(600_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    let projectDir: string;

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-mt-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        emu.store.addTenant("Fabrikam (emulated)");
        emu.store.addTenant("Northwind (emulated)");
        for (const id of emu.store.tenantIds()) {
            emu.store.mutate(() => {
                emu.store.tenant(id)!.securityDefaults.isEnabled = false;
            });
        }
        projectDir = copyProject(path.join(tmp, "project"));
        ws = new PulumiWorkspace({ projectDir, workDir: path.join(tmp, "work"), env: { NODE_EXTRA_CA_CERTS: emu.caCertPath } });
    });

    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("applies the baseline to every tenant it can, and reports the one it cannot", async () => {
        const ids = emu.store.tenantIds();
        const targets: TenantTarget[] = ids.map((id, i) => {
            const app = emu.app(APPS.provider, id);
            process.env[`MT_SECRET_${i}`] = app.secret;
            return { name: `tenant${i}`, tenantId: id, clientId: app.appId, clientSecretEnv: `MT_SECRET_${i}`, authorityHost: emu.origin, graphEndpoint: emu.origin, exchangeEndpoint: emu.origin };
        });
        // A fourth tenant whose secret is wrong: it must fail alone.
        process.env.MT_SECRET_BAD = "not-the-right-secret-123";
        targets.push({ ...targets[1], name: "broken", clientSecretEnv: "MT_SECRET_BAD" });
        const results = await runBaseline(validateTenants(targets), { securityDefaults: { enabled: true } }, {
            projectDir,
            operation: "up",
            parallel: 2,
            env: ws.environment(),
            pulumiRoot: path.dirname(PULUMI_BIN_DIR),
        });
        const table = resultTable(results);
        assert.deepStrictEqual(results.map((r) => [r.tenant, r.status]), [["tenant0", "succeeded"], ["tenant1", "succeeded"], ["tenant2", "succeeded"], ["broken", "failed"]], table);
        for (const id of ids) {
            assert.strictEqual(emu.store.tenant(id)!.securityDefaults.isEnabled, true, `tenant ${id} has the baseline`);
        }
        assert.match(results[3].error!, /AADSTS7000215/);
        assert.ok(!table.includes("not-the-right-secret-123"), "no secret in the table");
        assert.match(table, /3 of 4 tenants succeeded/);
        assert.ok(results.slice(0, 3).every((r) => (r.changes.create ?? 0) >= 1));

        // A second run is a no-op everywhere that succeeded.
        const again = await runBaseline(targets.slice(0, 3), { securityDefaults: { enabled: true } }, { projectDir, operation: "preview", parallel: 3, env: ws.environment(), pulumiRoot: path.dirname(PULUMI_BIN_DIR) });
        assert.ok(again.every((r) => r.status === "succeeded" && !r.changes.update && !r.changes.create), resultTable(again));
    });

    it("rejects a bad tenants file with the field at fault", () => {
        assert.throws(() => validateTenants([]), /non-empty list/);
        assert.throws(() => validateTenants([{ name: "a b", tenantId: "x" }]), /tenants\[0\]\.name must be/);
        assert.throws(() => validateTenants([{ name: "a", tenantId: "x" }, { name: "a", tenantId: "y" }]), /tenants\[1\]\.name "a" appears twice/);
    });
});
