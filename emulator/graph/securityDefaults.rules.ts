import type { RuleTable } from "../rules";

const DOC = "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/api";
const PATH = "/policies/identitySecurityDefaultsEnforcementPolicy";

/** Security defaults (./securityDefaults.ts). */
export const RULES: RuleTable = {
    area: "securityDefaults",
    file: "emulator/graph/securityDefaults.ts",
    rules: [
        {
            id: "securityDefaults.route",
            kind: "route",
            statement:
                "GET and PATCH /policies/identitySecurityDefaultsEnforcementPolicy, in v1.0 and beta; PATCH takes isEnabled " +
                "and answers 204 No Content.",
            source: `${DOC}/identitysecuritydefaultsenforcementpolicy-update.md`,
            modelled: true,
            route: {
                methods: ["GET", "PATCH"],
                path: PATH,
                versions: ["v1.0", "beta"],
                bodyEntity: { PATCH: "identitySecurityDefaultsEnforcementPolicy" },
                writable: ["isEnabled"],
                readOnly: ["id", "displayName", "description"],
            },
            probe: { method: "PATCH", path: PATH, body: { isEnabled: false } },
            expect: { status: 204 },
        },
        {
            id: "securityDefaults.get",
            kind: "status",
            statement: "GET answers 200 with id, displayName, description and isEnabled.",
            source: `${DOC}/identitysecuritydefaultsenforcementpolicy-get.md`,
            modelled: true,
            probe: { method: "GET", path: PATH },
            expect: { status: 200, bodyHas: ["id", "displayName", "description", "isEnabled"] },
        },
        {
            id: "securityDefaults.verb",
            kind: "verb",
            statement: "Only GET and PATCH exist; another method answers 405 Method Not Allowed.",
            source: "microsoftgraph/microsoft-graph-docs-contrib concepts/errors.md (405)",
            modelled: true,
            stricter: "Graph's error code for a 405 here is not documented; the emulator sends Request_BadRequest.",
            probe: { method: "DELETE", path: PATH },
            expect: { status: 405 },
        },
        {
            id: "securityDefaults.permission.read",
            kind: "permission",
            statement: "Reading needs Policy.Read.All (application); an app without it is refused with 403.",
            source: `${DOC}/identitysecuritydefaultsenforcementpolicy-get.md`,
            modelled: true,
            probe: { method: "GET", path: PATH, app: [] },
            expect: { status: 403 },
        },
        {
            id: "securityDefaults.permission.readGranted",
            kind: "permission",
            statement: "Policy.Read.All is enough to read.",
            source: `${DOC}/identitysecuritydefaultsenforcementpolicy-get.md`,
            modelled: true,
            probe: { method: "GET", path: PATH, app: ["Policy.Read.All"] },
            expect: { status: 200 },
        },
        {
            id: "securityDefaults.permission.write",
            kind: "permission",
            statement:
                "Updating needs Policy.ReadWrite.SecurityDefaults (or Policy.ReadWrite.ConditionalAccess); Policy.Read.All " +
                "alone is refused with 403.",
            source:
                `${DOC}/identitysecuritydefaultsenforcementpolicy-update.md; its permissions include ` +
                "(api-reference/v1.0/includes/permissions/identitysecuritydefaultsenforcementpolicy-update-permissions.md, " +
                `stored version) lists Policy.Read.All as least privileged and "Policy.Read.All and ` +
                `Policy.ReadWrite.ConditionalAccess" as higher`,
            stricter:
                "The include's least-privileged Policy.Read.All for an update is taken as a documentation artefact (a read " +
                "permission does not write): the emulator refuses it. Policy.ReadWrite.SecurityDefaults is not on that " +
                "include; the permissions reference and peers' tools grant it for this write.",
            modelled: true,
            probe: { method: "PATCH", path: PATH, body: { isEnabled: false }, app: ["Policy.Read.All"] },
            expect: { status: 403 },
        },
        {
            id: "securityDefaults.permission.writeGranted",
            kind: "permission",
            statement: "Policy.ReadWrite.SecurityDefaults is enough to update.",
            source:
                `not on ${DOC}/identitysecuritydefaultsenforcementpolicy-update.md's current permissions include; the ` +
                `permission's own description (Microsoft Graph permissions reference: "read and write your organization's ` +
                `security defaults policy") and peers' tools granting it for this call`,
            modelled: true,
            probe: { method: "PATCH", path: PATH, body: { isEnabled: false }, app: ["Policy.ReadWrite.SecurityDefaults"] },
            expect: { status: 204 },
        },
        {
            id: "securityDefaults.readOnly",
            kind: "readOnly",
            statement: "Only isEnabled is updatable (the update page's request body lists isEnabled alone).",
            source: `${DOC}/identitysecuritydefaultsenforcementpolicy-update.md`,
            modelled: true,
            stricter: "What Graph does with displayName or description in the body is not documented; the emulator refuses them with 400.",
            probe: { method: "PATCH", path: PATH, body: { displayName: "mine" } },
            expect: { status: 400 },
        },
        {
            id: "securityDefaults.valueSet.isEnabled",
            kind: "valueSet",
            statement: "isEnabled is an Edm.Boolean; a string is not one.",
            source: "graph-schema v1.0.json identitySecurityDefaultsEnforcementPolicy",
            modelled: true,
            probe: { method: "PATCH", path: PATH, body: { isEnabled: "yes" } },
            expect: { status: 400 },
        },
        {
            id: "securityDefaults.conflict.conditionalAccess",
            kind: "error",
            statement: "Security defaults cannot be enabled while Conditional Access policies are enabled.",
            source:
                "learn.microsoft.com entra/fundamentals/security-defaults (Conditional Access and security defaults are mutually " +
                "exclusive)",
            modelled: true,
            stricter: "The Graph status and error code are not documented; the emulator answers 400 BadRequest.",
            probe: { method: "PATCH", path: PATH, body: { isEnabled: true }, given: "conditionalAccessEnabled" },
            expect: { status: 400 },
        },
        {
            id: "securityDefaults.throttling.units",
            kind: "throttling",
            statement:
                "Identity and access calls report their cost in x-ms-resource-unit (policies are among the listed resources; 1 unit).",
            source: "microsoftgraph/microsoft-graph-docs-contrib concepts/throttling-limits.md (identity and access service limits)",
            modelled: true,
            probe: { method: "GET", path: PATH },
            expect: { status: 200, headers: { "x-ms-resource-unit": "^1$" } },
        },
        {
            id: "securityDefaults.throttling.429",
            kind: "throttling",
            statement: "Past the resource-unit limit per app per tenant Graph answers 429 with Retry-After.",
            source:
                "microsoftgraph/microsoft-graph-docs-contrib concepts/throttling-limits.md (identity and access service limits); " +
                "concepts/throttling.md",
            modelled: true,
            probe: { method: "GET", path: PATH, repeat: 6, throttleScale: 0.001 },
            expect: { status: 429, headers: { "retry-after": "^\\d+$" } },
        },
    ],
};
