import { Client, Connection } from '@temporalio/client';
import { vigilDataConverter } from '../codec/encryption';
import { SecretBox } from '../codec/secrets';
import { encryptionKeys, loadConfig } from '../config';
import { countActiveAdminKeys } from '../db/api-keys';
import { migrate } from '../db/migrate';
import { ensureCheckResultPartitions } from '../db/partitions';
import { createPool } from '../db/pool';
import { createPrisma } from '../db/prisma';
import { createLogger } from '../log';
import { createApp } from './app';
import { ensureBootstrapKey } from './auth/keys';
import { startWebServer } from './server';

/** The API process. SIGTERM stops new connections, answers the requests in flight, then exits. */
async function main(): Promise<void> {
  const config = loadConfig();
  const keys = encryptionKeys(config);
  const log = createLogger('vigil-api', config.logLevel);
  // A request waits at most 2 s for a connection: an unreachable Postgres is a quick 503, not a hung request.
  const pool = createPool(config.databaseUrl, { max: config.dbPoolSize, applicationName: 'vigil-api', connectionTimeoutMs: 2_000, log });
  await migrate(pool);
  await ensureCheckResultPartitions(pool);
  if (config.bootstrapAdminKey) await ensureBootstrapKey(pool, config.bootstrapAdminKey);
  if ((await countActiveAdminKeys(pool)) === 0) {
    log.warn('no admin API key yet: create one with `npm run create-api-key -- --role admin --name <who>` (or set VIGIL_BOOTSTRAP_ADMIN_KEY)');
  }
  // Lazy: the API starts, and serves reads from Postgres, while Temporal is still unreachable.
  const connection = Connection.lazy({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace, dataConverter: vigilDataConverter(keys) });
  if (!keys) log.warn('VIGIL_CODEC_KEYS=none: payloads go to Temporal, and secrets to Postgres, unencrypted (see README, Security)');
  const prisma = createPrisma(pool);
  const app = createApp({ pool, prisma, temporal, secrets: new SecretBox(keys), config, log });
  const server = await startWebServer(app, config.api.host, config.api.port);
  log.info({ url: server.url }, 'api listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'api stopping: finishing in-flight requests');
    await server.close();
    await connection.close();
    await prisma.$disconnect();
    await pool.end();
    log.info('api stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
