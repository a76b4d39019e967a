import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { ensureCheckResultPartitions } from '../src/db/partitions';
import { HISTOGRAM_DIGIT, latencyBucket } from '../src/domain/latency-histogram';
import { startFarm, type Farm } from './farm';
import { round, sample, usageBetween } from './procfs';
import { startBenchStack, type BenchStack, type StackKind } from './stack';
import { createTargets, type CreationReport } from './targets';

/**
 * `npm run bench:api -- [--results 1000000,10000000] [--targets 1000] [--heartbeats 200] [--duration 20]
 *   [--connections 16] [--rate 100] [--only <part of a request's name>] [--stack dev|production-like]`
 *
 * Read and ingest load on the API: targets are created through the API, then `check_results` is filled to each given
 * size by a bulk INSERT … SELECT (results are generated, not probed: this measures the read side, not the probes), and
 * at each size autocannon drives, one after the other: the target list, a target's status, its latest results, its
 * uptime stats, a public status page, and heartbeat pings. Each is driven twice: with `--connections` always busy
 * (the most it serves: latency there is mostly queueing), then paced at `--rate` requests/s with 4 connections (the
 * latency a client sees below saturation). Requests/s, latency percentiles and the CPU of the API and PostgreSQL
 * during each run are reported, as JSON and Markdown.
 */

interface Scenario {
  name: string;
  /** A path for each request, chosen afresh every time (so reads spread over targets). */
  path: () => string;
  auth: boolean;
}

interface ScenarioResult {
  name: string;
  /** Requests/s it was paced at; absent for the run with every connection always busy. */
  pacedAt?: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  cpuPercent: { api: number; postgres: number; loadGenerator: number; others: number };
  loadavg: number[];
}

interface ApiBenchReport {
  startedAt: string;
  command: string;
  machine: { cpu: string; cores: number; memoryGb: number; node: string };
  stack: StackKind;
  connections: number;
  durationSeconds: number;
  creation: { targets: CreationReport; heartbeats: CreationReport };
  levels: { results: number; fill: { rows: number; seconds: number; rowsPerSecond: number }; tableMb: number; scenarios: ScenarioResult[] }[];
  statusPage: boolean;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function fillResults(pool: Pool, targetIds: string[], total: number, already: number, log: (l: string) => void) {
  // Each target gets results at a 60 s interval, going back in time from two hours ago, so the newest data is recent.
  const perTarget = Math.ceil((total - already) / targetIds.length);
  const doneBefore = Math.ceil(already / targetIds.length);
  const end = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000 - doneBefore * 60_000;
  const start = end - (perTarget - 1) * 60_000;
  for (let day = start; day <= end + 86_400_000; day += 86_400_000) await ensureCheckResultPartitions(pool, 0, new Date(day));
  // Latencies are 20–119 ms; their rollup histogram digits are looked up rather than computed per row.
  const digits = Array.from({ length: 120 }, (_, ms) => (BigInt(HISTOGRAM_DIGIT) ** BigInt(latencyBucket(ms))).toString());
  const began = Date.now();
  const chunk = 50;
  for (let i = 0; i < targetIds.length; i += chunk) {
    const ids = targetIds.slice(i, i + chunk);
    await pool.query(
      `INSERT INTO check_results (target_id, scheduled_at, started_at, outcome, latency_ms, status_code, error, manual)
       SELECT t, s, s + interval '3 ms', CASE WHEN random() < 0.005 THEN 'down' ELSE 'up' END, 20 + (random() * 99)::int, 200, NULL, false
       FROM unnest($1::text[]) t CROSS JOIN generate_series($2::timestamptz, $3::timestamptz, interval '60 seconds') s
       ON CONFLICT DO NOTHING`,
      [ids, new Date(start), new Date(end)],
    );
    for (const [table, unit] of [
      ['check_rollups_hourly', 'hour'],
      ['check_rollups_daily', 'day'],
    ] as const) {
      await pool.query(
        `INSERT INTO ${table} AS r (target_id, starts_at, probes, down, degraded, missed, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram)
         SELECT target_id, date_trunc('${unit}', scheduled_at, 'UTC'), count(*), count(*) FILTER (WHERE outcome = 'down'), 0, 0,
                count(*) FILTER (WHERE outcome = 'up'), coalesce(sum(latency_ms) FILTER (WHERE outcome = 'up'), 0),
                min(latency_ms) FILTER (WHERE outcome = 'up'), max(latency_ms) FILTER (WHERE outcome = 'up'),
                coalesce(sum(($4::numeric[])[latency_ms + 1]) FILTER (WHERE outcome = 'up'), 0)
         FROM check_results WHERE target_id = ANY($1) AND scheduled_at >= $2 AND scheduled_at <= $3
         GROUP BY 1, 2
         ON CONFLICT (target_id, starts_at) DO UPDATE SET
           probes = r.probes + excluded.probes, down = r.down + excluded.down, latency_count = r.latency_count + excluded.latency_count,
           latency_sum_ms = r.latency_sum_ms + excluded.latency_sum_ms, latency_min_ms = least(r.latency_min_ms, excluded.latency_min_ms),
           latency_max_ms = greatest(r.latency_max_ms, excluded.latency_max_ms), latency_histogram = r.latency_histogram + excluded.latency_histogram`,
        [ids, new Date(start), new Date(end), digits],
      );
    }
    if ((i / chunk) % 5 === 0) log(`  filled ${Math.min(i + chunk, targetIds.length)} of ${targetIds.length} targets`);
  }
  await pool.query('ANALYZE check_results');
  await pool.query('ANALYZE check_rollups_hourly');
  await pool.query('ANALYZE check_rollups_daily');
  const seconds = (Date.now() - began) / 1000;
  const rows = perTarget * targetIds.length;
  return { rows, seconds: round(seconds, 1), rowsPerSecond: Math.round(rows / seconds) };
}

async function drive(
  stack: BenchStack,
  adminKey: string,
  scenario: Scenario,
  load: { connections: number; durationSeconds: number; rate?: number },
): Promise<ScenarioResult> {
  const roots = [...stack.processes(), { name: 'bench', pid: process.pid }];
  const before = sample(roots, false);
  const result = await autocannon({
    url: stack.apiUrl,
    connections: load.connections,
    duration: load.durationSeconds,
    ...(load.rate ? { overallRate: load.rate } : {}),
    headers: scenario.auth ? { authorization: `Bearer ${adminKey}` } : {},
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: scenario.path() }) }],
  });
  const usage = usageBetween(before, sample(roots, false));
  const cpu = (name: string) => Math.round(usage.trees[name]?.cpuPercent ?? 0);
  return {
    name: scenario.name,
    ...(load.rate ? { pacedAt: load.rate } : {}),
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    cpuPercent: { api: cpu('vigil-api'), postgres: cpu('postgres'), loadGenerator: cpu('bench'), others: Math.round(usage.machine.othersPercentOfCore) },
    loadavg: usage.machine.loadavgEnd,
  };
}

export function apiMarkdown(report: ApiBenchReport): string {
  const head =
    '| results stored | request | requests/s | latency p50 / p90 / p99 / max (ms) | non-2xx + errors | CPU % of a core: api / pg / autocannon / others | load avg (1 min) |\n|---|---|---|---|---|---|---|';
  const rows = report.levels.flatMap((l) =>
    l.scenarios.map(
      (s) =>
        `| ${l.results.toLocaleString('en')} | ${s.name}${s.pacedAt ? ` paced at ${s.pacedAt}/s` : ''} | ${s.requestsPerSecond} | ${s.latencyMs.p50} / ${s.latencyMs.p90} / ${s.latencyMs.p99} / ${s.latencyMs.max} | ${s.non2xx} + ${s.errors} | ${s.cpuPercent.api} / ${s.cpuPercent.postgres} / ${s.cpuPercent.loadGenerator} / ${s.cpuPercent.others} | ${round(s.loadavg[0] ?? 0, 1)} |`,
    ),
  );
  return [head, ...rows].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stack: { type: 'string', default: 'dev' },
      results: { type: 'string', default: '1000000,10000000' },
      targets: { type: 'string', default: '1000' },
      heartbeats: { type: 'string', default: '200' },
      duration: { type: 'string', default: '20' },
      connections: { type: 'string', default: '16' },
      rate: { type: 'string', default: '100' },
      only: { type: 'string' },
      'max-minutes': { type: 'string', default: '40' },
      out: { type: 'string' },
    },
  });
  const log = (line: string) => console.log(`[bench:api ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const stackKind = values.stack as StackKind;
  const levels = values.results.split(',').map(Number);
  const targetCount = Number(values.targets);
  const heartbeatCount = Number(values.heartbeats);
  const durationSeconds = Number(values.duration);
  const connections = Number(values.connections);
  const rate = Number(values.rate);
  const out = values.out ?? path.join(__dirname, 'results', `api-${stackKind}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const dataDir = path.join(path.resolve(__dirname, '..'), '.data', 'bench', `api-${process.pid}-${Date.now()}`);
  const adminKey = `bench_${randomBytes(24).toString('base64url')}`;
  const deadline = Date.now() + Number(values['max-minutes']) * 60_000;

  let stack: BenchStack | undefined;
  let farm: Farm | undefined;
  let pool: Pool | undefined;
  const cleanup = async () => {
    await pool?.end().catch(() => undefined);
    await stack?.stop().catch(() => undefined);
    await farm?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const watchdog = setTimeout(() => {
    log('watchdog: time is up, stopping');
    void cleanup().then(() => process.exit(2));
  }, deadline - Date.now());
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().then(() => process.exit(143)));
  try {
    farm = await startFarm({ servers: 1, latencyMs: 5, jitterMs: 0, failureRate: 0 });
    stack = await startBenchStack({ kind: stackKind, dataDir, adminKey, env: {}, log });
    pool = new Pool({ connectionString: stack.databaseUrl, max: 2 });
    pool.on('error', () => undefined);
    log(`creating ${targetCount} targets and ${heartbeatCount} heartbeat targets through the API`);
    // A day's interval: the targets exist and have status rows, but their probes do not load the machine.
    const made = await createTargets(
      { apiUrl: stack.apiUrl, adminKey, concurrency: 16, deadline },
      Array.from({ length: targetCount }, (_, n) => ({ name: `read-${n}`, url: farm!.urlOf(n), intervalSeconds: 86_400 })),
    );
    const beats = await createTargets(
      { apiUrl: stack.apiUrl, adminKey, concurrency: 16, deadline },
      Array.from({ length: heartbeatCount }, (_, n) => ({ name: `cron-${n}`, kind: 'heartbeat' as const, intervalSeconds: 3_600, graceSeconds: 3_600 })),
    );
    const ids = made.targets.map((t) => t.id);
    const tokens = beats.targets.map((t) => String(t.body.token));
    // Give every target a status row as probes would, so a status read finds one.
    await pool.query(
      `INSERT INTO target_status (target_id, state, last_scheduled_at, last_checked_at, last_outcome, last_latency_ms, consecutive_successes)
       SELECT id, 'up', now(), now(), 'up', 42, 1 FROM unnest($1::text[]) id
       ON CONFLICT (target_id) DO UPDATE SET state = 'up', last_outcome = 'up'`,
      [ids],
    );
    // The first ping of a heartbeat target wakes its workflow (it may end "unknown"); later ones are plain inserts.
    for (const token of tokens) await fetch(`${stack.apiUrl}/v1/ping/${token}`);
    // Until its workflow has judged that first ping, a target's state is `unknown` and every ping signals it: wait
    // (at most 120 s) for the states to settle, and ping only the targets that did, so the run measures the steady
    // path (one insert per ping, group-committed); a ping that changes a target's state is rare in steady state.
    const beatIds = beats.targets.map((t) => t.id);
    for (let waited = 0; waited < 120; waited++) {
      const { rows } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM target_status WHERE target_id = ANY($1) AND state = 'up'", [beatIds]);
      if (Number(rows[0]?.n ?? 0) >= beatIds.length) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const { rows: settled } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM target_status WHERE target_id = ANY($1) AND state = 'up'", [beatIds]);
    log(`${settled[0]?.n ?? 0} of ${beatIds.length} heartbeat targets up after their first ping`);
    const { rows: upRows } = await pool.query<{ target_id: string }>("SELECT target_id FROM target_status WHERE target_id = ANY($1) AND state = 'up'", [
      beatIds,
    ]);
    const up = new Set(upRows.map((r) => r.target_id));
    const settledTokens = beats.targets.filter((t) => up.has(t.id)).map((t) => String(t.body.token));
    const pingTokens = settledTokens.length > 0 ? settledTokens : tokens;
    const page = await fetch(`${stack.apiUrl}/v1/status-pages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'bench', title: 'Benchmark', targets: ids.slice(0, 50).map((targetId) => ({ targetId })) }),
    });
    const statusPage = page.status === 201;
    log(statusPage ? 'status page /v1/public/status-pages/bench with 50 targets' : `no status page (${page.status}): skipping that scenario`);

    const scenarios: Scenario[] = (
      [
        { name: 'GET /v1/targets?limit=50 (list)', path: () => '/v1/targets?limit=50', auth: true },
        { name: 'GET /v1/targets/:id (status)', path: () => `/v1/targets/${pick(ids)}`, auth: true },
        { name: 'GET /v1/targets/:id/results?limit=50', path: () => `/v1/targets/${pick(ids)}/results?limit=50`, auth: true },
        { name: 'GET /v1/targets/:id/stats?range=30d', path: () => `/v1/targets/${pick(ids)}/stats?range=30d`, auth: true },
        ...(statusPage ? [{ name: 'GET /v1/public/status-pages/:slug (50 targets)', path: () => '/v1/public/status-pages/bench', auth: false }] : []),
        { name: `GET /v1/ping/:token (heartbeat ingest, ${pingTokens.length} targets up)`, path: () => `/v1/ping/${pick(pingTokens)}`, auth: false },
      ] satisfies Scenario[]
    ).filter((s) => !values.only || s.name.includes(values.only));
    const report: ApiBenchReport = {
      startedAt: new Date().toISOString(),
      command: process.argv.slice(2).join(' '),
      machine: { cpu: os.cpus()[0]?.model ?? '', cores: os.cpus().length, memoryGb: round(os.totalmem() / 2 ** 30, 1), node: process.version },
      stack: stackKind,
      connections,
      durationSeconds,
      creation: { targets: made.report, heartbeats: beats.report },
      levels: [],
      statusPage,
    };
    let stored = 0;
    for (const level of levels) {
      log(`filling check_results to ${level.toLocaleString('en')} rows`);
      const fill = await fillResults(pool, ids, level, stored, log);
      stored = level;
      const { rows } = await pool.query<{ mb: string }>("SELECT pg_total_relation_size('check_results') / 1e6 AS mb");
      const { rows: parts } = await pool.query<{ mb: string }>(
        "SELECT sum(pg_total_relation_size(inhrelid)) / 1e6 AS mb FROM pg_inherits WHERE inhparent = 'check_results'::regclass",
      );
      const tableMb = Math.round(Number(parts[0]?.mb ?? rows[0]?.mb ?? 0));
      log(`filled ${fill.rows} rows in ${fill.seconds} s (${fill.rowsPerSecond}/s); check_results is ${tableMb} MB`);
      const results: ScenarioResult[] = [];
      for (const scenario of scenarios) {
        for (const load of [
          { connections, durationSeconds },
          { connections: 4, durationSeconds, rate },
        ]) {
          log(`  ${scenario.name}: ${load.connections} connections for ${durationSeconds} s${'rate' in load ? `, paced at ${load.rate}/s` : ''}`);
          results.push(await drive(stack, adminKey, scenario, load));
          log(`  → ${results.at(-1)!.requestsPerSecond}/s, p50 ${results.at(-1)!.latencyMs.p50} ms, p99 ${results.at(-1)!.latencyMs.p99} ms`);
        }
      }
      report.levels.push({ results: level, fill, tableMb, scenarios: results });
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    }
    console.log(apiMarkdown(report));
    log(`report written to ${out}`);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
