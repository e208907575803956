import type { ReadinessReport } from "../providers/framework/readinessReport";

/** The readiness report as a terminal table, Markdown (for a PR or a ticket) or JSON (for tools). */
export function toJson(r: ReadinessReport): string {
    return JSON.stringify(
        {
            generatedAt: r.generatedAt,
            windowDays: r.windowDays,
            premium: r.premium,
            notes: r.notes,
            legacyProtocolUsers: [...r.legacy.values()],
            usersWithoutMfaMethod: [...r.unregistered.values()].map(({ legacy: _legacy, ...u }) => u),
        },
        null,
        2,
    );
}

function rows(r: ReadinessReport): { legacy: string[][]; unregistered: string[][] } {
    const legacy = [...r.legacy.values()]
        .sort((a, b) => a.userPrincipalName.localeCompare(b.userPrincipalName))
        .flatMap((f) =>
            f.legacy.map((l) => [
                f.userPrincipalName,
                l.protocol,
                String(l.count),
                l.lastSeen.slice(0, 10),
                r.unregistered.get(f.userPrincipalName)?.isAdmin ? "yes" : "",
            ]),
        );
    const unregistered = [...r.unregistered.values()]
        .sort((a, b) => Number(!!b.isAdmin) - Number(!!a.isAdmin) || a.userPrincipalName.localeCompare(b.userPrincipalName))
        .map((f) => [f.userPrincipalName, f.isAdmin ? "yes" : "", (f.methods ?? []).join(", ") || "none"]);
    return { legacy, unregistered };
}

export function toMarkdown(r: ReadinessReport): string {
    const { legacy, unregistered } = rows(r);
    const table = (head: string[], body: string[][]) =>
        [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...body.map((b) => `| ${b.join(" | ")} |`)].join("\n");
    return [
        `# MFA readiness (last ${r.windowDays} days, ${r.generatedAt.slice(0, 16).replace("T", " ")} UTC)`,
        ...r.notes.map((n) => `> ${n}`),
        "",
        `## Users still signing in with legacy protocols: ${new Set(legacy.map((l) => l[0])).size}`,
        legacy.length
            ? table(["user", "protocol", "sign-ins", "last seen", "admin"], legacy)
            : r.premium
              ? "None."
              : "Not known (no Entra ID P1).",
        "",
        `## Users with no MFA method registered: ${unregistered.length}`,
        unregistered.length ? table(["user", "admin", "methods"], unregistered) : "None.",
        "",
    ].join("\n");
}

export function toTable(r: ReadinessReport): string {
    const { legacy, unregistered } = rows(r);
    const fmt = (head: string[], body: string[][]) => {
        const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
        const line = (cells: string[]) =>
            cells
                .map((c, i) => c.padEnd(widths[i]))
                .join("  ")
                .trimEnd();
        return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
    };
    return [
        `MFA readiness, last ${r.windowDays} days${r.premium ? "" : " (no Entra ID P1)"}`,
        ...r.notes.map((n) => `note: ${n}`),
        "",
        `Legacy protocol sign-ins: ${new Set(legacy.map((l) => l[0])).size} users`,
        legacy.length ? fmt(["USER", "PROTOCOL", "SIGN-INS", "LAST SEEN", "ADMIN"], legacy) : "  none",
        "",
        `No MFA method registered: ${unregistered.length} users`,
        unregistered.length ? fmt(["USER", "ADMIN", "METHODS"], unregistered) : "  none",
    ].join("\n");
}
