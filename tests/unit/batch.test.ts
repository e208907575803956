/**
 * What runBatched puts in a $batch, against Graph's documented rules (json-batching.md): every write
 * item (POST, PATCH, PUT) carries a body and a Content-Type, `{}` where the call takes no body; reads
 * and deletes carry neither.
 */
import * as assert from "assert";
import { runBatched } from "../../client/batch";
import type { GraphClient } from "../../client/graph";
import { RetryPolicy } from "../../client/retry";

function recordingGraph(): { graph: GraphClient; sent: any[] } {
    const sent: any[] = [];
    const graph = {
        policy: new RetryPolicy(),
        post: async (path: string, body: any) => {
            assert.strictEqual(path, "/$batch");
            sent.push(...body.requests);
            return { responses: body.requests.map((r: any) => ({ id: r.id, status: 200, body: { value: true } })) };
        },
    } as unknown as GraphClient;
    return { graph, sent };
}

describe("unit: $batch items", () => {
    it("a bodiless POST (revokeSignInSessions) goes with body {} and Content-Type: application/json", async () => {
        const { graph, sent } = recordingGraph();
        await runBatched(graph, [
            { method: "POST", url: "/users/a/revokeSignInSessions" },
            { method: "PATCH", url: "/users/a/authentication/requirements", body: { perUserMfaState: "enabled" } },
            { method: "PUT", url: "/x" },
            { method: "GET", url: "/users/a" },
            { method: "DELETE", url: "/users/a/authentication/emailMethods/1" },
        ]);
        const byUrl = Object.fromEntries(sent.map((r) => [`${r.method} ${r.url}`, r]));
        for (const key of ["POST /users/a/revokeSignInSessions", "PUT /x"]) {
            assert.deepStrictEqual(byUrl[key].body, {}, key);
            assert.deepStrictEqual(byUrl[key].headers, { "Content-Type": "application/json" }, key);
        }
        assert.deepStrictEqual(byUrl["PATCH /users/a/authentication/requirements"].body, { perUserMfaState: "enabled" });
        assert.deepStrictEqual(byUrl["PATCH /users/a/authentication/requirements"].headers, { "Content-Type": "application/json" });
        for (const key of ["GET /users/a", "DELETE /users/a/authentication/emailMethods/1"]) {
            assert.strictEqual(byUrl[key].body, undefined, key);
            assert.strictEqual(byUrl[key].headers, undefined, key);
        }
    });
});
