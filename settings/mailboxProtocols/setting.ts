import { TenantApiError, type TenantClients } from "../../client";
import { progressReporter, engineLog } from "../../providers/framework/diagnostics";
import { EXCHANGE_MANAGE_AS_APP, exchangeReadPreflight, isExchangeNotFound } from "../../providers/framework/exchange";
import { mapLimited } from "../../providers/framework/pool";
import { PartialFailureError } from "../../providers/framework/report";
import {
    type FieldChange,
    type TenantSetting,
    type ValidationFailure,
    confirmationOf,
    stableJson,
    weakeningRefusal,
} from "../../providers/framework/setting";
import { type DesiredOf, type LiveOf, declareSetting } from "../../providers/framework/declare";
import { any, bool, list, map, num, obj, oneOf, str } from "../../providers/framework/validation";
import { warnSmtpAuthOff } from "../../providers/framework/smtpAuthSenders";

/**
 * Mailbox protocols in Exchange Online: POP3, IMAP4, Exchange ActiveSync and SMTP AUTH, per mailbox
 * (Set-CASMailbox -PopEnabled / -ImapEnabled / -ActiveSyncEnabled / -SmtpClientAuthenticationDisabled)
 * and as the default for new mailboxes (Set-CASMailboxPlan -PopEnabled / -ImapEnabled /
 * -ActiveSyncEnabled; a CAS mailbox plan "is applied to a mailbox when you license the user", and has no
 * SMTP AUTH setting: SMTP AUTH's default is the organisation's, the smtpAuth member).
 *
 * One resource holds:
 * - defaults: the value of each managed protocol for every mailbox of the tenant and (POP, IMAP,
 *   ActiveSync) for every CAS mailbox plan; a protocol left out is not managed;
 * - plans: per CAS mailbox plan (by display name, e.g. ExchangeOnlineDeskless), values that differ
 *   from the defaults for new mailboxes of that licence;
 * - exceptions: named mailboxes (user principal name or primary SMTP address) with their own values,
 *   resolved to mailboxes at plan time (an unknown one fails the preview naming its key);
 * - maxMailboxChanges: above this many mailboxes changed by one plan, the plan needs a confirmation
 *   that names the change ("mailbox-protocols:<count>:<digest>" in m365-mfa:baseline.guards.confirm),
 *   the same mechanism as per-user MFA's blast-radius guard.
 *
 * Values in words: POP, IMAP and ActiveSync true/false (on/off); SMTP AUTH "enabled" ($false),
 * "disabled" ($true) or "followsOrganization" ($null: Set-TransportConfig decides).
 *
 * At scale: every mailbox is read with one Get-CASMailbox -ResultSize Unlimited (pages of 1,000), and
 * each mailbox that differs is written with one Set-CASMailbox carrying all its changed protocols. The
 * admin API has no $batch: writes go EXCHANGE_CONCURRENCY at a time through the Exchange client, whose
 * retry policy (client/retry.ts) waits out 429/503/504 (Retry-After when Exchange sends one) within the
 * retry budget. The resource's state keeps only the mailboxes that differ from their target.
 */
export const PROTOCOLS = ["pop", "imap", "activeSync", "smtpAuth"] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const PLAN_PROTOCOLS = ["pop", "imap", "activeSync"] as const;
export type PlanProtocol = (typeof PLAN_PROTOCOLS)[number];
export type SmtpAuthState = "enabled" | "disabled" | "followsOrganization";
export const SMTP_AUTH_STATES: readonly SmtpAuthState[] = ["enabled", "disabled", "followsOrganization"];

export interface ProtocolValues {
    pop?: boolean;
    imap?: boolean;
    activeSync?: boolean;
    smtpAuth?: SmtpAuthState;
}
export type PlanValues = Pick<ProtocolValues, PlanProtocol>;
export interface ProtocolException extends ProtocolValues {
    mailboxes: string[];
}
type MailboxValues = Required<ProtocolValues>;

export const CAS_MAILBOX_READ = "Get-CASMailbox";
export const CAS_MAILBOX_WRITE = "Set-CASMailbox";
export const CAS_PLAN_READ = "Get-CASMailboxPlan";
export const CAS_PLAN_WRITE = "Set-CASMailboxPlan";
const TRANSPORT_CONFIG_READ = "Get-TransportConfig";

/**
 * Cmdlets in flight at once. Exchange Online does not publish limits for the admin API; its PowerShell
 * guidance is to keep few sessions per admin and to back off on throttling. 4 is an assumption, the
 * same as the SMTP AUTH setting's; the retry policy handles the throttled answers.
 */
export const EXCHANGE_CONCURRENCY = 4;
/** A plan changing more mailboxes than this needs a confirmation (maxMailboxChanges overrides it). */
export const DEFAULT_MAX_MAILBOX_CHANGES = 500;

const PARAM: Record<Protocol, string> = {
    pop: "PopEnabled",
    imap: "ImapEnabled",
    activeSync: "ActiveSyncEnabled",
    smtpAuth: "SmtpClientAuthenticationDisabled",
};
const LABEL: Record<Protocol, string> = { pop: "POP", imap: "IMAP", activeSync: "Exchange ActiveSync", smtpAuth: "SMTP AUTH" };
const MAILBOX_FIELD = "mailboxes.";
const PLAN_FIELD = "plans.";

const protocolFields = {
    pop: bool,
    imap: bool,
    activeSync: bool,
    smtpAuth: oneOf(SMTP_AUTH_STATES, "enabled, disabled, or followsOrganization (the organisation's Set-TransportConfig decides)"),
};
const planFields = { pop: bool, imap: bool, activeSync: bool };
const MAILBOX_REF = str({ pattern: /^\s*[^@\s]+@[^@\s]+\s*$/, hint: "a user principal name or primary SMTP address (name@domain)" });

/** The inputs and outputs of mailbox protocols, declared once (the member's config is the configured inputs). */
export const mailboxProtocolsDeclaration = declareSetting({
    inputs: {
        /**
         * Every mailbox's value of each protocol named, and (POP, IMAP, ActiveSync) every CAS mailbox plan's: what new mailboxes get. A
         * protocol left out is not managed.
         */
        defaults: obj(protocolFields, { hint: "like { pop: false, imap: false, activeSync: true, smtpAuth: followsOrganization }" }),
        /**
         * Per CAS mailbox plan (display name, e.g. ExchangeOnlineDeskless): values for new mailboxes of that licence that differ from the
         * defaults.
         */
        plans: map(obj(planFields), {
            keyHint: "a CAS mailbox plan's display name, e.g. ExchangeOnlineDeskless",
            hint: "CAS mailbox plan -> { pop, imap, activeSync }",
        }),
        /** Named mailboxes (UPN or primary SMTP address) with their own values. */
        exceptions: list(
            obj(
                { mailboxes: list(MAILBOX_REF, { nonEmpty: "name at least one mailbox" }), ...protocolFields },
                { required: ["mailboxes"] },
            ),
            {
                hint: 'like [{ mailboxes: ["scanner@contoso.com"], smtpAuth: enabled }]',
            },
        ),
        /** Above this many mailboxes changed by one plan, a confirmation in m365-mfa:baseline.guards.confirm is needed (default 500). */
        maxMailboxChanges: num({
            integer: true,
            min: 0,
            hint: "above this many mailboxes changed, a plan needs a confirmation in m365-mfa:baseline.guards.confirm",
        }),
    },
    hint: "like { defaults: { pop: false, imap: false }, exceptions: [{ mailboxes: [scanner@contoso.com], smtpAuth: enabled }] }",
    internal: {
        /** The member's full config key, for messages (set by the baseline). */
        configKey: str(),
    },
    // Confirmations of large changes and weakenings; no tenantAtPreview (the plan records what it read as planned and mailboxes).
    confirms: true,
    tenantAtPreview: false,
    resolved: {
        /** Resolved at plan time: primary SMTP address (lower case) -> index of its exception. */
        exceptionAddresses: any,
        /** Resolved at plan time: mailboxes and plans that change, by transition ("pop: on -> off": 4,990). */
        planned: any,
        /** Resolved at plan time (always {}); a refresh fills it with the mailboxes found differing (drift, shown by address). */
        mailboxes: any,
    },
    outputs: {
        /** Each CAS mailbox plan's values (by display name), for the managed plan protocols. */
        casMailboxPlans: any,
        /** The mailboxes whose managed protocols differ from their target: what Exchange reports (only the differing protocols). */
        differing: any,
        /** How many mailboxes the read covered. */
        mailboxCount: num(),
        /** The digest of the targets this read was compared with (a change of config makes a diff). */
        targetsDigest: str(),
    },
});

type Differing = Record<string, Partial<ProtocolValues> | "mailboxNotFound">;
/** The desired state: the declared inputs, with the types of what the plan resolves (whose shapes the provider writes itself). */
export type MailboxProtocolsDesired = Omit<
    DesiredOf<typeof mailboxProtocolsDeclaration>,
    "exceptionAddresses" | "planned" | "mailboxes" | "tenantAtPreview"
> & {
    exceptionAddresses?: Record<string, number>;
    planned?: Record<string, number>;
    mailboxes?: Differing;
};
export type MailboxProtocolsLive = Omit<
    LiveOf<typeof mailboxProtocolsDeclaration>,
    keyof typeof mailboxProtocolsDeclaration.inputs | "casMailboxPlans" | "differing"
> & {
    casMailboxPlans: Record<string, PlanValues>;
    differing: Differing;
};

/** Exchange's values in words. */
export function smtpAuthOf(disabled: unknown): SmtpAuthState {
    return disabled === true ? "disabled" : disabled === false ? "enabled" : "followsOrganization";
}
function toExchange(p: Protocol, v: boolean | SmtpAuthState): boolean | null {
    if (p !== "smtpAuth") return v as boolean;
    return v === "disabled" ? true : v === "enabled" ? false : null;
}
const show = (p: Protocol, v: unknown) => (p === "smtpAuth" ? String(v) : v === true ? "on" : v === false ? "off" : String(v));

/** What Get-CASMailbox reports for a mailbox, in words. */
export function valuesOf(m: Record<string, unknown>): MailboxValues {
    return {
        pop: m.PopEnabled !== false,
        imap: m.ImapEnabled !== false,
        activeSync: m.ActiveSyncEnabled !== false,
        smtpAuth: smtpAuthOf(m.SmtpClientAuthenticationDisabled),
    };
}
const addressOf = (m: Record<string, unknown>) => String(m.PrimarySmtpAddress ?? "").toLowerCase();

/** The managed target of a mailbox: the defaults, then its exception's values. */
function targetOf(desired: MailboxProtocolsDesired, address: string): ProtocolValues {
    const i = desired.exceptionAddresses?.[address];
    const e = i === undefined ? undefined : desired.exceptions?.[i];
    const t: ProtocolValues = { ...(desired.defaults ?? {}) };
    for (const p of PROTOCOLS) if (e?.[p] !== undefined) (t as any)[p] = e[p];
    return t;
}
function planTarget(desired: MailboxProtocolsDesired, plan: string): PlanValues {
    const t: PlanValues = {};
    for (const p of PLAN_PROTOCOLS) {
        const v = desired.plans?.[plan]?.[p] ?? desired.defaults?.[p];
        if (v !== undefined) t[p] = v;
    }
    return t;
}
/** Whether any mailbox is managed beyond the exceptions (defaults set). */
const managesAll = (d: MailboxProtocolsDesired) => PROTOCOLS.some((p) => d.defaults?.[p] !== undefined);
const managesPlans = (d: MailboxProtocolsDesired) =>
    PLAN_PROTOCOLS.some((p) => d.defaults?.[p] !== undefined) || Object.keys(d.plans ?? {}).length > 0;

export function targetsDigest(d: MailboxProtocolsDesired): string {
    return confirmationOf("targets", [
        stableJson({ defaults: d.defaults ?? {}, plans: d.plans ?? {}, exceptions: d.exceptions ?? [], at: d.exceptionAddresses ?? {} }),
    ]);
}

/** Every mailbox (all pages of Get-CASMailbox -ResultSize Unlimited): address -> its values. */
async function readMailboxes(clients: TenantClients): Promise<Map<string, MailboxValues>> {
    const all = await clients.exchange.invoke(CAS_MAILBOX_READ, { ResultSize: "Unlimited" });
    return new Map(all.map((m) => [addressOf(m), valuesOf(m)] as const).filter(([a]) => a.includes("@")));
}

async function readPlans(clients: TenantClients): Promise<Record<string, PlanValues & { name: string }>> {
    const plans = await clients.exchange.invoke(CAS_PLAN_READ);
    return Object.fromEntries(
        plans.map((p) => [
            String(p.DisplayName),
            {
                name: String(p.Name ?? p.DisplayName),
                pop: p.PopEnabled !== false,
                imap: p.ImapEnabled !== false,
                activeSync: p.ActiveSyncEnabled !== false,
            },
        ]),
    );
}

function compare(
    desired: MailboxProtocolsDesired,
    mailboxes: Map<string, MailboxValues>,
    plans: Record<string, PlanValues>,
): MailboxProtocolsLive {
    const differing: MailboxProtocolsLive["differing"] = {};
    const check = (address: string, have: MailboxValues) => {
        const want = targetOf(desired, address);
        const d: Partial<ProtocolValues> = {};
        for (const p of PROTOCOLS) if (want[p] !== undefined && want[p] !== have[p]) (d as any)[p] = have[p];
        if (Object.keys(d).length) differing[address] = d;
    };
    if (managesAll(desired)) {
        for (const [address, have] of mailboxes) check(address, have);
    }
    for (const address of Object.keys(desired.exceptionAddresses ?? {})) {
        const have = mailboxes.get(address);
        if (!have) differing[address] = "mailboxNotFound";
        else if (!managesAll(desired)) check(address, have);
    }
    const casMailboxPlans: Record<string, PlanValues> = {};
    if (managesPlans(desired)) {
        for (const [name, v] of Object.entries(plans)) casMailboxPlans[name] = { pop: v.pop, imap: v.imap, activeSync: v.activeSync };
    }
    return {
        casMailboxPlans: sortKeys(casMailboxPlans),
        differing: sortKeys(differing),
        mailboxCount: mailboxes.size,
        targetsDigest: targetsDigest(desired),
    };
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
    return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** The planned changes, one line per mailbox protocol ("address:pop=false"), and their transition counts. */
function plannedOf(
    desired: MailboxProtocolsDesired,
    live: MailboxProtocolsLive,
    /** Whether the organisation has SMTP AUTH off (Set-TransportConfig), which followsOrganization means. */
    orgSmtpAuthDisabled?: boolean,
): { lines: string[]; planned: Record<string, number>; mailboxes: number; turnedOn: Record<string, number> } {
    // On or off as users feel it: SMTP AUTH followsOrganization is the organisation's value.
    const isOn = (p: string, v: unknown) =>
        p === "smtpAuth" ? v === "enabled" || (v === "followsOrganization" && orgSmtpAuthDisabled === false) : v === true;
    const lines: string[] = [];
    const planned: Record<string, number> = {};
    const turnedOn: Record<string, number> = {};
    let mailboxes = 0;
    const count = (t: string) => (planned[t] = (planned[t] ?? 0) + 1);
    for (const c of dataChanges(desired, live)) {
        const [kind, name, p] = splitField(c.field);
        if (kind === "mailbox" && c.from === "mailboxNotFound") continue;
        if (kind === "mailbox") {
            lines.push(`${name}:${p}=${String(c.to)}`);
        } else {
            lines.push(`plan ${name}:${p}=${String(c.to)}`);
        }
        count(`${kind === "plan" ? "plan " : ""}${p}: ${show(p as Protocol, c.from)} -> ${show(p as Protocol, c.to)}`);
        if (isOn(p, c.to) && !isOn(p, c.from))
            turnedOn[`${LABEL[p as Protocol]}${kind === "plan" ? " (CAS mailbox plan)" : ""}`] =
                (turnedOn[`${LABEL[p as Protocol]}${kind === "plan" ? " (CAS mailbox plan)" : ""}`] ?? 0) + 1;
    }
    mailboxes = new Set(lines.filter((l) => !l.startsWith("plan ")).map((l) => l.slice(0, l.lastIndexOf(":")))).size;
    return { lines, planned: sortKeys(planned), mailboxes, turnedOn };
}

/** "mailboxes.<address>.<protocol>" | "plans.<plan>.<protocol>" | "mailboxes.<address>" -> parts. */
function splitField(field: string): ["mailbox" | "plan", string, string] {
    if (field.startsWith(PLAN_FIELD)) {
        const rest = field.slice(PLAN_FIELD.length);
        const i = rest.lastIndexOf(".");
        return ["plan", rest.slice(0, i), rest.slice(i + 1)];
    }
    const rest = field.slice(MAILBOX_FIELD.length);
    const i = rest.lastIndexOf(".");
    const p = rest.slice(i + 1);
    return (PROTOCOLS as readonly string[]).includes(p) && i > 0 ? ["mailbox", rest.slice(0, i), p] : ["mailbox", rest, ""];
}

/** The changes that write something (no bookkeeping ones). */
function dataChanges(desired: MailboxProtocolsDesired, live: MailboxProtocolsLive): FieldChange[] {
    const changes: FieldChange[] = [];
    for (const [plan, have] of Object.entries(live.casMailboxPlans ?? {})) {
        const want = planTarget(desired, plan);
        for (const p of PLAN_PROTOCOLS) {
            if (want[p] !== undefined && have[p] !== want[p])
                changes.push({ field: `${PLAN_FIELD}${plan}.${p}`, from: have[p], to: want[p] });
        }
    }
    for (const [address, have] of Object.entries(live.differing ?? {})) {
        const want = targetOf(desired, address);
        if (have === "mailboxNotFound") {
            changes.push({ field: `${MAILBOX_FIELD}${address}`, from: "mailboxNotFound", to: want });
            continue;
        }
        for (const p of PROTOCOLS) {
            if (have[p] !== undefined && want[p] !== undefined && have[p] !== want[p])
                changes.push({ field: `${MAILBOX_FIELD}${address}.${p}`, from: have[p], to: want[p] });
        }
    }
    return changes;
}

/**
 * The confirmation of a large change: "mailbox-protocols:<count>:<digest>", the digest over the sorted
 * "address:protocol=value" lines of the change (and the plans'), so the same count with other mailboxes
 * or other values needs a new one.
 */
export function mailboxProtocolsConfirmation(lines: readonly string[]): string {
    return confirmationOf("mailbox-protocols", lines);
}

function validateValues(v: Record<string, unknown> | undefined, key: string, failures: ValidationFailure[]): void {
    if (v && PROTOCOLS.every((p) => v[p] === undefined)) {
        failures.push({ property: key, reason: `${key} names no protocol: give at least one of ${PROTOCOLS.join(", ")}` });
    }
}

export const mailboxProtocols: TenantSetting<MailboxProtocolsDesired, MailboxProtocolsLive> = {
    type: "MailboxProtocols",
    title: "Mailbox protocols",
    itemFields: { mailboxes: "mailboxes" },
    resolvedFields: mailboxProtocolsDeclaration.resolvedFields,
    internalFields: mailboxProtocolsDeclaration.internalFields,
    plannedTransitions: (inputs) =>
        Object.entries((inputs.planned as Record<string, number> | undefined) ?? {}).map(([t, count]) => {
            const [from, to] = t.split(" -> ");
            return { from, to, count };
        }),
    weakens: (c) => {
        if (!c.field.startsWith(MAILBOX_FIELD) && !c.field.startsWith(PLAN_FIELD) && c.field !== "mailboxes" && c.field !== "plans")
            return undefined;
        if (c.to === true || c.to === "enabled") return "a legacy mailbox protocol switched on";
        return undefined;
    },
    permissions: { service: "exchange", read: [EXCHANGE_MANAGE_AS_APP], write: [EXCHANGE_MANAGE_AS_APP] },
    onDelete: "Removing the resource stops managing mailbox protocols; every mailbox and CAS mailbox plan keeps the values it has.",
    // The plumbing too: a refresh's read validates the recorded confirmations and config key with the rest.
    inputKeys: [...mailboxProtocolsDeclaration.inputKeys, ...mailboxProtocolsDeclaration.internalFields],
    schema: mailboxProtocolsDeclaration.schema,

    validate(inputs) {
        const failures: ValidationFailure[] = [...mailboxProtocolsDeclaration.validate(inputs).failures];
        if (failures.length) return { failures };
        const defaults = inputs.defaults as ProtocolValues | undefined;
        const exceptions = (inputs.exceptions as ProtocolException[] | undefined)?.map((e) => ({
            ...e,
            mailboxes: e.mailboxes.map((m) => String(m).trim()),
        }));
        validateValues(defaults as any, "defaults", failures);
        exceptions?.forEach((e, i) => {
            validateValues(e as any, `exceptions[${i}]`, failures);
        });
        for (const [plan, v] of Object.entries((inputs.plans as Record<string, PlanValues> | undefined) ?? {})) {
            if (PLAN_PROTOCOLS.every((p) => v[p] === undefined))
                failures.push({
                    property: `plans.${plan}`,
                    reason: `plans.${plan} names no protocol: give pop, imap or activeSync (a CAS mailbox plan has no SMTP AUTH setting)`,
                });
        }
        if (!defaults && !exceptions?.length && !inputs.plans) {
            failures.push({
                property: "defaults",
                reason: "mailbox protocols would manage nothing: set defaults (every mailbox and CAS mailbox plan), plans or exceptions",
            });
        }
        const seen = new Map<string, string>();
        exceptions?.forEach((e, i) => {
            e.mailboxes.forEach((m, j) => {
                const k = m.toLowerCase();
                if (seen.has(k))
                    failures.push({
                        property: `exceptions[${i}].mailboxes[${j}]`,
                        reason: `${m} is already named at ${seen.get(k)}; name each mailbox in one exception`,
                    });
                else seen.set(k, `exceptions[${i}].mailboxes[${j}]`);
            });
        });
        const desired: MailboxProtocolsDesired = {
            ...(defaults ? { defaults } : {}),
            ...(inputs.plans ? { plans: inputs.plans as Record<string, PlanValues> } : {}),
            ...(exceptions ? { exceptions } : {}),
            ...(inputs.maxMailboxChanges !== undefined ? { maxMailboxChanges: inputs.maxMailboxChanges as number } : {}),
            ...(inputs.confirm ? { confirm: inputs.confirm as string[] } : {}),
            ...(inputs.configKey ? { configKey: inputs.configKey as string } : {}),
            ...(inputs.exceptionAddresses ? { exceptionAddresses: inputs.exceptionAddresses as Record<string, number> } : {}),
            ...(inputs.planned ? { planned: inputs.planned as Record<string, number> } : {}),
            ...(inputs.mailboxes ? { mailboxes: inputs.mailboxes as MailboxProtocolsDesired["mailboxes"] } : {}),
        };
        return { desired, failures };
    },

    async prepare(clients, desired) {
        await exchangeReadPreflight(clients, mailboxProtocols.title);
        const key = desired.configKey ?? "mailboxProtocols";
        const failures: ValidationFailure[] = [];
        // Each exception's mailboxes, resolved by Get-CASMailbox -Identity (UPN or address).
        const refs = (desired.exceptions ?? []).flatMap((e, i) => e.mailboxes.map((ref, j) => ({ ref, i, j })));
        const resolved = await mapLimited(refs, EXCHANGE_CONCURRENCY, async ({ ref }) => {
            try {
                const [m] = await clients.exchange.invoke(CAS_MAILBOX_READ, { Identity: ref });
                return m ? addressOf(m) : undefined;
            } catch (err) {
                if (isExchangeNotFound(err)) return undefined;
                throw err;
            }
        });
        const exceptionAddresses: Record<string, number> = {};
        const where = new Map<string, string>();
        refs.forEach(({ ref, i, j }, n) => {
            const address = resolved[n];
            const at = `exceptions[${i}].mailboxes[${j}]`;
            if (!address) {
                failures.push({
                    property: at,
                    reason:
                        `no such mailbox in Exchange Online: ${ref} (${key}.${at}). Name the mailbox by its user principal name ` +
                        "or primary SMTP address (Get-Mailbox -Identity <name> shows it), or remove it.",
                });
            } else if (where.has(address)) {
                failures.push({
                    property: at,
                    reason: `${ref} is the mailbox ${address}, already named at ${key}.${where.get(address)}; name it once`,
                });
            } else {
                where.set(address, at);
                exceptionAddresses[address] = i;
            }
        });
        const [mailboxes, plans] = await Promise.all([
            readMailboxes(clients),
            managesPlans(desired) ? readPlans(clients) : Promise.resolve({} as Record<string, PlanValues & { name: string }>),
        ]);
        for (const plan of Object.keys(desired.plans ?? {})) {
            if (!(plan in plans)) {
                failures.push({
                    property: `plans.${plan}`,
                    reason:
                        `no CAS mailbox plan named ${plan} in this tenant (${key}.plans.${plan}); its plans are ` +
                        `${Object.keys(plans).sort().join(", ") || "none"} (Get-CASMailboxPlan)`,
                });
            }
        }
        if (failures.length) return { failures };
        const resolvedDesired: MailboxProtocolsDesired = { ...desired, exceptionAddresses: sortKeys(exceptionAddresses), mailboxes: {} };
        const live = compare(resolvedDesired, mailboxes, plans);
        const managesSmtp = Object.values(live.differing).some((d) => d !== "mailboxNotFound" && d.smtpAuth !== undefined);
        const orgSmtpAuthDisabled = managesSmtp ? await readOrgSmtpAuthDisabled(clients) : undefined;
        const { lines, planned, mailboxes: changing, turnedOn } = plannedOf(resolvedDesired, live, orgSmtpAuthDisabled);
        if (lines.length) {
            await engineLog(
                "info",
                `Mailbox protocols: ${changing.toLocaleString("en")} of ${mailboxes.size.toLocaleString("en")} mailboxes ` +
                    "change (the tenant as read now): " +
                    Object.entries(planned)
                        .map(([t, n]) => `${t}: ${n.toLocaleString("en")}`)
                        .join("; "),
            );
        }
        // The blast-radius guard: many mailboxes at once need a confirmation that names the change.
        const max = desired.maxMailboxChanges ?? DEFAULT_MAX_MAILBOX_CHANGES;
        if (changing > max) {
            const token = mailboxProtocolsConfirmation(lines);
            if (!(desired.confirm ?? []).includes(token)) {
                failures.push({
                    property: "guards",
                    reason:
                        `this plan changes the protocols of ${changing.toLocaleString("en")} mailboxes (the limit is ${max}: ` +
                        `${key}.maxMailboxChanges): ` +
                        Object.entries(planned)
                            .map(([t, n]) => `${t}: ${n.toLocaleString("en")}`)
                            .join("; ") +
                        `. If that is intended, add "${token}" to m365-mfa:baseline.guards.confirm and preview again; nothing was changed.`,
                });
            }
        }
        // Weakening is never silent: a protocol switched on where the tenant has it off.
        const weakenings = Object.entries(turnedOn).map(
            ([what, n]) =>
                `${what} switched on for ${n} ${what.includes("plan") ? "plan" : "mailbox"}` +
                `${n === 1 ? "" : what.includes("plan") ? "s" : "es"}`,
        );
        const refusal = weakeningRefusal(
            "mailbox-protocols",
            weakenings,
            Object.entries(planned)
                .filter(([t]) => / -> (on|enabled)$/.test(t))
                .map(([t, n]) => ({ field: t.split(":")[0], from: `${t.split(": ")[1].split(" -> ")[0]} (${n})`, to: t.split(" -> ")[1] })),
            desired.confirm,
        );
        if (refusal) failures.push({ ...refusal, property: "guards" });
        if (failures.length) return { failures };
        // SMTP AUTH off for mailboxes that send with it: who stops, Microsoft's dates, exceptions apart.
        if (managesSmtp) await warnSmtpOff(clients, resolvedDesired, live, key, orgSmtpAuthDisabled);
        return { desired: { ...resolvedDesired, planned }, failures: [], live };
    },

    async read(clients, desired, context) {
        const fresh = context?.checked.find((l) => l.targetsDigest === targetsDigest(desired));
        if (fresh) return fresh;
        const [mailboxes, plans] = await Promise.all([
            readMailboxes(clients),
            managesPlans(desired) ? readPlans(clients) : Promise.resolve({}),
        ]);
        return compare(desired, mailboxes, plans);
    },

    desiredFromLive(live, desired) {
        const mailboxes: NonNullable<MailboxProtocolsDesired["mailboxes"]> = {};
        for (const [address, have] of Object.entries(live.differing ?? {})) mailboxes[address] = have;
        return { ...desired, mailboxes };
    },

    diff(desired, live) {
        const changes = dataChanges(desired, live);
        if (live.targetsDigest !== undefined && live.targetsDigest !== targetsDigest(desired)) {
            // The config changed since the tenant was read: an update reads it again and writes what differs.
            changes.push({ field: "targets", from: "as last applied", to: "defaults, plans or exceptions changed" });
        }
        return changes;
    },

    async apply(clients, _desired, _live, changes) {
        const exo = clients.exchange;
        const perMailbox = new Map<string, Record<string, unknown>>();
        const perPlan = new Map<string, Record<string, unknown>>();
        const missing: string[] = [];
        for (const c of changes) {
            if (c.field === "targets") continue;
            const [kind, name, p] = splitField(c.field);
            if (kind === "mailbox" && !p) {
                missing.push(name);
                continue;
            }
            const params = kind === "plan" ? perPlan : perMailbox;
            const entry = params.get(name) ?? { Identity: name };
            entry[PARAM[p as Protocol]] = toExchange(p as Protocol, c.to as boolean | SmtpAuthState);
            params.set(name, entry);
        }
        const failed: string[] = [];
        const progress = progressReporter("Mailbox protocols: writing mailboxes:", undefined);
        let done = 0;
        const writes = [...perMailbox.values()];
        await mapLimited(writes, EXCHANGE_CONCURRENCY, async (params) => {
            try {
                await exo.invoke(CAS_MAILBOX_WRITE, params);
            } catch (err) {
                if (err instanceof TenantApiError && err.status === 403) throw err; // the adapter names the permission
                if (isExchangeNotFound(err)) missing.push(String(params.Identity));
                else
                    failed.push(
                        `${params.Identity}: ${err instanceof TenantApiError ? `${err.status ?? "no answer"} ${err.detail}` : String(err)}`,
                    );
            }
            progress(++done, writes.length);
        });
        // The plans last: new mailboxes get the defaults once every existing one has them.
        const plans = perPlan.size ? await readPlans(clients) : {};
        for (const [plan, params] of perPlan) {
            params.Identity = plans[plan]?.name ?? plan;
            await exo.invoke(CAS_PLAN_WRITE, params);
        }
        if (failed.length || missing.length) {
            throw new PartialFailureError(
                "mailboxes",
                perMailbox.size + missing.length,
                failed,
                missing,
                "run pulumi preview again to re-resolve the exceptions",
                "Run the update again to retry; mailboxes already changed are not touched twice.",
            );
        }
    },

    id(tenantId) {
        return `${tenantId}/mailboxProtocols`;
    },
};

/** Warns when the plan turns SMTP AUTH off for mailboxes (providers/framework/smtpAuthSenders.ts), naming Microsoft's dates. */
async function readOrgSmtpAuthDisabled(clients: TenantClients): Promise<boolean | undefined> {
    try {
        const [config] = await clients.exchange.invoke(TRANSPORT_CONFIG_READ);
        return typeof config?.SmtpClientAuthenticationDisabled === "boolean" ? config.SmtpClientAuthenticationDisabled : undefined;
    } catch {
        return undefined;
    }
}

async function warnSmtpOff(
    clients: TenantClients,
    desired: MailboxProtocolsDesired,
    live: MailboxProtocolsLive,
    key: string,
    orgDisabled: boolean | undefined,
): Promise<void> {
    const smtpChanges = Object.entries(live.differing).filter(([, d]) => d !== "mailboxNotFound" && d.smtpAuth !== undefined) as [
        string,
        Partial<ProtocolValues>,
    ][];
    if (!smtpChanges.length) return;
    const on = (s: SmtpAuthState) => s === "enabled" || (s === "followsOrganization" && orgDisabled === false);
    const off = smtpChanges.filter(([address, have]) => on(have.smtpAuth!) && !on(targetOf(desired, address).smtpAuth!)).map(([a]) => a);
    if (!off.length) return;
    const keep = Object.keys(desired.exceptionAddresses ?? {}).filter((a) => targetOf(desired, a).smtpAuth === "enabled");
    for (const e of desired.exceptions ?? []) if (e.smtpAuth === "enabled") keep.push(...e.mailboxes);
    await warnSmtpAuthOff(clients, `SMTP AUTH off for ${off.length} mailbox${off.length === 1 ? "" : "es"} (${key})`, keep, {
        affected: off,
        exceptionsKey: `${key}.exceptions`,
    });
}
