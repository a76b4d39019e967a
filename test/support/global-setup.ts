import { bundleWorkflowCode } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { ensureCheckResultPartitions } from '../../src/db/partitions';
import { ensureDatabase, startLocalPostgres } from '../../src/stack/postgres';
import { ensureTimeSkippingServer, resolveTemporalCli } from '../../src/stack/tools';
import { testEnv, withDatabase } from './env';
import { freePort } from '../../src/stack/ports';

/**
 * Once per test run: the real components every suite uses. A PostgreSQL (DATABASE_URL's server if set, else an
 * embedded one of our own) with a migrated template database that each suite clones; the Temporal CLI and the
 * time-skipping server, built or fetched into the cache if missing; the workflow bundle, built once. Everything a run
 * makes is its own (a folder and a template database named by its pid), so test runs can overlap.
 */
export default async function globalSetup(): Promise<void> {
  const config = loadConfig();
  const runs = path.join(config.dataDir, 'test');
  fs.mkdirSync(runs, { recursive: true });
  await removeDeadRuns(runs);
  const root = path.join(runs, `run-${process.pid}`);
  fs.mkdirSync(root, { recursive: true });
  const log = (line: string) => console.log(`[test setup] ${line}`);

  const [cli, timeSkipping] = await Promise.all([
    resolveTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, log }),
    ensureTimeSkippingServer({ cacheDir: config.cacheDir, log }),
  ]);

  let adminUrl: string;
  if (config.embeddedPostgres) {
    // A throwaway cluster per run: fresh, fast (no fsync), on a port nobody else uses.
    const pg = await startLocalPostgres({ dataDir: path.join(root, 'postgres'), port: await freePort(), database: 'postgres', fast: true });
    adminUrl = pg.url;
  } else {
    adminUrl = config.databaseUrl;
  }
  const templateDatabase = `vigil_test_template_${process.pid}`;
  await ensureDatabase(adminUrl, templateDatabase);
  const template = new Pool({ connectionString: withDatabase(adminUrl, templateDatabase), max: 1 });
  await migrate(template);
  await ensureCheckResultPartitions(template);
  await template.end();

  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  const bundlePath = path.join(root, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  Object.assign(process.env, testEnv({ adminUrl, templateDatabase, cli, timeSkipping, bundlePath, runDir: root }));
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs killed before their teardown leave a folder, and maybe a postmaster on it: stop it and remove both. */
async function removeDeadRuns(runs: string): Promise<void> {
  for (const name of fs.readdirSync(runs)) {
    const runPid = Number(/^run-(\d+)$/.exec(name)?.[1]);
    if (!runPid || alive(runPid)) continue;
    const pidFile = path.join(runs, name, 'postgres', 'postmaster.pid');
    const postmaster = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
    if (postmaster && alive(postmaster)) {
      process.kill(postmaster, 'SIGQUIT');
      for (let i = 0; i < 50 && alive(postmaster); i++) await new Promise((r) => setTimeout(r, 100));
    }
    fs.rmSync(path.join(runs, name), { recursive: true, force: true });
  }
}
