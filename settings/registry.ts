import { AnySetting } from "../providers/framework/setting";
import { authenticationMethodConfiguration } from "./authenticationMethods/methodConfiguration";
import { authenticationMethodsPolicy } from "./authenticationMethods/policy";
import { modernAuthentication } from "./modernAuthentication/setting";
import { perUserMfa } from "./perUserMfa/setting";
import { securityDefaults } from "./securityDefaults/setting";
import { authenticationPolicy } from "./exchangeAuthenticationPolicy/setting";
import { smtpAuth } from "./smtpAuth/setting";
import { userHygiene } from "./hygiene/setting";

/** Every tenant setting this package manages, by resource type. */
export const SETTINGS: Readonly<Record<string, AnySetting>> = {
    [securityDefaults.type]: securityDefaults,
    [perUserMfa.type]: perUserMfa,
    [modernAuthentication.type]: modernAuthentication,
    [smtpAuth.type]: smtpAuth,
    [authenticationPolicy.type]: authenticationPolicy,
    [authenticationMethodsPolicy.type]: authenticationMethodsPolicy,
    [authenticationMethodConfiguration.type]: authenticationMethodConfiguration,
    [userHygiene.type]: userHygiene,
};

export { perUserMfa, securityDefaults };
export { modernAuthentication };
export { authenticationPolicy, smtpAuth };
export { authenticationMethodConfiguration, authenticationMethodsPolicy };
export { userHygiene };
