import * as fs from "fs";
import * as path from "path";
import type { ExchangeMailboxState, Store, TenantState } from "../store";

/**
 * Per-mailbox client access settings (Set-CASMailbox) are kept in an append-only journal beside the
 * state file, one line per change, written (and flushed) before the cmdlet answers. Writing the whole
 * state file for each mailbox (Store.mutate) costs O(mailboxes) per call, so a tenant of 50,000
 * mailboxes could not be changed mailbox by mailbox as Exchange is.
 *
 * On the first Exchange call of a process, the journal's lines newer than the state file are applied
 * (a state file written after a line already holds its value; values are absolute, so applying one
 * twice changes nothing), the state file is written once and the journal starts afresh.
 */
export type CasMailboxChange = Partial<Pick<ExchangeMailboxState, "smtpClientAuthenticationDisabled" | "popEnabled" | "imapEnabled" | "activeSyncEnabled">>;

const replayed = new WeakMap<Store, Set<string>>();

function journalFile(store: Store, tenantId: string): string {
    return path.join(store.dir, `exchange-cas-${tenantId.toLowerCase()}.jsonl`);
}

/** Applies `set` to the mailbox and records it before the caller answers. */
export function recordCasMailboxChange(store: Store, tenant: TenantState, m: ExchangeMailboxState, set: CasMailboxChange): void {
    replayCasJournal(store, tenant);
    Object.assign(m, set);
    fs.appendFileSync(journalFile(store, tenant.tenantId), JSON.stringify({ t: Date.now(), guid: m.guid, set }) + "\n", { mode: 0o600 });
}

/** Once per process and tenant: applies the journal's lines the state file does not hold yet. */
export function replayCasJournal(store: Store, tenant: TenantState): void {
    let done = replayed.get(store);
    if (!done) replayed.set(store, (done = new Set()));
    if (done.has(tenant.tenantId)) return;
    done.add(tenant.tenantId);
    const file = journalFile(store, tenant.tenantId);
    if (!fs.existsSync(file)) return;
    const stateFile = path.join(store.dir, "tenants.json");
    const savedAt = fs.existsSync(stateFile) ? fs.statSync(stateFile).mtimeMs : 0;
    const byGuid = new Map(tenant.exchange.mailboxes.map((m) => [m.guid, m] as const));
    let applied = 0;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (!line.trim()) continue;
        let entry: { t: number; guid: string; set: CasMailboxChange };
        try {
            entry = JSON.parse(line);
        } catch {
            continue; // a line cut short by a crash: its call was never answered
        }
        const m = byGuid.get(entry.guid);
        if (m && entry.t >= Math.floor(savedAt)) {
            Object.assign(m, entry.set);
            applied++;
        }
    }
    if (applied) store.mutate(() => undefined);
    fs.rmSync(file, { force: true });
}
