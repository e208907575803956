/**
 * Bad input through the real engine: `pulumi preview` refuses it naming the full config key, exits
 * non-zero and writes nothing to the tenant. One case of each kind: an unknown key answered with the
 * nearest known key, an unknown break-glass account named at breakGlassAccounts[i], keys that do
 * nothing where they stand; and 3,000 unknown users, whose refusal stays a screenful with the full
 * list in a file.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiWorkspace, copyProject } from "../../harness/engine";
import { startTrustedEmulator } from "../../harness/tenant";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS } from "@m365-mfa/emulator";

describe("engine: bad input is refused at preview, naming its own key", function () {
    this.timeout(600_000);
    let tmp: string;
    let emu: RunningEmulator;
    let ws: PulumiWorkspace;
    let member: string;
    const writes = () => emu.requests.filter((r) => r.write && r.method !== "GET").length;

    /** A new stack with this baseline; its preview must fail without a write. */
    async function refused(stack: string, baseline: unknown) {
        await ws.initStack(stack);
        // Written to the stack's config file (YAML takes JSON): 3,000 users are too long for one `pulumi config` argument.
        fs.writeFileSync(ws.configFile(stack), `config:\n  m365-mfa:baseline: ${JSON.stringify(baseline)}\n`);
        const before = writes();
        const r = await ws.preview(stack);
        assert.notStrictEqual(r.code, 0, r.output);
        assert.strictEqual(writes(), before, "nothing was written to the tenant");
        return r;
    }

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-e2e-validation-"));
        emu = await startTrustedEmulator({ stateDir: path.join(tmp, "emulator") });
        emu.directory().seed(50, 3);
        member = [...emu.directory().users.values()].find((u) => u.userType === "Member" && !u.breakGlass)!.userPrincipalName;
        ws = new PulumiWorkspace({
            projectDir: copyProject(path.join(tmp, "project")),
            workDir: path.join(tmp, "work"),
            env: { ...emu.env(APPS.provider), M365_MFA_REPORT_DIR: path.join(tmp, "reports") },
        });
    });

    after(async () => {
        await emu?.stop();
        if (tmp && !process.env.KEEP_TEST_DIRS) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("an unknown key is refused with the nearest known key (readiness.acceptUsers, windowdays)", async () => {
        const r = await refused("typo", {
            breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"],
            perUserMfa: { assignments: [{ state: "enforced", users: [member] }] },
            readiness: { mode: "block", acceptUsers: [member], windowdays: 7 },
        });
        assert.match(r.output, /m365-mfa:baseline\.readiness\.acceptUsers is not a known setting; did you mean acceptedUsers\?/);
        assert.match(r.output, /m365-mfa:baseline\.readiness\.windowdays is not a known setting; did you mean windowDays\?/);
    });

    it("an unknown break-glass account is named at m365-mfa:baseline.breakGlassAccounts[i], not at assignments", async () => {
        const r = await refused("breakglass", {
            breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com", "breakglass9@contoso.onmicrosoft.com"],
            perUserMfa: { assignments: [{ state: "enforced", users: [member] }], excludeUsers: ["svc-gone@contoso.onmicrosoft.com"] },
        });
        assert.match(
            r.output,
            new RegExp(
                String.raw`Per-user MFA: no such user in the tenant: 2 users, breakglass9@contoso\.onmicrosoft\.com ` +
                    String.raw`\(m365-mfa:baseline\.breakGlassAccounts\[1\]\), svc-gone@contoso\.onmicrosoft\.com ` +
                    String.raw`\(m365-mfa:baseline\.perUserMfa\.excludeUsers\[0\]\)`,
            ),
        );
        assert.doesNotMatch(r.output, /breakglass9@contoso\.onmicrosoft\.com \(m365-mfa:baseline\.perUserMfa\.assignments/);
    });

    it(
        "keys that do nothing where they stand are refused: migrationStage without its preset, an empty assignments, an empty " + "methods",
        async () => {
            const r = await refused("nothing", {
                migrationStage: 2,
                perUserMfa: { assignments: [] },
                authenticationMethods: { methods: {} },
            });
            assert.match(
                r.output,
                new RegExp(
                    String.raw`m365-mfa:baseline\.migrationStage does nothing without a preset: it is the stage of preset ` +
                        "per-user-mfa-to-conditional-access",
                ),
            );
            assert.match(
                r.output,
                /m365-mfa:baseline\.perUserMfa\.assignments is empty and allOtherUsers is not set: per-user MFA would manage nobody/,
            );
            assert.match(r.output, /m365-mfa:baseline\.authenticationMethods\.methods is empty: it manages no method/);
            assert.match(r.output, /nothing was changed/);
        },
    );

    it(
        "3,000 unknown users: the preview output stays small, names the count and the first users, and gives the file with all " +
            "of them",
        async () => {
            const users = Array.from({ length: 3000 }, (_, i) => `nobody${i}@contoso.onmicrosoft.com`);
            const r = await refused("many", {
                breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"],
                perUserMfa: { assignments: [{ state: "enforced", users }] },
            });
            assert.ok(r.output.length < 20_000, `the preview printed ${r.output.length} characters`);
            assert.match(
                r.output,
                new RegExp(
                    String.raw`no such user in the tenant: 3000 users, nobody0@contoso\.onmicrosoft\.com ` +
                        String.raw`\(m365-mfa:baseline\.perUserMfa\.assignments\[0\]\.users\[0\]\)`,
                ),
            );
            assert.match(
                r.output,
                /nobody9@contoso\.onmicrosoft\.com \(m365-mfa:baseline\.perUserMfa\.assignments\[0\]\.users\[9\]\) and 2990 more/,
            );
            assert.doesNotMatch(r.output, /nobody10@/);
            const file = /the full list of 3000 unknown users: (\S+\.txt)/.exec(r.output)?.[1];
            assert.ok(file, "the message gives the file");
            assert.ok(file!.startsWith(path.join(tmp, "reports")), file);
            const lines = fs.readFileSync(file!, "utf8").trim().split("\n");
            assert.strictEqual(lines.length, 3000);
            assert.strictEqual(lines[2999], "nobody2999@contoso.onmicrosoft.com (m365-mfa:baseline.perUserMfa.assignments[0].users[2999])");
        },
    );

    it("a refusal is said once, without the engine's Go value dump (property guards value {map[...]})", async () => {
        const groups = [...emu.directory().groups.values()].filter((g) => g.displayName.startsWith("Department - "));
        const big = groups.sort((a, b) => emu.directory().transitiveUsers(b.id).length - emu.directory().transitiveUsers(a.id).length)[0];
        const r = await refused("guarded", {
            breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"],
            perUserMfa: { assignments: [{ state: "enforced", groups: [big.id] }] },
            guards: { maxUserChangeShare: 0.01 },
        });
        assert.doesNotMatch(r.output, /property \S+ value \{/, "no Go value dump");
        assert.doesNotMatch(r.output, /\{map\[|\{<nil>\}/);
        const refusal = /this plan changes the per-user MFA state of \d+ users/g;
        assert.strictEqual(r.output.match(refusal)?.length, 1, `said once:\n${r.output}`);
        assert.match(
            r.output,
            new RegExp(
                "resource 'tenant-per-user-mfa' has a problem: Per-user MFA: this plan changes the per-user MFA " +
                    String.raw`state of \d+ users, .*m365-mfa:baseline\.guards\.maxUserChangeShare`,
            ),
        );
    });

    it("a check that fails (sign-in refused while the provider plans) is said once, not again on stderr with its stack", async () => {
        const stack = "signin";
        await ws.initStack(
            stack,
            { "m365-mfa:permissionPreflight": "false" },
            {
                "m365-mfa:baseline": {
                    breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"],
                    perUserMfa: { assignments: [{ state: "enforced", users: [member] }] },
                },
            },
        );
        const r = await ws.run(["preview", ...ws.stackArgs(stack)], { AZURE_CLIENT_SECRET: "wrong-secret-for-test" });
        assert.notStrictEqual(r.code, 0, r.output);
        // Once in the Diagnostics (the engine also shows a resource's error on its row while it runs), on the
        // resource, and not again as the provider process's stderr (the message and its stack) under the stack.
        const diagnostics = r.output.slice(r.output.indexOf("Diagnostics:"));
        assert.strictEqual(diagnostics.match(/AADSTS7000215/g)?.length, 1, `said once:\n${r.output}`);
        assert.doesNotMatch(r.output, /pulumi:pulumi:Stack \(m365-mfa-signin\):/, "nothing under the stack");
        assert.doesNotMatch(
            r.output,
            /Error: Per-user MFA: check failed: .*: \w*Error: Per-user MFA/,
            "no message repeated with its stack",
        );
        assert.match(r.output, /resource 'tenant-per-user-mfa' has a problem: Per-user MFA: check failed: .*AADSTS7000215/);
        assert.ok(!r.output.includes("wrong-secret-for-test"));
    });

    it("progress lines show while the update runs and are not repeated in the Diagnostics after it", async () => {
        const stack = "progress";
        await ws.initStack(
            stack,
            {},
            {
                "m365-mfa:baseline": {
                    breakGlassAccounts: ["breakglass1@contoso.onmicrosoft.com"],
                    perUserMfa: { assignments: [{ state: "enforced", users: [member] }] },
                    guards: { maxUserChangeShare: 1 },
                },
            },
        );
        const r = await ws.up(stack);
        assert.strictEqual(r.code, 0, r.output);
        assert.ok(r.output.includes("Diagnostics:"), r.output);
        assert.match(
            r.output.slice(0, r.output.indexOf("Diagnostics:")),
            /Per-user MFA: writing users: 1 of 1/,
            "shown while the update runs",
        );
        const after = r.output.slice(r.output.indexOf("Diagnostics:"));
        const diagnostics = after.slice(0, Math.max(0, after.search(/\n(Outputs|Resources):/)) || after.length);
        assert.doesNotMatch(diagnostics, /Per-user MFA: \w+ users: \d+ of \d+/, `progress repeated in the Diagnostics:\n${diagnostics}`);
        assert.strictEqual([...emu.directory().users.values()].find((u) => u.userPrincipalName === member)!.perUserMfaState, "enforced");
    });
});
