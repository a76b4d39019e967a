import type { Pool } from 'pg';
import type { StateChange } from '../domain/shown-state';
import { statusFromFlip } from './target-status';
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
     ${statusFromFlip({ targetId: '$1', at: '$2', to: '$4' })}`,
    [targetId, new Date(flip.at), flip.from, flip.to, flip.reason],
  );
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
