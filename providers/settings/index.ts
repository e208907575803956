import { AnySetting } from "../framework/setting";
import { authenticationMethodConfiguration } from "./authenticationMethodConfiguration";
import { authenticationMethodsPolicy } from "./authenticationMethodsPolicy";
import { modernAuthentication } from "./modernAuthentication";
import { perUserMfa } from "./perUserMfa";
import { securityDefaults } from "./securityDefaults";
import { authenticationPolicy } from "./authenticationPolicy";
import { smtpAuth } from "./smtpAuth";
import { userHygiene } from "./userHygiene";

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
