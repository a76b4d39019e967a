import { vigilDataConverter } from '../../src/codec/encryption';
import { parseCodecKeys, type CodecKeys } from '../../src/codec/keys';
import { SecretBox } from '../../src/codec/secrets';

/**
 * The payload keys every suite's Temporal clients and workers share, so the whole suite runs with encrypted payloads
 * as production does. Two keys, the second active: payloads under the first still decode (rotation).
 */
export const TEST_CODEC_KEYS_ENV = {
  VIGIL_CODEC_KEYS: `test-old:${Buffer.alloc(32, 1).toString('base64')},test-new:${Buffer.alloc(32, 2).toString('base64')}`,
  VIGIL_CODEC_ACTIVE_KEY: 'test-new',
};

export const testCodecKeys: CodecKeys = parseCodecKeys(TEST_CODEC_KEYS_ENV.VIGIL_CODEC_KEYS, TEST_CODEC_KEYS_ENV.VIGIL_CODEC_ACTIVE_KEY);

export const testDataConverter = vigilDataConverter(testCodecKeys);

/** Seals the secrets the suites store in Postgres with the same keys (src/codec/secrets.ts). */
export const testSecrets = new SecretBox(testCodecKeys);
