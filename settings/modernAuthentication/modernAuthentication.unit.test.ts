/**
 * The modern authentication setting without a network: its validation, diff and id.
 */
import * as assert from "node:assert";
import { modernAuthentication } from "./setting";

describe("unit: modern authentication setting", () => {
    it("validates: enabled must be a boolean, nothing else is accepted", () => {
        assert.deepStrictEqual(modernAuthentication.validate({ enabled: false }), { desired: { enabled: false }, failures: [] });
        const v = modernAuthentication.validate({ enabled: "true", OAuth2ClientProfileEnabled: true });
        assert.strictEqual(v.desired, undefined);
        assert.deepStrictEqual(
            v.failures.map((f) => f.property),
            ["OAuth2ClientProfileEnabled", "enabled"],
        );
        assert.match(
            modernAuthentication.validate({}).failures[0].reason,
            new RegExp(
                String.raw`enabled must be true or false \(true turns on modern authentication ` +
                    String.raw`\(OAuth2ClientProfileEnabled\) for Exchange Online\), got nothing`,
            ),
        );
    });

    it("diffs only the managed field; reads and writes Exchange, not Graph; names the resource by tenant", () => {
        const live = { enabled: false, organizationName: "contoso.onmicrosoft.com" };
        assert.deepStrictEqual(modernAuthentication.diff({ enabled: true }, live), [{ field: "enabled", from: false, to: true }]);
        assert.deepStrictEqual(modernAuthentication.diff({ enabled: false }, live), []);
        assert.deepStrictEqual(modernAuthentication.diff(modernAuthentication.desiredFromLive(live, { enabled: true }), live), []);
        assert.strictEqual(modernAuthentication.permissions.service, "exchange");
        assert.deepStrictEqual(modernAuthentication.permissions.write, ["Exchange.ManageAsApp"]);
        assert.strictEqual(modernAuthentication.id("tid", live), "tid/modernAuthentication");
    });
});
