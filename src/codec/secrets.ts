import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CodecKeys } from './keys';

/**
 * Secrets at rest in PostgreSQL (channel URLs, signing secrets and API keys, probe request headers, the stored answers
 * of idempotent requests, which may show them), sealed with the
 * same keys as Temporal payloads (VIGIL_CODEC_KEYS): those payloads already carry the same secrets (a target's
 * configuration crosses Temporal), so one key set guards them in both places, one rotation covers both, and an
 * operator has one secret to keep, not two. A sealed value is a string, so it sits where the clear one did:
 *
 *   `vigil:sealed:v1:<key id>:<base64url of 12-byte IV, AES-256-GCM ciphertext, 16-byte tag>`
 *
 * The additional data binds the value to its key id and to what it is (`purpose`), so a sealed header cannot be
 * passed off as a channel secret. Opening takes any listed key, so rotation is: add the new key first (it seals),
 * keep the old (it still opens), rewrite rows (`npm run reseal-secrets`, or any write of the row), then drop the old.
 * A value that is not sealed (written before this existed, or with encryption turned off) opens as itself.
 */
const PREFIX = 'vigil:sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What a sealed value protects; bound into its authentication so values cannot be moved between uses. */
export type SecretPurpose = 'channel' | 'probe-headers' | 'idempotent-response';

export class SecretDecryptionError extends Error {
  override name = 'SecretDecryptionError';
}

const additionalData = (keyId: string, purpose: SecretPurpose) => Buffer.from(`vigil-secret-v1\0${purpose}\0${keyId}`);

export const isSealed = (value: string): boolean => value.startsWith(PREFIX);

/** The id of the key a sealed value was sealed with; undefined for a value in clear. */
export const sealedKeyId = (value: string): string | undefined => (isSealed(value) ? value.slice(PREFIX.length).split(':', 1)[0] : undefined);

export class SecretBox {
  /** `keys` undefined: encryption turned off on purpose (VIGIL_CODEC_KEYS=none); values are stored as written. */
  constructor(private readonly keys: CodecKeys | undefined) {}

  get encrypts(): boolean {
    return this.keys !== undefined;
  }

  seal(plain: string, purpose: SecretPurpose): string {
    if (!this.keys) return plain;
    const keyId = this.keys.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.keys.get(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(keyId, purpose));
    const sealed = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${keyId}:${sealed.toString('base64url')}`;
  }

  open(stored: string, purpose: SecretPurpose): string {
    if (!isSealed(stored)) return stored;
    const rest = stored.slice(PREFIX.length);
    const colon = rest.indexOf(':');
    const keyId = rest.slice(0, colon);
    const key = this.keys?.keys.get(keyId);
    if (colon < 0 || !key) throw new SecretDecryptionError(`a secret sealed with key "${keyId}", which is not among VIGIL_CODEC_KEYS`);
    const data = Buffer.from(rest.slice(colon + 1), 'base64url');
    if (data.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptionError('a sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(keyId, purpose));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError(`a sealed secret fails authentication with key "${keyId}": altered, moved, or another key with that id`);
    }
  }

  /** Whether a stored value is as this box would write it now: sealed under the active key (or in clear, with encryption off). */
  isCurrent(stored: string): boolean {
    return this.keys ? sealedKeyId(stored) === this.keys.activeKeyId : !isSealed(stored);
  }
}

/** Probe request headers as stored: each value sealed, the names left readable. */
export const sealHeaders = (box: SecretBox, headers: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, box.seal(value, 'probe-headers')]));

export const openHeaders = (box: SecretBox, headers: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, box.open(value, 'probe-headers')]));

/** The same object with `probe.headers` sealed or opened, when it has any: a target spec, or a probe window's input. */
export function withProbeHeaders<T>(value: T, transform: (headers: Record<string, string>) => Record<string, string>): T {
  const probe = (value as { probe?: { headers?: Record<string, string> } } | null)?.probe;
  if (!probe?.headers || Object.keys(probe.headers).length === 0) return value;
  return { ...value, probe: { ...probe, headers: transform(probe.headers) } };
}
