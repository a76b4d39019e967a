import { Connection } from '@temporalio/client';
import type { Pool } from 'pg';
import { phaseMs } from '../src/domain/schedule';
import { targetWorkflowId } from '../src/ids';
import { round } from './procfs';

/** What one measured interval [from, to) shows in Postgres, Temporal and the processes' metrics. */

export interface BenchTarget {
  id: string;
  intervalSeconds: number;
  /** What the farm serves it at (http targets): how bench/failover.ts matches the farm's requests to results. */
  url?: string;
}

export interface Quantiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function quantiles(values: number[]): Quantiles {
  if (values.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!, 1);
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(sorted.at(-1)!, 1) };
}

/** The slots of a target's grid in [from, to): `phase + k * interval`. */
export function gridSlots(target: BenchTarget, from: number, to: number): number[] {
  const interval = target.intervalSeconds * 1000;
  const phase = phaseMs(target.id, interval);
  const slots: number[] = [];
  for (let s = Math.ceil((from - phase) / interval) * interval + phase; s < to; s += interval) slots.push(s);
  return slots;
}

export const slotsBetween = (target: BenchTarget, from: number, to: number): number => gridSlots(target, from, to).length;

export interface SlotReport {
  expectedSlots: number;
  /** Slots probed (a result other than `missed`). */
  probed: number;
  /** Slots recorded as `missed`: nobody probed them in time. */
  missedRows: number;
  /** Slots with no row at all by the time of the query (still pending, or lost). */
  absent: number;
  scheduledPerSecond: number;
  achievedPerSecond: number;
  /** Probe start minus slot time, ms, over the probed slots. */
  scheduleLagMs: Quantiles;
  /** p99 of the schedule lag in consecutive parts of the interval: rising means falling behind. */
  lagP99Trend: { from: string; p99: number | null; count: number }[];
  /** Result rows per second that landed in check_results (by start time). */
  rowsPerSecond: number;
}

export async function slotReport(pool: Pool, targets: BenchTarget[], from: number, to: number, parts = 4): Promise<SlotReport> {
  const seconds = (to - from) / 1000;
  const expectedSlots = targets.reduce((n, t) => n + slotsBetween(t, from, to), 0);
  const { rows } = await pool.query<{ outcome: string; lag: number; at: number }>(
    `SELECT outcome, extract(epoch FROM started_at - scheduled_at) * 1000 AS lag, extract(epoch FROM scheduled_at) * 1000 AS at
     FROM check_results
     WHERE scheduled_at >= $1 AND scheduled_at < $2 AND NOT manual AND target_id = ANY($3)`,
    [new Date(from), new Date(to), targets.map((t) => t.id)],
  );
  const probed = rows.filter((r) => r.outcome !== 'missed');
  const partMs = (to - from) / parts;
  const lagP99Trend = Array.from({ length: parts }, (_, i) => {
    const lo = from + i * partMs;
    const inPart = probed.filter((r) => Number(r.at) >= lo && Number(r.at) < lo + partMs).map((r) => Number(r.lag));
    const q = quantiles(inPart);
    return { from: new Date(lo).toISOString(), p99: q.p99, count: q.count };
  });
  const { rows: written } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM check_results WHERE started_at >= $1 AND started_at < $2', [
    new Date(from),
    new Date(to),
  ]);
  return {
    expectedSlots,
    probed: probed.length,
    missedRows: rows.length - probed.length,
    absent: Math.max(0, expectedSlots - rows.length),
    scheduledPerSecond: round(expectedSlots / seconds),
    achievedPerSecond: round(probed.length / seconds),
    scheduleLagMs: quantiles(probed.map((r) => Number(r.lag))),
    lagP99Trend,
    rowsPerSecond: round(Number(written[0]?.n ?? 0) / seconds),
  };
}

/**
 * Schedule lag of the slots probed from `from` to `to` (the targets running while others were imported, for one), and
 * apart from them the lag of the new targets' first probes; `firstGridSlots` are among `slots`, each target's first.
 */
export async function lagBetween(
  pool: Pool,
  targets: BenchTarget[],
  from: number,
  to: number,
): Promise<{ slots: Quantiles; firstProbes: Quantiles; firstGridSlots: Quantiles }> {
  // A target's first result is its probe at once, inside the task that started it: off its grid, "scheduled" at that
  // task's start, so its lag is how long the task took to get to it, not a slot of a running target kept late.
  const { rows } = await pool.query<{ lag: number; n: string }>(
    `WITH ranked AS (
       SELECT scheduled_at, started_at, outcome, row_number() OVER (PARTITION BY target_id ORDER BY scheduled_at) AS n
       FROM check_results WHERE target_id = ANY($3) AND NOT manual AND scheduled_at < $2)
     SELECT extract(epoch FROM started_at - scheduled_at) * 1000 AS lag, n
     FROM ranked WHERE scheduled_at >= $1 AND outcome <> 'missed'`,
    [new Date(from), new Date(to), targets.map((t) => t.id)],
  );
  const lags = (keep: (n: number) => boolean) => quantiles(rows.filter((r) => keep(Number(r.n))).map((r) => Number(r.lag)));
  return { slots: lags((n) => n > 1), firstProbes: lags((n) => n === 1), firstGridSlots: lags((n) => n === 2) };
}

/**
 * Slot time to the status projection: polls target_status for rows updated since the last poll, and notes how long
 * after its slot each one was written (`updated_at - last_scheduled_at`).
 */
export class ProjectionLagSampler {
  private since = new Date(0);
  private lags: number[] = [];
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly pool: Pool) {}

  async start(everyMs: number): Promise<void> {
    const { rows } = await this.pool.query<{ now: Date }>('SELECT now() AS now');
    this.since = rows[0]!.now;
    this.lags = [];
    this.timer = setInterval(() => void this.poll(), everyMs);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const { rows } = await this.pool.query<{ lag: number; updated_at: Date }>(
        `SELECT extract(epoch FROM updated_at - last_scheduled_at) * 1000 AS lag, updated_at
         FROM target_status WHERE updated_at > $1 AND last_scheduled_at IS NOT NULL`,
        [this.since],
      );
      for (const r of rows) {
        this.lags.push(Number(r.lag));
        if (r.updated_at > this.since) this.since = r.updated_at;
      }
    } catch {
      // A poll that fails (the stack is stopping) is only a missing sample.
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<Quantiles> {
    clearInterval(this.timer);
    await this.poll();
    return quantiles(this.lags);
  }
}

/** Cumulative counters of PostgreSQL: per database commits and rows inserted, updated and deleted; WAL bytes in all. */
export interface PgCounters {
  databases: Record<string, { commits: number; inserted: number; updated: number; deleted: number }>;
  walBytes: number;
}

export async function pgCounters(pool: Pool): Promise<PgCounters> {
  const { rows } = await pool.query<{ datname: string; xact_commit: string; tup_inserted: string; tup_updated: string; tup_deleted: string }>(
    `SELECT datname, xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database
     WHERE datname IS NOT NULL AND datname NOT LIKE 'template%' AND datname <> 'postgres'`,
  );
  const { rows: wal } = await pool.query<{ b: string }>('SELECT wal_bytes AS b FROM pg_stat_wal');
  return {
    databases: Object.fromEntries(
      rows.map((r) => [
        r.datname,
        { commits: Number(r.xact_commit), inserted: Number(r.tup_inserted), updated: Number(r.tup_updated), deleted: Number(r.tup_deleted) },
      ]),
    ),
    walBytes: Number(wal[0]?.b ?? 0),
  };
}

export interface StatementCost {
  database: string;
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
}

/**
 * Zeroes pg_stat_statements, when the server loads it (the production-like stack does); false when it does not. Needs
 * the superuser (the production-like stack's bench connection is).
 */
export async function resetStatementStats(pool: Pool): Promise<boolean> {
  try {
    await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await pool.query('SELECT pg_stat_statements_reset()');
    return true;
  } catch {
    return false;
  }
}

/** The statements that took most of PostgreSQL's execution time since the reset, every database. */
export async function statementCosts(pool: Pool, top = 10): Promise<StatementCost[]> {
  const { rows } = await pool.query<{ datname: string; query: string; calls: string; total: number; mean: number; rows: string }>(
    `SELECT d.datname, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 160) AS query, s.calls, s.total_exec_time AS total,
            s.mean_exec_time AS mean, s.rows
     FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
     ORDER BY s.total_exec_time DESC LIMIT $1`,
    [top],
  );
  return rows.map((r) => ({
    database: r.datname,
    query: r.query,
    calls: Number(r.calls),
    totalMs: round(r.total, 0),
    meanMs: round(r.mean, 3),
    rows: Number(r.rows),
  }));
}

export function pgRates(a: PgCounters, b: PgCounters, seconds: number) {
  const databases = Object.fromEntries(
    Object.entries(b.databases).map(([db, end]) => {
      const start = a.databases[db] ?? end;
      const rate = (k: keyof typeof end) => round((end[k] - start[k]) / seconds, 1);
      return [
        db,
        { commitsPerSecond: rate('commits'), insertsPerSecond: rate('inserted'), updatesPerSecond: rate('updated'), deletesPerSecond: rate('deleted') },
      ];
    }),
  );
  return { databases, walMbPerSecond: round((b.walBytes - a.walBytes) / seconds / 1e6, 3) };
}

/** A Prometheus text endpoint's counters, summed by one label (e.g. Temporal's `service_requests` by `operation`). */
export async function scrapeByLabel(url: string | undefined, metrics: string[], label: string, where = ''): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = Object.fromEntries(metrics.map((m) => [m, {}]));
  if (!url) return out;
  const text = await fetch(url)
    .then((r) => r.text())
    .catch(() => '');
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+([^\s]+)/.exec(line);
    if (!m || !metrics.includes(m[1]!) || !(m[2] ?? '').includes(where)) continue;
    const value = new RegExp(`${label}="([^"]*)"`).exec(m[2] ?? '')?.[1] ?? '';
    out[m[1]!]![value] = (out[m[1]!]![value] ?? 0) + Number(m[3]);
  }
  return out;
}

/** Per-second rates of the counters that grew, largest first. */
export function counterRates(a: Record<string, number>, b: Record<string, number>, seconds: number, top = 30): Record<string, number> {
  return Object.fromEntries(
    Object.entries(b)
      .map(([k, v]): [string, number] => [k, round((v - (a[k] ?? 0)) / seconds, 1)])
      .filter(([, v]) => v > 0)
      .sort((x, y) => y[1] - x[1])
      .slice(0, top),
  );
}

/** Histogram buckets of the worker's own metrics (schedule lag, write batch sizes), as cumulative counts by `le`. */
export async function workerHistogram(url: string | undefined, name: string): Promise<Record<string, number>> {
  const byLe = await scrapeByLabel(url, [`${name}_bucket`], 'le');
  return byLe[`${name}_bucket`] ?? {};
}

/** Quantile of a Prometheus histogram's increase between two scrapes: the upper bound of the bucket it falls in. */
export function histogramQuantile(a: Record<string, number>, b: Record<string, number>, q: number): number | null {
  const buckets = Object.keys(b)
    .map((le) => ({ le: le === '+Inf' ? Infinity : Number(le), n: (b[le] ?? 0) - (a[le] ?? 0) }))
    .sort((x, y) => x.le - y.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (total <= 0) return null;
  return buckets.find((x) => x.n >= q * total)?.le ?? null;
}

export function histogramMean(a: Record<string, number>, b: Record<string, number>, sumA: number, sumB: number): number | null {
  const n = (b['+Inf'] ?? 0) - (a['+Inf'] ?? 0);
  return n > 0 ? round((sumB - sumA) / n, 1) : null;
}

export interface HistorySample {
  sampled: number;
  /** History events added to the sampled workflows during the interval, per probe they recorded in it. */
  eventsPerProbe: number | null;
  events: number;
  probes: number;
  byType: Record<string, number>;
}

const EVENT_TYPE_NAMES: Record<number, string> = {
  1: 'WorkflowExecutionStarted',
  2: 'WorkflowExecutionCompleted',
  5: 'WorkflowTaskScheduled',
  6: 'WorkflowTaskStarted',
  7: 'WorkflowTaskCompleted',
  8: 'WorkflowTaskTimedOut',
  9: 'WorkflowTaskFailed',
  10: 'ActivityTaskScheduled',
  11: 'ActivityTaskStarted',
  12: 'ActivityTaskCompleted',
  13: 'ActivityTaskFailed',
  14: 'ActivityTaskTimedOut',
  15: 'ActivityTaskCancelRequested',
  16: 'ActivityTaskCanceled',
  17: 'TimerStarted',
  18: 'TimerFired',
  19: 'TimerCanceled',
  26: 'WorkflowExecutionSignaled',
  28: 'MarkerRecorded',
  40: 'WorkflowExecutionContinuedAsNew',
  47: 'WorkflowExecutionUpdateAccepted',
  48: 'WorkflowExecutionUpdateRejected',
  49: 'WorkflowExecutionUpdateCompleted',
};

/** Where the sampled workflows' histories stood: run id and the count of each event type. */
export type HistoryMarks = Map<string, { runId: string; byType: Record<string, number> }>;

/**
 * Reads the current run's history of a spread of the targets' workflows. Raw gRPC, so payloads are never decoded (a
 * deployment may encrypt them): only event types are counted.
 */
export async function markHistories(temporalAddress: string, targets: BenchTarget[], count: number): Promise<HistoryMarks> {
  const marks: HistoryMarks = new Map();
  if (count <= 0 || targets.length === 0) return marks;
  const connection = await Connection.connect({ address: temporalAddress });
  const service = connection.workflowService;
  const namespace = 'default';
  try {
    const step = Math.max(1, Math.floor(targets.length / count));
    for (let i = 0; i < targets.length && marks.size < count; i += step) {
      const id = targets[i]!.id;
      const described = await service.describeWorkflowExecution({ namespace, execution: { workflowId: targetWorkflowId(id) } });
      const runId = described.workflowExecutionInfo?.execution?.runId ?? '';
      const byType: Record<string, number> = {};
      let nextPageToken: Uint8Array | undefined;
      do {
        const page = await service.getWorkflowExecutionHistory({ namespace, execution: { workflowId: targetWorkflowId(id), runId }, nextPageToken });
        for (const e of page.history?.events ?? []) {
          const name = EVENT_TYPE_NAMES[Number(e.eventType)] ?? `type ${String(e.eventType)}`;
          byType[name] = (byType[name] ?? 0) + 1;
        }
        nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
      } while (nextPageToken);
      marks.set(id, { runId, byType });
    }
  } finally {
    await connection.close();
  }
  return marks;
}

/**
 * Events the sampled workflows added between two marks, per probe they recorded between them (by slot time). A
 * workflow that continued as new in between is left out. Windows are recorded when they end, so the interval should
 * span several windows.
 */
export async function historyBetween(pool: Pool, a: HistoryMarks, b: HistoryMarks, from: number, to: number): Promise<HistorySample> {
  const same = [...b.keys()].filter((id) => a.get(id)?.runId === b.get(id)!.runId);
  const byType: Record<string, number> = {};
  let events = 0;
  for (const id of same) {
    for (const [type, n] of Object.entries(b.get(id)!.byType)) {
      const added = n - (a.get(id)!.byType[type] ?? 0);
      byType[type] = (byType[type] ?? 0) + added;
      events += added;
    }
  }
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM check_results WHERE target_id = ANY($1) AND scheduled_at >= $2 AND scheduled_at < $3 AND outcome <> 'missed'`,
    [same, new Date(from), new Date(to)],
  );
  const probes = Number(rows[0]?.n ?? 0);
  const perProbe = (n: number) => (probes > 0 ? round(n / probes, 3) : 0);
  return {
    sampled: same.length,
    eventsPerProbe: probes > 0 ? round(events / probes, 2) : null,
    events,
    probes,
    byType: Object.fromEntries(
      Object.entries(byType)
        .filter(([, v]) => v > 0)
        .sort((x, y) => y[1] - x[1])
        .map(([k, v]) => [k, perProbe(v)]),
    ),
  };
}
