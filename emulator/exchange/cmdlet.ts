import type { Store, TenantState } from "../store";
import { ExchangeCmdletError, argumentIsNull, missingMandatory, notAString, notBoolean, parameterNotFound } from "./errors";

/**
 * One emulated Exchange cmdlet: its parameters (bound as PowerShell binds them: names are
 * case-insensitive, values are converted or refused with PowerShell's words) and what it does.
 * Only the parameters the emulator models are declared; any other name is refused as unknown,
 * exactly as Exchange refuses a parameter the cmdlet does not have.
 */
export type ParameterKind =
    /** [bool] and switch parameters: JSON true/false, or the numbers 0 and 1. */
    | "bool"
    /** [Nullable[bool]]: also null, which clears the value. */
    | "nullableBool"
    /** Strings and identity parameters (numbers are accepted and converted, as PowerShell does). */
    | "string"
    /** An identity parameter that may be null (clears a reference). */
    | "nullableString"
    /** A multi-valued parameter: a JSON array of strings, or one string (comma-separated values allowed). */
    | "stringList"
    /** -ResultSize: a positive number or "Unlimited". */
    | "resultSize"
    /** Accepted and ignored (-Confirm over REST never prompts). */
    | "ignored"
    /** A parameter Microsoft documents for the cmdlet that the emulator does not model: refused loudly (400). */
    | "notModelled";

export interface CmdletContext {
    readonly tenant: TenantState;
    readonly store: Store;
}

export interface CmdletResult {
    /** The objects the cmdlet writes to the pipeline (a Set-* cmdlet writes none). */
    value: Record<string, unknown>[];
    /** Exchange's warnings, returned as @adminapi.warnings. */
    warnings?: string[];
}

export interface Cmdlet {
    readonly name: string;
    readonly parameters: Readonly<Record<string, ParameterKind>>;
    readonly mandatory?: readonly string[];
    run(ctx: CmdletContext, args: Record<string, unknown>): CmdletResult;
}

/** Binds the request's Parameters to the cmdlet's declared ones; returns them under their declared names. */
export function bindParameters(cmdlet: Cmdlet, given: Record<string, unknown>): Record<string, unknown> {
    const declared = Object.keys(cmdlet.parameters);
    const bound: Record<string, unknown> = {};
    for (const [rawName, value] of Object.entries(given)) {
        const name = declared.find((d) => d.toLowerCase() === rawName.replace(/^-/, "").toLowerCase());
        if (!name) {
            throw parameterNotFound(rawName);
        }
        bound[name] = convert(name, cmdlet.parameters[name], value);
    }
    const missing = (cmdlet.mandatory ?? []).filter((m) => bound[m] === undefined);
    if (missing.length) {
        throw missingMandatory(missing);
    }
    for (const name of Object.keys(bound)) {
        if (cmdlet.parameters[name] === "ignored") {
            delete bound[name];
        }
    }
    return bound;
}

function convert(name: string, kind: ParameterKind, value: unknown): unknown {
    switch (kind) {
        case "ignored":
            return value;
        case "notModelled":
            throw new ExchangeCmdletError(
                400,
                "Emulator.NotModelledException",
                `-${name} is a documented parameter of this cmdlet that is not modelled by the emulator; the emulator ` +
                    "refuses it rather than ignore it.",
            );
        case "bool":
        case "nullableBool":
            if (value === null && kind === "nullableBool") {
                return null;
            }
            if (typeof value === "boolean") {
                return value;
            }
            if (value === 0 || value === 1) {
                return value === 1;
            }
            throw notBoolean(name, value);
        case "string":
        case "nullableString":
            if (value === null) {
                if (kind === "nullableString") {
                    return null;
                }
                throw argumentIsNull(name);
            }
            if (typeof value === "string") {
                return value;
            }
            if (typeof value === "number") {
                return String(value);
            }
            throw notAString(name, value);
        case "stringList": {
            const items = Array.isArray(value) ? value : [value];
            if (value === null || items.some((i) => typeof i !== "string")) {
                throw value === null ? argumentIsNull(name) : notAString(name, value);
            }
            return (items as string[])
                .flatMap((i) => i.split(","))
                .map((i) => i.trim())
                .filter(Boolean);
        }
        case "resultSize":
            if (typeof value === "string" && value.toLowerCase() === "unlimited") {
                return Infinity;
            }
            if ((typeof value === "number" || typeof value === "string") && /^\d+$/.test(String(value)) && Number(value) > 0) {
                return Number(value);
            }
            if (value === null) {
                throw argumentIsNull(name);
            }
            throw new ExchangeCmdletError(
                400,
                "System.Management.Automation.ParameterBindingArgumentTransformationException",
                `Cannot process argument transformation on parameter '${name}'. Cannot convert value "${String(value)}" to type ` +
                    `"Microsoft.Exchange.Data.Unlimited\`1[System.UInt32]". Error: "Cannot convert value "${String(value)}" ` +
                    `to type "System.UInt32"."`,
            );
    }
}

/** The directory Exchange's distinguished names end in (an emulated forest). */
export const DN_SUFFIX = "DC=EMULATOR,DC=PROD,DC=OUTLOOK,DC=COM";

/** Case-insensitive equality, as Exchange compares names and addresses. */
export function sameText(a: string | null | undefined, b: string | null | undefined): boolean {
    return typeof a === "string" && typeof b === "string" && a.localeCompare(b, undefined, { sensitivity: "accent" }) === 0;
}

/** Exchange's warning when a Set-* cmdlet changes nothing. */
export function noChangeWarning(identity: string): string {
    return `The command completed successfully but no settings of '${identity}' have been modified.`;
}
