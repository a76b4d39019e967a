import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureStoredCodecKeys } from '../codec/keys';
import { loadConfig, type Config } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { startLocalPostgres } from './postgres';
import { startProductionLikeStack } from './production-like';
import { startDevServer, waitForPort } from './temporal-dev-server';
import { resolveTemporalCli } from './tools';

/**
 * `npm run up`: Vigil on its embedded defaults. Starts what is not configured elsewhere (PostgreSQL and a Temporal
 * dev server, each with its state under the data folder), then one worker and one API process; Ctrl-C or SIGTERM
 * stops them all, in reverse order.
 *
 * `npm run up -- --production-like`: the topology of docker-compose.yml without Docker (see production-like.ts).
 */
const USAGE = 'usage: npm run up [-- --production-like]';
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
  const args = process.argv.slice(2);
  const unknown = args.find((a) => a !== '--production-like');
  if (unknown !== undefined) throw new Error(`unknown argument ${unknown}; ${USAGE}`);
  const config = loadConfig();
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  if (args.includes('--production-like')) return productionLike(config);

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
      uiCodecEndpoint: `http://${config.api.host}:${config.api.port}/v1/codec`,
    });
    stops.push(server.stop);
    temporalAddress = server.address;
    uiUrl = server.uiUrl;
  }

  // Payloads and stored secrets are encrypted with the operator's keys, else with this data folder's own, made once and
  // kept; VIGIL_CODEC_KEYS=none (the operator's choice) runs without.
  const codecKeys = config.codec.keys || config.codec.plaintext ? {} : ensureStoredCodecKeys(path.join(config.dataDir, 'codec-keys.json'));
  const env = { ...process.env, ...codecKeys, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress };
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
  say('API key     npm run create-api-key -- --role admin --name <you>   (prints a key, once)');
  say(`Temporal UI ${uiUrl}`);
  say(`Temporal    ${temporalAddress}, namespace ${config.temporal.namespace}`);
  say('Ctrl-C stops everything');
}

async function productionLike(config: Config): Promise<void> {
  if (!config.embeddedPostgres || !config.temporal.embedded) {
    throw new Error('--production-like runs its own PostgreSQL and Temporal: unset DATABASE_URL and TEMPORAL_ADDRESS');
  }
  const began = Date.now();
  const abort = new AbortController();
  const starting = startProductionLikeStack({
    signal: abort.signal,
    dataDir: path.join(config.dataDir, 'production-like'),
    cacheDir: config.cacheDir,
    cliPath: config.temporal.cliPath,
    ports: {
      postgres: config.pgPort,
      temporal: Number(config.temporal.address.split(':')[1]),
      ui: config.temporal.uiPort,
      api: config.api.port,
    },
    historyShards: config.temporal.historyShards,
    namespace: config.temporal.namespace,
    logLevel: config.logLevel,
    vigilCommand: (role) => ({ command: process.execPath, args: [path.join(__dirname, '..', role, 'main.js')] }),
    vigilEnv: process.env,
    log: say,
    onExit: (name, how, logFile) => say(`${name} exited (${how}); the rest carry on. Its log: ${logFile}`),
  });
  // Ctrl-C during start-up stops whatever had started; afterwards, the whole stack.
  stops.push(async () => {
    abort.abort();
    await (await starting.catch(() => undefined))?.stop();
  });
  const stack = await starting;
  const { urls } = stack;
  say(`ready in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  say(`API          ${urls.api}`);
  say(`Temporal UI  ${urls.temporalUi}`);
  say(`Temporal     ${urls.temporal}, namespace ${config.temporal.namespace}, ${stack.historyShards} history shards`);
  say(`metrics      ${urls.metrics} (Temporal server, Prometheus)`);
  say(`PostgreSQL   ${urls.database} (every role's password in ${stack.secretsFile})`);
  say(`logs         ${stack.logs}`);
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
