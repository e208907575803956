import { AnySetting } from "../framework/setting";
import { modernAuthentication } from "./modernAuthentication";
import { perUserMfa } from "./perUserMfa";
import { securityDefaults } from "./securityDefaults";

/** Every tenant setting this package manages, by resource type. */
export const SETTINGS: Readonly<Record<string, AnySetting>> = {
    [securityDefaults.type]: securityDefaults,
    [perUserMfa.type]: perUserMfa,
    [modernAuthentication.type]: modernAuthentication,
};

export { perUserMfa, securityDefaults };
export { modernAuthentication };
