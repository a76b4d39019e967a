import type { Pool } from 'pg';
import type { LatestPings } from '../domain/heartbeat';

export type PingKind = 'success' | 'start' | 'fail';

export interface RecordedPing {
  targetId: string;
  paused: boolean;
  /** The state the target shows, before this ping. */
  state: string;
}

/**
 * Appends a ping for the target whose token it carries, in one round trip that also answers what the target shows
 * now (so the API can tell whether this ping ends or starts an outage). Undefined for an unknown token.
 */
export async function recordPing(pool: Pool, token: string, kind: PingKind, source: string | null): Promise<RecordedPing | undefined> {
  const { rows } = await pool.query<{ id: string; paused: boolean; state: string | null }>(
    `WITH target AS (
       SELECT t.id, t.paused, s.state FROM targets t LEFT JOIN target_status s ON s.target_id = t.id
       WHERE t.ping_token = $1),
     ping AS (
       INSERT INTO pings (target_id, kind, source) SELECT id, $2, $3 FROM target RETURNING target_id)
     SELECT target.id, target.paused, target.state FROM target JOIN ping ON ping.target_id = target.id`,
    [token, kind, source],
  );
  const row = rows[0];
  return row && { targetId: row.id, paused: row.paused, state: row.state ?? 'unknown' };
}

/** The latest ping of each kind a target received up to `at`: three index lookups. */
export async function latestPings(pool: Pool, targetId: string, at: number): Promise<LatestPings> {
  const { rows } = await pool.query<{ kind: keyof LatestPings; at_ms: string }>(
    `SELECT k.kind, (extract(epoch FROM p.received_at) * 1000)::bigint AS at_ms
     FROM unnest(ARRAY['success', 'start', 'fail']) AS k(kind)
     CROSS JOIN LATERAL (
       SELECT received_at FROM pings
       WHERE target_id = $1 AND kind = k.kind AND received_at <= $2
       ORDER BY received_at DESC LIMIT 1) p`,
    [targetId, new Date(at)],
  );
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.at_ms)]));
}

/**
 * Deletes pings received before `before`, a batch at a time, except the latest of each kind of a target that still
 * exists: a job that stopped pinging months ago still shows when it last did. Returns how many were deleted.
 */
export async function deleteExpiredPings(pool: Pool, before: Date, batchSize = 5_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `DELETE FROM pings WHERE id IN (
         SELECT p.id FROM pings p
         WHERE p.received_at < $1
           AND (EXISTS (SELECT 1 FROM pings n WHERE n.target_id = p.target_id AND n.kind = p.kind AND n.received_at > p.received_at)
                OR NOT EXISTS (SELECT 1 FROM targets t WHERE t.id = p.target_id))
         LIMIT $2)`,
      [before, batchSize],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return deleted;
  }
}
