/**
 * Fidelity: every modelled rule of every area's rule table (emulator/ruleTables.ts) becomes a request
 * to a running emulator, and the answer must be the one Microsoft documents (the rule's `expect`,
 * written from the docs, never from the emulator's own answer). Rules the emulator does not model yet
 * get no test; they are listed in one summary line at the end.
 */
import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { methodId } from "../graph/userMethods";
import { RULE_TABLES } from "../ruleTables";
import type { Expectation, Probe, Rule } from "../rules";
import type { RunningEmulator } from "../server";
import { APPS } from "../store";
import { addApp, startTrustedEmulator, tokenFor, useEmulator } from "./support";

const ALL: readonly Rule[] = RULE_TABLES.flatMap((t) => t.rules);

describe("emulator: conformance with Microsoft's documented rules", function () {
    this.timeout(60_000);
    let emu: RunningEmulator;
    /** Emulators with throttling on, by scale (the main one has it off so that probes do not throttle each other). */
    const throttled = new Map<number, { emu: RunningEmulator; dir: string }>();
    const roleApps = new Map<string, string>();

    useEmulator((e) => (emu = e), { throttling: { enabled: false } });

    after(async () => {
        for (const { emu: e, dir } of throttled.values()) {
            await e.stop();
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const pending = ALL.filter((r) => !r.modelled);
        console.log(`      ${pending.length} rules not modelled yet: ${pending.map((r) => r.id).join(", ")}`);
    });

    it("rule ids are unique and every rule names a source; every modelled rule has a probe and an expectation", () => {
        const ids = ALL.map((r) => r.id);
        assert.deepStrictEqual(
            ids.filter((id, i) => ids.indexOf(id) !== i),
            [],
        );
        assert.deepStrictEqual(
            ALL.filter((r) => !r.source.trim()).map((r) => r.id),
            [],
        );
        assert.deepStrictEqual(
            ALL.filter((r) => r.modelled && (!r.probe || !r.expect)).map((r) => r.id),
            [],
        );
    });

    async function target(probe: Probe): Promise<RunningEmulator> {
        if (probe.throttleScale === undefined) {
            return emu;
        }
        let t = throttled.get(probe.throttleScale);
        if (!t) {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "m365-mfa-conf-"));
            t = { emu: await startTrustedEmulator({ stateDir: dir, throttling: { enabled: true, scale: probe.throttleScale } }), dir };
            throttled.set(probe.throttleScale, t);
        }
        // The Conditional Access bucket refills at 1 request per second: start each throttling probe from a full bucket.
        await new Promise((r) => setTimeout(r, 1100));
        return t.emu;
    }

    function placeholders(e: RunningEmulator, text: string): string {
        const users = [...e.directory().users.values()];
        const withMethods = users.find((u) => u.methods.length > 0 && !u.breakGlass && u.userType !== "Guest")!;
        const push = users.find((u) => u.methods.includes("microsoftAuthenticatorPush") && u.methods.length > 1)!;
        const values: Record<string, string> = {
            user: users.find((u) => u.userType !== "Guest")!.id,
            userWithMethods: withMethods.id,
            pushUser: push.id,
            pushMethodId: methodId(push, "microsoftAuthenticatorPush"),
            group: [...e.directory().groups.values()][0].id,
            tenant: e.defaultTenant().tenantId,
            clientId: e.app(APPS.provider).appId,
            secret: e.app(APPS.provider).secret,
        };
        return text.replace(/\{(\w+)\}/g, (m, k) => values[k] ?? m);
    }

    async function bearer(e: RunningEmulator, probe: Probe): Promise<string | undefined> {
        const app = probe.app ?? APPS.provider;
        if (app === "(no token)") {
            return undefined;
        }
        if (app === "(exchange token)") {
            return tokenFor(e, APPS.provider, "exchange");
        }
        let name = typeof app === "string" ? app : undefined;
        if (typeof app !== "string") {
            const key = `${e.origin} ${[...app].sort().join(",")}`;
            name = roleApps.get(key);
            if (!name) {
                name = `conformance ${roleApps.size + 1}`;
                addApp(e, name, [...app]);
                roleApps.set(key, name);
            }
        }
        if (probe.service === "exchange") {
            return tokenFor(e, name!, "exchange");
        }
        return tokenFor(e, name!);
    }

    async function send(e: RunningEmulator, probe: Probe): Promise<{ status: number; headers: Headers; text: string; json: any }> {
        const token = await bearer(e, probe);
        const service = probe.service ?? "graph";
        const p = placeholders(e, probe.path);
        const url =
            service === "graph"
                ? `${e.origin}/${probe.version ?? "v1.0"}${p}${probe.query ? `?${probe.query}` : ""}`
                : `${e.origin}${p}${probe.query ? `?${probe.query}` : ""}`;
        const headers: Record<string, string> = { ...(probe.headers ?? {}) };
        let body: string | undefined;
        if (probe.form) {
            headers["content-type"] = "application/x-www-form-urlencoded";
            body = new URLSearchParams(Object.fromEntries(Object.entries(probe.form).map(([k, v]) => [k, placeholders(e, v)]))).toString();
        } else {
            if (token && service !== "identity") {
                headers.authorization = `Bearer ${token}`;
            }
            if (probe.body !== undefined) {
                headers["content-type"] = "application/json";
                body = placeholders(e, JSON.stringify(probe.body));
            }
        }
        const res = await fetch(url, { method: probe.method, headers, body });
        const text = await res.text();
        let json: any;
        try {
            json = text ? JSON.parse(text) : undefined;
        } catch {
            json = undefined;
        }
        return { status: res.status, headers: res.headers, text, json };
    }

    function given(e: RunningEmulator, probe: Probe): () => void {
        const tenant = e.defaultTenant();
        switch (probe.given) {
            case "securityDefaultsOn":
            case "securityDefaultsOff": {
                const before = tenant.securityDefaults.isEnabled;
                e.store.mutate(() => (tenant.securityDefaults.isEnabled = probe.given === "securityDefaultsOn"));
                return () => e.store.mutate(() => (tenant.securityDefaults.isEnabled = before));
            }
            case "freeTenant": {
                const before = tenant.entraIdP1;
                e.store.mutate(() => (tenant.entraIdP1 = false));
                return () => e.store.mutate(() => (tenant.entraIdP1 = before));
            }
            case "perUserMfaStateServed": {
                const before = tenant.perUserMfaStateOnUserList;
                e.store.mutate(() => (tenant.perUserMfaStateOnUserList = "served"));
                return () => e.store.mutate(() => (tenant.perUserMfaStateOnUserList = before));
            }
            case "signInOrAccepted": {
                const before = tenant.signInOrFilter;
                e.store.mutate(() => (tenant.signInOrFilter = "accepted"));
                return () => e.store.mutate(() => (tenant.signInOrFilter = before));
            }
            case "auditOrAccepted": {
                const before = tenant.auditOrFilter;
                e.store.mutate(() => (tenant.auditOrFilter = "accepted"));
                return () => e.store.mutate(() => (tenant.auditOrFilter = before));
            }
            case "conditionalAccessEnabled": {
                const policy = { id: "0c0e0f00-0000-4000-8000-00000000c0a1", displayName: "conformance: enabled", state: "enabled" } as any;
                e.store.mutate(() => tenant.conditionalAccessPolicies.push(policy));
                return () =>
                    e.store.mutate(() => (tenant.conditionalAccessPolicies = tenant.conditionalAccessPolicies.filter((p) => p !== policy)));
            }
        }
        return () => undefined;
    }

    /** A property by name (annotations such as @odata.nextLink contain dots), else by dotted path. */
    function at(body: any, dotted: string): unknown {
        if (body && typeof body === "object" && dotted in body) {
            return body[dotted];
        }
        return dotted.split(".").reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), body);
    }

    function check(rule: Rule, expect: Expectation, answer: Awaited<ReturnType<typeof send>>): void {
        const where = `${rule.id} (${rule.source})`;
        assert.strictEqual(answer.status, expect.status, `${where}: status; body ${answer.text.slice(0, 300)}`);
        if (expect.code !== undefined) {
            assert.strictEqual(answer.json?.error?.code, expect.code, `${where}: error code`);
        }
        if (expect.message !== undefined) {
            const message = answer.json?.error?.message ?? answer.json?.error?.details?.[0]?.message ?? answer.text;
            assert.ok(
                new RegExp(expect.message).test(String(message)) || answer.text.includes(expect.message),
                `${where}: message ${JSON.stringify(message)}`,
            );
        }
        for (const [h, want] of Object.entries(expect.headers ?? {})) {
            const got = answer.headers.get(h);
            if (want === null) {
                assert.strictEqual(got, null, `${where}: header ${h} must be absent`);
            } else {
                assert.ok(got !== null && new RegExp(want, "i").test(got), `${where}: header ${h} is ${got}, wanted /${want}/`);
            }
        }
        for (const [k, v] of Object.entries(expect.body ?? {})) {
            assert.deepStrictEqual(at(answer.json, k), v, `${where}: body ${k}`);
        }
        for (const k of expect.bodyHas ?? []) {
            assert.notStrictEqual(at(answer.json, k), undefined, `${where}: body has ${k}`);
        }
        for (const k of expect.bodyLacks ?? []) {
            assert.strictEqual(at(answer.json, k), undefined, `${where}: body lacks ${k}`);
        }
        for (const [id, status] of Object.entries(expect.items ?? {})) {
            const item = (answer.json?.responses ?? []).find((r: any) => r.id === id);
            assert.strictEqual(item?.status, status, `${where}: batch item ${id}; ${JSON.stringify(item?.body ?? null).slice(0, 200)}`);
        }
    }

    for (const table of RULE_TABLES) {
        describe(`${table.area} (${table.file})`, () => {
            for (const rule of table.rules.filter((r) => r.modelled && r.probe && r.expect)) {
                it(`${rule.id}: ${rule.statement}`, async () => {
                    const probe = rule.probe!;
                    const e = await target(probe);
                    const restore = given(e, probe);
                    try {
                        for (const s of probe.setup ?? []) {
                            await send(e, s);
                        }
                        let answer = await send(e, probe);
                        for (let i = 1; i < (probe.repeat ?? 1); i++) {
                            answer = await send(e, probe);
                        }
                        check(rule, rule.expect!, answer);
                    } finally {
                        restore();
                    }
                });
            }
        });
    }
});
