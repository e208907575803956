import * as assert from "node:assert";
import { type SmtpAuthLive, fromExchange, smtpAuth, toExchange } from "./setting";

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
