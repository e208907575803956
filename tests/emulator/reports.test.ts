/**
 * Sign-in logs and the registration report in the emulator: licence check, permission, filters,
 * paging, retention, the reports throttle, and Graph's schema for every row.
 */
import * as assert from "node:assert";
import { pages } from "../../client/batch";
import { checkBody } from "@m365-mfa/emulator";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { useEmulator } from "../support/emulatorSuite";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";

describe("emulator: sign-in logs and registration report", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;

    useEmulator(
        (e) => (emu = e),
        { throttling: { enabled: false } },
        async () => {
            emu.directory().seed(1500, 3);
        },
    );

    it("pages legacy sign-ins filtered by protocol and time, newest first, within 30 days, in Graph's shape", async () => {
        const graph = clientsAs(emu).graph;
        const since = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, "Z");
        const rows: any[] = [];
        let pagesSeen = 0;
        // clientAppUsed takes eq only (resources/signin.md): one query per protocol.
        for (const protocol of ["IMAP4", "POP3", "Authenticated SMTP"]) {
            const these: any[] = [];
            for await (const page of pages(
                graph,
                `/auditLogs/signIns?$filter=${encodeURIComponent(`createdDateTime ge ${since} and clientAppUsed eq '${protocol}'`)}&$top=5`,
            )) {
                these.push(...page);
                pagesSeen++;
            }
            assert.ok(these.every((r) => r.clientAppUsed === protocol));
            for (let i = 1; i < these.length; i++) {
                assert.ok(Date.parse(these[i - 1].createdDateTime) >= Date.parse(these[i].createdDateTime), "newest first");
            }
            rows.push(...these);
        }
        assert.ok(rows.length > 20 && pagesSeen > 3, `${rows.length} rows in ${pagesSeen} pages`);
        assert.ok(rows.every((r) => Date.parse(r.createdDateTime) >= Date.parse(since)));
        assert.deepStrictEqual(
            rows.flatMap((r) => checkBody("v1.0", "signIn", r)),
            [],
        );
        const all = emu.directory().signIns();
        const expected = all.filter((s) => ["IMAP4", "POP3", "Authenticated SMTP"].includes(s.clientAppUsed) && s.at >= Date.parse(since));
        assert.strictEqual(rows.length, expected.length);
    });

    it("reports who has no MFA method registered, with admins, in Graph's shape", async () => {
        const graph = clientsAs(emu).graph;
        const rows: any[] = [];
        // userType lists no $filter operators (resources/userregistrationdetails.md): filtered here.
        for await (const page of pages(graph, "/reports/authenticationMethods/userRegistrationDetails?$filter=isMfaRegistered eq false")) {
            rows.push(...page.filter((r: any) => r.userType === "member"));
        }
        const expected = [...emu.directory().users.values()].filter(
            (u) => u.userType === "Member" && !u.methods.some((m) => m !== "email" && m !== "temporaryAccessPass"),
        );
        assert.strictEqual(rows.length, expected.length);
        assert.ok(rows.every((r) => r.isMfaRegistered === false && r.userType === "member"));
        assert.deepStrictEqual(
            rows.slice(0, 50).flatMap((r) => checkBody("v1.0", "userRegistrationDetails", r)),
            [],
        );
    });

    it("needs AuditLog.Read.All and Entra ID P1, with Graph's own answers", async () => {
        await assert.rejects(clientsAs(emu, APPS.reader).graph.get("/auditLogs/signIns"), /403 Authorization_RequestDenied/);
        emu.store.mutate(() => {
            emu.defaultTenant().entraIdP1 = false;
        });
        try {
            await assert.rejects(
                clientsAs(emu).graph.get("/auditLogs/signIns?$top=1"),
                /403 Authentication_RequestFromNonPremiumTenantOrB2CTenant/,
            );
        } finally {
            emu.store.mutate(() => {
                delete emu.defaultTenant().entraIdP1;
            });
        }
    });

    it("refuses filters Graph does not support and throttles reports at 5 requests per 10 s", async () => {
        const graph = clientsAs(emu).graph;
        await assert.rejects(
            graph.get("/auditLogs/signIns?$filter=startswith(clientAppUsed,'IMAP')"),
            /400 BadRequest: Unsupported or invalid query filter clause specified for property 'clientAppUsed'/,
        );
        emu.throttle.options = { enabled: true };
        try {
            const statuses: number[] = [];
            for (let i = 0; i < 7; i++) {
                const r = await graph.post("/$batch", { requests: [{ id: "1", method: "GET", url: "/auditLogs/signIns?$top=1" }] });
                statuses.push(r.responses[0].status);
            }
            assert.deepStrictEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
            assert.ok(
                statuses.slice(5).every((s) => s === 429),
                statuses.join(","),
            );
        } finally {
            emu.throttle.options = { enabled: false };
        }
    });
});
