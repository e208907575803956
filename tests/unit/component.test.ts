import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";

/** The component's composition, under Pulumi's mocks (no engine, no tenant). */
describe("unit: TenantMfaBaseline composition", () => {
    const created: { type: string; name: string; inputs: any }[] = [];

    before(() => {
        pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    created.push({ type: args.type, name: args.name, inputs: args.inputs });
                    return { id: `${args.name}-id`, state: { ...args.inputs, tenantId: "tid" } };
                },
                call: () => ({}),
            },
            "m365-mfa",
            "unit",
            true,
        );
    });

    const outputOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

    it("creates the security defaults member with the desired value and reports the path", async () => {
        const { TenantMfaBaseline } = await import("../../components/TenantMfaBaseline");
        const b = new TenantMfaBaseline("t1", { securityDefaults: { enabled: true } });
        assert.deepStrictEqual(await outputOf(b.posture), {
            path: "security-defaults",
            legacyAuthentication: "security-defaults",
            securityDefaultsEnabled: true,
        });
        const sd = created.find((c) => c.name === "t1-security-defaults");
        assert.ok(sd, "member created");
        assert.strictEqual(sd!.type, "pulumi-nodejs:dynamic/m365-mfa:SecurityDefaults");
        assert.strictEqual(sd!.inputs.isEnabled, true);
    });

    it("adds the break-glass accounts to per-user MFA's exclusions", async () => {
        const { TenantMfaBaseline } = await import("../../components/TenantMfaBaseline");
        new TenantMfaBaseline("t3", {
            breakGlassAccounts: ["bg1@contoso.com", "bg2@contoso.com"],
            perUserMfa: { assignments: [{ state: "enforced", groups: ["g1"] }], excludeUsers: ["bg1@contoso.com", "svc@contoso.com"] },
        });
        await new Promise((r) => setTimeout(r, 50));
        const pum = created.find((c) => c.name === "t3-per-user-mfa");
        assert.ok(pum, "member created");
        assert.strictEqual(pum!.type, "pulumi-nodejs:dynamic/m365-mfa:PerUserMfa");
        assert.deepStrictEqual(pum!.inputs.excludeUsers, ["bg1@contoso.com", "bg2@contoso.com", "svc@contoso.com"]);
        assert.deepStrictEqual(pum!.inputs.assignments, [{ state: "enforced", groups: ["g1"] }]);
        // Each exclusion keeps the config key it was written at (bg1 once, from breakGlassAccounts).
        assert.deepStrictEqual(pum!.inputs.configKeys, {
            assignments: "m365-mfa:baseline.perUserMfa.assignments",
            "excludeUsers[0]": "m365-mfa:baseline.breakGlassAccounts[0]",
            "excludeUsers[1]": "m365-mfa:baseline.breakGlassAccounts[1]",
            "excludeUsers[2]": "m365-mfa:baseline.perUserMfa.excludeUsers[1]",
        });
    });

    it("manages nothing that is left out", async () => {
        const { TenantMfaBaseline } = await import("../../components/TenantMfaBaseline");
        const before = created.length;
        const b = new TenantMfaBaseline("t2", {});
        assert.deepStrictEqual(await outputOf(b.posture), { path: "unmanaged", legacyAuthentication: "not managed" });
        assert.strictEqual(created.filter((c) => c.name.startsWith("t2-")).length, 0);
        assert.ok(created.length >= before);
    });
});
