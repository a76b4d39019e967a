import type { Pool } from 'pg';
import type { LatestPings } from '../domain/heartbeat';
import { GroupCommit } from './group-commit';

export type PingKind = 'success' | 'start' | 'fail';

export interface RecordedPing {
  targetId: string;
  paused: boolean;
  /** The state the target shows, before this ping. */
  state: string;
}

export interface Ping {
  token: string;
  kind: PingKind;
  source: string | null;
}

/**
 * Records pings by group commit (group-commit.ts): a burst of cron jobs costs one statement and one commit per batch,
 * not per ping. Each ping is answered with the target its token names and what that target showed before it
 * (so the API can tell whether it ends or starts an outage), or undefined for an unknown token.
 */
export class PingRecorder {
  private readonly batches: GroupCommit<Ping, RecordedPing | undefined>;

  constructor(pool: Pool, opts = { maxBatch: 500, maxInFlight: 2 }) {
    this.batches = new GroupCommit((pings) => insertPings(pool, pings), opts);
  }

  record(ping: Ping): Promise<RecordedPing | undefined> {
    return this.batches.submit(ping);
  }
}

/** Appends the pings whose tokens name a target, each stamped when inserted (a job's start stays before its end). */
async function insertPings(pool: Pool, pings: Ping[]): Promise<(RecordedPing | undefined)[]> {
  const { rows } = await pool.query<{ n: string; id: string; paused: boolean; state: string | null }>(
    `WITH incoming AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS p(token, kind, source, n)),
     matched AS (
       SELECT p.n, p.kind, p.source, t.id, t.paused, s.state
       FROM incoming p JOIN targets t ON t.ping_token = p.token LEFT JOIN target_status s ON s.target_id = t.id),
     inserted AS (
       INSERT INTO pings (target_id, kind, source, received_at)
       SELECT id, kind, source, clock_timestamp() FROM matched ORDER BY n)
     SELECT n, id, paused, state FROM matched`,
    [pings.map((p) => p.token), pings.map((p) => p.kind), pings.map((p) => p.source)],
  );
  const found = new Map(rows.map((r) => [Number(r.n), { targetId: r.id, paused: r.paused, state: r.state ?? 'unknown' }]));
  return pings.map((_, i) => found.get(i + 1));
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
