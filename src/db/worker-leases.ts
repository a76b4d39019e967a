import type { Pool } from 'pg';

/**
 * Worker leases: each worker process holds a row and pushes its expiry forward every few seconds. Expiry is judged by
 * Postgres's clock alone, so the workers' clocks never have to agree.
 */

export async function acquireLease(pool: Pool, workerId: string, ttlMs: number): Promise<void> {
  await pool.query(`INSERT INTO worker_leases (worker_id, expires_at) VALUES ($1, now() + $2 * interval '1 millisecond')`, [workerId, ttlMs]);
}

/**
 * Pushes the lease's expiry forward; false when the lease is gone or a reaper claimed it (this worker was taken for
 * dead, and its windows are being taken over). An expired lease nobody claimed yet is still this worker's.
 */
export async function renewLease(pool: Pool, workerId: string, ttlMs: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE worker_leases SET expires_at = now() + $2 * interval '1 millisecond' WHERE worker_id = $1 AND reaped_by IS NULL`,
    [workerId, ttlMs],
  );
  return rowCount === 1;
}

/**
 * Claims up to `limit` expired leases for `reaperId`, for `ttlMs`, the longest expired first: of reapers racing, each
 * lease goes to one (a lease another reaper is claiming is skipped, and the claim re-checks expiry), so workers that
 * start together after a restart take one released lease each. A claim whose reaper died expires in turn, and another
 * reaper claims it again.
 */
export async function claimExpiredLeases(pool: Pool, reaperId: string, ttlMs: number, limit: number): Promise<string[]> {
  const { rows } = await pool.query<{ worker_id: string }>(
    `UPDATE worker_leases SET reaped_by = $1, expires_at = now() + $2 * interval '1 millisecond'
     WHERE worker_id IN (
       SELECT worker_id FROM worker_leases
       WHERE expires_at < now() AND worker_id <> $1
       ORDER BY expires_at
       LIMIT $3
       FOR UPDATE SKIP LOCKED
     ) AND expires_at < now()
     RETURNING worker_id`,
    [reaperId, ttlMs, limit],
  );
  return rows.map((r) => r.worker_id);
}

/** Removes a lease, by the reaper that claimed it, once its windows are taken over. */
export async function dropLease(pool: Pool, workerId: string, reapedBy: string): Promise<void> {
  await pool.query(`DELETE FROM worker_leases WHERE worker_id = $1 AND reaped_by = $2`, [workerId, reapedBy]);
}

/**
 * Ends a lease at once, on shutdown, without dropping it: a live worker (or the next to start) claims it at its next
 * renewal and carries its windows on, which is why they are not handed back to Temporal.
 */
export async function releaseLease(pool: Pool, workerId: string): Promise<void> {
  await pool.query(`UPDATE worker_leases SET expires_at = now() - interval '1 millisecond' WHERE worker_id = $1 AND reaped_by IS NULL`, [workerId]);
}
