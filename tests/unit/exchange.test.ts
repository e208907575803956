/**
 * The Exchange Online client without a network: what the client puts on the wire, how it pages,
 * retries and reports errors. (The modern authentication setting's validation, diff and id:
 * settings/modernAuthentication/modernAuthentication.unit.test.ts.)
 */
import * as assert from "node:assert";
import {
    ExchangeClient,
    MissingExchangeRoleError,
    MissingPermissionError,
    TenantApiError,
    resolveConnection,
    mapConfigSource,
} from "../../client";
import { readExchangeError } from "../../client/exchange";
import { RetryPolicy, parseRetryAfter } from "../../client/retry";

interface Sent {
    url: string;
    headers: Record<string, string>;
    body: any;
}

const TENANT = "11111111-2222-3333-4444-555555555555";
const SECRET = "unit-secret-value-0123456789";

function client(answers: Array<(sent: Sent) => Response | Promise<Response>>, options = {}) {
    const conn = resolveConnection(mapConfigSource({ tenantId: TENANT, clientId: "app", clientSecret: SECRET }), {});
    const c = new ExchangeClient(conn, { policy: new RetryPolicy({ baseDelayMs: 5 }), ...options });
    let resets = 0;
    (c.tokens as any).getToken = async () => ({ token: `tok${resets}`, expiresOnTimestamp: Date.now() + 3600_000 });
    (c.tokens as any).reset = () => resets++;
    const sent: Sent[] = [];
    const realFetch = globalThis.fetch;
    const run = async <T>(fn: () => Promise<T>): Promise<T> => {
        globalThis.fetch = (async (url: string, init: RequestInit) => {
            const s = { url: String(url), headers: init.headers as Record<string, string>, body: JSON.parse(String(init.body)) };
            sent.push(s);
            const answer = answers.shift();
            if (!answer) {
                throw new Error("unexpected call");
            }
            return answer(s);
        }) as any;
        try {
            return await fn();
        } finally {
            globalThis.fetch = realFetch;
        }
    };
    return { c, sent, run, resets: () => resets };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
const dropped = () => {
    throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } });
};

describe("unit: Exchange Online client", () => {
    it("posts InvokeCommand with the anchor mailbox, page size and body ExchangeOnlineManagement sends", async () => {
        const { c, sent, run } = client([() => json(200, { value: [{ Name: "org" }] })]);
        assert.strictEqual(sent.length, 0, "construction makes no call");
        const got = await run(() => c.invoke("Get-OrganizationConfig"));
        assert.deepStrictEqual(got, [{ Name: "org" }]);
        assert.strictEqual(sent[0].url, `https://outlook.office365.com/adminapi/beta/${TENANT}/InvokeCommand`);
        assert.strictEqual(sent[0].headers.Authorization, "Bearer tok0");
        assert.strictEqual(sent[0].headers["X-AnchorMailbox"], `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${TENANT}`);
        assert.strictEqual(sent[0].headers.Prefer, "odata.maxpagesize=1000");
        assert.deepStrictEqual(sent[0].body, { CmdletInput: { CmdletName: "Get-OrganizationConfig", Parameters: {} } });
        assert.strictEqual(c.tokens.resource, "https://outlook.office365.com");
    });

    it("re-posts the same body to each nextLink, and refuses a nextLink on another host", async () => {
        const next = `https://outlook.office365.com/adminapi/beta/${TENANT}/InvokeCommand?$skiptoken=abc`;
        const { c, sent, run } = client([
            () => json(200, { value: [1, 2], "@odata.nextLink": next }),
            () => json(200, { value: [3], "@adminapi.warnings": ["w"] }),
        ]);
        const r = await run(() => c.execute("Get-CASMailbox", { ResultSize: "Unlimited" }));
        assert.deepStrictEqual(r, { value: [1, 2, 3], warnings: ["w"] });
        assert.strictEqual(sent[1].url, next);
        assert.deepStrictEqual(sent[1].body, sent[0].body);

        const evil = client([() => json(200, { value: [], "@odata.nextLink": "https://evil.example/steal" })]);
        await assert.rejects(
            evil.run(() => evil.c.invoke("Get-CASMailbox")),
            /points at another host \(https:\/\/evil\.example\); not following it/,
        );
        assert.strictEqual(evil.sent.length, 1);
    });

    it("takes a Set-* answer with value: null and @adminapi.warnings (no objects, the warnings kept)", async () => {
        const warning = "The command completed successfully but no settings of 'contoso.onmicrosoft.com' have been modified.";
        const { c, run } = client([() => json(200, { "@odata.context": "x", "@adminapi.warnings": [warning], value: null })]);
        assert.deepStrictEqual(await run(() => c.execute("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: true })), {
            value: [],
            warnings: [warning],
        });
        const absent = client([() => json(200, { "@adminapi.warnings": [warning] })]);
        assert.deepStrictEqual(await absent.run(() => absent.c.execute("Set-TransportConfig", {})), { value: [], warnings: [warning] });
        // A Get-* without a value array is still an error.
        const get = client([() => json(200, { "@adminapi.warnings": ["w"] })]);
        await assert.rejects(
            get.run(() => get.c.invoke("Get-OrganizationConfig")),
            /the answer has no value array/,
        );
    });

    it("honours Retry-After on 429 and retries 503 and 504, within bounds", async () => {
        const { c, sent, run } = client([
            () => json(429, { error: { code: "TooManyRequests", message: "slow down" } }, { "Retry-After": "0" }),
            () => json(503, { error: { code: "ServiceUnavailable", message: "busy" } }),
            () => json(504, {}),
            () => json(200, { value: ["ok"] }),
        ]);
        assert.deepStrictEqual(await run(() => c.invoke("Get-TransportConfig")), ["ok"]);
        assert.strictEqual(sent.length, 4);

        // A fake clock: back-off without Retry-After is 5, 10, 20 ms (random 0 takes the lower half), the budget 30 ms.
        let t = 0;
        const policy = new RetryPolicy({
            budgetMs: 30,
            baseDelayMs: 10,
            random: () => 0,
            now: () => t,
            sleep: async (ms) => void (t += ms),
        });
        const bounded = client(
            Array.from({ length: 3 }, () => () => json(503, { error: { code: "ServiceUnavailable", message: "down" } })),
            { policy },
        );
        await assert.rejects(
            bounded.run(() => bounded.c.invoke("Get-TransportConfig")),
            new RegExp(
                String.raw`gave up running Get-TransportConfig in Exchange Online after 3 attempts over 0\.0 s .*answered ` +
                    String.raw`503 ServiceUnavailable: down\. Nothing is lost: run pulumi up again to resume`,
            ),
        );
        assert.strictEqual(bounded.sent.length, 3);

        const tooLong = client([() => json(429, { error: { code: "TooManyRequests", message: "later" } }, { "Retry-After": "3600" })]);
        await assert.rejects(
            tooLong.run(() => tooLong.c.invoke("Get-TransportConfig")),
            /answered 429 TooManyRequests/,
        );
        assert.strictEqual(tooLong.sent.length, 1, "a Retry-After beyond the budget fails at once");
    });

    it("retries a dropped connection for Get-* and Set-*, not for New-*/Remove-* unless told it is idempotent", async () => {
        const get = client([dropped, () => json(200, { value: [] })]);
        await get.run(() => get.c.invoke("Get-OrganizationConfig"));
        assert.strictEqual(get.sent.length, 2);
        const set = client([dropped, () => json(200, { value: [] })]);
        await set.run(() => set.c.invoke("Set-OrganizationConfig", { OAuth2ClientProfileEnabled: true }));
        assert.strictEqual(set.sent.length, 2);
        const create = client([dropped]);
        await assert.rejects(
            create.run(() => create.c.invoke("New-AuthenticationPolicy", { Name: "x" })),
            (err: any) => {
                assert.ok(err instanceof TenantApiError);
                assert.strictEqual(err.status, undefined);
                assert.match(err.message, /New-AuthenticationPolicy failed: no answer \(ECONNRESET\)/);
                return true;
            },
        );
        assert.strictEqual(create.sent.length, 1);
        const remove = client([dropped, () => json(200, { value: [] })]);
        await remove.run(() => remove.c.invoke("Remove-AuthenticationPolicy", { Identity: "x" }, { idempotent: true }));
        assert.strictEqual(remove.sent.length, 2);
    });

    it("signs in again once on a 401, then reports a second 401", async () => {
        const once = client([
            () => json(401, { error: { code: "InvalidAuthenticationToken", message: "expired" } }),
            () => json(200, { value: [] }),
        ]);
        await once.run(() => once.c.invoke("Get-OrganizationConfig"));
        assert.strictEqual(once.resets(), 1);
        assert.strictEqual(once.sent[1].headers.Authorization, "Bearer tok1");
        const twice = client([
            () => json(401, { error: { code: "InvalidAuthenticationToken", message: "no" } }),
            () => json(401, { error: { code: "InvalidAuthenticationToken", message: "still no" } }),
        ]);
        await assert.rejects(
            twice.run(() => twice.c.invoke("Get-OrganizationConfig")),
            /answered 401 InvalidAuthenticationToken: still no/,
        );
    });

    it("reports Exchange's own words, the cmdlet and the request-id, and never the secret", async () => {
        const { c, run } = client([
            () =>
                json(
                    404,
                    {
                        error: {
                            code: "NotFound",
                            message: "Error executing cmdlet",
                            details: [
                                {
                                    code: "Context",
                                    target: "",
                                    message:
                                        "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|object " +
                                        `'${SECRET}' couldn't be found on 'X'.`,
                                },
                            ],
                        },
                    },
                    { "request-id": "rid-1" },
                ),
        ]);
        await assert.rejects(
            run(() => c.invoke("Get-CASMailbox", { Identity: "x" })),
            (err: any) => {
                assert.strictEqual(
                    err.message,
                    `Exchange Online POST /adminapi/beta/${TENANT}/InvokeCommand Get-CASMailbox answered 404 NotFound: ` +
                        `object '[redacted secret]' couldn't be found on 'X'. (ManagementObjectNotFoundException) (request-id rid-1)`,
                );
                return true;
            },
        );
    });

    it("reads error bodies in the order ExchangeOnlineManagement does, ignoring case", () => {
        assert.deepStrictEqual(readExchangeError({ error: { code: "C", message: "top" } }), { code: "C", message: "top" });
        assert.deepStrictEqual(
            readExchangeError({ error: { code: "C", message: "top", innererror: { internalException: { message: "inner" } } } }),
            { code: "C", message: "inner" },
        );
        assert.deepStrictEqual(
            readExchangeError({
                Error: {
                    Code: "C",
                    Message: "top",
                    Details: [{ Message: "|System.X.ParameterBindingException|A parameter cannot be found." }],
                },
            }),
            { code: "C", message: "A parameter cannot be found. (ParameterBindingException)" },
        );
        assert.deepStrictEqual(readExchangeError(undefined, "<html>Bad gateway</html>"), { message: "<html>Bad gateway</html>" });
    });

    it("reads Retry-After as seconds or as an HTTP date", () => {
        assert.strictEqual(parseRetryAfter("2"), 2000);
        assert.strictEqual(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
        assert.strictEqual(parseRetryAfter("soon"), undefined);
        assert.strictEqual(parseRetryAfter(null), undefined);
    });

    it("a 403 that is not JSON (no Entra role on the app) becomes an error naming the role to assign", async () => {
        const text =
            "The role assigned to application app isn't supported in this scenario. Please check online documentation for " +
            "assigning correct Directory Roles to Azure AD Application for EXO App-Only Authentication.";
        const { c, run } = client([() => new Response(text, { status: 403, headers: { "Content-Type": "text/plain" } })]);
        const err = await run(() => c.invoke("Get-OrganizationConfig")).then(
            () => assert.fail("should fail"),
            (e) => e,
        );
        assert.ok(err instanceof MissingExchangeRoleError);
        assert.ok(err instanceof TenantApiError);
        assert.strictEqual(err.status, 403);
        assert.match(
            err.message,
            /Get-OrganizationConfig answered 403: The role assigned to application app isn't supported in this scenario/,
        );
        assert.match(
            err.message,
            new RegExp(
                String.raw`assign it the Exchange Administrator role \(Entra admin center > Roles and administrators > ` +
                    "Exchange Administrator > Add assignments",
            ),
        );
        // A 403 in Exchange's JSON shape stays an ordinary error.
        const other = client([
            () =>
                json(403, {
                    error: { code: "Forbidden", message: "Error executing cmdlet", details: [{ message: "|X.AccessDenied|no" }] },
                }),
        ]);
        const e2 = await other
            .run(() => other.c.invoke("Get-OrganizationConfig"))
            .then(
                () => undefined,
                (e) => e,
            );
        assert.ok(e2 instanceof TenantApiError && !(e2 instanceof MissingExchangeRoleError));
    });

    it("names Exchange's permission and role when one is missing", () => {
        const e = new MissingPermissionError("Modern authentication", "write", ["Exchange.ManageAsApp"], [], "exchange");
        assert.match(
            e.message,
            /Grant the Office 365 Exchange Online application permission Exchange\.ManageAsApp and grant admin consent/,
        );
        assert.match(e.message, /plus the Exchange Administrator role for the app's service principal/);
        assert.match(e.message, /The token carries: no application permissions\./);
        const g = new MissingPermissionError("Security defaults", "write", ["Policy.ReadWrite.SecurityDefaults"], ["Policy.Read.All"]);
        assert.match(g.message, /Grant the Microsoft Graph application permission Policy\.ReadWrite\.SecurityDefaults/);
        assert.doesNotMatch(g.message, /Exchange/);
    });
});
