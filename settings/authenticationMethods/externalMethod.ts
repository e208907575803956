import type { TenantClients } from "../../client";
import { type DesiredOf, type LiveOf, declareSetting } from "../../providers/framework/declare";
import type { FieldChange, TenantSetting } from "../../providers/framework/setting";
import { any, list, map, oneOf, str } from "../../providers/framework/validation";
import {
    AUTH_POLICY_PERMISSIONS,
    InputChecks,
    POLICY_PATH,
    REGISTRATION_EXTRAS,
    type Target,
    checkTargets,
    declaredCheck,
    isObject,
    liveTargets,
    sameTargets,
    targetSchema,
    targetsAsManaged,
    targetsForWrite,
} from "./shared";

/**
 * One external authentication method (External MFA): Graph `externalAuthenticationMethodConfiguration`
 * (v1.0), a configuration of the authentication methods policy that a tenant creates (POST on the method
 * configurations; docs-contrib resources/externalauthenticationmethodconfiguration.md) and updates by its GUID
 * id (externalauthenticationmethodconfiguration-update.md). The stack names it by displayName (the name users
 * see at sign-in); appId is the app registration that represents the provider, clientId and discoveryUrl its
 * OpenID Connect settings (resources/openidconnectsetting.md). Only the fields given are managed; a method the
 * tenant lacks is created (state "enabled" unless the stack says otherwise: a method declared is meant to be
 * used). Removing the resource stops managing it; the tenant keeps it.
 */
export const EXTERNAL_TYPE = "externalAuthenticationMethodConfiguration";
const CONFIGS = `${POLICY_PATH}/authenticationMethodConfigurations`;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Its include targets' own property, checked as declared. */
const REGISTRATION = { isRegistrationRequired: declaredCheck(REGISTRATION_EXTRAS.isRegistrationRequired) };

/** The inputs and outputs of an external authentication method, declared once. */
export const externalMethodDeclaration = declareSetting({
    inputs: {
        /** The name users see at sign-in; it is which external method this resource is. */
        displayName: str({ hint: "the name users see at sign-in" }),
        /** The application (client) id of the app registration that represents the provider. */
        appId: str({ pattern: GUID, hint: "the application (client) id of the app registration that represents the provider, a GUID" }),
        /** The client id the provider gave Microsoft Entra ID (openIdConnectSetting.clientId). */
        clientId: str({ hint: "the client id the provider gave Microsoft Entra ID" }),
        /** The provider's OpenID Connect discovery endpoint, https (openIdConnectSetting.discoveryUrl). */
        discoveryUrl: str({ pattern: /^https:\/\/[^/\s]+/, hint: "the https URL of the provider's OpenID Connect discovery endpoint" }),
        state: oneOf(["enabled", "disabled"] as const),
        /** Who may use the method (group object ids or "all_users"). */
        includeTargets: list(targetSchema(true, REGISTRATION_EXTRAS), {
            hint: 'like [{ id: "all_users" }] or [{ id: "<group object id>" }]',
        }),
        excludeTargets: list(targetSchema(false), { hint: 'like [{ id: "<group object id>" }]' }),
    },
    required: ["displayName"],
    hint: "like { appId: <GUID>, clientId: ..., discoveryUrl: https://... }",
    outputs: {
        /** The method as Graph reported it at the last read (OpenID Connect settings flattened). */
        configuration: map(any),
    },
});

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The inputs as validate returns them: targets normalised (ids lower case, targetType filled in). */
export type ExternalMethodDesired = Mutable<Omit<DesiredOf<typeof externalMethodDeclaration>, "includeTargets" | "excludeTargets">> & {
    includeTargets?: Target[];
    excludeTargets?: Target[];
} & Record<string, unknown>;

export type ExternalMethodLive = Pick<LiveOf<typeof externalMethodDeclaration>, "configuration"> & {
    /** Its GUID id, or null when the tenant has no external method of this name. */
    id: string | null;
} & Record<string, unknown>;

/** What the resource manages besides the name that says which method it is. */
const MANAGED = externalMethodDeclaration.inputKeys.filter((k) => k !== "displayName") as readonly (keyof ExternalMethodDesired & string)[];
export const EXTERNAL_KEYS = externalMethodDeclaration.inputKeys;

function flatten(body: Record<string, unknown>): Record<string, unknown> {
    const oidc = isObject(body.openIdConnectSetting) ? body.openIdConnectSetting : {};
    return {
        displayName: body.displayName,
        appId: typeof body.appId === "string" ? body.appId.toLowerCase() : body.appId,
        clientId: oidc.clientId,
        discoveryUrl: oidc.discoveryUrl,
        state: body.state,
        includeTargets: liveTargets(body.includeTargets),
        excludeTargets: liveTargets(body.excludeTargets),
    };
}

/** Every external method of the tenant, as read (the configurations' list has the built-in methods too). */
export async function readExternalMethods(clients: TenantClients): Promise<{ id: string; configuration: Record<string, unknown> }[]> {
    const list = (await clients.graph.get(CONFIGS, { version: "v1.0" })) as { value?: Record<string, unknown>[] };
    return (list.value ?? [])
        .filter((c) => String(c["@odata.type"] ?? "").endsWith(`.${EXTERNAL_TYPE}`))
        .map((c) => ({ id: String(c.id), configuration: flatten(c) }));
}

export const externalAuthenticationMethod: TenantSetting<ExternalMethodDesired, ExternalMethodLive> = {
    type: "ExternalAuthenticationMethod",
    title: "External authentication method",
    auditActivities: ["Authentication Methods Policy Update"],
    permissions: AUTH_POLICY_PERMISSIONS,
    onDelete: "Removing the resource stops managing the external authentication method; the tenant keeps it as it is.",
    inputKeys: EXTERNAL_KEYS,
    // The name is which external method this resource is: another name is another resource.
    replaceOnChanges: ["displayName"],

    validate(inputs) {
        const checks = new InputChecks();
        checks.knownKeys(inputs, EXTERNAL_KEYS, "", (k) =>
            k === "openIdConnectSetting"
                ? "openIdConnectSetting: give its clientId and discoveryUrl directly (clientId: ..., discoveryUrl: https://...)"
                : undefined,
        );
        const displayName =
            typeof inputs.displayName === "string" && inputs.displayName.trim()
                ? inputs.displayName.trim()
                : checks.fail(
                      "displayName",
                      `displayName must be the name users see at sign-in (got ${JSON.stringify(inputs.displayName)})`,
                  );
        const desired: ExternalMethodDesired = { displayName: displayName ?? "" };
        if (inputs.appId !== undefined) {
            desired.appId =
                typeof inputs.appId === "string" && GUID.test(inputs.appId)
                    ? inputs.appId.toLowerCase()
                    : checks.fail(
                          "appId",
                          "appId must be the application (client) id of the app registration that represents the provider, a " +
                              `GUID (got ${JSON.stringify(inputs.appId)})`,
                      );
        }
        if (inputs.clientId !== undefined) {
            desired.clientId =
                typeof inputs.clientId === "string" && inputs.clientId.trim()
                    ? inputs.clientId.trim()
                    : checks.fail(
                          "clientId",
                          `clientId must be the client id the provider gave Microsoft Entra ID (got ${JSON.stringify(inputs.clientId)})`,
                      );
        }
        if (inputs.discoveryUrl !== undefined) {
            desired.discoveryUrl =
                typeof inputs.discoveryUrl === "string" && /^https:\/\/[^/\s]+/.test(inputs.discoveryUrl)
                    ? inputs.discoveryUrl
                    : checks.fail(
                          "discoveryUrl",
                          "discoveryUrl must be the https URL of the provider's OpenID Connect discovery endpoint (got " +
                              `${JSON.stringify(inputs.discoveryUrl)})`,
                      );
        }
        if (inputs.state !== undefined) desired.state = checks.oneOf(inputs.state, ["enabled", "disabled"] as const, "state");
        if (inputs.includeTargets !== undefined) {
            desired.includeTargets = checkTargets(checks, inputs.includeTargets, "includeTargets", {
                allowAllUsers: true,
                subject: displayName ?? "the method",
                extras: REGISTRATION,
            });
            if (desired.includeTargets?.length === 0)
                checks.fail(
                    "includeTargets",
                    `includeTargets is empty, which leaves ${displayName} for no one; name a group or "all_users", or set ` +
                        `state: "disabled"`,
                );
        }
        if (inputs.excludeTargets !== undefined) {
            desired.excludeTargets = checkTargets(checks, inputs.excludeTargets, "excludeTargets", {
                allowAllUsers: false,
                subject: displayName ?? "the method",
            });
        }
        if (!checks.failures.length && MANAGED.every((k) => desired[k] === undefined)) {
            checks.fail(
                "displayName",
                `nothing to manage for external method ${displayName}: set appId, clientId, discoveryUrl, state and/or targets`,
            );
        }
        return checks.failures.length
            ? { failures: checks.failures }
            : {
                  desired: Object.fromEntries(Object.entries(desired).filter(([, v]) => v !== undefined)) as ExternalMethodDesired,
                  failures: [],
              };
    },

    async prepare(clients, desired) {
        // A method the tenant lacks is created: Graph requires appId and the OpenID Connect settings then.
        const found = (await readExternalMethods(clients)).find(
            (m) => String(m.configuration.displayName).toLowerCase() === desired.displayName.toLowerCase(),
        );
        const missing = found ? [] : (["appId", "clientId", "discoveryUrl"] as const).filter((k) => desired[k] === undefined);
        return missing.length
            ? {
                  failures: missing.map((k) => ({
                      property: k,
                      reason:
                          `the tenant has no external method named "${desired.displayName}", so it is created, and creating one ` +
                          `needs ${k}; set ${missing.join(", ")}`,
                  })),
              }
            : { desired, failures: [] };
    },

    async read(clients, desired) {
        const found = (await readExternalMethods(clients)).find(
            (m) => String(m.configuration.displayName).toLowerCase() === String(desired.displayName ?? "").toLowerCase(),
        );
        return found ? { id: found.id, configuration: found.configuration } : { id: null, configuration: {} };
    },

    desiredFromLive(live, desired) {
        const have = live.configuration;
        if (!live.id) return { displayName: desired.displayName };
        const out: ExternalMethodDesired = { displayName: desired.displayName };
        const fields = MANAGED.some((k) => desired[k] !== undefined) ? MANAGED.filter((k) => desired[k] !== undefined) : MANAGED;
        for (const k of fields) {
            if (have[k] === undefined) continue;
            (out as Record<string, unknown>)[k] =
                k === "includeTargets" || k === "excludeTargets"
                    ? targetsAsManaged(have[k] as Target[], (desired[k] as Target[]) ?? (have[k] as Target[]))
                    : have[k];
        }
        return out;
    },

    diff(desired, live) {
        const have = live?.configuration ?? {};
        const changes: FieldChange[] = [];
        for (const k of MANAGED) {
            const want = desired[k];
            if (want === undefined) continue;
            if (k === "includeTargets" || k === "excludeTargets") {
                const h = have[k] as Target[] | undefined;
                if (!live?.id || !sameTargets(want as Target[], h))
                    changes.push({ field: k, from: live?.id && h ? targetsAsManaged(h, want as Target[]) : undefined, to: want });
            } else if (!live?.id || have[k] !== want) {
                changes.push({ field: k, from: live?.id ? have[k] : undefined, to: want });
            }
        }
        return changes;
    },

    async apply(clients, desired, live, changes) {
        const have = live.configuration;
        const touched = new Set(changes.map((c) => c.field));
        const body: Record<string, unknown> = { "@odata.type": `#microsoft.graph.${EXTERNAL_TYPE}` };
        if (!live.id) {
            // Create: the whole method, as Graph requires it.
            Object.assign(body, {
                displayName: desired.displayName,
                appId: desired.appId,
                state: desired.state ?? "enabled",
                openIdConnectSetting: { clientId: desired.clientId, discoveryUrl: desired.discoveryUrl },
                ...(desired.includeTargets
                    ? { includeTargets: desired.includeTargets.map((t) => ({ isRegistrationRequired: false, ...t })) }
                    : {}),
                ...(desired.excludeTargets
                    ? { excludeTargets: desired.excludeTargets.map((t) => ({ id: t.id, targetType: t.targetType })) }
                    : {}),
            });
            await clients.graph.post(CONFIGS, body, { version: "v1.0" });
            return;
        }
        if (touched.has("appId")) body.appId = desired.appId;
        if (touched.has("state")) body.state = desired.state;
        if (touched.has("clientId") || touched.has("discoveryUrl")) {
            // The whole OpenID Connect settings, so the write means the same whether Graph merges or replaces them.
            body.openIdConnectSetting = {
                clientId: desired.clientId ?? have.clientId,
                discoveryUrl: desired.discoveryUrl ?? have.discoveryUrl,
            };
        }
        if (touched.has("includeTargets")) body.includeTargets = targetsForWrite(desired.includeTargets!, have.includeTargets as Target[]);
        if (touched.has("excludeTargets"))
            body.excludeTargets = desired.excludeTargets!.map((t) => ({ id: t.id, targetType: t.targetType }));
        await clients.graph.patch(`${CONFIGS}/${live.id}`, body, { version: "v1.0" });
    },

    id(tenantId, live) {
        return `${tenantId}/externalAuthenticationMethods/${live.configuration.displayName ?? live.id}`;
    },
};
