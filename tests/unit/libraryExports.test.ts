/**
 * The library's root (index.ts) exports the MFA posture of today's resources, usable on their own with
 * typed args: PhishingResistantAdminsPolicy, DeviceCodeFlowBlock and ManagedConditionalAccessPolicy. A
 * consumer program importing them from the root is type-checked (strict) with the TypeScript compiler.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";

describe("unit: the library exports the MFA posture of today's resources", function () {
    this.timeout(120_000);
    const root = path.resolve(__dirname, "..", "..");

    it("PhishingResistantAdminsPolicy, DeviceCodeFlowBlock and ManagedConditionalAccessPolicy are classes of the root module", () => {
        const lib = require(path.join(root, "index.ts"));
        for (const name of [
            "PhishingResistantAdminsPolicy",
            "DeviceCodeFlowBlock",
            "ManagedConditionalAccessPolicy",
            "RequireMfaPolicy",
            "LegacyAuthenticationBlock",
        ]) {
            assert.strictEqual(typeof lib[name], "function", `${name} is not exported from index.ts`);
        }
        assert.strictEqual(typeof lib.managedPolicyOnConfirmation, "function");
    });

    it("a consumer program using them with typed args type-checks; a wrong mode does not", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-exports-"));
        try {
            const program = (mode: string) =>
                `
import { DeviceCodeFlowBlock, DeviceCodeFlowBlockArgs, ManagedConditionalAccessPolicy, ManagedConditionalAccessPolicyArgs, ` +
                `PhishingResistantAdminsArgs, PhishingResistantAdminsPolicy } from ${JSON.stringify(path.join(root, "index"))};
const admins: PhishingResistantAdminsArgs = { mode: "reportOnly", breakGlassAccounts: ["bg@contoso.com"], roles: ` +
                `["62e90394-69f5-4237-9190-012177145e10"], authenticationStrength: "phishing-resistant" };
new PhishingResistantAdminsPolicy("admins", admins);
const dcf: DeviceCodeFlowBlockArgs = { mode: "reportOnly", breakGlassAccounts: ["bg@contoso.com"], authenticationTransfer: true };
new DeviceCodeFlowBlock("dcf", dcf);
const managed: ManagedConditionalAccessPolicyArgs = { policy: "Microsoft-managed: Block device code flow", mode: ` +
                `${JSON.stringify(mode)}, excludeUsers: ["bg@contoso.com"] };
new ManagedConditionalAccessPolicy("managed", managed);
`;
            const check = (mode: string) => {
                const file = path.join(dir, `consumer-${mode}.ts`);
                fs.writeFileSync(file, program(mode));
                const p = ts.createProgram([file], {
                    strict: true,
                    noEmit: true,
                    skipLibCheck: true,
                    esModuleInterop: true,
                    target: ts.ScriptTarget.ES2022,
                    module: ts.ModuleKind.CommonJS,
                    moduleResolution: ts.ModuleResolutionKind.Node10,
                    types: ["node"],
                });
                return ts
                    .getPreEmitDiagnostics(p)
                    .filter((d) => d.file?.fileName === file)
                    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
            };
            assert.deepStrictEqual(check("on"), []);
            assert.ok(
                check("enforced").some((m) => /"enforced"/.test(m)),
                "a wrong mode is a type error",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
