import type { Pool } from 'pg';
import { recordFlip } from '../db/flips';
import { recordFlapping } from '../db/target-status';
import type { StateChange } from '../domain/shown-state';

export function createFlipActivities({ pool }: { pool: Pool }) {
  return {
    /** Appends the state change and moves the target's status to it; a retry changes nothing more. */
    async recordFlip({ targetId, flip }: { targetId: string; flip: StateChange }): Promise<void> {
      await recordFlip(pool, targetId, flip);
    },

    /** Marks the target flapping, or no longer. */
    async recordFlapping({ targetId, flapping }: { targetId: string; flapping: boolean }): Promise<void> {
      await recordFlapping(pool, targetId, flapping);
    },
  };
}
