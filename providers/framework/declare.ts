import type * as pulumi from "@pulumi/pulumi";

import { SettingResource } from "./resource";
import { TENANT_AT_PREVIEW, type Validated } from "./setting";
import { type Infer, type Schema, any, checkInputs, list, map, obj, str } from "./validation";

/**
 * A setting's inputs and outputs, declared once (issue 23). From one `declareSetting({...})` come:
 *
 *   - `schema`: the configured inputs (the member's config schema where its config is the inputs, the
 *     JSON Schema of m365-mfa:baseline, the README's table);
 *   - `inputKeys`, `internalFields`, `resolvedFields` for the TenantSetting;
 *   - `validate`: the shared checker (checkInputs) over the configured inputs, the setting's own
 *     internal inputs (e.g. what replaces security defaults) and the framework's internal inputs
 *     (`confirm`, `tenantAtPreview`), which are declared here once and not per setting;
 *   - the types: `DesiredOf<typeof d>`, `LiveOf<typeof d>`, `ArgsOf<typeof d>`, `OutputsOf<typeof d>`;
 *   - the resource class (settingResource): its Args, its constructor's input map and its outputs.
 *
 * Adding a field to a converted setting touches its declaration and the code that reads and writes it.
 */

/** The confirmations of the baseline (m365-mfa:baseline.guards.confirm): a weakening goes ahead only when one names it. */
export const CONFIRM_FIELD = "confirm";
const confirmSchema = list(str(), { hint: "a list of confirmations (strings), as m365-mfa:baseline.guards.confirm" });

type Fields = Record<string, Schema<any>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type InferFields<F extends Fields> = { [K in keyof F]: Infer<F[K]> };

export interface Declaration<
    I extends Fields = Fields,
    R extends keyof I & string = keyof I & string,
    N extends Fields = Fields,
    O extends Fields = Fields,
    C extends boolean = boolean,
    S extends Fields = Fields,
> {
    /** The configured inputs (what a stack writes). */
    readonly inputs: I;
    /** Which configured inputs are required. */
    readonly required: readonly R[];
    /** The setting's own internal inputs: plumbing set by the component, never configured. */
    readonly internal: N;
    /** The outputs beside the inputs (what read returns besides the tenant's values of the inputs); tenantId is every resource's. */
    readonly outputs: O;
    /**
     * Inputs the setting resolves at plan time from the others and the tenant (e.g. the mailboxes its exceptions name): never configured.
     */
    readonly resolved: S;
    /** Whether the setting takes confirmations (`confirm`). */
    readonly confirms: C;
    /** The configured inputs as one object schema. */
    readonly schema: Schema<ConfiguredOf<I, R>>;
    /** The configured and resolved input property names (what a read picks from the state; the rest are internal or outputs). */
    readonly inputKeys: readonly string[];
    /** Inputs that are plumbing, not posture. */
    readonly internalFields: readonly string[];
    /** Inputs the setting resolves at plan time (tenantAtPreview). */
    readonly resolvedFields: readonly string[];
    /** Output property names besides the inputs (with tenantId). */
    readonly outputKeys: readonly string[];
    /** The shared checker over every input; the desired state is the inputs given. */
    validate(inputs: Record<string, unknown>): Validated<any>;
}

type ConfiguredOf<I extends Fields, R extends string> = Simplify<
    { [K in keyof I as K extends R ? K : never]: Infer<I[K]> } & { [K in keyof I as K extends R ? never : K]?: Infer<I[K]> }
>;

/** The desired state of a declared setting: its configured inputs, its internal ones, and the framework's. */
export type DesiredOf<D> =
    D extends Declaration<infer I, infer R, infer N, any, infer C, infer S>
        ? Simplify<
              ConfiguredOf<I, R> &
                  Partial<InferFields<N>> &
                  Partial<InferFields<S>> & { tenantAtPreview?: Partial<InferFields<I>> } & (C extends true ? { confirm?: string[] } : {})
          >
        : never;

/** The live state of a declared setting: each configured input as the tenant has it (the required ones always), and the outputs. */
export type LiveOf<D> =
    D extends Declaration<infer I, infer R, any, infer O, any, any> ? Simplify<ConfiguredOf<I, R> & InferFields<O>> : never;

type PInput<T> = [T] extends [readonly (infer E)[]] ? pulumi.Input<pulumi.Input<E>[]> : pulumi.Input<T>;

/** The resource's Args: each configured input (required as declared), the internal ones and the confirmations, optional. */
export type ArgsOf<D> =
    D extends Declaration<infer I, infer R, infer N, any, infer C, any>
        ? Simplify<
              { [K in keyof I as K extends R ? K : never]: PInput<Infer<I[K]>> } & {
                  [K in keyof I as K extends R ? never : K]?: PInput<Infer<I[K]>>;
              } & {
                  [K in keyof N]?: PInput<Infer<N[K]>>;
              } & (C extends true ? { confirm?: pulumi.Input<pulumi.Input<string>[]> } : {})
          >
        : never;

/** The resource's outputs: every input and output as the state holds it, and the tenant it was connected to. */
export type OutputsOf<D> =
    D extends Declaration<infer I, infer R, infer N, infer O, any, infer S>
        ? {
              readonly [K in keyof I | keyof O | keyof N | keyof S]: pulumi.Output<
                  K extends keyof O
                      ? Infer<O[K]>
                      : K extends keyof I
                        ? Infer<I[K]> | (K extends R ? never : undefined)
                        : K extends keyof S
                          ? Infer<S[K]>
                          : K extends keyof N
                            ? Infer<N[K]> | undefined
                            : never
              >;
          } & {
              /** The tenant the provider was connected to when it last wrote or read. */
              readonly tenantId: pulumi.Output<string>;
          }
        : never;

/**
 * Declares a setting's inputs and outputs once. `confirms: true` adds the framework's internal inputs
 * (`confirm`, and `tenantAtPreview` in the configured inputs' own shape, resolved at preview).
 */
export function declareSetting<
    const I extends Fields,
    const R extends keyof I & string = never,
    const N extends Fields = {},
    const O extends Fields = {},
    const C extends boolean = false,
    const S extends Fields = {},
>(d: {
    inputs: I;
    required?: readonly R[];
    /** What the configured inputs look like, for a message about the whole value (e.g. "like { enabled: true }"). */
    hint?: string;
    internal?: N;
    /**
     * Inputs resolved at plan time (in inputKeys, never configured; the constructor leaves them to the provider). Their types are the
     * setting's.
     */
    resolved?: S;
    outputs?: O;
    /** The setting takes confirmations (`confirm`, as m365-mfa:baseline.guards.confirm). */
    confirms?: C;
    /**
     * The setting records the tenant as read at preview (`tenantAtPreview`, resolved); true with confirms
     * unless said; a schema when its shape is not the configured inputs' own (partial) shape.
     */
    tenantAtPreview?: boolean | Schema;
    /**
     * Configured inputs whose values the setting's validate checks itself, in its own words (declared
     * here for the types, the member's schema and the JSON Schema): the shared checker skips them.
     */
    checkedBySetting?: readonly (keyof I & string)[];
}): Declaration<I, R, N, O, C, S> {
    const resolvedInputs = (d.resolved ?? {}) as S;
    const atPreview = d.tenantAtPreview ?? d.confirms ?? false;
    const internal = (d.internal ?? {}) as N;
    const outputs = (d.outputs ?? {}) as O;
    const confirms = (d.confirms ?? false) as C;
    const required = (d.required ?? []) as readonly R[];
    const schema = obj(d.inputs, { required, ...(d.hint ? { hint: d.hint } : {}) }) as unknown as Schema<ConfiguredOf<I, R>>;
    // The tenant at preview: the configured inputs' own shape, each optional (only the fields the stack manages).
    const framework: Fields = {
        ...(confirms ? { [CONFIRM_FIELD]: confirmSchema } : {}),
        ...(atPreview ? { [TENANT_AT_PREVIEW]: typeof d.tenantAtPreview === "object" ? d.tenantAtPreview : obj(d.inputs) } : {}),
    };
    const plumbing: Fields = { ...internal, ...framework };
    const allFields: Fields = { ...d.inputs, ...resolvedInputs, ...plumbing };
    const notConfigured = [...Object.keys(resolvedInputs), ...Object.keys(plumbing), ...(d.checkedBySetting ?? [])];
    const plumbingSchema: Schema = obj(plumbing);
    const internalFields = [
        ...Object.keys(internal),
        ...(confirms ? [CONFIRM_FIELD] : []),
        ...(confirms && atPreview ? [TENANT_AT_PREVIEW] : []),
    ];
    return {
        inputs: d.inputs,
        required,
        internal,
        resolved: resolvedInputs,
        outputs,
        confirms,
        schema,
        inputKeys: [...Object.keys(d.inputs), ...Object.keys(resolvedInputs)],
        internalFields,
        resolvedFields: [...Object.keys(resolvedInputs), ...(atPreview ? [TENANT_AT_PREVIEW] : [])],
        outputKeys: [...Object.keys(outputs), "tenantId"],
        validate(inputs) {
            // The configured inputs (an unknown key is told with the configured ones as known), then the
            // plumbing (the component's and the framework's), then what the setting resolves at plan time.
            const failures = checkInputs(inputs, schema, notConfigured);
            failures.push(...checkInputs(pick(inputs, Object.keys(plumbing)), plumbingSchema));
            for (const [k, field] of Object.entries(resolvedInputs as Fields)) {
                if (inputs[k] !== undefined && checkInputs({ [k]: inputs[k] }, obj({ [k]: field })).length) {
                    failures.push({
                        property: k,
                        reason: `${k} is ${"hint" in field && field.hint ? field.hint : "resolved at plan time; do not set it"}`,
                    });
                }
            }
            if (failures.length) return { failures };
            const desired = Object.fromEntries(Object.entries(inputs).filter(([k, v]) => v !== undefined && k in allFields));
            return { desired, failures };
        },
    };
}

function pick(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
    return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/**
 * The resource class of a declared setting: `export class X extends settingResource(type, declaration) {}`
 * keeps the class name, the type token (pulumi-nodejs:dynamic/m365-mfa:<type>) and the state shape:
 * the constructor's input map holds every input as given (the resolved ones and the outputs undefined,
 * for the provider to fill), and the class has each as an output.
 */
export function settingResource<D extends Declaration<any, any, any, any, any, any>>(
    type: string,
    d: D,
): new (
    name: string,
    args: ArgsOf<D>,
    opts?: pulumi.CustomResourceOptions,
) => SettingResource & OutputsOf<D> {
    const given = [...Object.keys(d.inputs), ...Object.keys(d.internal), ...(d.confirms ? [CONFIRM_FIELD] : [])];
    // tenantAtPreview is an output of the class only where it is plumbing (confirms), as before the declarations.
    const unset = [...d.resolvedFields.filter((k) => d.confirms || k !== TENANT_AT_PREVIEW), ...d.outputKeys];
    class Declared extends SettingResource {
        constructor(name: string, args: ArgsOf<D>, opts?: pulumi.CustomResourceOptions) {
            const a = args as Record<string, unknown>;
            const inputs: pulumi.Inputs = {};
            for (const k of given) inputs[k] = a[k];
            for (const k of unset) inputs[k] = undefined;
            super(type, name, inputs, opts);
        }
    }
    return Declared as any;
}

/**
 * A declared schema (its values said in full: the types, the member's schema, the JSON Schema of
 * m365-mfa:baseline) that the baseline checks only for its keys, `depth` objects deep, leaving the values
 * to the setting's own validate (which runs next and says their problems in its words, e.g. "belongs to
 * temporaryAccessPass", "number matching is always on"): `check` is the schema with each value below
 * that depth taken as any.
 */
export function checkedBySetting<T>(schema: Schema<T>, depth: number, check: Schema = keysOnly(schema, depth)): Schema<T> {
    return { ...schema, check };
}

function keysOnly(schema: Schema, depth: number): Schema {
    if (depth <= 0) return any;
    const { doc: _d, check: _c, ...rest } = schema;
    if (rest.type === "object") {
        const fields = Object.fromEntries(Object.entries(rest.fields).map(([k, f]) => [k, keysOnly(f, depth - 1)]));
        return obj(fields, { ...(rest.nonEmpty ? { nonEmpty: rest.nonEmpty } : {}), ...(rest.hint ? { hint: rest.hint } : {}) });
    }
    if (rest.type === "map") {
        const { type: _t, values, ...opts } = rest;
        return map(keysOnly(values, depth - 1), opts);
    }
    return any;
}
