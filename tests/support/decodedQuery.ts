/** A logged request's query string as sent, decoded (`+` as a space), to match a $filter against. No side effects on import. */
export function decodedQuery(r: { query?: string }): string {
    return decodeURIComponent((r.query ?? "").replace(/\+/g, " "));
}
