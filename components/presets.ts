/**
 * Presets: a whole posture in one line of stack config (`m365-mfa:baseline.preset`), under which
 * any explicitly configured member wins. What each does to users is in the README ("Presets").
 */
export const PRESETS = ["security-defaults", "conditional-access", "per-user-mfa-to-conditional-access"] as const;
export type PresetName = (typeof PRESETS)[number];

const BLOCK_BASIC_AUTH = { name: "m365-mfa: block basic authentication", organizationDefault: true };

const REGISTRATION_CAMPAIGN = {
    registrationCampaign: {
        state: "enabled",
        snoozeDurationInDays: 1,
        includeTargets: [{ id: "all_users", targetType: "group", targetedAuthenticationMethod: "microsoftAuthenticator" }],
    },
};

/** The baseline a preset stands for (the value of m365-mfa:baseline without preset keys). */
export function presetBaseline(name: PresetName, migrationStage?: number): Record<string, unknown> {
    switch (name) {
        case "security-defaults":
            // Small tenants without Entra ID P1: Microsoft's security defaults require MFA registration and
            // prompts and block legacy authentication; Exchange basic authentication and SMTP AUTH are off too.
            return {
                securityDefaults: { enabled: true },
                modernAuthentication: { enabled: true },
                smtpAuth: { disabledForOrganization: true },
                exchangeAuthenticationPolicy: BLOCK_BASIC_AUTH,
            };
        case "conditional-access":
            // Entra ID P1: Conditional Access requires MFA and blocks legacy authentication, each in
            // report-only mode until the stack sets mode: on. Security defaults must be off for that.
            return {
                securityDefaults: { enabled: false },
                conditionalAccessMfa: { mode: "reportOnly" },
                legacyAuthentication: { mode: "reportOnly" },
                modernAuthentication: { enabled: true },
                smtpAuth: { disabledForOrganization: true },
                exchangeAuthenticationPolicy: BLOCK_BASIC_AUTH,
                authenticationMethods: { policy: REGISTRATION_CAMPAIGN, methods: { sms: { state: "disabled" }, voice: { state: "disabled" } } },
            };
        case "per-user-mfa-to-conditional-access": {
            // Microsoft's migration, in three stages: (1) Conditional Access in report-only beside per-user MFA,
            // (2) Conditional Access enforced, (3) per-user MFA switched off for everyone.
            const stage = migrationStage ?? 1;
            const mode = stage >= 2 ? "on" : "reportOnly";
            return {
                ...presetBaseline("conditional-access"),
                conditionalAccessMfa: { mode },
                legacyAuthentication: { mode },
                ...(stage >= 3 ? { perUserMfa: { assignments: [], allOtherUsers: "disabled" } } : {}),
            };
        }
    }
}
