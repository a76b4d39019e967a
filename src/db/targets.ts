import type { Pool } from 'pg';
import type { TargetSpec } from '../domain/target';

/**
 * Projects a target's accepted configuration into `targets`, with a status row for it. Versioned: a late retry of an
 * older save never overwrites a newer configuration. Written by the target workflow's activity, and by the API right
 * after it starts that workflow, so a read that follows a create finds the target.
 */
export async function upsertTarget(pool: Pool, targetId: string, spec: TargetSpec, version: number): Promise<void> {
  await pool.query(
    `WITH saved AS (
       INSERT INTO targets (id, name, kind, interval_seconds, probe, down_after, up_after, config_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET
         name = excluded.name, kind = excluded.kind, interval_seconds = excluded.interval_seconds,
         probe = excluded.probe, down_after = excluded.down_after, up_after = excluded.up_after,
         config_version = excluded.config_version, updated_at = now()
       WHERE targets.config_version < excluded.config_version
       RETURNING id)
     INSERT INTO target_status (target_id) SELECT id FROM saved ON CONFLICT DO NOTHING`,
    [
      targetId,
      spec.name,
      spec.probe.kind,
      spec.intervalSeconds,
      JSON.stringify(spec.probe),
      spec.thresholds.downAfter,
      spec.thresholds.upAfter,
      version,
    ],
  );
}
