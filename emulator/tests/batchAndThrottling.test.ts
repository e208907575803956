/**
 * $batch and throttling as Microsoft's pages describe them:
 * - json-batching.md: request ids are "Not case-sensitive" (for uniqueness and dependsOn); each item's
 *   headers are those the server returns (Cache-Control, Content-Type of its body, OData-Version);
 * - throttling-limits.md (identity and access): resource-unit costs per path (GET users 2,
 *   groups/{id}/transitiveMembers 5, unlisted 1; $select -1, $top under 20 -1, never below 1);
 *   x-ms-throttle-scope (<Scope>/<Limit>/<ApplicationId>/<TenantId>) and x-ms-throttle-information only on
 *   throttled answers;
 * - includes/throttling-entra-logs-reports.md: directory audits share the five-requests-per-10-seconds
 *   limit of the sign-in logs, not the identity bucket.
 */
import * as assert from "node:assert";
import type { RunningEmulator } from "../server";
import { APPS } from "../store";
import { addApp, rawGraph, useEmulator } from "./support";

const SD = "/policies/identitySecurityDefaultsEnforcementPolicy";

describe("emulator: $batch ids and item headers, throttling costs and headers", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    useEmulator(
        (e) => (emu = e),
        { throttling: { enabled: false } },
        async () => {
            emu.directory().seed(120, 5);
        },
    );

    describe("$batch (json-batching.md)", () => {
        it("ids are not case-sensitive: 'a' and 'A' in one batch is a 400", async () => {
            const r = await rawGraph(emu, "POST", "/$batch", {
                requests: [
                    { id: "a", method: "GET", url: SD },
                    { id: "A", method: "GET", url: SD },
                ],
            });
            assert.strictEqual(r.status, 400, JSON.stringify(r.body));
        });

        it("dependsOn matches ids case-insensitively", async () => {
            const r = await rawGraph(emu, "POST", "/$batch", {
                requests: [
                    { id: "first", method: "GET", url: SD },
                    { id: "second", method: "GET", url: "/users/nobody@example.invalid", dependsOn: ["FIRST"] },
                    { id: "third", method: "GET", url: SD, dependsOn: ["Second"] },
                ],
            });
            assert.strictEqual(r.status, 200, JSON.stringify(r.body));
            const byId = Object.fromEntries(r.body.responses.map((x: any) => [x.id, x.status]));
            assert.deepStrictEqual(byId, { first: 200, second: 404, third: 424 });
        });

        it(
            "each item carries the headers Graph returns: Content-Type " + "of its body, OData-Version on OData answers, Cache-Control",
            async () => {
                const user = [...emu.directory().users.values()].find((u) => !u.breakGlass)!;
                const r = await rawGraph(
                    emu,
                    "POST",
                    "/$batch",
                    {
                        requests: [
                            { id: "1", method: "GET", url: `/users/${user.id}?$select=id` },
                            { id: "2", method: "GET", url: "/users/nobody@example.invalid" },
                            {
                                id: "3",
                                method: "PATCH",
                                url: `/users/${user.id}/authentication/requirements`,
                                body: { perUserMfaState: "disabled" },
                                headers: { "Content-Type": "application/json" },
                            },
                        ],
                    },
                    undefined,
                    "beta",
                );
                assert.strictEqual(r.status, 200, JSON.stringify(r.body));
                const byId = Object.fromEntries(r.body.responses.map((x: any) => [x.id, x]));
                assert.strictEqual(byId["1"].status, 200);
                assert.match(byId["1"].headers["Content-Type"], /^application\/json;odata\.metadata=minimal/);
                assert.strictEqual(byId["1"].headers["OData-Version"], "4.0");
                assert.strictEqual(byId["1"].headers["Cache-Control"], "no-cache");
                assert.strictEqual(byId["1"].headers["x-ms-resource-unit"], "1");
                assert.strictEqual(byId["2"].status, 404);
                assert.strictEqual(byId["2"].headers["Content-Type"], "application/json");
                assert.strictEqual(byId["3"].status, 204);
                assert.strictEqual(byId["3"].body, undefined);
                assert.ok(!Object.keys(byId["3"].headers).some((h) => h.toLowerCase() === "content-type"), "no body, no Content-Type");
            },
        );
    });

    describe("throttling (throttling-limits.md, throttling-entra-logs-reports.md)", () => {
        const units = async (path: string) => {
            const r = await rawGraph(
                emu,
                "GET",
                path,
                undefined,
                undefined,
                "v1.0",
                path.includes("microsoft.graph.user") ? { ConsistencyLevel: "eventual" } : {},
            );
            assert.strictEqual(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
            return r.headers.get("x-ms-resource-unit");
        };

        it("resource-unit costs per path: users 2, users/{id} 1, transitiveMembers 5; $select -1, $top under 20 -1", async () => {
            const group = [...emu.directory().groups.values()][0];
            const user = [...emu.directory().users.values()][0];
            assert.strictEqual(await units("/users"), "2");
            assert.strictEqual(await units("/users?$select=id"), "1");
            assert.strictEqual(await units("/users?$top=5"), "1");
            assert.strictEqual(await units("/users?$top=20"), "2");
            assert.strictEqual(await units(`/users/${user.id}`), "1");
            assert.strictEqual(await units(`/groups/${group.id}/transitiveMembers`), "5");
            assert.strictEqual(await units(`/groups/${group.id}/transitiveMembers?$select=id`), "4");
            assert.strictEqual(await units(`/groups/${group.id}/transitiveMembers?$select=id&$top=10`), "3");
            assert.strictEqual(
                await units(`/groups/${group.id}/transitiveMembers/microsoft.graph.user?$count=true&$select=id,userPrincipalName&$top=999`),
                "4",
            );
            assert.strictEqual(await units(SD), "1");
        });

        it(
            "x-ms-throttle-scope and x-ms-throttle-information only on throttled answers, the scope as " +
                "<Scope>/<Limit>/<ApplicationId>/<TenantId>",
            async () => {
                const ok = await rawGraph(emu, "GET", SD);
                assert.strictEqual(ok.headers.get("x-ms-throttle-scope"), null);
                assert.strictEqual(ok.headers.get("x-ms-throttle-information"), null);
                emu.throttle.options = { enabled: true, scale: 0.001 };
                try {
                    let last = ok;
                    for (let i = 0; i < 10 && last.status !== 429; i++) last = await rawGraph(emu, "GET", "/users");
                    assert.strictEqual(last.status, 429);
                    const app = emu.app(APPS.provider).appId;
                    const tenant = emu.defaultTenant().tenantId;
                    assert.strictEqual(last.headers.get("x-ms-throttle-scope"), `Tenant_Application/ReadWrite/${app}/${tenant}`);
                    assert.strictEqual(last.headers.get("x-ms-throttle-information"), "ResourceUnitLimitExceeded");
                    assert.match(last.headers.get("retry-after") ?? "", /^\d+$/);
                } finally {
                    emu.throttle.options = { enabled: false };
                }
            },
        );

        it("directory audits are under the reports limit (five requests per 10 s), not the identity bucket", async () => {
            const reader = "audit-reader";
            addApp(emu, reader, ["AuditLog.Read.All", "Directory.Read.All"]);
            emu.throttle.options = { enabled: true };
            try {
                const statuses: number[] = [];
                for (let i = 0; i < 7; i++)
                    statuses.push((await rawGraph(emu, "GET", "/auditLogs/directoryAudits?$top=1", undefined, reader)).status);
                assert.deepStrictEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
                assert.ok(
                    statuses.slice(5).every((s) => s === 429),
                    statuses.join(","),
                );
                // The identity bucket of the same app is untouched.
                const users = await rawGraph(emu, "GET", "/groups?$top=1", undefined, reader);
                assert.notStrictEqual(users.status, 429);
            } finally {
                emu.throttle.options = { enabled: false };
            }
        });
    });
});
