/**
 * The sign-in paths the CI examples rely on, against the emulator: workload identity federation
 * (a CI system's OIDC token exchanged for an access token, no secret anywhere) through
 * @azure/identity's WorkloadIdentityCredential as m365-mfa uses it, Entra's refusals of a bad
 * assertion, and the cloud metadata document that the azuread provider reads to reach a custom cloud.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createTenantClients } from "../../client";
import type { RunningEmulator } from "@m365-mfa/emulator";
import { APPS, CI_OIDC } from "@m365-mfa/emulator";
import { useEmulator } from "../support/emulatorSuite";

describe("emulator: workload identity federation and the cloud metadata document", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    useEmulator((e) => (emu = e));
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-wif-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Posts a client-credentials request with a client assertion, as MSAL and go-azure-sdk do. */
    async function exchange(assertion: string, clientId = emu.app(APPS.provider).appId, scope = "https://graph.microsoft.com/.default") {
        const form = new URLSearchParams({
            grant_type: "client_credentials",
            client_id: clientId,
            client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            client_assertion: assertion,
            scope,
        });
        const r = await fetch(`${emu.origin}/${emu.defaultTenant().tenantId}/oauth2/v2.0/token`, {
            method: "POST",
            headers: { "Content-Type": "application/x-www-form-urlencoded" },
            body: form,
        });
        return { status: r.status, body: (await r.json()) as any };
    }

    /** m365-mfa's own clients with only a federated token file: no secret in the environment. */
    function federatedClients(token: string) {
        const file = path.join(dir, `token-${Math.random().toString(36).slice(2)}`);
        fs.writeFileSync(file, token);
        const { AZURE_CLIENT_SECRET: _secret, ...env } = emu.env(APPS.provider);
        return createTenantClients(undefined, { ...env, AZURE_FEDERATED_TOKEN_FILE: file });
    }

    it("WorkloadIdentityCredential signs m365-mfa in with the CI's token and Graph answers", async () => {
        const clients = federatedClients(emu.ciToken());
        const policy = await clients.graph.get<{ isEnabled: boolean }>("/policies/identitySecurityDefaultsEnforcementPolicy");
        assert.strictEqual(policy.isEnabled, emu.defaultTenant().securityDefaults.isEnabled);
    });

    it("the access token is the app's, with its permissions, as after a secret", async () => {
        const r = await exchange(emu.ciToken());
        assert.strictEqual(r.status, 200, JSON.stringify(r.body));
        const claims = JSON.parse(Buffer.from(r.body.access_token.split(".")[1], "base64url").toString("utf8"));
        assert.strictEqual(claims.appid, emu.app(APPS.provider).appId);
        assert.ok(claims.roles.includes("Policy.ReadWrite.ConditionalAccess"));
    });

    it("refuses a subject, an audience or an issuer that no federated credential of the app names (AADSTS70021)", async () => {
        for (const bad of [
            { subject: "repo:contoso/tenant-config:pull_request" },
            { audience: "api://SomethingElse" },
            { issuer: "https://issuer.example.test" },
        ]) {
            const r = await exchange(emu.ciToken(bad));
            assert.strictEqual(r.status, 400, JSON.stringify(bad));
            assert.strictEqual(r.body.error, "invalid_request");
            assert.deepStrictEqual(r.body.error_codes, [70021]);
            assert.match(
                r.body.error_description,
                new RegExp(
                    String.raw`^AADSTS70021: No matching federated identity record found for presented assertion\. Assertion ` +
                        String.raw`Issuer: '[^']+'\. Assertion Subject: '[^']+'\. Assertion Audience: '[^']+'\.`,
                ),
            );
        }
    });

    it("refuses the CI's token for an app that trusts no federated credential", async () => {
        const r = await exchange(emu.ciToken(), emu.app(APPS.reader).appId);
        assert.deepStrictEqual(r.body.error_codes, [70021]);
    });

    it("refuses a forged token (signature the issuer's keys do not verify) and an expired one", async () => {
        const forged = await exchange(emu.ciToken({ signWithOtherKey: true }));
        assert.strictEqual(forged.status, 401);
        assert.deepStrictEqual(forged.body.error_codes, [50013]);
        const expired = await exchange(emu.ciToken({ lifetimeSeconds: -60 }));
        assert.strictEqual(expired.status, 400);
        assert.deepStrictEqual(expired.body.error_codes, [700024]);
        const garbage = await exchange("not-a-jwt");
        assert.deepStrictEqual(garbage.body.error_codes, [50027]);
    });

    it("m365-mfa's error for a refused federated sign-in names Entra's reason and carries no token", async () => {
        const token = emu.ciToken({ subject: "repo:someone/else:ref:refs/heads/main" });
        const clients = federatedClients(token);
        await assert.rejects(clients.graph.get("/policies/identitySecurityDefaultsEnforcementPolicy"), (err: Error) => {
            assert.match(err.message, /AADSTS70021/);
            assert.ok(!err.message.includes(token), "the CI token must not appear in the error");
            return true;
        });
    });

    it("serves the cloud metadata document go-azure-sdk reads, pointing login and Graph at itself", async () => {
        const r = await fetch(`${emu.origin}/metadata/endpoints?api-version=2022-09-01`);
        assert.strictEqual(r.status, 200);
        const doc = (await r.json()) as any;
        // What go-azure-sdk's environments.FromEndpoint requires.
        assert.ok(doc.name);
        assert.strictEqual(doc.resourceManager, `${emu.origin}/`);
        assert.strictEqual(doc.microsoftGraphResourceId, `${emu.origin}/`);
        assert.strictEqual(doc.authentication.loginEndpoint, emu.origin);
        const noVersion = await fetch(`${emu.origin}/metadata/endpoints`);
        assert.strictEqual(noVersion.status, 400);
        assert.strictEqual(((await noVersion.json()) as any).error.code, "InvalidApiVersionParameter");
    });

    it("a token for this cloud's Graph resource id (its origin) is accepted by Graph, others are not", async () => {
        const r = await exchange(emu.ciToken(), undefined, `${emu.origin}/.default`);
        assert.strictEqual(r.status, 200, JSON.stringify(r.body));
        const ok = await fetch(`${emu.origin}/v1.0/policies/identitySecurityDefaultsEnforcementPolicy`, {
            headers: { Authorization: `Bearer ${r.body.access_token}` },
        });
        assert.strictEqual(ok.status, 200);
        const exo = await exchange(emu.ciToken(), undefined, "https://outlook.office365.com/.default");
        const wrong = await fetch(`${emu.origin}/v1.0/policies/identitySecurityDefaultsEnforcementPolicy`, {
            headers: { Authorization: `Bearer ${exo.body.access_token}` },
        });
        assert.strictEqual(wrong.status, 401);
    });

    it("the CI issuer's default trust is the one the README's workflow uses", () => {
        const cred = emu.app(APPS.provider).federatedCredentials?.[0];
        assert.deepStrictEqual(
            { issuer: cred?.issuer, subject: cred?.subject, audiences: cred?.audiences },
            { issuer: CI_OIDC.issuer, subject: CI_OIDC.subject, audiences: [CI_OIDC.audience] },
        );
    });
});
