import * as assert from "node:assert";
import { describeConnection, mapConfigSource, redact, resolveCloud, resolveConnection, scrubbed } from "../../client";
import { decodeJwtPayload } from "../../client/credentials";

describe("unit: client layer", () => {
    it("resolves national clouds and the emulator as a custom cloud", () => {
        assert.strictEqual(resolveCloud(undefined).graphEndpoint, "https://graph.microsoft.com");
        assert.strictEqual(resolveCloud("usgov").graphEndpoint, "https://graph.microsoft.us");
        assert.strictEqual(resolveCloud("china").authorityHost, "https://login.chinacloudapi.cn");
        const emu = resolveCloud(undefined, { authorityHost: "https://127.0.0.1:8443", graphEndpoint: "https://127.0.0.1:8443/" });
        assert.strictEqual(emu.name, "custom");
        assert.strictEqual(emu.knownAuthority, false);
        assert.strictEqual(emu.graphEndpoint, "https://127.0.0.1:8443");
        assert.strictEqual(emu.graphResource, "https://graph.microsoft.com", "audience stays Graph's");
        assert.throws(() => resolveCloud("mars"), /unknown cloud "mars": use one of global, usgov, usgovdod, china, custom/);
        assert.throws(() => resolveCloud(undefined, { graphEndpoint: "http://x" }), /graphEndpoint must be an https:\/\/ origin/);
    });

    it("takes stack config before the environment, and never describes the secret", () => {
        const conn = resolveConnection(mapConfigSource({ tenantId: "t-from-config", clientSecret: "s3cr3t-value" }), {
            AZURE_TENANT_ID: "t-from-env",
            AZURE_CLIENT_ID: "app-from-env",
        });
        assert.strictEqual(conn.tenantId, "t-from-config");
        assert.strictEqual(conn.clientId, "app-from-env");
        assert.ok(!describeConnection(conn).includes("s3cr3t-value"));
        assert.match(describeConnection(conn), /client secret/);
        assert.throws(() => resolveConnection(mapConfigSource({}), {}), /pulumi config set m365-mfa:tenantId/);
    });

    it("redacts secrets and anything shaped like a JWT, in messages and stacks", () => {
        const jwt = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwcyJ9.c2lnbmF0dXJlLXBhcnQ";
        assert.strictEqual(redact(`token ${jwt} secret abcd1234`, ["abcd1234"]), "token [redacted token] secret [redacted secret]");
        const e = new Error(`failed with abcd1234`);
        const clean = scrubbed(e, ["abcd1234"]);
        assert.ok(!clean.message.includes("abcd1234"));
        assert.ok(!(clean.stack ?? "").includes("abcd1234"));
    });

    it("reads a token's claims without verifying it", () => {
        const token = `x.${Buffer.from(JSON.stringify({ roles: ["Policy.Read.All"] })).toString("base64url")}.y`;
        assert.deepStrictEqual(decodeJwtPayload(token)?.roles, ["Policy.Read.All"]);
        assert.strictEqual(decodeJwtPayload("garbage"), undefined);
    });
});
