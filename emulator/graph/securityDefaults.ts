import { GraphHttpError, jsonBody } from "../http";
import { requireRole } from "../identity";
import { securityDefaultsAudit } from "./audit";
import type { Route } from "./routes";

/**
 * policies/identitySecurityDefaultsEnforcementPolicy, as Graph documents it: GET answers the
 * policy; PATCH takes only isEnabled and answers 204. Enabling it while a Conditional Access policy
 * is enabled is refused (Entra's documented mutual exclusion).
 */
const PATH = /^\/policies\/identitySecurityDefaultsEnforcementPolicy$/;
const POLICY_ID = "00000000-0000-0000-0000-000000000005";
const READ = ["Policy.Read.All", "Policy.ReadWrite.SecurityDefaults", "Policy.ReadWrite.ConditionalAccess"];
const WRITE = ["Policy.ReadWrite.SecurityDefaults", "Policy.ReadWrite.ConditionalAccess"];
const READ_ONLY = ["id", "displayName", "description", "deletedDateTime"];

export const securityDefaultsRoutes: Route[] = [
    {
        method: "GET",
        pattern: PATH,
        versions: ["v1.0", "beta"],
        entity: "identitySecurityDefaultsEnforcementPolicy",
        write: false,
        handle({ claims, tenant, origin }, version) {
            requireRole(claims, READ);
            return {
                status: 200,
                body: {
                    "@odata.context": `${origin}/${version}/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity`,
                    id: POLICY_ID,
                    displayName: "Security Defaults",
                    description:
                        "Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When " +
                        "enabled, these recommendations will be automatically enforced in your organization. Administrators " +
                        "and users will be better protected from common identity related attacks.",
                    isEnabled: tenant.securityDefaults.isEnabled,
                },
            };
        },
    },
    {
        method: "PATCH",
        pattern: PATH,
        versions: ["v1.0", "beta"],
        entity: "identitySecurityDefaultsEnforcementPolicy",
        write: true,
        audit: securityDefaultsAudit(POLICY_ID, "Security Defaults"),
        handle({ req, claims, tenant, store }) {
            requireRole(claims, WRITE);
            const body = jsonBody(req);
            for (const key of Object.keys(body)) {
                if (key === "isEnabled" || key.startsWith("@odata.")) {
                    continue;
                }
                if (READ_ONLY.includes(key)) {
                    throw new GraphHttpError(400, "BadRequest", `Property '${key}' is read-only and cannot be set.`);
                }
                throw new GraphHttpError(
                    400,
                    "BadRequest",
                    `Invalid property '${key}' on type 'microsoft.graph.identitySecurityDefaultsEnforcementPolicy'.`,
                );
            }
            if (body.isEnabled === undefined) {
                return { status: 204 };
            }
            if (typeof body.isEnabled !== "boolean") {
                throw new GraphHttpError(
                    400,
                    "BadRequest",
                    `Cannot convert the literal '${JSON.stringify(body.isEnabled)}' to the expected type 'Edm.Boolean'.`,
                );
            }
            if (body.isEnabled && tenant.conditionalAccessPolicies.some((p) => p.state === "enabled")) {
                throw new GraphHttpError(
                    400,
                    "BadRequest",
                    "Security defaults cannot be enabled while Conditional Access policies are enabled. Disable the enabled " +
                        "Conditional Access policies first.",
                );
            }
            store.mutate(() => {
                tenant.securityDefaults.isEnabled = body.isEnabled as boolean;
            });
            return { status: 204 };
        },
    },
];
