import * as fs from "node:fs";

/**
 * The chart of bench:faults --sweep: first-up time (s) against the fault rate (0..max), one line per
 * series, as a small self-contained SVG (no script, no external font), so BENCHMARKS.md can show it.
 */
export interface ChartSeries {
    name: string;
    color: string;
    dashed?: boolean;
    /** [fault rate in 0..1, seconds] */
    points: [number, number][];
}

export function sweepChartSvg(options: { title: string; base: number; series: ChartSeries[] }): string {
    const W = 720;
    const H = 440;
    const left = 64;
    const right = 230;
    const top = 48;
    const bottom = 56;
    const all = options.series.flatMap((s) => s.points);
    const maxX = Math.max(0.5, ...all.map((p) => p[0]));
    const rawMaxY = Math.max(...all.map((p) => p[1]));
    const step = niceStep(rawMaxY / 5);
    const maxY = Math.ceil(rawMaxY / step) * step;
    const x = (v: number) => left + (v / maxX) * (W - left - right);
    const y = (v: number) => H - bottom - (v / maxY) * (H - top - bottom);
    const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const out: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" ` +
            `font-size="12">`,
        `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
        `<text x="${left}" y="24" font-size="15" font-weight="bold">${esc(options.title)}</text>`,
    ];
    for (let v = 0; v <= maxY + 1e-9; v += step) {
        out.push(`<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${W - right}" y2="${y(v).toFixed(1)}" stroke="#e0e0e0"/>`);
        out.push(`<text x="${left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v)}</text>`);
    }
    for (let v = 0; v <= maxX + 1e-9; v += 0.1) {
        out.push(`<line x1="${x(v).toFixed(1)}" y1="${H - bottom}" x2="${x(v).toFixed(1)}" y2="${H - bottom + 5}" stroke="#333"/>`);
        out.push(`<text x="${x(v).toFixed(1)}" y="${H - bottom + 20}" text-anchor="middle">${Math.round(v * 100)}%</text>`);
    }
    out.push(`<line x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}" stroke="#333"/>`);
    out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${H - bottom}" stroke="#333"/>`);
    out.push(
        `<text x="${(left + W - right) / 2}" y="${H - 14}" text-anchor="middle">fault rate (share of requests, $batch items ` +
            "and token requests)</text>",
    );
    out.push(`<text transform="translate(18 ${(top + H - bottom) / 2}) rotate(-90)" text-anchor="middle">first pulumi up (s)</text>`);
    options.series.forEach((s, i) => {
        const pts = [...s.points].sort((a, b) => a[0] - b[0]);
        out.push(
            `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""} points="` +
                `${pts.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ")}"/>`,
        );
        if (!s.dashed) {
            for (const p of pts) out.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${s.color}"/>`);
        }
        const ly = top + 10 + i * 22;
        out.push(
            `<line x1="${W - right + 16}" y1="${ly}" x2="${W - right + 44}" y2="${ly}" stroke="${s.color}" stroke-width="2"` +
                `${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
        );
        out.push(`<text x="${W - right + 50}" y="${ly + 4}">${esc(s.name)}</text>`);
    });
    out.push(
        `<text x="${W - right + 16}" y="${top + 10 + options.series.length * 22 + 8}" fill="#555">fault-free: ` +
            `${options.base.toFixed(1)} s</text>`,
    );
    out.push("</svg>");
    return `${out.join("\n")}\n`;
}

export function writeSweepChart(file: string, options: { title: string; base: number; series: ChartSeries[] }): void {
    fs.writeFileSync(file, sweepChartSvg(options));
}

function niceStep(raw: number): number {
    const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
    for (const m of [1, 2, 5, 10]) {
        if (m * p >= raw) return m * p;
    }
    return 10 * p;
}
