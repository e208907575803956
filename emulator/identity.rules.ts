import type { RuleTable } from "./rules";

const CC = "learn.microsoft.com entra/identity-platform/v2-oauth2-client-creds-grant-flow";
const CODES = "learn.microsoft.com entra/identity-platform/reference-error-codes";
const TOKEN = "/{tenant}/oauth2/v2.0/token";
const FORM = {
    grant_type: "client_credentials",
    client_id: "{clientId}",
    client_secret: "{secret}",
    scope: "https://graph.microsoft.com/.default",
};

/** Entra sign-in as the clients use it (./identity.ts). */
export const RULES: RuleTable = {
    area: "identity",
    file: "emulator/identity.ts",
    rules: [
        {
            id: "identity.token.route",
            kind: "route",
            statement:
                "POST /{tenant}/oauth2/v2.0/token with grant_type=client_credentials and scope {resource}/.default answers " +
                "an access token.",
            source: CC,
            modelled: true,
            route: { methods: ["POST"], path: TOKEN, versions: [] },
            probe: { service: "identity", method: "POST", path: TOKEN, form: FORM },
            expect: { status: 200, bodyHas: ["access_token", "expires_in", "token_type"] },
        },
        {
            id: "identity.token.verb",
            kind: "verb",
            statement: "The token endpoint takes POST only (AADSTS900561).",
            source: CODES,
            modelled: true,
            probe: { service: "identity", method: "GET", path: TOKEN },
            expect: { status: 405 },
        },
        {
            id: "identity.token.scope",
            kind: "valueSet",
            statement: "Client credentials need a scope ending in /.default (AADSTS1002012, invalid_scope).",
            source: CC,
            modelled: true,
            probe: {
                service: "identity",
                method: "POST",
                path: TOKEN,
                form: { ...FORM, scope: "https://graph.microsoft.com/User.Read.All" },
            },
            expect: { status: 400, body: { error: "invalid_scope" } },
        },
        {
            id: "identity.token.grant",
            kind: "valueSet",
            statement:
                "An app-only client asks for grant_type=client_credentials; another grant type is refused (AADSTS70003 " +
                "unsupported_grant_type).",
            source: CODES,
            modelled: true,
            stricter: "The emulator serves only the client credentials grant.",
            probe: { service: "identity", method: "POST", path: TOKEN, form: { ...FORM, grant_type: "password" } },
            expect: { status: 400, body: { error: "unsupported_grant_type" } },
        },
        {
            id: "identity.token.secret",
            kind: "error",
            statement: "A wrong client secret answers 401 invalid_client (AADSTS7000215).",
            source: CODES,
            modelled: true,
            probe: { service: "identity", method: "POST", path: TOKEN, form: { ...FORM, client_secret: "wrong" } },
            expect: { status: 401, body: { error: "invalid_client" } },
        },
        {
            id: "identity.token.tenant",
            kind: "error",
            statement: "An unknown tenant answers 400 (AADSTS90002).",
            source: CODES,
            modelled: true,
            probe: { service: "identity", method: "POST", path: "/00000000-0000-0000-0000-00000000dead/oauth2/v2.0/token", form: FORM },
            expect: { status: 400, body: { error: "invalid_request" } },
        },
        {
            id: "identity.discovery",
            kind: "route",
            statement:
                "GET /{tenant}/v2.0/.well-known/openid-configuration lists token_endpoint, issuer, jwks_uri and authorization_endpoint.",
            source: "learn.microsoft.com entra/identity-platform/v2-protocols-oidc",
            modelled: true,
            route: { methods: ["GET"], path: "/{tenant}/v2.0/.well-known/openid-configuration", versions: [] },
            probe: { service: "identity", method: "GET", path: "/{tenant}/v2.0/.well-known/openid-configuration" },
            expect: { status: 200, bodyHas: ["token_endpoint", "issuer", "jwks_uri", "authorization_endpoint"] },
        },
        {
            id: "identity.keys",
            kind: "route",
            statement: "GET /{tenant}/discovery/v2.0/keys publishes the signing keys.",
            source: "learn.microsoft.com entra/identity-platform/v2-protocols-oidc",
            modelled: true,
            route: { methods: ["GET"], path: "/{tenant}/discovery/v2.0/keys", versions: [] },
            probe: { service: "identity", method: "GET", path: "/{tenant}/discovery/v2.0/keys" },
            expect: { status: 200, bodyHas: ["keys"] },
        },
        {
            id: "identity.wrongAudience",
            kind: "status",
            statement: "Graph refuses a token issued for another resource (Exchange's) with 401.",
            source: "microsoftgraph/microsoft-graph-docs-contrib concepts/resolve-auth-errors.md (invalid audience)",
            modelled: true,
            probe: { method: "GET", path: "/policies/identitySecurityDefaultsEnforcementPolicy", app: "(exchange token)" },
            expect: { status: 401, code: "InvalidAuthenticationToken" },
        },
        {
            id: "identity.conditionalAccessForWorkloads",
            kind: "status",
            statement: "Conditional Access for workload identities can block an app's token requests (AADSTS53003).",
            source: "learn.microsoft.com entra/identity/conditional-access/workload-identity",
            modelled: false,
        },
    ],
};
