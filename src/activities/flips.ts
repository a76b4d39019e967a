import type { Pool } from 'pg';
import type { StateChange } from '../domain/shown-state';

export function createFlipActivities({ pool }: { pool: Pool }) {
  return {
    /** Appends the state change and moves the target's status to it; a retry changes nothing more. */
    async recordFlip({ targetId, flip }: { targetId: string; flip: StateChange }): Promise<void> {
      await pool.query(
        `WITH flip AS (
           INSERT INTO flips (target_id, at, from_state, to_state, reason) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING)
         UPDATE target_status SET state = $4, state_since = $2, last_flip_at = $2, updated_at = now()
         WHERE target_id = $1 AND (last_flip_at IS NULL OR last_flip_at < $2)`,
        [targetId, new Date(flip.at), flip.from, flip.to, flip.reason],
      );
    },

    /** Marks the target flapping, or no longer. */
    async recordFlapping({ targetId, flapping }: { targetId: string; flapping: boolean }): Promise<void> {
      await pool.query('UPDATE target_status SET flapping = $2, updated_at = now() WHERE target_id = $1', [targetId, flapping]);
    },
  };
}
