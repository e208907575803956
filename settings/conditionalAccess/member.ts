import { checkedBySetting } from "../../providers/framework/declare";
import type { BaselineMember, BaselineWide, Requirement, RuleContext } from "../../providers/framework/member";
import { type Infer, boolWith, list, obj, oneOf, str } from "../../providers/framework/validation";
import { securityDefaultsMember } from "../securityDefaults/member";
import { breakGlassAccounts } from "./breakGlass";
import {
    exportBreakGlassAccounts,
    exportConditionalAccessMfa,
    exportDeviceCodeFlow,
    exportGuards,
    exportLegacyAuthentication,
    exportPhishingResistantAdmins,
} from "./export";
import {
    DeviceCodeFlowBlock,
    LegacyAuthenticationBlock,
    PRIVILEGED_ROLES,
    PhishingResistantAdminsPolicy,
    RequireMfaPolicy,
} from "./resource";
import { CA_MODES, CONFIRMATION_KIND, conditionalAccessRollout } from "./rollout";

/**
 * The config of the four Conditional Access members, declared once: their types (Infer), the shape the
 * baseline checks (full config key, did you mean, all problems at once) and the JSON Schema of
 * m365-mfa:baseline come from these; `parse` keeps only the rules across keys (a custom strength and its
 * name) and the role names' lookup.
 */
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The keys every Conditional Access member has. */
const POLICY_FIELDS = {
    /** reportOnly (enabledForReportingButNotEnforced), on (enabled) or off (disabled). */
    mode: oneOf(CA_MODES, "report-only first, as Microsoft recommends"),
    /** Display name of the policy. */
    displayName: str(),
    /** The object id of an existing policy of this shape that the first up adopts (azuread's import; written by npm run export). */
    adoptPolicyId: str({ pattern: GUID_RE, hint: "the object id of the existing policy the first up adopts (written by npm run export)" }),
};

/**
 * `m365-mfa:baseline.legacyAuthentication` and `.conditionalAccessMfa`: a Conditional Access policy (Entra ID P1), report-only first, then
 * on.
 */
export const conditionalAccessSchema = obj(POLICY_FIELDS, { required: ["mode"] });
export type ConditionalAccessSettings = Infer<typeof conditionalAccessSchema>;

/** The type token of the azuread resource the Conditional Access members compose. */
export const CONDITIONAL_ACCESS_POLICY_TYPE = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy";

/** The value as configured, its keys as declared (a key left out stays out). */
const declared = <T extends object>(v: T): T => Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as T;

/** Conditional Access presets: report-only; the migration preset enforces from stage 2. */
const preset = (name: string, stage: number | undefined): ConditionalAccessSettings | undefined =>
    name === "conditional-access"
        ? { mode: "reportOnly" }
        : name === "per-user-mfa-to-conditional-access"
          ? { mode: (stage ?? 1) >= 2 ? "on" : "reportOnly" }
          : undefined;

/** An adopted policy needs the accounts it excludes and, when on, its confirmation, in the same config. */
const EXPORT_WIDE = { breakGlassAccounts: exportBreakGlassAccounts, guards: exportGuards };

/** Entra's directory audit activities for Conditional Access policies (the drift report's "who and when"). */
const CA_AUDIT_ACTIVITIES = ["Add Conditional Access policy", "Update Conditional Access policy", "Delete Conditional Access policy"];

/** What weakens a Conditional Access policy: enforcement going back to report-only or off, break-glass exclusions removed. */
function composedWeakens(_type: string, c: { field: string; from: unknown; to: unknown }): string | undefined {
    if (c.field === "state" && c.from === "enabled" && c.to !== "enabled")
        return `a Conditional Access policy goes back from enforced to ${c.to === "disabled" ? "off" : "report-only"}`;
    if (/^conditions\.users\.excludedUsers/.test(c.field)) {
        const from = Array.isArray(c.from) ? (c.from as unknown[]) : c.from === undefined ? [] : [c.from];
        const to = Array.isArray(c.to) ? (c.to as unknown[]) : c.to === undefined ? [] : [c.to];
        if (from.some((x) => !to.includes(x))) return "an exclusion (break-glass account) is removed from a Conditional Access policy";
    }
    const list = (v: unknown) => (Array.isArray(v) ? (v as unknown[]).map(String) : v === undefined || v === null ? [] : [String(v)]);
    // Issue 24: a weaker strength for the administrators, fewer roles covered, authentication transfer no longer blocked.
    if (
        /^grantControls\.authenticationStrengthPolicyId/.test(c.field) &&
        String(c.from ?? "").endsWith("00000000-0000-0000-0000-000000000004") &&
        !String(c.to ?? "").endsWith("00000000-0000-0000-0000-000000000004")
    ) {
        return "the administrators' authentication strength is no longer the built-in Phishing-resistant MFA";
    }
    if (/^conditions\.users\.includedRoles/.test(c.field) && list(c.from).some((x) => !list(c.to).includes(x))) {
        return "a directory role is no longer covered by the phishing-resistant MFA policy";
    }
    if (/^conditions\.authenticationFlowTransferMethods/.test(c.field) && list(c.from).some((x) => !list(c.to).includes(x))) {
        return `a transfer method (${list(c.from)
            .filter((x) => !list(c.to).includes(x))
            .join(", ")}) is no longer blocked`;
    }
    return undefined;
}

/**
 * Rules every Conditional Access member follows: a break-glass account to exclude. Switching a policy
 * on is confirmed at preview, where the tenant is read (the rollout guard, ./rollout.ts): the
 * confirmation names the change ("<policy>:<users>:<digest>"). The static "<policy>:on" of earlier
 * versions confirmed any enforcement forever; it is no longer read, and a config that still has it is
 * told so.
 */
function caProblems() {
    return (args: ConditionalAccessSettings | undefined, ctx: RuleContext): string[] => {
        const problems: string[] = [];
        if (args && args.mode !== "off" && !(ctx.wide.breakGlassAccounts ?? []).length) {
            problems.push(
                `${ctx.key} needs ${ctx.wideKey("breakGlassAccounts")}: every block or MFA policy must exclude at least one ` +
                    "emergency-access account, or a mistake locks every admin out.",
            );
        }
        return problems;
    };
}

function caWarnings(kind: string) {
    return (_args: ConditionalAccessSettings | undefined, ctx: RuleContext): string[] => {
        const old = `${kind}:on`;
        return (ctx.wide.guards?.confirm ?? []).includes(old)
            ? [
                  `${ctx.wideKey("guards")}.confirm lists "${old}", which no longer confirms anything: switching ${ctx.key} ` +
                      "on is confirmed at preview by a confirmation that names the change " +
                      `("${kind}:<users>:<digest>", which the preview asks for when the tenant's policy is not enforced ` +
                      `yet). Remove "${old}".`,
              ]
            : [];
    };
}

/**
 * What the rollout guard reads besides the policies (components/preflight.ts checks these at preview)
 * when the stack switches the policy on: the users it starts to apply to, and its evidence: the
 * sign-in log's report-only results (signin-list.md: AuditLog.Read.All), for the administrators' policy
 * the registration report (userregistrationdetails: AuditLog.Read.All) and the roles' holders
 * (directoryrole-list-members.md: RoleManagement.Read.Directory or Directory.Read.All), else every user.
 */
function caPermissions(title: string, roles: boolean) {
    return (args: ConditionalAccessSettings, wide: BaselineWide): Requirement[] => {
        if (args.mode !== "on") return [];
        const out: Requirement[] = [
            {
                feature: `${title} switch-on (the users it starts to apply to)`,
                service: "graph",
                anyOf: ["User.Read.All", "Directory.Read.All"],
            },
        ];
        if (wide.readiness?.mode !== "off") {
            out.push({
                feature: `${title} switch-on evidence (sign-in logs' report-only results${roles ? ", registration report" : ""})`,
                service: "graph",
                anyOf: ["AuditLog.Read.All"],
            });
        }
        if (roles)
            out.push({
                feature: `${title} switch-on evidence (the roles' holders)`,
                service: "graph",
                anyOf: ["RoleManagement.Read.Directory", "Directory.Read.All"],
            });
        return out;
    };
}

/** Entra refuses to enforce a Conditional Access policy while security defaults are on: the policies wait for that setting (off first). */
function afterSecurityDefaults(ctx: { builtBy: <B>(m: BaselineMember<any, B>) => B | undefined }) {
    const sd = ctx.builtBy(securityDefaultsMember);
    return sd ? { dependsOn: [sd] } : {};
}

export const legacyAuthenticationMember: BaselineMember<ConditionalAccessSettings, LegacyAuthenticationBlock> = {
    key: "legacyAuthentication",
    title: "Legacy authentication block (Conditional Access)",
    enforces: (args) => (args.mode === "on" ? { blocksLegacy: true } : undefined),
    composes: { [CONDITIONAL_ACCESS_POLICY_TYPE]: "Conditional Access policy" },
    composedWeakens,
    composedAuditActivities: CA_AUDIT_ACTIVITIES,
    settings: [conditionalAccessRollout, breakGlassAccounts],
    permissions: caPermissions("Legacy authentication block (Conditional Access)", false),
    exportMember: exportLegacyAuthentication,
    exportWide: EXPORT_WIDE,
    schema: conditionalAccessSchema,
    build: (args, ctx) => {
        return new LegacyAuthenticationBlock(
            `${ctx.name}-legacy-authentication`,
            {
                mode: args.mode,
                breakGlassAccounts: ctx.wide.breakGlassAccounts ?? [],
                displayName: args.displayName,
                adoptPolicyId: args.adoptPolicyId,
                ...(ctx.wide.guards?.confirm ? { confirm: ctx.wide.guards.confirm } : {}),
                ...(ctx.wide.readiness ? { readiness: ctx.wide.readiness } : {}),
            },
            { parent: ctx.parent, ...afterSecurityDefaults(ctx) },
        );
    },
    preset,
    problems: (args, ctx) => {
        const problems: string[] = [];
        // Security defaults against any enforced Conditional Access policy: said once, here.
        const caOn = [args, ctx.argsOf(requireMfaMember), ctx.argsOf(phishingResistantAdminsMember), ctx.argsOf(deviceCodeFlowMember)].some(
            (c) => c?.mode === "on",
        );
        if (ctx.argsOf(securityDefaultsMember)?.enabled && caOn) {
            const sd = ctx.keyOf(securityDefaultsMember);
            problems.push(
                `${sd}.enabled is true while a Conditional Access policy is on (${ctx.key} / ` +
                    `${ctx.keyOf(requireMfaMember).split(".").pop()} mode: on): ` +
                    "Entra ID refuses security defaults while Conditional Access policies are enabled. Either set " +
                    "securityDefaults.enabled: false (preset conditional-access) " +
                    `or set the Conditional Access modes to off (preset security-defaults).`,
            );
        }
        return problems.concat(caProblems()(args, ctx));
    },
    warnings: caWarnings(CONFIRMATION_KIND.legacyAuthentication),
    posture: (args) =>
        args.mode === "off"
            ? {}
            : {
                  blocksLegacy: {
                      how: args.mode === "on" ? "conditional-access" : "conditional-access (report-only)",
                      rank: 2,
                      log:
                          "legacy authentication is blocked by a Conditional Access policy (" +
                          `${args.mode === "on" ? "enforced" : "report-only: nothing is blocked yet"})`,
                  },
              },
};

export const requireMfaMember: BaselineMember<ConditionalAccessSettings, RequireMfaPolicy> = {
    key: "conditionalAccessMfa",
    title: "MFA for all users (Conditional Access)",
    enforces: (args) => (args.mode === "on" ? { requiresMfa: true } : undefined),
    composes: { [CONDITIONAL_ACCESS_POLICY_TYPE]: "Conditional Access policy" },
    composedWeakens,
    composedAuditActivities: CA_AUDIT_ACTIVITIES,
    settings: [conditionalAccessRollout, breakGlassAccounts],
    permissions: caPermissions("MFA for all users (Conditional Access)", false),
    exportMember: exportConditionalAccessMfa,
    exportWide: EXPORT_WIDE,
    schema: conditionalAccessSchema,
    build: (args, ctx) => {
        return new RequireMfaPolicy(
            `${ctx.name}-require-mfa`,
            {
                mode: args.mode,
                breakGlassAccounts: ctx.wide.breakGlassAccounts ?? [],
                displayName: args.displayName,
                adoptPolicyId: args.adoptPolicyId,
                ...(ctx.wide.guards?.confirm ? { confirm: ctx.wide.guards.confirm } : {}),
                ...(ctx.wide.readiness ? { readiness: ctx.wide.readiness } : {}),
            },
            { parent: ctx.parent, ...afterSecurityDefaults(ctx) },
        );
    },
    preset,
    problems: caProblems(),
    warnings: caWarnings(CONFIRMATION_KIND.conditionalAccessMfa),
    posture: (args) => ({ requiresMfa: { path: "conditional-access", rank: 2, active: args.mode !== "off" } }),
};

// ---- the MFA posture of today: phishing-resistant MFA for administrators, device code flow blocked

const STRENGTH_NAMES = ["phishing-resistant", "passwordless", "multifactor", "custom"] as const;
/** The combinations a custom strength may hold: members of Graph's authenticationMethodModes joined by commas. */
const METHOD_MODES = [
    "password",
    "voice",
    "hardwareOath",
    "softwareOath",
    "sms",
    "fido2",
    "windowsHelloForBusiness",
    "microsoftAuthenticatorPush",
    "deviceBasedPush",
    "temporaryAccessPassOneTime",
    "temporaryAccessPassMultiUse",
    "email",
    "x509CertificateSingleFactor",
    "x509CertificateMultiFactor",
    "federatedSingleFactor",
    "federatedMultiFactor",
    "qrCodePin",
];
const MODE_RE = `(?:${METHOD_MODES.join("|")})`;
/** A directory role: one of PRIVILEGED_ROLES by name (any case) or a role template id. */
const ROLE_REF = new RegExp(`^(?:${Object.keys(PRIVILEGED_ROLES).join("|")}|${GUID_RE.source.slice(1, -1)})$`, "i");

const ROLE_HINT =
    "a role template id or one of the highly privileged roles this package knows by name (" +
    `${Object.keys(PRIVILEGED_ROLES).join(", ")})`;
const ROLES_EMPTY =
    "name at least one directory role, or leave roles out for the highly privileged roles (" +
    `${Object.keys(PRIVILEGED_ROLES).length} roles)`;

/**
 * `m365-mfa:baseline.phishingResistantAdmins`: phishing-resistant MFA for the highly privileged roles (ScubaGear MS.AAD.3.6, CIS 5.2.2.5).
 */
export const phishingResistantAdminsSchema = obj(
    {
        ...POLICY_FIELDS,
        /** The directory roles, by name (PRIVILEGED_ROLES) or role template id; default: every role of PRIVILEGED_ROLES. */
        // Declared with its values (the JSON Schema); checked here as a list of strings, and each role by parse, which says it in its
        // words.
        roles: checkedBySetting(
            list(str({ pattern: ROLE_REF, hint: ROLE_HINT }), {
                hint: "directory role names (e.g. Global Administrator) or role template ids",
                nonEmpty: ROLES_EMPTY,
            }),
            1,
            list(str(), { nonEmpty: ROLES_EMPTY }),
        ),
        /** A built-in strength by name (default phishing-resistant), or custom (customStrength). */
        authenticationStrength: oneOf(STRENGTH_NAMES, "a built-in authentication strength, or custom with customStrength"),
        /** The custom strength, created as an azuread.AuthenticationStrengthPolicy (authenticationStrength: custom). */
        customStrength: obj(
            {
                displayName: str(),
                // Declared with its values (the JSON Schema); checked here as a list of strings, and each combination by
                // parse, which names the mode that is not one.
                allowedCombinations: checkedBySetting(
                    list(
                        str({
                            pattern: new RegExp(`^\\s*${MODE_RE}\\s*(?:,\\s*${MODE_RE}\\s*)*$`),
                            hint: `authentication method modes joined by commas (${METHOD_MODES.join(", ")})`,
                        }),
                        {
                            hint: 'authentication method combinations, e.g. "fido2" or "x509CertificateMultiFactor"',
                            nonEmpty: 'give at least one combination, e.g. "fido2"',
                        },
                    ),
                    1,
                    list(str(), { nonEmpty: 'give at least one combination, e.g. "fido2"' }),
                ),
                description: str(),
            },
            { required: ["displayName", "allowedCombinations"] },
        ),
    },
    { required: ["mode"] },
);
export type PhishingResistantAdminsSettings = Infer<typeof phishingResistantAdminsSchema>;

/**
 * The rules across keys of phishingResistantAdmins (the shape and each role are the declaration's): a
 * custom strength and its definition go together, each combination names authentication method modes;
 * the roles' names become their template ids.
 */
function parseAdmins(
    v: PhishingResistantAdminsSettings,
    ctx: { key: string; problems: string[] },
): PhishingResistantAdminsSettings | undefined {
    const before = ctx.problems.length;
    const out: PhishingResistantAdminsSettings = declared({ ...v });
    if (v.roles) {
        const byName = new Map(Object.entries(PRIVILEGED_ROLES).map(([name, id]) => [name.toLowerCase(), id]));
        for (const r of v.roles)
            if (!ROLE_REF.test(r))
                ctx.problems.push(
                    `${ctx.key}.roles: "${r}" is neither ${ROLE_HINT.replace(/^a role template id or/, "a role template id nor")}.`,
                );
        out.roles = [...new Set(v.roles.map((r) => byName.get(r.toLowerCase()) ?? r.toLowerCase()))];
    }
    const strength = v.authenticationStrength ?? (v.customStrength ? "custom" : "phishing-resistant");
    out.authenticationStrength = strength;
    if (strength === "custom" && !v.customStrength)
        ctx.problems.push(
            `${ctx.key}.authenticationStrength is custom but ${ctx.key}.customStrength is not set: give its displayName and ` +
                "allowedCombinations.",
        );
    if (strength !== "custom" && v.customStrength)
        ctx.problems.push(
            `${ctx.key}.customStrength is set but ${ctx.key}.authenticationStrength is ${strength}: set ` +
                "authenticationStrength: custom to use it, or remove customStrength.",
        );
    if (v.customStrength) {
        for (const c of v.customStrength.allowedCombinations) {
            const bad = c
                .split(",")
                .map((m) => m.trim())
                .filter((m) => !METHOD_MODES.includes(m));
            if (bad.length)
                ctx.problems.push(
                    `${ctx.key}.customStrength.allowedCombinations: "${c}" names ${bad.join(", ")}, which ` +
                        `${bad.length > 1 ? "are not authentication method modes" : "is not an authentication method mode"} (` +
                        `${METHOD_MODES.join(", ")}).`,
                );
        }
        out.customStrength = declared({ ...v.customStrength, allowedCombinations: [...v.customStrength.allowedCombinations] });
    }
    return ctx.problems.length > before ? undefined : out;
}

const reportOnlyIn = (presetName: string): ConditionalAccessSettings | undefined =>
    presetName === "conditional-access" ? { mode: "reportOnly" } : undefined;

export const phishingResistantAdminsMember: BaselineMember<PhishingResistantAdminsSettings, PhishingResistantAdminsPolicy> = {
    key: "phishingResistantAdmins",
    title: "Phishing-resistant MFA for administrators (Conditional Access)",
    enforces: (args) => (args.mode === "on" ? {} : undefined),
    composes: {
        [CONDITIONAL_ACCESS_POLICY_TYPE]: "Conditional Access policy",
        "azuread:index/authenticationStrengthPolicy:AuthenticationStrengthPolicy": "authentication strength",
    },
    composedWeakens,
    composedAuditActivities: CA_AUDIT_ACTIVITIES,
    settings: [conditionalAccessRollout, breakGlassAccounts],
    permissions: caPermissions("Phishing-resistant MFA for administrators (Conditional Access)", true),
    exportMember: exportPhishingResistantAdmins,
    exportWide: EXPORT_WIDE,
    schema: phishingResistantAdminsSchema,
    parse: parseAdmins,
    build: (args, ctx) => {
        return new PhishingResistantAdminsPolicy(
            `${ctx.name}-phishing-resistant-admins`,
            {
                mode: args.mode,
                breakGlassAccounts: ctx.wide.breakGlassAccounts ?? [],
                displayName: args.displayName,
                adoptPolicyId: args.adoptPolicyId,
                roles: args.roles ?? Object.values(PRIVILEGED_ROLES),
                authenticationStrength:
                    args.authenticationStrength === "custom" && args.customStrength
                        ? args.customStrength
                        : ((args.authenticationStrength ?? "phishing-resistant") as Exclude<
                              PhishingResistantAdminsSettings["authenticationStrength"],
                              "custom" | undefined
                          >),
                ...(ctx.wide.guards?.confirm ? { confirm: ctx.wide.guards.confirm } : {}),
                ...(ctx.wide.readiness ? { readiness: ctx.wide.readiness } : {}),
            },
            { parent: ctx.parent, ...afterSecurityDefaults(ctx) },
        );
    },
    preset: reportOnlyIn,
    problems: caProblems(),
    warnings: caWarnings(CONFIRMATION_KIND.phishingResistantAdmins),
};

/** `m365-mfa:baseline.deviceCodeFlow`: device code flow blocked (ScubaGear MS.AAD.3.9, CIS 5.2.2.12). */
export const deviceCodeFlowSchema = obj(
    {
        ...POLICY_FIELDS,
        /** Block authentication transfer as well (default false). */
        authenticationTransfer: boolWith("also block authentication transfer (moving a sign-in from one device to another)"),
    },
    { required: ["mode"] },
);
export type DeviceCodeFlowSettings = Infer<typeof deviceCodeFlowSchema>;

export const deviceCodeFlowMember: BaselineMember<DeviceCodeFlowSettings, DeviceCodeFlowBlock> = {
    key: "deviceCodeFlow",
    title: "Device code flow block (Conditional Access)",
    enforces: (args) => (args.mode === "on" ? {} : undefined),
    composes: { [CONDITIONAL_ACCESS_POLICY_TYPE]: "Conditional Access policy" },
    composedWeakens,
    composedAuditActivities: CA_AUDIT_ACTIVITIES,
    settings: [conditionalAccessRollout, breakGlassAccounts],
    permissions: caPermissions("Device code flow block (Conditional Access)", false),
    exportMember: exportDeviceCodeFlow,
    exportWide: EXPORT_WIDE,
    schema: deviceCodeFlowSchema,
    build: (args, ctx) => {
        return new DeviceCodeFlowBlock(
            `${ctx.name}-device-code-flow`,
            {
                mode: args.mode,
                breakGlassAccounts: ctx.wide.breakGlassAccounts ?? [],
                displayName: args.displayName,
                adoptPolicyId: args.adoptPolicyId,
                authenticationTransfer: args.authenticationTransfer ?? false,
                ...(ctx.wide.guards?.confirm ? { confirm: ctx.wide.guards.confirm } : {}),
                ...(ctx.wide.readiness ? { readiness: ctx.wide.readiness } : {}),
            },
            { parent: ctx.parent, ...afterSecurityDefaults(ctx) },
        );
    },
    preset: reportOnlyIn,
    problems: caProblems(),
    warnings: caWarnings(CONFIRMATION_KIND.deviceCodeFlow),
};
