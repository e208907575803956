import { TenantApiError, type TenantClients } from "../../client";
import { type FieldChange, TENANT_AT_PREVIEW, type TenantSetting, type ValidationFailure } from "../../providers/framework/setting";
import { CLIENT_APP_OF_PROTOCOL, warnLegacyUsers } from "../smtpAuth/readiness";
import { EXCHANGE_MANAGE_AS_APP, exchangeReadPreflight } from "../../providers/framework/exchange";
import { type DesiredOf, declareSetting } from "../../providers/framework/declare";
import { any, bool, boolWith, map, str } from "../../providers/framework/validation";

/**
 * An Exchange Online authentication policy: which protocols may still use Basic authentication
 * (Get/New/Set-AuthenticationPolicy -AllowBasicAuth<Protocol>), and optionally the organisation's
 * default policy (Set-OrganizationConfig -DefaultAuthenticationPolicy), which applies to every user
 * without a policy of their own.
 *
 * - allowBasicAuth names the protocols that keep Basic authentication; a protocol not named is
 *   blocked (false), as New-AuthenticationPolicy does. The plan shows all twelve.
 * - A missing policy is created with New-AuthenticationPolicy (every switch given); an existing one is
 *   changed with Set-AuthenticationPolicy, only the switches that differ.
 * - organizationDefault: true makes the policy the organisation's default (in place of any other);
 *   false makes sure it is not, clearing the default only while it still points at this policy;
 *   left out, the default is not managed.
 * - Exchange cannot rename a policy (Set-AuthenticationPolicy has no -Name): a new name replaces the
 *   resource, which creates the new policy and leaves the old one as it is (delete stops managing).
 * - Deleting the resource leaves the policy and the default as they are (see onDelete): no user's
 *   sign-in changes because a resource was removed from a stack.
 *
 * A policy that blocks Basic authentication for SMTP also blocks it for mailboxes that keep SMTP AUTH
 * (SmtpAuth exceptions); allow Smtp in the policy that applies to them.
 */
export const AUTH_POLICY_PROTOCOLS = [
    "ActiveSync",
    "Autodiscover",
    "Imap",
    "Mapi",
    "OfflineAddressBook",
    "OutlookService",
    "Pop",
    "Powershell",
    "ReportingWebServices",
    "Rpc",
    "Smtp",
    "WebServices",
] as const;
export type AuthPolicyProtocol = (typeof AUTH_POLICY_PROTOCOLS)[number];
export type AllowBasicAuth = Record<AuthPolicyProtocol, boolean>;

/** The inputs and outputs of an authentication policy, declared once. */
export const authenticationPolicyDeclaration = declareSetting({
    inputs: {
        /** The policy's name (at most 64 characters). Exchange cannot rename a policy: a new name creates a new one. */
        name: str({ hint: 'the policy\'s name, e.g. "Block Basic Auth"' }),
        /** Protocols that keep Basic authentication; a protocol not named is blocked. */
        allowBasicAuth: map(boolWith("true allows Basic authentication for the protocol, false blocks it"), {
            keys: AUTH_POLICY_PROTOCOLS,
            hint: "like { Smtp: true }, naming the protocols that keep Basic authentication; a protocol not named is blocked",
        }),
        /** true: the organisation's default policy; false: make sure it is not; left out: the default is not managed. */
        organizationDefault: boolWith(
            "true makes this the policy of every user without one of their own, false makes sure it is not; leave it out to " +
                "not manage the default",
        ),
    },
    required: ["name"],
    // Protocol by protocol in validate: a protocol written as its cmdlet parameter (AllowBasicAuthSmtp) gets its own answer.
    checkedBySetting: ["allowBasicAuth"],
    // The tenant at preview holds "(no such policy)" for a policy Exchange does not have: not the inputs' shape.
    tenantAtPreview: any,
    outputs: {
        /** Whether Exchange has a policy of this name. */
        exists: bool,
        /** The policy's name as Exchange spells it (when it exists). */
        policyName: str(),
        /** The policy's guid (when it exists). */
        policyGuid: str(),
        /** Whether the organisation's default policy is this one (only read when organizationDefault is managed). */
        isOrganizationDefault: bool,
    },
});

/** The desired state: every protocol in allowBasicAuth, true = Basic authentication allowed, false = blocked. */
export type AuthenticationPolicyDesired = Omit<DesiredOf<typeof authenticationPolicyDeclaration>, "allowBasicAuth" | "tenantAtPreview"> & {
    allowBasicAuth: AllowBasicAuth;
    tenantAtPreview?: Record<string, unknown>;
};

export interface AuthenticationPolicyLive extends Record<string, unknown> {
    /** Whether Exchange has a policy of this name. */
    exists: boolean;
    /** The policy's name as Exchange spells it, and its guid (when it exists). */
    policyName?: string;
    policyGuid?: string;
    /** The policy's switches (when it exists). */
    allowBasicAuth?: AllowBasicAuth;
    /** Whether the organisation's default policy is this one (only read when organizationDefault is managed). */
    isOrganizationDefault?: boolean;
}

export const AUTH_POLICY_READ = "Get-AuthenticationPolicy";
export const AUTH_POLICY_CREATE = "New-AuthenticationPolicy";
export const AUTH_POLICY_WRITE = "Set-AuthenticationPolicy";
const ORGANIZATION_READ = "Get-OrganizationConfig";
const ORGANIZATION_WRITE = "Set-OrganizationConfig";

const PROTOCOL_FIELD = "allowBasicAuth.";
/** New-AuthenticationPolicy -Name: "The maximum length is 64 characters." */
const MAX_NAME = 64;

/** Case-insensitive, as Exchange compares names. */
function sameText(a: unknown, b: unknown): boolean {
    return typeof a === "string" && typeof b === "string" && a.localeCompare(b, undefined, { sensitivity: "accent" }) === 0;
}

function allSwitches(allow: AllowBasicAuth): Record<string, boolean> {
    return Object.fromEntries(AUTH_POLICY_PROTOCOLS.map((p) => [`AllowBasicAuth${p}`, allow[p]]));
}

/** A reason that names the valid protocols, with a hint when the name is close to one. */
function unknownProtocol(key: string): string {
    const bare = key.replace(/^AllowBasicAuth/i, "");
    const close = AUTH_POLICY_PROTOCOLS.find((p) => p.toLowerCase() === bare.toLowerCase());
    return `unknown protocol "${key}"${close ? ` (did you mean ${close}?)` : ""}; the protocols are ${AUTH_POLICY_PROTOCOLS.join(", ")}`;
}

/** Whether the organisation's DefaultAuthenticationPolicy (a name, guid or distinguished name) is this policy. */
function pointsAt(ref: unknown, policy: { name: string; guid?: string }): boolean {
    if (typeof ref !== "string" || !ref) {
        return false;
    }
    return (
        sameText(ref, policy.name) ||
        (policy.guid !== undefined && sameText(ref, policy.guid)) ||
        ref.toLowerCase().startsWith(`cn=${policy.name.toLowerCase()},`)
    );
}

async function readOrganizationDefault(clients: TenantClients): Promise<unknown> {
    const [config] = await clients.exchange.invoke(ORGANIZATION_READ);
    if (!config || !("DefaultAuthenticationPolicy" in config)) {
        throw new Error(`Exchange Online's ${ORGANIZATION_READ} returned no DefaultAuthenticationPolicy`);
    }
    return config.DefaultAuthenticationPolicy;
}

export const authenticationPolicy: TenantSetting<AuthenticationPolicyDesired, AuthenticationPolicyLive> = {
    type: "AuthenticationPolicy",
    title: "Authentication policy",
    permissions: {
        service: "exchange",
        read: [EXCHANGE_MANAGE_AS_APP],
        write: [EXCHANGE_MANAGE_AS_APP],
    },
    onDelete:
        "Removing the resource stops managing the authentication policy; Exchange Online keeps the policy with its " +
        "switches, and it stays the organisation's default if it is, so no user's sign-in changes. To retire it, set " +
        "organizationDefault: false and run pulumi up first, then remove the resource and delete the policy " +
        "(Remove-AuthenticationPolicy).",
    inputKeys: authenticationPolicyDeclaration.inputKeys,
    resolvedFields: authenticationPolicyDeclaration.resolvedFields,
    schema: authenticationPolicyDeclaration.schema,
    // The name says which policy this is: a new name is another resource (a new policy; the old one is left).
    replaceOnChanges: ["name"],

    validate(inputs) {
        const failures: ValidationFailure[] = [...authenticationPolicyDeclaration.validate(inputs).failures];
        const name = inputs.name;
        if (typeof name !== "string" || !name.trim()) {
            // said by checkInputs
        } else if (name !== name.trim()) {
            failures.push({ property: "name", reason: `name ${JSON.stringify(name)} starts or ends with spaces; remove them` });
        } else if (name.length > MAX_NAME) {
            failures.push({ property: "name", reason: `name is ${name.length} characters; Exchange allows at most ${MAX_NAME}` });
        }
        const allow = Object.fromEntries(AUTH_POLICY_PROTOCOLS.map((p) => [p, false])) as AllowBasicAuth;
        const given = inputs.allowBasicAuth;
        if (given !== undefined) {
            if (typeof given !== "object" || given === null || Array.isArray(given)) {
                failures.push({
                    property: "allowBasicAuth",
                    reason:
                        "allowBasicAuth must be an object like { Smtp: true } naming the protocols that keep Basic " +
                        `authentication (got ${JSON.stringify(given)})`,
                });
            } else {
                for (const [key, value] of Object.entries(given)) {
                    if (!(AUTH_POLICY_PROTOCOLS as readonly string[]).includes(key)) {
                        failures.push({ property: `allowBasicAuth.${key}`, reason: unknownProtocol(key) });
                    } else if (typeof value !== "boolean") {
                        failures.push({
                            property: `allowBasicAuth.${key}`,
                            reason:
                                `allowBasicAuth.${key} must be true (allow Basic authentication) or false (block it) (got ` +
                                `${JSON.stringify(value)})`,
                        });
                    } else {
                        allow[key as AuthPolicyProtocol] = value;
                    }
                }
            }
        }
        const dflt = inputs.organizationDefault;
        if (failures.length) {
            return { failures };
        }
        return {
            desired: {
                name: name as string,
                allowBasicAuth: allow,
                ...(dflt !== undefined ? { organizationDefault: dflt as boolean } : {}),
            },
            failures,
        };
    },

    /**
     * Reads the tenant at preview: the policy and whether it is the organisation's default (the plan's
     * from-values, also for a create), and, when this plan blocks basic authentication for users who have
     * it now (the policy becomes the default, or the default blocks more), who still signs in with those
     * protocols: they stop working.
     */
    async prepare(clients, desired) {
        await exchangeReadPreflight(clients, authenticationPolicy.title);
        const live = await authenticationPolicy.read(clients, { ...desired, organizationDefault: desired.organizationDefault ?? false });
        const isDefault = live.isOrganizationDefault === true;
        const blocked = AUTH_POLICY_PROTOCOLS.filter(
            (p) =>
                !desired.allowBasicAuth[p] &&
                (desired.organizationDefault === true && !isDefault ? true : isDefault && live.allowBasicAuth?.[p] === true),
        );
        if (blocked.length) {
            await warnLegacyUsers(
                clients,
                `Exchange authentication policy "${desired.name}" blocking basic authentication for the organisation (` +
                    `${blocked.join(", ")})`,
                blocked.map((p) => CLIENT_APP_OF_PROTOCOL[p]),
            );
        }
        const tenant = { organizationDefault: isDefault, allowBasicAuth: live.exists ? live.allowBasicAuth : "(no such policy)" };
        return { desired: { ...desired, [TENANT_AT_PREVIEW]: tenant }, failures: [] };
    },

    async read(clients, desired) {
        if (typeof desired.name !== "string" || !desired.name) {
            throw new Error(
                "no policy name is recorded for this resource, so there is nothing to read; run pulumi up with the resource's name set",
            );
        }
        const policies = await clients.exchange.invoke(AUTH_POLICY_READ);
        const found = policies.find((p) => sameText(p.Name, desired.name));
        const live: AuthenticationPolicyLive = { exists: !!found };
        if (found) {
            const allow = {} as AllowBasicAuth;
            for (const p of AUTH_POLICY_PROTOCOLS) {
                const v = found[`AllowBasicAuth${p}`];
                if (typeof v !== "boolean") {
                    throw new Error(`Exchange Online's ${AUTH_POLICY_READ} returned no AllowBasicAuth${p} for policy "${found.Name}"`);
                }
                allow[p] = v;
            }
            live.policyName = String(found.Name);
            if (typeof found.Guid === "string") {
                live.policyGuid = found.Guid;
            }
            live.allowBasicAuth = allow;
        }
        if (desired.organizationDefault !== undefined) {
            const ref = await readOrganizationDefault(clients);
            live.isOrganizationDefault = found ? pointsAt(ref, { name: String(found.Name), guid: live.policyGuid }) : false;
        }
        return live;
    },

    desiredFromLive(live, desired) {
        return {
            name: desired.name,
            allowBasicAuth: live.exists && live.allowBasicAuth ? live.allowBasicAuth : desired.allowBasicAuth,
            ...(desired.organizationDefault !== undefined
                ? { organizationDefault: live.isOrganizationDefault ?? desired.organizationDefault }
                : {}),
        };
    },

    diff(desired, live) {
        const changes: FieldChange[] = [];
        if (live.policyName !== undefined && !sameText(live.policyName, desired.name)) {
            // Recorded state about another policy (the name changed): the update reads the new one.
            return [{ field: "name", from: live.policyName, to: desired.name }];
        }
        if (!live.exists) {
            changes.push({ field: "exists", from: false, to: true });
        } else {
            for (const p of AUTH_POLICY_PROTOCOLS) {
                const have = live.allowBasicAuth?.[p];
                if (have !== desired.allowBasicAuth[p]) {
                    changes.push({ field: `${PROTOCOL_FIELD}${p}`, from: have, to: desired.allowBasicAuth[p] });
                }
            }
        }
        if (desired.organizationDefault === undefined) {
            if (live.isOrganizationDefault !== undefined) {
                // No longer managed: nothing is written; the recorded state forgets it.
                changes.push({ field: "organizationDefault", from: live.isOrganizationDefault, to: undefined });
            }
        } else if (live.isOrganizationDefault !== desired.organizationDefault) {
            changes.push({ field: "organizationDefault", from: live.isOrganizationDefault, to: desired.organizationDefault });
        }
        return changes;
    },

    async apply(clients, desired, live, changes) {
        const exo = clients.exchange;
        let name = live.policyName ?? desired.name;
        if (!live.exists) {
            try {
                // Safe to send again after a dropped connection: if the lost attempt created the policy, the
                // resend answers "already exists" and the Set-* below gives it the same switches.
                await exo.invoke(AUTH_POLICY_CREATE, { Name: desired.name, ...allSwitches(desired.allowBasicAuth) }, { idempotent: true });
                name = desired.name;
            } catch (err) {
                if (!(err instanceof TenantApiError && /ADObjectAlreadyExistsException|already exists/i.test(err.detail))) {
                    throw err;
                }
                // Created since the read (another run, or an earlier attempt whose answer was lost).
                await exo.invoke(AUTH_POLICY_WRITE, { Identity: desired.name, ...allSwitches(desired.allowBasicAuth) });
            }
        } else {
            const switches = changes
                .filter((c) => c.field.startsWith(PROTOCOL_FIELD))
                .map((c) => c.field.slice(PROTOCOL_FIELD.length) as AuthPolicyProtocol);
            if (switches.length) {
                await exo.invoke(AUTH_POLICY_WRITE, {
                    Identity: name,
                    ...Object.fromEntries(switches.map((p) => [`AllowBasicAuth${p}`, desired.allowBasicAuth[p]])),
                });
            }
        }
        const dflt = changes.find((c) => c.field === "organizationDefault" && typeof c.to === "boolean");
        if (dflt?.to === true) {
            await exo.invoke(ORGANIZATION_WRITE, { DefaultAuthenticationPolicy: name });
        } else if (dflt?.to === false) {
            // Clear the default only while it still points at this policy (someone may have moved it since the read).
            if (pointsAt(await readOrganizationDefault(clients), { name, guid: live.policyGuid })) {
                await exo.invoke(ORGANIZATION_WRITE, { DefaultAuthenticationPolicy: null });
            }
        }
    },

    id(tenantId, live) {
        return `${tenantId}/authenticationPolicy/${live.policyName ?? ""}`;
    },
};
