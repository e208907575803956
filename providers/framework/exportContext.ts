import type { TenantClients } from "../../client";

/**
 * What every member's exporter (settings/<name>/export.ts, `exportMember`) is given: the clients to
 * read the live tenant with, a progress callback for long reads, and the list warnings go to (a
 * warning names what was left out of the export and why; nothing is adopted wrongly).
 */
export interface ExportContext {
    clients: TenantClients;
    onProgress?: (what: string, n: number) => void;
    warnings: string[];
    /**
     * Break-glass accounts given on the command line (--break-glass). When given, an adopted Conditional
     * Access policy must exclude exactly these; otherwise they are the accounts the adopted policies exclude.
     */
    breakGlassAccounts?: string[];
    /** Reads that several members share (e.g. the Conditional Access policies), done once per export. */
    readonly shared: Map<string, Promise<unknown>>;
}

export function exportContext(clients: TenantClients, options: Partial<Omit<ExportContext, "clients" | "shared">> = {}): ExportContext {
    return {
        clients,
        warnings: options.warnings ?? [],
        shared: new Map(),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.breakGlassAccounts ? { breakGlassAccounts: options.breakGlassAccounts } : {}),
    };
}

/** `read` once per export under `key`; every later caller gets the same promise (and the same failure). */
export function once<T>(ctx: ExportContext, key: string, read: () => Promise<T>): Promise<T> {
    let p = ctx.shared.get(key) as Promise<T> | undefined;
    if (!p) {
        p = read();
        // A failure is kept for the caller that awaits it; an unawaited copy must not crash the process.
        p.catch(() => undefined);
        ctx.shared.set(key, p);
    }
    return p;
}

/** The exporter of one member of m365-mfa:baseline: its value, or undefined to leave the member out. */
export type ExportMember = (ctx: ExportContext) => Promise<unknown | undefined>;
