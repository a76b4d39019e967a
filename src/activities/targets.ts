import type { Pool } from 'pg';
import { deleteTargetProjection, upsertTarget } from '../db/targets';
import type { TargetSpec } from '../domain/target';

export function createTargetActivities({ pool }: { pool: Pool }) {
  return {
    /**
     * Projects the configuration the workflow accepted (and whether it is paused), so the API reads what is really in
     * force, and probe windows started under an older version stop writing.
     */
    async saveTarget(target: { targetId: string; spec: TargetSpec; version: number; paused: boolean }): Promise<void> {
      await upsertTarget(pool, target);
    },

    async deleteTarget({ targetId }: { targetId: string }): Promise<void> {
      await deleteTargetProjection(pool, targetId);
    },
  };
}
