import { generateCodecKeyEntry } from './keys';

/**
 * `npm run create-codec-key [-- <id>]`: prints a new entry for VIGIL_CODEC_KEYS, `<id>:<32 random bytes, base64>`.
 * To rotate, put it first in VIGIL_CODEC_KEYS (or name it in VIGIL_CODEC_ACTIVE_KEY) and keep the old entries.
 */
const id = process.argv[2];
if (id !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(id)) {
  console.error('usage: npm run create-codec-key [-- <id: 1 to 64 of A-Z a-z 0-9 _ . ->]');
  process.exit(2);
}
console.log(generateCodecKeyEntry(id));
