import { type BaselineMember, parseAsInputs } from "../../providers/framework/member";
import { configSchema } from "../../providers/framework/validation";
import { exportMember } from "./export";
import { AuthenticationPolicy, type AuthenticationPolicyArgs } from "./resource";
import { authenticationPolicy } from "./setting";

/** What every preset declares: basic authentication blocked for every protocol, as the organisation's default. */
const BLOCK_BASIC_AUTH = { name: "m365-mfa: block basic authentication", organizationDefault: true };

export const exchangeAuthenticationPolicyMember: BaselineMember<AuthenticationPolicyArgs, AuthenticationPolicy> = {
    key: "exchangeAuthenticationPolicy",
    title: `Exchange ${authenticationPolicy.title.toLowerCase()}`,
    settings: [authenticationPolicy],
    exportMember,
    schema: configSchema(authenticationPolicy),
    parse: parseAsInputs(authenticationPolicy),
    build: (args, ctx) => new AuthenticationPolicy(`${ctx.name}-exchange-authentication-policy`, args, { parent: ctx.parent }),
    preset: () => BLOCK_BASIC_AUTH,
    posture: () => ({ alsoBlocks: "Exchange basic authentication" }),
};
