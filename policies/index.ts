/**
 * The guardrail policy pack: `pulumi preview --policy-pack policies` on any stack that uses m365-mfa.
 * The rules themselves live in rules.ts (and are unit-tested there without starting a pack).
 */
import { PolicyPack } from "@pulumi/policy";
import { guardrails } from "./rules";

new PolicyPack("m365-mfa-guardrails", { enforcementLevel: "advisory", policies: guardrails });
