import * as assert from "node:assert";
import { AUTH_POLICY_PROTOCOLS, authenticationPolicy } from "./setting";

const allBlocked = Object.fromEntries(AUTH_POLICY_PROTOCOLS.map((p) => [p, false])) as any;

describe("unit: authentication policy setting", () => {
    const live = {
        exists: true,
        policyName: "P",
        policyGuid: "g",
        allowBasicAuth: { ...allBlocked, Smtp: true },
        isOrganizationDefault: true,
    };

    it("diffs protocol by protocol and the default; leaving the default out stops managing it", () => {
        const desired = authenticationPolicy.validate({ name: "P", allowBasicAuth: { Imap: true }, organizationDefault: false }).desired!;
        assert.deepStrictEqual(authenticationPolicy.diff(desired, live), [
            { field: "allowBasicAuth.Imap", from: false, to: true },
            { field: "allowBasicAuth.Smtp", from: true, to: false },
            { field: "organizationDefault", from: true, to: false },
        ]);
        const unmanaged = authenticationPolicy.validate({ name: "p", allowBasicAuth: { Smtp: true } }).desired!;
        assert.deepStrictEqual(authenticationPolicy.diff(unmanaged, live), [{ field: "organizationDefault", from: true, to: undefined }]);
        assert.deepStrictEqual(
            authenticationPolicy.diff(unmanaged, { ...live, isOrganizationDefault: undefined }),
            [],
            "names compare without case",
        );
    });

    it("a missing policy is one change; the live state satisfies itself", () => {
        const desired = authenticationPolicy.validate({ name: "P", organizationDefault: true }).desired!;
        assert.deepStrictEqual(
            authenticationPolicy.diff(desired, { exists: false, isOrganizationDefault: false }).map((c) => c.field),
            ["exists", "organizationDefault"],
        );
        assert.deepStrictEqual(authenticationPolicy.diff(authenticationPolicy.desiredFromLive(live, desired), live), []);
        assert.strictEqual(authenticationPolicy.id("tid", live), "tid/authenticationPolicy/P");
        assert.deepStrictEqual(authenticationPolicy.replaceOnChanges, ["name"]);
    });
});
