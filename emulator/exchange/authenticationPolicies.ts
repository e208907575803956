import * as crypto from "node:crypto";
import { AUTH_POLICY_PROTOCOLS, type ExchangeAuthenticationPolicyState, type TenantState } from "../store";
import { type Cmdlet, DN_SUFFIX, type ParameterKind, noChangeWarning, sameText } from "./cmdlet";
import { ExchangeCmdletError, identityNotFound } from "./errors";

/**
 * Authentication policies (Basic authentication per protocol): Get/New/Set/Remove-AuthenticationPolicy.
 * New-AuthenticationPolicy blocks Basic authentication for every protocol unless a switch allows it,
 * as Exchange Online does. Removing the organisation's default policy clears the default (the link
 * to a deleted object goes with it).
 */
const ALLOW_PARAMETERS: Record<string, ParameterKind> = Object.fromEntries(
    AUTH_POLICY_PROTOCOLS.map((p) => [`AllowBasicAuth${p}`, "bool" as ParameterKind]),
);

/** Finds a policy by name, guid or distinguished name. */
export function findAuthenticationPolicy(tenant: TenantState, identity: string): ExchangeAuthenticationPolicyState | undefined {
    return tenant.exchange.authenticationPolicies.find(
        (p) => sameText(p.name, identity) || sameText(p.guid, identity) || sameText(policyDn(tenant, p), identity),
    );
}

function policyDn(tenant: TenantState, p: ExchangeAuthenticationPolicyState): string {
    return `CN=${p.name},CN=Auth Policies,CN=${tenant.exchange.organization.name},CN=ConfigurationUnits,${DN_SUFFIX}`;
}

function present(tenant: TenantState, p: ExchangeAuthenticationPolicyState): Record<string, unknown> {
    const out: Record<string, unknown> = {
        Identity: p.name,
        Name: p.name,
        Id: p.name,
        Guid: p.guid,
        DistinguishedName: policyDn(tenant, p),
    };
    for (const protocol of AUTH_POLICY_PROTOCOLS) {
        out[`AllowBasicAuth${protocol}`] = p.allowBasicAuth[protocol];
    }
    return {
        ...out,
        WhenChanged: p.whenChangedUtc,
        WhenCreated: p.whenCreatedUtc,
        WhenChangedUTC: p.whenChangedUtc,
        WhenCreatedUTC: p.whenCreatedUtc,
        ObjectState: "Unchanged",
        IsValid: true,
    };
}

function mustFind(tenant: TenantState, identity: string): ExchangeAuthenticationPolicyState {
    const p = findAuthenticationPolicy(tenant, identity);
    if (!p) {
        throw identityNotFound(identity);
    }
    return p;
}

export const authenticationPolicyCmdlets: Cmdlet[] = [
    {
        name: "Get-AuthenticationPolicy",
        parameters: { Identity: "string" },
        run({ tenant }, args) {
            const found =
                args.Identity === undefined ? tenant.exchange.authenticationPolicies : [mustFind(tenant, args.Identity as string)];
            return { value: found.map((p) => present(tenant, p)) };
        },
    },
    {
        name: "New-AuthenticationPolicy",
        parameters: { Name: "string", ...ALLOW_PARAMETERS, Confirm: "ignored" },
        mandatory: ["Name"],
        run({ tenant, store }, args) {
            const name = (args.Name as string).trim();
            if (!name) {
                throw new ExchangeCmdletError(
                    400,
                    "System.Management.Automation.ParameterBindingValidationException",
                    "Cannot validate argument on parameter 'Name'. The argument is null or empty. Provide an argument that " +
                        "is not null or empty, and then try the command again.",
                );
            }
            if (name.length > 64) {
                throw new ExchangeCmdletError(
                    400,
                    "System.Management.Automation.ParameterBindingValidationException",
                    `Cannot validate argument on parameter 'Name'. The character length of the ${name.length} argument is too long. ` +
                        `Shorten the character length of the argument so it is fewer than or equal to "64" characters, and ` +
                        "then try the command again.",
                );
            }
            if (findAuthenticationPolicy(tenant, name)) {
                throw new ExchangeCmdletError(
                    400,
                    "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                    `The object '${policyDn(tenant, { name } as ExchangeAuthenticationPolicyState)}' already exists.`,
                );
            }
            const now = new Date().toISOString();
            const policy: ExchangeAuthenticationPolicyState = {
                name,
                guid: crypto.randomUUID(),
                whenCreatedUtc: now,
                whenChangedUtc: now,
                allowBasicAuth: Object.fromEntries(
                    AUTH_POLICY_PROTOCOLS.map((p) => [p, (args[`AllowBasicAuth${p}`] as boolean | undefined) ?? false]),
                ) as ExchangeAuthenticationPolicyState["allowBasicAuth"],
            };
            store.mutate(() => {
                tenant.exchange.authenticationPolicies.push(policy);
            });
            return { value: [present(tenant, policy)] };
        },
    },
    {
        name: "Set-AuthenticationPolicy",
        parameters: { Identity: "string", ...ALLOW_PARAMETERS, Confirm: "ignored" },
        mandatory: ["Identity"],
        run({ tenant, store }, args) {
            const policy = mustFind(tenant, args.Identity as string);
            const changes = AUTH_POLICY_PROTOCOLS.filter((p) => {
                const want = args[`AllowBasicAuth${p}`] as boolean | undefined;
                return want !== undefined && want !== policy.allowBasicAuth[p];
            });
            if (!changes.length) {
                return { value: [], warnings: [noChangeWarning(policy.name)] };
            }
            store.mutate(() => {
                for (const p of changes) {
                    policy.allowBasicAuth[p] = args[`AllowBasicAuth${p}`] as boolean;
                }
                policy.whenChangedUtc = new Date().toISOString();
            });
            return { value: [] };
        },
    },
    {
        name: "Remove-AuthenticationPolicy",
        parameters: { Identity: "string", Confirm: "ignored" },
        mandatory: ["Identity"],
        run({ tenant, store }, args) {
            const policy = mustFind(tenant, args.Identity as string);
            store.mutate(() => {
                tenant.exchange.authenticationPolicies = tenant.exchange.authenticationPolicies.filter((p) => p !== policy);
                if (tenant.exchange.organization.defaultAuthenticationPolicyGuid === policy.guid) {
                    tenant.exchange.organization.defaultAuthenticationPolicyGuid = null;
                }
            });
            return { value: [] };
        },
    },
];
