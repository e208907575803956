import { RULES as exchange } from "./exchange/rules";
import { RULES as auditLogs } from "./graph/auditLogs.rules";
import { RULES as authenticationMethodsPolicy } from "./graph/authenticationMethodsPolicy.rules";
import { RULES as batch } from "./graph/batch.rules";
import { RULES as conditionalAccess } from "./graph/conditionalAccess.rules";
import { RULES as directory } from "./graph/directory.rules";
import { RULES as directoryRoles } from "./graph/directoryRoles.rules";
import { RULES as reports } from "./graph/reports.rules";
import { RULES as securityDefaults } from "./graph/securityDefaults.rules";
import { RULES as userMethods } from "./graph/userMethods.rules";
import { RULES as identity } from "./identity.rules";
import type { RuleTable } from "./rules";

/** Every area's rule table (see ./rules.ts). */
export const RULE_TABLES: readonly RuleTable[] = [
    securityDefaults,
    directory,
    directoryRoles,
    reports,
    authenticationMethodsPolicy,
    conditionalAccess,
    userMethods,
    batch,
    exchange,
    identity,
    auditLogs,
];
