/**
 * Per-user MFA's outputs keep each user once: `targets`, and in `observed` only the users whose state
 * differs from their target. diff() reads such outputs exactly as it reads a live state (or a state
 * written before, with every user in `observed`).
 */
import * as assert from "assert";
import { perUserMfa, type ObservedState, type PerUserMfaState } from "../../settings/perUserMfa/setting";

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
