/**
 * The drift check's preview does not assess readiness (issue #27): its report lists what drifted and who
 * changed it, never who a repair would break, and at 10,000 users the sign-in logs and the registration
 * report cost ~17 requests under the reports limit of five per 10 s, most of the check's time.
 * `m365-mfa drift` sets M365_MFA_READINESS=drift-check on its own previews only (DRIFT_CHECK_ENV); a
 * preview or `pulumi up` without it reads readiness as before, and a check run with it says so.
 */
import * as assert from "node:assert";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { useEmulator } from "../support/emulatorSuite";
import { declarePerUserMfa } from "../support/perUserMfaDeclare";
import { warningsOf } from "../support/warnings";
import { clientsAs } from "../../harness/tenant";
import { APPS } from "@m365-mfa/emulator";
import { SettingProvider } from "../../providers/framework/adapter";
import { perUserMfa } from "../../settings/perUserMfa/setting";
import { forgetOrSupport } from "../../client/anyOf";
import { READINESS_ENV, assessReadiness, isDriftCheckPreview } from "../../providers/framework/readinessReport";
import { DRIFT_CHECK_ENV } from "../../pipelines/localEngine";

describe("emulator: readiness in the drift check's preview", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    const saved = process.env[READINESS_ENV];
    const reportReads = () =>
        emu.requests.filter(
            (r) => !r.batched && /\/auditLogs\/signIns|\/reports\/authenticationMethods\/userRegistrationDetails/.test(r.path),
        ).length;
    useEmulator(
        (e) => (emu = e),
        {},
        async () => {
            emu.directory().seed(300, 41);
            // A tenant whose sign-in log takes one query for all legacy protocols: readiness's reads carry no note of their own.
            emu.store.mutate(() => (emu.defaultTenant().signInOrFilter = "accepted"));
        },
    );
    beforeEach(() => {
        forgetOrSupport();
        emu.throttle.options = { enabled: false };
        delete process.env[READINESS_ENV];
    });
    afterEach(() => {
        if (saved === undefined) delete process.env[READINESS_ENV];
        else process.env[READINESS_ENV] = saved;
        emu.throttle.options = { enabled: true };
    });

    it("drift's preview environment is the one readiness recognises", () => {
        assert.strictEqual(isDriftCheckPreview(DRIFT_CHECK_ENV), true);
        assert.strictEqual(isDriftCheckPreview({}), false);
    });

    it("reads the sign-in logs and the registration report without it, and neither with it, saying why", async () => {
        const clients = clientsAs(emu, APPS.provider);
        let before = reportReads();
        const full = await assessReadiness(clients, { users: ["user1@contoso.onmicrosoft.com"] });
        assert.ok(reportReads() - before >= 2, "sign-in logs and the registration report read");
        assert.deepStrictEqual(full.notes, []);
        assert.ok(full.unregistered.size > 0, "the seeded tenant has users without a method");

        Object.assign(process.env, DRIFT_CHECK_ENV);
        before = reportReads();
        const skipped = await assessReadiness(clients, { users: ["user1@contoso.onmicrosoft.com"] });
        assert.strictEqual(reportReads() - before, 0, "nothing read under the reports limit");
        assert.strictEqual(skipped.unregistered.size + skipped.legacy.size, 0);
        assert.strictEqual(skipped.notes.length, 1);
        assert.match(skipped.notes[0], /^not assessed in this preview: it is m365-mfa drift's check \(M365_MFA_READINESS=drift-check\)/);
        assert.match(
            skipped.notes[0],
            /pulumi up \(and drift --remediate\) reads the sign-in logs and the registration report before enforcing/,
        );
    });

    it("a value that is not drift-check is refused, naming the variable", async () => {
        process.env[READINESS_ENV] = "skip";
        await assert.rejects(
            assessReadiness(clientsAs(emu, APPS.provider)),
            /M365_MFA_READINESS="skip" is not understood: the only value is drift-check/,
        );
    });

    it(
        "per-user MFA's check in the drift check's preview: the same plan, no report read, a warning that readiness was not " + "assessed",
        async () => {
            const { changing, inputs } = declarePerUserMfa(emu, 40, "enforced");
            const withReadiness = { ...inputs, readiness: { mode: "block" } };
            const provider = () => new SettingProvider(perUserMfa, { verifyDelayMs: 20 }, () => clientsAs(emu, APPS.provider));

            // Without it, block mode refuses the users without a method (the seeded tenant has them).
            let before = reportReads();
            const refused = await warningsOf(async () => {
                const checked = await provider().check({}, withReadiness);
                assert.ok(
                    (checked.failures ?? []).some((f) => /would be affected/.test(f.reason)),
                    JSON.stringify(checked.failures),
                );
            });
            assert.ok(reportReads() - before >= 2);
            assert.deepStrictEqual(
                refused.filter((w) => /readiness/i.test(w)),
                [],
            );

            Object.assign(process.env, DRIFT_CHECK_ENV);
            before = reportReads();
            const warnings = await warningsOf(async () => {
                const checked = await provider().check({}, withReadiness);
                assert.deepStrictEqual(checked.failures, []);
                assert.deepStrictEqual(checked.inputs.planned, { "disabled -> enforced": changing });
            });
            assert.strictEqual(reportReads() - before, 0);
            const said = warnings.filter((w) => /readiness/i.test(w));
            assert.strictEqual(said.length, 1, warnings.join("\n"));
            assert.match(said[0], /^warning: Per-user MFA readiness: not assessed in this preview: it is m365-mfa drift's check/);
        },
    );
});
