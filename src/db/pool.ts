import { Pool } from 'pg';
import type { Logger } from 'pino';

/**
 * A pg pool for one workload. The API and the worker each build their own, so probe writes never queue behind
 * public reads or the other way round. Connection attempts and statements are bounded: an unreachable Postgres
 * answers in seconds, never hangs a request or an activity.
 */
export function createPool(
  connectionString: string,
  opts: { max: number; applicationName: string; statementTimeoutMs?: number; connectionTimeoutMs?: number; log?: Logger },
): Pool {
  const pool = new Pool({
    connectionString,
    max: opts.max,
    application_name: opts.applicationName,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
  });
  // An idle client whose server went away emits 'error'; without a listener that would crash the process.
  pool.on('error', (err) => opts.log?.warn({ err }, 'idle postgres client failed'));
  return pool;
}

/** One round trip to Postgres: readiness asks nothing more. */
export async function pingDatabase(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}
