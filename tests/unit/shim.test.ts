import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "../../providers/shim";

/**
 * What Pulumi stores in state as __provider: it must be the small shim, with nothing of the
 * implementation, the client layer or any credential captured, and the same text on every run.
 */
describe("unit: the serialized provider shim", () => {
    const serialize = async (type: string) => {
        const provider = providerShim(type);
        const fn = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
        return fn.text;
    };

    it("is small, self-contained and deterministic", async () => {
        const a = await serialize("SecurityDefaults");
        const b = await serialize("SecurityDefaults");
        assert.strictEqual(a, b);
        assert.ok(a.length < 6000, `shim is ${a.length} characters`);
        assert.match(a, /type: "SecurityDefaults"/);
        for (const banned of ["ClientSecretCredential", "microsoft-graph-client", "SettingProvider", "AZURE_CLIENT_SECRET", "__awaiter"]) {
            assert.ok(!a.includes(banned), `shim captures ${banned}`);
        }
    });

    it("differs between resource types only by the type name", async () => {
        const a = await serialize("SecurityDefaults");
        const b = await serialize("OtherSetting");
        assert.strictEqual(a.replace("SecurityDefaults", "OtherSetting"), b);
    });
});
