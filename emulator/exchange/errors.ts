import type { EmuRequest, EmuResponse } from "../http";

/**
 * Errors in the shape Exchange Online's admin API answers them and ExchangeOnlineManagement v3 and
 * CIPP read them: `error.code`, `error.message` ("Error executing cmdlet"), `error.details[].message`
 * ("<Ex code>|<exception type>|<sentence>"), and `error.innererror.internalexception.message` with the
 * sentence alone.
 */
export class ExchangeCmdletError extends Error {
    constructor(
        readonly status: number,
        /** The exception Exchange names, e.g. Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException. */
        readonly exceptionType: string,
        message: string,
        /** Exchange's diagnostic code (Ex6F9304); empty for errors raised by PowerShell's binder. */
        readonly exCode = "",
        readonly headers: Record<string, string> = {},
    ) {
        super(message);
    }
}

/** The host name Exchange puts in "couldn't be found on '...'" messages. */
export const EXCHANGE_SERVER = "EMU01MB0001.EMULATOR.PROD.OUTLOOK.COM";

const CODES: Record<number, string> = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    500: "InternalServerError",
};

export function exchangeErrorResponse(req: EmuRequest, err: ExchangeCmdletError): EmuResponse {
    return {
        status: err.status,
        headers: { ...err.headers, "X-Request-Id": req.requestId },
        body: {
            error: {
                code: CODES[err.status] ?? "BadRequest",
                message: "Error executing cmdlet",
                details: [{ code: "Context", target: "", message: `${err.exCode}|${err.exceptionType}|${err.message}` }],
                innererror: {
                    message: "Error executing cmdlet",
                    type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
                    stacktrace: "",
                    internalexception: { message: err.message, type: err.exceptionType, stacktrace: "" },
                },
            },
        },
    };
}

// The errors cmdlets raise, with Exchange's and PowerShell's own wording.

export function parameterNotFound(name: string): ExchangeCmdletError {
    return new ExchangeCmdletError(
        400,
        "System.Management.Automation.ParameterBindingException",
        `A parameter cannot be found that matches parameter name '${name}'.`,
    );
}

export function missingMandatory(names: readonly string[]): ExchangeCmdletError {
    return new ExchangeCmdletError(
        400,
        "System.Management.Automation.ParameterBindingException",
        `Cannot process command because of one or more missing mandatory parameters: ${names.join(" ")}.`,
    );
}

export function notBoolean(name: string, value: unknown): ExchangeCmdletError {
    const shown =
        value === null
            ? ""
            : typeof value === "string"
              ? "System.String"
              : typeof value === "object"
                ? "System.Collections.Hashtable"
                : String(value);
    return new ExchangeCmdletError(
        400,
        "System.Management.Automation.ParameterBindingArgumentTransformationException",
        `Cannot process argument transformation on parameter '${name}'. Cannot convert value "${shown}" to type "System.Boolean". ` +
            `Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`,
    );
}

export function argumentIsNull(name: string): ExchangeCmdletError {
    return new ExchangeCmdletError(
        400,
        "System.Management.Automation.ParameterBindingValidationException",
        `Cannot bind argument to parameter '${name}' because it is null.`,
    );
}

export function notAString(name: string, value: unknown): ExchangeCmdletError {
    return new ExchangeCmdletError(
        400,
        "System.Management.Automation.ParameterBindingArgumentTransformationException",
        `Cannot process argument transformation on parameter '${name}'. Cannot convert the "${JSON.stringify(value)}" value of type ` +
            `"${Array.isArray(value) ? "System.Object[]" : "System.Collections.Hashtable"}" to type "System.String".`,
    );
}

export function commandNotFound(cmdlet: string): ExchangeCmdletError {
    return new ExchangeCmdletError(
        400,
        "System.Management.Automation.CommandNotFoundException",
        `The term '${cmdlet}' is not recognized as the name of a cmdlet, function, script file, or operable program. ` +
            `Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
    );
}

/** -Identity that names no object. */
export function identityNotFound(identity: string): ExchangeCmdletError {
    return new ExchangeCmdletError(
        404,
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
        `The operation couldn't be performed because object '${identity}' couldn't be found on '${EXCHANGE_SERVER}'.`,
        "Ex6F9304",
    );
}

/** A parameter that refers to another object (e.g. -DefaultAuthenticationPolicy) that does not exist. */
export function referenceNotFound(identity: string): ExchangeCmdletError {
    return new ExchangeCmdletError(
        404,
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
        `Couldn't find object "${identity}". Please make sure that it was spelled correctly or specify a different object.`,
        "Ex6F9304",
    );
}
