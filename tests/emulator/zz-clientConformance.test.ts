/**
 * Fidelity, client side: after every suite of the run, each request the project's clients sent to an
 * emulator (collected by tests/support/requestLog.ts) is checked against the documented route rules
 * of emulator/ruleTables.ts and the routes' query declarations (Route.query). A request Graph, Exchange or
 * Entra would refuse fails the run, unless the emulator refused it itself with that query check (the test that
 * sent it saw the 400; tests/support/requestLog.ts checkCollected). (A root
 * `after` hook, so it sees the suites of every file, whatever order mocha loads them in).
 */
import * as assert from "node:assert";
import type { RequestLogEntry } from "@m365-mfa/emulator";
import { checkCollected, collectedLogs, problemsOf } from "../support/requestLog";

/**
 * Requests that tests send through the clients on purpose to see the client handle Exchange's refusal
 * (tests/emulator/exchange.test.ts: an unknown cmdlet, unknown parameters). Each names the problem the
 * check must find, so nothing else hides behind them.
 */
const DELIBERATE: readonly RegExp[] = [
    /^cmdlet Get-Unicorn is not one the rules know$/,
    /^Get-OrganizationConfig has no parameter Bogus$/,
    /^Set-AuthenticationPolicy has no parameter AllowBasicAuthFax$/,
];

const entry = (e: Partial<RequestLogEntry>): RequestLogEntry => ({
    at: "",
    method: "GET",
    path: "/v1.0/users",
    status: 200,
    write: false,
    query: "",
    headers: {},
    ...e,
});

describe("client conformance check", () => {
    it("finds what Graph refuses (so that a clean run means something)", () => {
        assert.deepStrictEqual(problemsOf(entry({ path: "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy" }), undefined), []);
        assert.match(
            problemsOf(entry({ path: "/v1.0/groups/g1/transitiveMembers/microsoft.graph.user" }), undefined).join(),
            /ConsistencyLevel|consistencylevel/,
        );
        assert.deepStrictEqual(
            problemsOf(
                entry({
                    path: "/v1.0/groups/g1/transitiveMembers/microsoft.graph.user",
                    query: "?$count=true",
                    headers: { consistencylevel: "eventual" },
                }),
                undefined,
            ),
            [],
        );
        assert.match(
            problemsOf(entry({ path: "/v1.0/auditLogs/signIns", query: "?$select=id" }), undefined).join(),
            /\$select is not supported/,
        );
        // Per-property operators from the route's declaration (resources/signin.md: clientAppUsed eq only).
        assert.match(
            problemsOf(
                entry({ path: "/v1.0/auditLogs/signIns", query: `?$filter=${encodeURIComponent("clientAppUsed in ('IMAP4','POP3')")}` }),
                undefined,
            ).join(),
            /property 'clientAppUsed' of resource 'signIn'/,
        );
        assert.deepStrictEqual(
            problemsOf(
                entry({ path: "/v1.0/auditLogs/signIns", query: `?$filter=${encodeURIComponent("clientAppUsed eq 'IMAP4'")}&$top=1000` }),
                undefined,
            ),
            [],
        );
        assert.match(
            problemsOf(entry({ path: "/v1.0/reports/authenticationMethods/userRegistrationDetails", query: "?$top=5" }), undefined).join(),
            /\$top is not supported/,
        );
        assert.match(problemsOf(entry({ path: "/v1.0/users/u1/authentication/requirements" }), undefined).join(), /not served in v1.0/);
        assert.match(problemsOf(entry({ path: "/v1.0/nowhere" }), undefined).join(), /no documented route/);
        assert.match(
            problemsOf(entry({ method: "PUT", path: "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy" }), undefined).join(),
            /PUT is not a documented verb/,
        );
        assert.match(
            problemsOf(entry({ method: "POST", path: "/users/u1/revokeSignInSessions", batched: true }), "v1.0").join(),
            /needs a body/,
        );
        assert.match(
            problemsOf(
                entry({
                    method: "PATCH",
                    path: "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy",
                    headers: { "content-type": "application/json" },
                    sentBody: { displayName: "x" },
                }),
                undefined,
            ).join(),
            /read-only property displayName/,
        );
        assert.match(
            problemsOf(
                entry({
                    method: "PATCH",
                    path: "/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/MicrosoftAuthenticator",
                    headers: { "content-type": "application/json" },
                    sentBody: {
                        "@odata.type": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration",
                        featureSettings: { numberMatchingRequiredState: { state: "enabled" } },
                    },
                }),
                undefined,
            ).join(),
            /read-only property featureSettings.numberMatchingRequiredState/,
        );
        assert.match(
            problemsOf(
                entry({
                    method: "PATCH",
                    path: "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms",
                    headers: { "content-type": "application/json" },
                    sentBody: { state: "enabled" },
                }),
                undefined,
            ).join(),
            /@odata.type/,
        );
        assert.match(
            problemsOf(
                entry({
                    method: "PATCH",
                    path: "/beta/users/u1/authentication/requirements",
                    headers: { "content-type": "application/json" },
                    sentBody: { perUserMfaState: "on" },
                }),
                undefined,
            ).join(),
            /not a member of perUserMfaState/,
        );
        assert.match(
            problemsOf(
                entry({
                    method: "POST",
                    path: "/adminapi/beta/t1/InvokeCommand",
                    headers: { "content-type": "application/json" },
                    sentBody: { CmdletInput: { CmdletName: "Get-Unicorn" } },
                }),
                undefined,
            ).join(),
            /Get-Unicorn/,
        );
        assert.match(
            problemsOf(
                entry({
                    method: "POST",
                    path: "/t1/oauth2/v2.0/token",
                    sentBody: { grant_type: "client_credentials", scope: "https://graph.microsoft.com/User.Read.All" },
                }),
                undefined,
            ).join(),
            /\.default/,
        );
    });
});

after(() => {
    const { checked, bySender, findings } = checkCollected();
    const suites = new Set(collectedLogs().map((l) => l.suite)).size;
    console.log(
        `      client conformance: ${checked} client requests from ${suites} emulator runs checked (${Object.entries(bySender)
            .map(([k, n]) => `${k} ${n}`)
            .join(", ")})`,
    );
    const refused = findings
        .map((f) => ({ ...f, problems: f.problems.filter((p) => !DELIBERATE.some((d) => d.test(p))) }))
        .filter((f) => f.problems.length);
    if (refused.length) {
        const grouped = new Map<string, { suites: Set<string>; count: number }>();
        for (const f of refused) {
            const key =
                `${f.request.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "{id}")} → ` +
                `${f.problems.join("; ")}`;
            const g = grouped.get(key) ?? { suites: new Set(), count: 0 };
            g.suites.add(f.suite);
            g.count++;
            grouped.set(key, g);
        }
        throw new Error(
            `${refused.length} client requests Graph would refuse:\n` +
                [...grouped.entries()].map(([k, g]) => `  ${g.count}× ${k} [${[...g.suites].slice(0, 3).join(" | ")}]`).join("\n"),
        );
    }
});
