/**
 * Per-user MFA's state holds no per-user map (issue #27): the targets stay in the provider, the inputs carry
 * their digest and counts and the users the plan changes, and the outputs, in `observed`, only the users
 * whose state differs from their target. diff() against the state is the plan the check made from the tenant
 * as read at preview; against a live read in the provider, every target.
 */
import * as assert from "node:assert";
import { driftReport } from "../../pipelines/drift";
import { planFromPreviewJson } from "../../pipelines/plan";
import { jsonSchemaOf } from "../../providers/framework/validation";
import { perUserMfaDeclaration } from "./declaration";
import { perUserMfaMember } from "./member";
import { perUserMfa, type ObservedState, type PerUserMfaState, targetsDigest } from "./setting";

describe("unit: per-user MFA state in outputs", () => {
    // What the tenant has, and who the stack gives which state.
    const observed: Record<string, ObservedState> = {
        "same@x": "enforced",
        "drifted@x": "disabled",
        "enabled-by-method@x": "enforced",
        "gone@x": "userNotFound",
        "enabled@x": "enabled",
    };
    const targets: Record<string, PerUserMfaState> = {
        "same@x": "enforced",
        "drifted@x": "enforced",
        "enabled-by-method@x": "enabled",
        "gone@x": "enforced",
        "enabled@x": "enabled",
    };
    const counts = { disabled: 1, enabled: 1, enforced: 2, userNotFound: 1 };
    const live = { observed, counts, resolvedTargets: targets, targetsDigest: targetsDigest(targets) };
    const base = { assignments: [] } as any;

    it("stores only the users whose state differs from their target, the targets' digest and counts, never the targets", () => {
        const { readAt, ...kept } = perUserMfa.stored!(base, live);
        assert.match(String(readAt), /^\d{4}-\d\d-\d\dT/, "when the tenant was read");
        assert.deepStrictEqual(kept, {
            observed: { "drifted@x": "disabled", "enabled-by-method@x": "enforced", "gone@x": "userNotFound" },
            observedTargets: { "drifted@x": "enforced", "enabled-by-method@x": "enabled", "gone@x": "enforced" },
            counts,
            targetsDigest: targetsDigest(targets),
            targetCounts: { disabled: 0, enabled: 2, enforced: 3 },
        });
    });

    it("diffs a live read against every target (enabled satisfied by enforced)", () => {
        assert.deepStrictEqual(
            perUserMfa.diff(base, live as any).map((c) => `${c.field}: ${c.from} -> ${c.to}`),
            ["targets.drifted@x: disabled -> enforced", "targets.gone@x: userNotFound -> enforced"],
        );
    });

    it("diffs the state as the check planned: its changes, and a change of who is targeted said in counts", () => {
        const state = { ...base, ...perUserMfa.stored!(base, live) };
        const planned = {
            ...base,
            // The check read the tenant after the state was written.
            plannedAt: new Date(Date.now() + 60_000).toISOString(),
            targetsDigest: targetsDigest(targets),
            targetCounts: { disabled: 0, enabled: 2, enforced: 3 },
            plannedFrom: { "drifted@x": "disabled" },
            plannedTo: { "drifted@x": "enforced" },
        };
        assert.deepStrictEqual(perUserMfa.diff(planned, state), [{ field: "targets.drifted@x", from: "disabled", to: "enforced" }]);
        assert.deepStrictEqual(perUserMfa.diff({ ...planned, plannedFrom: {}, plannedTo: {} }, state), [], "nothing planned");
        const more = { ...targets, "new@x": "enforced" as const };
        const widened = {
            ...planned,
            plannedFrom: {},
            plannedTo: {},
            targetsDigest: targetsDigest(more),
            targetCounts: { enforced: 4, enabled: 2 },
        };
        assert.deepStrictEqual(perUserMfa.diff(widened, state), [
            { field: "targets", from: "enabled: 2, enforced: 3", to: "enforced: 4, enabled: 2" },
        ]);
        // A state an earlier version wrote (every target in it, no digest): only the planned changes.
        const older = { ...base, targets, observed, counts, readAt: undefined };
        assert.deepStrictEqual(perUserMfa.diff({ ...planned, plannedFrom: {}, plannedTo: {} }, older), []);
        assert.deepStrictEqual(perUserMfa.diff(planned, older), [{ field: "targets.drifted@x", from: "disabled", to: "enforced" }]);
    });

    it("a refresh of a state whose recorded inputs are not valid says so, instead of reading nobody", async () => {
        await assert.rejects(
            perUserMfa.read({} as any, {} as any),
            /hold no valid assignments, so a refresh cannot tell whom to read\. pulumi preview and pulumi up are not affected/,
        );
    });

    it(
        "a refresh diffs what it read (Pulumi diffs the refreshed outputs against the inputs last applied): drift, not the " +
            "last update's changes again",
        () => {
            // The inputs last applied: the update that moved drifted@x and new@x, planned an hour ago.
            const applied = {
                ...base,
                plannedAt: new Date(Date.now() - 3_600_000).toISOString(),
                targetsDigest: targetsDigest(targets),
                targetCounts: { disabled: 0, enabled: 2, enforced: 3 },
                plannedFrom: { "new@x": "disabled" },
                plannedTo: { "new@x": "enforced" },
            };
            // Refreshed now: drifted@x and gone@x differ from their target; enabled-by-method@x is enforced, which enabled allows.
            const refreshed = perUserMfa.stored!(base, live);
            assert.deepStrictEqual(perUserMfa.diff(applied, refreshed as any), [
                { field: "targets.drifted@x", from: "disabled", to: "enforced" },
                { field: "targets.gone@x", from: "userNotFound", to: "enforced" },
            ]);
            // Converged: nothing, although the applied plan changed new@x.
            const converged = perUserMfa.stored!(base, { ...live, observed: { ...targets } });
            assert.deepStrictEqual(perUserMfa.diff(applied, converged as any), []);
            // A state an earlier version wrote (every target in `targets`): the same reading.
            const older = { observed, counts, targets, readAt: new Date().toISOString() };
            assert.deepStrictEqual(perUserMfa.diff(applied, older as any).length, 2);
        },
    );

    it("an update writes only what its check planned: another user or another state writes nothing", async () => {
        const desired = {
            ...base,
            targetsDigest: targetsDigest(targets),
            plannedFrom: { "drifted@x": "disabled" },
            plannedTo: { "drifted@x": "enforced" },
        };
        await assert.rejects(
            perUserMfa.apply({} as any, desired, live as any, [
                { field: "targets.drifted@x", from: "disabled", to: "enforced" },
                { field: "targets.gone@x", from: "enabled", to: "disabled" },
            ]),
            new RegExp(
                "the tenant changed since this update's plan was checked: 1 user would change that the plan did not show: " +
                    String.raw`gone@x \(enabled -> disabled\); nothing was written`,
            ),
        );
    });

    it("refuses to write when the targets resolved for the update are not those its check planned", async () => {
        const other = { ...targets, "new@x": "enforced" as const };
        await assert.rejects(
            perUserMfa.apply(
                {} as any,
                { ...base, targetsDigest: targetsDigest(targets), targetCounts: { enabled: 2, enforced: 3 } },
                {
                    ...live,
                    resolvedTargets: other,
                    targetsDigest: targetsDigest(other),
                } as any,
                [{ field: "targets.new@x", from: "disabled", to: "enforced" }],
            ),
            new RegExp(
                "who the assignments target changed since this update's plan was checked \\(enabled: 2, enforced: 3 then, " +
                    "enabled: 2, enforced: 4 now.*nothing was written",
            ),
        );
    });
});

describe("unit: per-user MFA drift on a state an earlier version wrote (issue #27)", () => {
    it("the targets map the earlier version recorded in the inputs is not a change of the stack: drift stays drift", () => {
        const type = "pulumi-nodejs:dynamic/m365-mfa:PerUserMfa";
        const urn = `urn:pulumi:s::p::m365-mfa:index:TenantMfaBaseline$${type}::tenant-per-user-mfa`;
        const config = { assignments: [{ state: "enforced", groups: ["g"] }], excludeUsers: ["bg@x"] };
        const json = {
            steps: [
                {
                    op: "refresh",
                    urn,
                    oldState: { type, inputs: { ...config, targets: { "a@x": "enforced", "b@x": "enforced" }, planned: {} } },
                },
                {
                    op: "update",
                    urn,
                    oldState: { type, outputs: { ...config, observed: { "b@x": "disabled" } } },
                    newState: {
                        type,
                        inputs: {
                            ...config,
                            targetsDigest: "sha256:x",
                            targetCounts: { disabled: 0, enabled: 0, enforced: 2 },
                            planned: { "disabled -> enforced": 1 },
                            plannedFrom: { "b@x": "disabled" },
                            plannedTo: { "b@x": "enforced" },
                            plannedAt: new Date().toISOString(),
                        },
                    },
                },
            ],
        };
        const plan = planFromPreviewJson(json);
        assert.strictEqual(plan.settings[0].configChanged, false);
        const report = driftReport(plan, "s");
        assert.deepStrictEqual(
            report.settings.map((x) => x.kind),
            ["drift"],
        );
        assert.strictEqual(report.drifted, true);
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
