/**
 * The pipeline commands warn when Pulumi's verbose logging (which prints the providers' decrypted
 * configure inputs) is on while the client secret is in stack config; never otherwise, never the secret.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { warnVerbose } from "../../pipelines/cli";
import { stackConfigSecret, verboseLoggingSources, verboseSecretWarning } from "../../pipelines/verbose";

describe("unit: verbose logging with a secret in stack config", () => {
    let dir: string;
    const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-verbose-"));
        write("Pulumi.prod.yaml", "config:\n  m365-mfa:tenantId: t\n  m365-mfa:clientSecret:\n    secure: v1:AAAAsecretCIPHERTEXT==\n");
        write("Pulumi.plain.yaml", "config:\n  m365-mfa:clientSecret: hunter2-plain-value\n");
        write("Pulumi.wif.yaml", "config:\n  m365-mfa:tenantId: t\n  m365-mfa:clientId: c\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("finds the verbose switches pulumi reads from the environment, and only those that are on", () => {
        assert.deepStrictEqual(verboseLoggingSources({}), []);
        assert.deepStrictEqual(verboseLoggingSources({ PULUMI_OPTION_VERBOSE: "0", PULUMI_OPTION_LOGTOSTDERR: "false", TF_LOG: "" }), []);
        assert.deepStrictEqual(verboseLoggingSources({ PULUMI_OPTION_VERBOSE: "9", PULUMI_OPTION_LOGTOSTDERR: "true" }), [
            "PULUMI_OPTION_VERBOSE=9",
            "PULUMI_OPTION_LOGTOSTDERR=true",
        ]);
        assert.deepStrictEqual(verboseLoggingSources({ PULUMI_DEBUG_GRPC: "/tmp/grpc.json", TF_LOG: "DEBUG" }), [
            "PULUMI_DEBUG_GRPC=/tmp/grpc.json",
            "TF_LOG=DEBUG",
        ]);
    });

    it("reads whether the stack config holds m365-mfa:clientSecret, and whether encrypted", () => {
        assert.deepStrictEqual(stackConfigSecret(path.join(dir, "Pulumi.prod.yaml")), { present: true, encrypted: true });
        assert.deepStrictEqual(stackConfigSecret(path.join(dir, "Pulumi.plain.yaml")), { present: true, encrypted: false });
        assert.deepStrictEqual(stackConfigSecret(path.join(dir, "Pulumi.wif.yaml")), { present: false, encrypted: false });
        assert.deepStrictEqual(stackConfigSecret(path.join(dir, "missing.yaml")), { present: false, encrypted: false });
    });

    it("warns with verbose logging on and a secret in stack config; recommends workload identity or the environment variable", () => {
        const w = verboseSecretWarning(["--stack", "prod"], { PULUMI_OPTION_VERBOSE: "9" }, dir)!;
        assert.match(
            w,
            new RegExp(
                String.raw`verbose engine logging is on \(PULUMI_OPTION_VERBOSE=9\) while m365-mfa:clientSecret is in the ` +
                    String.raw`stack config \(Pulumi\.prod\.yaml, encrypted\)`,
            ),
        );
        assert.match(w, /decrypted configure inputs/);
        assert.match(w, /workload identity federation/);
        assert.match(w, /AZURE_CLIENT_SECRET environment variable/);
        assert.ok(!w.includes("AAAAsecret"), "never the ciphertext or the secret");
        const explicit = verboseSecretWarning(
            ["--stack", "x", "--config-file", "Pulumi.plain.yaml"],
            { PULUMI_OPTION_LOGTOSTDERR: "1" },
            dir,
        )!;
        assert.match(explicit, /Pulumi\.plain\.yaml, in plain text/);
        assert.ok(!explicit.includes("hunter2"));
    });

    it("says nothing when logging is quiet or no secret is in stack config", () => {
        assert.strictEqual(verboseSecretWarning(["--stack", "prod"], {}, dir), undefined);
        assert.strictEqual(verboseSecretWarning(["--stack", "wif"], { PULUMI_OPTION_VERBOSE: "9" }, dir), undefined);
        assert.strictEqual(verboseSecretWarning([], { PULUMI_OPTION_VERBOSE: "9" }, dir), undefined);
    });

    it("the commands print it on stderr before running pulumi", () => {
        const cwd = process.cwd();
        process.chdir(dir);
        try {
            const out: string[] = [];
            assert.strictEqual(
                warnVerbose(["--stack", "prod"], { PULUMI_OPTION_VERBOSE: "9" }, (s) => out.push(s)),
                true,
            );
            assert.match(out.join(""), /^m365-mfa: warning: verbose engine logging is on/);
            assert.strictEqual(
                warnVerbose(["--stack", "prod"], {}, (s) => out.push(s)),
                false,
            );
            assert.strictEqual(out.length, 1);
        } finally {
            process.chdir(cwd);
        }
    });
});
