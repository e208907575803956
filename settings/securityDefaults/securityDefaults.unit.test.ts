import * as assert from "node:assert";
import { securityDefaults } from "./setting";

describe("unit: security defaults setting", () => {
    it("validates: isEnabled must be a boolean, nothing else is accepted", () => {
        assert.deepStrictEqual(securityDefaults.validate({ isEnabled: true }), { desired: { isEnabled: true }, failures: [] });
        const v = securityDefaults.validate({ isEnabled: "true", displayName: "x" });
        assert.strictEqual(v.desired, undefined);
        assert.deepStrictEqual(
            v.failures.map((f) => f.property),
            ["displayName", "isEnabled"],
        );
        assert.match(securityDefaults.validate({}).failures[0].reason, /got nothing/);
    });

    it("diffs only the managed field, and the live state satisfies itself", () => {
        const live = { isEnabled: false, policyId: "p", displayName: "Security Defaults" };
        assert.deepStrictEqual(securityDefaults.diff({ isEnabled: true }, live), [{ field: "isEnabled", from: false, to: true }]);
        assert.deepStrictEqual(securityDefaults.diff({ isEnabled: false }, live), []);
        assert.deepStrictEqual(securityDefaults.diff(securityDefaults.desiredFromLive(live, { isEnabled: true }), live), []);
    });

    it("names the resource by tenant", () => {
        assert.strictEqual(securityDefaults.id("tid", { isEnabled: true, policyId: "p", displayName: "" }), "tid/securityDefaults");
    });
});
