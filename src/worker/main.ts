import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { vigilDataConverter } from '../codec/encryption';
import { SecretBox } from '../codec/secrets';
import { encryptionKeys, loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { ensureCheckResultPartitions } from '../db/partitions';
import { createPool } from '../db/pool';
import { createLogger } from '../log';
import { startWorkerMetricsServer } from './metrics';
import { ensureMaintenanceSchedule } from './schedules';
import { createVigilWorker } from './worker';

/** The worker process: probes, notifications and projection writes. SIGTERM drains it, then it exits. */
async function main(): Promise<void> {
  const config = loadConfig();
  const keys = encryptionKeys(config);
  const log = createLogger('vigil-worker', config.logLevel);
  const pool = createPool(config.databaseUrl, { max: config.dbPoolSize, applicationName: 'vigil-worker', log });
  await migrate(pool);
  await ensureCheckResultPartitions(pool);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const dataConverter = vigilDataConverter(keys);
  if (!keys) log.warn('VIGIL_CODEC_KEYS=none: payloads go to Temporal, and secrets to Postgres, unencrypted (see README, Security)');
  const vigil = await createVigilWorker({
    connection,
    namespace: config.temporal.namespace,
    pool,
    temporal: new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter }),
    dataConverter,
    secrets: new SecretBox(keys),
    mail: config.mail,
    probeAllowCidrs: config.probeAllowCidrs,
    maxConcurrentActivities: config.worker.maxConcurrentActivities,
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    retention: config.retention,
    writer: config.worker.writer,
  });
  await ensureMaintenanceSchedule(new Client({ connection, namespace: config.temporal.namespace, dataConverter }));
  const { host: metricsHost, port: metricsPort } = config.worker.metrics;
  const metrics = metricsPort > 0 ? await startWorkerMetricsServer(metricsHost, metricsPort) : undefined;
  // The Temporal runtime turns SIGINT/SIGTERM into worker.shutdown(); run() resolves once in-flight work is done and
  // the worker's lease is released, its probe windows left for the next worker. "Started" is said once the lease is
  // held, so that whoever waits for it (a test, an operator) finds this worker in worker_leases.
  await vigil.run(() => log.info({ temporal: config.temporal.address, namespace: config.temporal.namespace, metrics: metrics?.url }, 'worker started'));
  await metrics?.close();
  await connection.close();
  await clientConnection.close();
  await pool.end();
  log.info('worker stopped');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
