import type { Pool } from 'pg';
import { openHeaders, sealHeaders, withProbeHeaders, type SecretBox } from '../codec/secrets';
import type { TargetSpec } from '../domain/target';
import { statusRowsFor } from './target-status';

/**
 * Projects a target's accepted configuration into `targets`, with a status row for it. Versioned: a late retry of an
 * older save never overwrites a newer configuration, and probes started under an older version are fenced off.
 * Probe request headers are stored sealed (src/codec/secrets.ts): they carry tokens.
 * Written by the target workflow's activity, and by the API right after it starts that workflow, so a read that
 * follows a create finds the target.
 */
export async function upsertTarget(
  pool: Pool,
  secrets: SecretBox,
  target: { targetId: string; spec: TargetSpec; version: number; paused: boolean },
): Promise<void> {
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
      JSON.stringify(withProbeHeaders(spec, (headers) => sealHeaders(secrets, headers))),
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

/**
 * Rewrites the probe headers of every target whose headers are not sealed under the active key (in clear from before
 * sealing existed, or under an older key), a batch at a time; answers how many it rewrote. A target saved meanwhile
 * (its config_version moved) is left as its newer save wrote it.
 */
export async function resealTargetHeaders(pool: Pool, secrets: SecretBox): Promise<number> {
  let resealed = 0;
  let after = '';
  for (;;) {
    const { rows } = await pool.query<{ id: string; spec: TargetSpec; config_version: number }>(
      `SELECT id, spec, config_version FROM targets
       WHERE id > $1 AND jsonb_typeof(spec->'probe'->'headers') = 'object' AND spec->'probe'->'headers' <> '{}'::jsonb
       ORDER BY id LIMIT 500`,
      [after],
    );
    if (rows.length === 0) return resealed;
    after = rows.at(-1)!.id;
    for (const { id, spec, config_version } of rows) {
      const headers = (spec.probe as { headers?: Record<string, string> }).headers ?? {};
      if (Object.values(headers).every((value) => secrets.isCurrent(value))) continue;
      const resealedSpec = withProbeHeaders(spec, (h) => sealHeaders(secrets, openHeaders(secrets, h)));
      const { rowCount } = await pool.query('UPDATE targets SET spec = $2 WHERE id = $1 AND config_version = $3', [
        id,
        JSON.stringify(resealedSpec),
        config_version,
      ]);
      resealed += rowCount ?? 0;
    }
  }
}
