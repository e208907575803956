import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The directory audit log of one emulated tenant: an entry in Graph's microsoft.graph.directoryAudit
 * shape (docs-contrib api-reference/v1.0/resources/directoryaudit.md) for each change made through
 * the emulator to the policies and users the project manages (see ./graph/audit.ts for what is
 * recorded and with which activity names).
 *
 * Kept in its own append-only file (audit-<tenant>.jsonl, one entry a line, appended before the
 * request is answered), not in the settings file that is rewritten whole on each change: per-user
 * MFA runs write one entry per user. A torn last line from a crash is skipped on load.
 */
export interface ModifiedProperty {
    displayName: string;
    oldValue: string | null;
    newValue: string | null;
}

export interface TargetResource {
    id: string;
    displayName: string | null;
    type: string;
    userPrincipalName?: string | null;
    groupType?: string | null;
    modifiedProperties: ModifiedProperty[];
}

export interface AuditInitiator {
    app: { appId: string; displayName: string; servicePrincipalId: string; servicePrincipalName: string | null } | null;
    user: {
        id: string;
        displayName: string | null;
        userPrincipalName: string | null;
        ipAddress: string | null;
        userType?: string | null;
    } | null;
}

export interface DirectoryAuditRecord {
    id: string;
    category: string;
    correlationId: string;
    result: "success" | "failure" | "timeout";
    resultReason: string;
    activityDisplayName: string;
    activityDateTime: string;
    loggedByService: string;
    operationType: "Add" | "Update" | "Delete" | "Assign" | "Unassign";
    initiatedBy: AuditInitiator;
    targetResources: TargetResource[];
    additionalDetails: { key: string; value: string }[];
}

/** What a route hands in; the log adds id, time, correlation and result. */
export type AuditDraft = Omit<
    DirectoryAuditRecord,
    "id" | "correlationId" | "activityDateTime" | "result" | "resultReason" | "initiatedBy" | "additionalDetails"
> & {
    additionalDetails?: { key: string; value: string }[];
    correlationId?: string;
};

export class AuditLog {
    private readonly entries: DirectoryAuditRecord[] = [];
    private readonly file: string;
    private lastAt = 0;

    constructor(
        dir: string,
        readonly tenantId: string,
    ) {
        this.file = path.join(dir, `audit-${tenantId}.jsonl`);
        if (fs.existsSync(this.file)) {
            for (const line of fs.readFileSync(this.file, "utf8").split("\n")) {
                if (!line.trim()) continue;
                try {
                    this.entries.push(JSON.parse(line));
                } catch {
                    // a torn last line: its request was never answered
                }
            }
            const last = this.entries[this.entries.length - 1];
            this.lastAt = last ? Date.parse(last.activityDateTime) : 0;
        }
    }

    /** Oldest first, in the order the changes were made. */
    all(): readonly DirectoryAuditRecord[] {
        return this.entries;
    }

    record(draft: AuditDraft, initiatedBy: AuditInitiator): DirectoryAuditRecord {
        // Strictly increasing times, so that ordering by activityDateTime is the order of the changes.
        const at = Math.max(Date.now(), this.lastAt + 1);
        this.lastAt = at;
        const correlationId = draft.correlationId ?? crypto.randomUUID();
        const entry: DirectoryAuditRecord = {
            // Graph's ids look like "Directory_<correlation>_<suffix>" for Core Directory entries
            // (directoryaudit-list.md examples); the emulator's are of that form for every service.
            id: `Directory_${correlationId}_${crypto.randomBytes(4).toString("hex").toUpperCase()}_${at}`,
            category: draft.category,
            correlationId,
            result: "success",
            resultReason: "",
            activityDisplayName: draft.activityDisplayName,
            activityDateTime: new Date(at).toISOString().replace(/Z$/, "0000Z"),
            loggedByService: draft.loggedByService,
            operationType: draft.operationType,
            initiatedBy,
            // Every targetResource property, null where it does not apply (resources/targetresource.md lists
            // displayName, groupType, id, modifiedProperties, type, userPrincipalName; directoryaudit-list.md
            // Example 2 shows "userPrincipalName": null, "groupType": null on a policy target).
            targetResources: draft.targetResources.map((t) => ({
                id: t.id,
                displayName: t.displayName,
                type: t.type,
                userPrincipalName: t.userPrincipalName ?? null,
                groupType: t.groupType ?? null,
                modifiedProperties: t.modifiedProperties,
            })),
            additionalDetails: draft.additionalDetails ?? [],
        };
        fs.appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
        this.entries.push(entry);
        return entry;
    }
}
