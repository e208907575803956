/**
 * The readiness gate written once (providers/framework/readinessGate.ts), in the words the checks at
 * preview said it in their own copies (per-user MFA's guards, the Conditional Access rollout, an
 * adopted managed policy): the mode and accepted users of m365-mfa:baseline.readiness, who will break
 * (by protocol) and who must register, the first 25 inline and all in a file, and block's refusal.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    LISTED_INLINE,
    acceptedUsers,
    affectedParts,
    listed,
    readinessMode,
    readinessRefusal,
} from "../../providers/framework/readinessGate";

describe("unit: the readiness gate (one for per-user MFA, Conditional Access and managed policies)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-gate-"));
    let saved: string | undefined;
    before(() => {
        saved = process.env.M365_MFA_REPORT_DIR;
        process.env.M365_MFA_REPORT_DIR = dir;
    });
    after(() => {
        if (saved === undefined) delete process.env.M365_MFA_REPORT_DIR;
        else process.env.M365_MFA_REPORT_DIR = saved;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("warn by default; accepted users lower-cased", () => {
        assert.strictEqual(readinessMode(undefined), "warn");
        assert.strictEqual(readinessMode({ mode: "block" }), "block");
        assert.deepStrictEqual([...acceptedUsers({ mode: "warn", acceptedUsers: ["Ann@Contoso.com"] })], ["ann@contoso.com"]);
        assert.strictEqual(acceptedUsers(undefined).size, 0);
    });

    it("lists the first 25 inline and the rest in a file, pointing at npm run readiness unless told not to", () => {
        const lines = Array.from({ length: 30 }, (_, i) => `user${i}@contoso.com`);
        const out = listed(lines, "users who will break");
        assert.strictEqual(out.split("\n").filter((l) => l.startsWith("  - ")).length, LISTED_INLINE);
        const tail = out.split("\n").pop() ?? "";
        const m = /^ {2}\.\.\. and 5 more \(all 30: (.+); npm run readiness for the full report\)$/.exec(tail);
        assert.ok(m, tail);
        assert.deepStrictEqual(fs.readFileSync(m[1], "utf8").trim().split("\n"), lines);
        assert.match(listed(lines, "x", false).split("\n").pop() ?? "", /^ {2}\.\.\. and 5 more \(all 30: .+\)$/);
        assert.strictEqual(listed(lines.slice(0, 2), "x"), "  - user0@contoso.com\n  - user1@contoso.com");
    });

    it("says who will break (by protocol when asked) and who must register, and block's refusal with the fix", () => {
        const findings = [
            { userPrincipalName: "a@contoso.com", legacy: [{ protocol: "IMAP4" }, { protocol: "POP3" }] },
            { userPrincipalName: "b@contoso.com", legacy: [{ protocol: "IMAP4" }] },
            { userPrincipalName: "c@contoso.com", legacy: [] },
        ];
        const describe = (f: { userPrincipalName: string }) => f.userPrincipalName;
        assert.deepStrictEqual(affectedParts(findings, describe, true), [
            "Will break: 2 users still sign in with legacy protocols, which stop working for them (IMAP4: 2, POP3: 1):\n  - " +
                "a@contoso.com\n  - b@contoso.com",
            "Asked to register: 1 user have no MFA method and must register one at their next sign-in:\n  - c@contoso.com",
        ]);
        assert.strictEqual(
            affectedParts(findings.slice(1, 2), describe)[0],
            "Will break: 1 user still sign in with legacy protocols, which stop working for them:\n  - b@contoso.com",
        );
        assert.deepStrictEqual(readinessRefusal("MFA for all users", "Readiness: 1 of 3 users would be affected."), {
            property: "",
            reason:
                "MFA for all users: Readiness: 1 of 3 users would be affected.\nFix them first, or accept them in " +
                "m365-mfa:baseline.readiness.acceptedUsers; nothing was changed.",
        });
        assert.strictEqual(readinessRefusal(undefined, "s", "readiness").property, "readiness");
    });

    it("is the only copy: no check at preview words the lists or block's refusal itself (issue 23)", () => {
        const root = path.join(__dirname, "..", "..");
        const gate = path.join(root, "providers", "framework", "readinessGate.ts");
        const copies: string[] = [];
        const walk = (dir: string): void => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, e.name);
                if (e.isDirectory()) walk(p);
                else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && p !== gate) {
                    const text = fs.readFileSync(p, "utf8");
                    for (const words of [
                        "Fix them first, or accept them",
                        "which stop working for them",
                        "must register one at their next sign-in",
                    ])
                        if (text.includes(words)) copies.push(`${path.relative(root, p)}: "${words}"`);
                }
            }
        };
        for (const dir of ["settings", "providers", "readiness", "pipelines", "adoption", "policies"])
            if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
        assert.deepStrictEqual(copies, []);
    });
});
