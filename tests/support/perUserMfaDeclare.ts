import type { RequestLogEntry, RunningEmulator, TenantState } from "@m365-mfa/emulator";
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

/** Sets whether (and with what lag) the default tenant serves perUserMfaState on the user list; {} restores the default (refused). */
export function setUserListServing(
    emu: RunningEmulator,
    set: Partial<Pick<TenantState, "perUserMfaStateOnUserList" | "perUserMfaListLagMs">>,
): void {
    emu.store.mutate(() => {
        const tenant = emu.defaultTenant();
        delete tenant.perUserMfaStateOnUserList;
        delete tenant.perUserMfaListLagMs;
        Object.assign(tenant, set);
    });
}

/** The user-list pages read for per-user MFA states so far (direct GETs of /v1.0/users selecting perUserMfaState). */
export function perUserListPages(emu: RunningEmulator): RequestLogEntry[] {
    return emu.requests.filter(
        (r) => !r.batched && r.method === "GET" && r.path === "/v1.0/users" && /perUserMfaState/.test(decodeURIComponent(r.query ?? "")),
    );
}

/** How many per-user MFA states were read through the documented per-user route in $batch so far. */
export function perUserBatchedReads(emu: RunningEmulator): number {
    return emu.requests.filter((r) => r.batched && r.method === "GET" && r.path.endsWith("/authentication/requirements")).length;
}
