import type { Pool } from 'pg';
import type { CheckResultRow } from '../../src/db/check-results';
import { upsertTarget } from '../../src/db/targets';
import { TargetSpecSchema } from '../../src/domain/target';
import { newId } from '../../src/ids';
import { testSecrets } from './codec';

/**
 * Rows as the workers would write them, for tests of the read side: a target's projection (no workflow behind it), and
 * check results to hand to the real CheckResultWriter.
 */

/** An HTTP target's projection, named `name` (its id when absent); returns its id. */
export async function seedTarget(pool: Pool, fields: { name?: string; intervalSeconds?: number; maintenance?: unknown[] } = {}): Promise<string> {
  const id = newId('tgt');
  const spec = TargetSpecSchema.parse({
    name: fields.name ?? id,
    intervalSeconds: fields.intervalSeconds ?? 60,
    probe: { kind: 'http', url: 'https://example.com' },
    maintenance: fields.maintenance ?? [],
  });
  await upsertTarget(pool, testSecrets, { targetId: id, spec, version: 1, paused: false });
  return id;
}

/** One slot's result: probed at its slot in 50 ms unless missed, under configuration version 1, unless told otherwise. */
export const resultRow = (targetId: string, scheduledAt: number, outcome: CheckResultRow['outcome'], fields: Partial<CheckResultRow> = {}): CheckResultRow => ({
  targetId,
  scheduledAt,
  startedAt: scheduledAt,
  outcome,
  latencyMs: outcome === 'missed' ? null : 50,
  statusCode: null,
  error: null,
  manual: false,
  maintenance: false,
  configVersion: 1,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  ...fields,
});

/**
 * Daily rollups as the writer leaves them, for days before the check_results partitions that exist: `days[i]` is the
 * day `days.length - i` days before today (UTC), so the last is yesterday.
 */
export async function seedDailyRollups(pool: Pool, targetId: string, days: { probes: number; down?: number; degraded?: number }[]): Promise<void> {
  const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  await pool.query(
    `INSERT INTO check_rollups_daily (target_id, starts_at, probes, down, degraded)
     SELECT $1, to_timestamp(starts_at / 1000.0), probes, down, degraded
     FROM unnest($2::bigint[], $3::int[], $4::int[], $5::int[]) AS d(starts_at, probes, down, degraded)`,
    [
      targetId,
      days.map((_, i) => today - (days.length - i) * 86_400_000),
      days.map((d) => d.probes),
      days.map((d) => d.down ?? 0),
      days.map((d) => d.degraded ?? 0),
    ],
  );
}
