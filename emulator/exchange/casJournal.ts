import * as fs from "node:fs";
import * as path from "node:path";
import type { ExchangeMailboxState, Store, TenantState } from "../store";

/**
 * Per-mailbox client access settings (Set-CASMailbox) are kept in an append-only journal beside the
 * state file, one line per change, written (and flushed) before the cmdlet answers. Writing the whole
 * state file for each mailbox (Store.mutate) costs O(mailboxes) per call, so a tenant of 50,000
 * mailboxes could not be changed mailbox by mailbox as Exchange is.
 *
 * On the first mailbox cmdlet of a process, the journal's lines the state file does not hold yet are
 * applied (the state counts the lines it holds: casJournalLines), the state file is written once and
 * the journal starts afresh.
 */
export type CasMailboxChange = Partial<
    Pick<ExchangeMailboxState, "smtpClientAuthenticationDisabled" | "popEnabled" | "imapEnabled" | "activeSyncEnabled">
>;

const replayed = new WeakMap<Store, Set<string>>();

function journalFile(store: Store, tenantId: string): string {
    return path.join(store.dir, `exchange-cas-${tenantId.toLowerCase()}.jsonl`);
}

declare module "../store" {
    interface ExchangeState {
        /**
         * How many journal lines the in-memory state holds: whenever the state file is written (by any
         * change), it records how many of the journal's lines it already holds, so a replay skips them.
         */
        casJournalLines?: number;
    }
}

/** Applies `set` to the mailbox and records it before the caller answers. */
export function recordCasMailboxChange(store: Store, tenant: TenantState, m: ExchangeMailboxState, set: CasMailboxChange): void {
    replayCasJournal(store, tenant);
    Object.assign(m, set);
    tenant.exchange.casJournalLines = (tenant.exchange.casJournalLines ?? 0) + 1;
    fs.appendFileSync(journalFile(store, tenant.tenantId), `${JSON.stringify({ t: Date.now(), guid: m.guid, set })}\n`, { mode: 0o600 });
}

/** Once per process and tenant: applies the journal's lines the state file does not hold yet. */
export function replayCasJournal(store: Store, tenant: TenantState): void {
    let done = replayed.get(store);
    if (!done) replayed.set(store, (done = new Set()));
    if (done.has(tenant.tenantId)) return;
    done.add(tenant.tenantId);
    const file = journalFile(store, tenant.tenantId);
    if (!fs.existsSync(file)) {
        tenant.exchange.casJournalLines = 0; // lines are counted from the start of a new journal
        return;
    }
    // The state file holds the first casJournalLines lines (written by the last save before the stop).
    const held = tenant.exchange.casJournalLines ?? 0;
    const byGuid = new Map(tenant.exchange.mailboxes.map((m) => [m.guid, m] as const));
    const lines = fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.trim());
    lines.slice(held).forEach((line) => {
        let entry: { t: number; guid: string; set: CasMailboxChange };
        try {
            entry = JSON.parse(line);
        } catch {
            return; // a line cut short by a crash: its call was never answered
        }
        const m = byGuid.get(entry.guid);
        if (m) Object.assign(m, entry.set);
    });
    // The state file now holds every line: write it, and start the journal afresh.
    store.mutate(() => {
        tenant.exchange.casJournalLines = 0;
    });
    fs.rmSync(file, { force: true });
}
