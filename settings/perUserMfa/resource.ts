import type * as pulumi from "@pulumi/pulumi";
import { type ArgsOf, settingResource } from "../../providers/framework/declare";
import { ownUrn } from "../../providers/framework/resource";
import { perUserMfaDeclaration } from "./declaration";
import { perUserMfa } from "./setting";

/** The type token: pulumi-nodejs:dynamic/m365-mfa:<perUserMfa.type>. */
const TYPE = perUserMfa.type;

/**
 * assignments (who gets which state: users by UPN or object id, groups by object id, members resolved
 * transitively at plan time), excludeUsers (never touched, e.g. break-glass accounts), allOtherUsers (owns
 * the whole tenant when set), readiness (checked at plan time for users moved to MFA, warn by default),
 * guards (lockout and blast radius, and confirmations of large changes), configKeys (input path -> the config
 * key it came from, so refusals name the key the user wrote). diagnosticsUrn is the class's own.
 */
export interface PerUserMfaArgs extends Omit<ArgsOf<typeof perUserMfaDeclaration>, "diagnosticsUrn"> {}

/**
 * Per-user MFA state (disabled / enabled / enforced) of a set of users. Users not targeted are left
 * alone unless allOtherUsers is set. Its outputs: the inputs, targetsDigest and targetCounts (who gets which
 * state, resolved at plan time, as a digest and counted per state: the targets themselves stay in the
 * provider, issue #27), planned, plannedFrom and plannedTo (what the preview counted, and each user who
 * changes), observed (the targets whose state differs from their target at the last read, e.g. `enforced` for
 * a target `enabled`, or `userNotFound`), counts (targets per observed state) and tenantId. Deleting the
 * resource stops managing; users keep their state.
 */
export class PerUserMfa extends settingResource(TYPE, perUserMfaDeclaration) {
    constructor(name: string, args: PerUserMfaArgs, opts?: pulumi.CustomResourceOptions) {
        // Its own URN (computable before registration), so plan-time warnings land on this resource.
        super(name, { ...args, diagnosticsUrn: ownUrn(name, TYPE, opts?.parent) }, opts);
    }
}
