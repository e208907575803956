import * as pulumi from "@pulumi/pulumi";

import { providerShim } from "../shim";
import { MODULE, dynamicType } from "./setting";

export { MODULE, dynamicType };

/**
 * The base of every setting's resource class: a dynamic resource whose provider is the shim for its
 * type (what state stores), under this package's module (type token pulumi-nodejs:dynamic/m365-mfa:<type>).
 */
export abstract class SettingResource extends pulumi.dynamic.Resource {
    constructor(type: string, name: string, inputs: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        super(providerShim(type), name, inputs, opts, MODULE, type);
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

