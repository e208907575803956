import * as pulumi from "@pulumi/pulumi";
import {
    type AnyMember,
    BASELINE_KEY,
    type BaselineMember,
    type BaselineWide,
    type BuildContext,
    type PostureFacts,
    enforcedBy,
    wideKey,
} from "../providers/framework/member";
import { MEMBERS, MEMBER_KEYS, type MemberKey, type Members } from "../settings/members";

export { BASELINE_KEY };

type ArgsOf<M> = M extends BaselineMember<infer A, any> ? A : never;
type BuiltOf<M> = M extends BaselineMember<any, infer B> ? B : never;

/** Each member's settings, by its config key (settings/members.ts): what is left out is not managed. */
export type BaselineMembers = { [K in MemberKey]?: ArgsOf<Members[K]> };
/** What each configured member built, by its config key. */
export type BaselineResources = { [K in MemberKey]?: BuiltOf<Members[K]> };

/** The MFA posture of one tenant. Each member is optional: what is left out is not managed. */
export interface TenantMfaBaselineArgs extends BaselineWide, BaselineMembers {}

export interface BaselinePosture {
    /** Which path the baseline takes to require MFA: security-defaults, conditional-access, per-user-mfa or unmanaged. */
    path: string;
    /**
     * How legacy authentication is blocked: by a Conditional Access policy (or one in report-only), by security defaults, or "not managed".
     */
    legacyAuthentication: string;
    /**
     * What members add (their `posture` in settings/<name>/member.ts), e.g. whether security defaults are on, users per per-user MFA state.
     */
    [field: string]: unknown;
}

const WIDE_KEYS: readonly (keyof BaselineWide)[] = ["breakGlassAccounts", "readiness", "guards"];

/**
 * One declaration of a tenant's MFA posture. It builds each configured member of the program's list
 * (settings/members.ts), in its order; each resource reconciles its part of the tenant (validate,
 * read, diff, apply, verify).
 */
export class TenantMfaBaseline extends pulumi.ComponentResource {
    /** What each configured member built, by its config key (e.g. resources.perUserMfa). */
    public readonly resources: BaselineResources = {};
    public readonly posture: pulumi.Output<BaselinePosture>;

    constructor(name: string, args: TenantMfaBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("m365-mfa:index:TenantMfaBaseline", name, {}, opts);
        const wide: BaselineWide = Object.fromEntries(WIDE_KEYS.filter((k) => args[k] !== undefined).map((k) => [k, args[k]]));
        const built = this.resources as Record<string, unknown>;
        const facts: PostureFacts[] = [];
        const members = MEMBER_KEYS.map((k) => MEMBERS[k] as AnyMember);
        const enforced = enforcedBy(members, (m) => args[m.key as MemberKey]);
        for (const key of MEMBER_KEYS) {
            const member = MEMBERS[key] as AnyMember;
            const memberArgs = args[key];
            if (memberArgs === undefined) continue;
            const ctx: BuildContext = {
                name,
                parent: this,
                wide,
                key: `${BASELINE_KEY}.${key}`,
                wideKey,
                builtBy: <B>(m: BaselineMember<any, B>) => built[m.key] as B | undefined,
                argsOf: <A>(m: BaselineMember<A, any>) => args[m.key as MemberKey] as A | undefined,
                enforced,
            };
            built[key] = member.build(memberArgs, ctx);
            if (member.posture) facts.push(member.posture(memberArgs, built[key]));
        }
        // Legacy authentication: the strongest block wins; what else is off is said with it.
        const block = facts.flatMap((f) => (f.blocksLegacy ? [f.blocksLegacy] : [])).sort((a, b) => b.rank - a.rank)[0];
        const also = facts.flatMap((f) => (f.alsoBlocks ? [f.alsoBlocks] : []));
        pulumi.log.info(
            block
                ? `m365-mfa: ${block.log}${also.length ? `, with ${also.join(" and ")} blocked too` : ""}`
                : "m365-mfa: this baseline does not block legacy authentication",
            this,
        );
        // MFA: the highest-ranked member whose requirement is active.
        const paths = facts.flatMap((f) => (f.requiresMfa ? [f.requiresMfa] : [])).sort((a, b) => b.rank - a.rank);
        const fields = Object.assign({}, ...facts.map((f) => f.fields ?? {})) as Record<string, pulumi.Input<unknown>>;
        this.posture = pulumi.all([pulumi.all(paths.map((p) => p.active)), pulumi.all(fields)]).apply(
            ([active, values]): BaselinePosture => ({
                path: paths.find((_p, i) => active[i])?.path ?? "unmanaged",
                legacyAuthentication: block?.how ?? "not managed",
                ...Object.fromEntries(Object.entries(values as Record<string, unknown>).filter(([, v]) => v !== undefined)),
            }),
        );
        this.registerOutputs({ posture: this.posture });
    }
}
