/**
 * Query rules Graph documents, in the emulator and in what the client sends:
 * - an OData cast on a transitive members list is an advanced query (ConsistencyLevel: eventual and
 *   $count=true; docs-contrib concepts/aad-advanced-queries.md, group-list-transitivemembers.md);
 * - auditLogs/signIns takes only $top, $skiptoken and $filter (signin-list.md);
 *   reports/authenticationMethods/userRegistrationDetails only $filter and $orderby
 *   (authenticationmethodsroot-list-userregistrationdetails.md).
 * Each rule: the emulator refuses the wrong request with Graph's status and error code, and the
 * providers and readiness (which would be refused otherwise) get through.
 */
import * as assert from "node:assert";
import type { RunningEmulator, TenantState } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";
import { SettingProvider } from "../../providers/framework/adapter";
import { perUserMfa } from "../../settings/perUserMfa/setting";
import {
    LEGACY_CLIENT_APPS,
    LEGACY_CLIENT_APP_SPELLINGS,
    assessReadiness,
    shareReadinessReads,
} from "../../providers/framework/readinessReport";
import { forgetOrSupport } from "../../client/anyOf";
import { useEmulator } from "../support/emulatorSuite";
import { decodedQuery } from "../support/decodedQuery";
import { rawGraph } from "../support/rawGraph";

describe("emulator: documented query rules (advanced queries, supported query options)", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    const group = (name: string) => [...emu.directory().groups.values()].find((g) => g.displayName === name)!;
    const since = (at: number) => emu.requests.slice(at);

    useEmulator(
        (e) => (emu = e),
        { throttling: { enabled: false } },
        async () => {
            emu.directory().seed(300, 7);
        },
    );

    describe("transitiveMembers/microsoft.graph.user", () => {
        it("is refused without ConsistencyLevel: eventual or without $count=true: 400 Request_UnsupportedQuery", async () => {
            const g = group("Finance and Sales");
            const path = `/groups/${g.id}/transitiveMembers/microsoft.graph.user`;
            for (const [query, headers] of [
                ["?$select=id,userPrincipalName", {}],
                ["?$count=true&$select=id", {}],
                ["?$select=id", { ConsistencyLevel: "eventual" }],
                ["?$count=false", { ConsistencyLevel: "eventual" }],
                ["?$count=true", { ConsistencyLevel: "session" }],
            ] as [string, Record<string, string>][]) {
                const r = await rawGraph(emu, "GET", path + query, undefined, undefined, "v1.0", headers);
                assert.strictEqual(r.status, 400, `${query} ${JSON.stringify(headers)}`);
                assert.strictEqual(r.body.error.code, "Request_UnsupportedQuery");
                assert.match(r.body.error.message, /Try adding \$count=true query parameter and ConsistencyLevel:eventual header/);
            }
            const ok = await rawGraph(emu, "GET", `${path}?$count=true&$select=id,userPrincipalName`, undefined, undefined, "v1.0", {
                ConsistencyLevel: "eventual",
            });
            assert.strictEqual(ok.status, 200);
            const expected = emu.directory().transitiveUsers(g.id).length;
            assert.strictEqual(ok.body["@odata.count"], expected);
            assert.ok(ok.body.value.length > 0 && ok.body.value.every((u: any) => u["@odata.type"] === "#microsoft.graph.user"));
            // The list without the cast is not an advanced query.
            assert.strictEqual((await rawGraph(emu, "GET", `/groups/${g.id}/transitiveMembers?$select=id`)).status, 200);
        });

        it("inside $batch the header travels in the item's headers", async () => {
            const url = `/groups/${group("Finance and Sales").id}/transitiveMembers/microsoft.graph.user?$count=true&$select=id`;
            const r = await rawGraph(emu, "POST", "/$batch", {
                requests: [
                    { id: "1", method: "GET", url },
                    { id: "2", method: "GET", url, headers: { ConsistencyLevel: "eventual" } },
                ],
            });
            const byId = Object.fromEntries(r.body.responses.map((x: any) => [x.id, x]));
            assert.strictEqual(byId["1"].status, 400);
            assert.strictEqual(byId["1"].body.error.code, "Request_UnsupportedQuery");
            assert.strictEqual(byId["2"].status, 200);
        });

        it("the per-user MFA provider expands a group with the documented advanced query (else its check would fail)", async () => {
            const g = group("Finance and Sales");
            const at = emu.requests.length;
            const p = new SettingProvider(perUserMfa, { verifyDelayMs: 20 }, () => clientsAs(emu));
            const checked = await p.check(
                {},
                {
                    assignments: [{ state: "enforced", groups: [g.id] }],
                    readiness: { mode: "off" },
                    guards: { lockout: "off", maxUserChangeShare: 1 },
                },
            );
            assert.deepStrictEqual(checked.failures, []);
            const expansions = since(at).filter((r) => r.path.endsWith("/transitiveMembers/microsoft.graph.user"));
            assert.ok(expansions.length > 0 && expansions.every((r) => r.status === 200), JSON.stringify(expansions));
            const targeted = Object.values(checked.inputs.targetCounts as Record<string, number>).reduce((n, c) => n + c, 0);
            assert.strictEqual(targeted, emu.directory().transitiveUsers(g.id).length);
        });
    });

    describe("supported query options of the reports", () => {
        const refused = async (path: string, option: string) => {
            const r = await rawGraph(emu, "GET", path);
            assert.strictEqual(r.status, 400, path);
            assert.strictEqual(r.body.error.code, "BadRequest", path);
            assert.match(
                r.body.error.message,
                new RegExp(`Query option '\\$${option}' on GET .* is not modelled by the emulator`, "i"),
                path,
            );
            assert.ok(r.body.error.innerError["request-id"], "Graph's error body");
        };

        it("signIns: $top, $skiptoken and $filter only", async () => {
            await refused("/auditLogs/signIns?$select=userPrincipalName", "Select");
            await refused("/auditLogs/signIns?$top=5&$search=IMAP4", "Search");
            await refused("/auditLogs/signIns?$count=true", "Count");
            await refused("/auditLogs/signIns?$skip=5", "Skip");
            const r = await rawGraph(emu, "GET", "/auditLogs/signIns?$top=5&$filter=clientAppUsed eq 'IMAP4'");
            assert.strictEqual(r.status, 200);
            assert.ok(r.body["@odata.nextLink"], "paged");
            const next = new URL(r.body["@odata.nextLink"]);
            assert.strictEqual(
                (await rawGraph(emu, "GET", next.pathname.replace(/^\/v1\.0/, "") + next.search)).status,
                200,
                "its own nextLink ($skiptoken) is accepted",
            );
        });

        it("userRegistrationDetails: $filter and $orderby only ($top is refused; it pages itself)", async () => {
            const base = "/reports/authenticationMethods/userRegistrationDetails";
            await refused(`${base}?$filter=isMfaRegistered eq false&$top=999`, "Top");
            await refused(`${base}?$select=userPrincipalName`, "Select");
            await refused(`${base}?$count=true`, "Count");
            const sorted = await rawGraph(emu, "GET", `${base}?$filter=isMfaRegistered eq false&$orderby=userPrincipalName desc`);
            assert.strictEqual(sorted.status, 200);
            const upns = sorted.body.value.map((r: any) => r.userPrincipalName);
            assert.deepStrictEqual(
                upns,
                [...upns].sort((a: string, b: string) => b.localeCompare(a)),
            );
        });

        it("signIns: $filter operators per property as resources/signin.md lists them", async () => {
            const status = async (f: string) => {
                const r = await rawGraph(emu, "GET", `/auditLogs/signIns?$top=1&$filter=${encodeURIComponent(f)}`);
                return [r.status, r.body.error?.message ?? ""] as const;
            };
            // clientAppUsed: eq only; `in`, startsWith and ne are refused with the filter error.
            for (const f of [
                "clientAppUsed in ('IMAP4','POP3')",
                "startswith(clientAppUsed,'IMAP')",
                "clientAppUsed ne 'Browser'",
                "createdDateTime gt 2026-01-01T00:00:00Z",
                "isInteractive eq true",
                "userPrincipalName in ('a@b.c')",
            ]) {
                const [code, message] = await status(f);
                assert.strictEqual(code, 400, f);
                assert.match(
                    message,
                    new RegExp(
                        String.raw`Unsupported or invalid query filter clause specified for property '\w+' of resource ` +
                            "'signIn'.*not modelled by the emulator",
                    ),
                    f,
                );
            }
            for (const f of [
                "clientAppUsed eq 'IMAP4'",
                "createdDateTime ge 2026-01-01T00:00:00Z and createdDateTime le 2099-01-01T00:00:00Z",
                "startswith(userPrincipalName,'a')",
                "userPrincipalName eq 'x@y.z'",
                "status/errorCode eq 0",
                "startswith(location/city,'Red')",
            ]) {
                assert.strictEqual((await status(f))[0], 200, f);
            }
            // $orderby on createdDateTime (resources/signin.md), not on other properties.
            const asc = await rawGraph(emu, "GET", `/auditLogs/signIns?$top=50&$orderby=${encodeURIComponent("createdDateTime asc")}`);
            assert.strictEqual(asc.status, 200);
            const times = asc.body.value.map((r: any) => Date.parse(r.createdDateTime));
            assert.deepStrictEqual(
                times,
                [...times].sort((a: number, b: number) => a - b),
            );
            const byUpn = await rawGraph(emu, "GET", `/auditLogs/signIns?$orderby=userPrincipalName`);
            assert.strictEqual(byUpn.status, 400);
            assert.match(byUpn.body.error.message, /\$orderby on 'userPrincipalName' is not modelled by the emulator/);
        });

        it("userRegistrationDetails: $filter operators per property as resources/userregistrationdetails.md lists them", async () => {
            const base = "/reports/authenticationMethods/userRegistrationDetails";
            for (const f of [
                "isMfaRegistered ne true",
                "isAdmin eq true",
                "userType eq 'member'",
                "endswith(userPrincipalName,'.com')",
                "isMfaCapable in (true)",
            ]) {
                const r = await rawGraph(emu, "GET", `${base}?$filter=${encodeURIComponent(f)}`);
                assert.strictEqual(r.status, 400, f);
                assert.match(r.body.error.message, /of resource 'userRegistrationDetails'.*not modelled by the emulator/, f);
            }
            const withSms = await rawGraph(
                emu,
                "GET",
                `${base}?$filter=${encodeURIComponent("methodsRegistered/any(m: m eq 'mobilePhone')")}`,
            );
            assert.strictEqual(withSms.status, 200);
            const expected = [...emu.directory().users.values()].filter((u) => u.methods.includes("mobilePhone")).length;
            assert.strictEqual(withSms.body.value.length, Math.min(expected, 999));
            assert.strictEqual((await rawGraph(emu, "GET", `${base}?$orderby=isAdmin`)).status, 400);
        });

        /** The tenant's answer to `or` on sign-ins, with what this process learnt about it forgotten. */
        const signInOr = (mode: TenantState["signInOrFilter"]) => {
            emu.store.mutate(() => (emu.defaultTenant().signInOrFilter = mode));
            forgetOrSupport();
        };
        const legacyOf = (r: Awaited<ReturnType<typeof assessReadiness>>) =>
            [...r.legacy].map(([upn, f]) => `${upn}: ${f.legacy.map((l) => `${l.protocol} ${l.count}`).join(", ")}`).sort();
        afterEach(() => signInOr(undefined));

        it("readiness of a P1 tenant: one query for all legacy protocols (or the documented ways), every legacy sign-in", async () => {
            signInOr("accepted");
            const window = Date.now() - 30 * 24 * 3600 * 1000;
            const legacy = emu
                .directory()
                .signIns()
                .filter((s) => s.at >= window && LEGACY_CLIENT_APPS.includes(s.clientAppUsed));
            const expected = new Map<string, number>();
            for (const s of legacy)
                expected.set(
                    `${s.userPrincipalName.toLowerCase()}|${s.clientAppUsed}`,
                    (expected.get(`${s.userPrincipalName.toLowerCase()}|${s.clientAppUsed}`) ?? 0) + 1,
                );
            assert.ok(expected.size > 0);
            const total = emu
                .directory()
                .signIns()
                .filter((s) => s.at >= window).length;
            assert.ok(total > legacy.length, "the log has other sign-ins than legacy ones");
            // One query for every protocol and spelling (the default), paged: ceil(legacy / page size) requests. The
            // documented ways (combinedSignInQuery false): the whole log (small here: one page), one query per protocol
            // and spelling, and the whole log's first pages then per protocol.
            for (const [options, queries, requests] of [
                [{}, 1, Math.max(1, Math.ceil(legacy.length / 1000))],
                [{ signInPageSize: 50 }, 1, Math.ceil(legacy.length / 50)],
                [{ combinedSignInQuery: false }, Math.ceil(total / 1000), undefined],
                [{ combinedSignInQuery: false, wideSignInPages: 0 }, LEGACY_CLIENT_APP_SPELLINGS.length, undefined],
                // the second wide page follows the nextLink
                [{ combinedSignInQuery: false, wideSignInPages: 2, signInPageSize: 50 }, 1 + LEGACY_CLIENT_APP_SPELLINGS.length, undefined],
            ] as [Record<string, number | boolean>, number, number | undefined][]) {
                const at = emu.requests.length;
                const report = await assessReadiness(clientsAs(emu), { windowDays: 30, ...options });
                assert.strictEqual(report.premium, true);
                const signIns = since(at).filter((r) => r.path.endsWith("/auditLogs/signIns"));
                assert.ok(
                    signIns.every((r) => r.status === 200),
                    JSON.stringify(signIns.map((r) => [r.query, r.status])),
                );
                const firstPages = signIns.filter((r) => !/\$skiptoken/.test(decodedQuery(r)));
                assert.strictEqual(firstPages.length, queries, `${JSON.stringify(options)}: ${firstPages.map(decodedQuery).join("\n")}`);
                if (requests !== undefined) assert.strictEqual(signIns.length, requests, JSON.stringify(options));
                const combined = `\\((clientAppUsed eq '[^']+'( or )?){${LEGACY_CLIENT_APP_SPELLINGS.length}}\\)`;
                for (const r of firstPages) {
                    assert.match(
                        decodedQuery(r),
                        options.combinedSignInQuery === false
                            ? /^\?\$filter=createdDateTime ge \S+( and createdDateTime le \S+)?( and clientAppUsed eq '[^']+')?&\$top=\d+$/
                            : new RegExp(`^\\?\\$filter=createdDateTime ge \\S+ and ${combined}&\\$top=\\d+$`),
                    );
                }
                const found = new Map<string, number>();
                for (const [upn, f] of report.legacy) for (const l of f.legacy) found.set(`${upn}|${l.protocol}`, l.count);
                assert.deepStrictEqual(new Map([...found].sort()), new Map([...expected].sort()), JSON.stringify(options));
            }
        });

        it("readiness where the sign-in log refuses or (default): a 400, then the documented ways, same findings, said", async () => {
            signInOr("accepted");
            const combined = legacyOf(await assessReadiness(clientsAs(emu), { windowDays: 30 }));
            assert.ok(combined.length > 0);
            signInOr(undefined);
            const at = emu.requests.length;
            const first = await assessReadiness(clientsAs(emu), { windowDays: 30 });
            const signIns = since(at).filter((r) => r.path.endsWith("/auditLogs/signIns"));
            assert.deepStrictEqual(
                signIns.filter((r) => r.status !== 200).map((r) => [r.status, / or /.test(decodedQuery(r))]),
                [[400, true]],
            );
            assert.ok(signIns.length > 1);
            assert.deepStrictEqual(legacyOf(first), combined);
            assert.strictEqual(
                first.notes.filter((n) => /refused one query for all legacy protocols \(400 BadRequest: /.test(n)).length,
                1,
            );
            // The same process does not ask again; each report says how it was read.
            const again = emu.requests.length;
            const second = await assessReadiness(clientsAs(emu), { windowDays: 30 });
            assert.ok(
                since(again)
                    .filter((r) => r.path.endsWith("/auditLogs/signIns"))
                    .every((r) => r.status === 200),
            );
            assert.deepStrictEqual(legacyOf(second), combined);
            assert.strictEqual(second.notes.filter((n) => /refused one query for all legacy protocols/.test(n)).length, 1);
        });

        it("in the provider's process the settings share one readiness read; elsewhere each reads afresh", async () => {
            signInOr("accepted");
            const reads = (at: number) =>
                since(at).filter((r) => r.path.endsWith("/auditLogs/signIns") || r.path.endsWith("/userRegistrationDetails")).length;
            const summary = (r: Awaited<ReturnType<typeof assessReadiness>>) => [r.premium, r.legacy.size, r.unregistered.size];
            let at = emu.requests.length;
            const alone = await assessReadiness(clientsAs(emu), { windowDays: 30 });
            const once = reads(at);
            assert.ok(once >= 2, `${once} requests`);
            at = emu.requests.length;
            await assessReadiness(clientsAs(emu), { windowDays: 30 });
            assert.strictEqual(reads(at), once, "not shared outside the provider's process");
            shareReadinessReads();
            try {
                at = emu.requests.length;
                // Three settings asking at once (one of them with another client of the same tenant), then a fourth later.
                const [a, b, c] = await Promise.all([
                    assessReadiness(clientsAs(emu), { windowDays: 30 }),
                    assessReadiness(clientsAs(emu), {}),
                    assessReadiness(clientsAs(emu), { windowDays: 30, users: ["someone@contoso.onmicrosoft.com"] }),
                ]);
                const d = await assessReadiness(clientsAs(emu), { windowDays: 30 });
                assert.strictEqual(reads(at), once, "one read for all four");
                for (const r of [a, b, c, d]) assert.deepStrictEqual(summary(r), summary(alone));
                // Another window is another read.
                at = emu.requests.length;
                await assessReadiness(clientsAs(emu), { windowDays: 7 });
                assert.strictEqual(reads(at), once);
            } finally {
                shareReadinessReads(false);
            }
        });

        it("without Entra ID P1, a shared read still reads each setting's own users one by one", async () => {
            const tenant = emu.defaultTenant();
            const users = [...emu.directory().users.values()].filter((u) => !u.breakGlass).map((u) => u.userPrincipalName.toLowerCase());
            const unregistered = new Set(
                [...emu.directory().users.values()].filter((u) => !u.methods.length).map((u) => u.userPrincipalName.toLowerCase()),
            );
            const [mine, theirs] = [users.slice(0, 40), users.slice(40, 80)];
            assert.ok(
                mine.some((u) => unregistered.has(u)) && theirs.some((u) => unregistered.has(u)),
                "both halves have users without a method",
            );
            emu.store.mutate(() => (tenant.entraIdP1 = false));
            shareReadinessReads();
            try {
                const [a, b] = await Promise.all([
                    assessReadiness(clientsAs(emu), { windowDays: 30, users: mine }),
                    assessReadiness(clientsAs(emu), { windowDays: 30, users: theirs }),
                ]);
                for (const [r, asked] of [
                    [a, mine],
                    [b, theirs],
                ] as const) {
                    assert.strictEqual(r.premium, false);
                    assert.deepStrictEqual([...r.unregistered.keys()].sort(), asked.filter((u) => unregistered.has(u)).sort());
                }
            } finally {
                shareReadinessReads(false);
                emu.store.mutate(() => (tenant.entraIdP1 = true));
            }
        });

        it("readiness reads both reports with the documented options only (else it would be refused)", async () => {
            signInOr(undefined);
            const at = emu.requests.length;
            const report = await assessReadiness(clientsAs(emu), { windowDays: 30 });
            assert.strictEqual(report.premium, true);
            assert.ok(report.unregistered.size > 0 && report.legacy.size > 0);
            const reads = since(at).filter((r) => /\/auditLogs\/signIns$|\/userRegistrationDetails$/.test(r.path));
            assert.ok(reads.some((r) => r.path.endsWith("/signIns")) && reads.some((r) => r.path.endsWith("/userRegistrationDetails")));
            // The one query for all protocols is refused by the default tenant (rule reports.signIns.clientAppUsedOrRefused);
            // everything else is answered.
            assert.deepStrictEqual(
                reads.filter((r) => r.status !== 200).map((r) => [r.status, / or /.test(decodedQuery(r))]),
                [[400, true]],
            );
        });
    });
});
