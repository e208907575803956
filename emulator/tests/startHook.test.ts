/**
 * Start hooks: a process sees every emulator it starts, whoever starts it, without replacing the
 * module's export (the product's client conformance check records each emulator's requests this way).
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type RunningEmulator, addStartHook, startEmulator } from "../index";
import { trustCa } from "./support";

describe("emulator: start hooks", () => {
    const dirs: string[] = [];
    const start = () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-emu-hook-"));
        dirs.push(dir);
        return startEmulator({ stateDir: dir });
    };
    after(() => {
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it("adds options before an emulator starts, sees it running and may wrap its stop; removed, it sees no more", async () => {
        const seen: string[] = [];
        const stopped: string[] = [];
        const remove = addStartHook({
            options: (o) => ({ recordSentBodies: true, maxLogEntries: 7, ...o }),
            started: (emu, options) => {
                seen.push(emu.origin);
                assert.strictEqual(options.recordSentBodies, true);
                const stop = emu.stop.bind(emu);
                emu.stop = async () => {
                    stopped.push(emu.origin);
                    return stop();
                };
            },
        });
        let hooked: RunningEmulator | undefined;
        let plain: RunningEmulator | undefined;
        try {
            hooked = await start();
            assert.deepStrictEqual(seen, [hooked.origin]);
            // The added options took effect: each request's body kept as sent (a token request's grant type
            // and scope only), and at most 7 log entries.
            trustCa(hooked.caCertPath);
            const token = `${hooked.origin}/${hooked.defaultTenant().tenantId}/oauth2/v2.0/token`;
            for (let i = 0; i < 9; i++) {
                const res = await fetch(token, {
                    method: "POST",
                    body: new URLSearchParams({ grant_type: "client_credentials", scope: `s${i}` }),
                });
                assert.strictEqual(res.status, 400);
            }
            assert.strictEqual(hooked.requests.length, 7);
            assert.deepStrictEqual(hooked.requests.at(-1)?.sentBody, { grant_type: "client_credentials", scope: "s8" });
        } finally {
            remove();
            await hooked?.stop();
        }
        assert.deepStrictEqual(stopped, [hooked?.origin]);
        try {
            plain = await start();
            assert.deepStrictEqual(seen, [hooked?.origin], "a removed hook sees no more emulators");
        } finally {
            await plain?.stop();
        }
        assert.deepStrictEqual(stopped, [hooked?.origin]);
    });
});
