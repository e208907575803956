/**
 * The emulator's command (npm run emulator -- ..., or m365-mfa-emulator in a checkout's PATH):
 *
 *   start [--port 8443] [--host 127.0.0.1] [--state-dir .emulator] [--users N [--seed 1] [--reseed]]   (the default command)
 *       Runs the tenant emulator in the foreground and prints a setup to paste into a shell: the Pulumi
 *       backend and passphrase, the CLI's PATH, the environment that points m365-mfa and the azuread
 *       provider at the emulator (with its CA added to the trust the shell already has), the dev stack,
 *       and the tenant's groups and break-glass accounts for the stack's config.
 *   tenant add <name> [--users N] [--seed S] | tenant list            the emulator's tenants
 *   tenant set per-user-mfa-on-list|sign-in-or|audit-or <value> [--tenant ID]   how a tenant behaves where tenants differ
 *   app grant|revoke <app> <permission...> [--tenant ID] | app list   an app registration's application permissions
 *   admin set security-defaults on|off | admin set per-user-mfa <upn> <state>   a change made as a portal admin
 *
 * Arguments are parsed by commander: unknown options and bad values are refused (exit 64) before
 * anything starts. tenant and app change the state directory and need the emulator stopped (a running
 * emulator owns its state; its admin endpoint has no operation for them); admin set talks to the running
 * emulator through Microsoft Graph as the portal-admin app, as an administrator in a portal would.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tls from "node:tls";
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { distance } from "fastest-levenshtein";
import { nodeCaBundlePath } from "./pki";
import { type RunningEmulator, startEmulator } from "./server";
import { APPS, CI_OIDC, OR_FILTER, PER_USER_MFA_ON_LIST, Store, type TenantState, isAlive } from "./store";

/** `tenant set`: the tenant behaviours the command sets, each a TenantState field and its values (emulator/store.ts). */
const TENANT_BEHAVIOURS = {
    "per-user-mfa-on-list": { field: "perUserMfaStateOnUserList", values: PER_USER_MFA_ON_LIST },
    "sign-in-or": { field: "signInOrFilter", values: OR_FILTER },
    "audit-or": { field: "auditOrFilter", values: OR_FILTER },
} as const satisfies Record<string, { field: keyof TenantState; values: readonly string[] }>;

/** The passphrase of the emulator's local file backend; the dev stack's encryptionsalt is made with it. */
export const LOCAL_PASSPHRASE = "m365-mfa-local-passphrase";

/** Which pulumi CLI the printed PATH gives, and where it comes from. */
export interface PulumiCli {
    path: string;
    /** e.g. "pulumi v3.259.0: built from ... (Go module proxy)" (the first line of BUILD-INFO). */
    about?: string;
}

export interface SetupOptions {
    /** The repository (where Pulumi.yaml is); the commands run from there. */
    projectDir: string;
    stateDir: string;
    /** Directories put first on PATH, in order (only those that exist). */
    pathDirs: string[];
    /** The pulumi the printed PATH finds first, if any. */
    pulumi?: PulumiCli;
    /** The bundle for NODE_EXTRA_CA_CERTS (the user's own extra CAs and the emulator's). */
    nodeCaBundle: string;
    /** The NODE_EXTRA_CA_CERTS the emulator was started with, if any (its certificates are in nodeCaBundle). */
    inheritedNodeCa?: string;
    /** Default "dev". */
    stack?: string;
}

export type EmulatorView = Pick<
    RunningEmulator,
    "origin" | "store" | "defaultTenant" | "directory" | "env" | "azureadEnv" | "ciRequestEnv"
>;

/** A POSIX shell word: single-quoted unless plainly safe. */
export function shellQuote(value: string): string {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

const exportLine = (name: string, value: string) => `export ${name}=${shellQuote(value)}`;

/** The local file backend the setup points pulumi at. */
export function backendDir(stateDir: string): string {
    return path.join(path.resolve(stateDir), "pulumi-backend");
}

/** The groups of a tenant with their users (nested groups included), by display name. */
export function tenantGroups(emu: EmulatorView): { id: string; displayName: string; directMembers: number; users: number }[] {
    const dir = emu.directory();
    return [...dir.groups.values()]
        .map((g) => ({ id: g.id, displayName: g.displayName, directMembers: g.members.length, users: dir.transitiveUsers(g.id).length }))
        .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.id.localeCompare(b.id));
}

export function breakGlassAccounts(emu: EmulatorView): { id: string; userPrincipalName: string }[] {
    return [...emu.directory().users.values()]
        .filter((u) => u.breakGlass)
        .map((u) => ({ id: u.id, userPrincipalName: u.userPrincipalName }));
}

/**
 * What `npm run emulator` prints. Pure: everything it says comes from the running emulator and the
 * options (cli.ts finds PATH and pulumi), so a test can check it against the emulator's tenant. The
 * block between "Paste into a shell" and the blank line after it is POSIX shell.
 */
export function setupText(emu: EmulatorView, options: SetupOptions): string {
    const stack = options.stack ?? "dev";
    const stackFile = path.join(options.projectDir, `Pulumi.${stack}.yaml`);
    const tenant = emu.defaultTenant();
    const directory = emu.directory();
    const env = { ...emu.env(APPS.provider), NODE_EXTRA_CA_CERTS: options.nodeCaBundle };
    const azuread = emu.azureadEnv(APPS.provider);
    const groups = tenantGroups(emu);
    const breakGlass = breakGlassAccounts(emu);
    const width = Math.max(0, ...groups.map((g) => g.displayName.length));
    const indent = (lines: string[]) => lines.map((l) => (l ? `  ${l}` : l));
    const pathLine = options.pathDirs.length ? `export PATH=${options.pathDirs.map(shellQuote).join(":")}:"$PATH"` : undefined;
    const pulumiNote = options.pulumi
        ? `# pulumi: ${options.pulumi.path}${options.pulumi.about ? ` (${options.pulumi.about})` : ""}`
        : `# no pulumi CLI found on this PATH: run npm run setup first (it finds or builds one into .tools/pulumi/current/bin)`;
    const inherited = options.inheritedNodeCa
        ? `# NODE_EXTRA_CA_CERTS: the emulator's CA and the certificates of ${options.inheritedNodeCa} (yours), for Node and npm`
        : "# NODE_EXTRA_CA_CERTS: the emulator's CA, for Node (Node's own roots stay trusted); SSL_CERT_FILE: the system's CAs " +
          "and it, for Go";

    const paste = [
        `cd ${shellQuote(options.projectDir)}`,
        `# Pulumi state in a local file backend beside the emulator's (throw-away passphrase; Pulumi.${stack}.yaml's ` +
            "encryptionsalt is made with it)",
        exportLine("PULUMI_BACKEND_URL", `file://${backendDir(options.stateDir)}`),
        exportLine("PULUMI_CONFIG_PASSPHRASE", LOCAL_PASSPHRASE),
        `# the engine and Node.js 24 this repository set up (${options.pathDirs.length ? options.pathDirs.join(", ") : "none found"})`,
        ...(pathLine ? [pathLine] : []),
        pulumiNote,
        `# m365-mfa's dynamic providers (@azure/identity, Graph, Exchange) as ${APPS.provider}, with the emulator's throw-away secret`,
        ...Object.entries(env)
            .filter(([k]) => k !== "NODE_EXTRA_CA_CERTS")
            .map(([k, v]) => exportLine(k, v)),
        `# the azuread provider (Conditional Access): a custom cloud by metadata host`,
        ...Object.entries(azuread)
            .filter(([k]) => k !== "SSL_CERT_FILE")
            .map(([k, v]) => exportLine(k, v)),
        inherited,
        exportLine("NODE_EXTRA_CA_CERTS", env.NODE_EXTRA_CA_CERTS),
        exportLine("SSL_CERT_FILE", azuread.SSL_CERT_FILE),
        `# the ${stack} stack (created on first use); its config is ${stackFile}`,
        `pulumi stack select --create ${shellQuote(stack)}`,
    ];

    const lines = [
        `m365-mfa tenant emulator on ${emu.origin} (state in ${path.resolve(options.stateDir)})`,
        `tenant ${tenant.displayName}: ${tenant.tenantId}, ${directory.userCount} users`,
        ``,
        `Paste into a shell (bash, zsh, sh):`,
        ``,
        ...indent(paste),
        ``,
        `Then: pulumi preview (or pulumi preview --config-file ${path.relative(options.projectDir, stackFile) || stackFile}), pulumi up.`,
        ``,
        `Groups (object id, users with nested groups' members, direct members), for perUserMfa.assignments[].groups:`,
        ...groups.map((g) => `  ${g.id}  ${g.displayName.padEnd(width)}  ${g.users} users, ${g.directMembers} direct members`),
        `Break-glass accounts (object id, UPN), for breakGlassAccounts:`,
        ...breakGlass.map((u) => `  ${u.id}  ${u.userPrincipalName}`),
        `In ${path.basename(stackFile)}, for example:`,
        `  m365-mfa:baseline:`,
        `    breakGlassAccounts: [${breakGlass.map((u) => u.userPrincipalName).join(", ")}]`,
        ...(groups.length
            ? [
                  `    perUserMfa:`,
                  `      assignments:`,
                  `        - state: enforced`,
                  `          groups: [${groups[0].id}]   # ${groups[0].displayName}`,
              ]
            : []),
        ``,
        `Workload identity instead of secrets, as in a GitHub Actions job with id-token: write (the emulator`,
        `plays GitHub's OIDC issuer; the provider app trusts ${CI_OIDC.subject}):`,
        `  unset AZURE_CLIENT_SECRET ARM_CLIENT_SECRET; export ARM_USE_OIDC=true`,
        ...Object.entries(emu.ciRequestEnv()).map(([k, v]) => `  ${exportLine(k, v)}`),
        `  curl -s -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" ` +
            `"$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange" | jq -r .value > /tmp/oidc-token`,
        `  export AZURE_FEDERATED_TOKEN_FILE=/tmp/oidc-token`,
        ``,
        `App registrations: ${tenant.apps.map((a) => `${a.displayName} (${a.appId})`).join(", ")}`,
        `Admin API: ${emu.origin}/_emulator/{state,requests,faults} with header x-emulator-admin-key: ${emu.store.adminKey}`,
        `Act as a portal admin from another shell: npm run emulator -- admin set security-defaults off (or per-user-mfa <upn> <state>);`,
        "with the emulator stopped: npm run emulator -- tenant add <name>, app grant <app> <permission>; npm run emulator -- " +
            "--help lists every command.",
        `Ctrl-C stops it; the tenant is kept in the state directory.`,
    ];
    return lines.join("\n");
}

/** The lines of the paste-ready block of setupText's output (indentation removed). */
export function pasteBlock(text: string): string[] {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => l.startsWith("Paste into a shell")) + 2;
    const end = lines.indexOf("", start);
    return lines.slice(start, end).map((l) => l.replace(/^ {2}/, ""));
}

function isExecutable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

/** The PATH directories of this checkout that exist, and the pulumi that PATH then finds first. */
export function findCli(projectDir: string, envPath = process.env.PATH ?? ""): { pathDirs: string[]; pulumi?: PulumiCli } {
    const pathDirs = [path.join(projectDir, ".tools", "pulumi", "current", "bin"), path.join(projectDir, "node_modules", ".bin")].filter(
        (d) => fs.existsSync(d),
    );
    for (const dir of [...pathDirs, ...envPath.split(path.delimiter).filter(Boolean)]) {
        const candidate = path.join(dir, "pulumi");
        if (isExecutable(candidate)) {
            let about: string | undefined;
            try {
                about = fs.readFileSync(path.join(dir, "BUILD-INFO"), "utf8").split("\n")[0].trim() || undefined;
            } catch {
                about = pathDirs.includes(dir) ? undefined : "found on PATH";
            }
            return { pathDirs, pulumi: { path: candidate, about } };
        }
    }
    return { pathDirs };
}

/** Wrong arguments: EX_USAGE of sysexits.h, as the m365-mfa command's. */
export const USAGE_EXIT = 64;

/** The file a running emulator leaves in its state directory so that admin commands find it (removed when it stops). */
export const RUNNING_FILE = "emulator.json";

/**
 * The drift report's permissions (README, "Permissions": who changed what, AuditLog.Read.All and
 * Directory.Read.All). The provider app of a state directory the emulator command creates holds them, so
 * that the drift report says who changed what out of the box; `app revoke` takes them away again.
 */
export const DRIFT_REPORT_PERMISSIONS = ["AuditLog.Read.All", "Directory.Read.All"] as const;

/**
 * The application permissions the emulator's routes check (Microsoft Graph's, and Exchange Online's
 * Exchange.ManageAsApp); `app grant` refuses any other name.
 */
export const KNOWN_PERMISSIONS = [
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "AuditLog.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "GroupMember.Read.All",
    "Policy.Read.All",
    "Policy.Read.ConditionalAccess",
    "Policy.ReadWrite.AuthenticationMethod",
    "Policy.ReadWrite.ConditionalAccess",
    "Policy.ReadWrite.SecurityDefaults",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
    "User.Read.All",
    "User.ReadWrite.All",
    "User.RevokeSessions.All",
    "UserAuthenticationMethod.Read.All",
    "UserAuthenticationMethod.ReadWrite.All",
    "Exchange.ManageAsApp",
] as const;

const EXCHANGE_PERMISSIONS = new Set(["Exchange.ManageAsApp"]);

/** Grants (or with `revoke`, takes away) an app registration's application permissions; returns what it holds after. */
export function setAppPermissions(
    store: Store,
    tenantId: string,
    appName: string,
    permissions: readonly string[],
    revoke = false,
): { graphRoles: string[]; exchangeRoles: string[] } {
    const tenant = store.tenant(tenantId);
    if (!tenant) throw new Error(`no tenant ${tenantId} in ${store.dir} (tenants: ${store.tenantIds().join(", ")})`);
    const app = tenant.apps.find((a) => a.displayName === appName || a.appId === appName);
    if (!app)
        throw new Error(
            `no app registration "${appName}" in tenant ${tenantId} (apps: ${tenant.apps.map((a) => a.displayName).join(", ")})`,
        );
    return store.mutate(() => {
        for (const p of permissions) {
            const list = EXCHANGE_PERMISSIONS.has(p) ? app.exchangeRoles : app.graphRoles;
            const at = list.indexOf(p);
            if (revoke && at >= 0) list.splice(at, 1);
            if (!revoke && at < 0) list.push(p);
        }
        return { graphRoles: [...app.graphRoles], exchangeRoles: [...app.exchangeRoles] };
    });
}

/** Where output goes; tests capture it. */
export interface EmulatorCliIo {
    out: (s: string) => void;
    err: (s: string) => void;
}

const defaultIo: EmulatorCliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

const PROJECT_DIR = path.resolve(__dirname, "..");

const wholeNumber =
    (min: number, max: number) =>
    (value: string): number => {
        const n = Number(value);
        if (!/^\d+$/.test(value.trim()) || n < min || n > max)
            throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
        return n;
    };

const permission = (value: string, previous: string[] = []): string[] => {
    if (!(KNOWN_PERMISSIONS as readonly string[]).includes(value)) {
        const near = nearest(value, KNOWN_PERMISSIONS);
        throw new InvalidArgumentError(
            `"${value}" is not an application permission the emulator checks${near ? ` (did you mean ${near}?)` : ""}; ` +
                `known: ${KNOWN_PERMISSIONS.join(", ")}.`,
        );
    }
    return [...previous, value];
};

interface Running {
    origin: string;
    pid: number;
}

/** The emulator running on this state directory, if any. */
export function runningEmulator(stateDir: string): Running | undefined {
    try {
        const r = JSON.parse(fs.readFileSync(path.join(stateDir, RUNNING_FILE), "utf8")) as Running;
        return r.pid && isAlive(r.pid) ? r : undefined;
    } catch {
        return undefined;
    }
}

/** Opens the state directory's store for a change; refuses, with the fix, while an emulator serves it. */
function openStore(stateDir: string, what: string): Store {
    const running = runningEmulator(stateDir);
    if (running) {
        throw new Error(
            `the emulator is running on ${running.origin} (pid ${running.pid}) and owns ${stateDir}: stop it (Ctrl-C), run ` +
                `${what} again, then start it`,
        );
    }
    if (!fs.existsSync(path.join(stateDir, "tenants.json"))) {
        throw new Error(
            `no emulator state in ${stateDir}: start the emulator once (npm run emulator -- --state-dir ${stateDir}), or ` +
                "pass the --state-dir it uses",
        );
    }
    try {
        return new Store(stateDir);
    } catch (err) {
        throw new Error(`${err instanceof Error ? err.message : String(err)}: stop it, run ${what} again, then start it`);
    }
}

function withStore<T>(stateDir: string, what: string, f: (store: Store) => T): T {
    const store = openStore(stateDir, what);
    try {
        return f(store);
    } finally {
        store.close();
    }
}

function tenantOf(store: Store, tenant?: string): string {
    if (!tenant) return store.tenantIds()[0];
    const t =
        store.tenant(tenant) ??
        store
            .tenantIds()
            .map((id) => store.tenant(id)!)
            .find((x) => x.displayName === tenant);
    if (!t)
        throw new Error(
            `--tenant: no tenant "${tenant}" (tenants: ${store
                .tenantIds()
                .map((id) => `${store.tenant(id)!.displayName} (${id})`)
                .join(", ")})`,
        );
    return t.tenantId;
}

/** Admin operations against the running emulator: its admin endpoint, and Graph as the portal-admin app. */
async function adminSession(stateDir: string, tenant?: string) {
    const running = runningEmulator(stateDir);
    if (!running)
        throw new Error(
            `no emulator is running on ${stateDir}: start it (npm run emulator -- --state-dir ${stateDir}) in another shell first`,
        );
    const state = JSON.parse(fs.readFileSync(path.join(stateDir, "tenants.json"), "utf8")) as { adminKey: string };
    const ca = fs.readFileSync(path.join(stateDir, "pki", "ca.pem"), "utf8");
    tls.setDefaultCACertificates([...tls.getCACertificates("default"), ca]);
    const res = await fetch(`${running.origin}/_emulator/state`, { headers: { "x-emulator-admin-key": state.adminKey } });
    if (!res.ok) throw new Error(`the emulator's admin endpoint answered ${res.status}`);
    const snapshot = (await res.json()) as {
        tenants: Record<string, { tenantId: string; displayName: string; apps: { displayName: string; appId: string; secret: string }[] }>;
    };
    const tenants = Object.values(snapshot.tenants);
    const t = tenant ? tenants.find((x) => x.tenantId === tenant.toLowerCase() || x.displayName === tenant) : tenants[0];
    if (!t)
        throw new Error(`--tenant: no tenant "${tenant}" (tenants: ${tenants.map((x) => `${x.displayName} (${x.tenantId})`).join(", ")})`);
    const portal = t.apps.find((a) => a.displayName === APPS.portal);
    if (!portal) throw new Error(`tenant ${t.tenantId} has no ${APPS.portal} app`);
    return { tenant: t, graph: portalGraph(running.origin, t.tenantId, portal) };
}

/**
 * Graph as the portal-admin app, with plain requests (the emulator imports nothing from the product, so
 * that it can never agree with the product's client by construction): a client-credentials token from
 * the emulator's token endpoint, then JSON requests; an answer other than 2xx is an error with Graph's
 * code and message.
 */
function portalGraph(origin: string, tenantId: string, app: { appId: string; secret: string }) {
    let token: Promise<string> | undefined;
    const signIn = async () => {
        const body = new URLSearchParams({
            grant_type: "client_credentials",
            client_id: app.appId,
            client_secret: app.secret,
            scope: "https://graph.microsoft.com/.default",
        });
        const res = await fetch(`${origin}/${tenantId}/oauth2/v2.0/token`, { method: "POST", body });
        const json = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
        if (!res.ok || !json.access_token)
            throw new Error(
                `the emulator's token endpoint answered ${res.status}: ${json.error ?? ""} ${json.error_description ?? ""}`.trim(),
            );
        return json.access_token;
    };
    const call = async (method: string, p: string, body?: unknown, opts: { version?: "v1.0" | "beta" } = {}) => {
        token ??= signIn();
        const res = await fetch(`${origin}/${opts.version ?? "v1.0"}${p}`, {
            method,
            headers: { authorization: `Bearer ${await token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
            ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await res.text();
        const json = text ? JSON.parse(text) : undefined;
        if (!res.ok)
            throw new Error(
                `Graph answered ${res.status} to ${method} ${p}: ${json?.error?.code ?? ""} ${json?.error?.message ?? text}`.trim(),
            );
        return json;
    };
    return {
        get: (p: string, opts?: { version?: "v1.0" | "beta" }) => call("GET", p, undefined, opts),
        patch: (p: string, body: unknown, opts?: { version?: "v1.0" | "beta" }) => call("PATCH", p, body, opts),
    };
}

/** The known value nearest to `value` by edit distance, when it is near enough to be a likely typo. */
function nearest(value: string, known: readonly string[]): string | undefined {
    const limit = Math.max(2, Math.floor(value.length / 3));
    const scored = known.map((k) => ({ k, d: distance(value.toLowerCase(), k.toLowerCase()) })).sort((a, b) => a.d - b.d)[0];
    return scored && scored.d <= limit ? scored.k : undefined;
}

export interface StartOptions {
    port: number;
    host: string;
    stateDir: string;
    users?: number;
    seed: number;
    reseed: boolean;
}

/** `start`: refuses (before serving) to reseed a state directory that has a tenant unless --reseed. */
async function start(o: StartOptions, io: EmulatorCliIo): Promise<RunningEmulator> {
    const stateDir = path.resolve(o.stateDir);
    const existing = fs.existsSync(path.join(stateDir, "tenants.json"));
    if (o.users !== undefined && existing && !o.reseed) {
        throw new UsageError(
            `--users ${o.users}: ${stateDir} already has a tenant (its users, settings and the state your stacks were ` +
                "applied to); seeding would replace its users. " +
                `Start without --users to keep it, add --reseed to replace its users, or use a new --state-dir.`,
        );
    }
    const emu = await startEmulator({ stateDir, port: o.port, host: o.host });
    try {
        if (!existing) {
            // A new tenant: the provider app also holds the drift report's permissions (who changed what).
            setAppPermissions(emu.store, emu.defaultTenant().tenantId, APPS.provider, DRIFT_REPORT_PERMISSIONS);
        }
        if (o.users !== undefined) {
            emu.store.seedTenant(emu.defaultTenant().tenantId, o.users, o.seed);
        }
        fs.mkdirSync(backendDir(stateDir), { recursive: true });
        fs.writeFileSync(path.join(stateDir, RUNNING_FILE), `${JSON.stringify({ origin: emu.origin, pid: process.pid })}\n`);
    } catch (err) {
        await emu.stop();
        throw err;
    }
    const inherited = process.env.NODE_EXTRA_CA_CERTS;
    const nodeCaBundle = nodeCaBundlePath(emu.caCertPath);
    const inheritedNodeCa =
        inherited && fs.existsSync(inherited) && ![emu.caCertPath, nodeCaBundle].includes(path.resolve(inherited)) ? inherited : undefined;
    io.out(`${setupText(emu, { projectDir: PROJECT_DIR, stateDir, ...findCli(PROJECT_DIR), nodeCaBundle, inheritedNodeCa })}\n`);
    return emu;
}

/** A usage error found after parsing (exit 64). */
class UsageError extends Error {}

/**
 * The emulator's command. `onStarted` receives the running emulator of `start` (the process then
 * serves until a signal); `setExitCode` what other commands' actions return.
 */
export function buildEmulatorCli(io: EmulatorCliIo = defaultIo, onStarted: (emu: RunningEmulator) => void = () => {}): Command {
    const program = new Command("m365-mfa-emulator")
        .description(
            "The local tenant emulator of m365-mfa: Entra ID sign-in, Microsoft Graph and Exchange Online's admin endpoint " +
                "on one HTTPS origin.",
        )
        .helpOption("-h, --help", "show help")
        .addHelpCommand(false)
        .enablePositionalOptions()
        .showHelpAfterError("(add --help for the options)")
        .configureOutput({ writeOut: io.out, writeErr: io.err })
        .exitOverride();
    const stateDirOption = () =>
        new Option("--state-dir <dir>", "the emulator's state directory").default(
            path.join(PROJECT_DIR, ".emulator"),
            ".emulator in the checkout",
        );
    const tenantOption = () => new Option("--tenant <id>", "the tenant (id or display name; default the first)");

    program
        .command("start", { isDefault: true })
        .summary("run the emulator in the foreground (the default command)")
        .description(
            "Run the emulator in the foreground and print the setup to paste into a shell. A new state directory gets a " +
                "tenant of 25 users;\n" +
                "--users seeds another size, and on a state directory that already has a tenant only with --reseed (which " +
                "replaces its users).",
        )
        .addOption(new Option("--port <port>", "the HTTPS port (0 picks a free one)").argParser(wholeNumber(0, 65535)).default(8443))
        .option("--host <address>", "the address to listen on", "127.0.0.1")
        .addOption(stateDirOption())
        .addOption(new Option("--users <n>", "seed the default tenant with this many users").argParser(wholeNumber(1, 200_000)))
        .addOption(
            new Option("--seed <n>", "the seed of the generated users (with --users)").argParser(wholeNumber(0, 2 ** 31 - 1)).default(1),
        )
        .option("--reseed", "with --users: replace the users of a state directory that already has a tenant", false)
        .action(async (o, cmd: Command) => {
            if (o.reseed && o.users === undefined) cmd.error("error: --reseed needs --users <n>", { exitCode: USAGE_EXIT });
            if (cmd.getOptionValueSource("seed") === "cli" && o.users === undefined)
                cmd.error("error: --seed needs --users <n>", { exitCode: USAGE_EXIT });
            onStarted(
                await start({ port: o.port, host: o.host, stateDir: o.stateDir, users: o.users, seed: o.seed, reseed: o.reseed }, io),
            );
        });

    const tenant = program.command("tenant").summary("add or list the emulator's tenants (emulator stopped for add)").addHelpCommand(false);
    tenant
        .command("add")
        .description("Add a tenant to the state directory (with the same app registrations as the first); the emulator must be stopped.")
        .argument("<name>", 'its display name, e.g. "Fabrikam (emulated)"')
        .addOption(new Option("--users <n>", "seed it with this many users (default 25)").argParser(wholeNumber(1, 200_000)).default(25))
        .addOption(new Option("--seed <n>", "the seed of the generated users").argParser(wholeNumber(0, 2 ** 31 - 1)).default(1))
        .addOption(stateDirOption())
        .action((name: string, o) => {
            const dir = path.resolve(o.stateDir);
            withStore(dir, "tenant add", (store) => {
                const t = store.addTenant(name);
                setAppPermissions(store, t.tenantId, APPS.provider, DRIFT_REPORT_PERMISSIONS);
                store.seedTenant(t.tenantId, o.users, o.seed);
                io.out(`tenant ${t.displayName}: ${t.tenantId}, ${store.directory(t.tenantId).userCount} users (in ${dir})\n`);
                io.out(
                    `Its apps: ${t.apps.map((a) => `${a.displayName} (${a.appId})`).join(", ")}. The emulator prints the ` +
                        `environment for the first tenant; for this one use AZURE_TENANT_ID=${t.tenantId} and its apps.\n`,
                );
            });
        });
    tenant
        .command("set")
        .description(
            "Set how a tenant behaves where tenants differ and Microsoft does not document it; the emulator must be stopped. " +
                "per-user-mfa-on-list: whether GET /users serves perUserMfaState (refused, the default: not in Graph's " +
                "metadata; served, as CIPP-API reads it; ignored; unknownFutureValue). sign-in-or, audit-or: whether the " +
                "sign-in log and the directory audit log take `or` in $filter (refused, the default: their pages do not list " +
                "it; accepted, as peers' code sends it).",
        )
        .addArgument(new Argument("<behaviour>", "what to set").choices(Object.keys(TENANT_BEHAVIOURS)))
        .argument("<value>", "its value (see above)")
        .addOption(tenantOption())
        .addOption(stateDirOption())
        .action((behaviour: keyof typeof TENANT_BEHAVIOURS, value: string, o) => {
            const { field, values } = TENANT_BEHAVIOURS[behaviour];
            if (!(values as readonly string[]).includes(value))
                throw new UsageError(`${behaviour}: "${value}" is not one of ${values.join(", ")}`);
            const dir = path.resolve(o.stateDir);
            withStore(dir, "tenant set", (store) => {
                const t = store.tenant(tenantOf(store, o.tenant))!;
                store.mutate(() => ((t as unknown as Record<string, string>)[field] = value));
                io.out(`tenant ${t.displayName}: ${behaviour} ${value} (in ${dir})\n`);
            });
        });
    tenant
        .command("list")
        .description("List the tenants of the state directory.")
        .addOption(stateDirOption())
        .action((o) => {
            const dir = path.resolve(o.stateDir);
            const state = JSON.parse(fs.readFileSync(path.join(dir, "tenants.json"), "utf8")) as {
                tenants: Record<string, { tenantId: string; displayName: string }>;
            };
            for (const t of Object.values(state.tenants)) io.out(`${t.tenantId}  ${t.displayName}\n`);
        });

    const app = program
        .command("app")
        .summary("grant, revoke or list app registrations' application permissions (emulator stopped for grant and revoke)")
        .addHelpCommand(false);
    for (const verb of ["grant", "revoke"] as const) {
        app.command(verb)
            .description(
                `${verb === "grant" ? "Grant" : "Revoke"} application permissions of an app registration (admin consent), ` +
                    `e.g. ${verb} m365-mfa-provider Directory.Read.All; the emulator must be stopped.`,
            )
            .argument("<app>", `the app registration's display name or app id (${Object.values(APPS).join(", ")})`)
            .argument("<permission...>", "Microsoft Graph application permissions, or Exchange.ManageAsApp", permission)
            .addOption(tenantOption())
            .addOption(stateDirOption())
            .action((appName: string, permissions: string[], o) => {
                const dir = path.resolve(o.stateDir);
                withStore(dir, `app ${verb}`, (store) => {
                    const held = setAppPermissions(store, tenantOf(store, o.tenant), appName, permissions, verb === "revoke");
                    io.out(`${appName}: ${[...held.graphRoles, ...held.exchangeRoles].join(", ") || "no application permissions"}\n`);
                });
            });
    }
    app.command("list")
        .description("List the app registrations of a tenant and their application permissions.")
        .addOption(tenantOption())
        .addOption(stateDirOption())
        .action((o) => {
            const dir = path.resolve(o.stateDir);
            const state = JSON.parse(fs.readFileSync(path.join(dir, "tenants.json"), "utf8")) as {
                tenants: Record<
                    string,
                    {
                        tenantId: string;
                        displayName: string;
                        apps: { displayName: string; appId: string; graphRoles: string[]; exchangeRoles: string[] }[];
                    }
                >;
            };
            const tenants = Object.values(state.tenants);
            const t = o.tenant
                ? tenants.find((x) => x.tenantId === String(o.tenant).toLowerCase() || x.displayName === o.tenant)
                : tenants[0];
            if (!t) throw new UsageError(`--tenant: no tenant "${o.tenant}"`);
            for (const a of t.apps) io.out(`${a.displayName} (${a.appId}): ${[...a.graphRoles, ...a.exchangeRoles].join(", ") || "-"}\n`);
        });

    const admin = program
        .command("admin")
        .summary("act as an administrator in the portals (portal-admin app) on the running emulator")
        .addHelpCommand(false);
    const set = admin
        .command("set")
        .description(
            "Change a setting of the running emulator's tenant as a portal admin would: a plain Graph call as the " +
                "portal-admin app, recorded in the directory audit log as that app's.",
        )
        .addHelpCommand(false);
    set.command("security-defaults")
        .description("Switch security defaults on or off (PATCH /policies/identitySecurityDefaultsEnforcementPolicy).")
        .addArgument(new Argument("<state>", "on or off").choices(["on", "off"]))
        .addOption(tenantOption())
        .addOption(stateDirOption())
        .action(async (state: string, o) => {
            const { tenant: t, graph } = await adminSession(path.resolve(o.stateDir), o.tenant);
            await graph.patch("/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: state === "on" });
            io.out(`${t.displayName}: security defaults ${state} (as ${APPS.portal})\n`);
        });
    set.command("per-user-mfa")
        .description("Set a user's per-user MFA state (PATCH /users/{id}/authentication/requirements, beta).")
        .argument("<user>", "the user's principal name or object id")
        .addArgument(new Argument("<state>", "the per-user MFA state").choices(["disabled", "enabled", "enforced"]))
        .addOption(tenantOption())
        .addOption(stateDirOption())
        .action(async (user: string, state: string, o) => {
            const { tenant: t, graph } = await adminSession(path.resolve(o.stateDir), o.tenant);
            const found = (await graph.get(`/users/${encodeURIComponent(user)}?$select=id,userPrincipalName`)) as {
                id: string;
                userPrincipalName: string;
            };
            await graph.patch(`/users/${found.id}/authentication/requirements`, { perUserMfaState: state }, { version: "beta" });
            io.out(`${t.displayName}: ${found.userPrincipalName} per-user MFA ${state} (as ${APPS.portal})\n`);
        });

    for (const cmd of [...program.commands, ...tenant.commands, ...app.commands, ...admin.commands, ...set.commands]) {
        cmd.helpOption("-h, --help", "show help").showHelpAfterError("(add --help for the options)");
    }
    return program;
}

/** Runs the command (arguments without node and the script); resolves to the exit code, or to undefined once `start` serves. */
export async function emulatorMain(
    args: string[],
    io: EmulatorCliIo = defaultIo,
    onStarted?: (emu: RunningEmulator) => void,
): Promise<number | undefined> {
    let started = false;
    const program = buildEmulatorCli(io, (emu) => {
        started = true;
        onStarted?.(emu);
    });
    try {
        await program.parseAsync(args, { from: "user" });
        return started ? undefined : 0;
    } catch (err) {
        if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : USAGE_EXIT;
        io.err(`m365-mfa-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
        return err instanceof UsageError ? USAGE_EXIT : 1;
    }
}

if (require.main === module) {
    emulatorMain(process.argv.slice(2), defaultIo, (emu) => {
        const stop = async () => {
            try {
                fs.rmSync(path.join(emu.store.dir, RUNNING_FILE), { force: true });
            } finally {
                await emu.stop();
                process.exit(0);
            }
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
    }).then(
        (code) => {
            if (code !== undefined) process.stdout.write("", () => process.exit(code));
        },
        (err) => {
            console.error(`m365-mfa-emulator: ${err instanceof Error ? err.message : err}`);
            process.exit(1);
        },
    );
}
