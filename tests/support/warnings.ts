/** What engineLog writes outside the engine (stderr) while `fn` runs: the warning lines; other lines pass through. */
export async function warningsOf(fn: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => {
        const line = args.map(String).join(" ");
        if (line.startsWith("warning:")) seen.push(line);
        else original(...args);
    };
    try {
        await fn();
    } finally {
        console.error = original;
    }
    return seen;
}
