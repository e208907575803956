/**
 * The emulator's command line (emulator/cli.ts): --help starts nothing; unknown options and bad
 * values are refused (exit 64) before anything starts; starting again with --users does not reseed a
 * state directory that has a tenant unless --reseed; adding a tenant, granting an app a permission and
 * acting as a portal admin are commands, not edits of the state file.
 */
import * as assert from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DRIFT_REPORT_PERMISSIONS, RUNNING_FILE, USAGE_EXIT, emulatorMain, runningEmulator } from "../cli";
import type { RunningEmulator } from "../server";
import { APPS, Store } from "../store";

const repo = path.resolve(__dirname, "..", "..");

describe("emulator: its command line", function () {
    this.timeout(120_000);
    let tmp: string;
    let running: RunningEmulator | undefined;
    before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-emucli-"))));
    afterEach(async () => {
        if (running) {
            fs.rmSync(path.join(running.store.dir, RUNNING_FILE), { force: true });
            await running.stop();
        }
        running = undefined;
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const run = async (...args: string[]) => {
        let out = "";
        let err = "";
        const code = await emulatorMain(args, { out: (s) => (out += s), err: (s) => (err += s) }, (emu) => (running = emu));
        return { code, out, err };
    };
    /** `start` on a state directory; resolves once it serves (or to its refusal). */
    const start = (stateDir: string, ...args: string[]) => run("--state-dir", stateDir, "--port", "0", ...args);
    const stop = async () => {
        fs.rmSync(path.join(running!.store.dir, RUNNING_FILE), { force: true });
        await running!.stop();
        running = undefined;
    };
    const readState = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "tenants.json"), "utf8"));

    it("--help prints help and starts nothing (as a process too)", async () => {
        const dir = path.join(tmp, "help");
        const r = await run("--help", "--state-dir", dir);
        assert.strictEqual(r.code, 0, r.err);
        assert.match(r.out, /^Usage: m365-mfa-emulator \[options\] \[command\]/);
        for (const c of ["start", "tenant", "app", "admin"]) assert.match(r.out, new RegExp(`^  ${c}\\b`, "m"));
        assert.match((await run("start", "--help")).out, /--users <n>[\s\S]*--reseed/);
        assert.strictEqual(running, undefined);
        const p = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join(repo, "emulator", "cli.ts"), "--help", "--state-dir", dir, "--port", "0"],
            { cwd: repo, encoding: "utf8", timeout: 60_000 },
        );
        assert.strictEqual(p.status, 0, `${p.stderr}${p.error ?? ""}`);
        assert.match(p.stdout, /^Usage: m365-mfa-emulator/);
        assert.ok(!fs.existsSync(dir), "no state directory was made: nothing started");
    });

    const refused: [string[], RegExp][] = [
        [["--bogus"], /error: unknown option '--bogus'/],
        [["--port", "http"], /error: option '--port <port>' argument 'http' is invalid\. must be a whole number from 0 to 65535\./],
        [["--port", "70000"], /must be a whole number from 0 to 65535/],
        [["--users", "-5"], /error: option '--users <n>' argument '-5' is invalid/],
        [["--users", "ten"], /argument 'ten' is invalid/],
        [["--reseed"], /error: --reseed needs --users <n>/],
        [["--seed", "3"], /error: --seed needs --users <n>/],
        [["tenant", "remove", "x"], /error: unknown command 'remove'/],
        [
            ["app", "grant", APPS.provider, "Directory.Raed.All"],
            /"Directory\.Raed\.All" is not an application permission the emulator checks \(did you mean Directory\.Read\.All\?\)/,
        ],
        [["admin", "set", "security-defaults", "maybe"], /value 'maybe' is invalid for argument 'state'\. Allowed choices are on, off\./],
        [["admin", "set", "per-user-mfa", "a@b", "required"], /Allowed choices are disabled, enabled, enforced/],
    ];
    for (const [args, message] of refused) {
        it(`refuses ${args.join(" ")} (exit 64), starting nothing`, async () => {
            const dir = path.join(tmp, "refused");
            const r = await run(...args, "--state-dir", dir);
            assert.strictEqual(r.code, USAGE_EXIT, r.err);
            assert.match(r.err, message);
            assert.strictEqual(running, undefined);
            assert.ok(!fs.existsSync(dir));
        });
    }

    it("a new state directory's provider app holds the drift report's permissions (who changed what, out of the box)", async () => {
        const dir = path.join(tmp, "fresh");
        assert.strictEqual((await start(dir)).code, undefined);
        const provider = running!.defaultTenant().apps.find((a) => a.displayName === APPS.provider)!;
        for (const p of DRIFT_REPORT_PERMISSIONS) assert.ok(provider.graphRoles.includes(p), `${p} granted`);
        assert.deepStrictEqual(runningEmulator(dir), { origin: running!.origin, pid: process.pid });
    });

    it("starting again with --users does not reseed a tenant that has state; --reseed does", async () => {
        const dir = path.join(tmp, "reseed");
        assert.strictEqual((await start(dir, "--users", "40", "--seed", "2")).code, undefined, "a new directory is seeded");
        assert.strictEqual(running!.directory().userCount, 40);
        await stop();
        const again = await start(dir, "--users", "60");
        assert.strictEqual(again.code, USAGE_EXIT, again.err);
        assert.match(
            again.err,
            new RegExp(
                String.raw`--users 60: .* already has a tenant .*seeding would replace its users\. Start without --users to ` +
                    String.raw`keep it, add --reseed to replace its users, or use a new --state-dir\.`,
            ),
        );
        assert.strictEqual(running, undefined, "refused before serving");
        assert.strictEqual((await start(dir)).code, undefined);
        assert.strictEqual(running!.directory().userCount, 40, "kept");
        await stop();
        assert.strictEqual((await start(dir, "--users", "60", "--reseed")).code, undefined);
        assert.strictEqual(running!.directory().userCount, 60);
    });

    it(
        "tenant add, app grant and app revoke are commands on the " + "stopped emulator's state; refused with the fix while it runs",
        async () => {
            const dir = path.join(tmp, "commands");
            await start(dir);
            const runningFile = readState(dir);
            for (const args of [
                ["tenant", "add", "Fabrikam (emulated)"],
                ["app", "grant", APPS.reader, "User.Read.All"],
            ]) {
                const r = await run(...args, "--state-dir", dir);
                assert.strictEqual(r.code, 1, r.err);
                assert.match(
                    r.err,
                    new RegExp(
                        `the emulator is running on ${running!.origin.replace(/[.]/g, "\\.")} \\(pid \\d+\\) and owns .*: stop ` +
                            `it \\(Ctrl-C\\), run ${args.slice(0, 2).join(" ")} again, then start it`,
                    ),
                );
            }
            assert.deepStrictEqual(readState(dir), runningFile, "nothing written while it runs");
            await stop();

            const added = await run("tenant", "add", "Fabrikam (emulated)", "--users", "30", "--state-dir", dir);
            assert.strictEqual(added.code, 0, added.err);
            const [, id] = /tenant Fabrikam \(emulated\): ([0-9a-f-]{36}), 30 users/.exec(added.out) ?? [];
            assert.ok(id, added.out);
            assert.match((await run("tenant", "list", "--state-dir", dir)).out, new RegExp(`${id}  Fabrikam \\(emulated\\)`));

            const granted = await run(
                "app",
                "grant",
                APPS.reader,
                "User.Read.All",
                "Exchange.ManageAsApp",
                "--tenant",
                id,
                "--state-dir",
                dir,
            );
            assert.strictEqual(granted.code, 0, granted.err);
            const reader = () => readState(dir).tenants[id].apps.find((a: any) => a.displayName === APPS.reader);
            assert.deepStrictEqual(
                [reader().graphRoles, reader().exchangeRoles],
                [["Policy.Read.All", "User.Read.All"], ["Exchange.ManageAsApp"]],
            );
            assert.strictEqual(
                (await run("app", "revoke", APPS.reader, "User.Read.All", "--tenant", "Fabrikam (emulated)", "--state-dir", dir)).code,
                0,
            );
            assert.deepStrictEqual(reader().graphRoles, ["Policy.Read.All"]);
            const unknownApp = await run("app", "grant", "no-such-app", "User.Read.All", "--state-dir", dir);
            assert.strictEqual(unknownApp.code, 1);
            assert.match(
                unknownApp.err,
                new RegExp(
                    String.raw`no app registration "no-such-app" in tenant .* \(apps: m365-mfa-provider, portal-admin, ` +
                        String.raw`policy-reader, exchange-app-without-role\)`,
                ),
            );

            const store = new Store(dir);
            try {
                assert.strictEqual(store.directory(id).userCount, 30);
            } finally {
                store.close();
            }
        },
    );

    it("tenant set: how a tenant behaves where tenants differ (perUserMfaState on the list, `or` on logs); bad values: 64", async () => {
        const dir = path.join(tmp, "behaviours");
        await start(dir);
        const refused = await run("tenant", "set", "audit-or", "accepted", "--state-dir", dir);
        assert.strictEqual(refused.code, 1);
        assert.match(refused.err, /the emulator is running on .* run tenant set again, then start it/);
        await stop();
        const id = Object.keys(readState(dir).tenants)[0];
        for (const [behaviour, value, field] of [
            ["audit-or", "accepted", "auditOrFilter"],
            ["sign-in-or", "accepted", "signInOrFilter"],
            ["per-user-mfa-on-list", "served", "perUserMfaStateOnUserList"],
        ]) {
            const r = await run("tenant", "set", behaviour, value, "--state-dir", dir);
            assert.strictEqual(r.code, 0, r.err);
            assert.match(r.out, new RegExp(`: ${behaviour} ${value} \\(in `));
            assert.strictEqual(readState(dir).tenants[id][field], value);
        }
        const badValue = await run("tenant", "set", "audit-or", "maybe", "--state-dir", dir);
        assert.strictEqual(badValue.code, 64);
        assert.match(badValue.err, /audit-or: "maybe" is not one of refused, accepted/);
        const badBehaviour = await run("tenant", "set", "or", "accepted", "--state-dir", dir);
        assert.strictEqual(badBehaviour.code, 64);
        assert.match(badBehaviour.err, /Allowed choices are per-user-mfa-on-list, sign-in-or, audit-or/);
        // The emulator started again serves what was set.
        await start(dir);
        const t = running!.defaultTenant();
        assert.deepStrictEqual([t.auditOrFilter, t.signInOrFilter, t.perUserMfaStateOnUserList], ["accepted", "accepted", "served"]);
    });

    it(
        "admin set acts as a portal admin on the running emulator: the change is made, and the audit log names the portal-admin " + "app",
        async () => {
            const dir = path.join(tmp, "admin");
            const notRunning = await run("admin", "set", "security-defaults", "off", "--state-dir", dir);
            assert.strictEqual(notRunning.code, 1);
            assert.match(notRunning.err, /no emulator is running on .*: start it/);
            await start(dir, "--users", "20");
            const r = await run("admin", "set", "security-defaults", "off", "--state-dir", dir);
            assert.strictEqual(r.code, 0, r.err);
            assert.strictEqual(running!.defaultTenant().securityDefaults.isEnabled, false);
            const user = [...running!.directory().users.values()].find(
                (u) => u.userType === "Member" && !u.breakGlass && u.perUserMfaState === "disabled",
            )!;
            const u = await run("admin", "set", "per-user-mfa", user.userPrincipalName, "enforced", "--state-dir", dir);
            assert.strictEqual(u.code, 0, u.err);
            assert.strictEqual(running!.directory().user(user.id)!.perUserMfaState, "enforced");
            const log = running!.store.auditLog(running!.defaultTenant().tenantId).all();
            const portalApp = running!.app(APPS.portal).appId;
            const [sd, pum] = log.slice(-2);
            assert.strictEqual(sd.activityDisplayName, "Update security defaults");
            assert.deepStrictEqual(
                [sd.initiatedBy.app?.appId, pum.initiatedBy.app?.appId],
                [portalApp, portalApp],
                "made as the portal-admin app",
            );
            assert.strictEqual((pum.targetResources[0] as any).userPrincipalName?.toLowerCase(), user.userPrincipalName.toLowerCase());
        },
    );
});
