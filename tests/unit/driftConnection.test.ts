/**
 * The drift check's audit-log connection: read straight from the stack's config file when it holds it
 * in plain text, and left to `pulumi config --show-secrets` (undefined here) whenever only the engine
 * can tell the values: a secret, an ESC environment, project-level config, or no file.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { plainConnectionValues } from "../../pipelines/cli";

describe("unit: the drift check's connection from the stack's config file", () => {
    let dir: string;
    const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-drift-conn-"));
        write("Pulumi.yaml", "name: m365-mfa\nruntime: nodejs\n");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads the plain m365-mfa:* values, ignoring other namespaces and object values", () => {
        write(
            "Pulumi.prod.yaml",
            "config:\n  m365-mfa:tenantId: t-1\n  m365-mfa:clientId: c-1\n  m365-mfa:retryBudgetSeconds: 600\n  " +
                "m365-mfa:baseline:\n    securityDefaults: { enabled: true }\n  azuread:tenantId: other\n",
        );
        assert.deepStrictEqual(plainConnectionValues({ stack: "org/prod" }, dir), {
            tenantId: "t-1",
            clientId: "c-1",
            retryBudgetSeconds: "600",
        });
        write("custom.yaml", "config:\n  m365-mfa:tenantId: t-2\n");
        assert.deepStrictEqual(plainConnectionValues({ stack: "prod", configFile: path.join(dir, "custom.yaml") }, dir), {
            tenantId: "t-2",
        });
    });

    it("leaves it to the engine for a secret, an ESC environment, project-level config, or no file", () => {
        write("Pulumi.s.yaml", "config:\n  m365-mfa:tenantId: t\n  m365-mfa:clientSecret:\n    secure: AAABAxyz\n");
        assert.strictEqual(plainConnectionValues({ stack: "s" }, dir), undefined);
        write("Pulumi.e.yaml", "environment:\n  - tenants/prod\nconfig:\n  m365-mfa:tenantId: t\n");
        assert.strictEqual(plainConnectionValues({ stack: "e" }, dir), undefined);
        assert.strictEqual(plainConnectionValues({ stack: "missing" }, dir), undefined);
        write("Pulumi.p.yaml", "config:\n  m365-mfa:tenantId: t\n");
        write("Pulumi.yaml", "name: m365-mfa\nruntime: nodejs\nconfig:\n  m365-mfa:clientId: from-project\n");
        assert.strictEqual(plainConnectionValues({ stack: "p" }, dir), undefined);
    });
});
