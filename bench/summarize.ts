import fs from 'node:fs';
import path from 'node:path';
import { apiMarkdown } from './api-load';
import { cpuByPart, creationTable, markdownTable } from './report';
import { round } from './procfs';
import type { BenchReport } from './report';

/**
 * `npx tsx bench/summarize.ts bench/results/*.json [--plot docs/benchmarks-lag.svg]`: the Markdown tables of the given
 * reports, and a plot of p99 schedule lag against targets of every run given (an SVG written from the data, no plotting
 * library needed): give it the ramps and the goal runs only, e.g.
 * `npx tsx bench/summarize.ts bench/results/{ramp,goal}-*.json --plot docs/benchmarks-lag.svg`. A file given as
 * `file.json@1000` stands for its step at 1,000 targets only.
 */

type AnyReport = BenchReport | (Parameters<typeof apiMarkdown>[0] & { levels: unknown[] });

const isBench = (r: AnyReport): r is BenchReport => 'steps' in r;

/** p99 lag (log scale) against targets (log scale), one line per report (a lone point for a one-step run). */
export function lagPlot(reports: BenchReport[]): string {
  const W = 800;
  const H = 420;
  const m = { l: 70, r: 250, t: 40, b: 55 };
  const series = reports.filter((r) => r.steps.length >= 1);
  const xs = series.flatMap((r) => r.steps.map((s) => s.targets));
  const ys = series.flatMap((r) => r.steps.map((s) => Math.max(1, s.slots.scheduleLagMs.p99 ?? 1)));
  const [x0, x1] = [Math.min(...xs, 100), Math.max(...xs, 10_000)];
  const [y0, y1] = [1, Math.max(10_000, ...ys)];
  const lx = (x: number) => m.l + ((Math.log10(x) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0))) * (W - m.l - m.r);
  const ly = (y: number) => H - m.b - ((Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * (H - m.t - m.b);
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="22" font-size="14" font-weight="bold">p99 schedule lag (probe start − slot) against targets</text>`,
  ];
  for (let d = Math.ceil(Math.log10(y0)); d <= Math.log10(y1); d++) {
    const y = ly(10 ** d);
    parts.push(
      `<line x1="${m.l}" y1="${y}" x2="${W - m.r}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${m.l - 8}" y="${y + 4}" text-anchor="end">${10 ** d >= 1000 ? `${10 ** d / 1000} s` : `${10 ** d} ms`}</text>`,
    );
  }
  for (const x of [100, 300, 1000, 3000, 10_000, 30_000].filter((v) => v >= x0 && v <= x1)) {
    parts.push(
      `<line x1="${lx(x)}" y1="${m.t}" x2="${lx(x)}" y2="${H - m.b}" stroke="#eee"/>`,
      `<text x="${lx(x)}" y="${H - m.b + 18}" text-anchor="middle">${x.toLocaleString('en')}</text>`,
    );
  }
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">targets (log scale)</text>`);
  for (const [limit, label] of [
    [1000, '1 s (issue target)'],
    [250, '250 ms (project goal)'],
  ] as const) {
    parts.push(
      `<line x1="${m.l}" y1="${ly(limit)}" x2="${W - m.r}" y2="${ly(limit)}" stroke="#888" stroke-dasharray="5,4"/>`,
      `<text x="${W - m.r + 4}" y="${ly(limit) + 4}" fill="#555">${label}</text>`,
    );
  }
  series.forEach((r, i) => {
    const c = colours[i % colours.length];
    const pts = r.steps.map((s) => [lx(s.targets), ly(Math.max(1, s.slots.scheduleLagMs.p99 ?? 1))] as const);
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`);
    for (const [k, [x, y]] of pts.entries()) {
      const s = r.steps[k]!;
      parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${s.broken.length ? 'white' : c}" stroke="${c}" stroke-width="2"/>`);
    }
    const interval = r.steps[0]?.intervalSeconds;
    parts.push(`<text x="${W - m.r + 4}" y="${m.t + 40 + i * 18}" fill="${c}">${r.label} (${interval} s)</text>`);
  });
  parts.push(`<text x="${W - m.r + 4}" y="${H - m.b}" fill="#555">open circle: step broke</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

/** One row per run: CPU per probe and where it went, for comparing designs at one load. */
export function comparisonTable(reports: BenchReport[]): string {
  const head =
    '| run | probes/s scheduled → done | lag p50 / p99 (ms) | p99 by quarter of the window (ms) | missed + absent | events / probe | Temporal requests / probe | heartbeats / s | CPU ms / probe | CPU % of a core: pg / temporal / workers | commits/s vigil / temporal | load avg (1 min) |\n|---|---|---|---|---|---|---|---|---|---|---|---|';
  const rows = reports.flatMap((r) =>
    r.steps.map((s) => {
      const cpu = cpuByPart(s);
      // The lag's p99 quarter by quarter shows a start-up tail draining (high, then low) apart from a design that
      // cannot keep up (high throughout).
      const trend = s.slots.lagP99Trend?.map((q) => q.p99 ?? '–').join(' · ') ?? '–';
      // Client requests as the frontend counted them; runs recorded before that was kept counted each twice (frontend
      // and history service), which the events of the same runs confirm.
      const frontend =
        s.temporal?.frontendRequestsPerSecond ??
        (s.temporal ? Object.fromEntries(Object.entries(s.temporal.requestsPerSecond).map(([k, v]) => [k, v / 2])) : undefined);
      const requests = frontend
        ? Object.entries(frontend)
            .filter(([op]) => !op.startsWith('Poll'))
            .reduce((a, [, v]) => a + v, 0)
        : null;
      const heartbeats = frontend ? round(frontend.RecordActivityTaskHeartbeat ?? 0, 1) : '–';
      const perProbe = requests !== null && s.slots.achievedPerSecond > 0 ? (requests / s.slots.achievedPerSecond).toFixed(2) : '–';
      const db = s.postgres.databases;
      return `| ${r.label}${s.broken.length ? ' **✗**' : ''} | ${s.slots.scheduledPerSecond} → ${s.slots.achievedPerSecond} | ${s.slots.scheduleLagMs.p50 ?? '–'} / ${s.slots.scheduleLagMs.p99 ?? '–'} | ${trend} | ${s.slots.missedRows} + ${s.slots.absent} | ${s.history?.eventsPerProbe ?? '–'} | ${perProbe} | ${heartbeats} | ${s.cpuMsPerProbe ?? '–'} | ${cpu.postgres} / ${cpu.temporal} / ${cpu.workers} | ${db.vigil?.commitsPerSecond ?? '–'} / ${db.temporal?.commitsPerSecond ?? '–'} | ${s.usage.machine.loadavgStart[0]} → ${s.usage.machine.loadavgEnd[0]} |`;
    }),
  );
  return [head, ...rows].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const plotAt = args.indexOf('--plot');
  const plot = plotAt >= 0 ? args.splice(plotAt, 2)[1] : undefined;
  // `file.json@1000` keeps only that run's step at 1,000 targets (e.g. a ramp's step as the baseline of a comparison).
  const reports = args.map((arg) => {
    const [, f, at] = /^(.*?)(?:@(\d+))?$/.exec(arg)!;
    const r = JSON.parse(fs.readFileSync(f!, 'utf8')) as AnyReport;
    return at && isBench(r) ? { ...r, label: `${r.label} @${at}`, steps: r.steps.filter((s) => s.targets === Number(at)) } : r;
  });
  const bench = reports.filter(isBench);
  const out: string[] = [];
  if (bench.length) {
    out.push('## Runs\n', markdownTable(bench), '\n## Design comparison\n', comparisonTable(bench), '\n## Target creation\n', creationTable(bench));
  }
  for (const r of reports.filter((x) => !isBench(x))) out.push('\n## API\n', apiMarkdown(r as Parameters<typeof apiMarkdown>[0]));
  console.log(out.join('\n'));
  if (plot) {
    fs.mkdirSync(path.dirname(plot), { recursive: true });
    fs.writeFileSync(plot, lagPlot(bench));
  }
}
