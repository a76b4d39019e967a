import type { Pool } from 'pg';
import { upsertTarget } from '../db/targets';
import type { TargetSpec } from '../domain/target';

export function createTargetActivities({ pool }: { pool: Pool }) {
  return {
    /** Projects the configuration the workflow accepted, so the API reads what is really in force. */
    async saveTarget({ targetId, spec, version }: { targetId: string; spec: TargetSpec; version: number }): Promise<void> {
      await upsertTarget(pool, targetId, spec, version);
    },
  };
}
