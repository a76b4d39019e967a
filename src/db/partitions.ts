import type { Pool } from 'pg';

/**
 * Day partitions of check_results (UTC). Created ahead of use at start-up and by the maintenance job; rows that
 * landed in the default partition for a day (because its partition did not exist yet) move into it when it is made.
 */

const PARTITION_LOCK = 0x76_69_67_01; // serialises partition changes across workers and API instances

const partitionName = (day: Date): string => `check_results_${day.toISOString().slice(0, 10).replaceAll('-', '')}`;

const utcDay = (at: Date, offsetDays = 0): Date => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + offsetDays));

/** Ensures partitions exist from yesterday to `daysAhead` days from now; returns the names it created. */
export async function ensureCheckResultPartitions(pool: Pool, daysAhead = 7, now = new Date()): Promise<string[]> {
  const client = await pool.connect();
  const created: string[] = [];
  try {
    for (let offset = -1; offset <= daysAhead; offset++) {
      const from = utcDay(now, offset);
      const to = utcDay(now, offset + 1);
      const name = partitionName(from);
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
        const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [name]);
        if (!rows[0]?.exists) {
          await client.query(`CREATE TABLE ${name} (LIKE check_results INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
          await client.query(
            `WITH moved AS (DELETE FROM check_results_default WHERE scheduled_at >= $1 AND scheduled_at < $2 RETURNING *)
             INSERT INTO ${name} SELECT * FROM moved`,
            [from, to],
          );
          await client.query(`ALTER TABLE check_results ATTACH PARTITION ${name} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`);
          created.push(name);
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return created;
  } finally {
    client.release();
  }
}

/** The first UTC day kept when results are kept for `retentionDays` whole days before today. */
export const resultRetentionCutoff = (retentionDays: number, now = new Date()): Date => utcDay(now, -retentionDays);

/**
 * How long a partition drop waits for its lock. Detaching takes an ACCESS EXCLUSIVE lock on check_results, and while
 * it waits every writer and reader queues behind it, so it gives up quickly and the maintenance run tries again later.
 * (DETACH … CONCURRENTLY, which would not block writers, is refused while check_results has a default partition.)
 */
const DROP_LOCK_TIMEOUT = '2s';

/**
 * Drops the day partitions (and deletes the rows of the default partition) older than `cutoff`, a UTC day; returns
 * the names dropped. Each partition is detached and dropped in a transaction of its own: a catalog change, over in
 * milliseconds once the lock is held. Idempotent.
 */
export async function dropCheckResultPartitions(pool: Pool, cutoff: Date): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'check_results'::regclass AND c.relname ~ '^check_results_[0-9]{8}$' ORDER BY 1`,
  );
  const expired = rows.map((r) => r.name).filter((name) => name < partitionName(cutoff));
  const client = await pool.connect();
  try {
    for (const name of expired) {
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL lock_timeout = '${DROP_LOCK_TIMEOUT}'`);
        await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
        // Another run may have dropped it since we listed it.
        const { rows: still } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [name]);
        if (still[0]?.exists) {
          await client.query(`ALTER TABLE check_results DETACH PARTITION ${name}`);
          await client.query(`DROP TABLE ${name}`);
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    await client.query('DELETE FROM check_results_default WHERE scheduled_at < $1', [cutoff]);
    return expired;
  } finally {
    client.release();
  }
}
