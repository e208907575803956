/**
 * Fidelity by construction: what the emulator does not model it refuses loudly. Every registered Graph
 * route (the dispatcher's table, emulator/server.ts GRAPH_ROUTES), in every version it serves, is sent
 * each query option it does not declare (emulator/graph/query.ts), directly and as a $batch item, and
 * must answer 400 with "not modelled by the emulator" (or Graph's documented refusal where the route
 * declares one, e.g. $skip on /groups) instead of a 200 that ignores the option.
 */
import * as assert from "node:assert";
import { GRAPH_ROUTES } from "../server";
import type { RunningEmulator } from "../server";
import type { Route } from "../graph/routes";
import { rawGraph, tokenFor, useEmulator } from "./support";

/** Options no route may ignore; each route is sent those it does not declare. */
const PROBES: readonly [string, string][] = [
    ["$search", '"displayName:a"'],
    ["$count", "true"],
    ["$expand", "manager"],
    ["$orderbydisplayName", "x"],
    ["$orderby", "displayName"],
    ["$select", "id"],
    ["$filter", "id eq 'x'"],
    ["$top", "5"],
    ["$skip", "1"],
    ["$skiptoken", "bzox"],
    ["$format", "json"],
    ["$apply", "groupby((displayName))"],
    ["api-version", "1.6"],
];

/** A concrete path for a route's pattern (its capture groups filled with an id), checked against the pattern. */
function concretePath(route: Route): string {
    let src = route.pattern.source.replace(/^\^/, "").replace(/\$$/, "");
    // Capture groups: an id.
    src = src.replace(/\(\[\^[^\]]*\]\+\)/g, "00000000-0000-0000-0000-0000000000aa");
    src = firstBranches(src);
    // Optional groups (...)?: left out.
    src = src.replace(/\((?:[^()]|\([^()]*\))*\)\?/g, "");
    const path = src.replace(/\\\//g, "/").replace(/\\\$/g, "$").replace(/\\\./g, ".").replace(/\\\(/g, "(").replace(/\\\)/g, ")");
    if (!route.pattern.test(path)) {
        throw new Error(`cannot build a concrete path for ${route.method} ${route.pattern} (got ${path})`);
    }
    return path;
}

/** Replaces each (?:A|B) group of a regular expression's source with its first branch (escapes and classes respected). */
function firstBranches(src: string): string {
    let out = "";
    for (let i = 0; i < src.length; i++) {
        if (src.startsWith("(?:", i)) {
            let depth = 0;
            let j = i;
            const bars: number[] = [];
            for (; j < src.length; j++) {
                const ch = src[j];
                if (ch === "\\") {
                    j++;
                } else if (ch === "[") {
                    while (j < src.length && src[j] !== "]") j++;
                } else if (ch === "(") {
                    depth++;
                } else if (ch === ")") {
                    depth--;
                    if (depth === 0) break;
                } else if (ch === "|" && depth === 1) {
                    bars.push(j);
                }
            }
            out += firstBranches(src.slice(i + 3, bars[0] ?? j));
            i = j;
        } else {
            out += src[i];
        }
    }
    return out;
}

describe("emulator: every route refuses the query options it does not model", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    useEmulator((e) => (emu = e), { throttling: { enabled: false } });

    const cases = GRAPH_ROUTES.flatMap((route) =>
        route.versions.flatMap((version) =>
            PROBES.filter(([option]) => !(route.query?.options ?? []).includes(option.toLowerCase())).map(([option, value]) => ({
                route,
                version,
                option,
                value,
            })),
        ),
    );

    it("every route has a concrete path and the walk covers each of them", () => {
        const paths = GRAPH_ROUTES.map((r) => `${r.method} ${concretePath(r)}`);
        assert.strictEqual(new Set(paths).size, GRAPH_ROUTES.length, "one path per route");
        console.log(
            `      ${GRAPH_ROUTES.length} routes walked (${cases.length} route/version/option probes, each sent directly and in $batch)`,
        );
        assert.ok(GRAPH_ROUTES.length >= 30, `${GRAPH_ROUTES.length} routes`);
    });

    const expectRefusal = (what: string, status: number, body: any, route: Route, option: string) => {
        const documented = route.query?.refused?.[option.toLowerCase()];
        assert.strictEqual(status, documented?.status ?? 400, `${what}: ${JSON.stringify(body)}`);
        if (documented) {
            assert.strictEqual(body.error.code, documented.code, what);
        } else {
            assert.match(body.error.message, /not modelled by the emulator/, `${what}: ${body.error.message}`);
        }
    };

    it(
        "directly: 400 'not modelled by the emulator' (or Graph's " + "documented refusal), never an answer that ignores the option",
        async () => {
            for (const c of cases) {
                const path = `${concretePath(c.route)}?${encodeURIComponent(c.option)}=${encodeURIComponent(c.value)}`;
                const hasBody = ["POST", "PATCH", "PUT"].includes(c.route.method);
                const r = await rawGraph(emu, c.route.method, path, hasBody ? {} : undefined, undefined, c.version);
                expectRefusal(`${c.route.method} /${c.version}${path}`, r.status, r.body, c.route, c.option);
            }
        },
    );

    it("as $batch items: the same refusal in the item's answer", async () => {
        for (const version of ["v1.0", "beta"] as const) {
            const mine = cases.filter((c) => c.version === version);
            for (let i = 0; i < mine.length; i += 20) {
                const chunk = mine.slice(i, i + 20);
                const requests = chunk.map((c, k) => {
                    const write = ["POST", "PATCH", "PUT"].includes(c.route.method);
                    return {
                        id: String(k + 1),
                        method: c.route.method,
                        url: `${concretePath(c.route)}?${encodeURIComponent(c.option)}=${encodeURIComponent(c.value)}`,
                        ...(write ? { body: {}, headers: { "Content-Type": "application/json" } } : {}),
                    };
                });
                const r = await rawGraph(emu, "POST", "/$batch", { requests }, undefined, version);
                assert.strictEqual(r.status, 200);
                for (const item of r.body.responses) {
                    const c = chunk[Number(item.id) - 1];
                    expectRefusal(
                        `$batch ${c.route.method} /${version}${requests[Number(item.id) - 1].url}`,
                        item.status,
                        item.body,
                        c.route,
                        c.option,
                    );
                }
            }
        }
    });

    it(
        "routes Graph serves that the emulator does not are refused loudly, not answered 'Resource not found' (doc-divergences " + "3-6)",
        async () => {
            const group = [...emu.directory().groups.values()][0];
            const user = [...emu.directory().users.values()][0];
            for (const [path, version] of [
                [`/groups/${group.id}/transitiveMembers/microsoft.graph.group?$count=true`, "v1.0"],
                [`/groups/${group.id}/members`, "v1.0"],
                [`/users/${user.id}/authentication/signInPreferences`, "beta"],
            ]) {
                const r = await rawGraph(emu, "GET", path, undefined, undefined, version, { ConsistencyLevel: "eventual" });
                assert.strictEqual(r.status, 400, path);
                assert.match(r.body.error.message, /not modelled by the emulator; Graph serves it/, path);
            }
            // A path Graph does not have is still its own 400.
            const none = await rawGraph(emu, "GET", `/users/${user.id}/authentication/signInPreferences`);
            assert.match(none.body.error.message, /Resource not found for the segment/);
        },
    );

    it(
        "/users/$count and transitiveMembers/$count answer the count as text with ConsistencyLevel: eventual; path segments are " +
            "case-insensitive",
        async () => {
            const group = [...emu.directory().groups.values()][0];
            const users = await fetchText(`/users/$count`);
            assert.strictEqual(users, String(emu.directory().users.size));
            assert.strictEqual(
                await fetchText(`/groups/${group.id}/transitiveMembers/$count`),
                String(emu.directory().transitiveUsers(group.id).length),
            );
            const noHeader = await rawGraph(emu, "GET", "/users/$count");
            assert.strictEqual(noHeader.status, 400);
            assert.strictEqual(noHeader.body.error.code, "Request_UnsupportedQuery");
            const lower = await rawGraph(emu, "GET", `/groups/${group.id}/transitivemembers?$select=id`);
            assert.strictEqual(lower.status, 200);
            // An unquoted Guid literal parses; assignedLicenses is then refused as not modelled.
            const lic = await rawGraph(
                emu,
                "GET",
                `/users?$filter=${encodeURIComponent("assignedLicenses/any(u:u/skuId eq cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46)")}`,
            );
            assert.strictEqual(lic.status, 400);
            assert.match(lic.body.error.message, /property 'assignedLicenses' of resource 'User'.*not modelled by the emulator/);
        },
    );

    async function fetchText(path: string): Promise<string> {
        const r = await rawGraphText(path);
        assert.strictEqual(r.status, 200, `${path}: ${r.text}`);
        assert.match(r.type, /^text\/plain/);
        return r.text;
    }

    async function rawGraphText(path: string): Promise<{ status: number; type: string; text: string }> {
        const token = await tokenFor(emu);
        const res = await fetch(`${emu.origin}/v1.0${path}`, {
            headers: { authorization: `Bearer ${token}`, ConsistencyLevel: "eventual" },
        });
        return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
    }

    it("a route's declared options pass the check (the refusal is not blanket)", async () => {
        const users = await rawGraph(emu, "GET", `/users?$select=id&$top=5&$filter=${encodeURIComponent("accountEnabled eq true")}`);
        assert.strictEqual(users.status, 200, JSON.stringify(users.body));
        const filterOnUnlisted = await rawGraph(emu, "GET", `/users?$filter=${encodeURIComponent("city eq 'Redmond'")}`);
        assert.strictEqual(filterOnUnlisted.status, 400);
        assert.strictEqual(filterOnUnlisted.body.error.code, "Request_UnsupportedQuery");
        assert.match(filterOnUnlisted.body.error.message, /property 'city' of resource 'User'.*not modelled by the emulator/);
        // ne is an advanced query on directory objects (aad-advanced-queries.md).
        const ne = await rawGraph(emu, "GET", `/users?$filter=${encodeURIComponent("userType ne 'Guest'")}`);
        assert.strictEqual(ne.status, 400);
        assert.match(ne.body.error.message, /Try adding \$count=true query parameter and ConsistencyLevel:eventual header/);
        const neAdvanced = await rawGraph(
            emu,
            "GET",
            `/users?$count=true&$filter=${encodeURIComponent("userType ne 'Guest'")}`,
            undefined,
            undefined,
            "v1.0",
            { ConsistencyLevel: "eventual" },
        );
        assert.strictEqual(neAdvanced.status, 200);
        const guests = [...emu.directory().users.values()].filter((u) => u.userType !== "Guest").length;
        assert.strictEqual(neAdvanced.body["@odata.count"], guests);
    });
});
