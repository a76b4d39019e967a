import type { Pool } from 'pg';
import type { Role } from '../domain/roles';
import { newId } from '../ids';

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  /** The user the key belongs to, if any: their actions are recorded as theirs. */
  userId: string | null;
}

const COLUMNS = `id, name, role, prefix, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt", user_id AS "userId"`;

export interface NewApiKey {
  name: string;
  role: Role;
  keyHash: string;
  prefix: string;
  userId?: string;
}

/** The user a new key was to belong to does not exist. */
export class UnknownKeyUserError extends Error {
  override name = 'UnknownKeyUserError';
}

/**
 * Inserts a key. With `ifAbsent`, a key with the same hash that already exists (revoked or not) is left as it is and
 * nothing is returned: every API instance can ensure the bootstrap key at start-up, and revoking it sticks.
 */
export async function insertApiKey(pool: Pool, key: NewApiKey, { ifAbsent = false } = {}): Promise<ApiKeyRecord | undefined> {
  try {
    const { rows } = await pool.query<ApiKeyRecord>(
      `INSERT INTO api_keys (id, name, role, key_hash, prefix, user_id) VALUES ($1, $2, $3, $4, $5, $6)
       ${ifAbsent ? 'ON CONFLICT (key_hash) DO NOTHING' : ''} RETURNING ${COLUMNS}`,
      [newId('key'), key.name, key.role, key.keyHash, key.prefix, key.userId ?? null],
    );
    return rows[0];
  } catch (err) {
    if ((err as { code?: string }).code === '23503') throw new UnknownKeyUserError(`no user ${key.userId}`);
    throw err;
  }
}

/**
 * The key a secret belongs to, revoked or not, with its hash for the constant-time comparison and the name of the user
 * it belongs to (null for none). One index lookup, and the user's by primary key.
 */
export async function findApiKeyBySecretHash(pool: Pool, keyHash: string): Promise<(ApiKeyRecord & { keyHash: string; userName: string | null }) | undefined> {
  const { rows } = await pool.query<ApiKeyRecord & { keyHash: string; userName: string | null }>(
    `SELECT k.*, u.name AS "userName" FROM (SELECT ${COLUMNS}, key_hash AS "keyHash" FROM api_keys WHERE key_hash = $1) k LEFT JOIN users u ON u.id = k."userId"`,
    [keyHash],
  );
  return rows[0];
}

/** Records use at most once a minute per key, so authenticating a busy client stays a read. */
export async function touchApiKey(pool: Pool, id: string): Promise<void> {
  await pool.query(
    `UPDATE api_keys SET last_used_at = now()
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [id],
  );
}

/** Keys newest first, after `before` (a key id: ids are time-ordered), at most `limit`. */
export async function listApiKeys(pool: Pool, page: { before?: string; limit: number }): Promise<ApiKeyRecord[]> {
  const { rows } = await pool.query<ApiKeyRecord>(`SELECT ${COLUMNS} FROM api_keys WHERE ($1::text IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`, [
    page.before ?? null,
    page.limit,
  ]);
  return rows;
}

export async function getApiKey(pool: Pool, id: string): Promise<ApiKeyRecord | undefined> {
  const { rows } = await pool.query<ApiKeyRecord>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
  return rows[0];
}

/** Revokes a key; revoking it again changes nothing. Returns the key as it now is, or undefined if there is none. */
export async function revokeApiKey(pool: Pool, id: string): Promise<ApiKeyRecord | undefined> {
  const { rows } = await pool.query<ApiKeyRecord>(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
  return rows[0];
}

/** Admin keys that still work: none means nobody can manage keys through the API yet. */
export async function countActiveAdminKeys(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL`);
  return rows[0]!.n;
}
