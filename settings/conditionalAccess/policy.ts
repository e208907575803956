/** Guardrails about Conditional Access, legacy authentication and the break-glass accounts. */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ofType } from "../../providers/framework/guardrail";
import { dynamicType } from "../../providers/framework/setting";
import { perUserMfa } from "../perUserMfa/setting";
import { keyOf, wideKey } from "../../providers/framework/member";
import { securityDefaultsMember } from "../securityDefaults/member";
import { securityDefaultsOn } from "../securityDefaults/policy";
import {
    CONDITIONAL_ACCESS_POLICY_TYPE,
    deviceCodeFlowMember,
    legacyAuthenticationMember,
    phishingResistantAdminsMember,
    requireMfaMember,
} from "./member";
import { PRIVILEGED_ROLES } from "./resource";

const GLOBAL_ADMINISTRATOR = PRIVILEGED_ROLES["Global Administrator"];

const PER_USER_MFA_TYPE = dynamicType(perUserMfa.type);

const LEGACY_APPS = ["exchangeActiveSync", "other"];

/** A Conditional Access policy that blocks the legacy client app types, and its state. */
function legacyBlocks(resources: PolicyResource[]): { name: string; state: string }[] {
    return ofType(resources, CONDITIONAL_ACCESS_POLICY_TYPE)
        .filter((r) => {
            const apps: string[] = r.props.conditions?.clientAppTypes ?? [];
            const controls: string[] = r.props.grantControls?.builtInControls ?? [];
            return LEGACY_APPS.every((a) => apps.includes(a) || apps.includes("all")) && controls.includes("block");
        })
        .map((r) => ({ name: r.name, state: r.props.state }));
}

export const legacyAuthenticationBlocked: StackValidationPolicy = {
    name: "legacy-authentication-blocked",
    description:
        "Legacy authentication is blocked: security defaults on, or a Conditional Access policy blocking exchangeActiveSync " +
        "and other, enforced (ScubaGear MS.AAD.1.1; CIS 7.0.0 5.2.2.3; Maester MT.1009, MT.1010).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        if (securityDefaultsOn(args.resources)) return;
        const blocks = legacyBlocks(args.resources);
        if (!blocks.length) {
            reportViolation(
                "Nothing in this stack blocks legacy authentication: enable security defaults (" +
                    `${keyOf(securityDefaultsMember)}.enabled) or add ${keyOf(legacyAuthenticationMember)}.`,
            );
        } else if (!blocks.some((b) => b.state === "enabled")) {
            reportViolation(
                `The legacy authentication block (${blocks.map((b) => b.name).join(", ")}) is in ${blocks[0].state}: nothing ` +
                    `is blocked yet. Set ${keyOf(legacyAuthenticationMember)}.mode to on when the report-only results are clean.`,
            );
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
        for (const r of ofType(args.resources, CONDITIONAL_ACCESS_POLICY_TYPE)) {
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
        for (const r of ofType(args.resources, PER_USER_MFA_TYPE)) {
            const excluded: string[] = (r.props.excludeUsers ?? []).map((u: string) => u.toLowerCase());
            const missing = (cfg.breakGlassUserPrincipalNames ?? []).filter((u) => !excluded.includes(u.toLowerCase()));
            if (missing.length) {
                reportViolation(
                    `${r.name}: break-glass account(s) ${missing.join(", ")} are not excluded from per-user MFA (add them to ` +
                        `${wideKey("breakGlassAccounts")}).`,
                );
            }
        }
    },
};

export const reportOnlyTimeLimited: StackValidationPolicy = {
    name: "report-only-time-limited",
    description:
        "No Conditional Access policy stays in report-only longer than maxReportOnlyDays after the date recorded in " +
        "reportOnlySince (policy display name -> YYYY-MM-DD); Microsoft's rollout guidance is report-only first, then on.",
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
        for (const r of ofType(args.resources, CONDITIONAL_ACCESS_POLICY_TYPE)) {
            if (r.props.state !== "enabledForReportingButNotEnforced") continue;
            const since = cfg.reportOnlySince?.[r.props.displayName];
            if (!since) {
                reportViolation(
                    `${r.props.displayName}: in report-only with no start date; record it in this policy's reportOnlySince ` +
                        "so the time limit can be checked.",
                );
                continue;
            }
            const days = Math.floor((now - Date.parse(since)) / 86_400_000);
            if (days > cfg.maxReportOnlyDays) {
                reportViolation(
                    `${r.props.displayName}: in report-only for ${days} days (since ${since}; the limit is ` +
                        `${cfg.maxReportOnlyDays}). Review the report-only results and set the mode to on.`,
                );
            }
        }
    },
};

/** A Conditional Access policy that grants by the phishing-resistant strength to the highly privileged roles, and its state. */
export const phishingResistantAdmins: StackValidationPolicy = {
    name: "phishing-resistant-mfa-for-admins",
    description:
        "The highly privileged roles must sign in with phishing-resistant MFA: a Conditional Access policy targeting them " +
        "with the built-in Phishing-resistant MFA strength (or a custom strength of phishing-resistant methods only), " +
        "enforced (ScubaGear MS.AAD.3.6v1; CIS 7.0.0 5.2.2.5; it also satisfies Maester MT.1006, MFA for admins). " +
        "Phishing-resistant MFA for every user (ScubaGear MS.AAD.3.1v1) is checked by phishing-resistant-mfa-for-all-users.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const strong = ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"];
        const customs = new Map(
            ofType(args.resources, "azuread:index/authenticationStrengthPolicy:AuthenticationStrengthPolicy").map((r) => [
                r.props.id as string | undefined,
                (r.props.allowedCombinations ?? []) as string[],
            ]),
        );
        // Only where the stack manages Conditional Access (Entra ID P1): without it, security-defaults-without-conditional-access speaks.
        if (!ofType(args.resources, CONDITIONAL_ACCESS_POLICY_TYPE).length) return;
        const policies = ofType(args.resources, CONDITIONAL_ACCESS_POLICY_TYPE).filter((r) =>
            (r.props.conditions?.users?.includedRoles ?? []).includes(GLOBAL_ADMINISTRATOR),
        );
        const phishingResistant = policies.filter((r) => {
            const id: string = r.props.grantControls?.authenticationStrengthPolicyId ?? "";
            if (id.endsWith("00000000-0000-0000-0000-000000000004")) return true;
            const combos = customs.get(id);
            return !!combos && combos.length > 0 && combos.every((c) => strong.includes(c));
        });
        if (!phishingResistant.length) {
            reportViolation(
                "No Conditional Access policy requires phishing-resistant MFA of the administrators: add " +
                    `${keyOf(phishingResistantAdminsMember)} (ScubaGear MS.AAD.3.6, CIS 5.2.2.5).`,
            );
        } else if (!phishingResistant.some((r) => r.props.state === "enabled")) {
            reportViolation(
                `Phishing-resistant MFA for administrators (${phishingResistant.map((r) => r.name).join(", ")}) is in ` +
                    `${phishingResistant[0].props.state}: nothing is enforced yet. Set ` +
                    `${keyOf(phishingResistantAdminsMember)}.mode to on when the report-only results are clean.`,
            );
        }
    },
};

export const deviceCodeFlowBlocked: StackValidationPolicy = {
    name: "device-code-flow-blocked",
    description:
        "Device code flow is blocked by a Conditional Access policy (authenticationFlows deviceCodeFlow, grant block), " +
        "enforced (ScubaGear MS.AAD.3.9; CIS 7.0.0 5.2.2.12).",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        if (!ofType(args.resources, CONDITIONAL_ACCESS_POLICY_TYPE).length) return; // no Conditional Access in this stack (see above)
        const blocks = ofType(args.resources, CONDITIONAL_ACCESS_POLICY_TYPE).filter(
            (r) =>
                (r.props.conditions?.authenticationFlowTransferMethods ?? []).includes("deviceCodeFlow") &&
                (r.props.grantControls?.builtInControls ?? []).includes("block"),
        );
        if (!blocks.length) {
            reportViolation(
                `Nothing in this stack blocks the device code flow: add ${keyOf(deviceCodeFlowMember)} (ScubaGear ` +
                    "MS.AAD.3.9, CIS 5.2.2.12).",
            );
        } else if (!blocks.some((b) => b.props.state === "enabled")) {
            reportViolation(
                `The device code flow block (${blocks.map((b) => b.name).join(", ")}) is in ${blocks[0].props.state}: ` +
                    `nothing is blocked yet. Set ${keyOf(deviceCodeFlowMember)}.mode to on when the report-only results are ` +
                    "clean.",
            );
        }
    },
};

/**
 * MFA for every user: security defaults, or an enforced Conditional Access policy requiring MFA (or an authentication strength) of all
 * users.
 */
export const mfaForAllUsers: StackValidationPolicy = {
    name: "mfa-for-all-users",
    description:
        "Every user must do MFA: security defaults on, or a Conditional Access policy for all users granting by MFA or an " +
        "authentication strength, enforced (ScubaGear MS.AAD.3.2v2, the stopgap where MS.AAD.3.1v1's phishing-resistant MFA " +
        "is not enforced; CIS 7.0.0 5.2.2.2, which with it covers 5.2.2.1 for administrators; Maester MT.1007).",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        // Security defaults, or no Conditional Access in this stack at all (security-defaults-without-conditional-access covers that).
        if (securityDefaultsOn(args.resources) || !ofType(args.resources, CONDITIONAL_ACCESS_POLICY_TYPE).length) return;
        const all = ofType(args.resources, CONDITIONAL_ACCESS_POLICY_TYPE).filter(
            (r) =>
                (r.props.conditions?.users?.includedUsers ?? []).includes("All") &&
                ((r.props.grantControls?.builtInControls ?? []).includes("mfa") || !!r.props.grantControls?.authenticationStrengthPolicyId),
        );
        if (!all.length) {
            reportViolation(
                `Nothing in this stack requires MFA of every user: add ${keyOf(requireMfaMember)} (or enable security ` +
                    "defaults where there is no Entra ID P1).",
            );
        } else if (!all.some((r) => r.props.state === "enabled")) {
            reportViolation(
                `MFA for all users (${all.map((r) => r.name).join(", ")}) is in ${all[0].props.state}: nobody is asked for ` +
                    `MFA by it yet. Set ${keyOf(requireMfaMember)}.mode to on when the report-only results are clean.`,
            );
        }
    },
};

const PHISHING_RESISTANT = "00000000-0000-0000-0000-000000000004";
const PHISHING_RESISTANT_COMBINATIONS = ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"];

/**
 * ScubaGear MS.AAD.3.1v1, "Phishing-resistant MFA SHALL be enforced for all users" (cisagov/ScubaGear
 * baselines/aad.md: users All, all resources, grant by the Phishing-resistant MFA strength). Advisory:
 * no member of this package creates that policy (MFA for all users grants by MFA, MS.AAD.3.2's
 * stopgap); a stack whose all-users policy grants by the phishing-resistant strength, enforced, meets it.
 * Only where the stack manages Conditional Access.
 */
export const phishingResistantForAllUsers: StackValidationPolicy = {
    name: "phishing-resistant-mfa-for-all-users",
    description:
        "Every user signs in with phishing-resistant MFA: a Conditional Access policy for all users granting by the built-in " +
        "Phishing-resistant MFA strength (or a custom strength of phishing-resistant methods only), enforced (ScubaGear " +
        "MS.AAD.3.1v1).",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const policies = ofType(args.resources, CONDITIONAL_ACCESS_POLICY_TYPE);
        if (!policies.length) return;
        const customs = new Map(
            ofType(args.resources, "azuread:index/authenticationStrengthPolicy:AuthenticationStrengthPolicy").map((r) => [
                r.props.id as string | undefined,
                (r.props.allowedCombinations ?? []) as string[],
            ]),
        );
        const strong = policies.filter((r) => {
            if (!(r.props.conditions?.users?.includedUsers ?? []).includes("All")) return false;
            const id: string = r.props.grantControls?.authenticationStrengthPolicyId ?? "";
            const combos = customs.get(id);
            return (
                id.endsWith(PHISHING_RESISTANT) ||
                (!!combos && combos.length > 0 && combos.every((c) => PHISHING_RESISTANT_COMBINATIONS.includes(c)))
            );
        });
        if (!strong.some((r) => r.props.state === "enabled")) {
            reportViolation(
                strong.length
                    ? `Phishing-resistant MFA for all users (${strong.map((r) => r.name).join(", ")}) is in ` +
                          `${strong[0].props.state}: nothing is enforced yet (ScubaGear MS.AAD.3.1v1).`
                    : "No Conditional Access policy requires phishing-resistant MFA of every user (ScubaGear MS.AAD.3.1v1); " +
                          `${keyOf(requireMfaMember)} grants by MFA, the stopgap of MS.AAD.3.2v2. Phishing-resistant MFA for the ` +
                          `administrators is ${keyOf(phishingResistantAdminsMember)} (MS.AAD.3.6v1).`,
            );
        }
    },
};

/**
 * CIS Microsoft 365 7.0.0 5.1.2.1, "Ensure 'Per-user MFA' is disabled" (the benchmark's title as public
 * CIS-based checks carry it, e.g. mitre/microsoft-365-foundations-cis-baseline controls 5.1.2.1; the 7.0.0
 * PDF itself is not public); Microsoft advises converting per-user MFA users to Conditional Access
 * (entra-docs howto-mfa-userstates.md). Advisory: a per-user MFA resource of the stack that leaves
 * anyone enabled or enforced.
 */
export const perUserMfaDisabled: StackValidationPolicy = {
    name: "per-user-mfa-disabled",
    description:
        "Per-user MFA is disabled for every user; MFA is required by Conditional Access or security defaults instead (CIS " +
        "7.0.0 5.1.2.1; Microsoft's guidance: convert per-user MFA users to Conditional Access).",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        for (const r of ofType(args.resources, PER_USER_MFA_TYPE)) {
            const on = ((r.props.assignments ?? []) as { state?: string }[])
                .filter((a) => a.state && a.state !== "disabled")
                .map((a) => a.state as string);
            if (r.props.allOtherUsers && r.props.allOtherUsers !== "disabled") on.push(`${r.props.allOtherUsers} (allOtherUsers)`);
            if (on.length) {
                reportViolation(
                    `${r.name}: per-user MFA stays on (${[...new Set(on)].join(", ")}); CIS 5.1.2.1 asks for it disabled for ` +
                        "everyone, with MFA from Conditional Access (preset per-user-mfa-to-conditional-access, stage 3).",
                );
            }
        }
    },
};
