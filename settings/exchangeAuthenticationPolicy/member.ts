import { BaselineMember, parseAsInputs } from "../../components/member";
import { configSchema } from "../../providers/framework/validation";
import type { AuthenticationPolicy, AuthenticationPolicyArgs } from "./resource";
import { authenticationPolicy } from "./setting";

/** What every preset declares: basic authentication blocked for every protocol, as the organisation's default. */
const BLOCK_BASIC_AUTH = { name: "m365-mfa: block basic authentication", organizationDefault: true };

export const exchangeAuthenticationPolicyMember: BaselineMember<AuthenticationPolicyArgs, AuthenticationPolicy> = {
    title: `Exchange ${authenticationPolicy.title.toLowerCase()}`,
    settings: [authenticationPolicy],
    exportMember: (ctx) => (require("./export") as typeof import("./export")).exportMember(ctx),
    schema: configSchema(authenticationPolicy),
    parse: parseAsInputs(authenticationPolicy),
    build: (args, ctx) => {
        const { AuthenticationPolicy } = require("./resource") as typeof import("./resource");
        return new AuthenticationPolicy(`${ctx.name}-exchange-authentication-policy`, args, { parent: ctx.parent });
    },
    preset: () => BLOCK_BASIC_AUTH,
    posture: () => ({ alsoBlocks: "Exchange basic authentication" }),
};
