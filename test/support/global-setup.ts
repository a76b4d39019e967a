import { bundleWorkflowCode } from '@temporalio/worker';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Pool } from 'pg';
import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { ensureCheckResultPartitions } from '../../src/db/partitions';
import { ensureDatabase, startLocalPostgres } from '../../src/stack/postgres';
import { ensureTimeSkippingServer, resolveTemporalCli } from '../../src/stack/tools';
import { TEMPLATE_DATABASE, testEnv, withDatabase } from './env';

/**
 * Once per test run: the real components every suite uses. A PostgreSQL (DATABASE_URL's server if set, else an
 * embedded one of our own) with a migrated template database that each suite clones; the Temporal CLI and the
 * time-skipping server, built or fetched into the cache if missing; the workflow bundle, built once.
 */
export default async function globalSetup(): Promise<void> {
  const config = loadConfig();
  const root = path.join(config.dataDir, 'test');
  fs.mkdirSync(root, { recursive: true });
  const log = (line: string) => console.log(`[test setup] ${line}`);

  const [cli, timeSkipping] = await Promise.all([
    resolveTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, log }),
    ensureTimeSkippingServer({ cacheDir: config.cacheDir, log }),
  ]);

  let adminUrl: string;
  if (config.embeddedPostgres) {
    // A throwaway cluster per run: fresh, fast (no fsync), on a port nobody else uses.
    const dataDir = path.join(root, 'postgres');
    await stopLeftover(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
    const pg = await startLocalPostgres({ dataDir, port: await freePort(), database: 'postgres', fast: true });
    (globalThis as { stopTestPostgres?: () => Promise<void> }).stopTestPostgres = pg.stop;
    adminUrl = pg.url;
  } else {
    adminUrl = config.databaseUrl;
  }
  const templateUrl = withDatabase(adminUrl, TEMPLATE_DATABASE);
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
  await admin.end();
  await ensureDatabase(adminUrl, TEMPLATE_DATABASE);
  const template = new Pool({ connectionString: templateUrl, max: 1 });
  await migrate(template);
  await ensureCheckResultPartitions(template);
  await template.end();

  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  const bundlePath = path.join(root, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  Object.assign(process.env, testEnv({ adminUrl, cli, timeSkipping, bundlePath }));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A previous run killed before its teardown leaves its postmaster running on the data folder: stop it. */
async function stopLeftover(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
