import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The keys Temporal payloads are encrypted with. Several may be configured, for rotation: the active one encrypts,
 * every one decrypts, so payloads written under a key that is no longer active stay readable as long as it is listed.
 * Each payload names its key by id, never the key itself.
 */
export interface CodecKeys {
  /** The id of the key new payloads are encrypted with. */
  activeKeyId: string;
  /** Every key that may decrypt, by id: 32 bytes each (AES-256). */
  keys: ReadonlyMap<string, Buffer>;
}

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const KEY_BYTES = 32;

/**
 * Reads `VIGIL_CODEC_KEYS`: comma-separated `<id>:<key>` entries, each key 32 bytes in base64 or base64url (what
 * `npm run create-codec-key` prints). `activeKeyId` names the one that encrypts; the first listed when absent.
 * Errors name the entry by position and id, never its key material.
 */
export function parseCodecKeys(spec: string, activeKeyId?: string): CodecKeys {
  const keys = new Map<string, Buffer>();
  const entries = spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new CodecKeyError('no keys: expected <id>:<base64 key>[,<id>:<base64 key>…]');
  for (const [i, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    if (!KEY_ID.test(id)) throw new CodecKeyError(`entry ${i + 1}: expected <id>:<base64 key>, the id 1 to 64 of A-Z a-z 0-9 _ . -`);
    const material = entry.slice(colon + 1);
    const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(material) ? Buffer.from(material, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) throw new CodecKeyError(`key "${id}": expected ${KEY_BYTES} bytes in base64, got ${key.length}`);
    if (keys.has(id)) throw new CodecKeyError(`key "${id}" is listed twice`);
    keys.set(id, key);
  }
  const active = activeKeyId ?? [...keys.keys()][0]!;
  if (!keys.has(active)) throw new CodecKeyError(`the active key "${active}" is not among the keys listed`);
  return { activeKeyId: active, keys };
}

/** A new key entry for VIGIL_CODEC_KEYS: `<id>:<32 random bytes, base64>`. */
export function generateCodecKeyEntry(id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/** What `npm run up` and the production-like stack keep in their data folder when the operator gives no keys. */
interface StoredKeys {
  keys: string;
  active: string;
}

/**
 * The keys of a data folder: made once (readable by its owner only) and kept, so a restarted stack still decrypts the
 * histories it wrote. Returned as the environment variables the API and the workers read.
 */
export function ensureStoredCodecKeys(file: string): { VIGIL_CODEC_KEYS: string; VIGIL_CODEC_ACTIVE_KEY: string } {
  if (!fs.existsSync(file)) {
    const entry = generateCodecKeyEntry('k1');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ keys: entry, active: 'k1' } satisfies StoredKeys, null, 2)}\n`, { mode: 0o600 });
  }
  return readStoredCodecKeys(file);
}

/** The keys kept in a data folder (see ensureStoredCodecKeys), as the environment variables the processes read. */
export function readStoredCodecKeys(file: string): { VIGIL_CODEC_KEYS: string; VIGIL_CODEC_ACTIVE_KEY: string } {
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredKeys;
  parseCodecKeys(stored.keys, stored.active); // refuse a damaged file now, not in every process later
  return { VIGIL_CODEC_KEYS: stored.keys, VIGIL_CODEC_ACTIVE_KEY: stored.active };
}
