import fs from 'node:fs';
import path from 'node:path';
import { encryptionKeys, loadConfig } from '../config';
import { resealChannels } from '../db/escalation';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { resealTargetHeaders } from '../db/targets';
import { readStoredCodecKeys } from './keys';
import { SecretBox } from './secrets';

/**
 * `npm run reseal-secrets`: seals every secret stored in Postgres (channel settings, probe headers) under the active
 * key, those still in clear from before sealing existed and those under an older key alike. Run it after putting a
 * new key first in VIGIL_CODEC_KEYS (and restarting the API and workers with it); once it reports nothing left, the
 * old key can leave the list (once no Temporal history still needs it either). Safe to run at any time, and again.
 * Without VIGIL_CODEC_KEYS it uses the keys `npm run up` keeps in its data folder.
 */
async function main(): Promise<void> {
  const given = loadConfig();
  const stored = path.join(given.dataDir, 'codec-keys.json');
  const fromDataFolder = !given.codec.keys && !given.codec.plaintext && fs.existsSync(stored);
  const config = fromDataFolder ? loadConfig({ ...process.env, ...readStoredCodecKeys(stored) }) : given;
  const keys = encryptionKeys(config);
  if (!keys) throw new Error('VIGIL_CODEC_KEYS=none: there is no key to seal with');
  const pool = createPool(config.databaseUrl, { max: 1, applicationName: 'vigil-reseal-secrets' });
  try {
    await migrate(pool);
    const box = new SecretBox(keys);
    const channels = await resealChannels(pool, box);
    const targets = await resealTargetHeaders(pool, box);
    console.log(`sealed under key "${keys.activeKeyId}": ${channels} channel(s), the probe headers of ${targets} target(s)`);
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
