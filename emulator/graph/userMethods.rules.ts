import type { RuleTable } from "../rules";
import { METHOD_COLLECTIONS } from "./userMethods";

const DOC = "microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/api";
const PUSH = "/users/{pushUser}/authentication/microsoftAuthenticatorMethods/{pushMethodId}";

/** Doc page of each per-kind collection (list and delete pages share the resource's name). */
const PAGES: Record<string, string> = {
    phoneMethods: "phoneauthenticationmethod",
    microsoftAuthenticatorMethods: "microsoftauthenticatorauthenticationmethod",
    softwareOathMethods: "softwareoathauthenticationmethod",
    fido2Methods: "fido2authenticationmethod",
    emailMethods: "emailauthenticationmethod",
    temporaryAccessPassMethods: "temporaryaccesspassauthenticationmethod",
    windowsHelloForBusinessMethods: "windowshelloforbusinessauthenticationmethod",
};

/** A user's registered methods and session revocation (./userMethods.ts). */
export const RULES: RuleTable = {
    area: "userMethods",
    file: "emulator/graph/userMethods.ts",
    rules: [
        ...Object.keys(METHOD_COLLECTIONS).map((c) => ({
            id: `userMethods.${c}.item`,
            kind: "route" as const,
            statement: `GET and DELETE (204) /users/{id}/authentication/${c}/{methodId}; a method the user does not have answers 404.`,
            source: `${DOC}/${PAGES[c]}-get.md; ${DOC}/${PAGES[c]}-delete.md`,
            modelled: true,
            stricter: "Graph's error code for a missing method is not documented; the emulator sends itemNotFound.",
            route: { methods: ["GET", "DELETE"], path: `/users/{id}/authentication/${c}/{methodId}`, versions: ["v1.0", "beta"] as const },
            probe: { method: "GET", path: `/users/{userWithMethods}/authentication/${c}/00000000-0000-0000-0000-00000000dead` },
            expect: { status: 404 },
        })),
        ...Object.keys(METHOD_COLLECTIONS).map((c) => ({
            id: `userMethods.${c}.list`,
            kind: "route" as const,
            statement: `GET /users/{id}/authentication/${c} answers 200 with a value list.`,
            source: `${DOC}/authentication-list-${c.toLowerCase()}.md`,
            modelled: true,
            route: { methods: ["GET"], path: `/users/{id}/authentication/${c}`, versions: ["v1.0", "beta"] as const },
            probe: { method: "GET", path: `/users/{userWithMethods}/authentication/${c}` },
            expect: { status: 200, bodyHas: ["value"] },
        })),
        {
            id: "userMethods.passwordMethods.route",
            kind: "route",
            statement: "GET /users/{id}/authentication/passwordMethods lists the password method (the password itself is never returned).",
            source: `${DOC}/authentication-list-passwordmethods.md`,
            modelled: true,
            route: { methods: ["GET"], path: "/users/{id}/authentication/passwordMethods", versions: ["v1.0", "beta"] },
            probe: { method: "GET", path: "/users/{userWithMethods}/authentication/passwordMethods" },
            expect: { status: 200, bodyHas: ["value"] },
        },
        {
            id: "userMethods.deleteDefault",
            kind: "error",
            statement: "The user's default MFA method cannot be deleted while other methods are registered: change the default first.",
            source:
                `${DOC}/phoneauthenticationmethod-delete.md ("If the phone number is the user's default Azure multifactor ` +
                "authentication (MFA) authentication method, it cannot be deleted. Have the user change their default " +
                `authentication method, and then delete the number"); for the other kinds (Authenticator here) no Microsoft page ` +
                `states it: only a Microsoft Q&A thread shows Graph's 400 "Cannot delete default method with other methods ` +
                `configured. Please change default method before deletion." (learn.microsoft.com/en-us/answers/questions/1337439)`,
            modelled: true,
            stricter: "The 400 and the sentence are as users report them; the error code Graph sends with it is not documented.",
            probe: { method: "DELETE", path: PUSH },
            expect: { status: 400, message: "Cannot delete default method" },
        },
        {
            id: "userMethods.delete.permission",
            kind: "permission",
            statement: "Deleting a method needs UserAuthenticationMethod.ReadWrite.All; the read permission is refused with 403.",
            source: `${DOC}/microsoftauthenticatorauthenticationmethod-delete.md`,
            modelled: true,
            probe: { method: "DELETE", path: PUSH, app: ["UserAuthenticationMethod.Read.All"] },
            expect: { status: 403 },
        },
        {
            id: "userMethods.phone.update",
            kind: "verb",
            statement: "Phone methods can be added (POST phoneMethods) and changed (PATCH phoneMethods/{id}) through Graph.",
            source: `${DOC}/authentication-post-phonemethods.md; ${DOC}/phoneauthenticationmethod-update.md`,
            modelled: false,
            stricter: "The emulator serves neither (it answers 405); the project does not register methods.",
        },
        {
            id: "userMethods.revoke.route",
            kind: "route",
            statement: 'POST /users/{id}/revokeSignInSessions answers 200 with {"value": true}.',
            source: `${DOC}/user-revokesigninsessions.md`,
            modelled: true,
            route: { methods: ["POST"], path: "/users/{id}/revokeSignInSessions", versions: ["v1.0", "beta"] },
            probe: { method: "POST", path: "/users/{user}/revokeSignInSessions", body: {} },
            expect: { status: 200, body: { value: true } },
        },
        {
            id: "userMethods.revoke.permission",
            kind: "permission",
            statement: "Revoking sessions needs User.RevokeSessions.All (or User.ReadWrite.All); without it 403.",
            source: `${DOC}/user-revokesigninsessions.md`,
            modelled: true,
            probe: { method: "POST", path: "/users/{user}/revokeSignInSessions", body: {}, app: ["User.Read.All"] },
            expect: { status: 403 },
        },
        {
            id: "userMethods.revoke.verb",
            kind: "verb",
            statement: "revokeSignInSessions is an action: only POST.",
            source: `${DOC}/user-revokesigninsessions.md`,
            modelled: true,
            probe: { method: "GET", path: "/users/{user}/revokeSignInSessions" },
            expect: { status: 405 },
        },
    ],
};
