import { CheckResultWriter, insertCheckResults, type CheckResultRow } from '../../src/db/check-results';
import { histogramDigitSql, latencyStats, planRange, readRangeTotals, uptimePercent } from '../../src/db/rollups';
import { upsertTarget } from '../../src/db/targets';
import { decodeHistogram, HISTOGRAM_DIGIT, LATENCY_BUCKETS, latencyBucket, PERCENTILE_RELATIVE_ERROR } from '../../src/domain/latency-histogram';
import { TargetSpecSchema } from '../../src/domain/target';
import { useStack } from '../support/stack';
import { responseTime, seeded } from '../support/random';
import { resultRow } from '../support/seed';
import { testSecrets } from '../support/codec';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

const row = (targetId: string, scheduledAt: number, outcome: CheckResultRow['outcome'], latencyMs: number | null, configVersion = 1, maintenance = false) =>
  resultRow(targetId, scheduledAt, outcome, { latencyMs, error: outcome === 'up' ? null : outcome, configVersion, maintenance });

const histogramOf = (latencies: number[]) => {
  const buckets = new Array<number>(LATENCY_BUCKETS).fill(0);
  for (const ms of latencies) buckets[latencyBucket(ms)]!++;
  return buckets;
};

describe('rollups kept by the result writer', () => {
  const stack = useStack({ db: true });

  const addTarget = (targetId: string, opts: { version?: number; paused?: boolean } = {}) =>
    upsertTarget(stack.db.pool, testSecrets, {
      targetId,
      spec: TargetSpecSchema.parse({ name: targetId, intervalSeconds: 30, probe: { kind: 'http', url: 'https://example.com' } }),
      version: opts.version ?? 1,
      paused: opts.paused ?? false,
    });

  const rollup = async (table: 'hourly' | 'daily', targetId: string, startsAt: string) => {
    const { rows } = await stack.db.pool.query(
      `SELECT probes, down, degraded, missed, maintenance, latency_count, latency_sum_ms::int AS latency_sum_ms, latency_min_ms,
              latency_max_ms, latency_histogram
       FROM check_rollups_${table} WHERE target_id = $1 AND starts_at = $2`,
      [targetId, new Date(startsAt)],
    );
    if (!rows[0]) return undefined;
    const { latency_histogram, ...counters } = rows[0];
    return { ...counters, latency_buckets: decodeHistogram(latency_histogram) };
  };

  it('counts each newly recorded result once, in its UTC hour and day, whatever the batch repeats or fences off', async () => {
    await addTarget('tgt_ROLLA');
    await addTarget('tgt_ROLLB');
    await addTarget('tgt_ROLLC', { version: 2 });
    await addTarget('tgt_ROLLD', { paused: true });
    const t = at('2026-01-10T10:00:00Z');
    await insertCheckResults(stack.db.pool, [
      row('tgt_ROLLA', t, 'up', 100),
      row('tgt_ROLLA', t + 30_000, 'down', 5000),
      row('tgt_ROLLA', t + 60_000, 'degraded', 300),
      row('tgt_ROLLA', t + 60_000, 'degraded', 300), // the same slot twice in one batch
      row('tgt_ROLLA', t + 90_000, 'missed', null),
      row('tgt_ROLLA', t + HOUR, 'up', 50),
      row('tgt_ROLLB', t, 'up', 20),
      row('tgt_ROLLC', t, 'up', 20, 1), // fenced: the target is at version 2
      row('tgt_ROLLD', t, 'up', 20), // paused
    ]);
    // A retried window repeats a slot already recorded, next to a new one.
    await insertCheckResults(stack.db.pool, [row('tgt_ROLLA', t, 'down', 9), row('tgt_ROLLA', t + 120_000, 'up', 200)]);

    expect(await rollup('hourly', 'tgt_ROLLA', '2026-01-10T10:00:00Z')).toEqual({
      probes: 5,
      down: 1,
      degraded: 1,
      missed: 1,
      maintenance: 0,
      latency_count: 3,
      latency_sum_ms: 600,
      latency_min_ms: 100,
      latency_max_ms: 300,
      latency_buckets: histogramOf([100, 300, 200]),
    });
    expect(await rollup('hourly', 'tgt_ROLLA', '2026-01-10T11:00:00Z')).toMatchObject({ probes: 1, latency_count: 1, latency_min_ms: 50 });
    expect(await rollup('daily', 'tgt_ROLLA', '2026-01-10T00:00:00Z')).toEqual({
      probes: 6,
      down: 1,
      degraded: 1,
      missed: 1,
      maintenance: 0,
      latency_count: 4,
      latency_sum_ms: 650,
      latency_min_ms: 50,
      latency_max_ms: 300,
      latency_buckets: histogramOf([100, 300, 200, 50]),
    });
    expect(await rollup('hourly', 'tgt_ROLLB', '2026-01-10T10:00:00Z')).toMatchObject({ probes: 1, down: 0, latency_count: 1 });
    expect(await rollup('hourly', 'tgt_ROLLC', '2026-01-10T10:00:00Z')).toBeUndefined();
    expect(await rollup('hourly', 'tgt_ROLLD', '2026-01-10T10:00:00Z')).toBeUndefined();
  });

  it('counts the slots of a maintenance window apart, whatever their outcome: neither up nor down', async () => {
    await addTarget('tgt_ROLLM');
    const t = at('2026-01-12T10:00:00Z');
    await insertCheckResults(stack.db.pool, [
      row('tgt_ROLLM', t, 'up', 10),
      row('tgt_ROLLM', t + 30_000, 'down', 10, 1, true),
      row('tgt_ROLLM', t + 60_000, 'missed', null, 1, true),
      row('tgt_ROLLM', t + 90_000, 'down', 10),
    ]);
    expect(await rollup('hourly', 'tgt_ROLLM', '2026-01-12T10:00:00Z')).toMatchObject({ probes: 4, down: 1, missed: 0, maintenance: 2 });
    const { totals } = await readRangeTotals(stack.db.pool, 'tgt_ROLLM', new Date(t), new Date(t + 3_600_000));
    expect(uptimePercent(totals)).toBe(50);
  });

  it('leaves the histogram empty for an hour of failures and missed slots only', async () => {
    await addTarget('tgt_ROLLE');
    const t = at('2026-01-11T05:00:00Z');
    await insertCheckResults(stack.db.pool, [row('tgt_ROLLE', t, 'down', 12), row('tgt_ROLLE', t + 30_000, 'missed', null)]);
    expect(await rollup('hourly', 'tgt_ROLLE', '2026-01-11T05:00:00Z')).toMatchObject({
      probes: 2,
      down: 1,
      missed: 1,
      latency_count: 0,
      latency_sum_ms: 0,
      latency_min_ms: null,
      latency_buckets: histogramOf([]),
    });
  });

  describe('two workers writing the same windows at once (retries and duplicates), across a day boundary', () => {
    const targets = Array.from({ length: 12 }, (_, i) => `tgt_ROLLCONC${String(i).padStart(2, '0')}`);
    const start = at('2026-02-01T22:30:00Z');
    const random = seeded(42);
    const rows = targets.flatMap((targetId) =>
      Array.from({ length: 240 }, (_, i) => {
        const roll = random();
        const outcome = roll < 0.05 ? 'down' : roll < 0.1 ? 'degraded' : roll < 0.12 ? 'missed' : 'up';
        return row(targetId, start + i * 30_000, outcome, outcome === 'missed' ? null : responseTime(random));
      }),
    );

    beforeAll(async () => {
      for (const id of targets) await addTarget(id);
      const shuffled = (copy: CheckResultRow[]) =>
        copy
          .map((r) => [random(), r] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, r]) => r);
      // Small batches, so that the two writers' statements interleave and often hold several rows of one target.
      const writers = [
        new CheckResultWriter(stack.db.pool, { maxBatch: 37, maxInFlight: 3, lingerMs: 0 }),
        new CheckResultWriter(stack.db.pool, { maxBatch: 53, maxInFlight: 3, lingerMs: 0 }),
      ];
      const inputs = writers.flatMap((w) => shuffled([...rows, ...rows.slice(0, 300)]).map((r) => [w, r] as const));
      const results = await Promise.all(inputs.map(([w, r]) => w.write(r)));
      const recorded = results.flatMap((res, k) => (res.status === 'recorded' ? [inputs[k]![1]] : []));
      expect(recorded).toHaveLength(rows.length);
    });

    it('holds in every hourly and daily row exactly what the recorded results add up to, histograms included', async () => {
      for (const [table, unit] of [
        ['check_rollups_hourly', 'hour'],
        ['check_rollups_daily', 'day'],
      ] as const) {
        const { rows: mismatched } = await stack.db.pool.query(
          `WITH truth AS (
             SELECT target_id, date_trunc('${unit}', scheduled_at, 'UTC') AS starts_at, count(*)::int AS probes,
                    count(*) FILTER (WHERE outcome = 'down')::int AS down, count(*) FILTER (WHERE outcome = 'degraded')::int AS degraded,
                    count(*) FILTER (WHERE outcome = 'missed')::int AS missed,
                    count(*) FILTER (WHERE outcome IN ('up', 'degraded'))::int AS latency_count,
                    coalesce(sum(latency_ms) FILTER (WHERE outcome IN ('up', 'degraded')), 0)::bigint AS latency_sum_ms,
                    min(latency_ms) FILTER (WHERE outcome IN ('up', 'degraded')) AS latency_min_ms,
                    max(latency_ms) FILTER (WHERE outcome IN ('up', 'degraded')) AS latency_max_ms
             FROM check_results WHERE target_id LIKE 'tgt_ROLLCONC%' GROUP BY 1, 2)
           SELECT * FROM truth t FULL JOIN (SELECT * FROM ${table} WHERE target_id LIKE 'tgt_ROLLCONC%') r USING (target_id, starts_at)
           WHERE r.target_id IS NULL OR t.target_id IS NULL
              OR (t.probes, t.down, t.degraded, t.missed, t.latency_count, t.latency_sum_ms, t.latency_min_ms, t.latency_max_ms)
                 IS DISTINCT FROM (r.probes, r.down, r.degraded, r.missed, r.latency_count, r.latency_sum_ms, r.latency_min_ms, r.latency_max_ms)`,
        );
        expect(mismatched).toEqual([]);
      }
      const { rows: stored } = await stack.db.pool.query<{ target_id: string; scheduled_at: Date; outcome: string; latency_ms: number }>(
        `SELECT target_id, scheduled_at, outcome, latency_ms FROM check_results WHERE target_id LIKE 'tgt_ROLLCONC%'`,
      );
      expect(stored).toHaveLength(rows.length);
      const expected = new Map<string, number[]>();
      for (const r of stored.filter((r) => r.outcome === 'up' || r.outcome === 'degraded')) {
        const key = `${r.target_id}@${Math.floor(r.scheduled_at.getTime() / HOUR) * HOUR}`;
        expected.set(key, [...(expected.get(key) ?? []), r.latency_ms]);
      }
      const { rows: hourly } = await stack.db.pool.query<{ target_id: string; starts_at: Date; latency_histogram: string }>(
        `SELECT target_id, starts_at, latency_histogram FROM check_rollups_hourly WHERE target_id LIKE 'tgt_ROLLCONC%'`,
      );
      expect(new Map(hourly.map((h) => [`${h.target_id}@${h.starts_at.getTime()}`, decodeHistogram(h.latency_histogram)]))).toEqual(
        new Map([...expected].map(([key, latencies]) => [key, histogramOf(latencies)])),
      );
    });

    it('answers uptime and percentiles over a range that spans hours and a whole day, within the documented error', async () => {
      const targetId = targets[0]!;
      const mine = rows.filter((r) => r.targetId === targetId);
      // 22:30 on the 1st to 00:30 on the 3rd: edge hours from hourly rows, the 2nd from its daily row.
      const { plan, totals } = await readRangeTotals(stack.db.pool, targetId, new Date(start), new Date(start + 26 * HOUR));
      expect(plan.days).toEqual([new Date('2026-02-02T00:00:00Z'), new Date('2026-02-03T00:00:00Z')]);
      expect(totals.probes).toBe(mine.length);
      const count = (o: string) => mine.filter((r) => r.outcome === o).length;
      expect(totals).toMatchObject({ down: count('down'), degraded: count('degraded'), missed: count('missed') });
      const judged = mine.length - count('missed');
      expect(uptimePercent(totals)).toBe(Math.floor(((judged - count('down')) * 100_000) / judged) / 1000);

      const latencies = mine
        .filter((r) => r.outcome === 'up' || r.outcome === 'degraded')
        .map((r) => r.latencyMs!)
        .sort((a, b) => a - b);
      const exact = (p: number) => latencies[Math.ceil((p / 100) * latencies.length) - 1]!;
      const stats = latencyStats(totals.latency);
      expect(stats).toMatchObject({ count: latencies.length, minMs: latencies[0], maxMs: latencies.at(-1) });
      for (const [p, estimate] of [
        [50, stats.p50Ms],
        [95, stats.p95Ms],
        [99, stats.p99Ms],
      ] as const) {
        expect(Math.abs(estimate! - exact(p))).toBeLessThanOrEqual(exact(p) * PERCENTILE_RELATIVE_ERROR + 0.5);
      }
    });
  });

  it('computes the stored form of every bucket exactly, so sums never bleed into a neighbouring bucket', async () => {
    const { rows } = await stack.db.pool.query<{ b: number; digit: string }>(
      `SELECT b, ${histogramDigitSql('b')}::text AS digit FROM generate_series(0, ${LATENCY_BUCKETS - 1}) b ORDER BY b`,
    );
    expect(rows.map((r) => r.digit)).toEqual(rows.map((r) => (BigInt(HISTOGRAM_DIGIT) ** BigInt(r.b)).toString()));
  });

  it('reports no uptime, rather than 0 or 100 %, when nothing was judged', () => {
    expect(uptimePercent({ probes: 3, missed: 3, down: 0, maintenance: 0 })).toBeNull();
    expect(uptimePercent({ probes: 0, missed: 0, down: 0, maintenance: 0 })).toBeNull();
    expect(uptimePercent({ probes: 100_000, missed: 0, down: 1, maintenance: 0 })).toBe(99.999);
    expect(uptimePercent({ probes: 1_000_000, missed: 0, down: 1, maintenance: 0 })).toBe(99.999); // truncated, never shown as 100
    expect(uptimePercent({ probes: 4, missed: 0, down: 0, maintenance: 4 })).toBeNull();
  });
});

describe('planning a range over the rollups', () => {
  const d = (iso: string) => new Date(iso);
  const horizon = d('2026-01-01T07:00:00Z');

  it('widens to whole hours, reads whole days from daily rows and the partial days at the edges from hourly ones', () => {
    expect(planRange(d('2026-03-01T10:20:00Z'), d('2026-03-04T05:10:00Z'), horizon)).toEqual({
      from: d('2026-03-01T10:00:00Z'),
      to: d('2026-03-04T06:00:00Z'),
      days: [d('2026-03-02T00:00:00Z'), d('2026-03-04T00:00:00Z')],
      hours: [
        [d('2026-03-01T10:00:00Z'), d('2026-03-02T00:00:00Z')],
        [d('2026-03-04T00:00:00Z'), d('2026-03-04T06:00:00Z')],
      ],
    });
  });

  it('reads hourly rows only when no whole day lies inside the range', () => {
    const plan = planRange(d('2026-03-01T10:20:00Z'), d('2026-03-02T09:00:00Z'), horizon);
    expect(plan.hours[0]).toEqual([d('2026-03-01T10:00:00Z'), d('2026-03-02T09:00:00Z')]);
    expect(plan.days[0]).toEqual(plan.days[1]);
    expect(plan.hours[1][0]).toEqual(plan.hours[1][1]);
  });

  it('reads an edge day whole from its daily row where retention already dropped its hours', () => {
    const plan = planRange(d('2025-12-20T10:20:00Z'), d('2025-12-25T13:00:00Z'), horizon);
    expect(plan.from).toEqual(d('2025-12-20T00:00:00Z'));
    expect(plan.to).toEqual(d('2025-12-26T00:00:00Z'));
    expect(plan.days).toEqual([d('2025-12-20T00:00:00Z'), d('2025-12-26T00:00:00Z')]);
  });
});
