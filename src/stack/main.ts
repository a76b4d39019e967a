import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { startLocalPostgres } from './postgres';
import { startDevServer, waitForPort } from './temporal-dev-server';
import { resolveTemporalCli } from './tools';

/**
 * `npm run up`: Vigil on its embedded defaults. Starts what is not configured elsewhere (PostgreSQL and a Temporal
 * dev server, each with its state under the data folder), then one worker and one API process; Ctrl-C or SIGTERM
 * stops them all, in reverse order.
 */
const say = (line: string) => console.log(`[vigil] ${line}`);
/** What this launcher started, stopped in reverse order on the way out, however it goes. */
const stops: (() => Promise<void>)[] = [];
let stopping = false;

function shutdown(code: number): void {
  if (stopping) return;
  stopping = true;
  say('stopping');
  void (async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => say(`while stopping: ${String(err)}`));
    process.exit(code);
  })();
}

async function main(): Promise<void> {
  const config = loadConfig();
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));

  fs.mkdirSync(config.dataDir, { recursive: true });
  let databaseUrl = config.databaseUrl;
  if (config.embeddedPostgres) {
    const pg = await startLocalPostgres({ dataDir: path.join(config.dataDir, 'postgres'), port: config.pgPort, database: 'vigil', log: say });
    stops.push(pg.stop);
    databaseUrl = pg.url;
    say(`PostgreSQL ${pg.url}`);
  }
  const pool = createPool(databaseUrl, { max: 1, applicationName: 'vigil-up' });
  const applied = await migrate(pool);
  await pool.end();
  if (applied.length) say(`applied migrations: ${applied.join(', ')}`);

  let temporalAddress = config.temporal.address;
  let uiUrl = '(the UI of your Temporal deployment)';
  if (config.temporal.embedded) {
    const cli = await resolveTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, log: say });
    const [, port] = config.temporal.address.split(':');
    const server = await startDevServer({
      cli,
      dataDir: path.join(config.dataDir, 'temporal'),
      port: Number(port),
      uiPort: config.temporal.uiPort,
      logFile: path.join(config.dataDir, 'temporal.log'),
    });
    stops.push(server.stop);
    temporalAddress = server.address;
    uiUrl = server.uiUrl;
  }

  const env = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress };
  for (const role of ['worker', 'api'] as const) {
    const child = spawn(process.execPath, [path.join(__dirname, '..', role, 'main.js')], { env, stdio: 'inherit' });
    stops.push(() => stopChild(child));
    child.on('exit', (code, signal) => {
      if (stopping) return;
      say(`${role} exited (${signal ?? code}); stopping everything`);
      shutdown(1);
    });
  }
  await waitForPort(config.api.host, config.api.port, 60_000);
  say(`API         http://${config.api.host}:${config.api.port}`);
  say(`Temporal UI ${uiUrl}`);
  say(`Temporal    ${temporalAddress}, namespace ${config.temporal.namespace}`);
  say('Ctrl-C stops everything');
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

main().catch((err) => {
  say(`failed: ${err instanceof Error ? err.message : String(err)}`);
  shutdown(1);
});
