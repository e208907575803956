/**
 * The JSON Schema of m365-mfa:baseline (schema/baseline.schema.json, schema/stack.schema.json) and
 * the README's table of keys are generated from the declarations (scripts/baseline-schema.ts): stale
 * files fail here. The repository's own stack files and the README's examples of m365-mfa:baseline
 * must be valid under the schema (ajv), and the schema must refuse what the checker refuses in shape.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import * as YAML from "yaml";
import { BASELINE_KEY, baselineArgsFromConfig } from "../../components/config";
import { BASELINE_SCHEMA_FILE, README_FILE, ROOT, STACK_SCHEMA_FILE, stale } from "../../scripts/baselineSchema";
import { bool, check, jsonSchemaOf, list, obj, oneOf, patternSource, str, type Infer } from "../../providers/framework/validation";

const readJson = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: false });
const baseline = ajv.compile<any>(readJson(BASELINE_SCHEMA_FILE));
const stack = ajv.compile<any>(readJson(STACK_SCHEMA_FILE));
const errors = (v: typeof baseline) => ajv.errorsText(v.errors, { separator: "\n" });

/** Pulumi.<stack>.yaml files at the root and under examples/. */
function stackFiles(): string[] {
    const out = fs
        .readdirSync(ROOT)
        .filter((f) => /^Pulumi\..+\.ya?ml$/.test(f))
        .map((f) => path.join(ROOT, f));
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else if (/^Pulumi\..+\.ya?ml$/.test(e.name)) out.push(p);
        }
    };
    walk(path.join(ROOT, "examples"));
    return out;
}

/** The README's YAML code blocks that set m365-mfa:baseline under config:, parsed. */
function readmeExamples(): { line: number; doc: any }[] {
    const lines = fs.readFileSync(README_FILE, "utf8").split("\n");
    const out: { line: number; doc: any }[] = [];
    for (let i = 0; i < lines.length; i++) {
        if (lines[i].trim() !== "```yaml") continue;
        const start = i + 1;
        while (++i < lines.length && lines[i].trim() !== "```");
        const text = lines.slice(start, i).join("\n");
        if (text.includes(`${BASELINE_KEY}:`)) out.push({ line: start + 1, doc: YAML.parse(text) });
    }
    return out;
}

describe("unit: JSON Schema of m365-mfa:baseline", () => {
    it("the committed schemas and the README's table of keys are what the declarations give (npm run baseline-schema)", () => {
        assert.deepStrictEqual(stale(), [], "run npm run baseline-schema and commit the result");
    });

    it("the repository's stack files are valid under the stack schema, and their baseline under the baseline schema", () => {
        const files = stackFiles();
        assert.ok(files.length >= 2, files.join(", "));
        for (const f of files) {
            const doc: any = YAML.parse(fs.readFileSync(f, "utf8")) ?? {};
            assert.ok(stack(doc), `${path.relative(ROOT, f)}: ${errors(stack)}`);
            const value = doc.config?.[BASELINE_KEY];
            if (value !== undefined) assert.ok(baseline(value), `${path.relative(ROOT, f)}: ${errors(baseline)}`);
        }
    });

    it("the README's examples of m365-mfa:baseline are valid under it", () => {
        const examples = readmeExamples();
        assert.ok(examples.length >= 3, `README examples found: ${examples.length}`);
        for (const { line, doc } of examples) {
            assert.ok(doc?.config?.[BASELINE_KEY] !== undefined, `README.md line ${line}: m365-mfa:baseline under config:`);
            assert.ok(stack(doc), `README.md line ${line}: ${errors(stack)}`);
        }
    });

    it("refuses in the editor what the preview refuses in shape: unknown keys, wrong types, values and ranges, empties", () => {
        const refused: unknown[] = [
            { breakGlassAccount: ["bg@contoso.com"] },
            { securityDefaults: { enabled: "yes" } },
            { securityDefaults: {} },
            { readiness: { mode: "warn", windowDays: 31 } },
            { guards: { maxUserChangeShare: 0 } },
            { preset: "conditional-acess" },
            { breakGlassAccounts: ["bob"] },
            { authenticationMethods: {} },
            { authenticationMethods: { methods: { smss: { state: "disabled" } } } },
            { hygiene: { "bad name": { users: ["a@contoso.com"], trigger: "1" } } },
            { smtpAuth: { disabledForOrganization: true, exceptions: ["  "] } },
        ];
        for (const raw of refused) {
            assert.strictEqual(baseline(raw), false, `the schema refuses ${JSON.stringify(raw)}`);
            assert.throws(() => baselineArgsFromConfig(raw), `the preview refuses ${JSON.stringify(raw)}`);
        }
        // Case-insensitive patterns keep their meaning in JSON Schema (an object id in capitals, a hygiene name in capitals).
        const accepted = [
            { breakGlassAccounts: ["BG@contoso.com", "6F1D3B8E-2C4A-4E0F-9A7B-1C2D3E4F5A6B"] },
            { hygiene: { "Incident-42": { users: ["a@contoso.com"], revokeSessions: true, trigger: "1" } } },
        ];
        for (const raw of accepted) {
            assert.ok(baseline(raw), `${JSON.stringify(raw)}: ${errors(baseline)}`);
            baselineArgsFromConfig(raw);
        }
    });

    it("the stack schema marks a key under m365-mfa: that the package does not read, as the preview refuses it", () => {
        assert.strictEqual(stack({ config: { "m365-mfa:baselne": { preset: "security-defaults" } } }), false);
        assert.strictEqual(stack({ config: { "m365-mfa:baseline": { securityDefaults: { enabeld: true } } } }), false);
        assert.ok(
            stack({ config: { "m365-mfa:tenantId": "t", "m365-mfa:clientSecret": { secure: "v1:..." }, "azuread:tenantId": "t" } }),
            errors(stack),
        );
    });

    it("each key's description comes from its declaration", () => {
        const s = readJson(BASELINE_SCHEMA_FILE);
        assert.match(s.properties.readiness.properties.windowDays.description, /sign-in logs are kept 30 days/);
        assert.match(s.properties.breakGlassAccounts.description, /Emergency-access accounts/);
        assert.strictEqual(s.additionalProperties, false);
    });
});

describe("unit: schemas on zod", () => {
    it("a pattern's i flag is spelt out for JSON Schema, escapes untouched", () => {
        assert.strictEqual(patternSource(/^[0-9a-f]{2}x\s$/i), "^[0-9a-fA-F]{2}[xX]\\s$");
        assert.strictEqual(patternSource(/^\S+$/), "^\\S+$");
        assert.throws(() => patternSource(/a/g), /flags JSON Schema cannot say/);
    });

    it("one declaration gives the type, the check and the JSON Schema", () => {
        const s = obj({ state: oneOf(["enabled", "disabled"] as const), users: list(str()), on: bool }, { required: ["state"] });
        type T = Infer<typeof s>;
        const ok: T = { state: "enabled", users: ["a"] };
        // @ts-expect-error state is required, and only enabled / disabled
        const bad: T = { state: "on" };
        assert.strictEqual(check(ok, s, "k", []), true);
        const problems: string[] = [];
        assert.strictEqual(check(bad, s, "k", problems), false);
        assert.deepStrictEqual(problems, ['k.state must be one of enabled, disabled, got "on"']);
        assert.deepStrictEqual(jsonSchemaOf(s).required, ["state"]);
    });
});
