/**
 * Loaded at run time by the serialized shim (./shim.ts) inside the dynamic-provider process:
 * maps a resource type to its provider, one instance per type and process, so that `configure`
 * (called once per process by Pulumi) and the client's token cache are shared by all resources.
 */
import { SettingProvider } from "./framework/adapter";
import type { AnySetting } from "./framework/setting";
import { SETTINGS } from "../settings/providerSettings";
import { trace } from "../client/trace";
import { watchEngine } from "./framework/lifeline";
import { shareReadinessReads } from "./framework/readinessReport";

// From the process's start to here: the provider's own start-up (the SDK and this package loaded).
trace("provider loaded", performance.timeOrigin);
// Once the engine is gone (e.g. a SIGKILLed pulumi up), nothing more is written.
watchEngine();
// This process lives for one engine operation: its settings share one readiness read (readinessReport.ts).
shareReadinessReads();

const instances = new Map<string, SettingProvider>();

/**
 * Pulumi deserializes one shim per distinct `__provider` text (one per resource type) and calls its
 * `configure` once, so each provider instance here receives the stack config itself.
 */
export function providerFor(type: string): SettingProvider {
    let provider = instances.get(type);
    if (!provider) {
        const setting: AnySetting | undefined = SETTINGS[type];
        if (!setting) {
            throw new Error(
                `m365-mfa: this version has no provider for resource type "${type}" ` +
                    `(known: ${Object.keys(SETTINGS).join(", ")}); is the installed package older than the stack's state?`,
            );
        }
        // As the engine runs it: check failures on the resource, said once (AdapterOptions.forEngine).
        provider = new SettingProvider(setting, { forEngine: true });
        instances.set(type, provider);
    }
    return provider;
}
