/**
 * Presets: a whole posture in one line of stack config (`m365-mfa:baseline.preset`), under which
 * any explicitly configured member wins. Each member says its own part (its `preset` in
 * settings/<name>/member.ts); what each preset does to users is in the README ("Presets").
 *
 * - security-defaults: small tenants without Entra ID P1: Microsoft's security defaults require MFA
 *   registration and prompts and block legacy authentication; Exchange basic authentication and SMTP
 *   AUTH are off too.
 * - conditional-access: Entra ID P1: Conditional Access requires MFA and blocks legacy
 *   authentication, each in report-only mode until the stack sets mode: on; security defaults off.
 * - per-user-mfa-to-conditional-access: Microsoft's migration, in three stages: (1) Conditional
 *   Access in report-only beside per-user MFA, (2) Conditional Access enforced, (3) per-user MFA
 *   switched off for everyone.
 */
import { MEMBERS, MEMBER_KEYS } from "../settings/registry";
import type { AnyMember } from "./member";

export const PRESETS = ["security-defaults", "conditional-access", "per-user-mfa-to-conditional-access"] as const;
export type PresetName = (typeof PRESETS)[number];

/** The baseline a preset stands for (the value of m365-mfa:baseline without preset keys). */
export function presetBaseline(name: PresetName, migrationStage?: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of MEMBER_KEYS) {
        const part = (MEMBERS[k] as AnyMember).preset?.(name, name === "per-user-mfa-to-conditional-access" ? (migrationStage ?? 1) : migrationStage);
        if (part !== undefined) out[k] = part;
    }
    return out;
}
