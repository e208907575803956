/** Guardrails about the authentication methods policy and its methods. */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { ofType } from "../../providers/framework/guardrail";
import { dynamicType } from "../../providers/framework/setting";
import { keyOf } from "../../providers/framework/member";
import { authenticationMethodsMember } from "./member";
import { authenticationMethodConfiguration } from "./methodConfiguration";
import { authenticationMethodsPolicy } from "./policy";

const METHOD_CONFIGURATION_TYPE = dynamicType(authenticationMethodConfiguration.type);
const METHODS_POLICY_TYPE = dynamicType(authenticationMethodsPolicy.type);

export const noSmsOrVoiceForAdmins: ResourceValidationPolicy = {
    name: "no-sms-or-voice-for-admins",
    description:
        "SMS and voice are not enabled for administrators (ScubaGear MS.AAD.3.5 disables them for everyone; configure " +
        "adminGroupIds to check admin groups only).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { adminGroupIds: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, reportViolation) => {
        if (args.type !== METHOD_CONFIGURATION_TYPE || !["sms", "voice"].includes(args.props.method) || args.props.state !== "enabled")
            return;
        const admins: string[] = (args.getConfig<{ adminGroupIds: string[] }>().adminGroupIds ?? []).map((g) => g.toLowerCase());
        const targets: string[] = (args.props.includeTargets ?? []).map((t: any) => String(t.id).toLowerCase());
        const excluded: string[] = (args.props.excludeTargets ?? []).map((t: any) => String(t.id).toLowerCase());
        const reached = targets.includes("all_users")
            ? admins.filter((a) => !excluded.includes(a))
            : admins.filter((a) => targets.includes(a));
        if (targets.includes("all_users") && !admins.length) {
            reportViolation(
                `${args.props.method} is enabled for all users, administrators included. Disable it, or exclude the admin ` +
                    "groups and list them in this policy's adminGroupIds.",
            );
        } else if (reached.length) {
            reportViolation(
                `${args.props.method} is enabled for administrator group(s) ${reached.join(", ")}. Exclude them ` +
                    `(excludeTargets) or disable ${args.props.method}.`,
            );
        }
    },
};

export const migrationComplete: StackValidationPolicy = {
    name: "authentication-methods-migration-complete",
    description:
        "The authentication methods policy migration is complete, so legacy MFA/SSPR settings no longer apply (ScubaGear MS.AAD.3.4).",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const p = ofType(args.resources, METHODS_POLICY_TYPE);
        if (!p.some((r) => r.props.policyMigrationState === "migrationComplete")) {
            reportViolation(`Set ${keyOf(authenticationMethodsMember)}.policy.policyMigrationState to migrationComplete.`);
        }
    },
};

const OTP_METHODS = ["sms", "voice", "email"];

/**
 * ScubaGear v1.8 MS.AAD.3.5v2 (SMS, voice and email one-time passcodes disabled; shared/reference/microsoft-api-facts.md).
 * EIDSCA has checks on these methods' states too; their ids were not verified here, so none is named.
 */
export const otpMethodsDisabled: ResourceValidationPolicy = {
    name: "sms-voice-email-otp-disabled",
    description: "SMS, voice and email one-time passcodes are disabled in the authentication methods policy (ScubaGear MS.AAD.3.5v2).",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (args.type !== METHOD_CONFIGURATION_TYPE || !OTP_METHODS.includes(args.props.method) || args.props.state !== "enabled") return;
        reportViolation(
            `${args.props.method} is enabled: ScubaGear MS.AAD.3.5v2 asks to disable SMS, voice and email one-time passcodes ` +
                "(phishable). Set state: disabled.",
        );
    },
};

/**
 * Passkeys for administrators are attested (ScubaGear MS.AAD.3.6 and CIS 5.2.2.5, phishing-resistant MFA for
 * privileged roles; entra-docs how-to-authentication-passkey-profiles "Special consideration for high-privileged
 * accounts": device-bound, attestation enforced for IT admins): every passkey profile an admin group
 * (adminGroupIds, or all_users) may use enforces attestation.
 */
export const passkeyAttestationForAdmins: ResourceValidationPolicy = {
    name: "passkey-attestation-for-admins",
    description:
        "Every passkey profile administrators may use enforces attestation (ScubaGear MS.AAD.3.6, CIS 5.2.2.5; Microsoft's " +
        "passkey profile guidance for privileged accounts).",
    enforcementLevel: "advisory",
    configSchema: { properties: { adminGroupIds: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, reportViolation) => {
        if (args.type !== METHOD_CONFIGURATION_TYPE || args.props.method !== "fido2" || !args.props.passkeyProfiles) return;
        const admins: string[] = (args.getConfig<{ adminGroupIds: string[] }>().adminGroupIds ?? []).map((g) => g.toLowerCase());
        const profiles = args.props.passkeyProfiles as Record<string, { attestationEnforcement?: string }>;
        for (const t of (args.props.includeTargets ?? []) as { id: string; allowedPasskeyProfiles?: string[] }[]) {
            const id = String(t.id).toLowerCase();
            if (id !== "all_users" && !admins.includes(id)) continue;
            const weak = (t.allowedPasskeyProfiles ?? ["default"]).filter((k) => profiles[k]?.attestationEnforcement === "disabled");
            if (weak.length) {
                reportViolation(
                    `fido2: ${id === "all_users" ? "all users, administrators included," : `administrator group ${id}`} may ` +
                        `use passkey profile(s) ${weak.join(", ")} without attestation. Set attestationEnforcement: ` +
                        "registrationOnly on them, or give admins an attested profile only.",
                );
            }
        }
    },
};

/**
 * QR code with PIN is a single-factor method "primarily for frontline workers (FLW) and not for information
 * workers" (Microsoft's guidance, entra-docs concept-authentication-qr-code); no baseline names a control for it, so
 * this rule is advisory: enabled only for named groups (allowedGroupIds), never for all users.
 */
export const qrCodeOnlyWhereIntended: ResourceValidationPolicy = {
    name: "qr-code-only-where-intended",
    description:
        "QR code sign-in (single factor) is enabled only for the groups meant to use it, never for all users (Microsoft's " +
        "guidance: frontline workers, not information workers; no baseline control).",
    enforcementLevel: "advisory",
    configSchema: { properties: { allowedGroupIds: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, reportViolation) => {
        if (args.type !== METHOD_CONFIGURATION_TYPE || args.props.method !== "qrCodePin" || args.props.state !== "enabled") return;
        const allowed: string[] = (args.getConfig<{ allowedGroupIds: string[] }>().allowedGroupIds ?? []).map((g) => g.toLowerCase());
        const targets: string[] = (args.props.includeTargets ?? []).map((t: any) => String(t.id).toLowerCase());
        const outside = targets.filter((t) => !allowed.includes(t));
        if (outside.length) {
            reportViolation(
                `qrCodePin is enabled for ${outside.map((t) => (t === "all_users" ? "all users" : t)).join(", ")}; QR code ` +
                    "sign-in is meant for frontline groups only. Target those groups and list them in this policy's " +
                    "allowedGroupIds.",
            );
        }
    },
};
