import * as assert from "node:assert";
import { TenantApiError } from "../../client";
import { isExchangeNotFound, mapLimited } from "../../providers/framework/exchange";

describe("unit: Exchange setting helpers", () => {
    it("recognises Exchange's not-found by status or by exception type, and nothing else", () => {
        const err = (status: number | undefined, detail: string) =>
            new TenantApiError("Exchange Online", "POST", "/InvokeCommand Get-CASMailbox", status, "x", detail);
        assert.ok(isExchangeNotFound(err(404, "couldn't be found")));
        assert.ok(isExchangeNotFound(err(400, "The operation couldn't be performed (ManagementObjectNotFoundException)")));
        assert.ok(!isExchangeNotFound(err(400, "A parameter cannot be found")));
        assert.ok(!isExchangeNotFound(new TenantApiError("Microsoft Graph", "GET", "/users/x", 404, "Request_ResourceNotFound", "")));
    });

    it("mapLimited keeps order and never runs more than the limit at once", async () => {
        let running = 0;
        let most = 0;
        const out = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
            running++;
            most = Math.max(most, running);
            await new Promise((r) => setTimeout(r, n * 3));
            running--;
            return n * 10;
        });
        assert.deepStrictEqual(out, [50, 10, 40, 20, 30]);
        assert.strictEqual(most, 2);
        assert.deepStrictEqual(await mapLimited([], 4, async () => 1), []);
    });
});

describe("unit: mapLimited after a failure", () => {
    it("starts no new item once one has failed, and throws that failure", async () => {
        const started: number[] = [];
        await assert.rejects(
            mapLimited([1, 2, 3, 4, 5, 6], 2, async (n) => {
                started.push(n);
                await new Promise((r) => setTimeout(r, 5));
                if (n === 2) {
                    throw new Error("boom");
                }
                return n;
            }),
            /boom/,
        );
        await new Promise((r) => setTimeout(r, 30));
        assert.ok(started.length <= 3, `started ${started.join(",")}`);
    });
});
