import type { Pool } from 'pg';
import type { TargetSpec } from '../domain/target';
import { statusRowsFor } from './target-status';

/**
 * Projects a target's accepted configuration into `targets`, with a status row for it. Versioned: a late retry of an
 * older save never overwrites a newer configuration, and probes started under an older version are fenced off.
 * Written by the target workflow's activity, and by the API right after it starts that workflow, so a read that
 * follows a create finds the target.
 */
export async function upsertTarget(pool: Pool, target: { targetId: string; spec: TargetSpec; version: number; paused: boolean }): Promise<void> {
  const { targetId, spec, version, paused } = target;
  await pool.query(
    `WITH saved AS (
       INSERT INTO targets (id, name, kind, interval_seconds, spec, config_version, paused, ping_token, tags, key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO UPDATE SET
         name = excluded.name, kind = excluded.kind, interval_seconds = excluded.interval_seconds,
         spec = excluded.spec, config_version = excluded.config_version, paused = excluded.paused,
         ping_token = excluded.ping_token, tags = excluded.tags, key = excluded.key, updated_at = now()
       WHERE targets.config_version < excluded.config_version
       RETURNING id)
     ${statusRowsFor('saved')}`,
    [
      targetId,
      spec.name,
      spec.probe.kind,
      spec.intervalSeconds,
      JSON.stringify(spec),
      version,
      paused,
      spec.probe.kind === 'heartbeat' ? spec.probe.token : null,
      spec.tags ?? [],
      spec.key ?? null,
    ],
  );
}

/** Whether the target exists (was created, and not deleted since). */
export async function targetExists(pool: Pool, targetId: string): Promise<boolean> {
  return (await pool.query('SELECT 1 FROM targets WHERE id = $1', [targetId])).rowCount === 1;
}

/** Removes a deleted target's projections. Its results and flips stay, append-only, until retention drops them. */
export async function deleteTargetProjection(pool: Pool, targetId: string): Promise<void> {
  await pool.query('DELETE FROM targets WHERE id = $1', [targetId]);
}
