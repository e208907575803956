import type { ExportContext } from "../../providers/framework/exportContext";
import { modernAuthentication } from "./setting";

/** m365-mfa:baseline.modernAuthentication: Exchange's OAuth2ClientProfileEnabled. */
export async function exportMember(ctx: ExportContext): Promise<{ enabled: boolean }> {
    const live = await modernAuthentication.read(ctx.clients, { enabled: true });
    return { enabled: live.enabled };
}
