/**
 * Fidelity, second oracle: the request/response examples of Microsoft's Graph API reference pages
 * (microsoftgraph/microsoft-graph-docs-contrib) for every endpoint the project calls, replayed against
 * the emulator. The examples are extracted by emulator/scripts/extract-doc-examples.ts into
 * emulator/tests/docExamples/*.json (one file per page, with the page's path and commit).
 *
 * Each example's ids and user names are swapped for the emulated tenant's, the request is sent as the
 * page writes it (method, query, documented request headers, body), and the answer is compared with
 * the documented one:
 * - the status code;
 * - property names: every property the example shows must be in the answer (for a collection, in the
 *   answer's items of the same id or @odata.type), truncated examples included (truncation removes
 *   properties, it never adds any); a shown property Graph's metadata does not have is the page's
 *   error and must be listed in the fixture (docError with compareExcept) or the example fails;
 * - JSON types of the values, recursively (a null on either side is not compared: nullability is the
 *   schema check's);
 * - the answer against Graph's own type definitions (emulator/schema: no property the type lacks, right
 *   types and enum members);
 * - @odata.context, @odata.count and items' @odata.type where the example has them; @odata.nextLink
 *   where the example has it and the answer is a full page;
 * - the documented response headers (Content-Type's media type; no body on 204).
 *
 * An example that is not compared as written carries an `artefact` in its fixture, with the reason:
 * `notModelled` (uses a feature outside the emulator's scope: the emulator must refuse it loudly, with
 * 400 and "not modelled by the emulator", which is asserted), `docError` (the example itself is wrong;
 * compared as corrected by its `replay` when it has one), `notApplicable` (cannot apply to an app-only
 * caller or to this kind of tenant). Nothing is skipped silently: every example is compared, asserted
 * refused, or listed. Where the emulator diverges from a correct example, the example is in
 * KNOWN_DIVERGENCES below until the emulator is fixed; an entry
 * whose example now matches fails the suite, so the list only shrinks.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkBody, loadSchema } from "../schema/check";
import type { RunningEmulator } from "../server";
import { APPS } from "../store";
import { type DocExample, type DocFixture, PAGES, fixtureFile } from "../scripts/docExamples";
import { addApp, rawGraph, tokenFor, useEmulator } from "./support";

const FIXTURES = path.join(__dirname, "docExamples");
const DOC_APP = "doc-examples";

/**
 * Examples where the emulator's answer differs from a correct example, being fixed in the emulator
 * (each entry says what differs and what Microsoft's page says; none is open today). Key: "<fixture file> <example name>".
 * Remove an entry once the example matches (the suite fails while a fixed entry stays).
 */
const KNOWN_DIVERGENCES: Readonly<Record<string, string>> = {};

type Kind = "matched" | "refused" | "diverges" | "known" | "listed";

interface Outcome {
    key: string;
    kind: Kind;
    problems: string[];
    notes: string[];
}

const jsonType = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const typeName = (t: string | undefined): string | undefined =>
    t?.replace(/^Collection\((.*)\)$/, "$1").replace(/^#?microsoft\.graph\./, "");
const isGuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

function loadFixtures(): DocFixture[] {
    return PAGES.map((p) => fixtureFile(p.page))
        .filter((f) => fs.existsSync(path.join(FIXTURES, f)))
        .map((f) => JSON.parse(fs.readFileSync(path.join(FIXTURES, f), "utf8")) as DocFixture);
}

/** The schema type a property of `typeName` holds (its item type for a collection), if Graph's metadata has both. */
function propertyType(
    version: "v1.0" | "beta",
    typeName: string | undefined,
    prop: string,
): { known: boolean; has: boolean; type?: string } {
    const schema = loadSchema(version);
    if (!typeName || !schema.types[typeName]) return { known: false, has: false };
    for (let t: string | null = typeName; t; t = schema.types[t]?.base ?? null) {
        const def = schema.types[t];
        if (!def) return { known: false, has: false };
        const raw = def.properties[prop]?.type ?? def.navigation[prop];
        if (raw) return { known: true, has: true, type: typeName_(raw) };
    }
    return { known: true, has: false };
}
const typeName_ = (t: string) => t.replace(/^Collection\((.*)\)$/, "$1").replace(/^#?microsoft\.graph\./, "");

interface ShapeContext {
    version: "v1.0" | "beta";
    /** The Graph type at this place (from the example's metadata, @odata.type, or the parent's property). */
    type?: string;
    /** Places (paths as in the problems, [i] as [*]) not compared: the fixture's artefact says why. */
    ignore: readonly string[];
}

/**
 * Property names and JSON types of `doc` found in `got` (recursively). A documented property the answer
 * lacks is a problem unless Graph's metadata says the type has no such property (then the page is
 * wrong: a note). Truncation removes properties from an example, it never adds any, so documented
 * properties are required in truncated examples too. `exact` notes (does not refuse) answered
 * properties an untruncated example does not show: the schema check judges those.
 */
function compareShape(
    doc: unknown,
    got: unknown,
    at: string,
    exact: boolean,
    problems: string[],
    notes: string[],
    ctx: ShapeContext = { version: "v1.0", ignore: [] },
): void {
    if (doc === null || got === null || doc === undefined) return;
    if (ctx.ignore.includes(at.replace(/\[\d+\]/g, "[*]"))) {
        notes.push(`${at}: not compared (listed in the fixture's artefact)`);
        return;
    }
    if (jsonType(doc) !== jsonType(got)) {
        problems.push(`${at}: documented ${jsonType(doc)}, answered ${jsonType(got)}`);
        return;
    }
    if (Array.isArray(doc)) {
        const g = got as unknown[];
        if (!doc.length || !g.length) return;
        if (doc.every((d) => jsonType(d) !== "object")) {
            const want = new Set(doc.map(jsonType));
            for (const [i, v] of g.entries())
                if (v !== null && !want.has(jsonType(v)))
                    problems.push(`${at}[${i}]: documented ${[...want].join("|")}, answered ${jsonType(v)}`);
            return;
        }
        // Items: each documented item against the answered items of its @odata.type (the first such).
        for (const [i, d] of doc.entries()) {
            if (jsonType(d) !== "object") continue;
            const t = (d as any)["@odata.type"];
            const id = (d as any).id;
            const match =
                g.find((x) => x && typeof x === "object" && id !== undefined && (x as any).id === id) ??
                g.find((x) => x && typeof x === "object" && (t === undefined || (x as any)["@odata.type"] === t));
            if (!match) {
                notes.push(`${at}[${i}]: no answered item${t ? ` of type ${t}` : ""} to compare`);
                continue;
            }
            compareShape(d, match, `${at}[${i}]`, exact, problems, notes, ctx);
        }
        return;
    }
    if (typeof doc !== "object") return;
    const d = doc as Record<string, unknown>;
    const g = got as Record<string, unknown>;
    const own = (d["@odata.type"] ?? g["@odata.type"]) as string | undefined;
    const type = own ? typeName_(own) : ctx.type;
    for (const [k, v] of Object.entries(d)) {
        // Annotations are compared on their own (context, count, nextLink at the top; @odata.type below).
        if (k.startsWith("@") && k !== "@odata.type") continue;
        const here = `${at}.${k}`;
        const p = propertyType(ctx.version, type, k);
        if (!(k in g)) {
            if (ctx.ignore.includes(here.replace(/\[\d+\]/g, "[*]")))
                notes.push(`${here}: not compared (listed in the fixture's artefact)`);
            else if (p.known && !p.has && k !== "@odata.type")
                problems.push(
                    `${here}: documented, but Graph's metadata has no ${k} on ${type}: the page is wrong here, list the path ` +
                        "in the fixture's artefact (docError, compareExcept)",
                );
            else problems.push(`${here}: documented, missing from the answer`);
            continue;
        }
        compareShape(v, g[k], here, exact, problems, notes, { ...ctx, type: p.type });
    }
    if (exact) {
        const extra = Object.keys(g).filter((k) => !k.startsWith("@") && !(k in d));
        if (extra.length)
            notes.push(`${at}: answered ${extra.join(", ")} beyond the untruncated example (checked against Graph's metadata)`);
    }
}

/** What to compare an answer with, as a list of problems (empty: matches) and notes (what could not be compared). */
function compareAnswer(
    ex: DocExample,
    version: "v1.0" | "beta",
    sentQuery: URLSearchParams,
    answer: { status: number; headers: Headers; text: string },
): { problems: string[]; notes: string[] } {
    const problems: string[] = [];
    const notes: string[] = [];
    const doc = ex.response!;
    if (answer.status !== doc.status) {
        problems.push(`status: documented ${doc.status}, answered ${answer.status}${answer.text ? ` (${answer.text.slice(0, 300)})` : ""}`);
        return { problems, notes };
    }
    const contentType = Object.entries(doc.headers).find(([k]) => k.toLowerCase() === "content-type")?.[1];
    const gotType = answer.headers.get("content-type") ?? "";
    if (doc.status === 204) {
        if (answer.text) problems.push(`body: 204 documented without a body, answered ${answer.text.slice(0, 100)}`);
        return { problems, notes };
    }
    if (contentType && gotType.split(";")[0].trim().toLowerCase() !== contentType.split(";")[0].trim().toLowerCase()) {
        problems.push(`header Content-Type: documented ${contentType}, answered ${gotType || "(none)"}`);
    }
    for (const [h] of Object.entries(doc.headers)) {
        if (h.toLowerCase() !== "content-type" && !answer.headers.has(h)) problems.push(`header ${h}: documented, missing from the answer`);
    }
    if (contentType?.startsWith("text/plain")) {
        if (jsonType(doc.body) === "number" && !/^\d+$/.test(answer.text.trim()))
            problems.push(`body: documented a count, answered ${answer.text.slice(0, 100)}`);
        return { problems, notes };
    }
    let got: any;
    try {
        got = answer.text ? JSON.parse(answer.text) : undefined;
    } catch {
        problems.push(`body: not JSON (${answer.text.slice(0, 100)})`);
        return { problems, notes };
    }
    const body = (ex.artefact?.correctedBody ?? doc.body) as any;
    if (body === undefined) return { problems, notes };
    if (jsonType(got) !== "object") {
        problems.push(`body: documented an object, answered ${jsonType(got)}`);
        return { problems, notes };
    }
    for (const a of ["@odata.context", "@odata.count"]) {
        if (a in body && !(a in got)) problems.push(`${a}: documented, missing from the answer`);
    }
    if (typeof body["@odata.context"] === "string" && typeof got["@odata.context"] === "string") {
        const frag = (s: string) => s.split("$metadata#")[1]?.toLowerCase();
        if (frag(body["@odata.context"]) !== frag(got["@odata.context"]))
            notes.push(`@odata.context: documented #${frag(body["@odata.context"])}, answered #${frag(got["@odata.context"])}`);
    }
    if ("@odata.nextLink" in body && !("@odata.nextLink" in got)) {
        const top = Number(sentQuery.get("$top") ?? NaN);
        if (Array.isArray(got.value) && Number.isFinite(top) && got.value.length >= top)
            problems.push("@odata.nextLink: documented, missing from a full page");
        else notes.push("@odata.nextLink: documented; the answer is not a full page, so none is expected");
    }
    const isCollection = Array.isArray(body.value) && (doc.isCollection || !("id" in body));
    if (isCollection) {
        if (!Array.isArray(got.value)) {
            problems.push("value: documented a collection, answered none");
            return { problems, notes };
        }
        if (body.value.length && !got.value.length) notes.push("value: the answer has no items to compare");
        compareShape(body.value, got.value, "value", !doc.truncated, problems, notes, {
            version,
            type: typeName(doc.odataType),
            ignore: ex.artefact?.compareExcept ?? [],
        });
    } else {
        compareShape(body, got, "body", !doc.truncated, problems, notes, {
            version,
            type: typeName(doc.odataType),
            ignore: ex.artefact?.compareExcept ?? [],
        });
    }
    // Graph's own type definitions: no property the type lacks, right JSON types and enum members.
    const t = typeName(doc.odataType);
    const schema = loadSchema(version);
    if (t && schema.types[t]) {
        const items: any[] = isCollection ? got.value : [got];
        for (const [i, item] of items.entries()) {
            const own = typeName(item?.["@odata.type"]);
            if (own && !schema.types[own]) {
                notes.push(`schema: ${own} is not in the vendored Graph schema, not checked`);
                continue;
            }
            problems.push(...checkBody(version, own ?? t, item, isCollection ? `value[${i}]` : "body").map((p) => `schema: ${p}`));
        }
    } else if (t) {
        notes.push(`schema: ${t} is not in the vendored Graph schema, not checked`);
    }
    return { problems, notes };
}

describe("emulator: Microsoft's documentation examples replayed", function () {
    this.timeout(120_000);
    let emu: RunningEmulator;
    const fixtures = loadFixtures();
    const outcomes: Outcome[] = [];
    /** The tenant's ids the examples' ids are swapped for. */
    const ids: Record<string, string> = {};
    const methodUsers: Record<string, { user: string; upn: string; method: string }> = {};

    useEmulator(
        (e) => (emu = e),
        { throttling: { enabled: false } },
        async (e) => {
            // The examples are about shapes, not permissions: one app holding every application permission
            // the pages in scope list (each route's own permission rules are the rule tables' to check).
            addApp(e, DOC_APP, [
                ...new Set([
                    ...e.app(APPS.portal).graphRoles,
                    "Directory.Read.All",
                    "AuditLog.Read.All",
                    "Application.Read.All",
                    "RoleManagement.Read.Directory",
                ]),
            ]);
            const dir = e.directory();
            const users = [...dir.users.values()].filter((u) => u.userType === "Member" && !u.breakGlass && !u.roles.length);
            const groups = [...dir.groups.values()].filter((g) => g.members.length);
            ids.user = users[0].id;
            ids.upn = users[0].userPrincipalName;
            ids.user2 = users[1].id;
            ids.group = groups[0].id;
            // A user holding the method types the authentication-methods example lists.
            dir.updateUser(users[2].id, { methods: ["microsoftAuthenticatorPush", "fido2SecurityKey", "windowsHelloForBusiness"] });
            ids.methodsUser = users[2].id;
            ids.methodsUpn = users[2].userPrincipalName;
            // One user per method collection, holding only that method (deleting a user's default method
            // while others are registered is refused, as Microsoft documents).
            const kinds: Record<string, string> = {
                phoneMethods: "mobilePhone",
                microsoftAuthenticatorMethods: "microsoftAuthenticatorPush",
                softwareOathMethods: "softwareOneTimePasscode",
                fido2Methods: "fido2SecurityKey",
                emailMethods: "email",
                temporaryAccessPassMethods: "temporaryAccessPass",
                windowsHelloForBusinessMethods: "windowsHelloForBusiness",
            };
            for (const [i, [collection, kind]] of Object.entries(kinds).entries()) {
                const u = users[3 + i];
                dir.updateUser(u.id, { methods: [kind] });
                const list = await rawGraph(e, "GET", `/users/${u.id}/authentication/${collection}`, undefined, APPS.portal);
                assert.strictEqual(list.status, 200, JSON.stringify(list.body));
                methodUsers[collection] = { user: u.id, upn: u.userPrincipalName, method: list.body.value[0].id };
            }
            const roles = await rawGraph(e, "GET", "/directoryRoles", undefined, APPS.portal);
            const ga = roles.body.value.find((r: any) => r.displayName === "Global Administrator");
            ids.roleId = ga.id;
            ids.roleTemplateId = ga.roleTemplateId;
            // Conditional Access in use: security defaults off (they cannot be on beside enabled policies),
            // one named location and one policy for the get/update/delete examples.
            await rawGraph(e, "PATCH", "/policies/identitySecurityDefaultsEnforcementPolicy", { isEnabled: false }, APPS.portal);
            const location = await rawGraph(
                e,
                "POST",
                "/identity/conditionalAccess/namedLocations",
                {
                    "@odata.type": "#microsoft.graph.ipNamedLocation",
                    displayName: "Doc examples",
                    isTrusted: false,
                    ipRanges: [{ "@odata.type": "#microsoft.graph.iPv4CidrRange", cidrAddress: "192.0.2.0/24" }],
                },
                APPS.portal,
            );
            assert.strictEqual(location.status, 201, JSON.stringify(location.body));
            ids.location = location.body.id;
            const policy = await rawGraph(
                e,
                "POST",
                "/identity/conditionalAccess/policies",
                {
                    displayName: "Doc examples",
                    state: "disabled",
                    conditions: {
                        clientAppTypes: ["all"],
                        applications: { includeApplications: ["All"] },
                        users: { includeUsers: [ids.user] },
                    },
                    grantControls: { operator: "OR", builtInControls: ["mfa"] },
                },
                APPS.portal,
            );
            assert.strictEqual(policy.status, 201, JSON.stringify(policy.body));
            ids.policy = policy.body.id;
        },
    );

    /** The example's path with the tenant's ids in place of the page's. */
    function swapPath(p: string): string {
        const [route, query] = [p.split("?")[0], p.includes("?") ? p.slice(p.indexOf("?")) : ""];
        const segs = route.split("/").filter((s) => s !== "");
        if (segs[0] === "me") segs.splice(0, 1, "users", ids.user);
        // The user whose data the example reads: a method's owner, the methods user, or the main one.
        const coll = segs.find((s) => s in methodUsers);
        const owner = coll
            ? methodUsers[coll]
            : segs.includes("methods")
              ? { user: ids.methodsUser, upn: ids.methodsUpn }
              : { user: ids.user, upn: ids.upn };
        for (let i = 1; i < segs.length; i++) {
            const prev = segs[i - 1].toLowerCase();
            const s = segs[i];
            if (segs[i - 1] in methodUsers) {
                segs[i] = methodUsers[segs[i - 1]].method;
                continue;
            }
            const placeholder = /^\{.*\}$/.test(s) || isGuid(s) || s.includes("@");
            if (!placeholder) continue;
            if (prev === "users") segs[i] = s.includes("@") ? owner.upn : owner.user;
            else if (prev === "groups") segs[i] = ids.group;
            else if (prev === "directoryroles") segs[i] = ids.roleId;
            else if (prev === "policies" && segs[i - 2]?.toLowerCase() === "conditionalaccess") segs[i] = ids.policy;
            else if (prev === "namedlocations") segs[i] = ids.location;
        }
        const out = `/${segs.map((s) => s.replace(/roleTemplateId='[^']*'/, `roleTemplateId='${ids.roleTemplateId}'`)).join("/")}`;
        return out + query;
    }

    /** The example's body with the tenant's users, groups and named locations in place of the page's. */
    function swapBody(v: unknown, key = ""): unknown {
        if (Array.isArray(v)) {
            return v.map((x) => {
                if (typeof x !== "string" || !isGuid(x)) return swapBody(x, key);
                if (/^(include|exclude)Users$/.test(key)) return key.startsWith("include") ? ids.user : ids.user2;
                if (/^(include|exclude)Groups$/.test(key)) return ids.group;
                if (/^(include|exclude)Locations$/.test(key) && x !== "00000000-0000-0000-0000-000000000000") return ids.location;
                return x;
            });
        }
        if (v && typeof v === "object") {
            const o = v as Record<string, unknown>;
            const out: Record<string, unknown> = {};
            for (const [k, x] of Object.entries(o)) {
                if (k === "id" && typeof x === "string" && isGuid(x) && o.targetType === "group") out[k] = ids.group;
                // A $batch item's URL, relative to the version root.
                else if (
                    k === "url" &&
                    typeof x === "string" &&
                    x.startsWith("/") &&
                    Array.isArray((v as any).requests) === false &&
                    "method" in o
                )
                    out[k] = swapPath(x);
                else out[k] = swapBody(x, k);
            }
            return out;
        }
        return v;
    }

    async function replay(
        ex: DocExample,
    ): Promise<{ version: "v1.0" | "beta"; query: URLSearchParams; status: number; headers: Headers; text: string }> {
        const version = (ex.replay?.version ?? ex.request.version ?? "v1.0") as "v1.0" | "beta";
        const p = swapPath(ex.replay?.path ?? ex.request.path!);
        const token = await tokenFor(emu, DOC_APP);
        // The page's request headers as written, except Content-Length (the body is re-serialized).
        const written = Object.entries(ex.replay?.headers ?? ex.request.headers).filter(([h]) => h.toLowerCase() !== "content-length");
        const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...Object.fromEntries(written) };
        const body = ex.replay?.body ?? ex.request.body;
        if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type"))
            headers["content-type"] = "application/json";
        // The page's query as written: spaces, quotes and the like percent-encoded, nothing else changed.
        const url = `${emu.origin}/${version}${encodeURI(decodeURI(p))}`;
        const res = await fetch(url, {
            method: ex.replay?.method ?? ex.request.method,
            headers,
            body: body === undefined ? (ex.request.method === "POST" ? "" : undefined) : JSON.stringify(swapBody(body)),
        });
        const text = await res.text();
        return { version, query: new URL(url).searchParams, status: res.status, headers: res.headers, text };
    }

    it("has a fixture for every page in scope, each naming its page and commit", () => {
        const missing = PAGES.map((p) => p.page).filter((p) => !fs.existsSync(path.join(FIXTURES, fixtureFile(p))));
        const listed = missing.length ? ` (not yet extracted: ${missing.join(", ")})` : "";
        for (const f of fixtures) {
            assert.strictEqual(f.source.repo, "microsoftgraph/microsoft-graph-docs-contrib");
            assert.match(f.source.commit, /^[0-9a-f]{40}$/, `${f.source.path}: commit`);
            assert.ok(f.examples.length, `${f.source.path}: no examples extracted`);
            for (const e of f.examples) {
                assert.ok(e.response || e.artefact, `${f.source.path} ${e.name}: no documented response and no artefact reason`);
                assert.ok(!e.artefact || e.artefact.reason.trim(), `${f.source.path} ${e.name}: artefact without a reason`);
            }
        }
        if (missing.length) console.log(`      doc examples: ${missing.length} in-scope pages have no fixture yet${listed}`);
        assert.ok(fixtures.length > 0);
    });

    it("every known divergence names an example that exists", () => {
        const keys = new Set(fixtures.flatMap((f) => f.examples.map((e) => `${fixtureFile(f.source.path)} ${e.name}`)));
        assert.deepStrictEqual(
            Object.keys(KNOWN_DIVERGENCES).filter((k) => !keys.has(k)),
            [],
        );
    });

    it("the comparison finds what differs (so that a match means something)", () => {
        const p: string[] = [];
        const n: string[] = [];
        compareShape({ a: 1, b: { c: "x" } }, { a: "1", b: {} }, "body", false, p, n);
        assert.deepStrictEqual(p, ["body.a: documented number, answered string", "body.b.c: documented, missing from the answer"]);
        p.length = 0;
        compareShape({ a: 1 }, { a: 2, z: true }, "body", true, p, n);
        assert.deepStrictEqual(p, []);
        assert.match(n.join(), /answered z beyond the untruncated example/);
        compareShape([{ "@odata.type": "#t", id: "x" }], [{ "@odata.type": "#u", id: "y" }], "value", false, p, n);
        assert.deepStrictEqual(p, []);
        assert.match(n.join(), /no answered item of type #t/);
        // A documented property Graph's metadata lacks is the page's error; one it has is required.
        n.length = 0;
        compareShape({ isEnabled: true, enabled: true }, {}, "body", false, p, n, {
            version: "v1.0",
            type: "identitySecurityDefaultsEnforcementPolicy",
            ignore: [],
        });
        assert.deepStrictEqual(p, [
            "body.isEnabled: documented, missing from the answer",
            "body.enabled: documented, but Graph's metadata has no enabled on identitySecurityDefaultsEnforcementPolicy: the " +
                "page is wrong here, list the path in the fixture's artefact (docError, compareExcept)",
        ]);
        p.length = 0;
        compareShape({ enabled: true }, {}, "body", false, p, n, {
            version: "v1.0",
            type: "identitySecurityDefaultsEnforcementPolicy",
            ignore: ["body.enabled"],
        });
        assert.deepStrictEqual(p, []);
    });

    for (const fixture of fixtures) {
        const file = fixtureFile(fixture.source.path);
        describe(`${fixture.source.path} @ ${fixture.source.commit.slice(0, 10)}`, () => {
            for (const ex of fixture.examples) {
                const key = `${file} ${ex.name}`;
                it(`${ex.name}${ex.title ? ` (${ex.title})` : ""}${ex.artefact ? ` [artefact: ${ex.artefact.kind}]` : ""}`, async () => {
                    const outcome: Outcome = { key, kind: "listed", problems: [], notes: [] };
                    outcomes.push(outcome);
                    const kind = ex.artefact?.kind;
                    const partial = !!ex.artefact?.compareExcept;
                    if (
                        (kind === "docError" || kind === "notApplicable") &&
                        !ex.replay &&
                        !partial &&
                        ex.artefact?.correctedBody === undefined
                    ) {
                        // Listed with its reason, not sent.
                        return;
                    }
                    if (ex.request.path === null && !ex.replay?.path)
                        throw new Error(`${key}: the example's URL ${ex.request.url} is not a Graph v1.0/beta URL; list it as an artefact`);
                    const answer = await replay(ex);
                    if (kind === "notModelled" && !partial) {
                        let message = "";
                        try {
                            message = JSON.parse(answer.text)?.error?.message ?? "";
                        } catch {
                            message = answer.text;
                        }
                        if (answer.status === 400 && message.includes("not modelled by the emulator")) {
                            outcome.kind = "refused";
                            return;
                        }
                        outcome.problems.push(
                            `outside the emulator's scope (${ex.artefact!.reason}) but not refused loudly: answered ` +
                                `${answer.status} ${answer.text.slice(0, 200)}`,
                        );
                    } else {
                        const r = compareAnswer(ex, answer.version, answer.query, answer);
                        outcome.problems.push(...r.problems);
                        outcome.notes.push(...r.notes);
                    }
                    const known = KNOWN_DIVERGENCES[key];
                    if (!outcome.problems.length) {
                        outcome.kind = "matched";
                        assert.ok(!known, `${key} now matches Microsoft's example: remove it from KNOWN_DIVERGENCES`);
                        return;
                    }
                    outcome.kind = known ? "known" : "diverges";
                    if (!known) {
                        throw new Error(
                            `${key} differs from Microsoft's example (${fixture.source.path}):\n  ${outcome.problems.join("\n  ")}`,
                        );
                    }
                });
            }
        });
    }

    after(() => {
        const count = (k: Kind) => outcomes.filter((o) => o.kind === k).length;
        const all = fixtures.flatMap((f) => f.examples);
        const artefacts = all.filter((e) => e.artefact);
        const byKind = (k: string) => artefacts.filter((e) => e.artefact!.kind === k).length;
        const compared = artefacts.filter((e) => e.replay || e.artefact!.compareExcept || e.artefact!.correctedBody !== undefined).length;
        console.log(
            `      doc examples: ${fixtures.length} pages, ${all.length} examples; ` +
                `${outcomes.length - count("listed")} replayed: ${count("matched")} match Microsoft's example, ` +
                `${count("refused")} refused loudly as outside the emulator's scope, ` +
                `${count("known")} known divergences being fixed, ${count("diverges")} new divergences; ` +
                `${count("listed")} listed without replay; ` +
                `${
                    outcomes.filter((o) => o.kind === "matched" && o.notes.some((n) => n.startsWith("value: the answer has no items")))
                        .length
                } ` +
                `of the matches had no items to compare (envelope only); artefacts: ${artefacts.length} (` +
                `${byKind("notModelled")} not modelled, ${byKind("docError")} documentation errors, ` +
                `${byKind("notApplicable")} not applicable; ${compared} of them compared as corrected or in part)`,
        );
        for (const o of outcomes.filter((x) => x.kind === "known"))
            console.log(`      known divergence: ${o.key}: ${KNOWN_DIVERGENCES[o.key]}`);
        if (process.env.DOC_EXAMPLES_VERBOSE) {
            for (const o of outcomes) {
                console.log(`      ${o.kind} ${o.key}`);
                for (const p of o.problems) console.log(`        problem: ${p}`);
                for (const n of o.notes) console.log(`        note: ${n}`);
            }
        }
    });
});
