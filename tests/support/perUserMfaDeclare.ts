import type { RunningEmulator } from "@m365-mfa/emulator";
import { confirmationToken } from "../../settings/perUserMfa/setting";

/**
 * Per-user MFA inputs for `n` member users of the emulator's directory (from `from`, break-glass
 * accounts left out) moving to `state`, of whom the first `already` have that state beforehand (nothing
 * to write for them), with the blast-radius confirmation of exactly the planned change. Enforced users
 * asked to be enabled are no change: an admin may set enforced -> enabled (howto-mfa-userstates), but
 * the plan leaves a user who already enforces MFA as they are.
 */
export function declarePerUserMfa(emu: RunningEmulator, n: number, state: "enabled" | "enforced", already = 0, from = 0) {
    const dir = emu.directory();
    const members = [...dir.users.values()].filter((u) => u.userType === "Member" && !u.breakGlass).slice(from, from + n);
    for (const u of members.slice(0, already)) dir.updateUser(u.id, { perUserMfaState: state });
    const change = Object.fromEntries(
        members
            .filter((u) => u.perUserMfaState !== state && !(state === "enabled" && u.perUserMfaState === "enforced"))
            .map((u) => [u.userPrincipalName, state]),
    );
    return {
        members,
        changing: Object.keys(change).length,
        inputs: {
            assignments: [{ state, users: members.map((u) => u.userPrincipalName) }],
            excludeUsers: ["breakglass1@contoso.onmicrosoft.com"],
            readiness: { mode: "off" },
            guards: { confirm: [confirmationToken(change)] },
        },
    };
}
