#!/usr/bin/env node
/**
 * The m365-mfa command: one entry point for the package's commands, each with its own --help.
 *
 *   m365-mfa drift         --stack S [--report-dir DIR] [--remediate] [--config-file F]
 *   m365-mfa pr-summary    --stack S [--out F] [--from-json F] [--config-file F] [--policy-pack DIR [--policy-pack-config F]]
 *   m365-mfa export        [--format yaml|json] [--out F] [--include KEY,...] [--break-glass UPN,...]
 *   m365-mfa readiness     [--format table|markdown|json] [--window-days N] [--out F] [--users a@x,b@x]
 *   m365-mfa multi-tenant --tenants F [--baseline F] [--operation preview|up|drift] [--parallel N] [--project DIR] [--state-dir DIR]
 *   [--report-dir DIR] [--only a,b] [--json]
 *   m365-mfa multi-tenant-report --from DIR [--out-dir DIR] [--tenants F] [--json]
 *   m365-mfa matrix        --tenants F [--shards N] [--max-per-shard N] [--github-output F]
 *
 * Installed, it is `bin` m365-mfa (dist/cli.js, compiled); in a checkout, `npm run <command> -- ...`.
 * Exit codes: 0 done (drift: no drift), 1 the command failed (sign-in refused, Graph down, a tenant
 * failed), 2 drift found and not repaired (drift), 3 only pending changes (drift), 4 drift found and
 * repaired (drift --remediate), 64 the arguments were wrong (an unknown option, a bad value).
 *
 * Only this file parses arguments; each command is a function taking parsed options, loaded when it
 * runs, so that `--help` starts at once.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";

/** Wrong arguments: EX_USAGE of sysexits.h, apart from drift's 2 (drift found), 3 (pending) and 4 (repaired). */
export const USAGE_EXIT = 64;

/** Where output goes; tests capture it. */
export interface CliIo {
    out: (s: string) => void;
    err: (s: string) => void;
}

const defaultIo: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

function version(): string {
    // cli.ts at the package root, or dist/cli.js one level below it.
    for (const dir of [__dirname, path.dirname(__dirname)]) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file)) {
            const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
            if (pkg.name === "m365-mfa") return pkg.version;
        }
    }
    return "unknown";
}

const list = (value: string): string[] =>
    value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);

const wholeNumber =
    (min: number, max: number, why = "") =>
    (value: string): number => {
        const n = Number(value);
        if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
            throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}${why}.`);
        }
        return n;
    };

/** The m365-mfa command. `setExitCode` receives what each command's action returns. */
export function buildCli(io: CliIo = defaultIo, setExitCode: (code: number) => void = () => {}): Command {
    const program = new Command("m365-mfa")
        .description("The MFA posture of a Microsoft 365 / Entra ID tenant, as code: pipeline and adoption commands.")
        .version(version(), "-V, --version", "print the package version")
        .helpOption("-h, --help", "show help")
        .addHelpCommand(false)
        .showHelpAfterError("(add --help for the options)")
        .configureOutput({ writeOut: io.out, writeErr: io.err })
        .exitOverride();
    program.addHelpText(
        "after",
        `
Each command has its own --help, e.g. m365-mfa drift --help.
Credentials come from the environment (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or
AZURE_FEDERATED_TOKEN_FILE) or, for drift and pr-summary, from the stack's config.
Exit codes: 0 done, 1 the command failed, 2 drift found and not repaired (drift), 3 only pending changes (drift),
4 drift found and repaired (drift --remediate), 64 wrong arguments.`,
    );

    program
        .command("drift")
        .summary(
            "check that the tenant still matches the stack; exit 2 with a report when it drifted, 3 when only the stack " +
                "changed, 4 when drift was repaired",
        )
        .description(
            "Check whether the live tenant still matches the stack (pulumi preview --refresh): writes drift-report.md and " +
                "drift-report.json\n" +
                "(what drifted, expected and found; who changed it and when, from the directory audit log).\n" +
                "Changes nothing unless --remediate, which first writes the drift it found to the report, then runs pulumi " +
                "up --refresh and checks again;\n" +
                "it repairs drift only, and refuses while the stack has pending changes.",
        )
        .addHelpText(
            "after",
            `
Exit codes:
  0   no drift: the tenant matches what was last applied
  1   the check failed (sign-in refused, Graph down; never a false clean), or the repair failed (the report keeps the drift found)
  2   drift found, not repaired (without --remediate, or the check after the repair still found drift)
  3   no drift, but the stack has changes not applied yet (pending)
  4   drift found and repaired (--remediate): the report keeps what drifted, who changed it and when
  64  wrong arguments`,
        )
        .requiredOption("--stack <stack>", "the Pulumi stack to check (required)")
        .option("--config-file <file>", "the stack's config file (default Pulumi.<stack>.yaml)")
        .option("--report-dir <dir>", "where drift-report.md and drift-report.json are written", ".")
        .option(
            "--remediate",
            "when drift is found: write it to the report, run pulumi up --refresh to restore what was last applied, check " +
                "again (exit 4 when repaired)",
            false,
        )
        .action(async (o) => {
            const { drift } = await import("./pipelines/cli");
            setExitCode(await drift({ stack: o.stack, configFile: o.configFile, reportDir: o.reportDir, remediate: o.remediate }));
        });

    program
        .command("pr-summary")
        .summary("Markdown for a pull-request comment from pulumi preview")
        .description(
            "Markdown for a pull-request comment from pulumi preview --refresh --json: every setting's change, per-user MFA " +
                "by transition, readiness warnings, policy findings.\nExit 1 (after writing the comment) when the preview itself " +
                "failed, e.g. a guard refused the plan.",
        )
        .option("--stack <stack>", "the Pulumi stack to preview (required unless --from-json)")
        .option("--config-file <file>", "the stack's config file (default Pulumi.<stack>.yaml)")
        .option("--out <file>", "write the comment to this file (default stdout)")
        .option(
            "--full-list <file>",
            "write every user of every change to this file (upload it as an artifact: the comment points to it when its " +
                "lists are too long for GitHub)",
        )
        .option("--from-json <file>", "use a saved pulumi preview --refresh --json output instead of running a preview")
        .option("--policy-pack <dir>", "run the preview with this policy pack and include its findings (e.g. policies)")
        .option("--policy-pack-config <file>", "the policy pack's configuration (with --policy-pack)")
        .action(async (o, cmd: Command) => {
            if (!o.stack && !o.fromJson) cmd.error("error: --stack <stack> is required (or --from-json <file>)", { exitCode: USAGE_EXIT });
            if (o.policyPackConfig && !o.policyPack) cmd.error("error: --policy-pack-config needs --policy-pack", { exitCode: USAGE_EXIT });
            const { prSummary } = await import("./pipelines/cli");
            setExitCode(
                await prSummary({
                    stack: o.stack,
                    configFile: o.configFile,
                    out: o.out,
                    fullList: o.fullList,
                    fromJson: o.fromJson,
                    policyPack: o.policyPack,
                    policyPackConfig: o.policyPackConfig,
                }),
            );
        });

    program
        .command("export")
        .summary("write the live tenant's posture as m365-mfa:baseline stack config")
        .description(
            "Write the live tenant's MFA posture as m365-mfa:baseline stack config, so that the first pulumi up changes " +
                "nothing (pulumi import does not work for dynamic resources).",
        )
        .addOption(new Option("--format <format>", "output format").choices(["yaml", "json"]).default("yaml"))
        .option("--out <file>", "write to this file (default stdout)")
        .option(
            "--include <keys>",
            "comma-separated keys of m365-mfa:baseline to export (default every setting with tenant state; see the README)",
            list,
        )
        .option(
            "--break-glass <upns>",
            "comma-separated break-glass accounts the adopted Conditional Access policies must exclude (default: the " +
                "accounts they exclude)",
            list,
        )
        .action(async (o, cmd: Command) => {
            const { EXPORTABLE, exportCommand } = await import("./adoption/export");
            const unknown = (o.include ?? []).filter((i: string) => !(EXPORTABLE as readonly string[]).includes(i));
            if (unknown.length)
                cmd.error(`error: --include: unknown setting "${unknown[0]}" (known: ${EXPORTABLE.join(", ")})`, { exitCode: USAGE_EXIT });
            await exportCommand({ format: o.format, out: o.out, include: o.include, breakGlass: o.breakGlass });
        });

    program
        .command("readiness")
        .summary("who would break if MFA were enforced now")
        .description(
            "Who would break if MFA were enforced now: users still signing in with legacy protocols, users with no MFA " +
                "method registered (admins marked); " +
                "and before Microsoft turns Basic SMTP AUTH off (end of December 2026; removal in the second half of 2027): " +
                "who still sends with it, the mailboxes kept on apart.",
        )
        .addOption(new Option("--format <format>", "output format").choices(["table", "markdown", "json"]).default("table"))
        .option("--window-days <days>", "days of sign-in logs to read, 1 to 30", wholeNumber(1, 30, " (sign-in logs are kept 30 days)"), 30)
        .option("--out <file>", "write the report to this file (default stdout)")
        .option("--users <upns>", "comma-separated user principal names to assess (default every user)", list)
        .action(async (o) => {
            const { readinessCommand } = await import("./readiness/cli");
            await readinessCommand({ format: o.format, windowDays: o.windowDays, out: o.out, users: o.users });
        });

    program
        .command("multi-tenant")
        .summary("preview, apply or check drift of one baseline over many tenants (Automation API)")
        .description(
            "One baseline over many tenants with Pulumi's Automation API: one stack per tenant (m365-mfa-<name>), each with " +
                "its own overrides and credential;\n" +
                "the tenants file is checked whole before any tenant runs. A result per tenant and a roll-up (--report-dir: " +
                "summary.md, summary.json, tenants/<name>.json|md);\n" +
                "one tenant's failure never stops the others. Each stack's config is kept in the state directory, never in the project.\n" +
                "Exit 0: every tenant done (drift: clean). Exit 1: a tenant failed. Exit 2: a tenant drifted (drift). Exit " +
                "3: only pending changes (drift).",
        )
        .requiredOption(
            "--tenants <file>",
            "the tenants file, YAML or JSON: { baseline?, defaults?, tenants: [{ name, tenantId, clientId?, clientSecretEnv? " +
                "| federatedTokenFile?, overrides?, ... }] } (required)",
        )
        .option("--baseline <file>", "the m365-mfa:baseline for every tenant, when the tenants file has no baseline: key")
        .addOption(
            new Option("--operation <operation>", "what to run on each stack (drift: preview --refresh, drift vs pending)")
                .choices(["preview", "up", "drift"])
                .default("preview"),
        )
        .option("--parallel <n>", "tenants at a time", wholeNumber(1, 64), 4)
        .option("--project <dir>", "the Pulumi project directory (default the working directory)")
        .option(
            "--state-dir <dir>",
            "where each tenant's stack config is kept (default <file backend>/m365-mfa-stacks, else $PULUMI_HOME/m365-mfa-stacks)",
        )
        .option(
            "--report-dir <dir>",
            "write the roll-up (summary.md, summary.json) and each tenant's result (tenants/<name>.json, drift report .md) here",
        )
        .option("--only <names>", "comma-separated tenant names to run (e.g. one matrix job's tenant)", list)
        .option("--json", "print the roll-up as JSON instead of a table", false)
        .action(async (o) => {
            const { multiTenantCommand } = await import("./multitenant/run");
            setExitCode(
                await multiTenantCommand(
                    {
                        tenants: o.tenants,
                        baseline: o.baseline,
                        operation: o.operation,
                        parallel: o.parallel,
                        project: o.project,
                        stateDir: o.stateDir,
                        reportDir: o.reportDir,
                        only: o.only,
                        json: o.json,
                    },
                    io.out,
                ),
            );
        });

    program
        .command("multi-tenant-report")
        .summary("combine per-tenant results (e.g. of matrix jobs) into one roll-up")
        .description(
            "Combine the results of multi-tenant runs (every tenants/<name>.json under --from, e.g. the downloaded artifacts " +
                "of a matrix's jobs) into one roll-up in Markdown and JSON.\nA tenant with two results is an error; with " +
                "--tenants, a tenant without a result counts as failed. Exit codes as multi-tenant's.",
        )
        .requiredOption("--from <dir>", "the directory holding the runs' report directories (required)")
        .option("--out-dir <dir>", "write summary.md and summary.json here")
        .option("--tenants <file>", "the tenants file: every tenant in it must have a result")
        .option("--json", "print the roll-up as JSON instead of Markdown", false)
        .action(async (o) => {
            const { reportCommand } = await import("./multitenant/report");
            const expect = o.tenants
                ? (await import("./multitenant/tenants")).loadTenants(o.tenants).tenants.map((t) => t.name)
                : undefined;
            setExitCode(reportCommand({ from: o.from, outDir: o.outDir, expect, json: o.json }, io.out));
        });

    program
        .command("matrix")
        .summary("the tenants file as GitHub Actions matrices (one job per tenant, at most 256 per matrix)")
        .description(
            "Print the tenants file as GitHub Actions matrices: { tenants, shardSize, shards: [{ include: [{ tenant, stack " +
                "}] }] }, each shard at most 256 jobs (GitHub's limit per matrix).\nThe tenants file is validated first, as " +
                "multi-tenant does. With --github-output, also writes matrix, shards, shard<i> and size<i> for the shard jobs of " +
                "the workflow.",
        )
        .requiredOption("--tenants <file>", "the tenants file (required)")
        .option("--baseline <file>", "the baseline, when the tenants file has none (for validation)")
        .option("--shards <n>", "the number of shard jobs the workflow declares (default: as many as needed)", wholeNumber(1, 1000))
        .option("--max-per-shard <n>", "jobs per matrix", wholeNumber(1, 256), 256)
        .option("--github-output <file>", "append the step outputs to this file (the job's $GITHUB_OUTPUT)")
        .action(async (o) => {
            const { matrixCommand } = await import("./multitenant/matrix");
            setExitCode(
                await matrixCommand(
                    {
                        tenants: o.tenants,
                        baseline: o.baseline,
                        shards: o.shards,
                        maxPerShard: o.maxPerShard,
                        githubOutput: o.githubOutput,
                    },
                    io.out,
                ),
            );
        });

    for (const cmd of program.commands) {
        cmd.helpOption("-h, --help", "show help").showHelpAfterError(`(run m365-mfa ${cmd.name()} --help for its options)`);
    }
    return program;
}

/** Runs the command with these arguments (without node and the script); resolves to the exit code. */
export async function main(args: string[], io: CliIo = defaultIo): Promise<number> {
    let code = 0;
    const program = buildCli(io, (c) => (code = c));
    let command = args[0] ?? "";
    try {
        if (!args.length) {
            program.outputHelp({ error: true });
            return USAGE_EXIT;
        }
        await program.parseAsync(args, { from: "user" });
        return code;
    } catch (err) {
        if (err instanceof CommanderError) {
            // --help and --version end here with 0; a usage error was already printed by commander.
            return err.exitCode === 0 ? 0 : USAGE_EXIT;
        }
        command = program.commands.some((c) => c.name() === command) ? command : "";
        // Errors name what failed, never the credential or a token.
        const { redact } = await import("./client/errors");
        const message = redact(err instanceof Error ? err.message : String(err), [process.env.AZURE_CLIENT_SECRET]);
        io.err(`m365-mfa${command ? ` ${command}` : ""}: ${message}\n`);
        return 1;
    }
}

/** main, then exit with its code (after stdout has drained). */
export function run(args: string[] = process.argv.slice(2)): void {
    // `m365-mfa --help | head`: a closed pipe is not an error.
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
        if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
        throw err;
    });
    main(args).then(
        (code) => {
            process.exitCode = code;
            // Some clients keep sockets or timers open; the command is done.
            process.stdout.write("", () => process.exit(code));
        },
        (err) => {
            console.error(err);
            process.exit(1);
        },
    );
}

if (require.main === module) {
    run();
}
