/**
 * The lists split by who reads them (issue 23): the program's (members.ts), the provider process's
 * (providerSettings.ts) and the policy pack's (guardrails.ts). They must agree with what they list:
 * each member is listed under its own key, the provider process serves exactly the settings the members
 * build, and the pack holds every guardrail a folder's policy.ts declares, once.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { type AnyMember, keyOf } from "../../providers/framework/member";
import { GUARDRAILS } from "../../settings/guardrails";
import { MEMBERS, MEMBER_KEYS } from "../../settings/members";
import { SETTINGS } from "../../settings/providerSettings";

describe("unit: the lists of settings/ (program, provider process, policy pack)", () => {
    it("each member knows its own key: the key it is listed under, and keyOf names it without the list", () => {
        for (const k of MEMBER_KEYS) {
            const m = MEMBERS[k] as AnyMember;
            assert.strictEqual(m.key, k, m.title);
            assert.strictEqual(keyOf(m), `m365-mfa:baseline.${k}`);
        }
    });

    it("the provider process serves exactly the dynamic-provider settings the members build", () => {
        const built = new Map<string, unknown>();
        for (const k of MEMBER_KEYS) for (const s of (MEMBERS[k] as AnyMember).settings) built.set(s.type, s);
        assert.deepStrictEqual(Object.keys(SETTINGS).sort(), [...built.keys()].sort());
        for (const [type, s] of built) assert.strictEqual(SETTINGS[type], s, type);
    });

    it("the policy pack lists every guardrail of every folder's policy module, once; no member loads one", () => {
        const declared: unknown[] = [];
        const settings = path.resolve(__dirname, "..", "..", "settings");
        for (const dir of fs.readdirSync(settings, { withFileTypes: true })) {
            if (!dir.isDirectory()) continue;
            for (const file of ["policy.ts", "policyRules.ts"]) {
                if (!fs.existsSync(path.join(settings, dir.name, file))) continue;
                const mod = require(path.join(settings, dir.name, file)) as Record<string, unknown>;
                for (const v of Object.values(mod)) {
                    const p = v as { name?: unknown; validateResource?: unknown; validateStack?: unknown };
                    if (p && typeof p === "object" && typeof p.name === "string" && (p.validateResource || p.validateStack))
                        declared.push(v);
                }
            }
        }
        assert.ok(declared.length >= 18, `guardrails found: ${declared.length}`);
        for (const p of declared)
            assert.ok(GUARDRAILS.includes(p as never), `${(p as { name: string }).name} is not in settings/guardrails.ts`);
        assert.strictEqual(new Set(GUARDRAILS.map((g) => g.name)).size, GUARDRAILS.length, "a guardrail is listed twice");
        assert.strictEqual(GUARDRAILS.length, declared.length);
        for (const k of MEMBER_KEYS) assert.ok(!("guardrails" in MEMBERS[k]), `${k} still carries guardrails`);
    });
});
