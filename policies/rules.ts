/**
 * Guardrails for a tenant's MFA posture, each mapped to the public baseline it enforces:
 * CISA ScubaGear (MS.AAD.*, MS.EXO.*) and Maester (MT.*). Mandatory rules fail the preview;
 * advisory ones warn. Levels and settings are configurable per stack (policy pack config).
 *
 * Each rule lives in the folder of the setting it is about (settings/<name>/policy.ts); the pack is
 * the policy pack's list of them (settings/guardrails.ts).
 */
import type { PackPolicy } from "../providers/framework/guardrail";
import { GUARDRAILS } from "../settings/guardrails";

export const guardrails: PackPolicy[] = [...GUARDRAILS];
