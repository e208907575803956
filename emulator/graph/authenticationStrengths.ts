import * as crypto from "node:crypto";
import { GraphHttpError, jsonBody } from "../http";
import { requireRole } from "../identity";
import { loadSchema, propertiesOf } from "../schema/check";
import type { AuthenticationStrengthPolicyState, TenantState } from "../store";
import { type EntitySet, createdAnswer, getRoute, listRoute } from "./crud";
import type { FilterRow, QueryCapability } from "./query";
import type { Route, RouteContext } from "./routes";

/**
 * Authentication strength policies, as Graph v1.0 documents them (docs-contrib
 * api-reference/v1.0/resources/authenticationstrengthpolicy.md and the pages it links):
 * - GET/POST /policies/authenticationStrengthPolicies, GET/PATCH/DELETE /{id}, and the action
 *   POST /{id}/updateAllowedCombinations (authenticationstrengthpolicy-updateallowedcombinations.md:
 *   "To update other properties ... use the Update authenticationStrengthPolicy method").
 * - Every tenant has the three built-in policies with the ids, names and combinations of
 *   authenticationstrengthroot-list-policies.md (example 1): Multifactor authentication (…0002),
 *   Passwordless MFA (…0003), Phishing resistant MFA (…0004). "You can't update a built-in
 *   authenticationStrengthPolicy object" and "You can't delete a built-in" one
 *   (authenticationstrengthpolicy.md, Methods).
 * - Custom policies: displayName and allowedCombinations required (authenticationstrengthroot-post-policies.md),
 *   201 with policyType custom; "up to 15 custom policies" (resources/authenticationstrengths-overview.md).
 * - A policy that a Conditional Access policy's grant uses cannot be deleted: Graph's answer is not
 *   documented (the "List usage" method exists to find them); the emulator refuses with 400 (stricter).
 * - PATCH carrying allowedCombinations: the update page leaves them to the action; the emulator refuses
 *   them in PATCH (stricter than the page, which does not say what Graph does).
 * The status codes and texts of the service-rule errors are not documented: 400 BadRequest is the emulator's.
 */
const STRENGTH_PAGE = "docs-contrib api-reference/v1.0/resources/authenticationstrengthpolicy.md";
const READ = ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess", "Policy.ReadWrite.AuthenticationMethod"];
const WRITE = ["Policy.ReadWrite.ConditionalAccess", "Policy.ReadWrite.AuthenticationMethod"];
const POLICIES = /^\/policies\/authenticationStrengthPolicies$/;
const POLICY = /^\/policies\/authenticationStrengthPolicies\/([^/]+)$/;
const UPDATE_COMBINATIONS = /^\/policies\/authenticationStrengthPolicies\/([^/]+)\/updateAllowedCombinations$/;
const READ_ONLY = ["id", "createdDateTime", "modifiedDateTime", "policyType", "requirementsSatisfied"];
export const MAX_CUSTOM_STRENGTHS = 15;

const BUILT_IN_DATE = "2021-12-01T00:00:00Z";
/** The built-in strengths (authenticationstrengthroot-list-policies.md, example 1 response). */
export const BUILT_IN_STRENGTHS: readonly AuthenticationStrengthPolicyState[] = [
    {
        id: "00000000-0000-0000-0000-000000000002",
        createdDateTime: BUILT_IN_DATE,
        modifiedDateTime: BUILT_IN_DATE,
        displayName: "Multifactor authentication",
        description: "Combinations of methods that satisfy strong authentication, such as a password + SMS",
        policyType: "builtIn",
        requirementsSatisfied: "mfa",
        allowedCombinations: [
            "windowsHelloForBusiness",
            "fido2",
            "x509CertificateMultiFactor",
            "deviceBasedPush",
            "temporaryAccessPassOneTime",
            "temporaryAccessPassMultiUse",
            "password,microsoftAuthenticatorPush",
            "password,softwareOath",
            "password,hardwareOath",
            "password,x509CertificateSingleFactor",
            "password,x509CertificateMultiFactor",
            "password,sms",
            "password,voice",
            "federatedMultiFactor",
            "microsoftAuthenticatorPush,federatedSingleFactor",
            "softwareOath,federatedSingleFactor",
            "hardwareOath,federatedSingleFactor",
            "sms,federatedSingleFactor",
            "voice,federatedSingleFactor",
        ],
    },
    {
        id: "00000000-0000-0000-0000-000000000003",
        createdDateTime: BUILT_IN_DATE,
        modifiedDateTime: BUILT_IN_DATE,
        displayName: "Passwordless MFA",
        description:
            "Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator",
        policyType: "builtIn",
        requirementsSatisfied: "mfa",
        allowedCombinations: ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"],
    },
    {
        id: "00000000-0000-0000-0000-000000000004",
        createdDateTime: BUILT_IN_DATE,
        modifiedDateTime: BUILT_IN_DATE,
        displayName: "Phishing resistant MFA",
        description: "Phishing resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key",
        policyType: "builtIn",
        requirementsSatisfied: "mfa",
        allowedCombinations: ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
    },
];

const bad = (message: string) => new GraphHttpError(400, "BadRequest", message);

/** Every strength policy of the tenant: the built-ins, then the custom ones. */
export function strengthPolicies(tenant: TenantState): AuthenticationStrengthPolicyState[] {
    return [...BUILT_IN_STRENGTHS, ...(tenant.authenticationStrengthPolicies ?? [])];
}

export function strengthPolicy(tenant: TenantState, id: string): AuthenticationStrengthPolicyState | undefined {
    return strengthPolicies(tenant).find((p) => p.id.toLowerCase() === id.toLowerCase());
}

function policyOr404(tenant: TenantState, id: string): AuthenticationStrengthPolicyState {
    const p = strengthPolicy(tenant, id);
    if (!p) {
        // Graph's code for a missing strength policy is not documented; the directory's is used.
        throw new GraphHttpError(
            404,
            "Request_ResourceNotFound",
            `Resource '${id}' does not exist or one of its queried reference-property objects are not present. ` +
                "(authenticationStrengthPolicy)",
        );
    }
    return p;
}

/** A strength policy as Graph returns it (authenticationstrengthroot-post-policies.md's response shape). */
export function renderStrength(p: AuthenticationStrengthPolicyState): Record<string, unknown> {
    return {
        id: p.id,
        createdDateTime: p.createdDateTime,
        modifiedDateTime: p.modifiedDateTime,
        displayName: p.displayName,
        description: p.description,
        policyType: p.policyType,
        requirementsSatisfied: p.requirementsSatisfied,
        allowedCombinations: [...p.allowedCombinations],
        combinationConfigurations: [],
    };
}

/** The combinations as given, each a comma-separated list of authenticationMethodModes members (flag enum). */
function checkCombinations(value: unknown): string[] {
    const modes = loadSchema("v1.0").enums.authenticationMethodModes ?? [];
    if (!Array.isArray(value) || !value.length) {
        throw bad("allowedCombinations is required: give at least one combination of authentication method modes.");
    }
    return value.map((c) => {
        if (typeof c !== "string")
            throw bad(
                `Cannot convert the literal '${JSON.stringify(c)}' to the expected type 'microsoft.graph.authenticationMethodModes'.`,
            );
        const parts = c.split(",").map((m) => m.trim());
        const unknown = parts.filter((m) => !modes.includes(m) || m === "unknownFutureValue");
        if (unknown.length)
            throw bad(
                `Requested value '${unknown.join(",")}' was not found. (property 'allowedCombinations', type ` +
                    `'microsoft.graph.authenticationMethodModes': ${modes.join(", ")})`,
            );
        return parts.join(",");
    });
}

/** The writable properties of a body: displayName, description, allowedCombinations (+@odata.type); the rest refused. */
function checkBody(body: Record<string, unknown>, allowed: readonly string[]): void {
    const props = propertiesOf(loadSchema("v1.0"), "authenticationStrengthPolicy");
    for (const [k, v] of Object.entries(body)) {
        if (k === "@odata.type") {
            if (v !== "#microsoft.graph.authenticationStrengthPolicy" && v !== "microsoft.graph.authenticationStrengthPolicy") {
                throw bad(
                    `The type '${String(v)}' is not compatible with the expected type 'microsoft.graph.authenticationStrengthPolicy'.`,
                );
            }
            continue;
        }
        if (READ_ONLY.includes(k)) throw bad(`Property '${k}' is read-only and cannot be set.`);
        if (!props[k] && k !== "combinationConfigurations") {
            throw bad(
                `The property '${k}' does not exist on type 'microsoft.graph.authenticationStrengthPolicy'. Make sure to ` +
                    "only use property names that are defined by the type or mark the type as open type.",
            );
        }
        if (!allowed.includes(k))
            throw bad(
                `${k} cannot be set here` +
                    (k === "allowedCombinations"
                        ? ": use POST .../updateAllowedCombinations (authenticationstrengthpolicy-updateallowedcombinations.md)"
                        : "") +
                    " " +
                    "(" +
                    (k === "combinationConfigurations" ? "combination configurations are not modelled by the emulator" : "not writable") +
                    ").",
            );
        if ((k === "displayName" && (typeof v !== "string" || !v.trim())) || (k === "description" && v !== null && typeof v !== "string")) {
            throw bad(`${k} must be a${k === "displayName" ? " non-empty" : ""} string.`);
        }
    }
}

/** Conditional Access policies whose grant uses strength `id` (what "List usage" finds). */
function usedBy(tenant: TenantState, id: string): string[] {
    return tenant.conditionalAccessPolicies
        .filter((p) => String((p.grantControls as any)?.authenticationStrength?.id ?? "").toLowerCase() === id.toLowerCase())
        .map((p) => p.displayName);
}

const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
const eqOps = (what: string): FilterRow => ({
    ops: ["eq"],
    source: `${STRENGTH_PAGE} (${what}: "Supports $filter (eq, ne, not, and in)"; the emulator evaluates eq only)`,
});
/** GET /policies/authenticationStrengthPolicies: $filter eq on displayName and policyType (the page lists eq, ne, not, in). */
export const STRENGTHS_QUERY: QueryCapability = {
    options: ["$filter"],
    filter: { displayName: eqOps("displayName"), policyType: eqOps("policyType") },
    select: false,
    resource: "authenticationStrengthPolicy",
    source: "docs-contrib api-reference/v1.0/api/authenticationstrengthroot-list-policies.md",
};

function requireWrite(ctx: RouteContext): void {
    requireRole(ctx.claims, WRITE);
}

function refuseBuiltIn(p: AuthenticationStrengthPolicyState, what: string): void {
    if (p.policyType === "builtIn") {
        throw bad(
            `The built-in authentication strength '${p.displayName}' (${p.id}) cannot be ${what}; only custom authentication ` +
                `strengths can (${STRENGTH_PAGE}, Methods).`,
        );
    }
}

/** Authentication strengths (built-in and custom) as an entity set: list and get (./crud.ts). */
const STRENGTH_SET: EntitySet<AuthenticationStrengthPolicyState> = {
    path: "policies/authenticationStrengthPolicies",
    collection: POLICIES,
    member: POLICY,
    entity: "authenticationStrengthPolicy",
    versions: ["v1.0"],
    readRoles: READ,
    query: STRENGTHS_QUERY,
    all: strengthPolicies,
    one: policyOr404,
    render: renderStrength,
};

export const authenticationStrengthRoutes: Route[] = [
    listRoute(STRENGTH_SET),
    {
        method: "POST",
        pattern: POLICIES,
        versions: ["v1.0"],
        entity: "authenticationStrengthPolicy",
        write: true,
        handle(ctx, version) {
            requireWrite(ctx);
            const body = jsonBody(ctx.req);
            checkBody(body, ["displayName", "description", "allowedCombinations"]);
            if (typeof body.displayName !== "string") throw bad("displayName is required.");
            const allowedCombinations = checkCombinations(body.allowedCombinations);
            const custom = (ctx.tenant.authenticationStrengthPolicies ??= []);
            if (custom.length >= MAX_CUSTOM_STRENGTHS) {
                throw bad(
                    `A tenant can have at most ${MAX_CUSTOM_STRENGTHS} custom authentication strengths ` +
                        "(resources/authenticationstrengths-overview.md).",
                );
            }
            if (strengthPolicies(ctx.tenant).some((p) => p.displayName.toLowerCase() === (body.displayName as string).toLowerCase())) {
                // Not documented; the portal refuses a second strength of one name. Stricter.
                throw bad(`An authentication strength named '${body.displayName}' already exists.`);
            }
            const now = nowIso();
            const p: AuthenticationStrengthPolicyState = {
                id: crypto.randomUUID(),
                createdDateTime: now,
                modifiedDateTime: now,
                displayName: body.displayName,
                description: typeof body.description === "string" ? body.description : null,
                policyType: "custom",
                requirementsSatisfied: "mfa",
                allowedCombinations,
            };
            ctx.store.mutate(() => {
                custom.push(p);
            });
            return createdAnswer(ctx, version, STRENGTH_SET, p);
        },
    },
    getRoute(STRENGTH_SET),
    {
        method: "PATCH",
        pattern: POLICY,
        versions: ["v1.0"],
        entity: "authenticationStrengthPolicy",
        write: true,
        handle(ctx) {
            requireWrite(ctx);
            const p = policyOr404(ctx.tenant, ctx.params[0]);
            refuseBuiltIn(p, "updated");
            const body = jsonBody(ctx.req);
            checkBody(body, ["displayName", "description"]);
            ctx.store.mutate(() => {
                if (typeof body.displayName === "string") p.displayName = body.displayName;
                if ("description" in body) p.description = (body.description as string | null) ?? null;
                p.modifiedDateTime = nowIso();
            });
            return { status: 204 };
        },
    },
    {
        method: "POST",
        pattern: UPDATE_COMBINATIONS,
        versions: ["v1.0"],
        write: true,
        handle(ctx) {
            requireWrite(ctx);
            const p = policyOr404(ctx.tenant, ctx.params[0]);
            refuseBuiltIn(p, "updated");
            const body = jsonBody(ctx.req);
            for (const k of Object.keys(body))
                if (k !== "allowedCombinations") throw bad(`${k} is not a parameter of updateAllowedCombinations.`);
            const allowedCombinations = checkCombinations(body.allowedCombinations);
            const previousCombinations = [...p.allowedCombinations];
            ctx.store.mutate(() => {
                p.allowedCombinations = allowedCombinations;
                p.modifiedDateTime = nowIso();
            });
            // The page answers 200 with an updateAllowedCombinationsResult; conditionalAccessReferences names the policies using it.
            return {
                status: 200,
                body: {
                    "@odata.context": `${ctx.origin}/v1.0/$metadata#microsoft.graph.updateAllowedCombinationsResult`,
                    additionalInformation: null,
                    conditionalAccessReferences: usedBy(ctx.tenant, p.id),
                    currentCombinations: allowedCombinations,
                    previousCombinations,
                },
            };
        },
    },
    {
        method: "DELETE",
        pattern: POLICY,
        versions: ["v1.0"],
        write: true,
        handle(ctx) {
            requireWrite(ctx);
            const p = policyOr404(ctx.tenant, ctx.params[0]);
            refuseBuiltIn(p, "deleted");
            const users = usedBy(ctx.tenant, p.id);
            if (users.length) {
                throw bad(
                    `The authentication strength '${p.displayName}' is used by Conditional Access policies (` +
                        `${users.join(", ")}); remove it from them first.`,
                );
            }
            ctx.store.mutate(() => {
                ctx.tenant.authenticationStrengthPolicies = (ctx.tenant.authenticationStrengthPolicies ?? []).filter((x) => x !== p);
            });
            return { status: 204 };
        },
    },
];
