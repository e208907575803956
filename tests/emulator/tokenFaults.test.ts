/**
 * Faults at the token endpoint (issue #22): the emulator answers token requests 429 (Retry-After,
 * plain-text body), 503 (no Retry-After) or drops the connection, from the seeded generator; the client
 * layer signs in through them within its retry budget, and the same seed replays the same faults.
 */
import * as assert from "node:assert";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { tokenEndpointFault } from "@m365-mfa/emulator";
import { useEmulator } from "../support/emulatorSuite";
import { clientsAs } from "../../harness/tenant";
import { APPS } from "@m365-mfa/emulator";

describe("emulator: faults at the token endpoint", function () {
    this.timeout(300_000);
    let emu: RunningEmulator;
    const tokenAnswers = (from: number) =>
        emu.requests
            .slice(from)
            .filter((r) => /\/oauth2\/v2\.0\/token$/.test(r.path))
            .map((r) => r.status);

    useEmulator((e) => (emu = e));
    afterEach(() => {
        emu.faults = {};
    });

    it(
        "answers token requests 429 with Retry-After, 503 without, or drops them, as drawn; Graph and the rest are untouched by " +
            "these rates",
        () => {
            let r = 0;
            const draws = [0.01, 0.1, 0.5, 0.9];
            const random = () => draws[r++];
            const f = { dropRate: 0.05, rate429: 0.32, rate5xx: 0.15, retryAfterSeconds: 2 };
            const token = { method: "POST", path: "/contoso.onmicrosoft.com/oauth2/v2.0/token" };
            assert.strictEqual(tokenEndpointFault(token, f, random), "drop");
            assert.deepStrictEqual(tokenEndpointFault(token, f, random), {
                status: 429,
                headers: { "Retry-After": "2", "Content-Type": "text/plain" },
                body: "Too Many Requests",
            });
            assert.deepStrictEqual(tokenEndpointFault(token, f, random), {
                status: 503,
                headers: { "Content-Type": "text/plain" },
                body: "Service Unavailable",
            });
            assert.strictEqual(tokenEndpointFault(token, f, random), undefined);
            // No draw for other requests, or without rates: a replay does not drift.
            assert.strictEqual(tokenEndpointFault({ method: "GET", path: "/v1.0/users" }, f, random), undefined);
            assert.strictEqual(tokenEndpointFault(token, undefined, random), undefined);
            assert.strictEqual(r, 4);
        },
    );

    it("the client signs in through a storm at the token endpoint (52% of token requests fail) and every call goes through", async () => {
        emu.faults = { seed: 2202, tokenEndpoint: { rate429: 0.32, rate5xx: 0.15, dropRate: 0.05, retryAfterSeconds: 1 } };
        const from = emu.requests.length;
        for (let i = 0; i < 6; i++) {
            // A new client signs in afresh each time.
            const policy = await clientsAs(emu).graph.get("/policies/identitySecurityDefaultsEnforcementPolicy");
            assert.strictEqual(typeof policy.isEnabled, "boolean");
        }
        const answers = tokenAnswers(from);
        assert.ok(answers.filter((s) => s === 200).length >= 6, answers.join(","));
        assert.ok(
            answers.some((s) => s === 429 || s === 503 || s === "dropped"),
            `faults were injected: ${answers.join(",")}`,
        );
    });

    it(
        "early token expiry reaches only the apps tokenExpiresEarlyApps names (every app when unset); expires_in stays the " +
            "honest lifetime",
        async () => {
            // An artificial fault: the azuread plugin renews on expires_in only (go-azure-sdk sdk/auth/cached_authorizer.go, token.go), so
            // the
            // benchmark gives its app honest lifetimes.
            const exp = async (app: string) => {
                const res = await fetch(`${emu.origin}/${emu.defaultTenant().tenantId}/oauth2/v2.0/token`, {
                    method: "POST",
                    headers: { "Content-Type": "application/x-www-form-urlencoded" },
                    body: new URLSearchParams({
                        grant_type: "client_credentials",
                        client_id: emu.app(app).appId,
                        client_secret: emu.app(app).secret,
                        scope: "https://graph.microsoft.com/.default",
                    }).toString(),
                });
                const body = (await res.json()) as any;
                const claims = JSON.parse(Buffer.from(String(body.access_token).split(".")[1], "base64url").toString("utf8"));
                return { left: claims.exp - Math.floor(Date.now() / 1000), expiresIn: body.expires_in };
            };
            emu.faults = { tokenExpiresEarlySeconds: 15, tokenExpiresEarlyApps: [APPS.provider] };
            const early = await exp(APPS.provider);
            const honest = await exp(APPS.portal);
            assert.ok(early.left <= 15 && early.left >= 13, JSON.stringify(early));
            assert.ok(honest.left > 3000, JSON.stringify(honest));
            assert.strictEqual(early.expiresIn, honest.expiresIn, "expires_in says the same to both");
            emu.faults = { tokenExpiresEarlySeconds: 15 };
            assert.ok((await exp(APPS.portal)).left <= 15, "unset: every app");
        },
    );
});
