import type { Pool } from 'pg';
import { latencyBucket } from '../domain/latency-histogram';
import { GroupCommit } from './group-commit';
import { rollupsFrom } from './rollups';
import { statusFromResults } from './target-status';
import type { TimePage } from './time-pages';

/** One probe slot's result as written to check_results, with the counters the target_status projection shows. */
export interface CheckResultRow {
  targetId: string;
  scheduledAt: number;
  startedAt: number;
  outcome: 'up' | 'degraded' | 'down' | 'missed';
  latencyMs: number | null;
  statusCode: number | null;
  error: string | null;
  manual: boolean;
  /** The slot fell in a maintenance window: rollups count it apart, neither up nor down. */
  maintenance: boolean;
  /** The target's configuration version the probe ran under: a newer one in `targets` fences this write off. */
  configVersion: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export type StoredOutcome = Pick<CheckResultRow, 'outcome' | 'latencyMs' | 'error'>;

/**
 * - `recorded`: this row is now the slot's result.
 * - `duplicate`: the slot already had a result (a retried or superseded activity wrote it); `stored` is that result.
 * - `fenced`: the target was changed, paused or deleted since this probe's window started; nothing was written.
 */
export type WriteResult = { status: 'recorded' } | { status: 'duplicate'; stored?: StoredOutcome } | { status: 'fenced' };

/** How results are batched when the caller does not say (the worker passes its configuration). */
export const DEFAULT_WRITER_SETTINGS = { maxBatch: 500, maxInFlight: 2, lingerMs: 0 };

/**
 * Group commit (group-commit.ts) for probe results: one statement per batch appends the results (once per (target,
 * slot)), advances each target's status row, and adds the rows it appended to their hourly and daily rollups.
 */
export class CheckResultWriter {
  private readonly batches: GroupCommit<CheckResultRow, WriteResult>;

  constructor(
    private readonly pool: Pool,
    opts: { maxBatch: number; maxInFlight: number; lingerMs: number; onBatch?: (size: number) => void } = DEFAULT_WRITER_SETTINGS,
  ) {
    this.batches = new GroupCommit((rows) => this.commit(rows), opts);
  }

  write(row: CheckResultRow): Promise<WriteResult> {
    return this.batches.submit(row);
  }

  private async commit(rows: CheckResultRow[]): Promise<WriteResult[]> {
    // One slot written twice in a batch (a retry racing its first attempt): the first write is the one sent, and
    // the second is its duplicate, told what the first stored.
    const first = new Map<string, number>();
    for (const [i, row] of rows.entries()) if (!first.has(keyOf(row))) first.set(keyOf(row), i);
    const results = await insertCheckResults(
      this.pool,
      [...first.values()].map((i) => rows[i]!),
    );
    return rows.map((row, i) => {
      const result = results.get(keyOf(row)) ?? { status: 'fenced' };
      const sent = first.get(keyOf(row))!;
      const repeat = sent !== i && result.status === 'recorded';
      const { outcome, latencyMs, error } = rows[sent]!;
      return repeat ? { status: 'duplicate', stored: { outcome, latencyMs, error } } : result;
    });
  }
}

const slotKey = (targetId: string, scheduledAt: number) => `${targetId}@${scheduledAt}`;
const keyOf = (row: CheckResultRow) => slotKey(row.targetId, row.scheduledAt);

const INSERT_SQL = `
WITH input AS (
  SELECT DISTINCT ON (target_id, scheduled_at) *
  FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::int[], $6::int[], $7::text[],
              $8::bool[], $9::int[], $10::int[], $11::int[], $12::int[], $13::bool[])
    AS t(target_id, scheduled_at, started_at, outcome, latency_ms, status_code, error, manual, config_version,
         consecutive_failures, consecutive_successes, latency_bucket, maintenance)
), accepted AS (
  -- Checked row by row (one primary-key lookup each) rather than joined: the planner estimates a join like this at
  -- one row, and would then loop over every later join of the batch (quadratic); this one it estimates at half.
  SELECT i.* FROM input i
  WHERE (SELECT t.config_version = i.config_version AND NOT t.paused FROM targets t WHERE t.id = i.target_id)
), existing AS (
  SELECT c.target_id, c.scheduled_at, c.outcome, c.latency_ms, c.error
  FROM check_results c JOIN accepted a USING (target_id, scheduled_at)
), inserted AS (
  INSERT INTO check_results (target_id, scheduled_at, started_at, outcome, latency_ms, status_code, error, manual,
                             maintenance)
  SELECT target_id, scheduled_at, started_at, outcome, latency_ms, status_code, error, manual, maintenance
  FROM accepted a
  WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.target_id = a.target_id AND e.scheduled_at = a.scheduled_at)
  ON CONFLICT DO NOTHING
  RETURNING target_id, scheduled_at
), fresh AS (
  SELECT a.* FROM accepted a JOIN inserted USING (target_id, scheduled_at)
), latest AS (
  SELECT DISTINCT ON (target_id) *
  FROM fresh
  WHERE outcome <> 'missed'
  ORDER BY target_id, scheduled_at DESC
), status AS (${statusFromResults('latest')}
), hourly AS (${rollupsFrom('fresh', 'check_rollups_hourly', 'hour')}
), daily AS (${rollupsFrom('fresh', 'check_rollups_daily', 'day')}
)
SELECT a.target_id, (extract(epoch FROM a.scheduled_at) * 1000)::bigint AS scheduled_ms,
       i.target_id IS NOT NULL AS inserted, e.outcome, e.latency_ms, e.error
FROM accepted a
LEFT JOIN inserted i USING (target_id, scheduled_at)
LEFT JOIN existing e USING (target_id, scheduled_at)`;

/** The stretch of slots of one target whose stored results are asked for. */
export interface SlotSpan {
  targetId: string;
  from: number;
  to: number;
}

/**
 * The results already stored for each span's slots, by target and slot: what a window taken over from a stopped worker
 * reports for the slots that worker probed, instead of probing them again. One statement for every span.
 */
export async function storedResults(pool: Pool, spans: SlotSpan[]): Promise<Map<string, Map<number, StoredOutcome>>> {
  const { rows } = await pool.query<{
    target_id: string;
    scheduled_ms: string;
    outcome: CheckResultRow['outcome'];
    latency_ms: number | null;
    error: string | null;
  }>(
    `SELECT c.target_id, (extract(epoch FROM c.scheduled_at) * 1000)::bigint AS scheduled_ms, c.outcome, c.latency_ms, c.error
     FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS s(target_id, from_at, to_at)
     JOIN check_results c ON c.target_id = s.target_id AND c.scheduled_at BETWEEN s.from_at AND s.to_at`,
    [spans.map((s) => s.targetId), spans.map((s) => new Date(s.from)), spans.map((s) => new Date(s.to))],
  );
  const found = new Map<string, Map<number, StoredOutcome>>();
  for (const r of rows) {
    const slots = found.get(r.target_id) ?? new Map<number, StoredOutcome>();
    slots.set(Number(r.scheduled_ms), { outcome: r.outcome, latencyMs: r.latency_ms, error: r.error });
    found.set(r.target_id, slots);
  }
  return found;
}

export interface ResultRow {
  scheduled_at: Date;
  started_at: Date;
  outcome: string;
  latency_ms: number | null;
  status_code: number | null;
  error: string | null;
  manual: boolean;
  maintenance: boolean;
}

/** A page of a target's results, newest first: one range scan of their primary key. */
export async function listResults(pool: Pool, targetId: string, { from, before, limit }: TimePage): Promise<ResultRow[]> {
  const { rows } = await pool.query<ResultRow>(
    `SELECT scheduled_at, started_at, outcome, latency_ms, status_code, error, manual, maintenance FROM check_results
     WHERE target_id = $1 AND scheduled_at >= $2 AND scheduled_at < $3
     ORDER BY scheduled_at DESC LIMIT $4`,
    [targetId, from, before, limit],
  );
  return rows;
}

/** Latency describes the service when it answered acceptably; failures show in uptime instead. */
const latencyBucketOf = (row: CheckResultRow): number | null =>
  (row.outcome === 'up' || row.outcome === 'degraded') && row.latencyMs !== null ? latencyBucket(row.latencyMs) : null;

/** One batch in one statement, prepared once per connection (named) so that a batch is not parsed and planned anew. */
export async function insertCheckResults(pool: Pool, rows: CheckResultRow[]): Promise<Map<string, WriteResult>> {
  const col = <K extends keyof CheckResultRow>(k: K) => rows.map((r) => r[k]);
  const { rows: answered } = await pool.query<{
    target_id: string;
    scheduled_ms: string;
    inserted: boolean;
    outcome: CheckResultRow['outcome'] | null;
    latency_ms: number | null;
    error: string | null;
  }>({
    name: 'insert-check-results',
    text: INSERT_SQL,
    values: [
      col('targetId'),
      rows.map((r) => new Date(r.scheduledAt)),
      rows.map((r) => new Date(r.startedAt)),
      col('outcome'),
      col('latencyMs'),
      col('statusCode'),
      col('error'),
      col('manual'),
      col('configVersion'),
      col('consecutiveFailures'),
      col('consecutiveSuccesses'),
      rows.map(latencyBucketOf),
      col('maintenance'),
    ],
  });
  return new Map(
    answered.map((r): [string, WriteResult] => [
      slotKey(r.target_id, Number(r.scheduled_ms)),
      r.inserted
        ? { status: 'recorded' }
        : {
            status: 'duplicate',
            // Absent only when a concurrent writer took the slot between our read and our insert.
            ...(r.outcome ? { stored: { outcome: r.outcome, latencyMs: r.latency_ms, error: r.error } } : {}),
          },
    ]),
  );
}
