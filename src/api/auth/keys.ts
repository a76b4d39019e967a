import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import { insertApiKey, type ApiKeyRecord } from '../../db/api-keys';
import type { Role } from '../../domain/roles';

/**
 * API key secrets: `vigil_` and 43 base64url characters (256 random bits). Only the SHA-256 of a secret is stored.
 * A fast unsalted hash is enough here, unlike for passwords: nobody can guess a 256-bit random secret, so a stolen
 * table of hashes gives nothing to brute-force, and no pepper has to be kept, rotated and shared by every API
 * instance. The lookup is by hash (a unique index), and the stored hash is compared again in constant time.
 */
const SECRET_PREFIX = 'vigil_';

export const generateSecret = (): string => SECRET_PREFIX + randomBytes(32).toString('base64url');

export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

export const sameHash = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));

/** What lists show of a key: enough to tell keys apart, far too little to use. */
export const displayPrefix = (secret: string): string => secret.slice(0, SECRET_PREFIX.length + 6);

/**
 * Secrets from elsewhere (VIGIL_BOOTSTRAP_ADMIN_KEY) must be as hard to guess as generated ones: at least 32
 * characters of the base64url alphabet.
 */
export const isStrongSecret = (secret: string): boolean => /^[A-Za-z0-9_-]{32,256}$/.test(secret);

/** Creates a key and returns its secret: the only time the secret exists outside the client's hands. */
export async function issueApiKey(pool: Pool, input: { name: string; role: Role; userId?: string }): Promise<{ record: ApiKeyRecord; secret: string }> {
  const secret = generateSecret();
  const record = await insertApiKey(pool, { ...input, keyHash: hashSecret(secret), prefix: displayPrefix(secret) });
  return { record: record!, secret };
}

/** VIGIL_BOOTSTRAP_ADMIN_KEY: an admin key every API instance makes sure of at start-up (revoked stays revoked). */
export async function ensureBootstrapKey(pool: Pool, secret: string): Promise<void> {
  await insertApiKey(pool, { name: 'bootstrap', role: 'admin', keyHash: hashSecret(secret), prefix: displayPrefix(secret) }, { ifAbsent: true });
}
