import type * as pulumi from "@pulumi/pulumi";
import type { TenantClients } from "../../client";
import { TenantApiError } from "../../client/errors";
import { runBatched } from "../../client/batch";
import { type DesiredOf, type LiveOf, declareSetting, settingResource } from "../../providers/framework/declare";
import { type TenantSetting, diffFields } from "../../providers/framework/setting";
import { type ValidationFailure, list, str } from "../../providers/framework/validation";

/**
 * The break-glass accounts of the Conditional Access policies as object ids, which a policy's
 * excludedUsers holds: a user principal name is resolved through the package's own Graph client at
 * preview (the check), an object id is kept as given. The package's client retries what Graph asks
 * to be retried (429 with Retry-After, 5xx, dropped connections: client/retry.ts); the azuread
 * plugin's getUser, which did this before, gives up on a dropped connection (issue 22).
 *
 * An account the tenant does not have fails the preview, naming the config key and the fix. The
 * resource writes nothing; its outputs are the ids.
 */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where the accounts are configured (the baseline-wide key). */
export const BREAK_GLASS_KEY = "m365-mfa:baseline.breakGlassAccounts";

/** The break-glass accounts' inputs and outputs, declared once. */
export const breakGlassDeclaration = declareSetting({
    inputs: {
        /** User principal names or object ids, as configured. */
        accounts: list(str(), { hint: `the break-glass accounts (${BREAK_GLASS_KEY}): user principal names or object ids` }),
    },
    required: ["accounts"],
    resolved: {
        /** Set at preview: the object id of each account, in the same order. */
        objectIds: list(str(), { hint: "resolved at preview from accounts; do not set it" }),
    },
    outputs: {
        /** The object id of each account, in the order of accounts. */
        objectIds: list(str()),
    },
});

export type BreakGlassDesired = DesiredOf<typeof breakGlassDeclaration>;
export type BreakGlassLive = LiveOf<typeof breakGlassDeclaration>;

/**
 * Each account's object id, read through the package's Graph client (one $batch, retried); the accounts the tenant does not have, apart,
 * each with its config key.
 */
export async function resolveAccounts(
    clients: TenantClients,
    accounts: readonly string[],
): Promise<{ objectIds: string[]; unknown: string[] }> {
    const lookups = accounts.map((a, i) => ({ a, i })).filter(({ a }) => !GUID.test(a));
    const { results } = lookups.length
        ? await runBatched(
              clients.graph,
              lookups.map(({ a }) => ({ method: "GET" as const, url: `/users/${encodeURIComponent(a)}?$select=id` })),
          )
        : { results: [] };
    const objectIds = [...accounts];
    const unknown: string[] = [];
    results.forEach((r, k) => {
        const { a, i } = lookups[k];
        if (r.status === 200 && typeof r.body?.id === "string") objectIds[i] = r.body.id;
        else if (r.status === 404) unknown.push(`${a} (${BREAK_GLASS_KEY}[${i}])`);
        else
            throw new TenantApiError(
                "Microsoft Graph",
                "GET",
                `/users/${a}`,
                r.status,
                r.body?.error?.code,
                `reading break-glass account ${a} (${BREAK_GLASS_KEY}): ${r.body?.error?.message ?? JSON.stringify(r.body ?? null)}`,
            );
    });
    return { objectIds, unknown };
}

function unknownFailure(unknown: readonly string[]): ValidationFailure {
    return {
        property: "accounts",
        reason:
            `no such user in the tenant: ${unknown.join(", ")}. ` +
            "Name each break-glass account by its user principal name or object id as the tenant has it, and preview again; " +
            "nothing was changed.",
    };
}

export const breakGlassAccounts: TenantSetting<BreakGlassDesired, BreakGlassLive> = {
    type: "BreakGlassAccounts",
    title: "Break-glass accounts",
    permissions: {
        read: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
        write: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
    },
    onDelete: "Removing it changes nothing in the tenant (it only reads the accounts' object ids).",
    inputKeys: breakGlassDeclaration.inputKeys,
    schema: breakGlassDeclaration.schema,
    resolvedFields: breakGlassDeclaration.resolvedFields,
    // Plumbing of the policies beside it (their excludedUsers show the accounts): nothing of it is shown as posture.
    internalFields: breakGlassDeclaration.inputKeys,

    // The declared shape (an empty list resolves to none: the components refuse a policy without break-glass accounts before this).
    validate: (inputs) => breakGlassDeclaration.validate(inputs),

    async prepare(clients, desired) {
        const { objectIds, unknown } = await resolveAccounts(clients, desired.accounts);
        if (unknown.length) return { desired, failures: [unknownFailure(unknown)] };
        return { desired: { ...desired, objectIds }, failures: [], live: { accounts: desired.accounts, objectIds } };
    },

    async read(clients, desired, context) {
        const checked = context?.checked?.[0];
        if (checked) return checked;
        // A read with no recorded inputs (an import) has no accounts to resolve.
        const accounts = desired.accounts ?? [];
        const { objectIds, unknown } = await resolveAccounts(clients, accounts);
        if (unknown.length) throw new Error(unknownFailure(unknown).reason);
        return { accounts, objectIds };
    },
    desiredFromLive(live, desired) {
        return { ...desired, accounts: live.accounts, objectIds: live.objectIds };
    },
    diff(desired, live) {
        return diffFields({ accounts: desired.accounts, objectIds: desired.objectIds }, live);
    },
    async apply() {
        // Nothing to write. A difference here means an account resolved to another user than at preview.
        throw new Error(
            `${BREAK_GLASS_KEY}: an account now resolves to another user than at preview; preview again and check the ` +
                "accounts; nothing was changed.",
        );
    },
    id(tenantId) {
        return `${tenantId}/breakGlassAccounts`;
    },
};

/** The resource: the accounts' object ids as outputs (known at preview: the check resolves them). */
export class BreakGlassAccounts extends settingResource(breakGlassAccounts.type, breakGlassDeclaration) {}

/**
 * The object ids for a policy's excludedUsers: as given when every account is an object id, else
 * through a BreakGlassAccounts resource (one per policy component, child of it).
 */
export function excludedIds(parent: pulumi.Resource, name: string, accounts: string[]): pulumi.Input<string[]> {
    if (accounts.every((a) => GUID.test(a))) return [...accounts];
    return new BreakGlassAccounts(`${name}-break-glass`, { accounts }, { parent }).objectIds;
}
