/**
 * The ready-made Pulumi program (Pulumi.yaml `main: scripts/program.js`, which runs this file compiled or from source): builds the tenant's
 * MFA baseline from
 * stack config, with the library (./index.ts) that a team's own program imports as "m365-mfa".
 *
 *   config:
 *     m365-mfa:tenantId: <tenant id>
 *     m365-mfa:clientId: <app registration id>
 *     m365-mfa:baseline:
 *       preset: conditional-access          # or list members one by one; see README
 *       breakGlassAccounts: [breakglass1@contoso.com]
 *
 * Credentials are read at run time (stack config secrets or environment), never stored.
 */
import * as pulumi from "@pulumi/pulumi";
import { trace } from "./client/trace";
import {
    BaselineConfigError,
    CONFIG_NAMESPACE,
    TenantMfaBaseline,
    baselineArgsFromConfig,
    coherenceWarnings,
    createTenantClients,
    missingPermissions,
    redact,
    requiredPermissions,
} from "./index";

// From the process's start to here: the language host, the SDK and this package loaded (M365_MFA_TRACE).
trace("program loaded", performance.timeOrigin);

function baselineArgs() {
    try {
        // Every config key of the stack too: a key under m365-mfa: the package does not read is a typo (did you mean ...?).
        return baselineArgsFromConfig(new pulumi.Config(CONFIG_NAMESPACE).getObject<unknown>("baseline"), pulumi.runtime.allConfig());
    } catch (err) {
        if (err instanceof BaselineConfigError) {
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
}

/** Every missing permission at once, before any resource is planned (m365-mfa:permissionPreflight: false skips it). */
async function preflight(args: ReturnType<typeof baselineArgs>): Promise<void> {
    if (new pulumi.Config(CONFIG_NAMESPACE).getBoolean("permissionPreflight") === false) {
        return;
    }
    const config = { get: (key: string) => pulumi.runtime.getConfig(`${CONFIG_NAMESPACE}:${key}`) };
    let missing: string[];
    try {
        missing = await missingPermissions(createTenantClients(config), requiredPermissions(args));
    } catch (err) {
        const secret = config.get("clientSecret") ?? process.env.AZURE_CLIENT_SECRET;
        throw new pulumi.RunError(
            `m365-mfa: permission preflight could not sign in: ${redact(err instanceof Error ? err.message : String(err), [secret])}`,
        );
    }
    if (missing.length) {
        throw new pulumi.RunError(
            `m365-mfa: the app registration lacks ${missing.length} permission(s) this baseline needs; nothing was changed:\n` +
                missing.map((m) => `  - ${m}`).join("\n") +
                `\nGrant them with admin consent (Entra admin center > App registrations > API permissions; for Exchange ` +
                "also the Exchange Administrator role) and preview again.",
        );
    }
}

export = async () => {
    const args = baselineArgs();
    const started = Date.now();
    await preflight(args);
    trace("program preflight", started);
    for (const warning of coherenceWarnings(args)) {
        pulumi.log.warn(warning);
    }
    const declaring = Date.now();
    const baseline = new TenantMfaBaseline("tenant", args);
    trace("program declared the baseline", declaring);
    return { posture: baseline.posture };
};
