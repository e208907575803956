import type { AuditDraft, ModifiedProperty } from "../auditLog";
import type { Route, RouteContext } from "./routes";

/**
 * What the directory audit log records for each change the project makes (the `audit` of a route,
 * run by server.ts after a 2xx answer; the initiator is the token's app). Activity names and
 * categories are those of Microsoft's list of audit activities (MicrosoftDocs/entra-docs
 * docs/identity/monitoring-health/reference-audit-activities.md), by service:
 * - Conditional Access (category Policy): "Add Conditional Access policy", "Update Conditional Access
 *   policy", "Delete Conditional Access policy", "Update security defaults". The old and new values of
 *   a policy are its JSON (entra-docs docs/identity/conditional-access/troubleshoot-policy-changes-audit-log.md).
 * - Core Directory (category UserManagement): "Enable Strong Authentication", "Disable Strong
 *   Authentication" for per-user MFA.
 * - Authentication Methods (category ApplicationManagement): "Authentication Methods Policy Update",
 *   for the policy and for each method configuration.
 * Not documented, chosen here (and said so in the rule table): the names of modified properties other
 * than a Conditional Access policy's (the emulator names the Graph property), the target ids of the
 * methods policy and its configurations, and that a write that changes nothing is still recorded
 * (the stricter choice: a reader must tolerate entries that change nothing).
 */
export const ACTIVITIES = {
    caAdd: "Add Conditional Access policy",
    caUpdate: "Update Conditional Access policy",
    caDelete: "Delete Conditional Access policy",
    securityDefaults: "Update security defaults",
    mfaEnable: "Enable Strong Authentication",
    mfaDisable: "Disable Strong Authentication",
    methodsPolicy: "Authentication Methods Policy Update",
} as const;

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

/** One modified property per top-level key whose value differs (all keys when `all`). */
export function diff(
    before: Record<string, unknown> | undefined,
    after: Record<string, unknown> | undefined,
    all = false,
): ModifiedProperty[] {
    const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
    return keys
        .filter((k) => all || json(before?.[k]) !== json(after?.[k]))
        .map((k) => ({ displayName: k, oldValue: json(before?.[k]), newValue: json(after?.[k]) }));
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

type Audit = NonNullable<Route["audit"]>;

export const securityDefaultsAudit = (policyId: string, displayName: string): Audit => ({
    before: (ctx) => ctx.tenant.securityDefaults.isEnabled,
    entry: (ctx, before) => ({
        category: "Policy",
        activityDisplayName: ACTIVITIES.securityDefaults,
        loggedByService: "Conditional Access",
        operationType: "Update",
        targetResources: [
            {
                id: policyId,
                displayName,
                type: "Policy",
                modifiedProperties: [
                    { displayName: "isEnabled", oldValue: json(before), newValue: json(ctx.tenant.securityDefaults.isEnabled) },
                ],
            },
        ],
    }),
});

export const perUserMfaAudit = (
    user: (ctx: RouteContext) => { id: string; userPrincipalName: string; displayName: string; perUserMfaState: string } | undefined,
): Audit => ({
    before: (ctx) => user(ctx)?.perUserMfaState,
    entry: (ctx, before) => {
        const u = user(ctx);
        if (!u) return undefined;
        return {
            category: "UserManagement",
            activityDisplayName: u.perUserMfaState === "disabled" ? ACTIVITIES.mfaDisable : ACTIVITIES.mfaEnable,
            loggedByService: "Core Directory",
            operationType: "Update",
            targetResources: [
                {
                    id: u.id,
                    displayName: u.displayName,
                    type: "User",
                    userPrincipalName: u.userPrincipalName,
                    modifiedProperties: [{ displayName: "perUserMfaState", oldValue: json(before), newValue: json(u.perUserMfaState) }],
                },
            ],
        };
    },
});

/** The methods policy or one method configuration: `state` reads the part the route changes. */
export const methodsPolicyAudit = (
    target: (ctx: RouteContext) => { id: string; displayName: string; state: Record<string, unknown> },
): Audit => ({
    before: (ctx) => clone(target(ctx).state),
    entry: (ctx, before) => {
        const t = target(ctx);
        return {
            category: "ApplicationManagement",
            activityDisplayName: ACTIVITIES.methodsPolicy,
            loggedByService: "Authentication Methods",
            operationType: "Update",
            targetResources: [
                {
                    id: t.id,
                    displayName: t.displayName,
                    type: "Policy",
                    modifiedProperties: diff(before as Record<string, unknown>, t.state),
                },
            ],
        };
    },
});

type Policy = { id: string; displayName: string; [k: string]: unknown };

function caEntry(
    operationType: "Add" | "Update" | "Delete",
    before: Policy | undefined,
    after: Policy | undefined,
): AuditDraft | undefined {
    const p = after ?? before;
    if (!p) return undefined;
    return {
        category: "Policy",
        activityDisplayName:
            operationType === "Add" ? ACTIVITIES.caAdd : operationType === "Update" ? ACTIVITIES.caUpdate : ACTIVITIES.caDelete,
        loggedByService: "Conditional Access",
        operationType,
        targetResources: [
            {
                id: p.id,
                displayName: p.displayName,
                type: "Policy",
                modifiedProperties: [{ displayName: "ConditionalAccessPolicy", oldValue: json(before), newValue: json(after) }],
            },
        ],
    };
}

export const caCreateAudit = (find: (ctx: RouteContext, id: string) => Policy | undefined): Audit => ({
    entry: (ctx, _before, response) => caEntry("Add", undefined, clone(find(ctx, String((response.body as any)?.id ?? "")))),
});

export const caUpdateAudit = (find: (ctx: RouteContext, id: string) => Policy | undefined): Audit => ({
    before: (ctx) => clone(find(ctx, ctx.params[0])),
    entry: (ctx, before) => caEntry("Update", before as Policy | undefined, clone(find(ctx, ctx.params[0]))),
});

export const caDeleteAudit = (find: (ctx: RouteContext, id: string) => Policy | undefined): Audit => ({
    before: (ctx) => clone(find(ctx, ctx.params[0])),
    entry: (_ctx, before) => caEntry("Delete", before as Policy | undefined, undefined),
});
