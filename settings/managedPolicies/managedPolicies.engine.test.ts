/**
 * Adopting Microsoft-managed Conditional Access policies (m365-mfa:baseline.managedPolicies) through the
 * real engine against the emulator: export lists each with its state and exclusions and the first up
 * writes nothing; switching the device code flow policy on with the break-glass accounts excluded is
 * refused without its confirmation and, with it, PATCHes only the state and the exclusions; the
 * previews after are clean (also after a refresh).
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS, type ConditionalAccessPolicyState } from "@m365-mfa/emulator";
import { seedManagedPolicies } from "@m365-mfa/emulator";

const BREAK_GLASS = ["breakglass1@contoso.onmicrosoft.com", "breakglass2@contoso.onmicrosoft.com"];
const DEVICE_CODE = "Microsoft-managed: Block device code flow";

describe("engine: a Microsoft-managed Conditional Access policy adopted as a member (state and exclusions only)", function () {
    this.timeout(900_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    const stack = "managed";
    let seeded: ConditionalAccessPolicyState[];
    const policy = (name: string) => emu.defaultTenant().conditionalAccessPolicies.find((p) => p.displayName === name)!;
    const writes = (from: number) =>
        emu.requests
            .slice(from)
            .filter((x) => x.write || (x.method !== "GET" && !/\/oauth2\/|^\/_/.test(x.path) && !x.path.endsWith("/$batch")));

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-managed-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: { ...emu.env(APPS.provider), ...emu.azureadEnv(APPS.provider) },
        });
        emu.store.mutate(() => (emu.defaultTenant().securityDefaults.isEnabled = false));
        seeded = seedManagedPolicies(emu.store, emu.defaultTenant());
        await ws.initStack(stack, {});
    });
    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it(
        "export adopts every managed policy with its state; the first up writes nothing; switching one on (break-glass excluded) " +
            "needs its confirmation; clean after",
        async () => {
            const out = path.join(tmp, "baseline.json");
            const r = await ws.cli(["export", "--format", "json", "--out", out, "--include", "managedPolicies"]);
            assert.strictEqual(r.code, 0, r.output);
            const exported = JSON.parse(fs.readFileSync(out, "utf8"));
            assert.deepStrictEqual(
                exported.managedPolicies,
                seeded
                    .map((p) => p.displayName)
                    .sort()
                    .map((policy) => ({ policy, mode: "reportOnly" })),
            );
            const baseline = { ...exported, breakGlassAccounts: BREAK_GLASS };
            await ws.setConfigObject(stack, "m365-mfa:baseline", baseline);
            const before = emu.requests.length;
            const up = await ws.up(stack);
            assert.strictEqual(up.code, 0, up.output);
            assert.deepStrictEqual(
                writes(before).map((x) => `${x.method} ${x.path}`),
                [],
                "adoption wrote nothing",
            );
            assert.match(
                up.output,
                /\("Microsoft-managed: Block device code flow"\) blocks sign-ins and does not exclude the break-glass accounts/,
                "a report-only blocking policy without break-glass exclusions is warned about",
            );

            // Switch the device code flow policy on, the break-glass accounts excluded.
            const entries = baseline.managedPolicies.map((e: any) =>
                e.policy === DEVICE_CODE ? { ...e, mode: "on", excludeUsers: BREAK_GLASS } : e,
            );
            await ws.setConfigObject(stack, "m365-mfa:baseline", { ...baseline, managedPolicies: entries });
            const refused = await ws.preview(stack);
            assert.notStrictEqual(refused.code, 0, refused.output);
            const token = /managed-policy:2:[0-9a-f]{8}/.exec(refused.output)?.[0];
            assert.ok(token, `the refusal names no confirmation:\n${refused.output}`);
            assert.match(
                refused.output,
                new RegExp(
                    String.raw`switching the policy on \(report-only -> on\) enforces a block \(deviceCodeFlow\) for all users, ` +
                        String.raw`excluding breakglass1@contoso\.onmicrosoft\.com, breakglass2@contoso\.onmicrosoft\.com`,
                ),
            );
            assert.strictEqual(policy(DEVICE_CODE).state, "enabledForReportingButNotEnforced", "nothing was changed");

            await ws.setConfigObject(stack, "m365-mfa:baseline", { ...baseline, managedPolicies: entries, guards: { confirm: [token] } });
            const from = emu.requests.length;
            const applied = await ws.up(stack);
            assert.strictEqual(applied.code, 0, applied.output);
            const sent = writes(from).filter((x) => x.status === 204 || x.status === 200);
            assert.deepStrictEqual(
                sent.map((x) => `${x.method} ${x.path}`),
                [`PATCH /v1.0/identity/conditionalAccess/policies/${policy(DEVICE_CODE).id}`],
            );
            assert.strictEqual(policy(DEVICE_CODE).state, "enabled");
            const bg = BREAK_GLASS.map((u) => emu.directory().user(u)!.id.toLowerCase()).sort();
            assert.deepStrictEqual(
                [...(policy(DEVICE_CODE).conditions as any).users.excludeUsers].map((x: string) => x.toLowerCase()).sort(),
                bg,
            );
            assert.deepStrictEqual((policy(DEVICE_CODE).conditions as any).authenticationFlows, { transferMethods: "deviceCodeFlow" });
            for (const args of [
                ["--expect-no-changes", "--diff"],
                ["--refresh", "--expect-no-changes", "--diff"],
            ]) {
                const clean = await ws.run(["preview", ...ws.stackArgs(stack), ...args]);
                assert.strictEqual(clean.code, 0, `not clean (${args.join(" ")}):\n${clean.output}`);
            }
        },
    );

    // Issue 24 review: Microsoft turned "Block device code flow" on by itself (45 days after notice), with no
    // exclusions; another managed policy excludes a group (export writes its id) and a user the tenant no longer
    // has. Export -> preview is not refused (warned, with both steps of the fix), the PR summary names no
    // weakening, up writes nothing; the break-glass exclusion with the announced confirmation goes through.
    it(
        "a blocking policy already on in the tenant: export previews without refusal, no phantom weakening in the PR; the " +
            "break-glass exclusion flows as announced",
        async () => {
            const enforced = "enforced";
            const group = [...emu.directory().groups.values()][0];
            const gone = "0b5e4c1d-0000-4000-8000-00000000dead";
            const MFA_ALL = "Microsoft-managed: Multifactor authentication for all users";
            emu.store.mutate(() => {
                policy(DEVICE_CODE).state = "enabled";
                (policy(DEVICE_CODE).conditions as any).users.excludeUsers = [];
                const mfa = policy(MFA_ALL) as any;
                mfa.state = "enabledForReportingButNotEnforced";
                mfa.conditions.users.excludeUsers = [gone, emu.directory().user(BREAK_GLASS[0])!.id];
                mfa.conditions.users.excludeGroups = [group.id];
            });
            await ws.initStack(enforced, {});
            const out = path.join(tmp, "baseline-enforced.json");
            const r = await ws.cli(["export", "--format", "json", "--out", out, "--include", "managedPolicies"]);
            assert.strictEqual(r.code, 0, r.output);
            const exported = JSON.parse(fs.readFileSync(out, "utf8"));
            assert.deepStrictEqual(
                exported.managedPolicies.find((e: any) => e.policy === DEVICE_CODE),
                { policy: DEVICE_CODE, mode: "on" },
            );
            assert.deepStrictEqual(
                exported.managedPolicies.find((e: any) => e.policy === MFA_ALL),
                { policy: MFA_ALL, mode: "reportOnly", excludeUsers: [gone, BREAK_GLASS[0]], excludeGroups: [group.id] },
            );
            const baseline = { ...exported, breakGlassAccounts: BREAK_GLASS };
            await ws.setConfigObject(enforced, "m365-mfa:baseline", baseline);

            const first = await ws.preview(enforced);
            assert.strictEqual(first.code, 0, `the first preview after export is refused:\n${first.output}`);
            assert.match(
                first.output,
                new RegExp(
                    String.raw`"Microsoft-managed: Block device code flow"\) is enforced in the tenant and blocks sign-ins ` +
                        "without excluding the break-glass accounts",
                ),
            );
            const token = /and "(weakens:managed-policy:[0-9a-f]{8})" to m365-mfa:baseline\.guards\.confirm/.exec(first.output)?.[1];
            assert.ok(token, `the warning names no confirmation:\n${first.output}`);
            const md = path.join(tmp, "pr-enforced.md");
            const pr = await ws.cli(["pr-summary", "--stack", enforced, "--config-file", ws.configFile(enforced), "--out", md]);
            assert.strictEqual(pr.code, 0, pr.output);
            const comment = fs.readFileSync(md, "utf8");
            // No "Weakens security" section: the group excluded by id, the user by UPN and the unknown id are what the tenant has.
            // (The warning's text, which names the weakening the fix will be, is in the comment's warnings: not a weakening of this plan.)
            assert.doesNotMatch(comment, /Weakens security|this plan WEAKENS/, comment);
            assert.doesNotMatch(
                comment,
                new RegExp(`no longer applies to [^\\n]*(${group.id}|${gone}|${group.displayName})`, "i"),
                comment,
            );
            const before = emu.requests.length;
            const up = await ws.up(enforced);
            assert.strictEqual(up.code, 0, up.output);
            assert.deepStrictEqual(
                writes(before).map((x) => `${x.method} ${x.path}`),
                [],
                "adoption wrote nothing",
            );

            // The fix the warning gave, both steps at once: accepted; only the exclusions are PATCHed.
            const entries = baseline.managedPolicies.map((e: any) => (e.policy === DEVICE_CODE ? { ...e, excludeUsers: BREAK_GLASS } : e));
            await ws.setConfigObject(enforced, "m365-mfa:baseline", {
                ...baseline,
                managedPolicies: entries,
                guards: { confirm: [token] },
            });
            const from = emu.requests.length;
            const fixed = await ws.up(enforced);
            assert.strictEqual(fixed.code, 0, fixed.output);
            const sent = writes(from).filter((x) => x.status === 204 || x.status === 200);
            assert.deepStrictEqual(
                sent.map((x) => `${x.method} ${x.path}`),
                [`PATCH /v1.0/identity/conditionalAccess/policies/${policy(DEVICE_CODE).id}`],
            );
            assert.strictEqual(policy(DEVICE_CODE).state, "enabled");
            const bg = BREAK_GLASS.map((u) => emu.directory().user(u)!.id.toLowerCase()).sort();
            assert.deepStrictEqual(
                [...(policy(DEVICE_CODE).conditions as any).users.excludeUsers].map((x: string) => x.toLowerCase()).sort(),
                bg,
            );
            const clean = await ws.run(["preview", ...ws.stackArgs(enforced), "--expect-no-changes", "--diff"]);
            assert.strictEqual(clean.code, 0, `not clean:\n${clean.output}`);
        },
    );
});
