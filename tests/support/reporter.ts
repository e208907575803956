/**
 * Mocha's spec reporter, plus one plain closing line "N passed, N failed[, N skipped]" that CI
 * systems read without knowing mocha.
 */
import * as Mocha from "mocha";

class SpecWithSummary extends Mocha.reporters.Spec {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
            // After the spec reporter's own epilogue.
            process.nextTick(() => {
                console.log(`${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} skipped` : ""}`);
            });
        });
    }
}

export = SpecWithSummary;
