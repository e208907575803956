import type { ExportContext } from "../../providers/framework/exportContext";
import { securityDefaults } from "./setting";

/** m365-mfa:baseline.securityDefaults: the tenant's isEnabled. */
export async function exportMember(ctx: ExportContext): Promise<{ enabled: boolean }> {
    const live = await securityDefaults.read(ctx.clients, { isEnabled: false });
    return { enabled: live.isEnabled };
}
