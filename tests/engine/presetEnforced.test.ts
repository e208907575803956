/**
 * The conditional-access preset with only the device code flow block on, on a tenant that has security
 * defaults on, through the real engine and azuread plugin: Entra refuses an enabled Conditional Access
 * policy while security defaults are on, so the preset switches them off; that switch-off is a
 * weakening (neither MFA for all nor the legacy block is enforced), named at preview and refused until
 * confirmed, like the switch-on itself. With both confirmations the up succeeds (security defaults off
 * first, then the policy on) and the next preview is clean. The old preset kept security defaults on
 * and the up failed at apply.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

const BREAK_GLASS = ["breakglass1@contoso.onmicrosoft.com", "breakglass2@contoso.onmicrosoft.com"];
const DEVICE_CODE_POLICY = "m365-mfa: block device code flow";

describe(
    "engine: preset conditional-access with only the device code flow block on switches security defaults off, as a named " + "weakening",
    function () {
        this.timeout(900_000);
        let tmp: string;
        let emu: RunningEmulator;
        let ws: PulumiWorkspace;
        const stack = "only-new";

        before(async () => {
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-preset-enforced-"));
            emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
            ws = new PulumiWorkspace({
                projectDir: copyProject(path.join(tmp, "project")),
                workDir: path.join(tmp, "work"),
                env: { ...emu.env(APPS.provider), ...emu.azureadEnv(APPS.provider) },
            });
            assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, true, "the tenant starts with security defaults on");
        });
        after(async () => {
            await emu?.stop();
            if (tmp && !process.env.KEEP_TEST_DIRS) fs.rmSync(tmp, { recursive: true, force: true });
        });

        it(
            "refused until the weakening and the switch-on are confirmed; then security defaults go off, the policy on, and a " +
                "preview after is clean",
            async () => {
                const config = (confirm: string[]) => ({
                    preset: "conditional-access",
                    breakGlassAccounts: BREAK_GLASS,
                    deviceCodeFlow: { mode: "on" },
                    ...(confirm.length ? { guards: { confirm } } : {}),
                });
                await ws.initStack(stack, {}, { "m365-mfa:baseline": config([]) });
                const confirm: string[] = [];
                let sawWeakening = false;
                for (let round = 0; round < 3; round++) {
                    const preview = await ws.preview(stack);
                    if (preview.code === 0) break;
                    if (
                        new RegExp(
                            String.raw`Security defaults: this plan WEAKENS security \(the tenant as read now\): security defaults ` +
                                "switched off while no enforced Conditional Access policy replaces them: no MFA is required " +
                                "any more .*, and legacy authentication is no longer blocked",
                        ).test(preview.output)
                    )
                        sawWeakening = true;
                    const tokens = [
                        ...new Set(preview.output.match(/(weakens:security-defaults:[0-9a-f]{8}|device-code-flow:\d+:[0-9a-f]{8})/g) ?? []),
                    ].filter((t) => !confirm.includes(t));
                    assert.ok(tokens.length, `refused without naming a confirmation:\n${preview.output}`);
                    confirm.push(...tokens);
                    await ws.setConfigObject(stack, "m365-mfa:baseline", config(confirm));
                }
                assert.ok(sawWeakening, "the switch-off of security defaults was not named as a weakening");
                assert.ok(
                    confirm.some((t) => t.startsWith("weakens:security-defaults:")) &&
                        confirm.some((t) => t.startsWith("device-code-flow:")),
                    confirm.join(", "),
                );
                assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, true, "nothing was changed by the previews");

                const up = await ws.up(stack);
                assert.strictEqual(up.code, 0, up.output);
                assert.strictEqual(emu.defaultTenant().securityDefaults.isEnabled, false);
                const p = emu.defaultTenant().conditionalAccessPolicies.find((x) => x.displayName === DEVICE_CODE_POLICY);
                assert.strictEqual(p?.state, "enabled");
                const clean = await ws.run(["preview", ...ws.stackArgs(stack), "--refresh", "--expect-no-changes", "--diff"]);
                assert.strictEqual(clean.code, 0, clean.output);
            },
        );
    },
);
