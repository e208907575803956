import type { RuleTable } from "../rules";

const DOC = "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/api";
const POLICIES = "/identity/conditionalAccess/policies";
const LOCATIONS = "/identity/conditionalAccess/namedLocations";
const READ_ONLY = ["id", "createdDateTime", "modifiedDateTime", "deletedDateTime", "templateId"];
const BOTH = ["Policy.ReadWrite.ConditionalAccess", "Policy.Read.All"];
const STRENGTHS = "/policies/authenticationStrengthPolicies";
const STRENGTH_READ_ONLY = ["id", "createdDateTime", "modifiedDateTime", "policyType", "requirementsSatisfied"];

/** A policy in report-only/disabled state that Graph's create page accepts. */
const POLICY = {
    displayName: "conformance: block legacy authentication",
    state: "disabled",
    conditions: {
        users: { includeUsers: ["All"] },
        applications: { includeApplications: ["All"] },
        clientAppTypes: ["exchangeActiveSync", "other"],
    },
    grantControls: { operator: "OR", builtInControls: ["block"] },
};

/** Conditional Access policies and named locations (./conditionalAccess.ts). */
export const RULES: RuleTable = {
    area: "conditionalAccess",
    file: "emulator/graph/conditionalAccess.ts",
    rules: [
        {
            id: "conditionalAccess.policies.route",
            kind: "route",
            statement:
                "GET lists and POST creates Conditional Access policies; POST answers 201 Created with the policy (id set by the service).",
            source: `${DOC}/conditionalaccessroot-post-policies.md; ${DOC}/conditionalaccessroot-list-policies.md`,
            modelled: true,
            route: {
                methods: ["GET", "POST"],
                path: POLICIES,
                versions: ["v1.0"],
                bodyEntity: { POST: "conditionalAccessPolicy" },
                readOnly: READ_ONLY,
            },
            probe: { method: "POST", path: POLICIES, body: POLICY },
            expect: { status: 201, bodyHas: ["id", "createdDateTime"] },
        },
        {
            id: "conditionalAccess.policy.route",
            kind: "route",
            statement: "GET, PATCH (204) and DELETE (204) /identity/conditionalAccess/policies/{id}.",
            source:
                `${DOC}/conditionalaccesspolicy-get.md; ${DOC}/conditionalaccesspolicy-update.md; ` +
                `${DOC}/conditionalaccesspolicy-delete.md`,
            modelled: true,
            route: {
                methods: ["GET", "PATCH", "DELETE"],
                path: `${POLICIES}/{id}`,
                versions: ["v1.0"],
                bodyEntity: { PATCH: "conditionalAccessPolicy" },
                readOnly: READ_ONLY,
            },
            probe: { method: "GET", path: `${POLICIES}/00000000-0000-0000-0000-00000000dead` },
            expect: { status: 404 },
        },
        {
            id: "conditionalAccess.beta",
            kind: "route",
            statement: "The same Conditional Access routes exist in beta.",
            source: "microsoftgraph/microsoft-graph-docs-contrib api-reference/beta/api/conditionalaccessroot-post-policies.md",
            modelled: false,
            stricter:
                "Only v1.0 is emulated (the vendored beta schema has no Conditional Access types); the client check refuses " +
                "beta Conditional Access calls.",
        },
        {
            id: "conditionalAccess.permission.write",
            kind: "permission",
            statement:
                "Creating a policy needs Policy.ReadWrite.ConditionalAccess and Policy.Read.All (the page notes a known " +
                "permissions issue); the first alone is refused.",
            source: `${DOC}/conditionalaccessroot-post-policies.md`,
            modelled: true,
            probe: { method: "POST", path: POLICIES, body: POLICY, app: ["Policy.ReadWrite.ConditionalAccess"] },
            expect: { status: 403 },
        },
        {
            id: "conditionalAccess.permission.writeGranted",
            kind: "permission",
            statement: "Policy.ReadWrite.ConditionalAccess with Policy.Read.All creates a policy.",
            source: `${DOC}/conditionalaccessroot-post-policies.md`,
            modelled: true,
            probe: { method: "POST", path: POLICIES, body: POLICY, app: BOTH },
            expect: { status: 201 },
        },
        {
            id: "conditionalAccess.permission.read",
            kind: "permission",
            statement: "Listing policies needs Policy.Read.All (or Policy.Read.ConditionalAccess); without it 403.",
            source: `${DOC}/conditionalaccessroot-list-policies.md`,
            modelled: true,
            probe: { method: "GET", path: POLICIES, app: [] },
            expect: { status: 403 },
        },
        {
            id: "conditionalAccess.readOnly",
            kind: "readOnly",
            statement: "id, createdDateTime and modifiedDateTime are set by the service.",
            source: `microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/resources/conditionalaccesspolicy.md`,
            modelled: true,
            stricter:
                "Graph's answer to a read-only property in the body is not documented for this resource; the emulator refuses it with 400.",
            probe: { method: "POST", path: POLICIES, body: { ...POLICY, createdDateTime: "2020-01-01T00:00:00Z" } },
            expect: { status: 400 },
        },
        {
            id: "conditionalAccess.valueSet.state",
            kind: "valueSet",
            statement: "state is enabled, disabled or enabledForReportingButNotEnforced.",
            source: "graph-schema v1.0.json conditionalAccessPolicyState",
            modelled: true,
            probe: { method: "POST", path: POLICIES, body: { ...POLICY, state: "on" } },
            expect: { status: 400 },
        },
        {
            id: "conditionalAccess.valueSet.clientAppTypes",
            kind: "valueSet",
            statement: "clientAppTypes are all, browser, mobileAppsAndDesktopClients, exchangeActiveSync, easSupported, other.",
            source: "graph-schema v1.0.json conditionalAccessClientApp",
            modelled: true,
            probe: { method: "POST", path: POLICIES, body: { ...POLICY, conditions: { ...POLICY.conditions, clientAppTypes: ["imap"] } } },
            expect: { status: 400 },
        },
        {
            id: "conditionalAccess.securityDefaults",
            kind: "error",
            statement: "A Conditional Access policy cannot be enabled while security defaults are on.",
            source: "learn.microsoft.com entra/fundamentals/security-defaults",
            modelled: true,
            stricter: "The Graph status and code are not documented; the emulator answers 400 BadRequest with the message users report.",
            probe: { method: "POST", path: POLICIES, body: { ...POLICY, state: "enabled" }, given: "securityDefaultsOn" },
            expect: { status: 400 },
        },
        {
            id: "conditionalAccess.namedLocations.route",
            kind: "route",
            statement:
                "GET lists and POST creates named locations (201); the body names #microsoft.graph.ipNamedLocation or " +
                "#microsoft.graph.countryNamedLocation.",
            source: `${DOC}/conditionalaccessroot-post-namedlocations.md`,
            modelled: true,
            route: {
                methods: ["GET", "POST"],
                path: LOCATIONS,
                versions: ["v1.0"],
                bodyEntity: { POST: "namedLocation" },
                readOnly: READ_ONLY,
                needsODataType: true,
            },
            probe: {
                method: "POST",
                path: LOCATIONS,
                body: {
                    "@odata.type": "#microsoft.graph.countryNamedLocation",
                    displayName: "conformance",
                    countriesAndRegions: ["NL"],
                    includeUnknownCountriesAndRegions: false,
                },
            },
            expect: { status: 201, bodyHas: ["id"] },
        },
        {
            id: "conditionalAccess.namedLocation.route",
            kind: "route",
            statement: "GET, PATCH (204) and DELETE (204) /identity/conditionalAccess/namedLocations/{id}.",
            source: `${DOC}/namedlocation-get.md; ${DOC}/ipnamedlocation-update.md; ${DOC}/namedlocation-delete.md`,
            modelled: true,
            route: {
                methods: ["GET", "PATCH", "DELETE"],
                path: `${LOCATIONS}/{id}`,
                versions: ["v1.0"],
                bodyEntity: { PATCH: "namedLocation" },
                readOnly: READ_ONLY,
                needsODataType: true,
            },
            probe: { method: "DELETE", path: `${LOCATIONS}/00000000-0000-0000-0000-00000000dead` },
            expect: { status: 404 },
        },
        {
            id: "conditionalAccess.verb",
            kind: "verb",
            statement: "PUT is not an operation of Conditional Access policies.",
            source: `microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/resources/conditionalaccesspolicy.md (methods)`,
            modelled: true,
            probe: { method: "PUT", path: POLICIES, body: POLICY },
            expect: { status: 405 },
        },
        {
            id: "conditionalAccess.throttling",
            kind: "throttling",
            statement:
                "Identity protection and Conditional Access: 1 request per second per tenant for all apps; the 429 carries no Retry-After.",
            source:
                "microsoftgraph/microsoft-graph-docs-contrib concepts/throttling-limits.md (identity protection and Conditional " +
                "Access service limits)",
            modelled: true,
            probe: { method: "GET", path: POLICIES, repeat: 2, throttleScale: 1 },
            expect: { status: 429, headers: { "retry-after": null } },
        },
        {
            id: "conditionalAccess.filter",
            kind: "query",
            statement:
                "Listing policies supports $skip, $top, $count, $filter, $orderBy and $select; the page names no operators per property.",
            source:
                `${DOC}/conditionalaccessroot-list-policies.md ("This method supports the $skip, $top, $count, $filter, ` +
                `$orderBy, and $select OData query parameters")`,
            modelled: false,
            stricter:
                "The emulator models $filter with eq on id, displayName and state only (not stated by the page); $select and " +
                "the other options are refused with 400 'not modelled by the emulator', never ignored.",
        },
        // ---- authentication strengths (./authenticationStrengths.ts) and the grant and conditions that use them
        {
            id: "authenticationStrengths.route",
            kind: "route",
            statement:
                "GET lists and POST creates authentication strength policies; every tenant lists the built-ins Multifactor " +
                "authentication (...0002), Passwordless MFA (...0003) and Phishing resistant MFA (...0004); POST answers 201 " +
                "with policyType custom.",
            source: `${DOC}/authenticationstrengthroot-list-policies.md (example 1); ${DOC}/authenticationstrengthroot-post-policies.md`,
            modelled: true,
            route: {
                methods: ["GET", "POST"],
                path: STRENGTHS,
                versions: ["v1.0"],
                bodyEntity: { POST: "authenticationStrengthPolicy" },
                readOnly: STRENGTH_READ_ONLY,
            },
            probe: { method: "GET", path: STRENGTHS },
            expect: { status: 200, bodyHas: ["value.0.id", "value.2.allowedCombinations"] },
        },
        {
            id: "authenticationStrengths.item.route",
            kind: "route",
            statement: "GET, PATCH (204) and DELETE (204) /policies/authenticationStrengthPolicies/{id}.",
            source:
                `${DOC}/authenticationstrengthpolicy-get.md; ${DOC}/authenticationstrengthpolicy-update.md; ` +
                `${DOC}/authenticationstrengthroot-delete-policies.md`,
            modelled: true,
            route: {
                methods: ["GET", "PATCH", "DELETE"],
                path: `${STRENGTHS}/{id}`,
                versions: ["v1.0"],
                bodyEntity: { PATCH: "authenticationStrengthPolicy" },
                readOnly: STRENGTH_READ_ONLY,
            },
            probe: { method: "GET", path: `${STRENGTHS}/00000000-0000-0000-0000-000000000004` },
            expect: {
                status: 200,
                body: {
                    displayName: "Phishing resistant MFA",
                    policyType: "builtIn",
                    allowedCombinations: ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
                },
            },
        },
        {
            id: "authenticationStrengths.updateAllowedCombinations.route",
            kind: "route",
            statement:
                "POST /policies/authenticationStrengthPolicies/{id}/updateAllowedCombinations changes allowedCombinations " +
                "(PATCH changes the other properties).",
            source: `${DOC}/authenticationstrengthpolicy-updateallowedcombinations.md`,
            modelled: true,
            route: { methods: ["POST"], path: `${STRENGTHS}/{id}/updateAllowedCombinations`, versions: ["v1.0"] },
            probe: {
                method: "POST",
                path: `${STRENGTHS}/00000000-0000-0000-0000-000000000002/updateAllowedCombinations`,
                body: { allowedCombinations: ["fido2"] },
            },
            expect: { status: 400, message: "built-in" },
        },
        {
            id: "authenticationStrengths.builtInReadOnly",
            kind: "error",
            statement: "A built-in authentication strength can't be updated or deleted.",
            source:
                `${DOC.replace("/api", "/resources")}/authenticationstrengthpolicy.md (Methods: "You can't update a built-in ... ` +
                `You can't delete a built-in")`,
            modelled: true,
            stricter: "Graph's status and code are not documented; the emulator answers 400 BadRequest.",
            probe: { method: "DELETE", path: `${STRENGTHS}/00000000-0000-0000-0000-000000000004` },
            expect: { status: 400, message: "built-in" },
        },
        {
            id: "authenticationStrengths.required",
            kind: "body",
            statement:
                "displayName and allowedCombinations are required to create a custom strength; each combination is made of " +
                "authenticationMethodModes members.",
            source: `${DOC}/authenticationstrengthroot-post-policies.md (Request body: Required)`,
            modelled: true,
            probe: {
                method: "POST",
                path: STRENGTHS,
                body: { "@odata.type": "#microsoft.graph.authenticationStrengthPolicy", displayName: "conformance: no combinations" },
            },
            expect: { status: 400, message: "allowedCombinations" },
        },
        {
            id: "authenticationStrengths.customLimit",
            kind: "error",
            statement: "A tenant can create up to 15 custom authentication strengths.",
            source: "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/resources/authenticationstrengths-overview.md",
            modelled: false,
            stricter:
                "Modelled (the 16th POST is refused with 400; Graph's status is not documented) and asserted in " +
                "tests/emulator/conditionalAccess.test.ts, not probed here so as not to fill the conformance tenant.",
        },
        {
            id: "conditionalAccess.grant.authenticationStrength",
            kind: "body",
            statement:
                "grantControls.authenticationStrength names an authentication strength policy by id; a policy read back " +
                "carries the strength it names.",
            source:
                "graph-schema v1.0.json conditionalAccessGrantControls (navigation authenticationStrength -> " +
                `authenticationStrengthPolicy); ${DOC.replace("/api", "/resources")}/conditionalaccessgrantcontrols.md`,
            modelled: true,
            stricter:
                "Graph's answer to an id that names no strength is not documented; the emulator refuses it with 400. " +
                "Deleting a strength a policy uses is refused too (not documented).",
            probe: {
                method: "POST",
                path: POLICIES,
                body: {
                    ...POLICY,
                    grantControls: {
                        operator: "OR",
                        builtInControls: [],
                        authenticationStrength: { id: "00000000-0000-0000-0000-00000000dead" },
                    },
                    conditions: { ...POLICY.conditions, clientAppTypes: ["all"] },
                },
            },
            expect: { status: 400, message: "authentication strength" },
        },
        {
            id: "conditionalAccess.conditions.authenticationFlows",
            kind: "valueSet",
            statement:
                "conditions.authenticationFlows.transferMethods is none, deviceCodeFlow, authenticationTransfer (a flag " +
                "enum: several joined by commas).",
            source:
                `${DOC.replace("/api", "/resources")}/conditionalaccessauthenticationflows.md; graph-schema v1.0.json ` +
                "conditionalAccessTransferMethods",
            modelled: true,
            probe: {
                method: "POST",
                path: POLICIES,
                body: {
                    ...POLICY,
                    conditions: { ...POLICY.conditions, clientAppTypes: ["all"], authenticationFlows: { transferMethods: "deviceCode" } },
                },
            },
            expect: { status: 400 },
        },
        {
            id: "reports.signIns.reportOnlyResults",
            kind: "header",
            statement:
                "appliedConditionalAccessPolicies results reportOnlySuccess, reportOnlyFailure, reportOnlyNotApplied and " +
                "reportOnlyInterrupted are evolvable enum members, returned only with Prefer: include-unknown-enum-members " +
                "(else unknownFutureValue).",
            source: `${DOC.replace("/api", "/resources")}/appliedconditionalaccesspolicy.md (result)`,
            modelled: false,
            stricter:
                "Modelled for the sign-ins given to the emulator (TenantState.recordedSignIns: the emulator does not " +
                "evaluate policies against sign-ins) and asserted in tests/emulator/conditionalAccess.test.ts; the generated " +
                "sign-ins carry no applied policy.",
        },
        {
            id: "conditionalAccess.managed.noDelete",
            kind: "error",
            statement:
                "Organizations can't rename or delete Microsoft-managed policies; admins can edit their state and the " +
                "identities they exclude.",
            source:
                "MicrosoftDocs/entra-docs docs/identity/conditional-access/managed-policies.md (Policies; How Microsoft-managed " +
                "policies work)",
            modelled: false,
            stricter:
                "Modelled for the managed policies the emulator seeds (seedManagedPolicies): DELETE and a rename are refused " +
                "with 400, and so is any other change than state and exclusions (the page names only those; Graph's status " +
                "is not documented). Asserted in tests/emulator/conditionalAccess.test.ts, and met by the package's own " +
                "client (settings/managedPolicies PATCHes only state and conditions.users.excludeUsers/excludeGroups) in " +
                "tests/emulator/managedPolicyProvider.test.ts and tests/engine/managedPolicies.test.ts; not probed here, as " +
                "the conformance tenant has no managed policy.",
        },
        {
            id: "conditionalAccess.managed.audit",
            kind: "body",
            statement:
                "Microsoft's changes to its managed policies are in the directory audit log, initiated by the app Microsoft " +
                "Managed Policy Manager, category Policy.",
            source:
                "MicrosoftDocs/entra-docs docs/identity/conditional-access/managed-policies.md (How do I monitor when Microsoft " +
                "makes a change to these policies)",
            modelled: false,
            stricter:
                "Modelled by microsoftSetsManagedPolicyState (the change Microsoft makes after notice); its app id is not " +
                "documented and is a fixed placeholder. Asserted in tests/emulator/conditionalAccess.test.ts and " +
                "tests/engine/mfaPosture.test.ts.",
        },
        {
            id: "conditionalAccess.selectNotModelled",
            kind: "query",
            statement: "$select on the policy list is not modelled: refused rather than answered with every property.",
            source:
                `${DOC}/conditionalaccessroot-list-policies.md (lists $select); the refusal is the emulator's own ` +
                "(emulator/graph/query.ts)",
            modelled: true,
            stricter: "Graph answers $select here; the emulator refuses it so that no test passes on data that ignored it.",
            probe: { method: "GET", path: POLICIES, query: "$select=id,displayName" },
            expect: { status: 400, message: "not modelled by the emulator" },
        },
    ],
};
