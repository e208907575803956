import { TenantApiError, type TenantClients } from "../../client";
import { type FieldChange, TENANT_AT_PREVIEW, type TenantSetting, type ValidationFailure } from "../../providers/framework/setting";
import { type DesiredOf, type LiveOf, declareSetting } from "../../providers/framework/declare";
import { boolWith, list, map, oneOf, str } from "../../providers/framework/validation";
import { EXCHANGE_MANAGE_AS_APP, exchangeReadPreflight, isExchangeNotFound } from "../../providers/framework/exchange";
import { mapLimited } from "../../providers/framework/pool";
import { PartialFailureError, nameList } from "../../providers/framework/report";
import { warnSmtpAuthOff } from "../../providers/framework/smtpAuthSenders";

/**
 * SMTP AUTH (authenticated SMTP submission, client port 587) in Exchange Online: the organisation-wide
 * switch Set-TransportConfig -SmtpClientAuthenticationDisabled, and each mailbox's own
 * Set-CASMailbox -SmtpClientAuthenticationDisabled, which is $true/$false to override the
 * organisation or $null to follow it.
 *
 * One resource holds:
 * - disabledForOrganization: the organisation switch (true for organisations created after January 2020);
 * - exceptions: mailboxes that keep SMTP AUTH although the organisation has it off (a printer or a
 *   line-of-business app), named by user principal name or primary SMTP address and resolved to
 *   mailboxes at plan time, so an unknown one fails the preview and the preview lists each;
 * - manageAllMailboxes: when true the resource owns every mailbox: any other mailbox with its own
 *   value (true or false) is reset to $null and follows the organisation. When false (the default)
 *   mailboxes not named are left alone, and removing a mailbox from exceptions stops managing it
 *   (it keeps SMTP AUTH until someone resets it).
 *
 * Each mailbox's value is said in words rather than Exchange's double negative:
 * "enabled" = SmtpClientAuthenticationDisabled $false, "disabled" = $true,
 * "followsOrganization" = $null. Mailboxes are keyed by primary SMTP address in lower case (Get-CASMailbox
 * reports no user principal name), and field names read `mailboxes.<address>`.
 *
 * Note: an authentication policy that blocks Basic authentication for SMTP (AuthenticationPolicy,
 * allowBasicAuth.Smtp false) also blocks Basic SMTP AUTH for these exceptions; allow Smtp in the
 * policy that applies to them.
 */
export const MAILBOX_SMTP_AUTH_STATES = ["enabled", "disabled", "followsOrganization"] as const;
export type MailboxSmtpAuth = (typeof MAILBOX_SMTP_AUTH_STATES)[number];
export type ObservedMailboxSmtpAuth = MailboxSmtpAuth | "mailboxNotFound";

/** The inputs and outputs of SMTP AUTH, declared once. */
export const smtpAuthDeclaration = declareSetting({
    inputs: {
        /** SMTP AUTH off for the organisation (Set-TransportConfig -SmtpClientAuthenticationDisabled). */
        disabledForOrganization: boolWith(
            "true turns SMTP AUTH off for the organisation (Set-TransportConfig -SmtpClientAuthenticationDisabled $true), " +
                "and exceptions keep it for named mailboxes",
        ),
        /** Mailboxes that keep SMTP AUTH (a printer, an app), by user principal name or primary SMTP address. */
        exceptions: list(str({ pattern: /^\s*[^@\s]+@[^@\s]+\s*$/, hint: "a user principal name or primary SMTP address (name@domain)" }), {
            hint: 'of mailboxes, e.g. ["scanner@contoso.com"]',
        }),
        /** When true, every other mailbox with its own SMTP AUTH value is reset to follow the organisation. */
        manageAllMailboxes: boolWith(
            "true resets every mailbox not in exceptions to follow the organisation, false leaves mailboxes not named alone",
        ),
    },
    required: ["disabledForOrganization"],
    resolved: {
        /** Resolved at plan time: primary SMTP address (lower case) -> the value that mailbox must have. */
        mailboxes: map(oneOf(MAILBOX_SMTP_AUTH_STATES), { hint: "computed at plan time from exceptions; do not set it" }),
    },
    tenantAtPreview: true,
    outputs: {
        /**
         * What Exchange reports for each managed mailbox (and, with manageAllMailboxes, for every mailbox
         * that has its own value), by primary SMTP address in lower case ("mailboxNotFound" when it is gone).
         */
        observedMailboxes: map(oneOf([...MAILBOX_SMTP_AUTH_STATES, "mailboxNotFound"])),
        /** Which mailboxes the read covered: "namedMailboxes", or "allMailboxes" with manageAllMailboxes. */
        readScope: oneOf(["namedMailboxes", "allMailboxes"]),
    },
});

export type SmtpAuthDesired = DesiredOf<typeof smtpAuthDeclaration>;
export type SmtpAuthLive = LiveOf<typeof smtpAuthDeclaration>;

export const TRANSPORT_CONFIG_READ = "Get-TransportConfig";
export const TRANSPORT_CONFIG_WRITE = "Set-TransportConfig";
export const CAS_MAILBOX_READ = "Get-CASMailbox";
export const CAS_MAILBOX_WRITE = "Set-CASMailbox";

/** Cmdlets in flight at once for per-mailbox reads and writes. */
const CONCURRENCY = 4;
const MAILBOX_FIELD = "mailboxes.";

const isState = (v: unknown): v is MailboxSmtpAuth => typeof v === "string" && (MAILBOX_SMTP_AUTH_STATES as readonly string[]).includes(v);

/** Exchange's SmtpClientAuthenticationDisabled ($true/$false/$null) in words. */
export function fromExchange(disabled: unknown): MailboxSmtpAuth {
    return disabled === true ? "disabled" : disabled === false ? "enabled" : "followsOrganization";
}

export function toExchange(state: MailboxSmtpAuth): boolean | null {
    return state === "disabled" ? true : state === "enabled" ? false : null;
}

function addressOf(mailbox: Record<string, any>): string {
    const address = mailbox?.PrimarySmtpAddress;
    if (typeof address !== "string" || !address.includes("@")) {
        throw new Error(
            `Exchange Online's ${CAS_MAILBOX_READ} returned a mailbox without a PrimarySmtpAddress (` +
                `${JSON.stringify(mailbox?.Identity ?? mailbox?.Name)})`,
        );
    }
    return address.toLowerCase();
}

function sorted<V>(map: Record<string, V>): Record<string, V> {
    return Object.fromEntries(
        Object.keys(map)
            .sort()
            .map((k) => [k, map[k]]),
    );
}

/** Reads each mailbox by -Identity; a mailbox Exchange no longer has is "mailboxNotFound". */
async function readEach(
    clients: TenantClients,
    addresses: readonly string[],
    previous: Record<string, ObservedMailboxSmtpAuth>,
): Promise<Record<string, ObservedMailboxSmtpAuth>> {
    const observed = { ...previous };
    const states = await mapLimited(addresses, CONCURRENCY, async (address): Promise<ObservedMailboxSmtpAuth> => {
        try {
            const [m] = await clients.exchange.invoke(CAS_MAILBOX_READ, { Identity: address });
            return m ? fromExchange(m.SmtpClientAuthenticationDisabled) : "mailboxNotFound";
        } catch (err) {
            if (isExchangeNotFound(err)) {
                return "mailboxNotFound";
            }
            throw err;
        }
    });
    addresses.forEach((a, i) => {
        observed[a] = states[i];
    });
    return observed;
}

/** Every mailbox (all pages): primary SMTP address -> its own value. */
async function readAll(clients: TenantClients): Promise<Map<string, MailboxSmtpAuth>> {
    const all = await clients.exchange.invoke(CAS_MAILBOX_READ, { ResultSize: "Unlimited" });
    return new Map(all.map((m) => [addressOf(m), fromExchange(m.SmtpClientAuthenticationDisabled)]));
}

async function readOrganization(clients: TenantClients): Promise<boolean> {
    const [config] = await clients.exchange.invoke(TRANSPORT_CONFIG_READ);
    if (typeof config?.SmtpClientAuthenticationDisabled !== "boolean") {
        throw new Error(`Exchange Online's ${TRANSPORT_CONFIG_READ} returned no SmtpClientAuthenticationDisabled`);
    }
    return config.SmtpClientAuthenticationDisabled;
}

/** The mailboxes a read must cover: the resolved ones, or (before resolution) the exceptions as written. */
function managedAddresses(desired: Partial<SmtpAuthDesired>): string[] {
    if (desired.mailboxes) {
        return Object.keys(desired.mailboxes);
    }
    return [...new Set((desired.exceptions ?? []).map((e) => e.toLowerCase()))];
}

export const smtpAuth: TenantSetting<SmtpAuthDesired, SmtpAuthLive> = {
    type: "SmtpAuth",
    title: "SMTP AUTH",
    itemFields: { mailboxes: "mailboxes" },
    resolvedFields: smtpAuthDeclaration.resolvedFields,
    weakens: (c) =>
        c.field === "disabledForOrganization" && c.from === true && c.to === false
            ? "SMTP AUTH (basic authentication) switched back on for the organisation"
            : c.field === "mailboxes" && c.to === "enabled" && c.from !== "enabled"
              ? "SMTP AUTH kept for a mailbox"
              : undefined,
    permissions: {
        service: "exchange",
        read: [EXCHANGE_MANAGE_AS_APP],
        write: [EXCHANGE_MANAGE_AS_APP],
    },
    onDelete:
        "Removing the resource stops managing SMTP AUTH; Exchange Online keeps the organisation switch and every " +
        "mailbox's own value as they are, so the exceptions keep SMTP AUTH.",
    inputKeys: smtpAuthDeclaration.inputKeys,
    schema: smtpAuthDeclaration.schema,

    validate(inputs) {
        const checked = smtpAuthDeclaration.validate(inputs);
        if (!checked.desired) {
            return checked;
        }
        const given = checked.desired as SmtpAuthDesired;
        const exceptions = given.exceptions?.map((x) => x.trim());
        const org = given.disabledForOrganization;
        const desired: SmtpAuthDesired = {
            disabledForOrganization: org,
            ...(exceptions ? { exceptions } : {}),
            ...(given.manageAllMailboxes !== undefined ? { manageAllMailboxes: given.manageAllMailboxes } : {}),
            ...(given.mailboxes ? { mailboxes: given.mailboxes } : {}),
        };
        // Conflicts: the input is well-formed but says two things at once. The desired state is still
        // returned, so a refresh of state recorded before the conflict can read the tenant.
        const conflicts: ValidationFailure[] = [];
        const seen = new Map<string, string>();
        const twice = new Set<string>();
        for (const e of exceptions ?? []) {
            if (seen.has(e.toLowerCase())) {
                twice.add(e);
            }
            seen.set(e.toLowerCase(), e);
        }
        if (twice.size) {
            conflicts.push({
                property: "exceptions",
                reason: `exceptions lists ${nameList([...twice])} more than once; list each mailbox once`,
            });
        }
        if (org === false && exceptions?.length) {
            conflicts.push({
                property: "exceptions",
                reason:
                    `exceptions keep SMTP AUTH on for mailboxes while the organisation has it off, but disabledForOrganization is false, ` +
                    `so every mailbox that follows the organisation has SMTP AUTH already; remove exceptions, or set ` +
                    `disabledForOrganization: true to turn SMTP AUTH off for everyone else`,
            });
        }
        return { desired, failures: conflicts };
    },

    async prepare(clients, desired) {
        await exchangeReadPreflight(clients, smtpAuth.title);
        const failures: ValidationFailure[] = [];
        const exceptions = desired.exceptions ?? [];
        // Resolve each exception to its mailbox: Get-CASMailbox -Identity takes a UPN or an address.
        const resolved = await mapLimited(exceptions, CONCURRENCY, async (ref) => {
            try {
                const [m] = await clients.exchange.invoke(CAS_MAILBOX_READ, { Identity: ref });
                return m ? addressOf(m) : undefined;
            } catch (err) {
                if (isExchangeNotFound(err)) {
                    return undefined;
                }
                throw err;
            }
        });
        const unknown = exceptions.filter((_r, i) => resolved[i] === undefined);
        if (unknown.length) {
            failures.push({
                property: "exceptions",
                reason:
                    `no such mailbox in Exchange Online: ${nameList(unknown)}. Name each exception by its user principal name or ` +
                    `primary SMTP address (Get-Mailbox -Identity <name> shows it), or remove it.`,
            });
        }
        const refsOf = new Map<string, string[]>();
        exceptions.forEach((ref, i) => {
            const address = resolved[i];
            if (address) {
                refsOf.set(address, [...(refsOf.get(address) ?? []), ref]);
            }
        });
        for (const [address, refs] of refsOf) {
            if (refs.length > 1) {
                failures.push({ property: "exceptions", reason: `${refs.join(" and ")} are the same mailbox (${address}); list it once` });
            }
        }
        if (failures.length) {
            return { failures };
        }
        const mailboxes: Record<string, MailboxSmtpAuth> = {};
        for (const address of refsOf.keys()) {
            mailboxes[address] = "enabled";
        }
        const resetOn: string[] = []; // mailboxes that had SMTP AUTH on their own and go back to the organisation's
        if (desired.manageAllMailboxes) {
            // Every other mailbox with its own value goes back to following the organisation.
            for (const [address, state] of await readAll(clients)) {
                if (!(address in mailboxes) && state !== "followsOrganization") {
                    if (state === "enabled") resetOn.push(address);
                    mailboxes[address] = "followsOrganization";
                }
            }
        }
        // The organisation switch as the tenant has it (the plan's from-value, also for a create), and,
        // when this plan turns SMTP AUTH off, who still uses it (they stop working; exceptions keep it).
        const org = await readOrganization(clients);
        // Who still sends with Basic SMTP AUTH, Microsoft's dates, and the exceptions apart (providers/framework/smtpAuthSenders.ts).
        const keep = new Set([
            ...Object.keys(mailboxes).filter((a) => mailboxes[a] === "enabled"),
            ...exceptions.map((e) => e.toLowerCase()),
        ]);
        if (desired.disabledForOrganization && !org) {
            await warnSmtpAuthOff(clients, "SMTP AUTH off for the organisation", keep);
        } else if (desired.disabledForOrganization && resetOn.length) {
            await warnSmtpAuthOff(
                clients,
                `SMTP AUTH off for ${resetOn.length} mailbox${resetOn.length === 1 ? "" : "es"} that had it on their own`,
                keep,
                { affected: resetOn },
            );
        }
        return {
            desired: { ...desired, mailboxes: sorted(mailboxes), [TENANT_AT_PREVIEW]: { disabledForOrganization: org } },
            failures: [],
        };
    },

    async read(clients, desired) {
        const disabledForOrganization = await readOrganization(clients);
        const named = managedAddresses(desired);
        let observed: Record<string, ObservedMailboxSmtpAuth>;
        if (desired.manageAllMailboxes) {
            const all = await readAll(clients);
            observed = Object.fromEntries(named.map((a) => [a, all.get(a) ?? "mailboxNotFound"]));
            for (const [address, state] of all) {
                if (state !== "followsOrganization") {
                    observed[address] = state;
                }
            }
        } else {
            observed = await readEach(clients, named, {});
        }
        return {
            disabledForOrganization,
            observedMailboxes: sorted(observed),
            readScope: desired.manageAllMailboxes ? "allMailboxes" : "namedMailboxes",
        };
    },

    async reread(clients, _desired, live, changes) {
        const addresses = changes.filter((c) => c.field.startsWith(MAILBOX_FIELD)).map((c) => c.field.slice(MAILBOX_FIELD.length));
        const disabledForOrganization = changes.some((c) => c.field === "disabledForOrganization")
            ? await readOrganization(clients)
            : live.disabledForOrganization;
        const observed = await readEach(clients, addresses, live.observedMailboxes ?? {});
        return { ...live, disabledForOrganization, observedMailboxes: sorted(observed) };
    },

    desiredFromLive(live, desired) {
        const observed = live.observedMailboxes ?? {};
        const mailboxes: Record<string, MailboxSmtpAuth> = {};
        for (const [address, want] of Object.entries(desired.mailboxes ?? {})) {
            const have = observed[address];
            mailboxes[address] = have === undefined || have === "mailboxNotFound" ? want : have;
        }
        if (live.readScope === "allMailboxes") {
            // A mailbox given its own value since the plan (e.g. in the admin center) shows as drift.
            for (const [address, have] of Object.entries(observed)) {
                if (!(address in mailboxes) && isState(have) && have !== "followsOrganization") {
                    mailboxes[address] = have;
                }
            }
        }
        return {
            disabledForOrganization: live.disabledForOrganization,
            ...(desired.exceptions ? { exceptions: desired.exceptions } : {}),
            ...(desired.manageAllMailboxes !== undefined ? { manageAllMailboxes: desired.manageAllMailboxes } : {}),
            mailboxes: sorted(mailboxes),
        };
    },

    diff(desired, live) {
        const changes: FieldChange[] = [];
        if (live.disabledForOrganization !== desired.disabledForOrganization) {
            changes.push({ field: "disabledForOrganization", from: live.disabledForOrganization, to: desired.disabledForOrganization });
        }
        const allMailboxes = desired.manageAllMailboxes === true;
        if (live.readScope !== undefined && (live.readScope === "allMailboxes") !== allMailboxes) {
            // Nothing to write, but the recorded state must learn the new scope (or a refresh keeps the old one).
            changes.push({ field: "manageAllMailboxes", from: live.readScope === "allMailboxes", to: allMailboxes });
        }
        const want = desired.mailboxes ?? {};
        const observed = live.observedMailboxes ?? {};
        for (const [address, state] of Object.entries(want)) {
            const have = observed[address];
            // A mailbox that was to be reset and no longer exists needs nothing.
            if (have !== state && !(state === "followsOrganization" && have === "mailboxNotFound")) {
                changes.push({ field: `${MAILBOX_FIELD}${address}`, from: have, to: state });
            }
        }
        for (const [address, have] of Object.entries(observed)) {
            if (address in want) {
                continue;
            }
            if (allMailboxes) {
                if (have !== "followsOrganization" && have !== "mailboxNotFound") {
                    changes.push({ field: `${MAILBOX_FIELD}${address}`, from: have, to: "followsOrganization" });
                }
            } else {
                // No longer named: stop managing it (nothing is written; the recorded state forgets it).
                changes.push({ field: `${MAILBOX_FIELD}${address}`, from: have, to: undefined });
            }
        }
        return changes;
    },

    async apply(clients, desired, _live, changes) {
        const exo = clients.exchange;
        const mailboxChanges = changes.filter((c) => c.field.startsWith(MAILBOX_FIELD) && isState(c.to));
        const missing = mailboxChanges.filter((c) => c.from === "mailboxNotFound").map((c) => c.field.slice(MAILBOX_FIELD.length));
        const failed: string[] = [];
        const setMailboxes = (list: FieldChange[]) =>
            mapLimited(
                list.filter((c) => c.from !== "mailboxNotFound"),
                CONCURRENCY,
                async (c) => {
                    const address = c.field.slice(MAILBOX_FIELD.length);
                    try {
                        await exo.invoke(CAS_MAILBOX_WRITE, {
                            Identity: address,
                            SmtpClientAuthenticationDisabled: toExchange(c.to as MailboxSmtpAuth),
                        });
                    } catch (err) {
                        if (err instanceof TenantApiError && err.status === 403) {
                            throw err; // the adapter names the permission
                        }
                        if (isExchangeNotFound(err)) {
                            missing.push(address);
                        } else {
                            failed.push(
                                `${address}: ${err instanceof TenantApiError ? `${err.status ?? "no answer"} ${err.detail}` : String(err)}`,
                            );
                        }
                    }
                },
            );
        // Exceptions first, so a mailbox that must keep SMTP AUTH never loses it while the organisation
        // switch goes off; then the organisation; then the mailboxes that go back to following it.
        await setMailboxes(mailboxChanges.filter((c) => c.to === "enabled"));
        const org = changes.find((c) => c.field === "disabledForOrganization");
        if (org && (failed.length || missing.length) && desired.disabledForOrganization) {
            throw new Error(
                `could not keep SMTP AUTH for ${nameList([...failed, ...missing])}, so the organisation switch was not turned off ` +
                    `(those mailboxes would have lost SMTP AUTH). ` +
                    (missing.length ? `Mailboxes that no longer exist: run pulumi preview again to re-resolve the exceptions. ` : "") +
                    `Run the update again to retry.`,
            );
        }
        if (org) {
            await exo.invoke(TRANSPORT_CONFIG_WRITE, { SmtpClientAuthenticationDisabled: desired.disabledForOrganization });
        }
        await setMailboxes(mailboxChanges.filter((c) => c.to !== "enabled"));
        if (failed.length || missing.length) {
            throw new PartialFailureError(
                "mailboxes",
                mailboxChanges.length,
                failed,
                missing,
                "run pulumi preview again to re-resolve the exceptions",
                "Run the update again to retry; mailboxes already changed are not touched twice.",
            );
        }
    },

    id(tenantId) {
        return `${tenantId}/smtpAuth`;
    },
};
