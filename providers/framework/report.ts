import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Long lists in messages: a message names the count and the first few entries, whatever the size of
 * the input, and the full list goes to a file whose path the message gives. A preview that refuses
 * 3,000 users stays a screenful; the file has every one of them.
 */
export const REPORT_NAMES = 10;

/** Where full lists are written: $M365_MFA_REPORT_DIR, or m365-mfa/ under the OS temp directory. */
export function reportDir(): string {
    return process.env.M365_MFA_REPORT_DIR || path.join(os.tmpdir(), "m365-mfa");
}

/**
 * "a, b, c" for a short list; for a longer one "a, b, ... (first 10) and 2990 more; the full list of
 * 3000 <what>: <file>". `what` names the entries (e.g. "unknown users") and the file.
 */
export function nameList(names: readonly string[], what = "names", first = REPORT_NAMES): string {
    if (names.length <= first) {
        return names.join(", ");
    }
    const shown = `${names.slice(0, first).join(", ")} and ${names.length - first} more`;
    const file = writeReport(what, names);
    return file
        ? `${shown}; the full list of ${names.length} ${what}: ${file}`
        : `${shown} (the full list could not be written to ${reportDir()})`;
}

/** Writes one entry per line to a new file under reportDir(); returns its path, or undefined when it cannot. */
export function writeReport(what: string, lines: readonly string[]): string | undefined {
    try {
        const dir = reportDir();
        fs.mkdirSync(dir, { recursive: true });
        const slug =
            what
                .toLowerCase()
                .replace(/[^a-z0-9]+/g, "-")
                .replace(/^-|-$/g, "") || "list";
        const stamp = new Date().toISOString().replace(/[:.]/g, "-");
        const file = path.join(dir, `${slug}-${stamp}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.txt`);
        fs.writeFileSync(file, `${lines.join("\n")}\n`);
        return file;
    } catch {
        return undefined;
    }
}

/** A message cut to `max` characters, the whole of it written to a file named at the end. */
export function boundedMessage(message: string, what: string, max = 4000): string {
    if (message.length <= max) {
        return message;
    }
    const file = writeReport(what, [message]);
    return `${message.slice(0, max)}... (${message.length} characters; ${file ? `the whole message: ${file}` : "cut short"})`;
}

/**
 * The one partial-failure error of the settings: a write that reached some users or mailboxes and not
 * others. It names each failed one (with why) and each that no longer exists, by count and first names
 * with the full list in a file, says the others were done, and how a rerun finishes the work.
 */
export class PartialFailureError extends Error {
    constructor(
        /** What the entries are: "users", "mailboxes". */
        readonly noun: string,
        /** How many were to be done. */
        readonly total: number,
        /** Each one not done, with why ("alice@x (429 TooManyRequests)"). */
        readonly failed: readonly string[],
        /** Targets that no longer exist. */
        readonly missing: readonly string[],
        /** What the missing ones need, e.g. "run pulumi preview again to re-resolve the targets". */
        missingFix: string,
        /** How a rerun finishes, e.g. "Run the update again to retry; users already changed are not touched twice." */
        rerun: string,
    ) {
        super(
            `${[
                failed.length
                    ? `${failed.length} of ${total} ${noun} could not be changed (the others were): ` +
                      nameList(failed, `${noun} not changed`)
                    : "",
                missing.length
                    ? `${missing.length} targeted ${noun} no longer exist: ` +
                      `${nameList(missing, `targeted ${noun} that no longer exist`)}; ${missingFix}`
                    : "",
            ]
                .filter(Boolean)
                .join("; ")}. ${rerun}`,
        );
        this.name = "PartialFailureError";
    }
}
