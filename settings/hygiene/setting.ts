import { MissingPermissionError, type TenantClients } from "../../client";
import { type BatchCall, type BatchResult, runBatched } from "../../client/batch";
import { PartialFailureError, nameList } from "../../providers/framework/report";
import type { FieldChange, TenantSetting, ValidationFailure } from "../../providers/framework/setting";
import { type DesiredOf, type LiveOf, declareSetting } from "../../providers/framework/declare";
import { bool, list, map, str } from "../../providers/framework/validation";

/**
 * Session and method hygiene for named users, as an explicit, previewable operation:
 * - revokeSessions: POST /users/{id}/revokeSignInSessions (refresh and session tokens issued before now
 *   stop working; Graph answers 200 {"value": true});
 * - requireReregistration: delete the users' registered authentication methods
 *   (/users/{id}/authentication/{phoneMethods|microsoftAuthenticatorMethods|...}/{id}), the default method
 *   last (Graph refuses to delete the default while others exist), keeping the password, so the user
 *   registers again at the next sign-in.
 *
 * It runs on create and whenever `trigger` changes, for the users named; never on an `up` that does not
 * change the trigger. The live state is "the trigger this operation last completed with, per user",
 * which only the resource's own state knows (the tenant keeps no record of it): it is the `lastRun`
 * output, carried into update and refresh (stateKeys), so refresh keeps a completed run as it is.
 * diff reports a change only for users whose last run is not the current trigger (a new trigger, or a
 * user added to the list) and for users taken off the list; changing revokeSessions or
 * requireReregistration alone runs nothing (it applies from the next trigger).
 *
 * Users are resolved at plan time (UPN or object id; an unknown user fails the preview, naming it), and
 * the resolved list is an input, so the preview shows exactly who is affected. Calls go through Graph
 * JSON batching (20 per batch, per-item retries). Per user the steps run in order (methods, then
 * sessions, so tokens issued while the methods were being removed are revoked too); a user whose step
 * fails is not taken further. A partial failure ends with an error naming the users not done and why.
 * Running again with the same trigger finishes the rest: every step is idempotent (methods already
 * gone are not there to delete; revoking sessions again only moves the revocation time).
 *
 * Permissions: User.Read.All to resolve the users at plan time; UserAuthenticationMethod.ReadWrite.All
 * to remove methods; User.RevokeSessions.All to revoke sessions. Each is checked before the first write.
 */
/** The inputs and outputs of a hygiene operation, declared once. */
export const userHygieneDeclaration = declareSetting({
    inputs: {
        /** The users, by user principal name or object id (resolved at plan time; the preview lists them). */
        users: list(str(), { nonEmpty: "name at least one user", hint: 'user principal names or object ids, e.g. ["alice@contoso.com"]' }),
        /** Revoke the users' sign-in sessions (refresh and session tokens issued before the run stop working). */
        revokeSessions: bool,
        /** Remove the users' registered authentication methods (the password stays), so they register again. */
        requireReregistration: bool,
        /** Any text, e.g. an incident number or a date: the operation runs on create and again each time it changes, never otherwise. */
        trigger: str({ hint: "an incident number or a date; the operation runs again each time it changes" }),
    },
    required: ["users", "trigger"],
    resolved: {
        /** Resolved at plan time: user principal name (lower case) -> object id. */
        targets: map(str(), { hint: "computed at plan time; do not set it" }),
    },
    outputs: {
        /** User principal name (lower case) -> the trigger the operation last completed with for that user (stateKeys). */
        lastRun: map(str()),
    },
});

type Declared = DesiredOf<typeof userHygieneDeclaration>;
/** The inputs with revokeSessions and requireReregistration said (false when left out), and lastRun carried from the previous state. */
export type UserHygieneDesired = Omit<Declared, "revokeSessions" | "requireReregistration"> & {
    revokeSessions: boolean;
    requireReregistration: boolean;
    lastRun?: Record<string, string>;
};
export type UserHygieneLive = Pick<LiveOf<typeof userHygieneDeclaration>, "lastRun">;

const METHODS_WRITE = ["UserAuthenticationMethod.ReadWrite.All"];
const SESSIONS_WRITE = ["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"];
/** Rounds of list-then-delete per user (the default method goes last; a refused default is kept for the next round). */
const METHOD_ROUNDS = 8;

/** Where Graph deletes a method of each type (the password is kept and never listed here). */
const METHOD_COLLECTION: Readonly<Record<string, string>> = {
    phoneAuthenticationMethod: "phoneMethods",
    microsoftAuthenticatorAuthenticationMethod: "microsoftAuthenticatorMethods",
    softwareOathAuthenticationMethod: "softwareOathMethods",
    fido2AuthenticationMethod: "fido2Methods",
    emailAuthenticationMethod: "emailMethods",
    temporaryAccessPassAuthenticationMethod: "temporaryAccessPassMethods",
    windowsHelloForBusinessAuthenticationMethod: "windowsHelloForBusinessMethods",
    platformCredentialAuthenticationMethod: "platformCredentialMethods",
    externalAuthenticationMethod: "externalAuthenticationMethods",
};

/**
 * Which of a user's methods is most likely the default (deleted last): Graph's /methods does not say,
 * so the order sign-in prefers is used (Authenticator push, then the mobile phone, then a software OATH
 * code); a method Graph refused as the default is kept for the last round instead.
 */
const DEFAULT_PREFERENCE = ["microsoftAuthenticatorAuthenticationMethod", "phoneAuthenticationMethod", "softwareOathAuthenticationMethod"];

interface Target {
    upn: string;
    id: string;
}

interface ListedMethod {
    id: string;
    type: string;
    phoneType?: string;
}

const methodType = (m: any) => String(m?.["@odata.type"] ?? "").replace(/^#?microsoft\.graph\./, "");

function answered(r: BatchResult | undefined): string {
    if (!r) {
        return "no answer";
    }
    const code = r.body?.error?.code ? ` ${r.body.error.code}` : "";
    const message = r.body?.error?.message ? `: ${String(r.body.error.message).slice(0, 160)}` : "";
    return `${r.status}${code}${message}`;
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
    return Object.fromEntries(
        Object.keys(record)
            .sort()
            .map((k) => [k, record[k]]),
    );
}

const upnOf = (c: FieldChange) => c.field.slice("lastRun.".length);

export const userHygiene: TenantSetting<UserHygieneDesired, UserHygieneLive> = {
    type: "UserHygiene",
    title: "User hygiene",
    resolvedFields: userHygieneDeclaration.resolvedFields,
    permissions: {
        read: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
        write: [...METHODS_WRITE, ...SESSIONS_WRITE],
    },
    onDelete: "Removing the resource changes nothing in the tenant: revoked sessions stay revoked and removed methods stay removed.",
    inputKeys: userHygieneDeclaration.inputKeys,
    schema: userHygieneDeclaration.schema,
    stateKeys: ["lastRun"],

    validate(inputs) {
        const failures: ValidationFailure[] = [...userHygieneDeclaration.validate(inputs).failures];
        const users = inputs.users;
        if (!Array.isArray(users) || !users.length || users.some((u) => typeof u !== "string" || !u.trim())) {
            // said by checkInputs
        } else {
            const seen = new Set<string>();
            for (const u of users as string[]) {
                const key = u.trim().toLowerCase();
                if (seen.has(key)) {
                    failures.push({ property: "users", reason: `user ${u.trim()} is named twice; name each user once` });
                }
                seen.add(key);
            }
        }
        if (
            inputs.revokeSessions !== true &&
            inputs.requireReregistration !== true &&
            !failures.some((f) => f.property === "revokeSessions" || f.property === "requireReregistration")
        ) {
            failures.push({ property: "revokeSessions", reason: "nothing to do: set revokeSessions and/or requireReregistration to true" });
        }
        const targets = inputs.targets as Record<string, string> | undefined;
        if (failures.length) {
            return { failures };
        }
        return {
            desired: {
                users: (users as string[]).map((u) => u.trim()),
                revokeSessions: inputs.revokeSessions === true,
                requireReregistration: inputs.requireReregistration === true,
                trigger: inputs.trigger as string,
                ...(targets ? { targets } : {}),
            },
            failures,
        };
    },

    async prepare(clients: TenantClients, desired) {
        const { results } = await runBatched(
            clients.graph,
            desired.users.map(
                (ref): BatchCall => ({ method: "GET", url: `/users/${encodeURIComponent(ref)}?$select=id,userPrincipalName` }),
            ),
        );
        const targets: Record<string, string> = {};
        const unknown: string[] = [];
        desired.users.forEach((ref, i) => {
            const r = results[i];
            if (r?.status === 200) {
                targets[String(r.body.userPrincipalName).toLowerCase()] = String(r.body.id);
            } else if (r?.status === 404) {
                unknown.push(ref);
            } else {
                throw new Error(`looking up user ${ref} answered ${answered(r)}`);
            }
        });
        if (unknown.length) {
            return {
                failures: [
                    {
                        property: "users",
                        reason:
                            `no such user in the tenant: ${nameList(unknown)}. Check the user principal names or object ids; ` +
                            "nothing was changed.",
                    },
                ],
            };
        }
        return { desired: { ...desired, targets: sorted(targets) }, failures: [] };
    },

    async read(_clients, desired) {
        // What the operation last completed, per user: recorded in the resource's state, not in the tenant.
        return { lastRun: sorted(desired.lastRun ?? {}) };
    },

    async reread(clients, desired, live, changes) {
        const lastRun = { ...live.lastRun };
        const ran: Target[] = [];
        for (const c of changes) {
            const upn = upnOf(c);
            if (c.to === null) {
                delete lastRun[upn];
            } else if (desired.targets?.[upn]) {
                ran.push({ upn, id: desired.targets[upn] });
            }
        }
        let verified = ran;
        if (desired.requireReregistration && ran.length) {
            // Read back: a user is done when no method but the password is left.
            const listed = await listMethods(clients, ran);
            verified = ran.filter((u) => listed.get(u.upn)?.length === 0);
        }
        for (const u of verified) {
            lastRun[u.upn] = desired.trigger;
        }
        return { lastRun: sorted(lastRun) };
    },

    desiredFromLive(_live, desired) {
        const { lastRun: _state, ...inputs } = desired;
        return inputs as UserHygieneDesired;
    },

    diff(desired, live) {
        const changes: FieldChange[] = [];
        const last = live.lastRun ?? {};
        const targets = desired.targets ?? {};
        for (const upn of Object.keys(targets)) {
            if (last[upn] !== desired.trigger) {
                changes.push({ field: `lastRun.${upn}`, from: last[upn] ?? null, to: desired.trigger });
            }
        }
        for (const upn of Object.keys(last)) {
            if (!(upn in targets)) {
                changes.push({ field: `lastRun.${upn}`, from: last[upn], to: null });
            }
        }
        return changes;
    },

    async apply(clients, desired, _live, changes) {
        const run: Target[] = changes
            .filter((c) => c.to !== null && desired.targets?.[upnOf(c)])
            .map((c) => ({ upn: upnOf(c), id: desired.targets![upnOf(c)] }));
        if (!run.length) {
            return; // only users taken off the list: nothing to do in the tenant
        }
        await checkWritePermissions(clients, desired);
        const failures = new Map<string, string>();
        if (desired.requireReregistration) {
            await removeMethods(clients, run, failures);
        }
        if (desired.revokeSessions) {
            await revokeSessions(
                clients,
                run.filter((u) => !failures.has(u.upn)),
                failures,
            );
        }
        if (failures.size) {
            const lines = [...failures].map(([upn, why]) => `${upn} (${why})`);
            throw new PartialFailureError(
                "users",
                run.length,
                lines,
                [],
                "",
                `Run the update again with the same trigger to finish them: methods already removed are not there to remove again, ` +
                    `and revoking the sessions of a user again only moves their revocation time.`,
            );
        }
    },

    id(tenantId) {
        return `${tenantId}/userHygiene`;
    },
};

/** Fails before the first write when the token lacks what the chosen steps need, naming the permission. */
async function checkWritePermissions(clients: TenantClients, desired: UserHygieneDesired): Promise<void> {
    const roles = await clients.graph.tokens.grantedRoles();
    if (roles === undefined) {
        return; // delegated token: Graph checks the scopes itself
    }
    if (desired.requireReregistration && !METHODS_WRITE.some((p) => roles.includes(p))) {
        throw new MissingPermissionError(userHygiene.title, "write", METHODS_WRITE, roles);
    }
    if (desired.revokeSessions && !SESSIONS_WRITE.some((p) => roles.includes(p))) {
        throw new MissingPermissionError(userHygiene.title, "write", SESSIONS_WRITE, roles);
    }
}

/** The users' registered methods other than the password (undefined for a user whose list could not be read). */
async function listMethods(clients: TenantClients, users: Target[], failures?: Map<string, string>): Promise<Map<string, ListedMethod[]>> {
    const { results } = await runBatched(
        clients.graph,
        users.map((u): BatchCall => ({ method: "GET", url: `/users/${u.id}/authentication/methods` })),
    );
    const out = new Map<string, ListedMethod[]>();
    users.forEach((u, i) => {
        const r = results[i];
        if (r?.status !== 200 || !Array.isArray(r.body?.value)) {
            failures?.set(u.upn, `listing the authentication methods answered ${answered(r)}`);
            return;
        }
        out.set(
            u.upn,
            (r.body.value as any[])
                .filter((m) => methodType(m) !== "passwordAuthenticationMethod")
                .map((m) => ({ id: String(m.id), type: methodType(m), ...(m.phoneType ? { phoneType: String(m.phoneType) } : {}) })),
        );
    });
    return out;
}

/**
 * Deletes every method but the password, the default last: each round lists what is left and deletes
 * all but the (likely or refused) default; the last one goes in a round of its own. A 404 means it is
 * gone already. Users whose deletions fail otherwise are recorded in `failures` and not taken further.
 */
async function removeMethods(clients: TenantClients, users: Target[], failures: Map<string, string>): Promise<void> {
    const refusedDefault = new Map<string, string>();
    let pending = users;
    for (let round = 0; round < METHOD_ROUNDS && pending.length; round++) {
        const listed = await listMethods(clients, pending, failures);
        const deletes: { user: Target; method: ListedMethod; url: string }[] = [];
        const next: Target[] = [];
        for (const u of pending) {
            const methods = listed.get(u.upn);
            if (!methods?.length) {
                continue; // done (or failed to list, recorded)
            }
            const unsupported = methods.filter((m) => !METHOD_COLLECTION[m.type]);
            if (unsupported.length) {
                failures.set(u.upn, `methods Graph cannot delete: ${unsupported.map((m) => m.type).join(", ")}`);
                continue;
            }
            next.push(u);
            const keep = methods.length > 1 ? likelyDefault(methods, refusedDefault.get(u.upn)) : undefined;
            // A mobile number goes after the user's other phone numbers (an alternate needs a mobile).
            const order = methods
                .filter((m) => m !== keep)
                .sort((a, b) => Number(a.phoneType === "mobile") - Number(b.phoneType === "mobile"));
            for (const m of order) {
                deletes.push({
                    user: u,
                    method: m,
                    url: `/users/${u.id}/authentication/${METHOD_COLLECTION[m.type]}/${encodeURIComponent(m.id)}`,
                });
            }
        }
        const { results } = await runBatched(
            clients.graph,
            deletes.map((d): BatchCall => ({ method: "DELETE", url: d.url })),
        );
        deletes.forEach((d, i) => {
            const r = results[i];
            if (r?.status === 204 || r?.status === 200 || r?.status === 404) {
                return; // deleted, or gone already
            }
            if (r?.status === 400 && /default/i.test(String(r.body?.error?.message ?? ""))) {
                refusedDefault.set(d.user.upn, d.method.id); // keep it for the last round
                return;
            }
            if (!failures.has(d.user.upn)) {
                failures.set(d.user.upn, `deleting ${METHOD_COLLECTION[d.method.type]}/${d.method.id} answered ${answered(r)}`);
            }
        });
        pending = next.filter((u) => !failures.has(u.upn));
    }
    for (const u of pending) {
        failures.set(u.upn, `methods still registered after ${METHOD_ROUNDS} rounds of deletion`);
    }
}

function likelyDefault(methods: ListedMethod[], refused: string | undefined): ListedMethod {
    const byRefusal = methods.find((m) => m.id === refused);
    if (byRefusal) {
        return byRefusal;
    }
    for (const type of DEFAULT_PREFERENCE) {
        const m = methods.find((x) => x.type === type && (type !== "phoneAuthenticationMethod" || x.phoneType === "mobile"));
        if (m) {
            return m;
        }
    }
    return methods[methods.length - 1];
}

async function revokeSessions(clients: TenantClients, users: Target[], failures: Map<string, string>): Promise<void> {
    const { results } = await runBatched(
        clients.graph,
        // The action takes no body, but a POST inside $batch must carry one ({}) and a Content-Type.
        users.map((u): BatchCall => ({ method: "POST", url: `/users/${u.id}/revokeSignInSessions`, body: {} })),
    );
    users.forEach((u, i) => {
        const r = results[i];
        if (r?.status !== 200 || r.body?.value !== true) {
            failures.set(u.upn, `revoking the sign-in sessions answered ${answered(r)}`);
        }
    });
}
