import type { UserRecord } from "../directory";
import { GraphHttpError } from "../http";
import { requireRole } from "../identity";
import type { Route, RouteContext } from "./routes";

/**
 * A user's registered authentication methods, and session revocation, as Graph documents them:
 * - GET /users/{id|upn}/authentication/methods: every method, the password first;
 * - per kind, GET /users/{id|upn}/authentication/{phoneMethods|microsoftAuthenticatorMethods|
 *   softwareOathMethods|fido2Methods|emailMethods|temporaryAccessPassMethods|windowsHelloForBusinessMethods}
 *   (a list) and GET/DELETE .../{methodId} (DELETE answers 204); GET .../passwordMethods;
 * - deleting the user's default MFA method while other methods are registered answers 400 ("Cannot
 *   delete default method with other methods configured. Please change default method before deletion.",
 *   Graph's text as reported by users; the error code is unconfirmed), so other methods go first;
 * - POST /users/{id|upn}/revokeSignInSessions answers 200 {"value": true} and moves the user's
 *   signInSessionsValidFromDateTime to now.
 * Read: UserAuthenticationMethod.Read.All (or .ReadWrite.All); delete: UserAuthenticationMethod.ReadWrite.All.
 * Revoke: User.RevokeSessions.All (or User.ReadWrite.All, Directory.ReadWrite.All).
 *
 * The registered methods are UserRecord.methods (names as the registration report's
 * methodsRegistered). Method ids are derived from the user and the kind, so they are stable across
 * deletions and the same in every listing.
 */
export const METHOD_READ = ["UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"];
const METHOD_WRITE = ["UserAuthenticationMethod.ReadWrite.All"];
const REVOKE = ["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"];

/** Graph's fixed id of every user's password method. */
export const PASSWORD_METHOD_ID = "28c10230-6103-485e-b985-444c60001490";
/** Graph's fixed id of the phone method of type mobile (alternateMobile and office have their own). */
export const MOBILE_PHONE_METHOD_ID = "3179e48a-750b-4051-897c-87b9720928f7";

/** The per-kind collections under /users/{id}/authentication, with the method kinds each holds. */
export const METHOD_COLLECTIONS = {
    phoneMethods: { entity: "phoneAuthenticationMethod", kinds: ["mobilePhone"] },
    microsoftAuthenticatorMethods: {
        entity: "microsoftAuthenticatorAuthenticationMethod",
        kinds: ["microsoftAuthenticatorPush", "microsoftAuthenticatorPasswordless"],
    },
    softwareOathMethods: { entity: "softwareOathAuthenticationMethod", kinds: ["softwareOneTimePasscode"] },
    fido2Methods: { entity: "fido2AuthenticationMethod", kinds: ["fido2SecurityKey"] },
    emailMethods: { entity: "emailAuthenticationMethod", kinds: ["email"] },
    temporaryAccessPassMethods: { entity: "temporaryAccessPassAuthenticationMethod", kinds: ["temporaryAccessPass"] },
    windowsHelloForBusinessMethods: { entity: "windowsHelloForBusinessAuthenticationMethod", kinds: ["windowsHelloForBusiness"] },
} as const;

export type MethodCollection = keyof typeof METHOD_COLLECTIONS;

/** Order that fixes each kind's id suffix (never reorder: ids must stay stable). */
const KIND_ORDER = [
    "microsoftAuthenticatorPush",
    "softwareOneTimePasscode",
    "mobilePhone",
    "email",
    "fido2SecurityKey",
    "windowsHelloForBusiness",
    "temporaryAccessPass",
    "microsoftAuthenticatorPasswordless",
];

/** The collection a registered kind is listed in (kinds the emulator does not know render as a Temporary Access Pass, as before). */
export function collectionOf(kind: string): MethodCollection {
    for (const [name, c] of Object.entries(METHOD_COLLECTIONS)) {
        if ((c.kinds as readonly string[]).includes(kind)) {
            return name as MethodCollection;
        }
    }
    return "temporaryAccessPassMethods";
}

/** A stable id for the user's method of this kind. */
export function methodId(u: UserRecord, kind: string): string {
    if (kind === "mobilePhone") {
        return MOBILE_PHONE_METHOD_ID;
    }
    let n = KIND_ORDER.indexOf(kind) + 1;
    if (n === 0) {
        n = 0x100 + [...kind].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 0xfff000, 0);
    }
    return `${u.id.slice(0, 24)}${n.toString(16).padStart(12, "0")}`;
}

/**
 * The user's default MFA method (the one sign-in prompts for first), with the rule the registration
 * report uses for userPreferredMethodForSecondaryAuthentication: Authenticator push, else SMS to the
 * mobile phone, else a software OATH code. Other kinds are never the default.
 */
export function defaultMethodKind(u: UserRecord): string | undefined {
    return ["microsoftAuthenticatorPush", "mobilePhone", "softwareOneTimePasscode"].find((k) => u.methods.includes(k));
}

/** A registered method as Graph returns it (in /methods and in its own collection). */
export function methodObject(u: UserRecord, kind: string): Record<string, unknown> {
    const id = methodId(u, kind);
    const created = "2025-03-01T10:00:00Z";
    switch (kind) {
        case "microsoftAuthenticatorPush":
            return {
                "@odata.type": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
                id,
                createdDateTime: created,
                displayName: "iPhone",
                deviceTag: "SoftwareTokenActivated",
                phoneAppVersion: "6.8.17",
            };
        case "microsoftAuthenticatorPasswordless":
            return {
                "@odata.type": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
                id,
                createdDateTime: created,
                displayName: "Pixel 8",
                deviceTag: "SoftwareTokenActivated",
                phoneAppVersion: "6.2404.2444",
            };
        case "mobilePhone":
            return {
                "@odata.type": "#microsoft.graph.phoneAuthenticationMethod",
                id,
                phoneNumber: "+1 2065550100",
                phoneType: "mobile",
                smsSignInState: "notEnabled",
            };
        case "fido2SecurityKey":
            return {
                "@odata.type": "#microsoft.graph.fido2AuthenticationMethod",
                id,
                createdDateTime: created,
                displayName: "YubiKey 5 NFC",
                aaGuid: "cb69481e-8ff7-4039-93ec-0a2729a154a8",
                model: "YubiKey 5 Series",
                attestationLevel: "attested",
                attestationCertificates: [],
            };
        case "softwareOneTimePasscode":
            return { "@odata.type": "#microsoft.graph.softwareOathAuthenticationMethod", id, secretKey: null };
        case "email":
            return { "@odata.type": "#microsoft.graph.emailAuthenticationMethod", id, emailAddress: u.mail ?? "" };
        case "windowsHelloForBusiness":
            return {
                "@odata.type": "#microsoft.graph.windowsHelloForBusinessAuthenticationMethod",
                id,
                createdDateTime: created,
                displayName: "LAPTOP-01",
                keyStrength: "normal",
            };
        default:
            return {
                "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
                id,
                createdDateTime: created,
                startDateTime: created,
                lifetimeInMinutes: 60,
                isUsableOnce: true,
                isUsable: false,
                methodUsabilityReason: "Expired",
                temporaryAccessPass: null,
            };
    }
}

export function passwordMethodObject(): Record<string, unknown> {
    return {
        "@odata.type": "#microsoft.graph.passwordAuthenticationMethod",
        id: PASSWORD_METHOD_ID,
        password: null,
        createdDateTime: "2024-01-10T09:00:00Z",
    };
}

/** Everything GET /users/{id}/authentication/methods lists: the password, then each registered method. */
export function listedMethods(u: UserRecord): Record<string, unknown>[] {
    return [passwordMethodObject(), ...u.methods.map((m) => methodObject(u, m))];
}

// ---- routes ------------------------------------------------------------------------------------

function userOr404(ctx: RouteContext, ref: string): UserRecord {
    const u = ctx.store.directory(ctx.tenant.tenantId).user(ref);
    if (!u) {
        throw new GraphHttpError(
            404,
            "Request_ResourceNotFound",
            `Resource '${ref}' does not exist or one of its queried reference-property objects are not present.`,
        );
    }
    return u;
}

/** The kind of the user's method `id` in `collection`, or a 404 (Graph's code for a missing method is unconfirmed). */
function kindOr404(u: UserRecord, collection: MethodCollection, id: string): string {
    const kind = u.methods.find((k) => collectionOf(k) === collection && methodId(u, k).toLowerCase() === id.toLowerCase());
    if (!kind) {
        throw new GraphHttpError(
            404,
            "itemNotFound",
            `The ${METHOD_COLLECTIONS[collection].entity} '${id}' was not found for user '${u.id}'.`,
        );
    }
    return kind;
}

const context = (ctx: RouteContext, version: string, u: UserRecord, rest: string) =>
    `${ctx.origin}/${version}/$metadata#users('${u.id}')/authentication/${rest}`;

/** One route per collection, so each has its own entity type for the schema checks. */
function collectionRoutes(name: MethodCollection): Route[] {
    const { entity } = METHOD_COLLECTIONS[name];
    return [
        {
            method: "GET",
            pattern: new RegExp(`^/users/([^/]+)/authentication/${name}$`),
            versions: ["v1.0", "beta"],
            entity,
            write: false,
            handle(ctx, version) {
                requireRole(ctx.claims, METHOD_READ);
                const u = userOr404(ctx, ctx.params[0]);
                const value = u.methods.filter((k) => collectionOf(k) === name).map((k) => methodObject(u, k));
                return { status: 200, body: { "@odata.context": context(ctx, version, u, name), value } };
            },
        },
        {
            method: "GET",
            pattern: new RegExp(`^/users/([^/]+)/authentication/${name}/([^/]+)$`),
            versions: ["v1.0", "beta"],
            entity,
            write: false,
            handle(ctx, version) {
                requireRole(ctx.claims, METHOD_READ);
                const u = userOr404(ctx, ctx.params[0]);
                const kind = kindOr404(u, name, ctx.params[1]);
                return { status: 200, body: { "@odata.context": context(ctx, version, u, `${name}/$entity`), ...methodObject(u, kind) } };
            },
        },
        {
            method: "DELETE",
            pattern: new RegExp(`^/users/([^/]+)/authentication/${name}/([^/]+)$`),
            versions: ["v1.0", "beta"],
            write: true,
            handle(ctx) {
                requireRole(ctx.claims, METHOD_WRITE);
                const u = userOr404(ctx, ctx.params[0]);
                const kind = kindOr404(u, name, ctx.params[1]);
                if (kind === defaultMethodKind(u) && u.methods.some((k) => k !== kind)) {
                    // Microsoft's rule and wording; the error code Graph sends with it is unconfirmed.
                    throw new GraphHttpError(
                        400,
                        "badRequest",
                        "Cannot delete default method with other methods configured. Please change default method before deletion.",
                    );
                }
                ctx.store.directory(ctx.tenant.tenantId).updateUser(u.id, { methods: u.methods.filter((k) => k !== kind) });
                return { status: 204 };
            },
        },
    ];
}

export const userMethodRoutes: Route[] = [
    ...(Object.keys(METHOD_COLLECTIONS) as MethodCollection[]).flatMap(collectionRoutes),
    {
        method: "GET",
        pattern: /^\/users\/([^/]+)\/authentication\/passwordMethods$/,
        versions: ["v1.0", "beta"],
        entity: "passwordAuthenticationMethod",
        write: false,
        handle(ctx, version) {
            requireRole(ctx.claims, METHOD_READ);
            const u = userOr404(ctx, ctx.params[0]);
            return {
                status: 200,
                body: { "@odata.context": context(ctx, version, u, "passwordMethods"), value: [passwordMethodObject()] },
            };
        },
    },
    {
        method: "POST",
        pattern: /^\/users\/([^/]+)\/revokeSignInSessions$/,
        versions: ["v1.0", "beta"],
        write: true,
        handle(ctx, version) {
            requireRole(ctx.claims, REVOKE);
            const u = userOr404(ctx, ctx.params[0]);
            // Refresh and session tokens issued before this moment stop working (Graph's user.signInSessionsValidFromDateTime).
            ctx.store
                .directory(ctx.tenant.tenantId)
                .updateUser(u.id, { signInSessionsValidFromDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") });
            return { status: 200, body: { "@odata.context": `${ctx.origin}/${version}/$metadata#Edm.Boolean`, value: true } };
        },
    },
];
