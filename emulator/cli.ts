/**
 * npm run emulator [-- --port 8443 --state-dir .emulator --users 5000 --seed 1]
 *
 * Runs the tenant emulator in the foreground and prints a setup to paste into a shell: the Pulumi
 * backend and passphrase, the CLI's PATH, the environment that points m365-mfa and the azuread
 * provider at the emulator (with its CA added to the trust the shell already has), the dev stack,
 * and the tenant's groups and break-glass accounts for the stack's config.
 */
import * as fs from "fs";
import * as path from "path";
import { nodeCaBundlePath } from "./pki";
import { RunningEmulator, startEmulator } from "./server";
import { APPS, CI_OIDC } from "./store";

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

export type EmulatorView = Pick<RunningEmulator, "origin" | "store" | "defaultTenant" | "directory" | "env" | "azureadEnv" | "ciRequestEnv">;

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
    return [...emu.directory().users.values()].filter((u) => u.breakGlass).map((u) => ({ id: u.id, userPrincipalName: u.userPrincipalName }));
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
        : `# NODE_EXTRA_CA_CERTS: the emulator's CA, for Node (Node's own roots stay trusted); SSL_CERT_FILE: the system's CAs and it, for Go`;

    const paste = [
        `cd ${shellQuote(options.projectDir)}`,
        `# Pulumi state in a local file backend beside the emulator's (throw-away passphrase; Pulumi.${stack}.yaml's encryptionsalt is made with it)`,
        exportLine("PULUMI_BACKEND_URL", `file://${backendDir(options.stateDir)}`),
        exportLine("PULUMI_CONFIG_PASSPHRASE", LOCAL_PASSPHRASE),
        `# the engine and Node.js 24 this repository set up (${options.pathDirs.length ? options.pathDirs.join(", ") : "none found"})`,
        ...(pathLine ? [pathLine] : []),
        pulumiNote,
        `# m365-mfa's dynamic providers (@azure/identity, Graph, Exchange) as ${APPS.provider}, with the emulator's throw-away secret`,
        ...Object.entries(env).filter(([k]) => k !== "NODE_EXTRA_CA_CERTS").map(([k, v]) => exportLine(k, v)),
        `# the azuread provider (Conditional Access): a custom cloud by metadata host`,
        ...Object.entries(azuread).filter(([k]) => k !== "SSL_CERT_FILE").map(([k, v]) => exportLine(k, v)),
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
            ? [`    perUserMfa:`, `      assignments:`, `        - state: enforced`, `          groups: [${groups[0].id}]   # ${groups[0].displayName}`]
            : []),
        ``,
        `Workload identity instead of secrets, as in a GitHub Actions job with id-token: write (the emulator`,
        `plays GitHub's OIDC issuer; the provider app trusts ${CI_OIDC.subject}):`,
        `  unset AZURE_CLIENT_SECRET ARM_CLIENT_SECRET; export ARM_USE_OIDC=true`,
        ...Object.entries(emu.ciRequestEnv()).map(([k, v]) => `  ${exportLine(k, v)}`),
        `  curl -s -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange" | jq -r .value > /tmp/oidc-token`,
        `  export AZURE_FEDERATED_TOKEN_FILE=/tmp/oidc-token`,
        ``,
        `App registrations: ${tenant.apps.map((a) => `${a.displayName} (${a.appId})`).join(", ")}`,
        `Admin API: ${emu.origin}/_emulator/{state,requests,faults} with header x-emulator-admin-key: ${emu.store.adminKey}`,
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
    const pathDirs = [path.join(projectDir, ".tools", "pulumi", "current", "bin"), path.join(projectDir, "node_modules", ".bin")].filter((d) => fs.existsSync(d));
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

function arg(name: string, fallback: string): string {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main() {
    const projectDir = path.resolve(__dirname, "..");
    const stateDir = path.resolve(arg("state-dir", path.join(projectDir, ".emulator")));
    const port = Number(arg("port", "8443"));
    const emu = await startEmulator({ stateDir, port });
    const users = process.argv.includes("--users") ? Number(arg("users", "25")) : undefined;
    if (users !== undefined) {
        emu.store.seedTenant(emu.defaultTenant().tenantId, users, Number(arg("seed", "1")));
    }
    fs.mkdirSync(backendDir(stateDir), { recursive: true });
    const inherited = process.env.NODE_EXTRA_CA_CERTS;
    const nodeCaBundle = nodeCaBundlePath(emu.caCertPath);
    const inheritedNodeCa = inherited && fs.existsSync(inherited) && ![emu.caCertPath, nodeCaBundle].includes(path.resolve(inherited)) ? inherited : undefined;
    console.log(setupText(emu, { projectDir, stateDir, ...findCli(projectDir), nodeCaBundle, inheritedNodeCa }));
    const stop = async () => {
        await emu.stop();
        process.exit(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
}

if (require.main === module) {
    main().catch((err) => {
        console.error(`emulator: ${err instanceof Error ? err.message : err}`);
        process.exit(1);
    });
}
