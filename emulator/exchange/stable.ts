/** JSON with object keys sorted at every level, so that equal payloads give equal text. */
export function stableStringify(v: unknown): string {
    return JSON.stringify(v, (_k, value) =>
        value && typeof value === "object" && !Array.isArray(value)
            ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
            : value,
    );
}
