import type { UserRecord } from "./records";

/**
 * Sign-in events of an emulated tenant, made deterministically from its users: everyone signs in
 * with a browser or desktop client; about 3% of members (and every shared-mailbox-like "svc" user)
 * still use legacy protocols (IMAP4, POP3, Authenticated SMTP, Exchange ActiveSync, Other clients)
 * a few times over the last 30 days. Times are counted back from the moment the directory was seeded,
 * so paging is stable and retention cuts the oldest events as real time passes.
 */
export const LEGACY_CLIENT_APPS = [
    "Authenticated SMTP",
    "Autodiscover",
    "Exchange ActiveSync",
    "Exchange Online PowerShell",
    "Exchange Web Services",
    "IMAP4",
    "MAPI Over HTTP",
    "Offline Address Book",
    "Outlook Anywhere (RPC over HTTP)",
    "Outlook Service",
    "POP3",
    "Reporting Web Services",
    "Other clients",
] as const;

export const MODERN_CLIENT_APPS = ["Browser", "Mobile Apps and Desktop clients"] as const;

export interface SignInRecord {
    id: string;
    createdDateTime: string;
    /** Milliseconds since epoch, for filtering. */
    at: number;
    userId: string;
    userPrincipalName: string;
    userDisplayName: string;
    appId: string;
    appDisplayName: string;
    clientAppUsed: string;
    ipAddress: string;
    isInteractive: boolean;
    success: boolean;
}

const APPS: Record<string, { id: string; name: string }> = {
    legacy: { id: "00000002-0000-0ff1-ce00-000000000000", name: "Office 365 Exchange Online" },
    modern: { id: "4765445b-32c6-49b0-83e6-1d93765276ca", name: "OfficeHome" },
};

const LEGACY_MIX = ["IMAP4", "POP3", "Authenticated SMTP", "Exchange ActiveSync", "Other clients"];
const DAY = 24 * 3600 * 1000;

/** Newest first, as Graph returns them. */
export function generateSignIns(users: Iterable<UserRecord>, seededAt: number, seed: number): SignInRecord[] {
    const out: SignInRecord[] = [];
    let n = 0;
    for (const u of users) {
        n++;
        const h = hash(`${seed}:${u.id}`);
        const modernAt = seededAt - (h % (29 * DAY));
        out.push(record(u, modernAt, h % 2 === 0 ? "Browser" : "Mobile Apps and Desktop clients", APPS.modern, n, 0));
        const legacyUser = u.userType === "Member" && !u.breakGlass && (h % 1000 < 30 || /^svc|printer|scanner/.test(u.userPrincipalName));
        if (legacyUser) {
            const count = 2 + (h % 5);
            const protocol = LEGACY_MIX[(h >>> 8) % LEGACY_MIX.length];
            for (let i = 0; i < count; i++) {
                const at = seededAt - (((h >>> (i + 3)) % 28) * DAY + i * 3_600_000);
                out.push(record(u, at, protocol, APPS.legacy, n, i + 1));
            }
        }
    }
    return out.sort((a, b) => b.at - a.at || a.id.localeCompare(b.id));
}

function record(u: UserRecord, at: number, clientAppUsed: string, app: { id: string; name: string }, n: number, i: number): SignInRecord {
    const h = hash(`${u.id}:${i}`);
    return {
        id: `${u.id.slice(0, 8)}-${i.toString(16).padStart(4, "0")}-4000-8000-${(h >>> 0).toString(16).padStart(12, "0").slice(0, 12)}`,
        createdDateTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z"),
        at,
        userId: u.id,
        userPrincipalName: u.userPrincipalName,
        userDisplayName: u.displayName,
        appId: app.id,
        appDisplayName: app.name,
        clientAppUsed,
        ipAddress: `203.0.113.${(n + i) % 250}`,
        isInteractive: !LEGACY_CLIENT_APPS.includes(clientAppUsed as any),
        success: true,
    };
}

function hash(s: string): number {
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) {
        h ^= s.charCodeAt(i);
        h = Math.imul(h, 16777619);
    }
    return h >>> 0;
}
