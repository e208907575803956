import type { BaselineMember } from "../../providers/framework/member";
import { configSchema, map } from "../../providers/framework/validation";
import { UserHygiene, type UserHygieneArgs } from "./resource";
import { userHygiene } from "./setting";

/** Session and method hygiene operations, by name: each runs once per value of its trigger. */
export type HygieneSettings = Record<string, UserHygieneArgs>;

export const hygieneMember: BaselineMember<HygieneSettings, Record<string, UserHygiene>> = {
    key: "hygiene",
    title: userHygiene.title,
    settings: [userHygiene],
    // No exportMember: its members are operations (run once per trigger), not tenant state; there is nothing to adopt.
    schema: map(configSchema(userHygiene), {
        keyPattern: /^[a-z0-9-]+$/i,
        keyHint: "operation names are letters, digits and '-'",
        hint: 'named operations, like { incident-42: { users: [...], revokeSessions: true, trigger: "2026-11-22" } }',
    }),
    parse: (raw: Record<string, Record<string, unknown>>, ctx) => {
        const out: HygieneSettings = {};
        for (const [op, value] of Object.entries(raw)) {
            const { desired, failures } = userHygiene.validate({ ...value });
            for (const f of failures) ctx.problems.push(`${ctx.key}.${op}${f.property ? `.${f.property}` : ""}: ${f.reason}`);
            if (desired && !failures.length) out[op] = value as unknown as UserHygieneArgs;
        }
        return out;
    },
    build: (args, ctx) =>
        Object.fromEntries(
            Object.entries(args).map(([op, a]) => [op, new UserHygiene(`${ctx.name}-hygiene-${op}`, a, { parent: ctx.parent })]),
        ),
    warnings: (args, ctx) =>
        args && !Object.keys(args).length ? [`${ctx.key} is empty: it runs no operation. Remove it, or name an operation.`] : [],
};
