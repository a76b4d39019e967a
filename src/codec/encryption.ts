import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecKeys } from './keys';

/**
 * A Temporal payload codec that encrypts every payload (workflow and activity inputs and results, update arguments,
 * query answers, memos, heartbeat details) with AES-256-GCM before it leaves the process, so what Temporal stores and
 * shows holds no secret in clear: probe headers, URLs with tokens, anything a target's configuration carries. The
 * whole payload (its metadata included) is encrypted; the envelope says only that it is encrypted and with which key.
 *
 * Decoding takes any configured key, so keys rotate without breaking histories; a payload that is not encrypted
 * (recorded before the codec, or by a client without it) passes through as it is.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const { Payload: PayloadMessage } = temporal.api.common.v1;

export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

/** Binds the ciphertext to its envelope: a payload moved under another key id fails authentication. */
const encode = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const decode = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

const additionalData = (keyId: string) => Buffer.from(`vigil-payload-v1\0${keyId}`);

export const isEncrypted = (payload: Payload): boolean =>
  payload.metadata?.[METADATA_ENCODING_KEY] !== undefined && decode(payload.metadata[METADATA_ENCODING_KEY]!) === ENCRYPTED_ENCODING;

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keys.activeKeyId;
    const key = this.keys.keys.get(keyId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(keyId));
      const plain = PayloadMessage.encode(payload).finish();
      return {
        metadata: { [METADATA_ENCODING_KEY]: encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encode(keyId) },
        data: Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private decrypt(payload: Payload): Payload {
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
    const keyId = keyIdBytes ? decode(keyIdBytes) : '';
    const key = this.keys.keys.get(keyId);
    if (!key) throw new PayloadDecryptionError(`payload encrypted with key "${keyId}", which is not among VIGIL_CODEC_KEYS`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('encrypted payload is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`encrypted payload fails authentication with key "${keyId}": altered, or another key with that id`);
    }
    const decoded = PayloadMessage.decode(plain);
    return { metadata: decoded.metadata, data: decoded.data, ...(decoded.externalPayloads?.length ? { externalPayloads: decoded.externalPayloads } : {}) };
  }
}

/**
 * The data converter of every Temporal client and worker Vigil creates. Without keys, payloads go in clear (and
 * encrypted ones cannot be read): the processes say so when they start.
 */
export function vigilDataConverter(keys: CodecKeys | undefined): DataConverter {
  return keys ? { payloadCodecs: [new EncryptionCodec(keys)] } : {};
}
