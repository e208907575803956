import { setAppPermissions } from "@m365-mfa/emulator";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { EXCHANGE_ADMINISTRATOR, PROVIDER_GRAPH_ROLES } from "@m365-mfa/emulator";

/** The app registration the benchmarks run the per-user MFA list read as (addListReadApp). */
export const LIST_READ_APP = "m365-mfa-provider-list-read";

/**
 * Registers LIST_READ_APP in the emulator's default tenant: the provider app's permissions (Graph roles,
 * Exchange.ManageAsApp, Exchange Administrator) plus Directory.Read.All. The per-user MFA list read uses the
 * list's states only where the directory audit log can be read (settings/perUserMfa/listRead.ts
 * recentlyChangedUsers), and directoryaudit-list needs AuditLog.Read.All and Directory.Read.All
 * (microsoft-graph-docs-contrib api-reference/v1.0/includes/permissions/directoryaudit-list-permissions.md); the provider app
 * holds only the first (least privilege stays the default; the README says the fast path needs both).
 */
export function addListReadApp(emu: RunningEmulator): string {
    const tenantId = emu.defaultTenant().tenantId;
    if (!emu.defaultTenant().apps.some((a) => a.displayName === LIST_READ_APP)) {
        emu.store.addServicePrincipal(tenantId, LIST_READ_APP, {
            graphRoles: [...PROVIDER_GRAPH_ROLES, "Directory.Read.All"],
            directoryRoles: [EXCHANGE_ADMINISTRATOR],
        });
        setAppPermissions(emu.store, tenantId, LIST_READ_APP, ["Exchange.ManageAsApp"]);
    }
    return LIST_READ_APP;
}
