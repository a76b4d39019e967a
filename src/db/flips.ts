import type { Pool } from 'pg';
import type { StateChange } from '../domain/shown-state';
import type { TimePage } from './time-pages';

/**
 * Appends a change of the state a target shows, and moves its status row to it, in one statement; a retry changes
 * nothing more (the flip is keyed by (target, at), and the status moves only forward).
 */
export async function recordFlip(pool: Pool, targetId: string, flip: StateChange): Promise<void> {
  await pool.query(
    `WITH flip AS (
       INSERT INTO flips (target_id, at, from_state, to_state, reason) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING)
     UPDATE target_status SET state = $4, state_since = $2, last_flip_at = $2, updated_at = now()
     WHERE target_id = $1 AND (last_flip_at IS NULL OR last_flip_at < $2)`,
    [targetId, new Date(flip.at), flip.from, flip.to, flip.reason],
  );
}

/** Marks the target flapping, or no longer. */
export async function recordFlapping(pool: Pool, targetId: string, flapping: boolean): Promise<void> {
  await pool.query('UPDATE target_status SET flapping = $2, updated_at = now() WHERE target_id = $1', [targetId, flapping]);
}

export interface FlipRow {
  at: Date;
  from_state: string;
  to_state: string;
  reason: string;
}

/** A page of a target's flips, newest first. */
export async function listFlips(pool: Pool, targetId: string, { from, before, limit }: TimePage): Promise<FlipRow[]> {
  const { rows } = await pool.query<FlipRow>(
    `SELECT at, from_state, to_state, reason FROM flips
     WHERE target_id = $1 AND at >= $2 AND at < $3
     ORDER BY at DESC LIMIT $4`,
    [targetId, from, before, limit],
  );
  return rows;
}
