/**
 * A warning for the pipeline commands: Pulumi's own verbose logging (`-v=9 --logtostderr`, or the
 * same through PULUMI_OPTION_* environment variables, Pulumi 3.208+) prints the providers' decrypted
 * configure inputs, so a client secret kept in stack config ends up in the CI log. The commands warn
 * when both hold; they do not refuse (debugging a pipeline is legitimate), and never print the secret.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const TRUE = (v: string | undefined) => v !== undefined && v !== "" && !/^(0|false|no|off)$/i.test(v.trim());

/**
 * Where verbose engine or provider logging is switched on for the pulumi the commands run, in words
 * ("PULUMI_OPTION_VERBOSE=9"); empty when off. The commands pass no flags of their own through to
 * pulumi (only --stack, --config-file and --policy-pack), so only the environment can switch it on.
 */
export function verboseLoggingSources(env: NodeJS.ProcessEnv): string[] {
    const out: string[] = [];
    // Every CLI flag can be set as PULUMI_OPTION_<FLAG> (Pulumi 3.208.0+); these are the logging ones.
    for (const name of ["PULUMI_OPTION_VERBOSE", "PULUMI_OPTION_V", "PULUMI_OPTION_LOGTOSTDERR", "PULUMI_OPTION_LOGFLOW"]) {
        if (TRUE(env[name])) {
            out.push(`${name}=${env[name]}`);
        }
    }
    // The gRPC log has every request to the providers, configure's inputs included.
    if (TRUE(env.PULUMI_DEBUG_GRPC)) {
        out.push(`PULUMI_DEBUG_GRPC=${env.PULUMI_DEBUG_GRPC}`);
    }
    // Bridged providers (azuread for Conditional Access) log HTTP requests and answers with TF_LOG.
    if (env.TF_LOG && /^(trace|debug|json)$/i.test(env.TF_LOG.trim())) {
        out.push(`TF_LOG=${env.TF_LOG}`);
    }
    return out;
}

/** Whether the stack's config file holds m365-mfa:clientSecret, and whether it is encrypted (secure:). */
export function stackConfigSecret(configFile: string): { present: boolean; encrypted: boolean } {
    let text: string;
    try {
        text = fs.readFileSync(configFile, "utf8");
    } catch {
        return { present: false, encrypted: false };
    }
    const m = /^\s*["']?m365-mfa:clientSecret["']?\s*:(.*(?:\r?\n[ \t]+\S.*)?)/m.exec(text);
    if (!m) {
        return { present: false, encrypted: false };
    }
    return { present: true, encrypted: /\bsecure\s*:/.test(m[1]) };
}

/** The stack config file a command uses: --config-file, else Pulumi.<stack>.yaml in the project directory. */
export function configFileOf(argv: readonly string[], cwd: string = process.cwd()): string | undefined {
    const at = (name: string) => {
        const i = argv.indexOf(`--${name}`);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const explicit = at("config-file");
    if (explicit) {
        return path.resolve(cwd, explicit);
    }
    const stack = at("stack");
    return stack ? path.join(cwd, `Pulumi.${stack.split("/").pop()}.yaml`) : undefined;
}

/** The warning to print, or undefined when verbose logging is off or no secret is in stack config. */
export function verboseSecretWarning(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string = process.cwd()): string | undefined {
    const sources = verboseLoggingSources(env);
    const file = configFileOf(argv, cwd);
    if (!sources.length || !file) {
        return undefined;
    }
    const secret = stackConfigSecret(file);
    if (!secret.present) {
        return undefined;
    }
    return (
        `warning: verbose engine logging is on (${sources.join(", ")}) while m365-mfa:clientSecret is in the stack config ` +
        `(${path.basename(file)}${secret.encrypted ? ", encrypted" : ", in plain text"}). Pulumi's verbose logs print the providers' ` +
        `decrypted configure inputs, so this job's log will contain the client secret. Turn verbose logging off, or move the ` +
        `credential out of stack config: workload identity federation (AZURE_FEDERATED_TOKEN_FILE, no secret at all) or the ` +
        `AZURE_CLIENT_SECRET environment variable from the CI system's secret store; then rotate the secret if a log was kept.`
    );
}
