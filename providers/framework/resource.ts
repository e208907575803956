import * as pulumi from "@pulumi/pulumi";

import { providerShimText } from "../shim";
import { MODULE, dynamicType } from "./setting";

export { MODULE, dynamicType };

/**
 * The base of every setting's resource class: a dynamic resource (type token
 * pulumi-nodejs:dynamic/m365-mfa:<type>, run by Pulumi's dynamic-provider plugin) whose `__provider`
 * is the shim for its type (what state stores). It is what `pulumi.dynamic.Resource` registers, with
 * the shim's text written out instead of serialized at every run (providerShimText).
 */
export abstract class SettingResource extends pulumi.CustomResource {
    constructor(type: string, name: string, inputs: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        if ("__provider" in inputs) {
            throw new Error("A dynamic resource must not define the __provider key");
        }
        super(dynamicType(type), name, { ...inputs, __provider: providerShimText(type) }, opts);
    }
}

/**
 * A resource's own URN, for an input, without a dependency on its parent. `pulumi.createUrn` with a
 * parent carries the parent as a dependency, and depending on a component waits for all of its
 * children: two children that both did so waited for each other and the program stopped with
 * "waiting for the URNs of its dependencies to resolve". The URN is known at preview, so a plain
 * promise of its value is enough.
 */
export function ownUrn(name: string, type: string, parent?: pulumi.Resource): pulumi.Output<string> {
    const urn = pulumi.createUrn(name, dynamicType(type), parent);
    return pulumi.output(new Promise<string>((resolve) => urn.apply((u) => resolve(u))));
}
