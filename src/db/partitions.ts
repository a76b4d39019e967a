import type { Pool } from 'pg';

/**
 * Day partitions of check_results (UTC). Created ahead of use at start-up and by the maintenance job; rows that
 * landed in the default partition for a day (because its partition did not exist yet) move into it when it is made.
 */

const PARTITION_LOCK = 0x76_69_67_01; // serialises partition changes across workers and API instances

const partitionName = (day: Date): string => `check_results_${day.toISOString().slice(0, 10).replaceAll('-', '')}`;

const utcDay = (at: Date, offsetDays = 0): Date =>
  new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + offsetDays));

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
          await client.query(
            `ALTER TABLE check_results ATTACH PARTITION ${name} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
          );
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
