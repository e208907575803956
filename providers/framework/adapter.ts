import type * as pulumi from "@pulumi/pulumi";
import {
    CONFIG_NAMESPACE,
    type ConfigSource,
    MissingExchangeRoleError,
    MissingPermissionError,
    TenantApiError,
    type TenantClients,
    createTenantClients,
    scrubbed,
} from "../../client";
import { trace } from "../../client/trace";
import { boundedMessage } from "./report";
import { createHash } from "node:crypto";
import {
    type AnySetting,
    CHECK_REUSE_MS,
    type FieldChange,
    REFRESH_REUSE_MS,
    type ReadContext,
    type ValidationFailure,
    describeChanges,
    stableJson,
} from "./setting";

type DynamicProvider = pulumi.dynamic.ResourceProvider;

/** Inputs and outputs keys that belong to Pulumi, not to the setting. */
const RESERVED = new Set(["__provider"]);

export interface AdapterOptions {
    /** How many times to read back after a change before calling it a failure (Graph is eventually consistent). */
    verifyAttempts?: number;
    verifyDelayMs?: number;
    /**
     * As the engine runs it (providers/runtime.ts): check failures on the resource with the property named
     * in the reason (checkFailure), and a check that fails said once, as a failure, not thrown. The engine
     * prints a failure attached to a property with the value as Go prints it ("property guards value
     * {map[...]} has a problem"), and the dynamic-provider host prints a thrown error to stderr with its
     * stack before the engine reports it again. Off: failures per property, errors thrown (for callers
     * that read them, as the tests do).
     */
    forEngine?: boolean;
}

/**
 * Turns a TenantSetting into a Pulumi dynamic resource provider. Every setting gets the same
 * behaviour from here:
 * - check: validation failures reported per property at preview, before anything is written;
 * - diff: desired inputs against the last known tenant state (refreshed by `read`), never `__provider`;
 * - create/update: read, permission preflight, apply, verify;
 * - read: the live tenant, returned as both outputs and inputs, so drift shows as a diff;
 * - delete: stops managing and leaves the tenant as it is.
 * Clients are built on first use from the stack config that `configure` receives and the environment;
 * credentials never enter inputs, outputs or messages.
 */
export class SettingProvider implements DynamicProvider {
    private config: ConfigSource = { get: () => undefined };
    private clientsCache?: TenantClients;
    /** What `read` (a refresh) returned in this process, for the next check of the same operation (PrepareContext). */
    private refreshed: { at: number; live: Record<string, unknown> }[] = [];
    /** What a check read to plan, by a digest of the inputs it returned, for the create or update of those inputs that follows. */
    private checked = new Map<string, { at: number; live: Record<string, unknown> }>();

    constructor(
        private readonly setting: AnySetting,
        private readonly options: AdapterOptions = {},
        private readonly clientFactory: (config: ConfigSource) => TenantClients = createTenantClients,
    ) {}

    async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
        this.config = { get: (key) => req.config.get(`${CONFIG_NAMESPACE}:${key}`) };
        this.clientsCache = undefined;
    }

    async check(_olds: any, news: any): Promise<pulumi.dynamic.CheckResult> {
        let { desired, failures } = this.setting.validate(withoutReserved(news));
        if (desired && !failures.length && this.setting.prepare) {
            // Resolve against the tenant at plan time (e.g. group members), so the preview shows them.
            // A refresh's reads are handed to one check only, and only while they are recent.
            const now = Date.now();
            const refreshed = this.refreshed.filter((r) => now - r.at <= REFRESH_REUSE_MS).map((r) => r.live);
            this.refreshed = [];
            let prepared: Awaited<ReturnType<NonNullable<AnySetting["prepare"]>>>;
            try {
                prepared = await this.guard("check", (clients) => this.setting.prepare!(clients, desired, { refreshed }));
            } catch (err) {
                if (!this.options.forEngine) throw err;
                return {
                    inputs: withoutReserved(news),
                    failures: [
                        {
                            property: "",
                            reason: boundedMessage(err instanceof Error ? err.message : String(err), `${this.setting.title} check failure`),
                        },
                    ],
                };
            }
            ({ desired, failures } = prepared);
            if (desired && !failures.length && prepared.live) {
                for (const [key, c] of this.checked) {
                    if (now - c.at > CHECK_REUSE_MS) this.checked.delete(key);
                }
                this.checked.set(inputsKey(desired), { at: Date.now(), live: prepared.live });
            }
        }
        return {
            inputs: desired ? { ...desired } : withoutReserved(news),
            failures: failures.map((f) => checkFailure(this.setting.title, f, withoutReserved(news), this.options.forEngine)),
        };
    }

    async diff(_id: string, olds: any, news: any): Promise<pulumi.dynamic.DiffResult> {
        const started = Date.now();
        const desired = this.validated(news);
        const changes = this.setting.diff(desired, withoutReserved(olds));
        // Inputs that say which tenant object this is: a change means another resource (create, then stop managing the old).
        const replaces = (this.setting.replaceOnChanges ?? []).filter(
            (k) => olds?.[k] !== undefined && stableJson(olds[k]) !== stableJson(desired[k]),
        );
        trace(`${this.setting.type} diff`, started, { changes: changes.length });
        return replaces.length ? { changes: true, replaces } : { changes: changes.length > 0 };
    }

    async create(inputs: any): Promise<pulumi.dynamic.CreateResult> {
        return this.guard("create", async (clients) => {
            const desired = this.validated(inputs);
            const live = await this.reconcile(clients, desired, this.takeChecked(desired));
            return {
                id: this.setting.id(clients.connection.tenantId, live),
                outs: this.outputs(clients, { ...this.notTheTenants(inputs), ...desired }, live),
            };
        });
    }

    async update(_id: string, olds: any, news: any): Promise<pulumi.dynamic.UpdateResult> {
        return this.guard("update", async (clients) => {
            const validated = this.validated(news);
            const context = this.takeChecked(validated);
            const desired = { ...validated, ...pick(olds, this.setting.stateKeys ?? []) };
            const live = await this.reconcile(clients, desired, context);
            return { outs: this.outputs(clients, { ...this.notTheTenants(news), ...desired }, live) };
        });
    }

    async read(id: string, props?: any): Promise<pulumi.dynamic.ReadResult> {
        return this.guard("read", async (clients) => {
            // The inputs recorded in state say what to read (e.g. which users); a setting that needs
            // none reads the whole setting, so a read with no recorded inputs still works.
            const recorded = {
                ...(this.setting.validate(pick(props, this.setting.inputKeys)).desired ?? {}),
                ...pick(props, this.setting.stateKeys ?? []),
            };
            const live = await this.readLive(clients, recorded);
            if (this.setting.prepare) {
                this.refreshed.push({ at: Date.now(), live });
            }
            // Inputs that are not the tenant's (internalFields: what replaces a setting, the confirmations,
            // plumbing; resolvedFields: what the plan resolved at preview, e.g. the tenant as read then)
            // cannot be read from it now: they are carried over from the recorded state where the setting's
            // read does not give them, so a refresh shows only drift, never the plan's own inputs as changes.
            const desired = { ...this.notTheTenants(props), ...this.setting.desiredFromLive(live, recorded) };
            return { id, props: this.outputs(clients, desired, live), inputs: { ...desired } };
        });
    }

    /**
     * The inputs that are not the tenant's (internalFields, resolvedFields) as given: kept in the outputs
     * even where the setting's validate leaves them out, so that read can carry them over.
     */
    private notTheTenants(props: any): Record<string, unknown> {
        return pick(props, [...(this.setting.internalFields ?? []), ...(this.setting.resolvedFields ?? [])]);
    }

    async delete(_id: string, _props: any): Promise<void> {
        // Deleting the resource means "stop managing"; the tenant keeps its current state.
        // (See the setting's onDelete text, which the README repeats.)
    }

    /**
     * The check's read of these inputs, when it is recent: handed to one create or update only (a
     * second one, or one after the window, reads the tenant again).
     */
    private takeChecked(desired: Record<string, unknown>): ReadContext<Record<string, unknown>> | undefined {
        if (!this.checked.size) return undefined;
        const key = inputsKey(desired);
        const c = this.checked.get(key);
        this.checked.delete(key);
        return c && Date.now() - c.at <= CHECK_REUSE_MS ? { checked: [c.live] } : undefined;
    }

    /** Reads (or takes what the check just read), applies what differs, and verifies. Returns the tenant state after the change. */
    async reconcile(
        clients: TenantClients,
        desired: Record<string, unknown>,
        context?: ReadContext<Record<string, unknown>>,
    ): Promise<Record<string, unknown>> {
        const live = await this.readLive(clients, desired, context);
        const changes = this.setting.diff(desired, live);
        if (changes.length === 0) {
            return live;
        }
        await this.preflight(clients, "write");
        try {
            await this.setting.apply(clients, desired, live, changes);
        } catch (err) {
            throw this.explainForbidden(err, "write");
        }
        return this.verify(clients, desired, live, changes);
    }

    private async verify(
        clients: TenantClients,
        desired: Record<string, unknown>,
        before: Record<string, unknown>,
        applied: readonly FieldChange[],
    ): Promise<Record<string, unknown>> {
        const attempts = this.options.verifyAttempts ?? 6;
        const delay = this.options.verifyDelayMs ?? 500;
        let remaining: FieldChange[] = [];
        let live = before;
        let pending = applied;
        for (let i = 0; i < attempts; i++) {
            live = this.setting.reread ? await this.setting.reread(clients, desired, live, pending) : await this.readLive(clients, desired);
            remaining = this.setting.diff(desired, live);
            pending = remaining;
            if (remaining.length === 0) {
                return live;
            }
            await new Promise((r) => setTimeout(r, delay * (i + 1)));
        }
        throw new Error(
            `applied ${describeChanges(applied)}, but the tenant still reports ${describeChanges(remaining)} ` +
                `after ${attempts} reads. Nothing else was changed; run the update again, and if it persists ` +
                `check the tenant for a policy that overrides this setting.`,
        );
    }

    private async readLive(
        clients: TenantClients,
        desired: Record<string, unknown>,
        context?: ReadContext<Record<string, unknown>>,
    ): Promise<Record<string, unknown>> {
        await this.preflight(clients, "read");
        try {
            return await this.setting.read(clients, desired, context);
        } catch (err) {
            throw this.explainForbidden(err, "read");
        }
    }

    /** Fails before any call when the token plainly lacks every permission that allows the action. */
    private async preflight(clients: TenantClients, action: "read" | "write"): Promise<void> {
        const service = this.setting.permissions.service ?? "graph";
        // The roles of the token for the service the setting talks to (Graph and Exchange grant apart).
        const roles = await (service === "exchange" ? clients.exchange : clients.graph).tokens.grantedRoles();
        if (roles === undefined) {
            return; // delegated token: scopes are checked by the service itself
        }
        const anyOf = this.setting.permissions[action];
        if (!anyOf.some((p) => roles.includes(p))) {
            throw new MissingPermissionError(this.setting.title, action, anyOf, roles, service);
        }
    }

    private explainForbidden(err: unknown, action: "read" | "write"): unknown {
        if (err instanceof MissingExchangeRoleError) {
            return err; // the permission is there; the error already names the Entra role to assign
        }
        if (err instanceof TenantApiError && err.status === 403) {
            const e = new MissingPermissionError(
                this.setting.title,
                action,
                this.setting.permissions[action],
                undefined,
                this.setting.permissions.service ?? "graph",
            );
            e.message += ` (${err.message})`;
            return e;
        }
        return err;
    }

    /** State after an operation: the desired inputs, what the tenant reported, and the tenant. */
    private outputs(clients: TenantClients, desired: Record<string, unknown>, live: Record<string, unknown>): Record<string, unknown> {
        return { ...desired, ...(this.setting.stored ? this.setting.stored(desired, live) : live), tenantId: clients.connection.tenantId };
    }

    private validated(inputs: any): Record<string, unknown> {
        const { desired, failures } = this.setting.validate(withoutReserved(inputs));
        if (!desired || failures.length) {
            throw new Error(`${this.setting.title}: invalid inputs: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
        }
        return desired;
    }

    private clients(): TenantClients {
        if (!this.clientsCache) {
            this.clientsCache = this.clientFactory(this.config);
        }
        return this.clientsCache;
    }

    /** Runs an operation with the setting's name in front of any error, and every secret scrubbed. */
    private async guard<T>(op: string, fn: (clients: TenantClients) => Promise<T>): Promise<T> {
        let clients: TenantClients | undefined;
        const started = Date.now();
        try {
            clients = this.clients();
            return await fn(clients);
        } catch (err) {
            const secret = clients?.connection.clientSecret ?? this.config.get("clientSecret") ?? process.env.AZURE_CLIENT_SECRET;
            const clean = scrubbed(err, [secret]);
            if (!clean.message.startsWith(this.setting.title)) {
                clean.message = `${this.setting.title}: ${op} failed: ${clean.message}`;
            }
            clean.stack = `${clean.name}: ${clean.message}`;
            throw clean;
        } finally {
            trace(`${this.setting.type} ${op}`, started);
        }
    }
}

/** Longest input value (as JSON) that a check failure may stay attached to. */
export const MAX_PRINTED_VALUE = 200;

/**
 * A validation failure as the engine gets it. The engine prints a failure attached to a property as
 * "property <name> value <the value as Go prints it> has a problem: <reason>" ({map[...]}, {<nil>} for a
 * path such as assignments[0].state, a list of 3,000 users in full). `onResource` (the engine's
 * provider, AdapterOptions.forEngine): every failure is reported on the resource, the property named in
 * the reason; otherwise a failure stays attached to its property unless its top-level value is long. The
 * reason itself is bounded too, the whole of it written to a file named in the message.
 */
export function checkFailure(
    title: string,
    f: ValidationFailure,
    inputs: Record<string, unknown>,
    onResource = false,
): { property: string; reason: string } {
    const value = f.property ? inputs[f.property] : undefined;
    const attach = !onResource && !!f.property && (value === undefined || (JSON.stringify(value) ?? "").length <= MAX_PRINTED_VALUE);
    const named = attach || !f.property || f.reason.includes(f.property) ? f.reason : `${f.property}: ${f.reason}`;
    return { property: attach ? f.property : "", reason: boundedMessage(`${title}: ${named}`, `${title} check failure`) };
}

/** The identity of a check's inputs (what create/update receive back): a digest of their JSON. */
function inputsKey(desired: Record<string, unknown>): string {
    return createHash("sha1").update(stableJson(desired)).digest("hex");
}

function pick(props: any, keys: readonly string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of keys) {
        if (props?.[k] !== undefined) {
            out[k] = props[k];
        }
    }
    return out;
}

function withoutReserved(props: any): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props ?? {})) {
        if (!RESERVED.has(k)) {
            out[k] = v;
        }
    }
    return out;
}
