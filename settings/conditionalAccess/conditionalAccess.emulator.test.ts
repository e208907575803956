/**
 * Conditional Access in the emulator: policies and named locations (CRUD in Graph's shapes and status
 * codes), validation against Graph's schema and the service's rules, the mutual exclusion with
 * security defaults both ways, the 1 request per second per tenant limit whose 429 has no Retry-After,
 * and the documented permissions. Every body the emulator accepted or answered is checked with checkBody.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createTenantClients } from "../../client";
import { SECURITY_DEFAULTS_CONFLICT, microsoftSetsManagedPolicyState, seedManagedPolicies } from "@m365-mfa/emulator";
import { checkBody } from "@m365-mfa/emulator";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";
import { clientsAs, startTrustedEmulator } from "../../harness/tenant";
import { addApp, rawGraph } from "../../tests/support/rawGraph";

const POLICIES = "/identity/conditionalAccess/policies";
const LOCATIONS = "/identity/conditionalAccess/namedLocations";

/** Microsoft's "block legacy authentication" policy, with a break-glass account excluded. */
function blockLegacy(state = "enabledForReportingButNotEnforced", extra: Record<string, unknown> = {}) {
    return {
        displayName: "Block legacy authentication",
        state,
        conditions: {
            users: { includeUsers: ["All"], excludeUsers: ["11111111-1111-1111-1111-111111111111"] },
            applications: { includeApplications: ["All"] },
            clientAppTypes: ["exchangeActiveSync", "other"],
        },
        grantControls: { operator: "OR", builtInControls: ["block"] },
        ...extra,
    };
}

describe("emulator: Conditional Access", function () {
    this.timeout(60_000);
    let tmp: string;
    let emu: RunningEmulator;
    const call = (method: string, p: string, body?: unknown, app?: string) => rawGraph(emu, method, p, body, app);
    const setSecurityDefaults = async (isEnabled: boolean) => {
        const r = await call("PATCH", "/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled }, APPS.portal);
        return r;
    };
    const stored = () => emu.defaultTenant().conditionalAccessPolicies;

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-ca-"));
        // Throttling off except in the throttling test: the 1 rps limit would slow every other test down.
        emu = await startTrustedEmulator({ stateDir: tmp, recordBodies: true, throttling: { enabled: false } });
    });
    after(async () => {
        await emu.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
    });
    beforeEach(async () => {
        emu.faults = {};
        emu.throttle.options = { enabled: false };
        await setSecurityDefaults(false);
        emu.store.mutate(() => {
            emu.defaultTenant().conditionalAccessPolicies = [];
            emu.defaultTenant().namedLocations = [];
        });
    });

    it("creates (201), reads, lists, updates (204) and deletes (204) a policy in Graph's shapes", async () => {
        const created = await call("POST", POLICIES, blockLegacy("enabled"));
        assert.strictEqual(created.status, 201, JSON.stringify(created.body));
        const p = created.body;
        assert.match(p.id, /^[0-9a-f-]{36}$/);
        assert.ok(Date.parse(p.createdDateTime) <= Date.now());
        assert.strictEqual(p.modifiedDateTime, null, "null until the first change, as in Microsoft's examples");
        assert.strictEqual(p.state, "enabled");
        assert.match(p["@odata.context"], /\$metadata#identity\/conditionalAccess\/policies\/\$entity$/);
        // What was not sent is filled in as Graph fills it.
        assert.deepStrictEqual(p.conditions.users.excludeGroups, []);
        assert.deepStrictEqual(p.conditions.signInRiskLevels, []);
        assert.strictEqual(p.conditions.platforms, null);
        assert.deepStrictEqual(p.grantControls, {
            operator: "OR",
            builtInControls: ["block"],
            customAuthenticationFactors: [],
            termsOfUse: [],
        });
        assert.strictEqual(p.sessionControls, null);

        const got = await call("GET", `${POLICIES}/${p.id}`);
        assert.strictEqual(got.status, 200);
        assert.deepStrictEqual({ ...got.body, "@odata.context": undefined }, { ...p, "@odata.context": undefined });
        const list = await call("GET", POLICIES);
        assert.deepStrictEqual(
            list.body.value.map((x: any) => x.id),
            [p.id],
        );
        const filtered = await call("GET", `${POLICIES}?$filter=${encodeURIComponent("state eq 'disabled'")}`);
        assert.deepStrictEqual(filtered.body.value, []);

        // PATCH merges: conditions.users changes, conditions.applications stays.
        const patched = await call("PATCH", `${POLICIES}/${p.id}`, {
            state: "disabled",
            conditions: { users: { includeUsers: ["All"], excludeUsers: [] } },
        });
        assert.strictEqual(patched.status, 204);
        assert.strictEqual(patched.body, undefined);
        const after = (await call("GET", `${POLICIES}/${p.id}`)).body;
        assert.strictEqual(after.state, "disabled");
        assert.deepStrictEqual(after.conditions.users.excludeUsers, []);
        assert.deepStrictEqual(after.conditions.applications.includeApplications, ["All"]);
        assert.ok(after.modifiedDateTime && Date.parse(after.modifiedDateTime) >= Date.parse(p.createdDateTime));
        assert.strictEqual(after.createdDateTime, p.createdDateTime);

        assert.strictEqual((await call("DELETE", `${POLICIES}/${p.id}`)).status, 204);
        const gone = await call("GET", `${POLICIES}/${p.id}`);
        assert.strictEqual(gone.status, 404);
        assert.strictEqual((await call("DELETE", `${POLICIES}/${p.id}`)).status, 404);
        assert.deepStrictEqual(stored(), []);
        // Through the Graph SDK too (what the providers use).
        const graph = clientsAs(emu).graph;
        const viaSdk = await graph.post(POLICIES, blockLegacy());
        assert.strictEqual((await graph.get(`${POLICIES}/${viaSdk.id}`)).displayName, "Block legacy authentication");
    });

    it("refuses bodies that do not fit Graph's schema or rules with Graph's 400, storing nothing", async () => {
        const cases: [string, Record<string, unknown>, RegExp][] = [
            [
                "unknown property",
                blockLegacy(undefined, { priority: 1 }),
                /property 'priority' does not exist on type 'microsoft\.graph\.conditionalAccessPolicy'/,
            ],
            [
                "unknown nested property",
                { ...blockLegacy(), conditions: { ...blockLegacy().conditions, devices: { includeDeviceStates: ["All"] } } },
                /property 'includeDeviceStates' does not exist on type 'microsoft\.graph\.conditionalAccessDevices'/,
            ],
            ["state not a member", blockLegacy("on"), /Requested value 'on' was not found/],
            [
                "clientAppTypes value",
                { ...blockLegacy(), conditions: { ...blockLegacy().conditions, clientAppTypes: ["imap"] } },
                /Requested value 'imap' was not found/,
            ],
            [
                "builtInControls value",
                blockLegacy(undefined, { grantControls: { operator: "OR", builtInControls: ["requireMfa"] } }),
                /Requested value 'requireMfa' was not found/,
            ],
            [
                "wrong JSON type",
                blockLegacy(undefined, { displayName: 42 }),
                /Cannot convert the literal '42' to the expected type 'Edm.String'/,
            ],
            [
                "not an array",
                { ...blockLegacy(), conditions: { ...blockLegacy().conditions, clientAppTypes: "all" } },
                /'StartArray' node was expected/,
            ],
            ["null where not allowed", blockLegacy(undefined, { state: null }), /null value was found for the property named 'state'/],
            ["read-only id", blockLegacy(undefined, { id: "mine" }), /Property 'id' is read-only/],
            ["missing displayName", { ...blockLegacy(), displayName: undefined }, /displayName is required/],
            ["missing conditions", { ...blockLegacy(), conditions: undefined }, /conditions is required/],
            [
                "no applications",
                { ...blockLegacy(), conditions: { ...blockLegacy().conditions, applications: undefined } },
                /conditions\.applications/,
            ],
            ["no users", { ...blockLegacy(), conditions: { ...blockLegacy().conditions, users: undefined } }, /conditions\.users/],
            [
                "no clientAppTypes",
                { ...blockLegacy(), conditions: { ...blockLegacy().conditions, clientAppTypes: [] } },
                /clientAppTypes is required/,
            ],
            [
                "neither grant nor session controls",
                { ...blockLegacy(), grantControls: undefined },
                /grantControls or sessionControls is required/,
            ],
            [
                "operator",
                blockLegacy(undefined, { grantControls: { operator: "XOR", builtInControls: ["mfa"] } }),
                /operator must be AND or OR/,
            ],
            [
                "block with others",
                blockLegacy(undefined, { grantControls: { operator: "OR", builtInControls: ["block", "mfa"] } }),
                /block control cannot be combined/,
            ],
            [
                "unknown location",
                {
                    ...blockLegacy(),
                    conditions: { ...blockLegacy().conditions, locations: { includeLocations: ["8c1b8f0e-1111-2222-3333-444455556666"] } },
                },
                /named location '8c1b8f0e-1111-2222-3333-444455556666' .* does not exist/,
            ],
        ];
        for (const [name, body, message] of cases) {
            const r = await call("POST", POLICIES, JSON.parse(JSON.stringify(body)));
            assert.strictEqual(r.status, 400, `${name}: ${JSON.stringify(r.body)}`);
            assert.strictEqual(r.body.error.code, "BadRequest", name);
            assert.match(r.body.error.message, message, name);
            assert.ok(r.body.error.innerError["request-id"], name);
        }
        const schemaMismatch = await call("POST", POLICIES, blockLegacy("on"));
        assert.match(
            schemaMismatch.body.error.message,
            /^1007: Incoming ConditionalAccessPolicy object is null or does not match the schema of ConditionalAccessPolicy type\./,
        );
        assert.deepStrictEqual(stored(), [], "nothing was stored");

        // A PATCH that breaks a rule changes nothing either.
        const p = (await call("POST", POLICIES, blockLegacy())).body;
        const r = await call("PATCH", `${POLICIES}/${p.id}`, { conditions: { clientAppTypes: ["pop3"] } });
        assert.strictEqual(r.status, 400);
        assert.deepStrictEqual(stored()[0].conditions, p.conditions);
        // A session-control-only policy is fine (grant controls may be left out then).
        const session = await call("POST", POLICIES, {
            ...blockLegacy("disabled"),
            grantControls: null,
            sessionControls: { signInFrequency: { isEnabled: true, type: "hours", value: 4, frequencyInterval: "timeBased" } },
        });
        assert.strictEqual(session.status, 201, JSON.stringify(session.body));
        assert.strictEqual(session.body.sessionControls.signInFrequency.value, 4);
    });

    it("security defaults and enabled policies exclude each other, both ways", async () => {
        await setSecurityDefaults(true);
        const refused = await call("POST", POLICIES, blockLegacy("enabled"));
        assert.strictEqual(refused.status, 400);
        assert.strictEqual(refused.body.error.message, SECURITY_DEFAULTS_CONFLICT);
        assert.deepStrictEqual(stored(), []);
        // Report-only and disabled policies may exist beside security defaults, but not be switched on.
        const reportOnly = (await call("POST", POLICIES, blockLegacy())).body;
        assert.strictEqual(reportOnly.state, "enabledForReportingButNotEnforced");
        const toEnabled = await call("PATCH", `${POLICIES}/${reportOnly.id}`, { state: "enabled" });
        assert.strictEqual(toEnabled.status, 400);
        assert.strictEqual(toEnabled.body.error.message, SECURITY_DEFAULTS_CONFLICT);
        assert.strictEqual(stored()[0].state, "enabledForReportingButNotEnforced");

        // The other way: with an enabled policy, security defaults cannot be switched on.
        assert.strictEqual((await setSecurityDefaults(false)).status, 204);
        assert.strictEqual((await call("PATCH", `${POLICIES}/${reportOnly.id}`, { state: "enabled" })).status, 204);
        const sd = await setSecurityDefaults(true);
        assert.strictEqual(sd.status, 400);
        assert.match(sd.body.error.message, /Security defaults cannot be enabled while Conditional Access policies are enabled/);
        assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, false);
        assert.strictEqual((await call("DELETE", `${POLICIES}/${reportOnly.id}`)).status, 204);
        assert.strictEqual((await setSecurityDefaults(true)).status, 204);
    });

    it("named locations: IP ranges and countries, Graph's types, validation, and no deleting one in use", async () => {
        const ip = await call("POST", LOCATIONS, {
            "@odata.type": "#microsoft.graph.ipNamedLocation",
            displayName: "Head office",
            isTrusted: true,
            ipRanges: [
                { "@odata.type": "#microsoft.graph.iPv4CidrRange", cidrAddress: "203.0.113.0/24" },
                { "@odata.type": "#microsoft.graph.iPv6CidrRange", cidrAddress: "2001:db8::/48" },
            ],
        });
        assert.strictEqual(ip.status, 201, JSON.stringify(ip.body));
        assert.strictEqual(ip.body["@odata.type"], "#microsoft.graph.ipNamedLocation");
        assert.strictEqual(ip.body.createdDateTime, ip.body.modifiedDateTime);
        const country = await call("POST", LOCATIONS, {
            "@odata.type": "#microsoft.graph.countryNamedLocation",
            displayName: "Blocked countries",
            countriesAndRegions: ["KP", "IR"],
        });
        assert.strictEqual(country.status, 201, JSON.stringify(country.body));
        assert.strictEqual(country.body.includeUnknownCountriesAndRegions, false);
        assert.strictEqual(country.body.countryLookupMethod, "clientIpAddress");

        const list = (await call("GET", LOCATIONS)).body.value;
        assert.deepStrictEqual(
            list.map((l: any) => l["@odata.type"]),
            ["#microsoft.graph.ipNamedLocation", "#microsoft.graph.countryNamedLocation"],
        );

        const bad: [Record<string, unknown>, RegExp][] = [
            [{ displayName: "No type", countriesAndRegions: ["US"] }, /@odata\.type of a named location must be/],
            [
                { "@odata.type": "#microsoft.graph.countryNamedLocation", displayName: "x", countriesAndRegions: ["USA"] },
                /'USA' is not a two-letter country/,
            ],
            [
                { "@odata.type": "#microsoft.graph.countryNamedLocation", displayName: "x", countriesAndRegions: [] },
                /countriesAndRegions is required/,
            ],
            [
                {
                    "@odata.type": "#microsoft.graph.ipNamedLocation",
                    displayName: "x",
                    ipRanges: [{ "@odata.type": "#microsoft.graph.iPv4CidrRange", cidrAddress: "300.1.1.1/24" }],
                },
                /not a valid IPv4 CIDR range/,
            ],
            [
                {
                    "@odata.type": "#microsoft.graph.ipNamedLocation",
                    displayName: "x",
                    ipRanges: [{ "@odata.type": "#microsoft.graph.iPv4CidrRange", cidrAddress: "10.0.0.0/4" }],
                },
                /too wide/,
            ],
            [
                { "@odata.type": "#microsoft.graph.ipNamedLocation", displayName: "x", ipRanges: [{ cidrAddress: "10.0.0.0/8" }] },
                /property 'cidrAddress' does not exist on type 'microsoft\.graph\.ipRange'/,
            ],
            [
                { "@odata.type": "#microsoft.graph.ipNamedLocation", displayName: "x", ipRanges: [], isTrusted: "yes" },
                /Cannot convert the literal 'yes' to the expected type 'Edm.Boolean'/,
            ],
            [
                { "@odata.type": "#microsoft.graph.ipNamedLocation", displayName: "x", ipRanges: [], countriesAndRegions: ["US"] },
                /property 'countriesAndRegions' does not exist on type 'microsoft\.graph\.ipNamedLocation'/,
            ],
        ];
        for (const [body, message] of bad) {
            const r = await call("POST", LOCATIONS, body);
            assert.strictEqual(r.status, 400, JSON.stringify(body));
            assert.match(r.body.error.message, message);
        }
        assert.strictEqual(emu.defaultTenant().namedLocations!.length, 2);

        // PATCH needs the type, keeps it, answers 204.
        assert.strictEqual((await call("PATCH", `${LOCATIONS}/${country.body.id}`, { displayName: "Not here" })).status, 400);
        assert.strictEqual(
            (
                await call("PATCH", `${LOCATIONS}/${country.body.id}`, {
                    "@odata.type": "#microsoft.graph.ipNamedLocation",
                    displayName: "x",
                })
            ).status,
            400,
        );
        const renamed = await call("PATCH", `${LOCATIONS}/${country.body.id}`, {
            "@odata.type": "#microsoft.graph.countryNamedLocation",
            displayName: "Not here",
            countriesAndRegions: ["KP"],
        });
        assert.strictEqual(renamed.status, 204);
        const after = (await call("GET", `${LOCATIONS}/${country.body.id}`)).body;
        assert.deepStrictEqual(
            [after.displayName, after.countriesAndRegions, after.createdDateTime],
            ["Not here", ["KP"], country.body.createdDateTime],
        );

        // A policy using a location keeps it from being deleted.
        const policy = await call("POST", POLICIES, {
            ...blockLegacy(),
            conditions: { ...blockLegacy().conditions, locations: { includeLocations: ["All"], excludeLocations: [ip.body.id] } },
        });
        assert.strictEqual(policy.status, 201, JSON.stringify(policy.body));
        const inUse = await call("DELETE", `${LOCATIONS}/${ip.body.id}`);
        assert.strictEqual(inUse.status, 400);
        assert.match(inUse.body.error.message, /used by Conditional Access policies \(Block legacy authentication\)/);
        assert.strictEqual((await call("DELETE", `${POLICIES}/${policy.body.id}`)).status, 204);
        assert.strictEqual((await call("DELETE", `${LOCATIONS}/${ip.body.id}`)).status, 204);
        assert.strictEqual((await call("GET", `${LOCATIONS}/${ip.body.id}`)).status, 404);
    });

    it("needs Policy.ReadWrite.ConditionalAccess and Policy.Read.All to write, as documented; reads with either", async () => {
        const reader = await call("POST", POLICIES, blockLegacy(), APPS.reader);
        assert.strictEqual(reader.status, 403);
        assert.strictEqual(reader.body.error.code, "Authorization_RequestDenied");
        assert.strictEqual((await call("GET", POLICIES, undefined, APPS.reader)).status, 200);
        // Microsoft lists both permissions for writes ("a known permissions issue"): write alone is not enough.
        addApp(emu, "ca-writer-only", ["Policy.ReadWrite.ConditionalAccess"]);
        assert.strictEqual((await call("GET", POLICIES, undefined, "ca-writer-only")).status, 200);
        assert.strictEqual((await call("POST", POLICIES, blockLegacy(), "ca-writer-only")).status, 403);
        assert.strictEqual(
            (
                await call(
                    "POST",
                    LOCATIONS,
                    { "@odata.type": "#microsoft.graph.countryNamedLocation", displayName: "x", countriesAndRegions: ["US"] },
                    "ca-writer-only",
                )
            ).status,
            403,
        );
        addApp(emu, "no-policy-read", ["User.Read.All"]);
        assert.strictEqual((await call("GET", POLICIES, undefined, "no-policy-read")).status, 403);
        assert.strictEqual((await call("POST", POLICIES, blockLegacy())).status, 201, "the provider app has both");
    });

    it("throttles at 1 request per second per tenant for all apps, answering 429 without Retry-After", async () => {
        emu.throttle.options = { enabled: true };
        await new Promise((r) => setTimeout(r, 1100)); // a full token
        const first = await call("GET", POLICIES);
        const second = await call("GET", POLICIES, undefined, APPS.portal); // another app: same tenant limit
        assert.strictEqual(first.status, 200);
        assert.strictEqual(second.status, 429);
        assert.strictEqual(second.headers.get("retry-after"), null, "no Retry-After, as Graph documents");
        assert.strictEqual(second.body.error.code, "TooManyRequests");
        await new Promise((r) => setTimeout(r, 1050));
        assert.strictEqual(
            (await call("GET", `${LOCATIONS}`, undefined, APPS.reader)).status,
            200,
            "named locations share it; a second later there is room again",
        );

        // Inside $batch each item is throttled on its own, also without Retry-After.
        await new Promise((r) => setTimeout(r, 1050));
        const batch = await call("POST", "/$batch", { requests: [1, 2, 3].map((i) => ({ id: String(i), method: "GET", url: POLICIES })) });
        assert.deepStrictEqual(
            batch.body.responses.map((r: any) => r.status),
            [200, 429, 429],
        );
        assert.ok(batch.body.responses.every((r: any) => !Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === "retry-after")));

        // Another tenant has its own second; other Graph areas are not affected.
        const other = emu.store.addTenant("Fabrikam (emulated)");
        const fabrikam = createTenantClients(undefined, emu.env(APPS.provider, other.tenantId)).graph;
        await fabrikam.get(POLICIES);
        assert.strictEqual((await call("GET", "/policies/identitySecurityDefaultsEnforcementPolicy")).status, 200);

        // The Graph SDK's retry handler waits on its own when there is no Retry-After, and gets through.
        const graph = clientsAs(emu).graph;
        const started = Date.now();
        await graph.get(POLICIES);
        await graph.get(POLICIES);
        assert.ok(Date.now() - started < 20_000);
    });

    describe("authentication strengths, the authenticationStrength grant and the authenticationFlows condition", () => {
        const STRENGTHS = "/policies/authenticationStrengthPolicies";
        const PHISHING_RESISTANT = "00000000-0000-0000-0000-000000000004";
        beforeEach(() => emu.store.mutate(() => (emu.defaultTenant().authenticationStrengthPolicies = [])));
        const custom = (displayName: string, allowedCombinations = ["fido2", "x509CertificateMultiFactor"]) =>
            call("POST", STRENGTHS, { "@odata.type": "#microsoft.graph.authenticationStrengthPolicy", displayName, allowedCombinations });

        it(
            "lists the three built-in strengths with Microsoft's ids, " + "names and combinations; they cannot be changed or deleted",
            async () => {
                const list = await call("GET", STRENGTHS);
                assert.strictEqual(list.status, 200);
                assert.deepStrictEqual(
                    list.body.value.map((p: any) => [p.id, p.displayName, p.policyType]),
                    [
                        ["00000000-0000-0000-0000-000000000002", "Multifactor authentication", "builtIn"],
                        ["00000000-0000-0000-0000-000000000003", "Passwordless MFA", "builtIn"],
                        [PHISHING_RESISTANT, "Phishing resistant MFA", "builtIn"],
                    ],
                );
                assert.deepStrictEqual(list.body.value[2].allowedCombinations, [
                    "windowsHelloForBusiness",
                    "fido2",
                    "x509CertificateMultiFactor",
                ]);
                assert.strictEqual((await call("PATCH", `${STRENGTHS}/${PHISHING_RESISTANT}`, { displayName: "mine" })).status, 400);
                assert.strictEqual((await call("DELETE", `${STRENGTHS}/${PHISHING_RESISTANT}`)).status, 400);
                assert.strictEqual(
                    (await call("POST", `${STRENGTHS}/${PHISHING_RESISTANT}/updateAllowedCombinations`, { allowedCombinations: ["fido2"] }))
                        .status,
                    400,
                );
                const filtered = await call("GET", `${STRENGTHS}?$filter=policyType eq 'builtIn'`);
                assert.strictEqual(filtered.body.value.length, 3);
                assert.strictEqual((await call("GET", `${STRENGTHS}?$top=1`)).status, 400);
            },
        );

        it(
            "creates (201), updates (PATCH 204 for names, updateAllowedCombinations for combinations) and deletes a custom " +
                "strength; refuses unknown modes, combinations in PATCH, and a 16th",
            async () => {
                const created = await custom("FIDO2 or certificate");
                assert.strictEqual(created.status, 201, JSON.stringify(created.body));
                assert.strictEqual(created.body.policyType, "custom");
                assert.strictEqual(created.body.description, null);
                const id = created.body.id;
                assert.strictEqual(
                    (
                        await call("PATCH", `${STRENGTHS}/${id}`, {
                            "@odata.type": "#microsoft.graph.authenticationStrengthPolicy",
                            displayName: "FIDO2 or CBA",
                            description: "admins",
                        })
                    ).status,
                    204,
                );
                assert.strictEqual((await call("PATCH", `${STRENGTHS}/${id}`, { allowedCombinations: ["fido2"] })).status, 400);
                const updated = await call("POST", `${STRENGTHS}/${id}/updateAllowedCombinations`, { allowedCombinations: ["fido2"] });
                assert.strictEqual(updated.status, 200, JSON.stringify(updated.body));
                assert.deepStrictEqual(updated.body.previousCombinations, ["fido2", "x509CertificateMultiFactor"]);
                const read = await call("GET", `${STRENGTHS}/${id}`);
                assert.deepStrictEqual(
                    [read.body.displayName, read.body.description, read.body.allowedCombinations],
                    ["FIDO2 or CBA", "admins", ["fido2"]],
                );
                assert.strictEqual((await custom("bad", ["fido3"])).status, 400);
                assert.strictEqual((await call("POST", STRENGTHS, { displayName: "no combinations" })).status, 400);
                for (let i = 1; i < 15; i++) assert.strictEqual((await custom(`custom ${i}`)).status, 201);
                const sixteenth = await custom("one too many");
                assert.strictEqual(sixteenth.status, 400);
                assert.match(sixteenth.body.error.message, /at most 15/);
                assert.strictEqual((await call("DELETE", `${STRENGTHS}/${id}`)).status, 204);
                assert.strictEqual((await call("GET", `${STRENGTHS}/${id}`)).status, 404);
            },
        );

        it(
            "a policy's grant names a strength by id (read back as that strength); an unknown id is refused, and a strength in " +
                "use cannot be deleted; authenticationFlows takes deviceCodeFlow and authenticationTransfer",
            async () => {
                const strength = (await custom("admins")).body;
                const policy = (id: string) => ({
                    displayName: "Phishing-resistant MFA for admins",
                    state: "enabledForReportingButNotEnforced",
                    conditions: {
                        users: { includeRoles: ["62e90394-69f5-4237-9190-012177145e10"] },
                        applications: { includeApplications: ["All"] },
                        clientAppTypes: ["all"],
                    },
                    grantControls: {
                        operator: "OR",
                        builtInControls: [],
                        authenticationStrength: { "@odata.type": "#microsoft.graph.authenticationStrengthPolicy", id },
                    },
                });
                assert.strictEqual((await call("POST", POLICIES, policy("00000000-0000-0000-0000-00000000dead"))).status, 400);
                const created = await call("POST", POLICIES, policy(strength.id));
                assert.strictEqual(created.status, 201, JSON.stringify(created.body));
                const read = await call("GET", `${POLICIES}/${created.body.id}`);
                assert.strictEqual(read.body.grantControls.authenticationStrength.id, strength.id);
                assert.strictEqual(read.body.grantControls.authenticationStrength.displayName, "admins");
                const refused = await call("DELETE", `${STRENGTHS}/${strength.id}`);
                assert.strictEqual(refused.status, 400);
                assert.match(refused.body.error.message, /Phishing-resistant MFA for admins/);
                const builtIn = await call("POST", POLICIES, { ...policy(PHISHING_RESISTANT), displayName: "built-in" });
                assert.strictEqual(builtIn.status, 201);
                assert.strictEqual(builtIn.body.grantControls.authenticationStrength.displayName, "Phishing resistant MFA");

                // conditions.authenticationFlows: transferMethods is a flag enum (deviceCodeFlow, authenticationTransfer or both), nothing
                // else.
                const flows = (transferMethods: string) => ({
                    displayName: `Block ${transferMethods}`,
                    state: "enabledForReportingButNotEnforced",
                    conditions: {
                        users: { includeUsers: ["All"] },
                        applications: { includeApplications: ["All"] },
                        clientAppTypes: ["all"],
                        authenticationFlows: { transferMethods },
                    },
                    grantControls: { operator: "OR", builtInControls: ["block"] },
                });
                const both = await call("POST", POLICIES, flows("deviceCodeFlow,authenticationTransfer"));
                assert.strictEqual(both.status, 201, JSON.stringify(both.body));
                assert.deepStrictEqual(both.body.conditions.authenticationFlows, {
                    transferMethods: "deviceCodeFlow,authenticationTransfer",
                });
                assert.strictEqual((await call("POST", POLICIES, flows("deviceCodeFlow"))).status, 201);
                assert.strictEqual((await call("POST", POLICIES, flows("deviceCode"))).status, 400);
            },
        );

        it(
            "Microsoft-managed policies: seeded in report-only; state and exclusions can be changed, not the name or anything " +
                "else; they cannot be deleted; Microsoft's change is audited as Microsoft Managed Policy Manager",
            async () => {
                const seeded = seedManagedPolicies(emu.store, emu.defaultTenant());
                assert.ok(
                    seeded.length >= 4 &&
                        seeded.every(
                            (p) => p.state === "enabledForReportingButNotEnforced" && p.displayName.startsWith("Microsoft-managed: "),
                        ),
                );
                const id = seeded.find((p) => p.displayName === "Microsoft-managed: Block device code flow")!.id;
                const listed = await call("GET", POLICIES);
                assert.ok(
                    listed.body.value.some(
                        (p: any) => p.id === id && p.conditions.authenticationFlows.transferMethods === "deviceCodeFlow",
                    ),
                );
                assert.strictEqual(
                    (
                        await call("PATCH", `${POLICIES}/${id}`, {
                            state: "disabled",
                            conditions: { users: { excludeUsers: ["11111111-1111-1111-1111-111111111111"] } },
                        })
                    ).status,
                    204,
                );
                assert.deepStrictEqual((await call("GET", `${POLICIES}/${id}`)).body.conditions.users.excludeUsers, [
                    "11111111-1111-1111-1111-111111111111",
                ]);
                const renamed = await call("PATCH", `${POLICIES}/${id}`, { displayName: "mine now" });
                assert.strictEqual(renamed.status, 400);
                assert.match(renamed.body.error.message, /can't be renamed/);
                assert.strictEqual((await call("PATCH", `${POLICIES}/${id}`, { conditions: { clientAppTypes: ["browser"] } })).status, 400);
                assert.strictEqual(
                    (await call("PATCH", `${POLICIES}/${id}`, { grantControls: { operator: "OR", builtInControls: ["mfa"] } })).status,
                    400,
                );
                const deleted = await call("DELETE", `${POLICIES}/${id}`);
                assert.strictEqual(deleted.status, 400);
                assert.match(deleted.body.error.message, /can't rename or delete Microsoft-managed policies/);

                microsoftSetsManagedPolicyState(emu.store, emu.defaultTenant(), id, "enabled");
                assert.strictEqual(stored().find((p) => p.id === id)!.state, "enabled");
                addApp(emu, "audit-reader", ["AuditLog.Read.All", "Directory.Read.All"]);
                const audits = await call(
                    "GET",
                    "/auditLogs/directoryAudits?$filter=" +
                        encodeURIComponent("initiatedBy/app/displayName eq 'Microsoft Managed Policy Manager' and category eq 'Policy'"),
                    undefined,
                    "audit-reader",
                );
                assert.strictEqual(audits.status, 200, JSON.stringify(audits.body));
                assert.deepStrictEqual(
                    audits.body.value.map((e: any) => [e.activityDisplayName, e.targetResources[0].id]),
                    [["Update Conditional Access policy", id]],
                );
                emu.store.mutate(() => (emu.defaultTenant().managedConditionalAccessPolicyIds = []));
            },
        );

        it(
            "sign-ins given to the emulator carry their report-only results, as the evolvable enum only with Prefer: " +
                "include-unknown-enum-members",
            async () => {
                const upn = emu.directory().users.values().next().value!.userPrincipalName;
                emu.store.mutate(() => {
                    emu.defaultTenant().recordedSignIns = [
                        {
                            id: "5f0e0a53-0000-4000-8000-000000000001",
                            createdDateTime: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
                            userPrincipalName: upn,
                            appDisplayName: "Azure Portal",
                            clientAppUsed: "Browser",
                            appliedConditionalAccessPolicies: [
                                {
                                    id: "p1",
                                    displayName: "Phishing-resistant MFA for admins",
                                    result: "reportOnlyFailure",
                                    enforcedGrantControls: ["Authentication Strength"],
                                    enforcedSessionControls: [],
                                },
                            ],
                        },
                    ];
                });
                const q = `/auditLogs/signIns?$filter=userPrincipalName eq '${upn}'`;
                const plain = await call("GET", q);
                const mine = (b: any) => b.value.find((s: any) => s.id === "5f0e0a53-0000-4000-8000-000000000001");
                assert.strictEqual(mine(plain.body).appliedConditionalAccessPolicies[0].result, "unknownFutureValue");
                const evolvable = await rawGraph(emu, "GET", q, undefined, APPS.provider, "v1.0", {
                    Prefer: "include-unknown-enum-members",
                });
                assert.strictEqual(mine(evolvable.body).appliedConditionalAccessPolicies[0].result, "reportOnlyFailure");
                assert.strictEqual(mine(evolvable.body).appDisplayName, "Azure Portal");
                emu.store.mutate(() => (emu.defaultTenant().recordedSignIns = []));
            },
        );
    });

    it("every body it accepted or answered has only what Graph's schema has", () => {
        const ok = emu.requests.filter(
            (r) => r.entity && typeof r.status === "number" && r.status < 300 && r.path.includes("/identity/conditionalAccess/"),
        );
        assert.ok(
            ok.some((r) => r.entity === "conditionalAccessPolicy" && r.method === "POST") &&
                ok.some((r) => r.entity === "namedLocation" && r.method === "GET"),
        );
        const problems = ok.flatMap((r) => [
            ...(r.requestBody !== undefined ? checkBody(r.version!, r.entity!, r.requestBody, `${r.method} ${r.path} request`) : []),
            ...(r.responseBody !== undefined ? checkBody(r.version!, r.entity!, r.responseBody, `${r.method} ${r.path} response`) : []),
        ]);
        assert.deepStrictEqual(problems, []);
        // And the checker does see a property Graph does not have.
        assert.match(checkBody("v1.0", "conditionalAccessPolicy", { priority: 1 })[0], /no such property/);
    });
});
