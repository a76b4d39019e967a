import type { Pool } from 'pg';

/** How long a key is remembered after it was first seen. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

export interface StoredResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export type Claim =
  /** This request runs; `firstSeenAt` is when the key was first seen (the time part of ids derived from it). */
  { claimed: true; firstSeenAt: Date } | { claimed: false; requestHash: string; response?: StoredResponse; lockedUntil: Date | null };

/**
 * Claims (principal, key) for a request, for `leaseMs`. Claimed when the key is new or expired, or when an earlier
 * request with the same fingerprint ended without a stored response (it failed, or its API instance died and its
 * lease ran out): that retry runs again, as the same operation. Otherwise the row as it is, for the caller to replay,
 * refuse (another fingerprint), or answer "still running". Each step is one conditional statement, so of concurrent
 * duplicates exactly one claims.
 */
export async function claimIdempotencyKey(pool: Pool, input: { principalId: string; key: string; requestHash: string; leaseMs: number }): Promise<Claim> {
  const args = [input.principalId, input.key, input.requestHash, input.leaseMs];
  for (;;) {
    const fresh = await pool.query<{ created_at: Date }>(
      `INSERT INTO idempotency_keys (principal_id, key, request_hash, locked_until)
       VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
       ON CONFLICT (principal_id, key) DO UPDATE SET
         request_hash = excluded.request_hash, status = NULL, response_body = NULL, response_headers = NULL,
         locked_until = excluded.locked_until, created_at = now()
       WHERE idempotency_keys.created_at < now() - interval '${IDEMPOTENCY_KEY_TTL_HOURS} hours'
       RETURNING created_at`,
      args,
    );
    if (fresh.rows[0]) return { claimed: true, firstSeenAt: fresh.rows[0].created_at };
    const retry = await pool.query<{ created_at: Date }>(
      `UPDATE idempotency_keys SET locked_until = now() + $4 * interval '1 millisecond'
       WHERE principal_id = $1 AND key = $2 AND request_hash = $3 AND status IS NULL
         AND (locked_until IS NULL OR locked_until <= now())
       RETURNING created_at`,
      args,
    );
    if (retry.rows[0]) return { claimed: true, firstSeenAt: retry.rows[0].created_at };
    const { rows } = await pool.query<{
      request_hash: string;
      status: number | null;
      response_body: string | null;
      response_headers: Record<string, string> | null;
      locked_until: Date | null;
    }>(
      `SELECT request_hash, status, response_body, response_headers, locked_until
       FROM idempotency_keys WHERE principal_id = $1 AND key = $2`,
      [input.principalId, input.key],
    );
    const row = rows[0];
    // Gone since: the request that held it was refused (4xx) and forgot it. Claim it afresh.
    if (!row) continue;
    return {
      claimed: false,
      requestHash: row.request_hash,
      lockedUntil: row.locked_until,
      ...(row.status !== null ? { response: { status: row.status, body: row.response_body ?? '', headers: row.response_headers ?? {} } } : {}),
    };
  }
}

/** The request succeeded: its response is what every retry with this key gets. */
export async function storeIdempotentResponse(pool: Pool, principalId: string, key: string, response: StoredResponse): Promise<void> {
  await pool.query(
    `UPDATE idempotency_keys SET status = $3, response_body = $4, response_headers = $5, locked_until = NULL
     WHERE principal_id = $1 AND key = $2`,
    [principalId, key, response.status, response.body, JSON.stringify(response.headers)],
  );
}

/** The request was refused and changed nothing: forget the key, so a corrected request can use it. */
export async function forgetIdempotencyKey(pool: Pool, principalId: string, key: string): Promise<void> {
  await pool.query('DELETE FROM idempotency_keys WHERE principal_id = $1 AND key = $2 AND status IS NULL', [principalId, key]);
}

/** The request failed in a way that may have changed something: a retry with this key may run it again, at once. */
export async function releaseIdempotencyKey(pool: Pool, principalId: string, key: string): Promise<void> {
  await pool.query('UPDATE idempotency_keys SET locked_until = NULL WHERE principal_id = $1 AND key = $2 AND status IS NULL', [principalId, key]);
}

/**
 * Deletes keys first seen more than 24 hours ago, in batches so no statement holds many row locks; returns how many.
 * For the maintenance job, never for a request path (the API also treats an expired key as new when it sees one).
 */
export async function deleteExpiredIdempotencyKeys(pool: Pool, batchSize = 5_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `DELETE FROM idempotency_keys WHERE (principal_id, key) IN (
         SELECT principal_id, key FROM idempotency_keys
         WHERE created_at < now() - interval '${IDEMPOTENCY_KEY_TTL_HOURS} hours' LIMIT $1)`,
      [batchSize],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return deleted;
  }
}
