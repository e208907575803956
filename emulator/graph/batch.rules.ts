import type { RuleTable } from "../rules";

const BATCH = "microsoftgraph/microsoft-graph-docs-contrib concepts/json-batching.md";
const ITEM = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    method: "GET",
    url: "/policies/identitySecurityDefaultsEnforcementPolicy",
    ...extra,
});

/** JSON batching (server.ts batch()). */
export const RULES: RuleTable = {
    area: "batch",
    file: "emulator/server.ts (batch)",
    rules: [
        {
            id: "batch.route",
            kind: "route",
            statement: "POST /$batch (v1.0 and beta) answers 200; each item carries its own status.",
            source: BATCH,
            modelled: true,
            route: { methods: ["POST"], path: "/$batch", versions: ["v1.0", "beta"] },
            probe: {
                method: "POST",
                path: "/$batch",
                body: { requests: [ITEM("1"), ITEM("2", { url: "/users/nobody@example.invalid" })] },
            },
            expect: { status: 200, items: { "1": 200, "2": 404 } },
        },
        {
            id: "batch.max20",
            kind: "error",
            statement: "A batch holds at most 20 requests.",
            source: BATCH,
            modelled: true,
            probe: { method: "POST", path: "/$batch", body: { requests: Array.from({ length: 21 }, (_, i) => ITEM(String(i + 1))) } },
            expect: { status: 400 },
        },
        {
            id: "batch.uniqueIds",
            kind: "error",
            statement: "Request ids must be unique in the batch.",
            source: BATCH,
            modelled: true,
            probe: { method: "POST", path: "/$batch", body: { requests: [ITEM("1"), ITEM("1")] } },
            expect: { status: 400 },
        },
        {
            id: "batch.idsCaseInsensitive",
            kind: "error",
            statement: "Ids are not case-sensitive: 'a' and 'A' are the same id, so a batch with both fails with 400.",
            source:
                `${BATCH} (id: "Not case-sensitive. Must be unique in the batch, otherwise, the batch request fails with a 400 ` +
                `error code.")`,
            modelled: true,
            probe: { method: "POST", path: "/$batch", body: { requests: [ITEM("a"), ITEM("A")] } },
            expect: { status: 400 },
        },
        {
            id: "batch.dependsOnCaseInsensitive",
            kind: "status",
            statement: "dependsOn names ids, which are not case-sensitive: dependsOn ['A'] waits for the request with id 'a'.",
            source: `${BATCH} (id: "Not case-sensitive"; "Sequencing requests with the dependsOn property")`,
            modelled: true,
            probe: { method: "POST", path: "/$batch", body: { requests: [ITEM("a"), ITEM("b", { dependsOn: ["A"] })] } },
            expect: { status: 200, items: { a: 200, b: 200 } },
        },
        {
            id: "batch.writeItemBody",
            kind: "header",
            statement:
                "Every write item (POST, PATCH, PUT) carries a body and a Content-Type header, {} where the call takes no " +
                "body; otherwise the whole batch is refused with 400.",
            source:
                `${BATCH} (request format); microsoftgraph/msgraph-sdk-dotnet#2628 ("Write request id : N does not contain ` +
                `Content-Type header or body")`,
            modelled: true,
            probe: {
                method: "POST",
                path: "/$batch",
                body: { requests: [{ id: "1", method: "POST", url: "/users/{user}/revokeSignInSessions" }] },
            },
            expect: { status: 400, message: "Write request id : 1 does not contain Content-Type header or body" },
        },
        {
            id: "batch.dependsOn",
            kind: "status",
            statement: "An item whose dependsOn request failed answers 424 Failed Dependency.",
            source: BATCH,
            modelled: true,
            probe: {
                method: "POST",
                path: "/$batch",
                body: { requests: [ITEM("1", { url: "/users/nobody@example.invalid" }), ITEM("2", { dependsOn: ["1"] })] },
            },
            expect: { status: 200, items: { "1": 404, "2": 424 } },
        },
        {
            id: "batch.itemThrottling",
            kind: "throttling",
            statement: "Items are evaluated against throttling limits on their own: the batch answers 200 while an item gets 429.",
            source: `${BATCH} (throttling and batching)`,
            modelled: true,
            probe: {
                method: "POST",
                path: "/$batch",
                throttleScale: 1,
                body: {
                    requests: [
                        ITEM("1", { url: "/identity/conditionalAccess/policies" }),
                        ITEM("2", { url: "/identity/conditionalAccess/policies" }),
                    ],
                },
            },
            expect: { status: 200, items: { "1": 200, "2": 429 } },
        },
    ],
};
