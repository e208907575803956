import * as fs from "node:fs";
import * as path from "node:path";
import { type SignInRecord, generateSignIns } from "./signIns";
import { mulberry32 } from "./faults";
import type { GroupRecord, PerUserMfaState, UserRecord } from "./records";

/**
 * The users and groups of one emulated tenant, sized for 100,000 users.
 *
 * Kept apart from the small settings file: a snapshot (directory-<tenant>.json) plus an append-only
 * journal of changes (directory-<tenant>.journal, one JSON line per change, appended before the
 * request is answered). Loading replays the journal over the snapshot and ignores a torn last line,
 * so a crash mid-write loses at most the change whose request was never answered. The journal is
 * folded into a new snapshot (written to a temporary file and renamed) when it grows long.
 */
export { METHOD_KINDS } from "./records";
export type { GroupRecord, PerUserMfaState, UserRecord } from "./records";

/**
 * Why a group record breaks the documented rules of role-assignable groups (groups-concept.md), or
 * undefined: a role only on a group created role-assignable, the flag immutable, no nested groups.
 */
export function roleAssignableGroupProblem(
    group: GroupRecord,
    existing: GroupRecord | undefined,
    isGroup: (id: string) => boolean,
): string | undefined {
    if (existing && !!existing.isAssignableToRole !== !!group.isAssignableToRole) {
        return `isAssignableToRole of group ${group.id} is immutable: it is set when the group is created and cannot be changed`;
    }
    if (group.roles?.length && !group.isAssignableToRole) {
        return (
            `group ${group.id} is not role-assignable: only groups created with isAssignableToRole true can be assigned a ` +
            "directory role"
        );
    }
    if (group.isAssignableToRole) {
        const nested = group.members.filter(isGroup);
        if (nested.length) {
            return (
                `group ${group.id} is role-assignable: group nesting is not supported, a group cannot be a member of it (` +
                `${nested.join(", ")})`
            );
        }
    }
    return undefined;
}

type JournalEntry =
    | { op: "user"; id: string; set: Partial<UserRecord> }
    | { op: "addUser"; user: UserRecord }
    | { op: "group"; group: GroupRecord };

const COMPACT_AFTER = 20_000;

export class Directory {
    readonly users = new Map<string, UserRecord>();
    readonly groups = new Map<string, GroupRecord>();
    private readonly byUpn = new Map<string, string>();
    private journalLines = 0;
    /** When the directory was seeded (sign-in times count back from it) and with which seed. */
    private seededAt = Date.now();
    private seedValue = 1;
    private signInCache?: SignInRecord[];
    private readonly snapshotFile: string;
    private readonly journalFile: string;
    /**
     * Per-user MFA writes the user list has not caught up with yet (tenant option perUserMfaListLagMs):
     * user id -> the state the list shows until `until`. In memory only: a lag is transient.
     */
    private readonly listLag = new Map<string, { shown: PerUserMfaState; until: number }>();

    constructor(
        dir: string,
        readonly tenantId: string,
    ) {
        this.snapshotFile = path.join(dir, `directory-${tenantId}.json`);
        this.journalFile = path.join(dir, `directory-${tenantId}.journal`);
        this.load();
    }

    get userCount(): number {
        return this.users.size;
    }

    private listCache?: UserRecord[];
    /** Every user in a stable order, as a list reads them (kept between requests: a page of 999 of 50,000 users need not copy them all). */
    userList(): readonly UserRecord[] {
        return (this.listCache ??= [...this.users.values()]);
    }

    /** A user by object id or user principal name (case-insensitive), as Graph resolves /users/{id|upn}. */
    user(ref: string): UserRecord | undefined {
        const key = ref.toLowerCase();
        return this.users.get(key) ?? this.users.get(this.byUpn.get(key) ?? "");
    }

    group(id: string): GroupRecord | undefined {
        return this.groups.get(id.toLowerCase());
    }

    /**
     * The users and groups holding a directory role (by template name): users assigned it directly and
     * role-assignable groups assigned it. The group's members hold the role through it (groups-concept.md:
     * "When people join the group, they're assigned the role indirectly") and are not listed here.
     */
    roleHolders(role: string): { users: UserRecord[]; groups: GroupRecord[] } {
        return {
            users: [...this.users.values()].filter((u) => u.roles.includes(role)),
            groups: [...this.groups.values()].filter((g) => g.isAssignableToRole && (g.roles ?? []).includes(role)),
        };
    }

    /** Users reachable from a group through nested groups, each once, in a stable order. */
    transitiveUsers(groupId: string): UserRecord[] {
        const seen = new Set<string>();
        const out: UserRecord[] = [];
        const walk = (gid: string) => {
            if (seen.has(gid)) {
                return;
            }
            seen.add(gid);
            for (const m of this.groups.get(gid)?.members ?? []) {
                const u = this.users.get(m);
                if (u) {
                    if (!seen.has(u.id)) {
                        seen.add(u.id);
                        out.push(u);
                    }
                } else if (this.groups.has(m)) {
                    walk(m);
                }
            }
        };
        walk(groupId.toLowerCase());
        return out;
    }

    /** The tenant's sign-in events, newest first (derived from the users; see signIns.ts). */
    signIns(): SignInRecord[] {
        this.signInCache ??= generateSignIns(this.users.values(), this.seededAt, this.seedValue);
        return this.signInCache;
    }

    updateUser(id: string, set: Partial<UserRecord>): UserRecord {
        const u = this.users.get(id)!;
        Object.assign(u, set);
        this.append({ op: "user", id, set });
        return u;
    }

    /**
     * A per-user MFA write the user list shows only `lagMs` later: until then the list keeps showing the
     * state from before it (the oldest one not yet caught up with, when writes follow each other).
     */
    lagListedPerUserMfaState(id: string, before: PerUserMfaState, lagMs: number, now = Date.now()): void {
        if (lagMs <= 0) return;
        const pending = this.listLag.get(id);
        this.listLag.set(id, { shown: pending && pending.until > now ? pending.shown : before, until: now + lagMs });
    }

    /** A user's per-user MFA state as the user list shows it now (see lagListedPerUserMfaState). */
    listedPerUserMfaState(u: UserRecord, now = Date.now()): PerUserMfaState {
        const pending = this.listLag.get(u.id);
        if (!pending) return u.perUserMfaState;
        if (pending.until <= now) {
            this.listLag.delete(u.id);
            return u.perUserMfaState;
        }
        return pending.shown;
    }

    addUser(user: UserRecord): void {
        this.index(user);
        this.signInCache = undefined;
        this.append({ op: "addUser", user });
    }

    /** Adds or replaces a group; refuses what Entra refuses for role-assignable groups (roleAssignableGroupProblem). */
    putGroup(group: GroupRecord): void {
        const problem = roleAssignableGroupProblem(group, this.groups.get(group.id), (id) => this.groups.has(id));
        if (problem) {
            throw new Error(problem);
        }
        this.groups.set(group.id, group);
        this.append({ op: "group", group });
    }

    /**
     * Replaces the directory with `count` users made deterministically from `seed`: members and a few
     * guests, about 70% with MFA methods registered, a few admins, two break-glass accounts, and groups
     * (all users, departments, a nested group).
     */
    seed(count: number, seed = 1, domain = "contoso.onmicrosoft.com"): void {
        const rand = mulberry32(seed);
        this.seededAt = Date.now();
        this.seedValue = seed;
        this.signInCache = undefined;
        const id = () => uuidFrom(rand);
        this.users.clear();
        this.listCache = undefined;
        this.byUpn.clear();
        this.groups.clear();
        this.listLag.clear();
        const first = ["ada", "alan", "grace", "linus", "margaret", "ken", "barbara", "dennis", "frances", "edsger", "radia", "tim"];
        const last = [
            "lovelace",
            "turing",
            "hopper",
            "torvalds",
            "hamilton",
            "thompson",
            "liskov",
            "ritchie",
            "allen",
            "dijkstra",
            "perlman",
            "berners",
        ];
        const departments = ["Finance", "Sales", "Engineering", "Operations"];
        const deptGroups = departments.map((d) => ({ id: id(), displayName: `Department - ${d}`, members: [] as string[] }));
        const all: GroupRecord = { id: id(), displayName: "All Employees", members: [] };
        const admins: GroupRecord = { id: id(), displayName: "Privileged Admins", members: [] };
        for (let i = 0; i < count; i++) {
            const breakGlass = i < 2;
            const guest = !breakGlass && rand() < 0.03;
            const f = first[Math.floor(rand() * first.length)];
            const l = last[Math.floor(rand() * last.length)];
            const name = breakGlass ? `breakglass${i + 1}` : `${f}.${l}${i}`;
            const upn = guest ? `${name}_fabrikam.com#EXT#@${domain}` : `${name}@${domain}`;
            const isAdmin = breakGlass || (!guest && rand() < 0.005);
            const methods: string[] = [];
            if (!breakGlass && rand() < 0.7) {
                methods.push("microsoftAuthenticatorPush");
                if (rand() < 0.4) methods.push("mobilePhone");
                if (rand() < 0.05) methods.push("fido2SecurityKey");
            } else if (breakGlass) {
                methods.push("fido2SecurityKey");
            }
            const u: UserRecord = {
                id: id(),
                userPrincipalName: upn,
                displayName: breakGlass ? `Break Glass ${i + 1}` : `${cap(f)} ${cap(l)} ${i}`,
                userType: guest ? "Guest" : "Member",
                accountEnabled: rand() > 0.02,
                mail: guest ? `${name}@fabrikam.com` : upn,
                perUserMfaState: "disabled",
                methods,
                roles: isAdmin ? ["Global Administrator"] : [],
                ...(breakGlass ? { breakGlass: true } : {}),
            };
            this.index(u);
            if (!guest && !breakGlass) {
                all.members.push(u.id);
                deptGroups[i % deptGroups.length].members.push(u.id);
            }
            if (isAdmin && !breakGlass) {
                admins.members.push(u.id);
            }
        }
        // Nested: "Finance and Sales" contains two department groups.
        const nested: GroupRecord = { id: id(), displayName: "Finance and Sales", members: [deptGroups[0].id, deptGroups[1].id] };
        for (const g of [all, admins, nested, ...deptGroups]) {
            this.groups.set(g.id, g);
        }
        this.compact();
    }

    /** Writes a fresh snapshot and empties the journal. */
    compact(): void {
        const tmp = `${this.snapshotFile}.${process.pid}.tmp`;
        fs.writeFileSync(
            tmp,
            JSON.stringify({
                seededAt: this.seededAt,
                seed: this.seedValue,
                users: [...this.users.values()],
                groups: [...this.groups.values()],
            }),
        );
        fs.renameSync(tmp, this.snapshotFile);
        fs.writeFileSync(this.journalFile, "");
        this.journalLines = 0;
    }

    private index(u: UserRecord): void {
        this.listCache = undefined;
        this.users.set(u.id, u);
        this.byUpn.set(u.userPrincipalName.toLowerCase(), u.id);
    }

    private append(e: JournalEntry): void {
        fs.appendFileSync(this.journalFile, `${JSON.stringify(e)}\n`);
        if (++this.journalLines >= COMPACT_AFTER) {
            this.compact();
        }
    }

    private load(): void {
        if (fs.existsSync(this.snapshotFile)) {
            const snap = JSON.parse(fs.readFileSync(this.snapshotFile, "utf8")) as {
                seededAt?: number;
                seed?: number;
                users: UserRecord[];
                groups: GroupRecord[];
            };
            this.seededAt = snap.seededAt ?? this.seededAt;
            this.seedValue = snap.seed ?? this.seedValue;
            snap.users.forEach((u) => {
                this.index(u);
            });
            snap.groups.forEach((g) => {
                this.groups.set(g.id, g);
            });
        }
        if (fs.existsSync(this.journalFile)) {
            const lines = fs.readFileSync(this.journalFile, "utf8").split("\n").filter(Boolean);
            for (const line of lines) {
                let e: JournalEntry;
                try {
                    e = JSON.parse(line);
                } catch {
                    continue; // a torn last line from a crash: its request was never answered
                }
                if (e.op === "user" && this.users.has(e.id)) {
                    Object.assign(this.users.get(e.id)!, e.set);
                } else if (e.op === "addUser") {
                    this.index(e.user);
                } else if (e.op === "group") {
                    this.groups.set(e.group.id, e.group);
                }
            }
            this.journalLines = lines.length;
        }
        if (!fs.existsSync(this.snapshotFile)) {
            this.seed(25);
        }
    }
}

function uuidFrom(rand: () => number): string {
    const b = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) b[i] = Math.floor(rand() * 256);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function cap(s: string): string {
    return s[0].toUpperCase() + s.slice(1);
}
