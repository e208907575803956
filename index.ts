/**
 * The Pulumi program: builds the tenant's MFA baseline from stack config.
 *
 *   config:
 *     m365-mfa:tenantId: <tenant id>
 *     m365-mfa:clientId: <app registration id>
 *     m365-mfa:baseline:
 *       securityDefaults:
 *         enabled: true
 *
 * Credentials are read by the providers at run time (stack config secrets or environment), never here.
 */
import * as pulumi from "@pulumi/pulumi";
import { BaselineConfigError, TenantMfaBaseline, baselineArgsFromConfig, coherenceWarnings } from "./components";

function baselineArgs() {
    try {
        return baselineArgsFromConfig(new pulumi.Config("m365-mfa").getObject<unknown>("baseline"));
    } catch (err) {
        if (err instanceof BaselineConfigError) {
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
}

const args = baselineArgs();
for (const warning of coherenceWarnings(args)) {
    pulumi.log.warn(warning);
}
const baseline = new TenantMfaBaseline("tenant", args);

export const posture = baseline.posture;
