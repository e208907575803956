/**
 * Where a tenant lives: the sign-in authority, Microsoft Graph and the Exchange Online admin endpoint
 * for each national cloud, plus "custom" for the local tenant emulator (or any other endpoint set).
 *
 * The token *audience* of a service is kept apart from the *URL* requests go to: a token for Graph is
 * always asked for with the service's own resource identifier (e.g. https://graph.microsoft.com/.default),
 * even when requests go to the emulator on https://127.0.0.1:port, as they would through a proxy.
 */
export type CloudName = "global" | "usgov" | "usgovdod" | "china" | "custom";

export interface CloudEndpoints {
    readonly name: CloudName;
    /** Entra ID sign-in host, e.g. https://login.microsoftonline.com */
    readonly authorityHost: string;
    /** Base URL of Microsoft Graph requests, e.g. https://graph.microsoft.com */
    readonly graphEndpoint: string;
    /** Resource identifier (token audience) of Microsoft Graph in this cloud. */
    readonly graphResource: string;
    /** Base URL of the Exchange Online admin API, e.g. https://outlook.office365.com */
    readonly exchangeEndpoint: string;
    /** Resource identifier (token audience) of Exchange Online in this cloud. */
    readonly exchangeResource: string;
    /** Whether the authority is one Microsoft's instance discovery knows (false for the emulator). */
    readonly knownAuthority: boolean;
}

export const CLOUDS: Readonly<Record<Exclude<CloudName, "custom">, CloudEndpoints>> = {
    global: {
        name: "global",
        authorityHost: "https://login.microsoftonline.com",
        graphEndpoint: "https://graph.microsoft.com",
        graphResource: "https://graph.microsoft.com",
        exchangeEndpoint: "https://outlook.office365.com",
        exchangeResource: "https://outlook.office365.com",
        knownAuthority: true,
    },
    usgov: {
        name: "usgov",
        authorityHost: "https://login.microsoftonline.us",
        graphEndpoint: "https://graph.microsoft.us",
        graphResource: "https://graph.microsoft.us",
        exchangeEndpoint: "https://outlook.office365.us",
        exchangeResource: "https://outlook.office365.us",
        knownAuthority: true,
    },
    usgovdod: {
        name: "usgovdod",
        authorityHost: "https://login.microsoftonline.us",
        graphEndpoint: "https://dod-graph.microsoft.us",
        graphResource: "https://dod-graph.microsoft.us",
        exchangeEndpoint: "https://webmail.apps.mil",
        exchangeResource: "https://webmail.apps.mil",
        knownAuthority: true,
    },
    china: {
        name: "china",
        authorityHost: "https://login.chinacloudapi.cn",
        graphEndpoint: "https://microsoftgraph.chinacloudapi.cn",
        graphResource: "https://microsoftgraph.chinacloudapi.cn",
        exchangeEndpoint: "https://partner.outlook.cn",
        exchangeResource: "https://partner.outlook.cn",
        knownAuthority: true,
    },
};

export interface EndpointOverrides {
    authorityHost?: string;
    graphEndpoint?: string;
    exchangeEndpoint?: string;
}

/**
 * Resolves the endpoints of a cloud, with optional overrides. Overriding any URL makes the cloud
 * "custom": the audiences stay those of the base cloud (global unless named).
 */
export function resolveCloud(name: string | undefined, overrides: EndpointOverrides = {}): CloudEndpoints {
    const key = (name ?? "global").toLowerCase();
    if (key !== "custom" && !(key in CLOUDS)) {
        throw new Error(`unknown cloud "${name}": use one of ${[...Object.keys(CLOUDS), "custom"].join(", ")}`);
    }
    const base = key === "custom" ? CLOUDS.global : CLOUDS[key as keyof typeof CLOUDS];
    const custom = key === "custom" || !!(overrides.authorityHost || overrides.graphEndpoint || overrides.exchangeEndpoint);
    for (const [field, value] of Object.entries(overrides)) {
        if (value !== undefined && !/^https:\/\/[^/]+\/?$/.test(value)) {
            throw new Error(`${field} must be an https:// origin with no path (got "${value}")`);
        }
    }
    const trim = (u: string) => u.replace(/\/+$/, "");
    return {
        name: custom ? "custom" : base.name,
        authorityHost: trim(overrides.authorityHost ?? base.authorityHost),
        graphEndpoint: trim(overrides.graphEndpoint ?? base.graphEndpoint),
        graphResource: base.graphResource,
        exchangeEndpoint: trim(overrides.exchangeEndpoint ?? base.exchangeEndpoint),
        exchangeResource: base.exchangeResource,
        knownAuthority: !overrides.authorityHost,
    };
}
