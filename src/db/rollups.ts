import type { Pool } from 'pg';
import { decodeHistogram, HISTOGRAM_DIGIT, percentile, type LatencySummary } from '../domain/latency-histogram';

/**
 * The hourly and daily rollups: their writer, which the result writer's statement embeds, and their reads. Every
 * read is a primary-key range scan of at most a few dozen hourly rows plus one row per whole day: never raw results.
 *
 * Uptime is judged probes that were not down: (probes − missed − maintenance − down) / (probes − missed − maintenance).
 * Degraded counts as up; missed slots (Vigil itself could not probe) and slots in a maintenance window count neither
 * way (down, degraded and missed count only slots outside maintenance); none judged means no uptime (null).
 */

/**
 * SQL for the stored form of a histogram holding one latency in `bucket`: 2^(32·bucket), an exact integer (trunc drops
 * the zero decimals power() may carry).
 */
export const histogramDigitSql = (bucket: string): string => `trunc(power(${HISTOGRAM_DIGIT}::numeric, ${bucket}))`;

/**
 * The rollups' one writer, embedded in the result writer's statement (src/db/check-results.ts): adds the rows that
 * statement appended (the CTE `fresh`) to their (target, UTC hour or day) rollup. Rows of one target and period are
 * aggregated first (an upsert may touch a row once), in key order so concurrent batches lock rows alike. Rows that were
 * duplicates or fenced off never reach `fresh`, so nothing is counted twice.
 */
export const rollupsFrom = (fresh: string, table: 'check_rollups_hourly' | 'check_rollups_daily', unit: 'hour' | 'day') => `
  INSERT INTO ${table} AS r (target_id, starts_at, probes, down, degraded, missed, maintenance, latency_count, latency_sum_ms,
                             latency_min_ms, latency_max_ms, latency_histogram)
  SELECT target_id, date_trunc('${unit}', scheduled_at, 'UTC'), count(*),
         count(*) FILTER (WHERE outcome = 'down' AND NOT maintenance),
         count(*) FILTER (WHERE outcome = 'degraded' AND NOT maintenance),
         count(*) FILTER (WHERE outcome = 'missed' AND NOT maintenance), count(*) FILTER (WHERE maintenance),
         count(latency_bucket),
         coalesce(sum(latency_ms) FILTER (WHERE latency_bucket IS NOT NULL), 0),
         min(latency_ms) FILTER (WHERE latency_bucket IS NOT NULL), max(latency_ms) FILTER (WHERE latency_bucket IS NOT NULL),
         coalesce(sum(${histogramDigitSql('latency_bucket')}), 0)
  FROM ${fresh}
  GROUP BY 1, 2
  ORDER BY 1, 2
  ON CONFLICT (target_id, starts_at) DO UPDATE SET
    probes = r.probes + excluded.probes,
    down = r.down + excluded.down,
    degraded = r.degraded + excluded.degraded,
    missed = r.missed + excluded.missed,
    maintenance = r.maintenance + excluded.maintenance,
    latency_count = r.latency_count + excluded.latency_count,
    latency_sum_ms = r.latency_sum_ms + excluded.latency_sum_ms,
    latency_min_ms = least(r.latency_min_ms, excluded.latency_min_ms),
    latency_max_ms = greatest(r.latency_max_ms, excluded.latency_max_ms),
    latency_histogram = r.latency_histogram + excluded.latency_histogram`;

export interface RollupTotals {
  probes: number;
  down: number;
  degraded: number;
  missed: number;
  maintenance: number;
  latency: LatencySummary;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const floorTo = (at: number, unit: number) => Math.floor(at / unit) * unit;
const ceilTo = (at: number, unit: number) => Math.ceil(at / unit) * unit;

/** Uptime in percent, truncated (not rounded) to 3 decimals, so that any failure shows below 100. */
export function uptimePercent(t: Pick<RollupTotals, 'probes' | 'down' | 'missed' | 'maintenance'>): number | null {
  const judged = t.probes - t.missed - t.maintenance;
  if (judged <= 0) return null;
  return Math.floor(((judged - t.down) * 100_000) / judged) / 1000;
}

/**
 * Which rollup rows answer [from, to). Rollups cannot split an hour, so the range widens to whole UTC hours: every
 * hour it overlaps counts whole (the current hour counts with what it has so far). Whole UTC days inside it are read
 * from daily rows, the partial days at its edges from hourly ones; where hourly rows have already been dropped by
 * retention (before `hourlyFrom`), an edge day is read whole from its daily row instead.
 */
export interface RangePlan {
  from: Date;
  to: Date;
  days: [Date, Date];
  hours: [[Date, Date], [Date, Date]];
}

export function planRange(from: Date, to: Date, hourlyFrom: Date | null): RangePlan {
  const horizon = hourlyFrom ? floorTo(hourlyFrom.getTime(), DAY) : Infinity;
  let start = floorTo(from.getTime(), HOUR);
  let end = ceilTo(to.getTime(), HOUR);
  if (start < horizon) start = floorTo(start, DAY);
  if (end < horizon) end = ceilTo(end, DAY);
  const dayStart = ceilTo(start, DAY);
  const dayEnd = floorTo(end, DAY);
  const d = (ms: number) => new Date(ms);
  if (dayStart >= dayEnd)
    return {
      from: d(start),
      to: d(end),
      days: [d(start), d(start)],
      hours: [
        [d(start), d(end)],
        [d(end), d(end)],
      ],
    };
  return {
    from: d(start),
    to: d(end),
    days: [d(dayStart), d(dayEnd)],
    hours: [
      [d(start), d(dayStart)],
      [d(dayEnd), d(end)],
    ],
  };
}

const COUNTERS = `probes, down, degraded, missed, maintenance, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram`;

interface TotalsRow {
  probes: string;
  down: string;
  degraded: string;
  missed: string;
  maintenance: string;
  latency_count: string;
  latency_sum_ms: string;
  latency_min_ms: number | null;
  latency_max_ms: number | null;
  latency_histogram: string;
}

/** One target's totals over [from, to), planned by `planRange`; returns the range it really covers. */
export async function readRangeTotals(pool: Pool, targetId: string, from: Date, to: Date): Promise<{ plan: RangePlan; totals: RollupTotals }> {
  // The oldest hourly row: one step down the starts_at index.
  const { rows: horizon } = await pool.query<{ starts_at: Date | null }>('SELECT min(starts_at) AS starts_at FROM check_rollups_hourly');
  const plan = planRange(from, to, horizon[0]?.starts_at ?? null);
  const { rows } = await pool.query<TotalsRow>(
    `SELECT coalesce(sum(probes), 0) AS probes, coalesce(sum(down), 0) AS down, coalesce(sum(degraded), 0) AS degraded,
            coalesce(sum(missed), 0) AS missed, coalesce(sum(maintenance), 0) AS maintenance,
            coalesce(sum(latency_count), 0) AS latency_count,
            coalesce(sum(latency_sum_ms), 0) AS latency_sum_ms, min(latency_min_ms) AS latency_min_ms,
            max(latency_max_ms) AS latency_max_ms, coalesce(sum(latency_histogram), 0) AS latency_histogram
     FROM (SELECT ${COUNTERS} FROM check_rollups_daily WHERE target_id = $1 AND starts_at >= $2 AND starts_at < $3
           UNION ALL
           SELECT ${COUNTERS} FROM check_rollups_hourly
           WHERE target_id = $1 AND (starts_at >= $4 AND starts_at < $5 OR starts_at >= $6 AND starts_at < $7)) r`,
    [targetId, plan.days[0], plan.days[1], plan.hours[0][0], plan.hours[0][1], plan.hours[1][0], plan.hours[1][1]],
  );
  const r = rows[0]!;
  return {
    plan,
    totals: {
      probes: Number(r.probes),
      down: Number(r.down),
      degraded: Number(r.degraded),
      missed: Number(r.missed),
      maintenance: Number(r.maintenance),
      latency: {
        count: Number(r.latency_count),
        sumMs: Number(r.latency_sum_ms),
        minMs: r.latency_min_ms,
        maxMs: r.latency_max_ms,
        buckets: decodeHistogram(r.latency_histogram),
      },
    },
  };
}

export interface LatencyStats {
  count: number;
  meanMs: number | null;
  minMs: number | null;
  maxMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export function latencyStats(l: LatencySummary): LatencyStats {
  return {
    count: l.count,
    meanMs: l.count > 0 ? Math.round((l.sumMs / l.count) * 10) / 10 : null,
    minMs: l.minMs,
    maxMs: l.maxMs,
    p50Ms: percentile(l, 50),
    p95Ms: percentile(l, 95),
    p99Ms: percentile(l, 99),
  };
}

export interface DailyBar {
  /** The UTC day, YYYY-MM-DD. */
  date: string;
  uptimePercent: number | null;
  probes: number;
  down: number;
  degraded: number;
  missed: number;
  maintenance: number;
}

/**
 * The last `days` UTC days (today last, so far) of each target, one bar per day whether or not it has results, read
 * in one query over the daily rollups' primary key. Each target's days come as one JSON text, not a row each: a status
 * page reads thousands of days, and pg's row parsing of those costs several times what V8's JSON.parse of the same
 * does (bench/status-page.ts).
 */
export async function readDailyBars(pool: Pool, targetIds: readonly string[], days: number, now = new Date()): Promise<Map<string, DailyBar[]>> {
  const first = floorTo(now.getTime(), DAY) - (days - 1) * DAY;
  const { rows } = await pool.query<{ target_id: string; days: string }>(
    `SELECT target_id,
            json_agg(json_build_array(((extract(epoch FROM starts_at) * 1000)::bigint - $3::bigint) / ${DAY},
                                      probes, down, degraded, missed, maintenance))::text AS days
     FROM check_rollups_daily
     WHERE target_id = ANY($1) AND starts_at >= $2
     GROUP BY target_id`,
    [targetIds, new Date(first), first],
  );
  const dates = Array.from({ length: days }, (_, i) => new Date(first + i * DAY).toISOString().slice(0, 10));
  const found = new Map(rows.map((r) => [r.target_id, JSON.parse(r.days) as number[][]]));
  return new Map(
    targetIds.map((id) => {
      const bars = dates.map((date): DailyBar => ({ date, uptimePercent: null, probes: 0, down: 0, degraded: 0, missed: 0, maintenance: 0 }));
      for (const [day, probes, down, degraded, missed, maintenance] of found.get(id) ?? []) {
        // Days after today (a clock behind the writers') have no bar.
        if (day! >= days) continue;
        const counts = { probes: probes!, down: down!, degraded: degraded!, missed: missed!, maintenance: maintenance! };
        bars[day!] = { date: dates[day!]!, uptimePercent: uptimePercent(counts), ...counts };
      }
      return [id, bars];
    }),
  );
}

/**
 * Deletes hourly rollups older than `hourlyBefore` and daily ones older than `dailyBefore`, a batch at a time so no
 * statement holds many row locks (the starts_at indexes find them); returns how many of each.
 */
export async function deleteExpiredRollups(
  pool: Pool,
  { hourlyBefore, dailyBefore }: { hourlyBefore: Date; dailyBefore: Date },
  batchSize = 5_000,
): Promise<{ hourly: number; daily: number }> {
  const deleteBefore = async (table: string, before: Date) => {
    let deleted = 0;
    for (;;) {
      const { rowCount } = await pool.query(
        `DELETE FROM ${table} WHERE (target_id, starts_at) IN (
           SELECT target_id, starts_at FROM ${table} WHERE starts_at < $1 LIMIT $2)`,
        [before, batchSize],
      );
      deleted += rowCount ?? 0;
      if ((rowCount ?? 0) < batchSize) return deleted;
    }
  };
  return { hourly: await deleteBefore('check_rollups_hourly', hourlyBefore), daily: await deleteBefore('check_rollups_daily', dailyBefore) };
}
