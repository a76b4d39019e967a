import type { Pool } from 'pg';

/**
 * Every write to `target_status`, the projection the API reads a target's state from with one lookup. Its columns
 * fall into groups, and each group has one writer; the writes that belong to a statement of another table are the
 * SQL below that statement embeds, so that each stays one round trip:
 *
 * | columns | writer | when |
 * |---|---|---|
 * | the row itself (`target_id`) | `statusRowsFor`, in `upsertTarget`'s statement (src/db/targets.ts) | a target is saved |
 * | `last_*`, `consecutive_*` | `statusFromResults`, in the result writer's statement (src/db/check-results.ts) | results are recorded |
 * | `state`, `state_since`, `last_flip_at` | `statusFromFlip`, in `recordFlip`'s statement (src/db/flips.ts) | the target's shown state flips |
 * | `flapping` | `recordFlapping` | the target starts or stops flapping |
 *
 * Each moves only forward (a later slot, a later flip), so retried and reordered writes change nothing more.
 */

/** Inserts an empty status row for each id the CTE `ids` returns (its `id` column), unless the target has one. */
export const statusRowsFor = (ids: string) => `INSERT INTO target_status (target_id) SELECT id FROM ${ids} ON CONFLICT DO NOTHING`;

/**
 * Moves each target's status to its latest result in the CTE `latest` (one row per target: target_id, scheduled_at,
 * started_at, outcome, latency_ms, error, consecutive_failures, consecutive_successes), unless it shows a later slot.
 */
export const statusFromResults = (latest: string) => `
  INSERT INTO target_status AS s (target_id, last_scheduled_at, last_checked_at, last_outcome, last_latency_ms,
                                  last_error, consecutive_failures, consecutive_successes, updated_at)
  SELECT target_id, scheduled_at, started_at, outcome, latency_ms, error, consecutive_failures,
         consecutive_successes, now()
  FROM ${latest}
  ON CONFLICT (target_id) DO UPDATE SET
    last_scheduled_at = excluded.last_scheduled_at,
    last_checked_at = excluded.last_checked_at,
    last_outcome = excluded.last_outcome,
    last_latency_ms = excluded.last_latency_ms,
    last_error = excluded.last_error,
    consecutive_failures = excluded.consecutive_failures,
    consecutive_successes = excluded.consecutive_successes,
    updated_at = excluded.updated_at
  WHERE (s.last_scheduled_at IS NULL OR s.last_scheduled_at < excluded.last_scheduled_at)`;

/** Moves the target's shown state to a flip (parameters: its target id, time and new state), unless it shows a later one. */
export const statusFromFlip = (params: { targetId: string; at: string; to: string }) => `
  UPDATE target_status SET state = ${params.to}, state_since = ${params.at}, last_flip_at = ${params.at}, updated_at = now()
  WHERE target_id = ${params.targetId} AND (last_flip_at IS NULL OR last_flip_at < ${params.at})`;

/** Marks the target flapping, or no longer. */
export async function recordFlapping(pool: Pool, targetId: string, flapping: boolean): Promise<void> {
  await pool.query('UPDATE target_status SET flapping = $2, updated_at = now() WHERE target_id = $1', [targetId, flapping]);
}
