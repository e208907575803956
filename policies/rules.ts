/**
 * Guardrails for a tenant's MFA posture, each mapped to the public baseline it enforces:
 * CISA ScubaGear (MS.AAD.*, MS.EXO.*) and Maester (MT.*). Mandatory rules fail the preview;
 * advisory ones warn. Levels and settings are configurable per stack (policy pack config).
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

const DYN = "pulumi-nodejs:dynamic/m365-mfa:";
export const TYPES = {
    securityDefaults: `${DYN}SecurityDefaults`,
    modernAuthentication: `${DYN}ModernAuthentication`,
    smtpAuth: `${DYN}SmtpAuth`,
    perUserMfa: `${DYN}PerUserMfa`,
    methodsPolicy: `${DYN}AuthenticationMethodsPolicy`,
    methodConfiguration: `${DYN}AuthenticationMethodConfiguration`,
    conditionalAccess: "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy",
} as const;

const LEGACY_APPS = ["exchangeActiveSync", "other"];

function ofType(resources: PolicyResource[], type: string): PolicyResource[] {
    return resources.filter((r) => r.type === type);
}

/** A Conditional Access policy that blocks the legacy client app types, and its state. */
function legacyBlocks(resources: PolicyResource[]): { name: string; state: string }[] {
    return ofType(resources, TYPES.conditionalAccess)
        .filter((r) => {
            const apps: string[] = r.props.conditions?.clientAppTypes ?? [];
            const controls: string[] = r.props.grantControls?.builtInControls ?? [];
            return LEGACY_APPS.every((a) => apps.includes(a) || apps.includes("all")) && controls.includes("block");
        })
        .map((r) => ({ name: r.name, state: r.props.state }));
}

function securityDefaultsOn(resources: PolicyResource[]): boolean {
    return ofType(resources, TYPES.securityDefaults).some((r) => r.props.isEnabled === true);
}

export const legacyAuthenticationBlocked: StackValidationPolicy = {
    name: "legacy-authentication-blocked",
    description: "Legacy authentication is blocked: security defaults on, or a Conditional Access policy blocking exchangeActiveSync and other, enforced (ScubaGear MS.AAD.1.1; Maester MT.1009, MT.1010).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        if (securityDefaultsOn(args.resources)) return;
        const blocks = legacyBlocks(args.resources);
        if (!blocks.length) {
            reportViolation("Nothing in this stack blocks legacy authentication: enable security defaults (m365-mfa:baseline.securityDefaults.enabled) or add m365-mfa:baseline.legacyAuthentication.");
        } else if (!blocks.some((b) => b.state === "enabled")) {
            reportViolation(`The legacy authentication block (${blocks.map((b) => b.name).join(", ")}) is in ${blocks[0].state}: nothing is blocked yet. Set m365-mfa:baseline.legacyAuthentication.mode to on when the report-only results are clean.`);
        }
    },
};

export const smtpAuthDisabled: StackValidationPolicy = {
    name: "smtp-auth-disabled",
    description: "SMTP AUTH is disabled for the organisation; exceptions are named mailboxes (ScubaGear MS.EXO.5.1).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const smtp = ofType(args.resources, TYPES.smtpAuth);
        if (!smtp.length) {
            reportViolation("SMTP AUTH is not managed by this stack: add m365-mfa:baseline.smtpAuth with disabledForOrganization: true.");
        }
        for (const r of smtp) {
            if (r.props.disabledForOrganization !== true) {
                reportViolation(`${r.name}: SMTP AUTH is enabled for the whole organisation; set disabledForOrganization: true and name the mailboxes that need it in exceptions.`);
            }
        }
    },
};

export const modernAuthenticationOn: ResourceValidationPolicy = {
    name: "modern-authentication-on",
    description: "Exchange Online accepts modern authentication (OAuth2ClientProfileEnabled), without which MFA cannot be used by Outlook.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === TYPES.modernAuthentication && args.props.enabled !== true) {
            reportViolation("Modern authentication is off: Outlook and other clients cannot do MFA. Set m365-mfa:baseline.modernAuthentication.enabled: true.");
        }
    },
};

export const noSmsOrVoiceForAdmins: ResourceValidationPolicy = {
    name: "no-sms-or-voice-for-admins",
    description: "SMS and voice are not enabled for administrators (ScubaGear MS.AAD.3.5 disables them for everyone; configure adminGroupIds to check admin groups only).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { adminGroupIds: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.methodConfiguration || !["sms", "voice"].includes(args.props.method) || args.props.state !== "enabled") return;
        const admins: string[] = (args.getConfig<{ adminGroupIds: string[] }>().adminGroupIds ?? []).map((g) => g.toLowerCase());
        const targets: string[] = (args.props.includeTargets ?? []).map((t: any) => String(t.id).toLowerCase());
        const excluded: string[] = (args.props.excludeTargets ?? []).map((t: any) => String(t.id).toLowerCase());
        const reached = targets.includes("all_users") ? admins.filter((a) => !excluded.includes(a)) : admins.filter((a) => targets.includes(a));
        if (targets.includes("all_users") && !admins.length) {
            reportViolation(`${args.props.method} is enabled for all users, administrators included. Disable it, or exclude the admin groups and list them in this policy's adminGroupIds.`);
        } else if (reached.length) {
            reportViolation(`${args.props.method} is enabled for administrator group(s) ${reached.join(", ")}. Exclude them (excludeTargets) or disable ${args.props.method}.`);
        }
    },
};

export const migrationComplete: StackValidationPolicy = {
    name: "authentication-methods-migration-complete",
    description: "The authentication methods policy migration is complete, so legacy MFA/SSPR settings no longer apply (ScubaGear MS.AAD.3.4).",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const p = ofType(args.resources, TYPES.methodsPolicy);
        if (!p.some((r) => r.props.policyMigrationState === "migrationComplete")) {
            reportViolation("Set m365-mfa:baseline.authenticationMethods.policy.policyMigrationState to migrationComplete.");
        }
    },
};

export const breakGlassExcludedEverywhere: StackValidationPolicy = {
    name: "break-glass-excluded-everywhere",
    description: "Every Conditional Access policy and the per-user MFA resource exclude the break-glass accounts (Maester MT.1005).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            breakGlassUserPrincipalNames: { type: "array", items: { type: "string" }, default: [] },
            breakGlassObjectIds: { type: "array", items: { type: "string" }, default: [] },
        },
    },
    validateStack: (args, reportViolation) => {
        const cfg = args.getConfig<{ breakGlassUserPrincipalNames: string[]; breakGlassObjectIds: string[] }>();
        for (const r of ofType(args.resources, TYPES.conditionalAccess)) {
            const excluded: string[] = (r.props.conditions?.users?.excludedUsers ?? []).map((x: string) => String(x).toLowerCase());
            const groups: string[] = r.props.conditions?.users?.excludedGroups ?? [];
            if (!excluded.length && !groups.length) {
                reportViolation(`${r.name}: the Conditional Access policy excludes no emergency-access account or group.`);
                continue;
            }
            const missing = (cfg.breakGlassObjectIds ?? []).filter((id) => !excluded.includes(id.toLowerCase()));
            if (missing.length) {
                reportViolation(`${r.name}: break-glass account(s) ${missing.join(", ")} are not excluded.`);
            }
        }
        for (const r of ofType(args.resources, TYPES.perUserMfa)) {
            const excluded: string[] = (r.props.excludeUsers ?? []).map((u: string) => u.toLowerCase());
            const missing = (cfg.breakGlassUserPrincipalNames ?? []).filter((u) => !excluded.includes(u.toLowerCase()));
            if (missing.length) {
                reportViolation(`${r.name}: break-glass account(s) ${missing.join(", ")} are not excluded from per-user MFA (add them to m365-mfa:baseline.breakGlassAccounts).`);
            }
        }
    },
};

export const reportOnlyTimeLimited: StackValidationPolicy = {
    name: "report-only-time-limited",
    description: "No Conditional Access policy stays in report-only longer than maxReportOnlyDays after the date recorded in reportOnlySince (policy display name -> YYYY-MM-DD); Microsoft's rollout guidance is report-only first, then on.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            maxReportOnlyDays: { type: "integer", default: 30 },
            reportOnlySince: { type: "object", additionalProperties: { type: "string" }, default: {} },
            today: { type: "string" },
        },
    },
    validateStack: (args, reportViolation) => {
        const cfg = args.getConfig<{ maxReportOnlyDays: number; reportOnlySince: Record<string, string>; today?: string }>();
        const now = cfg.today ? Date.parse(cfg.today) : Date.now();
        for (const r of ofType(args.resources, TYPES.conditionalAccess)) {
            if (r.props.state !== "enabledForReportingButNotEnforced") continue;
            const since = cfg.reportOnlySince?.[r.props.displayName];
            if (!since) {
                reportViolation(`${r.props.displayName}: in report-only with no start date; record it in this policy's reportOnlySince so the time limit can be checked.`);
                continue;
            }
            const days = Math.floor((now - Date.parse(since)) / 86_400_000);
            if (days > cfg.maxReportOnlyDays) {
                reportViolation(`${r.props.displayName}: in report-only for ${days} days (since ${since}; the limit is ${cfg.maxReportOnlyDays}). Review the report-only results and set the mode to on.`);
            }
        }
    },
};

export const securityDefaultsWithoutConditionalAccess: StackValidationPolicy = {
    name: "security-defaults-without-conditional-access",
    description: "Where the stack has no enforced Conditional Access policy, security defaults are on (Maester MT.1021).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const caEnforced = ofType(args.resources, TYPES.conditionalAccess).some((r) => r.props.state === "enabled");
        if (!caEnforced && !securityDefaultsOn(args.resources)) {
            reportViolation("No enforced Conditional Access policy and security defaults are not on: nothing requires MFA. Use preset security-defaults or conditional-access.");
        }
    },
};

export const guardrails = [
    legacyAuthenticationBlocked,
    smtpAuthDisabled,
    modernAuthenticationOn,
    noSmsOrVoiceForAdmins,
    migrationComplete,
    breakGlassExcludedEverywhere,
    reportOnlyTimeLimited,
    securityDefaultsWithoutConditionalAccess,
];
