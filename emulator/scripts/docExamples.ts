/**
 * Extracts the request/response examples of Microsoft Graph's API reference pages
 * (microsoftgraph/microsoft-graph-docs-contrib) for the endpoints this project calls, into
 * emulator/tests/docExamples/<version>__<page>.json, which emulator/tests/docExamples.test.ts replays
 * against the emulator.
 *
 *   node -r ts-node/register/transpile-only emulator/scripts/extract-doc-examples.ts --git <docs-contrib git dir>
 *   node -r ts-node/register/transpile-only emulator/scripts/extract-doc-examples.ts --dir <docs-contrib checkout or copy>
 *
 * --git reads each page with `git show HEAD:<path>` (a bare or fetched git directory; the commit is
 * HEAD's). --dir reads plain files; the commit is `git rev-parse HEAD` there, or, for a copy that is not
 * a checkout, the page's entry in <dir>/.commits.json ({ "<page path>": "<commit>" }).
 *
 * A page's examples are its `<!-- { "blockType": "request", ... } -->` blocks (and `"ignored"` ones that
 * carry a "name": examples the docs keep out of snippet generation) with the next fenced block as the
 * HTTP request, each paired with the following `"blockType": "response"` block and its metadata
 * (`truncated`, `@odata.type`, `isCollection`). Annotations written by hand in an existing fixture
 * (`artefact`, `replay`, `note`, per example name) are kept when the fixture is regenerated; an
 * annotation whose example is gone from the page is reported.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const REPO = "microsoftgraph/microsoft-graph-docs-contrib";

/** The pages in scope: endpoints the emulator serves (emulator/graph/*.ts) that the project's clients call. */
export const PAGES: readonly { page: string; calledBy: string }[] = [
    {
        page: "api-reference/v1.0/api/user-list.md",
        calledBy: "settings/perUserMfa/setting.ts, settings/perUserMfa/export.ts (GET /users?$select=id,userPrincipalName&$top=999)",
    },
    {
        page: "api-reference/v1.0/api/user-get.md",
        calledBy:
            "settings/perUserMfa/setting.ts, settings/hygiene/setting.ts, settings/conditionalAccess/export.ts (GET " +
            "/users/{id|upn}?$select=...)",
    },
    {
        page: "api-reference/v1.0/api/group-list-transitivemembers.md",
        calledBy: "settings/perUserMfa/setting.ts (GET /groups/{id}/transitiveMembers/microsoft.graph.user)",
    },
    {
        page: "api-reference/v1.0/api/directoryrole-list-members.md",
        calledBy: "settings/perUserMfa/setting.ts (lockout guard: GET /directoryRoles(roleTemplateId='...')/members)",
    },
    {
        page: "api-reference/v1.0/api/authentication-list-methods.md",
        calledBy:
            "settings/hygiene/setting.ts, settings/perUserMfa/setting.ts, providers/framework/readinessReport.ts (GET " +
            "/users/{id}/authentication/methods)",
    },
    { page: "api-reference/v1.0/api/phoneauthenticationmethod-delete.md", calledBy: "settings/hygiene/setting.ts (re-registration)" },
    {
        page: "api-reference/v1.0/api/microsoftauthenticatorauthenticationmethod-delete.md",
        calledBy: "settings/hygiene/setting.ts (re-registration)",
    },
    {
        page: "api-reference/v1.0/api/softwareoathauthenticationmethod-delete.md",
        calledBy: "settings/hygiene/setting.ts (re-registration)",
    },
    { page: "api-reference/v1.0/api/fido2authenticationmethod-delete.md", calledBy: "settings/hygiene/setting.ts (re-registration)" },
    { page: "api-reference/v1.0/api/emailauthenticationmethod-delete.md", calledBy: "settings/hygiene/setting.ts (re-registration)" },
    {
        page: "api-reference/v1.0/api/temporaryaccesspassauthenticationmethod-delete.md",
        calledBy: "settings/hygiene/setting.ts (re-registration)",
    },
    {
        page: "api-reference/v1.0/api/windowshelloforbusinessauthenticationmethod-delete.md",
        calledBy: "settings/hygiene/setting.ts (re-registration)",
    },
    {
        page: "api-reference/beta/api/authentication-get.md",
        calledBy:
            "settings/perUserMfa/setting.ts, settings/perUserMfa/export.ts (GET " +
            "/beta/users/{id|upn}/authentication/requirements, in $batch)",
    },
    {
        page: "api-reference/beta/api/authentication-update.md",
        calledBy: "settings/perUserMfa/setting.ts (PATCH /beta/users/{id|upn}/authentication/requirements, in $batch)",
    },
    {
        page: "api-reference/v1.0/api/user-revokesigninsessions.md",
        calledBy: "settings/hygiene/setting.ts (POST /users/{id}/revokeSignInSessions)",
    },
    { page: "api-reference/v1.0/api/identitysecuritydefaultsenforcementpolicy-get.md", calledBy: "settings/securityDefaults/setting.ts" },
    {
        page: "api-reference/v1.0/api/identitysecuritydefaultsenforcementpolicy-update.md",
        calledBy: "settings/securityDefaults/setting.ts",
    },
    { page: "api-reference/v1.0/api/authenticationmethodspolicy-get.md", calledBy: "settings/authenticationMethods/policy.ts (v1.0)" },
    { page: "api-reference/v1.0/api/authenticationmethodspolicy-update.md", calledBy: "settings/authenticationMethods/policy.ts (v1.0)" },
    {
        page: "api-reference/beta/api/authenticationmethodspolicy-get.md",
        calledBy: "settings/authenticationMethods/policy.ts (beta, systemCredentialPreferences)",
    },
    {
        page: "api-reference/beta/api/authenticationmethodspolicy-update.md",
        calledBy: "settings/authenticationMethods/policy.ts (beta, systemCredentialPreferences)",
    },
    ...["microsoftauthenticator", "sms", "voice", "fido2", "softwareoath", "temporaryaccesspass", "email", "x509certificate"].flatMap((m) =>
        ["get", "update"].map((op) => ({
            page: `api-reference/v1.0/api/${m}authenticationmethodconfiguration-${op}.md`,
            calledBy: "settings/authenticationMethods/methodConfiguration.ts (v1.0)",
        })),
    ),
    {
        page: "api-reference/v1.0/api/qrcodepinauthenticationmethodconfiguration-get.md",
        calledBy: "settings/authenticationMethods/methodConfiguration.ts (v1.0)",
    },
    {
        page: "api-reference/v1.0/api/qrcodepinauthenticationmethodconfiguration-update.md",
        calledBy: "settings/authenticationMethods/methodConfiguration.ts (v1.0)",
    },
    {
        page: "api-reference/beta/api/hardwareoathauthenticationmethodconfiguration-get.md",
        calledBy: "settings/authenticationMethods/methodConfiguration.ts (beta only)",
    },
    {
        page: "api-reference/beta/api/hardwareoathauthenticationmethodconfiguration-update.md",
        calledBy: "settings/authenticationMethods/methodConfiguration.ts (beta only)",
    },
    {
        page: "api-reference/beta/api/microsoftauthenticatorauthenticationmethodconfiguration-get.md",
        calledBy: "settings/authenticationMethods/methodConfiguration.ts (beta for companionAppAllowedState)",
    },
    {
        page: "api-reference/beta/api/microsoftauthenticatorauthenticationmethodconfiguration-update.md",
        calledBy: "settings/authenticationMethods/methodConfiguration.ts (beta for companionAppAllowedState)",
    },
    {
        page: "api-reference/v1.0/api/conditionalaccessroot-list-policies.md",
        calledBy: "settings/conditionalAccess/export.ts; @pulumi/azuread (azuread.ConditionalAccessPolicy)",
    },
    {
        page: "api-reference/v1.0/api/conditionalaccessroot-post-policies.md",
        calledBy: "@pulumi/azuread (azuread.ConditionalAccessPolicy create)",
    },
    {
        page: "api-reference/v1.0/api/conditionalaccesspolicy-get.md",
        calledBy: "@pulumi/azuread (read), settings/conditionalAccess/resource.ts (import)",
    },
    { page: "api-reference/v1.0/api/conditionalaccesspolicy-update.md", calledBy: "@pulumi/azuread (update)" },
    { page: "api-reference/v1.0/api/conditionalaccesspolicy-delete.md", calledBy: "@pulumi/azuread (delete)" },
    { page: "api-reference/v1.0/api/signin-list.md", calledBy: "providers/framework/readinessReport.ts (legacy-protocol sign-ins)" },
    {
        page: "api-reference/v1.0/api/authenticationmethodsroot-list-userregistrationdetails.md",
        calledBy: "providers/framework/readinessReport.ts (users with no MFA method)",
    },
    { page: "api-reference/v1.0/api/directoryaudit-list.md", calledBy: "client/audit.ts (drift attribution)" },
    { page: "concepts/json-batching.md", calledBy: "client/batch.ts (every batched call; v1.0 and beta)" },
];

export interface DocRequest {
    method: string;
    /** The URL as written on the page (host and version included). */
    url: string;
    version: "v1.0" | "beta" | null;
    /** Path and query under the version root, e.g. /users?$top=1 (null when the URL has no Graph version). */
    path: string | null;
    headers: Record<string, string>;
    body?: unknown;
    /** The body as written, when it is not JSON. */
    bodyText?: string;
}

export interface DocResponse {
    status: number;
    headers: Record<string, string>;
    body?: unknown;
    bodyText?: string;
    truncated: boolean;
    odataType?: string;
    isCollection: boolean;
}

export interface Annotation {
    /** Not compared as written: why (a documented artefact). */
    artefact?: {
        kind: "notModelled" | "docError" | "notApplicable";
        reason: string;
        /**
         * Compare the answer except at these places (paths as the comparison prints them, [*] for any
         * item: body.a.b[*].c), which the reason explains; without it a notModelled example must be
         * refused loudly and a docError/notApplicable one is compared only as its `replay` corrects it.
         */
        compareExcept?: string[];
        /** For a docError whose documented body is wrong: the body to compare with instead (the reason says what was corrected). */
        correctedBody?: unknown;
    };
    /** What the replay sends instead of the page's request (ids are swapped by the test itself). */
    replay?: { method?: string; path?: string; version?: "v1.0" | "beta"; headers?: Record<string, string>; body?: unknown };
    note?: string;
}

export interface DocExample extends Annotation {
    /** The request block's "name" (unique on the page), else "example-<n>". */
    name: string;
    /** The heading the example sits under on the page. */
    title: string;
    /** "request", or "ignored" for a named example the docs keep out of snippet generation. */
    blockType: string;
    request: DocRequest;
    response?: DocResponse;
}

export interface DocFixture {
    source: { repo: string; path: string; commit: string };
    calledBy: string;
    examples: DocExample[];
}

/** Lenient JSON: the pages' bodies sometimes carry trailing commas or // comments. */
export function parseJsonLenient(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
    try {
        return { ok: true, value: JSON.parse(text) };
    } catch (e) {
        const cleaned = text.replace(/^\s*\/\/.*$/gm, "").replace(/,(\s*[}\]])/g, "$1");
        try {
            return { ok: true, value: JSON.parse(cleaned) };
        } catch {
            return { ok: false, error: (e as Error).message };
        }
    }
}

interface Block {
    meta: Record<string, unknown>;
    code: string;
    heading: string;
}

function parseMeta(comment: string): Record<string, unknown> | undefined {
    const start = comment.indexOf("{");
    const end = comment.lastIndexOf("}");
    if (start < 0 || end < start) return undefined;
    const parsed = parseJsonLenient(comment.slice(start, end + 1));
    return parsed.ok && parsed.value && typeof parsed.value === "object" ? (parsed.value as Record<string, unknown>) : undefined;
}

/** The metadata comments with blockType request/response/ignored and the fenced block that follows each. */
function blocks(markdown: string): Block[] {
    const lines = markdown.replace(/\r\n/g, "\n").split("\n");
    const out: Block[] = [];
    let heading = "";
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        const h = /^#{2,6}\s+(.*)$/.exec(line);
        if (h && !/^(Request|Response)s?$/i.test(h[1].trim())) {
            heading = h[1].trim();
            continue;
        }
        // A response block written without its metadata comment (the concept pages do this).
        if (/^\s*```/.test(line)) {
            const fence = /^\s*(`{3,})/.exec(line)![1];
            const code: string[] = [];
            let m = i + 1;
            while (m < lines.length && !lines[m].trimStart().startsWith(fence)) code.push(lines[m++]);
            if (/^\s*HTTP\/\d/.test(code.join("\n").trimStart()))
                out.push({ meta: { blockType: "response" }, code: code.join("\n"), heading });
            i = m;
            continue;
        }
        if (!line.trimStart().startsWith("<!--")) continue;
        let comment = line;
        let j = i;
        while (!comment.includes("-->") && j + 1 < lines.length) comment += `\n${lines[++j]}`;
        const meta = parseMeta(comment.slice(comment.indexOf("<!--") + 4, comment.lastIndexOf("-->")));
        i = j;
        if (!meta || typeof meta.blockType !== "string" || !["request", "response", "ignored"].includes(meta.blockType)) continue;
        // The next fenced block, before the next metadata comment or heading.
        let k = i + 1;
        while (k < lines.length && !/^\s*```/.test(lines[k]) && !lines[k].trimStart().startsWith("<!--") && !/^#{2,6}\s/.test(lines[k]))
            k++;
        if (k >= lines.length || !/^\s*```/.test(lines[k])) continue;
        const fence = /^\s*(`{3,})/.exec(lines[k])![1];
        const code: string[] = [];
        let m = k + 1;
        while (m < lines.length && !lines[m].trimStart().startsWith(fence)) code.push(lines[m++]);
        out.push({ meta, code: code.join("\n"), heading });
        i = m;
    }
    return out;
}

function splitHttp(code: string): { first: string; headers: Record<string, string>; bodyText: string } {
    const lines = code.replace(/^\s*\n/, "").split("\n");
    const first = (lines.shift() ?? "").trim();
    const headers: Record<string, string> = {};
    while (lines.length && lines[0].trim() !== "") {
        const l = lines.shift()!;
        const c = l.indexOf(":");
        if (c > 0 && !/^\s*[{[]/.test(l)) headers[l.slice(0, c).trim()] = l.slice(c + 1).trim();
        else {
            lines.unshift(l);
            break;
        }
    }
    return { first, headers, bodyText: lines.join("\n").trim() };
}

function withBody<T extends { body?: unknown; bodyText?: string }>(target: T, text: string): T {
    if (!text) return target;
    const parsed = parseJsonLenient(text);
    if (parsed.ok) target.body = parsed.value;
    else target.bodyText = text;
    return target;
}

export function parseRequest(code: string): DocRequest {
    const { first, headers, bodyText } = splitHttp(code);
    const m = /^([A-Z]+)\s+(\S.*)$/.exec(first);
    const method = m ? m[1] : "GET";
    const url = (m ? m[2] : first).trim();
    const v = /^(?:https:\/\/graph\.microsoft\.com)?\/(v1\.0|beta)(\/.*)?$/.exec(url);
    return withBody<DocRequest>(
        { method, url, version: v ? (v[1] as "v1.0" | "beta") : null, path: v ? (v[2] ?? "/") : null, headers },
        bodyText,
    );
}

export function parseResponse(code: string, meta: Record<string, unknown>): DocResponse {
    const { first, headers, bodyText } = splitHttp(code);
    const s = /^HTTP\/[\d.]+\s+(\d{3})/.exec(first);
    return withBody<DocResponse>(
        {
            status: s ? Number(s[1]) : NaN,
            headers,
            truncated: meta.truncated === true,
            ...(typeof meta["@odata.type"] === "string" ? { odataType: meta["@odata.type"] as string } : {}),
            isCollection: meta.isCollection === true,
        },
        bodyText,
    );
}

/** The examples of one page, in page order. */
export function extractExamples(markdown: string): DocExample[] {
    const examples: DocExample[] = [];
    for (const b of blocks(markdown)) {
        const type = b.meta.blockType as string;
        if (type === "request" || (type === "ignored" && typeof b.meta.name === "string")) {
            // An "ignored" block with a name is an example only when it is an HTTP request.
            if (type === "ignored" && !/^\s*[A-Z]+\s+(https:\/\/|\/)/.test(b.code)) continue;
            examples.push({
                name: typeof b.meta.name === "string" ? b.meta.name : `example-${examples.length + 1}`,
                title: b.heading,
                blockType: type,
                request: parseRequest(b.code),
            });
        } else if (type === "response") {
            const last = examples[examples.length - 1];
            if (last && !last.response) last.response = parseResponse(b.code, b.meta);
        }
    }
    // Names are the keys of the hand-written annotations: make repeated ones unique.
    const seen = new Map<string, number>();
    for (const e of examples) {
        const n = (seen.get(e.name) ?? 0) + 1;
        seen.set(e.name, n);
        if (n > 1) e.name = `${e.name}#${n}`;
    }
    return examples;
}

export function fixtureFile(page: string): string {
    const v = /^api-reference\/(v1\.0|beta)\/api\/(.+)\.md$/.exec(page);
    return v ? `${v[1]}__${v[2]}.json` : `${page.replace(/\.md$/, "").replace(/\//g, "__")}.json`;
}

export function main(argv: string[]): void {
    const arg = (flag: string) => {
        const i = argv.indexOf(flag);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const gitDir = arg("--git");
    const dir = arg("--dir");
    const out = arg("--out") ?? path.join(__dirname, "..", "tests", "docExamples");
    if (!gitDir && !dir) {
        throw new Error(
            "usage: extract-doc-examples.ts --git <docs-contrib git dir> | --dir <docs-contrib directory> [--out <fixtures dir>]",
        );
    }
    let read: (page: string) => string | undefined;
    let commitOf: (page: string) => string;
    if (gitDir) {
        const head = execFileSync("git", ["--git-dir", gitDir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
        read = (page) => {
            try {
                return execFileSync("git", ["--git-dir", gitDir, "show", `HEAD:${page}`], { encoding: "utf8", maxBuffer: 64 << 20 });
            } catch {
                return undefined;
            }
        };
        commitOf = () => head;
    } else {
        const commits: Record<string, string> = fs.existsSync(path.join(dir!, ".commits.json"))
            ? JSON.parse(fs.readFileSync(path.join(dir!, ".commits.json"), "utf8"))
            : {};
        let head: string | undefined;
        try {
            head = execFileSync("git", ["-C", dir!, "rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
        } catch {
            head = undefined;
        }
        read = (page) => (fs.existsSync(path.join(dir!, page)) ? fs.readFileSync(path.join(dir!, page), "utf8") : undefined);
        commitOf = (page) => {
            const c = commits[page] ?? head;
            if (!c) throw new Error(`${page}: no commit (not a git checkout and no entry in ${dir}/.commits.json)`);
            return c;
        };
    }
    fs.mkdirSync(out, { recursive: true });
    const missing: string[] = [];
    for (const { page, calledBy } of PAGES) {
        const markdown = read(page);
        if (markdown === undefined) {
            missing.push(page);
            continue;
        }
        const file = path.join(out, fixtureFile(page));
        const previous: DocFixture | undefined = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
        const examples = extractExamples(markdown);
        for (const e of examples) {
            const old = previous?.examples.find((p) => p.name === e.name);
            if (old?.artefact) e.artefact = old.artefact;
            if (old?.replay) e.replay = old.replay;
            if (old?.note) e.note = old.note;
            // An annotation written for another version of the example is kept but flagged for review.
            if (old && JSON.stringify(old.request) !== JSON.stringify(e.request))
                console.warn(`${page}: example ${e.name} changed on the page; review its annotation`);
        }
        for (const old of previous?.examples ?? []) {
            if ((old.artefact || old.replay || old.note) && !examples.some((e) => e.name === old.name)) {
                console.warn(`${page}: example ${old.name} is gone from the page; its annotation was dropped`);
            }
        }
        const fixture: DocFixture = { source: { repo: REPO, path: page, commit: commitOf(page) }, calledBy, examples };
        fs.writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`);
        console.log(`${fixtureFile(page)}: ${examples.length} examples`);
    }
    if (missing.length) {
        console.warn(`not found (no fixture written): ${missing.join(", ")}`);
        process.exitCode = 1;
    }
}
