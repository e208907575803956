/**
 * Per-user MFA's outputs keep each user once: `targets`, and in `observed` only the users whose state
 * differs from their target. diff() reads such outputs exactly as it reads a live state (or a state
 * written before, with every user in `observed`).
 */
import * as assert from "node:assert";
import { jsonSchemaOf } from "../../providers/framework/validation";
import { perUserMfaDeclaration } from "./declaration";
import { perUserMfaMember } from "./member";
import { perUserMfa, type ObservedState, type PerUserMfaState } from "./setting";

describe("unit: per-user MFA state in outputs", () => {
    // What the tenant has, and what the stack asked at the last apply or refresh.
    const observed: Record<string, ObservedState> = {
        "same@x": "enforced",
        "drifted@x": "disabled",
        "enabled-by-method@x": "enforced",
        "gone@x": "userNotFound",
        "enabled@x": "enabled",
    };
    const recorded: Record<string, PerUserMfaState> = {
        "same@x": "enforced",
        "drifted@x": "enforced",
        "enabled-by-method@x": "enabled",
        "gone@x": "enforced",
        "enabled@x": "enabled",
    };
    const live = { observed, counts: { disabled: 1, enabled: 1, enforced: 2, userNotFound: 1 } };
    const base = { assignments: [], targets: recorded } as any;

    it("keeps in observed only the users whose state differs from their target", () => {
        const kept = perUserMfa.stored!(base, live);
        assert.deepStrictEqual(kept.observed, { "drifted@x": "disabled", "enabled-by-method@x": "enforced", "gone@x": "userNotFound" });
        assert.deepStrictEqual(kept.counts, live.counts, "the counts stay whole");
    });

    it("diffs the compact outputs, the full ones of an older state and the live state alike", () => {
        const compact = { ...base, ...perUserMfa.stored!(base, live) };
        const older = { ...base, ...live };
        // The next plan: a new user, one back to disabled, the rest as before.
        const desired = { assignments: [], targets: { ...recorded, "new@x": "enabled", "enabled@x": "disabled" } } as any;
        const fromLive = perUserMfa.diff(desired, live as any);
        assert.deepStrictEqual(perUserMfa.diff(desired, compact), fromLive);
        assert.deepStrictEqual(perUserMfa.diff(desired, older), fromLive);
        assert.deepStrictEqual(fromLive.map((c) => `${c.field}: ${c.from} -> ${c.to}`).sort(), [
            "targets.drifted@x: disabled -> enforced",
            "targets.enabled@x: enabled -> disabled",
            "targets.gone@x: userNotFound -> enforced",
            "targets.new@x: undefined -> enabled",
        ]);
    });
});

describe("unit: per-user MFA inputs declared once (issue 23)", () => {
    it("checks every input's shape from the declaration, nested ones too, with the rules between fields, all at once", () => {
        const r = perUserMfa.validate({
            assignments: [{ state: "enforced" }],
            readiness: { mode: "warn", windowDay: 7 },
            guards: { lockout: "of", maxUserChangeShare: 2 },
            planned: "x",
        });
        assert.strictEqual(r.desired, undefined);
        const reasons = r.failures.map((f) => f.reason);
        const expect = [
            /^assignments\[0\] targets nobody: give users and\/or groups$/,
            /^readiness\.windowDay is not a known setting; did you mean windowDays\? \(known: mode, windowDays, acceptedUsers\)$/,
            /^guards\.lockout must be one of on, off, got "of"/,
            /^guards\.maxUserChangeShare must be a number above 0 and at most 1 \(a share of users, e.g\. 0\.1 for 10%\), got 2$/,
            /^planned is set at preview; do not set it$/,
        ];
        for (const re of expect)
            assert.ok(
                reasons.some((x) => re.test(x)),
                `${re} in:\n${reasons.join("\n")}`,
            );
        assert.strictEqual(reasons.length, expect.length, reasons.join("\n"));
    });

    it("the member's config schema, the resource's inputs and the JSON Schema come from the one declaration", () => {
        assert.strictEqual(perUserMfaMember.schema, perUserMfaDeclaration.schema);
        assert.strictEqual(perUserMfa.schema, perUserMfaDeclaration.schema);
        for (const k of [...Object.keys(perUserMfaDeclaration.inputs), ...Object.keys(perUserMfaDeclaration.internal)]) {
            assert.ok(perUserMfa.inputKeys.includes(k), k);
        }
        // An editor is told what each key of an assignment is (the declaration's words).
        const json = jsonSchemaOf(perUserMfaMember.schema) as any;
        const item = json.properties.assignments.items;
        assert.deepStrictEqual(Object.keys(item.properties), ["state", "users", "groups", "excludeUsers", "excludeGroups"]);
        assert.match(item.properties.excludeGroups.description, /transitive members this assignment does not apply to/);
    });

    it("takes well-formed inputs as before: lists trimmed, empty exclusions dropped", () => {
        const r = perUserMfa.validate({
            assignments: [{ state: "enforced", users: [" a@x "], excludeUsers: [] }],
            excludeUsers: [" bg@x"],
            guards: { confirm: [" per-user-mfa:1:abcdef01 "] },
            readiness: { mode: "block", acceptedUsers: [" c@x"] },
        });
        assert.deepStrictEqual(r.failures, []);
        assert.deepStrictEqual(r.desired, {
            assignments: [{ state: "enforced", users: ["a@x"] }],
            excludeUsers: ["bg@x"],
            guards: { confirm: ["per-user-mfa:1:abcdef01"] },
            readiness: { mode: "block", acceptedUsers: ["c@x"] },
        });
    });
});
