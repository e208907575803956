/**
 * Presets: a whole posture in one line of stack config (`m365-mfa:baseline.preset`), under which
 * any explicitly configured member wins. Each member says its own part (its `preset` in
 * settings/<name>/member.ts); what each preset does to users is in the README ("Presets").
 *
 * - security-defaults: small tenants without Entra ID P1: Microsoft's security defaults require MFA
 *   registration and prompts and block legacy authentication; Exchange basic authentication and SMTP
 *   AUTH are off too.
 * - conditional-access: Entra ID P1: Conditional Access requires MFA and blocks legacy
 *   authentication, each in report-only mode until the stack sets mode: on; security defaults are
 *   switched off only once a Conditional Access policy is enforced (until then the tenant keeps them:
 *   the preset never weakens a tenant by default).
 * - per-user-mfa-to-conditional-access: Microsoft's migration, in three stages: (1) Conditional
 *   Access in report-only beside per-user MFA, (2) Conditional Access enforced (security defaults off),
 *   (3) per-user MFA switched off for everyone.
 */
import { type AnyMember, type BaselineMember, type PresetContext, enforcedBy } from "../providers/framework/member";
import { MEMBERS, MEMBER_KEYS } from "../settings/members";

export const PRESETS = ["security-defaults", "conditional-access", "per-user-mfa-to-conditional-access"] as const;
export type PresetName = (typeof PRESETS)[number];

const stageOf = (name: string, migrationStage: number | undefined) =>
    name === "per-user-mfa-to-conditional-access" ? (migrationStage ?? 1) : migrationStage;

/**
 * The baseline a preset stands for (the value of m365-mfa:baseline without preset keys). `explicit`:
 * the members configured beside the preset (they win, each as a whole), which a member's part may
 * depend on (security defaults stay on until Conditional Access is enforced).
 */
export function presetBaseline(name: PresetName, migrationStage?: number, explicit: Record<string, unknown> = {}): Record<string, unknown> {
    const stage = stageOf(name, migrationStage);
    const parts = new Map<string, unknown>();
    const partOf = (k: string): unknown => {
        if (!parts.has(k)) parts.set(k, (MEMBERS[k as keyof typeof MEMBERS] as AnyMember).preset?.(name, stage, context));
        return parts.get(k);
    };
    const valueOfMember = <A>(m: BaselineMember<A, any>) =>
        (explicit[m.key] !== undefined ? explicit[m.key] : partOf(m.key)) as A | undefined;
    const context: PresetContext = {
        valueOf: valueOfMember,
        enforced: () =>
            enforcedBy(
                MEMBER_KEYS.map((k) => MEMBERS[k] as AnyMember),
                (m) => valueOfMember(m),
            ),
    };
    const out: Record<string, unknown> = {};
    for (const k of MEMBER_KEYS) {
        const part = partOf(k);
        if (part !== undefined) out[k] = part;
    }
    return out;
}

/** Refusals of the preset beside explicit members that would make it a silent no-op (each with its fix). */
export function presetProblems(
    name: PresetName,
    migrationStage: number | undefined,
    explicit: Record<string, unknown>,
    baselineKey = "m365-mfa:baseline",
): string[] {
    const stage = stageOf(name, migrationStage);
    return MEMBER_KEYS.flatMap((k) =>
        explicit[k] === undefined
            ? []
            : ((MEMBERS[k] as AnyMember).presetProblems?.(name, stage, explicit[k], `${baselineKey}.${k}`) ?? []),
    );
}
