import type { Pool } from 'pg';

/** One probe slot's result as written to check_results, with the counters the target_status projection shows. */
export interface CheckResultRow {
  targetId: string;
  scheduledAt: number;
  startedAt: number;
  outcome: 'up' | 'degraded' | 'down' | 'missed';
  latencyMs: number | null;
  statusCode: number | null;
  error: string | null;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

/**
 * Group commit for probe results. Concurrent activities each call `write` and wait; rows that arrive while a batch is
 * in flight go together in the next one, as a single statement that appends the results (once per (target, slot):
 * a retried activity's row is ignored) and advances each target's status row. Every promise resolves only after its
 * own row is committed, so there is no buffer a crash can lose; when idle a write goes out at once, unbatched.
 */
export class CheckResultWriter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly pool: Pool,
    private readonly opts: { maxBatch: number; maxInFlight: number } = { maxBatch: 500, maxInFlight: 2 },
  ) {}

  /** Resolves true if this row was new, false if the slot already had a result. */
  write(row: CheckResultRow): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (this.inFlight < this.opts.maxInFlight) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.inFlight++;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.opts.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.inFlight--;
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      const inserted = await insertCheckResults(this.pool, batch.map((p) => p.row));
      for (const p of batch) p.resolve(inserted.has(slotKey(p.row.targetId, p.row.scheduledAt)));
    } catch (err) {
      // A row the database rejects (SQLSTATE classes 22, 23) must not fail its neighbours: retry them one by one.
      if (batch.length > 1 && isDataError(err)) {
        for (const p of batch) await this.commit([p]);
      } else {
        for (const p of batch) p.reject(err);
      }
    }
  }
}

interface Pending {
  row: CheckResultRow;
  resolve: (inserted: boolean) => void;
  reject: (err: unknown) => void;
}

const slotKey = (targetId: string, scheduledAt: number) => `${targetId}@${scheduledAt}`;

const isDataError = (err: unknown): boolean => /^2[23]/.test(String((err as { code?: unknown }).code ?? ''));

const INSERT_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::int[], $6::int[], $7::text[],
                       $8::int[], $9::int[])
    AS t(target_id, scheduled_at, started_at, outcome, latency_ms, status_code, error,
         consecutive_failures, consecutive_successes)
), inserted AS (
  INSERT INTO check_results (target_id, scheduled_at, started_at, outcome, latency_ms, status_code, error)
  SELECT target_id, scheduled_at, started_at, outcome, latency_ms, status_code, error FROM input
  ON CONFLICT DO NOTHING
  RETURNING target_id, scheduled_at
), latest AS (
  SELECT DISTINCT ON (i.target_id) i.*
  FROM input i
  JOIN inserted USING (target_id, scheduled_at)
  JOIN targets t ON t.id = i.target_id
  WHERE i.outcome <> 'missed'
  ORDER BY i.target_id, i.scheduled_at DESC
), status AS (
  INSERT INTO target_status AS s (target_id, last_scheduled_at, last_checked_at, last_outcome, last_latency_ms,
                                  last_error, consecutive_failures, consecutive_successes, updated_at)
  SELECT target_id, scheduled_at, started_at, outcome, latency_ms, error, consecutive_failures,
         consecutive_successes, now()
  FROM latest
  ON CONFLICT (target_id) DO UPDATE SET
    last_scheduled_at = excluded.last_scheduled_at,
    last_checked_at = excluded.last_checked_at,
    last_outcome = excluded.last_outcome,
    last_latency_ms = excluded.last_latency_ms,
    last_error = excluded.last_error,
    consecutive_failures = excluded.consecutive_failures,
    consecutive_successes = excluded.consecutive_successes,
    updated_at = excluded.updated_at
  WHERE s.last_scheduled_at IS NULL OR s.last_scheduled_at < excluded.last_scheduled_at
)
SELECT target_id, (extract(epoch FROM scheduled_at) * 1000)::bigint AS scheduled_ms FROM inserted`;

async function insertCheckResults(pool: Pool, rows: CheckResultRow[]): Promise<Set<string>> {
  const col = <K extends keyof CheckResultRow>(k: K) => rows.map((r) => r[k]);
  const { rows: inserted } = await pool.query<{ target_id: string; scheduled_ms: string }>(INSERT_SQL, [
    col('targetId'),
    rows.map((r) => new Date(r.scheduledAt)),
    rows.map((r) => new Date(r.startedAt)),
    col('outcome'),
    col('latencyMs'),
    col('statusCode'),
    col('error'),
    col('consecutiveFailures'),
    col('consecutiveSuccesses'),
  ]);
  return new Set(inserted.map((r) => slotKey(r.target_id, Number(r.scheduled_ms))));
}
