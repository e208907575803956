import type { BaselineMember, Requirement } from "../../providers/framework/member";
import { type Infer, check } from "../../providers/framework/validation";
import {
    deviceCodeFlowMember,
    legacyAuthenticationMember,
    phishingResistantAdminsMember,
    requireMfaMember,
} from "../conditionalAccess/member";
import { securityDefaultsMember } from "../securityDefaults/member";
import { exportMember } from "./export";
import { PerUserMfa } from "./resource";
import { GUARDS_SCHEMA, READINESS_SCHEMA } from "../../providers/framework/wide";
import { perUserMfaDeclaration } from "./declaration";
import { perUserMfa } from "./setting";

/** `m365-mfa:baseline.perUserMfa`: the configured inputs of per-user MFA (./declaration.ts). */
export type PerUserMfaSettings = Infer<typeof perUserMfaDeclaration.schema>;

const isOn = (args: PerUserMfaSettings | undefined) =>
    !!args &&
    (args.assignments.some((a) => a.state !== "disabled") || (args.allOtherUsers !== undefined && args.allOtherUsers !== "disabled"));

export const perUserMfaMember: BaselineMember<PerUserMfaSettings, PerUserMfa> = {
    key: "perUserMfa",
    title: perUserMfa.title,
    settings: [perUserMfa],
    exportMember,
    exportNeeds: ["breakGlassAccounts"],
    // The config is the configured inputs as declared (./declaration.ts).
    schema: perUserMfaDeclaration.schema,
    parse: (raw, ctx) => {
        if (!raw.assignments.length && raw.allOtherUsers === undefined) {
            ctx.problems.push(
                `${ctx.key}.assignments is empty and allOtherUsers is not set: per-user MFA would manage nobody. ` +
                    `Add an assignment, set ${ctx.key}.allOtherUsers (e.g. disabled, to switch it off for everyone), or remove perUserMfa`,
            );
            return undefined;
        }
        // The provider's own validation, with every message under its config key.
        const { desired, failures } = perUserMfa.validate(raw);
        for (const f of failures) {
            ctx.problems.push(`${ctx.key}.${f.property}: ${f.reason}`);
        }
        const bgIndex = new Map((ctx.wide.breakGlassAccounts ?? []).map((bg, i) => [bg.toLowerCase(), i] as const));
        for (const [i, a] of (desired?.assignments ?? []).entries()) {
            for (const [j, u] of (a.users ?? []).entries()) {
                const b = bgIndex.get(u.toLowerCase());
                if (b !== undefined) {
                    ctx.problems.push(
                        `${ctx.key}.assignments[${i}].users[${j}] names break-glass account ${u} (` +
                            `${ctx.wideKey("breakGlassAccounts")}[${b}]); break-glass accounts are always excluded: remove it`,
                    );
                }
            }
        }
        if (!desired || failures.length) return undefined;
        return {
            assignments: desired.assignments,
            ...(desired.excludeUsers ? { excludeUsers: desired.excludeUsers } : {}),
            ...(desired.allOtherUsers ? { allOtherUsers: desired.allOtherUsers } : {}),
        };
    },
    // guards and readiness: their one declaration (framework/wide.ts: config.ts has told any problem already, under
    // the full config key); the value as the per-user MFA provider takes it (lists trimmed).
    parseWide: (wide, ctx) => {
        const out: Record<string, unknown> = {};
        for (const [field, schema] of [
            ["guards", GUARDS_SCHEMA],
            ["readiness", READINESS_SCHEMA],
        ] as const) {
            if (wide[field] === undefined || !check(wide[field], schema, ctx.wideKey(field), ctx.problems)) continue;
            const { desired } = perUserMfa.validate({ assignments: [{ state: "disabled", users: ["x"] }], [field]: wide[field] });
            if (desired?.[field]) out[field] = desired[field];
        }
        return out;
    },
    build: (args, ctx) => {
        // Break-glass accounts are excluded from per-user MFA too; each excluded user keeps the config
        // key it was written at, so a refusal names breakGlassAccounts[i] or perUserMfa.excludeUsers[i].
        const exclude: string[] = [];
        const configKeys: Record<string, string> = { assignments: `${ctx.key}.assignments` };
        const origins: [string[], string][] = [
            [ctx.wide.breakGlassAccounts ?? [], ctx.wideKey("breakGlassAccounts")],
            [args.excludeUsers ?? [], `${ctx.key}.excludeUsers`],
        ];
        for (const [users, key] of origins) {
            users.forEach((u, i) => {
                if (!exclude.includes(u)) {
                    configKeys[`excludeUsers[${exclude.length}]`] = `${key}[${i}]`;
                    exclude.push(u);
                }
            });
        }
        return new PerUserMfa(
            `${ctx.name}-per-user-mfa`,
            {
                assignments: args.assignments,
                configKeys,
                ...(exclude.length ? { excludeUsers: exclude } : {}),
                ...(args.allOtherUsers ? { allOtherUsers: args.allOtherUsers } : {}),
                ...(ctx.wide.readiness ? { readiness: ctx.wide.readiness } : {}),
                ...(ctx.wide.guards ? { guards: ctx.wide.guards } : {}),
            },
            // After the baseline's Conditional Access (and its rollout guards): an up whose policy switch-on is
            // refused never reaches per-user MFA, so the migration cannot switch it off before its replacement is on.
            {
                parent: ctx.parent,
                dependsOn: [ctx.builtBy(requireMfaMember), ctx.builtBy(legacyAuthenticationMember)].filter(
                    (r): r is NonNullable<typeof r> => !!r,
                ),
            },
        );
    },
    permissions: (_args, wide) => {
        const out: Requirement[] = [
            // Resolving users and groups at plan time.
            { feature: "Per-user MFA (users)", service: "graph", anyOf: ["User.Read.All", "Directory.Read.All"] },
            {
                feature: "Per-user MFA (group members)",
                service: "graph",
                anyOf: ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"],
            },
        ];
        if (wide.guards?.lockout !== "off") {
            out.push({
                feature: "Lockout guard (Global Administrators)",
                service: "graph",
                anyOf: ["RoleManagement.Read.Directory", "Directory.Read.All"],
            });
        }
        if (wide.readiness?.mode !== "off") {
            out.push({ feature: "Readiness (sign-in logs, registration report)", service: "graph", anyOf: ["AuditLog.Read.All"] });
        }
        return out;
    },
    // The last stage of Microsoft's migration: per-user MFA off for everyone.
    preset: (preset, stage) =>
        preset === "per-user-mfa-to-conditional-access" && (stage ?? 1) >= 3 ? { assignments: [], allOtherUsers: "disabled" } : undefined,
    // Stage 3 beside an explicit perUserMfa (which adoption leaves in the config) that keeps per-user MFA
    // on: the explicit member would win and the stage would do nothing. Refused, with the fix.
    presetProblems: (preset, stage, explicit, key) => {
        if (preset !== "per-user-mfa-to-conditional-access" || (stage ?? 1) < 3) return [];
        const args = explicit as PerUserMfaSettings | undefined;
        if (!args || !Array.isArray(args.assignments) || !isOn(args)) return [];
        return [
            `${key} keeps per-user MFA on for some users, and an explicit perUserMfa wins over the preset, so migrationStage ` +
                "3 (per-user MFA off for every user " +
                `but the break-glass accounts) would change nothing. Remove ${key} (as adoption left it) to apply stage 3, ` +
                "or stay at migrationStage 2 while it is there; nothing was changed.",
        ];
    },
    warnings: (args, ctx) => {
        const warnings: string[] = [];
        const mfa = ctx.argsOf(requireMfaMember);
        if (isOn(args) && mfa && mfa.mode !== "off") {
            warnings.push(
                `${ctx.key} enables per-user MFA while ${ctx.keyOf(requireMfaMember)} requires MFA through Conditional ` +
                    "Access: Microsoft advises against using both. " +
                    `Finish the migration (preset per-user-mfa-to-conditional-access, migrationStage 3) to switch per-user MFA off.`,
            );
        }
        if (isOn(args) && ctx.argsOf(securityDefaultsMember)?.enabled) {
            warnings.push(
                `${ctx.key} enables per-user MFA while security defaults are on: security defaults already require MFA; ` +
                    "per-user MFA adds prompts on top.",
            );
        }
        // Keys that do nothing where they stand: said, not ignored.
        // readiness also checks who a Conditional Access policy switched on would break (the rollout guard).
        const rollouts = [legacyAuthenticationMember, requireMfaMember, phishingResistantAdminsMember, deviceCodeFlowMember];
        if (ctx.wide.readiness && !args && !rollouts.some((m) => ctx.argsOf(m))) {
            warnings.push(
                `${ctx.wideKey("readiness")} does nothing without ${ctx.key} or a Conditional Access member: it checks the ` +
                    "users per-user MFA moves to MFA, " +
                    `or that a Conditional Access policy switched on starts to apply to. Remove it, or add perUserMfa.`,
            );
        }
        const guards = (["lockout", "maxUserChangeShare"] as const).filter((k) => ctx.wide.guards?.[k] !== undefined);
        if (guards.length && !args) {
            const many = guards.length > 1;
            warnings.push(
                `${guards.map((k) => `${ctx.wideKey("guards")}.${k}`).join(" and ")} ${many ? "do" : "does"} nothing without ` +
                    `${ctx.key}: ${many ? "they guard" : "it guards"} per-user MFA changes only. Remove ${many ? "them" : "it"}, ` +
                    "or add perUserMfa.",
            );
        }
        return warnings;
    },
    posture: (_args, built) => ({
        requiresMfa: { path: "per-user-mfa", rank: 1, active: built.counts.apply((c) => c !== undefined) },
        fields: { perUserMfaCounts: built.counts },
    }),
};
