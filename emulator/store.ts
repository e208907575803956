import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { type AuthenticationMethodsPolicyState, newAuthenticationMethodsPolicy } from "./authenticationMethods";
import { AuditLog } from "./auditLog";
import { Directory, type GroupRecord } from "./directory";

/**
 * The emulated tenants and their state, persisted to one JSON file in the state directory.
 *
 * Every change is written whole to a temporary file and renamed over the old one, so a crash
 * mid-write leaves either the old or the new state, never a torn file. The server is one process and
 * handles one request's mutation at a time, so concurrent requests cannot interleave a write. A lock
 * file keeps a second emulator process from serving the same directory.
 */
export interface AppRegistration {
    displayName: string;
    appId: string;
    /** Service principal object id (the token's oid). */
    objectId: string;
    /** Client secret; the emulator's own throw-away credential. */
    secret: string;
    /** Microsoft Graph application permissions granted with admin consent. */
    graphRoles: string[];
    /** Office 365 Exchange Online application permissions (Exchange.ManageAsApp). */
    exchangeRoles: string[];
    /**
     * Entra directory roles assigned to the app's service principal, by display name (e.g. "Exchange
     * Administrator"). Exchange's app-only access needs one besides Exchange.ManageAsApp
     * (learn.microsoft.com powershell/exchange/app-only-auth-powershell-v2, "Assign Microsoft Entra roles
     * to the application"). Absent in state files written before roles were modelled (see load()).
     */
    directoryRoles?: string[];
    /**
     * Federated identity credentials (workload identity federation): a `client_assertion` issued by
     * `issuer` for `subject` with one of `audiences` signs the app in without a secret
     * (learn.microsoft.com entra/workload-id/workload-identity-federation-create-trust, Graph
     * federatedIdentityCredential: issuer, subject, audiences).
     */
    federatedCredentials?: FederatedCredential[];
}

export interface FederatedCredential {
    name: string;
    issuer: string;
    subject: string;
    audiences: string[];
}

/** The CI issuer the emulator also plays (GitHub Actions' OIDC provider), and its default trust. */
export const CI_OIDC = {
    issuer: "https://token.actions.githubusercontent.com",
    subject: "repo:contoso/tenant-config:ref:refs/heads/main",
    audience: "api://AzureADTokenExchange",
} as const;

export interface SecurityDefaultsState {
    isEnabled: boolean;
}

export interface ConditionalAccessPolicyState {
    id: string;
    displayName: string;
    state: "enabled" | "disabled" | "enabledForReportingButNotEnforced";
    [key: string]: unknown;
}

/** An authentication strength policy (Graph v1.0 authenticationStrengthPolicy); the tenant stores its custom ones. */
export interface AuthenticationStrengthPolicyState {
    id: string;
    createdDateTime: string;
    modifiedDateTime: string;
    displayName: string;
    description: string | null;
    policyType: "builtIn" | "custom";
    requirementsSatisfied: "none" | "mfa";
    allowedCombinations: string[];
}

/**
 * A sign-in the emulator was given (seeded by a test or an operator) with the Conditional Access
 * results Entra records on it (resources/appliedconditionalaccesspolicy.md): e.g. a report-only policy's
 * reportOnlyFailure. Served by GET /auditLogs/signIns beside the generated ones.
 */
export interface RecordedSignInState {
    id: string;
    createdDateTime: string;
    userPrincipalName: string;
    appDisplayName: string;
    clientAppUsed: string;
    appliedConditionalAccessPolicies: {
        id: string;
        displayName: string;
        result: string;
        enforcedGrantControls: string[];
        enforcedSessionControls: string[];
    }[];
}

/** A Conditional Access named location as Graph returns it (ipNamedLocation or countryNamedLocation). */
export interface NamedLocationState {
    "@odata.type": string;
    id: string;
    displayName: string;
    createdDateTime: string;
    modifiedDateTime: string;
    [key: string]: unknown;
}

/** A recipient with a mailbox in Exchange Online (what Get-CASMailbox and Get-Mailbox see). */
export interface ExchangeMailboxState {
    /** The mailbox's Name and Identity in Exchange Online. */
    name: string;
    displayName: string;
    alias: string;
    userPrincipalName: string;
    primarySmtpAddress: string;
    recipientTypeDetails: "UserMailbox" | "SharedMailbox";
    /** The mailbox object's guid in Exchange. */
    guid: string;
    /** The Entra ID user's object id. */
    externalDirectoryObjectId: string;
    /** Per-mailbox SMTP AUTH: true/false overrides the organisation, null follows Set-TransportConfig. */
    smtpClientAuthenticationDisabled: boolean | null;
    /** Made by seedTenant for a seeded user (replaced when the tenant is seeded again). */
    seeded?: boolean;
}

/** Names of the protocol switches of an Exchange Online authentication policy. */
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

export interface ExchangeAuthenticationPolicyState {
    name: string;
    guid: string;
    whenCreatedUtc: string;
    whenChangedUtc: string;
    /** AllowBasicAuth<Protocol>: whether Basic authentication is allowed for the protocol. */
    allowBasicAuth: Record<AuthPolicyProtocol, boolean>;
}

export interface ExchangeOrganizationState {
    /** The organisation's name and identity: the tenant's initial domain (contoso.onmicrosoft.com). */
    name: string;
    displayName: string;
    guid: string;
    /** Modern authentication for Outlook and other clients (on by default since August 2017). */
    oauth2ClientProfileEnabled: boolean;
    /** Guid of the authentication policy applied to users without one, or null. */
    defaultAuthenticationPolicyGuid: string | null;
    /** Set-TransportConfig -SmtpClientAuthenticationDisabled: true by default for organisations created after January 2020. */
    smtpClientAuthenticationDisabled: boolean;
    transportConfigGuid: string;
}

export interface ExchangeState {
    organization: ExchangeOrganizationState;
    mailboxes: ExchangeMailboxState[];
    authenticationPolicies: ExchangeAuthenticationPolicyState[];
}

export interface TenantState {
    tenantId: string;
    displayName: string;
    /** Microsoft Entra ID P1 (sign-in logs and reports need it); absent means yes. */
    entraIdP1?: boolean;
    /** Verified domains, e.g. contoso.onmicrosoft.com (Exchange accepts them in place of the tenant id). */
    domains?: string[];
    apps: AppRegistration[];
    securityDefaults: SecurityDefaultsState;
    conditionalAccessPolicies: ConditionalAccessPolicyState[];
    /** Conditional Access named locations (absent in state files written before they were emulated). */
    namedLocations?: NamedLocationState[];
    /** Custom authentication strength policies (the built-ins are constants: emulator/graph/authenticationStrengths.ts). */
    authenticationStrengthPolicies?: AuthenticationStrengthPolicyState[];
    /** Ids of the Microsoft-managed Conditional Access policies (emulator/graph/conditionalAccess.ts seedManagedPolicies). */
    managedConditionalAccessPolicyIds?: string[];
    /** Sign-ins given to the emulator with their Conditional Access results (RecordedSignInState). */
    recordedSignIns?: RecordedSignInState[];
    /** Exchange Online: organisation and transport config, mailboxes, authentication policies. */
    exchange: ExchangeState;
    /** Graph policies/authenticationMethodsPolicy: method configurations, registration campaign, migration. */
    authenticationMethodsPolicy: AuthenticationMethodsPolicyState;
    /**
     * Whether GET /users serves perUserMfaState under $select (issue #27; emulator/graph/directory.ts,
     * rules directory.users.perUserMfaState*). Absent or "refused": Graph's published metadata (the
     * documented contract) has no such property of user, so $select of it is refused as any unknown
     * property (400 Request_BadRequest), the stricter reading; the demo and the tests run this way unless
     * they say otherwise. "served": the list carries each user's state, as CIPP-API reads it since March
     * 2025 and msgraph-sdk-powershell#3368 reports (observed, not documented). "ignored": $select of it
     * is accepted and the property left out (docs-contrib concepts/query-parameters.md: "query parameters
     * specified in a request might fail silently"). "unknownFutureValue": served, but every user carries
     * the evolvable enum's sentinel, a value outside the documented states (a tenant with a state the
     * client does not know; the beta perUserMfaState enum ends with unknownFutureValue).
     */
    perUserMfaStateOnUserList?: (typeof PER_USER_MFA_ON_LIST)[number];
    /**
     * With "served": for how many milliseconds after a per-user MFA write (PATCH
     * authentication/requirements) the list still shows the user's state from before it. Directory reads
     * are eventually consistent; how long the list lags is not documented, so this is a test setting (0
     * or absent: no lag).
     */
    perUserMfaListLagMs?: number;
    /**
     * Whether GET /auditLogs/signIns takes `or` in $filter (rules reports.signIns.clientAppUsedOr*). Absent or
     * "refused" (the stricter reading): 400 BadRequest for any `or`, since `or` is among the operators Graph supports
     * (docs-contrib concepts/filter-query-parameter.md) but "support ... may vary" by resource and the sign-in pages do
     * not list it; the readiness reader then takes its documented way (providers/framework/readinessReport.ts).
     * "accepted": `clientAppUsed eq '...' or ...` filters, as peers' code sends it to sign-ins (CIPP-API
     * ListBasicAuth/run.ps1, on /beta; not documented).
     */
    signInOrFilter?: (typeof OR_FILTER)[number];
    /**
     * Whether GET /auditLogs/directoryAudits takes `or` in $filter (rules auditLogs.directoryAudits.or*). Absent or
     * "refused" (the stricter reading): 400 for any `or`, since directoryaudit-list.md and resources/directoryaudit.md
     * do not list it; the readers then send one query per activity or target (client/anyOf.ts). "accepted": as peers'
     * code sends it (CIPP-API Get-CIPPAlertGroupMembershipChange.ps1: `(activityDisplayName eq '...' or ...)`; not
     * documented).
     */
    auditOrFilter?: (typeof OR_FILTER)[number];
}

export interface EmulatorState {
    schemaVersion: 1;
    /** Key for the emulator's own admin endpoints (/_emulator/...). */
    adminKey: string;
    tenants: Record<string, TenantState>;
}

/** Well-known app registrations of every emulated tenant. */
/** TenantState.perUserMfaStateOnUserList's values (what each means: there). */
export const PER_USER_MFA_ON_LIST = ["refused", "served", "ignored", "unknownFutureValue"] as const;
/** TenantState.signInOrFilter's and auditOrFilter's values. */
export const OR_FILTER = ["refused", "accepted"] as const;

export const APPS = {
    /** What m365-mfa's providers run as: the least-privilege set the README lists. */
    provider: "m365-mfa-provider",
    /** An administrator working in the Entra and Exchange admin portals (for drift). */
    portal: "portal-admin",
    /** Can read policies, not change them (for permission tests). */
    reader: "policy-reader",
    /** Holds Exchange.ManageAsApp but no Entra role on its service principal (Exchange refuses it). */
    exchangeNoRole: "exchange-app-without-role",
} as const;

/** The Entra role the provider and portal apps hold for Exchange (app-only-auth-powershell-v2). */
export const EXCHANGE_ADMINISTRATOR = "Exchange Administrator";

export const PROVIDER_GRAPH_ROLES: readonly string[] = Object.freeze([
    "Policy.Read.All",
    "Policy.ReadWrite.SecurityDefaults",
    "Policy.ReadWrite.ConditionalAccess",
    "Policy.ReadWrite.AuthenticationMethod",
    "User.Read.All",
    "GroupMember.Read.All",
    "RoleManagement.Read.Directory",
    "AuditLog.Read.All",
    "UserAuthenticationMethod.ReadWrite.All",
    "User.RevokeSessions.All",
]);

const PORTAL_GRAPH_ROLES = [...PROVIDER_GRAPH_ROLES, "Directory.ReadWrite.All"];

/** An app registration with its service principal in the tenant (fresh ids and secret). */
export function newApp(
    displayName: string,
    graphRoles: readonly string[],
    exchangeRoles: readonly string[],
    directoryRoles: readonly string[] = [],
): AppRegistration {
    return {
        displayName,
        appId: crypto.randomUUID(),
        objectId: crypto.randomUUID(),
        secret: `emu~${crypto.randomBytes(24).toString("base64url")}`,
        // Copies: an app's permissions change with the tenant's consent (setAppPermissions), never the
        // module's lists every new tenant starts from (a grant in one emulator leaked into every later one).
        graphRoles: [...graphRoles],
        exchangeRoles: [...exchangeRoles],
        directoryRoles: [...directoryRoles],
    };
}

export function newTenant(displayName = "Contoso (emulated)", tenantId: string = crypto.randomUUID()): TenantState {
    return {
        tenantId,
        displayName,
        apps: [
            {
                ...newApp(APPS.provider, PROVIDER_GRAPH_ROLES, ["Exchange.ManageAsApp"], [EXCHANGE_ADMINISTRATOR]),
                federatedCredentials: [
                    { name: "github-main", issuer: CI_OIDC.issuer, subject: CI_OIDC.subject, audiences: [CI_OIDC.audience] },
                ],
            },
            newApp(APPS.portal, PORTAL_GRAPH_ROLES, ["Exchange.ManageAsApp"], [EXCHANGE_ADMINISTRATOR]),
            newApp(APPS.reader, ["Policy.Read.All"], []),
            newApp(APPS.exchangeNoRole, ["Policy.Read.All"], ["Exchange.ManageAsApp"], []),
        ],
        // Tenants created since October 2019 start with security defaults on.
        securityDefaults: { isEnabled: true },
        conditionalAccessPolicies: [],
        exchange: newExchangeState(displayName),
        authenticationMethodsPolicy: newAuthenticationMethodsPolicy(),
    };
}

/**
 * The Exchange Online side of a new tenant: an organisation named after its initial domain with
 * Microsoft's defaults for a new organisation (modern authentication on, SMTP AUTH off, no default
 * authentication policy), and a handful of user and shared mailboxes.
 */
export function newExchangeState(displayName: string): ExchangeState {
    const label =
        displayName
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, "")
            .slice(0, 27) || "tenant";
    const domain = `${label}.onmicrosoft.com`;
    const mailbox = (
        name: string,
        display: string,
        recipientTypeDetails: ExchangeMailboxState["recipientTypeDetails"],
    ): ExchangeMailboxState => ({
        name,
        displayName: display,
        alias: name,
        userPrincipalName: `${name}@${domain}`,
        primarySmtpAddress: `${name}@${domain}`,
        recipientTypeDetails,
        guid: crypto.randomUUID(),
        externalDirectoryObjectId: crypto.randomUUID(),
        smtpClientAuthenticationDisabled: null,
    });
    return {
        organization: {
            name: domain,
            displayName,
            guid: crypto.randomUUID(),
            oauth2ClientProfileEnabled: true,
            defaultAuthenticationPolicyGuid: null,
            smtpClientAuthenticationDisabled: true,
            transportConfigGuid: crypto.randomUUID(),
        },
        mailboxes: [
            mailbox("AdeleV", "Adele Vance", "UserMailbox"),
            mailbox("AlexW", "Alex Wilber", "UserMailbox"),
            mailbox("DiegoS", "Diego Siciliani", "UserMailbox"),
            mailbox("MeganB", "Megan Bowen", "UserMailbox"),
            mailbox("scanner", "Office Scanner", "UserMailbox"),
            mailbox("info", "Info", "SharedMailbox"),
            mailbox("support", "Support", "SharedMailbox"),
        ],
        authenticationPolicies: [],
    };
}

export class Store {
    private state: EmulatorState;
    private readonly file: string;
    private readonly lockFile: string;
    private seq = 0;
    private readonly directories = new Map<string, Directory>();
    private readonly auditLogs = new Map<string, AuditLog>();

    constructor(readonly dir: string) {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        this.file = path.join(dir, "tenants.json");
        this.lockFile = path.join(dir, "emulator.lock");
        this.lock();
        this.state = fs.existsSync(this.file) ? this.load() : this.initial();
        this.save();
    }

    get adminKey(): string {
        return this.state.adminKey;
    }

    tenantIds(): string[] {
        return Object.keys(this.state.tenants);
    }

    tenant(tenantId: string): TenantState | undefined {
        return this.state.tenants[tenantId.toLowerCase()];
    }

    /** The users and groups of a tenant (kept in their own snapshot and journal). */
    directory(tenantId: string): Directory {
        const tid = tenantId.toLowerCase();
        let d = this.directories.get(tid);
        if (!d) {
            d = new Directory(this.dir, tid);
            this.directories.set(tid, d);
        }
        return d;
    }

    /** The tenant's directory audit log (its own append-only file; see ./auditLog.ts). */
    auditLog(tenantId: string): AuditLog {
        const tid = tenantId.toLowerCase();
        let a = this.auditLogs.get(tid);
        if (!a) {
            a = new AuditLog(this.dir, tid);
            this.auditLogs.set(tid, a);
        }
        return a;
    }

    /**
     * Seeds a tenant of `users` users (see Directory.seed) and gives every member a user mailbox in
     * Exchange Online, linked by externalDirectoryObjectId, beside the tenant's fixed sample mailboxes.
     */
    seedTenant(tenantId: string, users: number, seed = 1): void {
        const tenant = this.tenant(tenantId);
        if (!tenant) {
            throw new Error(`no tenant ${tenantId}`);
        }
        const directory = this.directory(tenantId);
        directory.seed(users, seed);
        this.mutate(() => {
            const exchange = (tenant.exchange ??= newExchangeState(tenant.displayName));
            const linked = new Set([...directory.users.keys()]);
            exchange.mailboxes = exchange.mailboxes.filter((m) => !linked.has(m.externalDirectoryObjectId) && !m.seeded);
            for (const u of directory.users.values()) {
                if (u.userType !== "Member" || !u.mail) continue;
                const alias = u.userPrincipalName.split("@")[0];
                exchange.mailboxes.push({
                    name: alias,
                    displayName: u.displayName,
                    alias,
                    userPrincipalName: u.userPrincipalName,
                    primarySmtpAddress: u.mail,
                    recipientTypeDetails: "UserMailbox",
                    guid: crypto
                        .createHash("sha256")
                        .update(`mailbox:${u.id}`)
                        .digest("hex")
                        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, "$1-$2-$3-$4-$5"),
                    externalDirectoryObjectId: u.id,
                    smtpClientAuthenticationDisabled: null,
                    seeded: true,
                });
            }
        });
    }

    /**
     * Adds an app registration and its service principal to a tenant, holding `directoryRoles` (Entra
     * role names, e.g. "Global Administrator") and `graphRoles` (Graph application permissions): a
     * service principal is a principal a directory role can be assigned to (directoryrole-list-members.md
     * lists "principals"), listed among the role's members as a #microsoft.graph.servicePrincipal.
     */
    addServicePrincipal(
        tenantId: string,
        displayName: string,
        opts: { directoryRoles?: string[]; graphRoles?: string[] } = {},
    ): AppRegistration {
        const tenant = this.tenant(tenantId);
        if (!tenant) {
            throw new Error(`no tenant ${tenantId}`);
        }
        return this.mutate(() => {
            const app = newApp(displayName, opts.graphRoles ?? [], [], opts.directoryRoles ?? []);
            tenant.apps.push(app);
            return app;
        });
    }

    /**
     * Creates a role-assignable group (isAssignableToRole true) of `members` (user ids) assigned
     * `roles`, as entra-docs groups-concept.md documents them: a feature of Microsoft Entra ID P1 or P2
     * ("With Microsoft Entra ID P1 or P2, you can create role-assignable groups"; refused on a tenant
     * without P1), members assigned (users here; "Group nesting isn't supported"), and its members hold
     * the group's roles.
     */
    addRoleAssignableGroup(tenantId: string, displayName: string, members: string[], roles: string[]): GroupRecord {
        const tenant = this.tenant(tenantId);
        if (!tenant) {
            throw new Error(`no tenant ${tenantId}`);
        }
        if (tenant.entraIdP1 === false) {
            throw new Error(`tenant ${tenantId} has no Microsoft Entra ID P1: role-assignable groups need P1 or P2 (groups-concept.md)`);
        }
        const directory = this.directory(tenantId);
        const unknown = members.filter((m) => !directory.users.has(m.toLowerCase()));
        if (unknown.length) {
            throw new Error(
                `not users of tenant ${tenantId}: ${unknown.join(", ")} (a role-assignable group cannot hold groups; groups-concept.md)`,
            );
        }
        const group: GroupRecord = {
            id: crypto.randomUUID(),
            displayName,
            members: members.map((m) => m.toLowerCase()),
            isAssignableToRole: true,
            roles,
        };
        directory.putGroup(group);
        return group;
    }

    /** Adds a tenant (for many-tenant scenarios). */
    addTenant(displayName: string): TenantState {
        return this.mutate(() => {
            const t = newTenant(displayName);
            this.state.tenants[t.tenantId] = t;
            return t;
        });
    }

    /** Applies a change and persists it atomically before the caller answers the request. */
    mutate<T>(fn: (state: EmulatorState) => T): T {
        const result = fn(this.state);
        this.save();
        return result;
    }

    snapshot(): EmulatorState {
        return JSON.parse(JSON.stringify(this.state));
    }

    close(): void {
        try {
            if (fs.readFileSync(this.lockFile, "utf8").trim() === String(process.pid)) {
                fs.unlinkSync(this.lockFile);
            }
        } catch {
            // already gone
        }
    }

    private initial(): EmulatorState {
        const t = newTenant();
        return { schemaVersion: 1, adminKey: crypto.randomBytes(18).toString("base64url"), tenants: { [t.tenantId]: t } };
    }

    private load(): EmulatorState {
        const parsed = JSON.parse(fs.readFileSync(this.file, "utf8")) as EmulatorState;
        if (parsed.schemaVersion !== 1 || typeof parsed.tenants !== "object") {
            throw new Error(`${this.file} is not an emulator state file of this version; move it away to start afresh`);
        }
        for (const tenant of Object.values(parsed.tenants)) {
            // State files written before Exchange Online was emulated: start its section with the defaults.
            tenant.exchange ??= newExchangeState(tenant.displayName);
            // ... and before the authentication methods policy was: a new tenant's policy.
            tenant.authenticationMethodsPolicy ??= newAuthenticationMethodsPolicy();
            // ... and before apps' Entra roles were: the apps that held Exchange.ManageAsApp worked with
            // Exchange then, so they keep doing so with the role they would have needed.
            for (const a of tenant.apps) {
                a.directoryRoles ??= a.exchangeRoles.includes("Exchange.ManageAsApp") ? [EXCHANGE_ADMINISTRATOR] : [];
            }
        }
        return parsed;
    }

    private save(): void {
        const tmp = `${this.file}.${process.pid}.${++this.seq}.tmp`;
        const fd = fs.openSync(tmp, "w", 0o600);
        try {
            fs.writeSync(fd, JSON.stringify(this.state, null, 2));
            fs.fsyncSync(fd);
        } finally {
            fs.closeSync(fd);
        }
        fs.renameSync(tmp, this.file);
    }

    private lock(): void {
        try {
            fs.writeFileSync(this.lockFile, String(process.pid), { flag: "wx" });
            return;
        } catch (err: any) {
            if (err.code !== "EEXIST") {
                throw err;
            }
        }
        const holder = Number(fs.readFileSync(this.lockFile, "utf8").trim());
        if (holder && holder !== process.pid && isAlive(holder)) {
            throw new Error(`another emulator (pid ${holder}) is serving ${this.dir}; stop it or use another --state-dir`);
        }
        fs.writeFileSync(this.lockFile, String(process.pid));
    }
}

/** Whether a process with this id runs (a lock's holder, a running emulator's pid file). */
export function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err: any) {
        return err.code === "EPERM";
    }
}
