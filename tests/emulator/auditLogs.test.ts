/**
 * The directory audit log: what each change the project makes records (directoryAudit shape, Entra's
 * activity names, the initiating app), GET /auditLogs/directoryAudits ($filter, $orderby, $top,
 * paging, permissions) and the client reader recentChanges.
 */
import * as assert from "node:assert";
import { forgetOrSupport, orRefusal, readAnyOf } from "../../client/anyOf";
import { recentChanges } from "../../client/audit";
import { recentlyChangedUsers } from "../../settings/perUserMfa/listRead";
import { AUDIT_ACTIVITIES } from "../../settings/perUserMfa/declaration";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs } from "../../harness/tenant";
import { useEmulator } from "../support/emulatorSuite";
import { decodedQuery } from "../support/decodedQuery";
import { addApp, rawGraph } from "../support/rawGraph";

const READER = "audit-reader";
const SD = "/policies/identitySecurityDefaultsEnforcementPolicy";
const q = (s: string) => encodeURIComponent(s);

describe("emulator: directory audit log", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    let start: Date;
    let user: { id: string; userPrincipalName: string };
    let caId: string;
    useEmulator(
        (e) => (emu = e),
        { throttling: { enabled: false } },
        async (e) => {
            e.directory().seed(30, 2);
            addApp(e, READER, ["AuditLog.Read.All", "Directory.Read.All"]);
            addApp(e, "audit-only", ["AuditLog.Read.All"]);
            start = new Date();
            user = [...e.directory().users.values()].find((u) => u.userType === "Member" && !u.breakGlass)!;
            // The project's changes, made by the provider app...
            assert.strictEqual((await rawGraph(e, "PATCH", SD, { isEnabled: false })).status, 204);
            assert.strictEqual(
                (
                    await rawGraph(
                        e,
                        "PATCH",
                        `/users/${user.id}/authentication/requirements`,
                        { perUserMfaState: "enforced" },
                        APPS.provider,
                        "beta",
                    )
                ).status,
                204,
            );
            assert.strictEqual(
                (
                    await rawGraph(e, "PATCH", "/policies/authenticationMethodsPolicy", {
                        registrationEnforcement: { authenticationMethodsRegistrationCampaign: { snoozeDurationInDays: 2 } },
                    })
                ).status,
                200,
            );
            assert.strictEqual(
                (
                    await rawGraph(e, "PATCH", "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/sms", {
                        "@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration",
                        state: "enabled",
                    })
                ).status,
                204,
            );
            const created = await rawGraph(e, "POST", "/identity/conditionalAccess/policies", {
                displayName: "Require MFA (audit test)",
                state: "disabled",
                conditions: { users: { includeUsers: ["All"] }, applications: { includeApplications: ["All"] }, clientAppTypes: ["all"] },
                grantControls: { operator: "OR", builtInControls: ["mfa"] },
            });
            assert.strictEqual(created.status, 201, JSON.stringify(created.body));
            caId = created.body.id;
            assert.strictEqual(
                (await rawGraph(e, "PATCH", `/identity/conditionalAccess/policies/${caId}`, { state: "enabledForReportingButNotEnforced" }))
                    .status,
                204,
            );
            // ... and one by an administrator in the portal.
            assert.strictEqual(
                (
                    await rawGraph(
                        e,
                        "PATCH",
                        `/users/${user.id}/authentication/requirements`,
                        { perUserMfaState: "disabled" },
                        APPS.portal,
                        "beta",
                    )
                ).status,
                204,
            );
            assert.strictEqual(
                (await rawGraph(e, "DELETE", `/identity/conditionalAccess/policies/${caId}`, undefined, APPS.portal)).status,
                204,
            );
            // A refused change records nothing.
            assert.strictEqual(
                (
                    await rawGraph(
                        e,
                        "PATCH",
                        `/users/${user.id}/authentication/requirements`,
                        { perUserMfaState: "on" },
                        APPS.provider,
                        "beta",
                    )
                ).status,
                400,
            );
        },
    );

    const list = async (query = "") => {
        const r = await rawGraph(emu, "GET", `/auditLogs/directoryAudits${query}`, undefined, READER);
        assert.strictEqual(r.status, 200, JSON.stringify(r.body));
        return r.body;
    };

    it("records each change in the directoryAudit shape, newest first, with Entra's activity names", async () => {
        const body = await list();
        assert.deepStrictEqual(
            body.value.map((e: any) => [e.activityDisplayName, e.category, e.loggedByService, e.operationType]),
            [
                ["Delete Conditional Access policy", "Policy", "Conditional Access", "Delete"],
                ["Disable Strong Authentication", "UserManagement", "Core Directory", "Update"],
                ["Update Conditional Access policy", "Policy", "Conditional Access", "Update"],
                ["Add Conditional Access policy", "Policy", "Conditional Access", "Add"],
                ["Authentication Methods Policy Update", "ApplicationManagement", "Authentication Methods", "Update"],
                ["Authentication Methods Policy Update", "ApplicationManagement", "Authentication Methods", "Update"],
                ["Enable Strong Authentication", "UserManagement", "Core Directory", "Update"],
                ["Update security defaults", "Policy", "Conditional Access", "Update"],
            ],
        );
        for (const e of body.value) {
            for (const k of [
                "id",
                "category",
                "correlationId",
                "result",
                "resultReason",
                "activityDisplayName",
                "activityDateTime",
                "loggedByService",
                "operationType",
                "initiatedBy",
                "targetResources",
                "additionalDetails",
            ]) {
                assert.ok(k in e, `${e.activityDisplayName}: ${k}`);
            }
            assert.strictEqual(e.result, "success");
            assert.match(e.activityDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
        }
        const sd = body.value[7].targetResources[0];
        assert.deepStrictEqual(sd.modifiedProperties, [{ displayName: "isEnabled", oldValue: "true", newValue: "false" }]);
        const mfa = body.value[6].targetResources[0];
        assert.strictEqual(mfa.id, user.id);
        assert.strictEqual(mfa.type, "User");
        assert.strictEqual(mfa.userPrincipalName, user.userPrincipalName);
        assert.deepStrictEqual(mfa.modifiedProperties, [
            { displayName: "perUserMfaState", oldValue: '"disabled"', newValue: '"enforced"' },
        ]);
        const sms = body.value[4].targetResources[0];
        assert.strictEqual(sms.id.toLowerCase(), "sms");
        assert.ok(
            sms.modifiedProperties.some((p: any) => p.displayName === "state" && p.oldValue === '"disabled"' && p.newValue === '"enabled"'),
            JSON.stringify(sms.modifiedProperties),
        );
        const campaign = body.value[5].targetResources[0];
        assert.strictEqual(campaign.id, "authenticationMethodsPolicy");
        assert.ok(
            campaign.modifiedProperties.some((p: any) => p.displayName === "registrationEnforcement"),
            JSON.stringify(campaign.modifiedProperties),
        );
        const add = body.value[3].targetResources[0];
        assert.strictEqual(add.id, caId);
        assert.strictEqual(add.modifiedProperties[0].displayName, "ConditionalAccessPolicy");
        assert.strictEqual(add.modifiedProperties[0].oldValue, null);
        assert.strictEqual(JSON.parse(add.modifiedProperties[0].newValue).state, "disabled");
        const upd = body.value[2].targetResources[0].modifiedProperties[0];
        assert.strictEqual(JSON.parse(upd.oldValue).state, "disabled");
        assert.strictEqual(JSON.parse(upd.newValue).state, "enabledForReportingButNotEnforced");
        const del = body.value[0].targetResources[0].modifiedProperties[0];
        assert.strictEqual(JSON.parse(del.oldValue).id, caId);
        assert.strictEqual(del.newValue, null);
    });

    it("initiatedBy is the app that made the change: the provider, or the portal admin", async () => {
        const body = await list();
        const provider = emu.app(APPS.provider);
        const portal = emu.app(APPS.portal);
        const by = (e: any) => e.initiatedBy.app.displayName;
        assert.deepStrictEqual(body.value.map(by), [
            APPS.portal,
            APPS.portal,
            APPS.provider,
            APPS.provider,
            APPS.provider,
            APPS.provider,
            APPS.provider,
            APPS.provider,
        ]);
        assert.deepStrictEqual(body.value[0].initiatedBy, {
            app: { appId: portal.appId, displayName: APPS.portal, servicePrincipalId: portal.objectId, servicePrincipalName: null },
            user: null,
        });
        assert.strictEqual(body.value[7].initiatedBy.app.appId, provider.appId);
        const portalOnly = await list(`?$filter=${q(`initiatedBy/app/appId eq '${portal.appId}'`)}`);
        assert.strictEqual(portalOnly.value.length, 2);
    });

    it("changes made inside $batch are recorded one by one", async () => {
        const users = [...emu.directory().users.values()].filter((u) => u.userType === "Member" && !u.breakGlass).slice(1, 4);
        const requests = users.map((u, i) => ({
            id: String(i + 1),
            method: "PATCH",
            url: `/users/${u.id}/authentication/requirements`,
            headers: { "Content-Type": "application/json" },
            body: { perUserMfaState: "enabled" },
        }));
        const r = await rawGraph(emu, "POST", "/$batch", { requests }, APPS.provider, "beta");
        assert.strictEqual(r.status, 200);
        for (const u of users) {
            const got = await list(`?$filter=${q(`targetResources/any(t: t/id eq '${u.id}')`)}`);
            assert.strictEqual(got.value.length, 1, u.id);
            assert.strictEqual(got.value[0].activityDisplayName, "Enable Strong Authentication");
        }
    });

    it("$filter on activityDateTime (ge/le), category, activityDisplayName (eq/startswith), targetResources/any, and/or", async () => {
        const all = (await list()).value;
        const mid = all[Math.floor(all.length / 2)].activityDateTime;
        const ge = (await list(`?$filter=${q(`activityDateTime ge ${mid}`)}`)).value;
        const le = (await list(`?$filter=${q(`activityDateTime le ${mid}`)}`)).value;
        assert.strictEqual(ge.length + le.length, all.length + 1, "the middle entry is in both");
        assert.ok(ge.every((e: any) => Date.parse(e.activityDateTime) >= Date.parse(mid)));
        assert.strictEqual((await list(`?$filter=${q("category eq 'Policy'")}`)).value.length, 4);
        assert.strictEqual((await list(`?$filter=${q("activityDisplayName eq 'update security defaults'")}`)).value.length, 1);
        assert.strictEqual((await list(`?$filter=${q("startswith(activityDisplayName,'Authentication Methods')")}`)).value.length, 2);
        // `or` only on a tenant that takes it (rules auditLogs.directoryAudits.or*): the default refuses it, and every
        // tenant refuses it next to a lambda.
        const activity = (a: string) => `activityDisplayName eq '${a}'`;
        const eitherFilter =
            "?$filter=" +
            q(
                `category eq 'Policy' and (${activity("Update security defaults")} or ` +
                    ["Add", "Update", "Delete"].map((v) => activity(`${v} Conditional Access policy`)).join(" or ") +
                    ")",
            );
        const withLambda = q(`targetResources/any(t: t/id eq '${caId}') or ${activity("Update security defaults")}`);
        assert.strictEqual((await rawGraph(emu, "GET", `/auditLogs/directoryAudits${eitherFilter}`, undefined, READER)).status, 400);
        emu.store.mutate(() => (emu.defaultTenant().auditOrFilter = "accepted"));
        try {
            assert.strictEqual((await list(eitherFilter)).value.length, 4);
            assert.strictEqual(
                (await rawGraph(emu, "GET", `/auditLogs/directoryAudits?$filter=${withLambda}`, undefined, READER)).status,
                400,
            );
        } finally {
            emu.store.mutate(() => (emu.defaultTenant().auditOrFilter = undefined));
        }
        assert.strictEqual(
            (await list(`?$filter=${q(`activityDateTime ge ${new Date(Date.now() + 60_000).toISOString()}`)}`)).value.length,
            0,
        );
        for (const bad of [
            "activityDateTime gt 2020-01-01T00:00:00Z",
            "resultReason eq 'x'",
            "category eq",
            "startswith(category,'P')",
            "activityDateTime ge yesterday",
        ]) {
            const r = await rawGraph(emu, "GET", `/auditLogs/directoryAudits?$filter=${q(bad)}`, undefined, READER);
            assert.strictEqual(r.status, 400, bad);
        }
    });

    it("$orderby activityDateTime asc/desc, $top and @odata.nextLink paging; other options refused", async () => {
        const desc = (await list(`?$orderby=${q("activityDateTime desc")}`)).value.map((e: any) => e.id);
        const asc = (await list(`?$orderby=${q("activityDateTime asc")}`)).value.map((e: any) => e.id);
        assert.deepStrictEqual(asc, [...desc].reverse());
        const paged: string[] = [];
        let next: string | undefined = `/auditLogs/directoryAudits?$top=3`;
        while (next) {
            const body = await list(next.replace(/^.*\/auditLogs\/directoryAudits/, ""));
            assert.ok(body.value.length <= 3);
            paged.push(...body.value.map((e: any) => e.id));
            next = body["@odata.nextLink"];
        }
        assert.deepStrictEqual(paged, desc);
        for (const bad of ["$top=0", "$top=1000", "$select=id", "$orderby=category", "$count=true"]) {
            assert.strictEqual((await rawGraph(emu, "GET", `/auditLogs/directoryAudits?${bad}`, undefined, READER)).status, 400, bad);
        }
        const one = await rawGraph(emu, "GET", `/auditLogs/directoryAudits/${encodeURIComponent(desc[0])}`, undefined, READER);
        assert.strictEqual(one.body.id, desc[0]);
    });

    it("needs AuditLog.Read.All and Directory.Read.All; no P1 needed", async () => {
        assert.strictEqual((await rawGraph(emu, "GET", "/auditLogs/directoryAudits", undefined, "audit-only")).status, 403);
        assert.strictEqual(
            (await rawGraph(emu, "GET", "/auditLogs/directoryAudits")).status,
            403,
            "the provider has no Directory.Read.All",
        );
        const tenant = emu.defaultTenant();
        emu.store.mutate(() => (tenant.entraIdP1 = false));
        try {
            assert.strictEqual((await rawGraph(emu, "GET", "/auditLogs/directoryAudits", undefined, READER)).status, 200);
        } finally {
            emu.store.mutate(() => (tenant.entraIdP1 = true));
        }
    });

    it("client recentChanges pages through the log, since a time and for given targets", async () => {
        const graph = clientsAs(emu, READER).graph;
        const everything = await recentChanges(graph, { since: start, pageSize: 2 });
        assert.strictEqual(everything.length, (await list()).value.length);
        const forCa = await recentChanges(graph, { since: start, targetIds: [caId, user.id], pageSize: 1 });
        assert.deepStrictEqual(
            forCa.map((e) => e.activityDisplayName),
            [
                "Delete Conditional Access policy",
                "Disable Strong Authentication",
                "Update Conditional Access policy",
                "Add Conditional Access policy",
                "Enable Strong Authentication",
            ],
        );
        assert.deepStrictEqual(await recentChanges(graph, { since: new Date(Date.now() + 60_000) }), []);
    });

    describe("or in $filter: refused unless the tenant takes it (rules auditLogs.directoryAudits.or*)", () => {
        const auditOr = (mode: "accepted" | undefined) => emu.store.mutate(() => (emu.defaultTenant().auditOrFilter = mode));
        const audits = (at: number) =>
            emu.requests.slice(at).filter((r) => r.path.endsWith("/auditLogs/directoryAudits") && r.method === "GET");
        const reset = () => {
            auditOr(undefined);
            forgetOrSupport();
        };
        beforeEach(reset);
        afterEach(reset);

        it("the emulator answers 400 naming 'or' by default, and the entries of both clauses where the tenant takes it", async () => {
            const filter =
                "activityDisplayName eq 'Enable Strong Authentication' or activityDisplayName eq 'Disable Strong Authentication'";
            const refused = await rawGraph(emu, "GET", `/auditLogs/directoryAudits?$filter=${q(filter)}`, undefined, READER);
            assert.strictEqual(refused.status, 400);
            assert.match(refused.body.error.message, /'or'.*not modelled by the emulator.*auditOrFilter/);
            auditOr("accepted");
            const taken = await rawGraph(emu, "GET", `/auditLogs/directoryAudits?$filter=${q(filter)}`, undefined, READER);
            assert.strictEqual(taken.status, 200);
            const ids = (v: { id: string }[]) => v.map((e) => e.id).sort();
            const each = [
                ...(await list(`?$filter=${q("activityDisplayName eq 'Enable Strong Authentication'")}`)).value,
                ...(await list(`?$filter=${q("activityDisplayName eq 'Disable Strong Authentication'")}`)).value,
            ];
            assert.ok(each.some((e: { activityDisplayName: string }) => e.activityDisplayName === "Disable Strong Authentication"));
            assert.deepStrictEqual(ids(taken.body.value), ids(each));
        });

        it("or between lambdas is refused on every tenant; recentChanges for targets sends one query per target", async () => {
            const either = `targetResources/any(t: t/id eq '${caId}') or targetResources/any(t: t/id eq '${user.id}')`;
            auditOr("accepted");
            const r = await rawGraph(emu, "GET", `/auditLogs/directoryAudits?$filter=${q(either)}`, undefined, READER);
            assert.strictEqual(r.status, 400);
            assert.match(r.body.error.message, /'or'.*lambda/);
            const graph = clientsAs(emu, READER).graph;
            const at = emu.requests.length;
            const changes = await recentChanges(graph, { since: start, targetIds: [caId, user.id] });
            assert.deepStrictEqual(
                audits(at).map((x) => [x.status, / or /.test(decodedQuery(x))]),
                [
                    [200, false],
                    [200, false],
                ],
            );
            assert.ok(changes.length >= 5);
        });

        it("a 400 for another reason than or is the caller's error, and nothing is remembered; a 400 on a later page too", async () => {
            const graph = clientsAs(emu, READER).graph;
            const route = "/auditLogs/directoryAudits";
            const bad = { route, clauses: ["activityDisplayName eq 'Update user'", "resultReason eq 'x'"] };
            // The emulator names the clause it does not take, not the operator (the clauses are checked first).
            const r = await rawGraph(emu, "GET", `${route}?$filter=${q(`(${bad.clauses.join(" or ")})`)}`, undefined, READER);
            assert.match(r.body.error.message, /resultReason/);
            await assert.rejects(
                readAnyOf(graph, bad, () => undefined),
                /answered 400/,
            );
            assert.strictEqual(orRefusal(graph, route), undefined);
            // A refusal on the second page is an error, not a refusal of or.
            auditOr("accepted");
            const pagesRead: number[] = [];
            const at = emu.requests.length;
            const paged = { route, clauses: AUDIT_ACTIVITIES.map((a) => `activityDisplayName eq '${a}'`), rest: "&$top=1" };
            await readAnyOf<{ id: string }>(graph, paged, (p) => {
                pagesRead.push(p.length);
                if (pagesRead.length === 1) auditOr(undefined); // the tenant stops taking it between two pages
            }).then(
                () => assert.fail("the second page's 400 must be an error"),
                (err: Error) => assert.match(err.message, /answered 400/),
            );
            assert.deepStrictEqual(pagesRead, [1]);
            assert.strictEqual(audits(at).length, 2);
            assert.strictEqual(orRefusal(graph, route), undefined);
        });

        it("per-user MFA's recent changes: the same users either way, one query per activity where or is refused", async () => {
            const clients = clientsAs(emu, READER);
            auditOr("accepted");
            let at = emu.requests.length;
            const combined = await recentlyChangedUsers(clients, AUDIT_ACTIVITIES);
            assert.strictEqual(audits(at).length, 1);
            assert.ok(combined?.has(user.userPrincipalName.toLowerCase()));
            auditOr(undefined);
            at = emu.requests.length;
            const separate = await recentlyChangedUsers(clients, AUDIT_ACTIVITIES);
            assert.deepStrictEqual(
                audits(at).map((r) => [r.status, / or /.test(decodedQuery(r))]),
                [[400, true], ...AUDIT_ACTIVITIES.map(() => [200, false])],
            );
            // Readable, so the list's states stay in use (undefined would send every user through the batched reads).
            assert.deepStrictEqual([...(separate ?? [])].sort(), [...(combined ?? [])].sort());
        });
    });
});
