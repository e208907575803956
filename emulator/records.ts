/**
 * The records of an emulated tenant's directory: users and groups, as ./directory.ts keeps them and
 * ./signIns.ts and the Graph routes read them (kept apart so that neither imports the other).
 */
export type PerUserMfaState = "disabled" | "enabled" | "enforced";

/** Authentication methods as the registration report names them (methodsRegistered). */
export const METHOD_KINDS = [
    "microsoftAuthenticatorPush",
    "softwareOneTimePasscode",
    "mobilePhone",
    "email",
    "fido2SecurityKey",
    "windowsHelloForBusiness",
    "temporaryAccessPass",
] as const;

export interface UserRecord {
    id: string;
    userPrincipalName: string;
    displayName: string;
    userType: "Member" | "Guest";
    accountEnabled: boolean;
    mail: string | null;
    perUserMfaState: PerUserMfaState;
    /** Registered MFA methods (names as in userRegistrationDetails.methodsRegistered). */
    methods: string[];
    /** Directory role template names held (e.g. "Global Administrator"). */
    roles: string[];
    breakGlass?: boolean;
    /** Graph's user.signInSessionsValidFromDateTime: set by POST /users/{id}/revokeSignInSessions. */
    signInSessionsValidFromDateTime?: string;
}

export interface GroupRecord {
    id: string;
    displayName: string;
    /** Direct members: user or group ids. */
    members: string[];
    /**
     * Set at creation and immutable; only such a group can be assigned a directory role, its membership
     * is assigned (not dynamic) and it cannot hold other groups (entra-docs
     * docs/identity/role-based-access-control/groups-concept.md, "Restrictions for role-assignable
     * groups" and "How are role-assignable groups protected?"). Absent means false (Graph answers null).
     */
    isAssignableToRole?: boolean;
    /** Directory role template names assigned to the group (role-assignable groups only); its members hold them. */
    roles?: string[];
}
