/** GET /groups as Graph documents it (group-list.md): $select, $filter, $top and paging, $count. */
import * as assert from "node:assert";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { pages } from "../../client/batch";
import { clientsAs } from "../../harness/tenant";
import { useEmulator } from "../support/emulatorSuite";
import { addApp, rawGraph } from "../support/rawGraph";

describe("emulator: GET /groups", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    useEmulator(
        (e) => (emu = e),
        { throttling: { enabled: false } },
        async (e) => {
            e.directory().seed(60, 3);
            addApp(e, "groups-least", ["GroupMember.Read.All"]);
            addApp(e, "groups-none", ["User.Read.All"]);
        },
    );
    const all = () => [...emu.directory().groups.values()];

    it("lists every group with the default properties; unmodelled ones are null or []", async () => {
        const r = await rawGraph(emu, "GET", "/groups");
        assert.strictEqual(r.status, 200);
        assert.deepStrictEqual(
            r.body.value.map((g: any) => g.id).sort(),
            all()
                .map((g) => g.id)
                .sort(),
        );
        const g = r.body.value[0];
        assert.strictEqual(g.mail, null);
        assert.deepStrictEqual(g.groupTypes, []);
        assert.ok("securityEnabled" in g && "visibility" in g);
        assert.ok(r.body["@odata.context"].endsWith("$metadata#groups"));
    });

    it("$select: only the named properties; a name that is not a group property is 400", async () => {
        const r = await rawGraph(emu, "GET", "/groups?$select=id,displayName,membershipRule");
        assert.deepStrictEqual(Object.keys(r.body.value[0]).sort(), ["displayName", "id", "membershipRule"]);
        assert.strictEqual(r.body.value[0].membershipRule, null);
        assert.ok(r.body["@odata.context"].endsWith("groups(id,displayName,membershipRule)"));
        const bad = await rawGraph(emu, "GET", "/groups?$select=userPrincipalName");
        assert.strictEqual(bad.status, 400);
        assert.match(bad.body.error.message, /microsoft\.graph\.group/);
    });

    it("$filter: displayName eq, startswith, in; id eq; anything else 400 Request_UnsupportedQuery", async () => {
        const eq = await rawGraph(emu, "GET", `/groups?$filter=${encodeURIComponent("displayName eq 'all employees'")}`);
        assert.deepStrictEqual(
            eq.body.value.map((g: any) => g.displayName),
            ["All Employees"],
        );
        const sw = await rawGraph(emu, "GET", `/groups?$filter=${encodeURIComponent("startswith(displayName,'Department')")}`);
        assert.strictEqual(sw.body.value.length, 4);
        const inn = await rawGraph(
            emu,
            "GET",
            `/groups?$filter=${encodeURIComponent("displayName in ('Finance and Sales','Privileged Admins')")}`,
        );
        assert.strictEqual(inn.body.value.length, 2);
        const id = all()[2].id;
        const byId = await rawGraph(emu, "GET", `/groups?$filter=${encodeURIComponent(`id eq '${id}'`)}`);
        assert.deepStrictEqual(
            byId.body.value.map((g: any) => g.id),
            [id],
        );
        for (const f of [
            "mailEnabled eq true",
            "displayName gt 'A'",
            "groupTypes/any(c:c eq 'Unified')",
            "endswith(displayName,'Sales')",
        ]) {
            const r = await rawGraph(emu, "GET", `/groups?$filter=${encodeURIComponent(f)}`);
            assert.strictEqual(r.status, 400, f);
            assert.strictEqual(r.body.error.code, "Request_UnsupportedQuery", f);
        }
    });

    it("$top 1..999 with @odata.nextLink paging over every group; $skip refused", async () => {
        const seen: string[] = [];
        for await (const page of pages(clientsAs(emu).graph, "/groups?$top=2&$select=id")) {
            assert.ok(page.length <= 2);
            seen.push(...page.map((g: any) => g.id));
        }
        assert.deepStrictEqual(
            seen.sort(),
            all()
                .map((g) => g.id)
                .sort(),
        );
        for (const q of ["$top=0", "$top=1000", "$skip=2"]) {
            assert.strictEqual((await rawGraph(emu, "GET", `/groups?${q}`)).status, 400, q);
        }
    });

    it("$count needs ConsistencyLevel: eventual; with it @odata.count and /groups/$count", async () => {
        const without = await rawGraph(emu, "GET", "/groups?$count=true");
        assert.strictEqual(without.status, 400);
        assert.strictEqual(without.body.error.code, "Request_UnsupportedQuery");
        const eventual = { ConsistencyLevel: "eventual" };
        const q = `/groups?$count=true&$top=1&$filter=${encodeURIComponent("startswith(displayName,'a')")}`;
        const withIt = await rawGraph(emu, "GET", q, undefined, undefined, "v1.0", eventual);
        assert.strictEqual(withIt.body["@odata.count"], 1);
        const token = (await import("../support/rawGraph")).tokenFor;
        const res = await fetch(`${emu.origin}/v1.0/groups/$count`, {
            headers: { authorization: `Bearer ${await token(emu)}`, ...eventual },
        });
        assert.strictEqual(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
        assert.strictEqual(await res.text(), String(all().length));
    });

    it("permissions: GroupMember.Read.All is enough; without a group permission 403", async () => {
        assert.strictEqual((await rawGraph(emu, "GET", "/groups", undefined, "groups-least")).status, 200);
        assert.strictEqual((await rawGraph(emu, "GET", "/groups", undefined, "groups-none")).status, 403);
    });
});
