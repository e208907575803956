/**
 * The lockout guard's break-glass check (issue 24): mandatory MFA means an emergency-access account
 * must be able to do MFA, and Microsoft advises FIDO2 or certificate-based authentication for them.
 * Against the emulator: an account with a FIDO2 key passes; one with only Authenticator, or nothing, is
 * named with the requirement; an account that cannot be read is said, not skipped.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { clientsAs, startTrustedEmulator } from "../../harness/tenant";
import { assessGlobalAdminLockout, breakGlassPhishingResistance } from "../../settings/perUserMfa/lockout";

describe("emulator: break-glass accounts and phishing-resistant methods (lockout guard)", function () {
    this.timeout(60_000);
    let tmp: string;
    let emu: RunningEmulator;
    const BG = ["breakglass1@contoso.onmicrosoft.com", "breakglass2@contoso.onmicrosoft.com"];

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-bg-"));
        emu = await startTrustedEmulator({ stateDir: tmp, throttling: { enabled: false } });
    });
    after(async () => {
        await emu.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it(
        "says nothing of accounts with a FIDO2 key; names each account without a phishing-resistant method, with the " +
            "mandatory-MFA requirement",
        async () => {
            assert.deepStrictEqual(await breakGlassPhishingResistance(clientsAs(emu), BG), []);
            const second = emu.directory().user(BG[1])!;
            emu.directory().updateUser(second.id, { methods: ["microsoftAuthenticatorPush"] });
            const notes = await breakGlassPhishingResistance(clientsAs(emu), BG);
            assert.strictEqual(notes.length, 1, notes.join("\n"));
            assert.match(
                notes[0],
                new RegExp(
                    String.raw`^break-glass account breakglass2@contoso\.onmicrosoft\.com has no phishing-resistant method ` +
                        String.raw`registered \(registered: microsoftAuthenticatorAuthenticationMethod\)`,
                ),
            );
            assert.match(notes[0], /mandatory MFA .* FIDO2 or certificate-based authentication/);
            const unknown = await breakGlassPhishingResistance(clientsAs(emu), ["nobody@contoso.onmicrosoft.com"]);
            assert.match(unknown[0], /could not be read \(HTTP 404\)/);
        },
    );

    it("the lockout guard's verdict carries the warning for the break-glass accounts it excludes", async () => {
        const v = await assessGlobalAdminLockout(clientsAs(emu), { excludeUsers: BG }, new Set());
        assert.strictEqual(v.refusal, undefined);
        assert.ok(
            v.notes.some((n) => /break-glass account breakglass2@contoso\.onmicrosoft\.com has no phishing-resistant method/.test(n)),
            v.notes.join("\n"),
        );
        assert.ok(!v.notes.some((n) => /breakglass1/.test(n)));
    });
});
