import * as assert from "assert";
import { BaselineConfigError, baselineArgsFromConfig } from "../../components/config";

describe("unit: baseline stack config", () => {
    it("accepts a valid baseline", () => {
        assert.deepStrictEqual(baselineArgsFromConfig({ securityDefaults: { enabled: false } }), {
            securityDefaults: { enabled: false },
        });
        assert.deepStrictEqual(baselineArgsFromConfig({}), {});
    });

    it("explains a missing baseline with an example", () => {
        assert.throws(() => baselineArgsFromConfig(undefined), (e: Error) => {
            assert.ok(e instanceof BaselineConfigError);
            assert.match(e.message, /m365-mfa:baseline is not set/);
            assert.match(e.message, /securityDefaults:\n\s+enabled: true/);
            return true;
        });
    });

    it("names every wrong key with its full path, at once", () => {
        assert.throws(
            () => baselineArgsFromConfig({ securityDefaults: { enabled: "true", enable: true }, mfa: 1 }),
            (e: BaselineConfigError) => {
                assert.deepStrictEqual(e.problems, [
                    "m365-mfa:baseline.mfa is not a known setting (known: securityDefaults)",
                    "m365-mfa:baseline.securityDefaults.enable is not a known setting (known: enabled)",
                    'm365-mfa:baseline.securityDefaults.enabled must be true or false, got "true"',
                ]);
                assert.match(e.message, /nothing was changed/);
                return true;
            },
        );
    });

    it("rejects non-object values", () => {
        assert.throws(() => baselineArgsFromConfig("on"), /m365-mfa:baseline must be an object, got "on"/);
        assert.throws(() => baselineArgsFromConfig({ securityDefaults: true }), /securityDefaults must be an object like \{ enabled: true \}, got true/);
    });
});
