import * as assert from "assert";
import { TenantApiError } from "../../client";
import { authenticationPolicy, AUTH_POLICY_PROTOCOLS } from "../../settings/exchangeAuthenticationPolicy/setting";
import { isExchangeNotFound, mapLimited } from "../../providers/framework/exchange";
import { SmtpAuthLive, fromExchange, smtpAuth, toExchange } from "../../settings/smtpAuth/setting";

const allBlocked = Object.fromEntries(AUTH_POLICY_PROTOCOLS.map((p) => [p, false])) as any;

describe("unit: SMTP AUTH setting", () => {
    it("says Exchange's double negative in words, both ways", () => {
        assert.deepStrictEqual([true, false, null, undefined].map(fromExchange), [
            "disabled",
            "enabled",
            "followsOrganization",
            "followsOrganization",
        ]);
        assert.deepStrictEqual((["disabled", "enabled", "followsOrganization"] as const).map(toExchange), [true, false, null]);
    });

    it("diffs the organisation, each managed mailbox, and (owning every mailbox) every other mailbox with its own value", () => {
        const live: SmtpAuthLive = {
            disabledForOrganization: false,
            observedMailboxes: { "a@x": "followsOrganization", "b@x": "disabled", "gone@x": "mailboxNotFound", "old@x": "enabled" },
            readScope: "allMailboxes",
        };
        const desired = {
            disabledForOrganization: true,
            manageAllMailboxes: true,
            mailboxes: { "a@x": "enabled" as const, "gone@x": "followsOrganization" as const },
        };
        assert.deepStrictEqual(smtpAuth.diff(desired, live), [
            { field: "disabledForOrganization", from: false, to: true },
            { field: "mailboxes.a@x", from: "followsOrganization", to: "enabled" },
            // gone@x was to follow the organisation and no longer exists: nothing to do.
            { field: "mailboxes.b@x", from: "disabled", to: "followsOrganization" },
            { field: "mailboxes.old@x", from: "enabled", to: "followsOrganization" },
        ]);
        // Named mailboxes only: the others are forgotten (no write), and the scope change is a change.
        assert.deepStrictEqual(
            smtpAuth.diff({ ...desired, manageAllMailboxes: false }, live).map((c) => [c.field, c.to]),
            [
                ["disabledForOrganization", true],
                ["manageAllMailboxes", false],
                ["mailboxes.a@x", "enabled"],
                ["mailboxes.b@x", undefined],
                ["mailboxes.old@x", undefined],
            ],
        );
    });

    it("the live state satisfies itself after a refresh, drift included", () => {
        const live: SmtpAuthLive = {
            disabledForOrganization: true,
            observedMailboxes: { "a@x": "followsOrganization", "b@x": "disabled", "gone@x": "mailboxNotFound" },
            readScope: "allMailboxes",
        };
        const recorded = {
            disabledForOrganization: true,
            exceptions: ["a@x"],
            manageAllMailboxes: true,
            mailboxes: { "a@x": "enabled" as const, "gone@x": "enabled" as const },
        };
        const refreshed = smtpAuth.desiredFromLive(live, recorded);
        assert.deepStrictEqual(refreshed.mailboxes, { "a@x": "followsOrganization", "b@x": "disabled", "gone@x": "enabled" });
        assert.deepStrictEqual(
            smtpAuth.diff(refreshed, live).map((c) => c.field),
            ["mailboxes.gone@x"],
            "a vanished exception stays visible",
        );
    });

    it("conflicting input is a failure, but the desired state is still returned so recorded state can be read", () => {
        const v = smtpAuth.validate({ disabledForOrganization: false, exceptions: ["a@x"] });
        assert.ok(v.desired);
        assert.deepStrictEqual(
            v.failures.map((f) => f.property),
            ["exceptions"],
        );
        assert.strictEqual(smtpAuth.validate({ disabledForOrganization: 1 }).desired, undefined);
    });
});

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
