import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureStoredCodecKeys } from '../src/codec/keys';
import { loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { freePort, freeStackPorts } from '../src/stack/ports';
import { startLocalPostgres } from '../src/stack/postgres';
import { logTail, startProcess, type ManagedProcess } from '../src/stack/processes';
import { startProductionLikeStack, type ProductionLikeOptions } from '../src/stack/production-like';
import { startDevServer, waitForPort } from '../src/stack/temporal-dev-server';
import { resolveTemporalCli } from '../src/stack/tools';

/**
 * The stack a benchmark runs against, in a throwaway folder on free loopback ports: the embedded dev stack (PostgreSQL,
 * the Temporal dev server, one worker, the API) or the production-like one (src/stack/production-like.ts: Temporal
 * 1.32 on PostgreSQL, two workers). Vigil's processes run compiled, as deployed: run from the sources through tsx, a
 * worker holds about 65 MB more (docs/benchmarks.md).
 */

export type StackKind = 'dev' | 'production-like';

/** A process whose CPU and memory the benchmark samples: the root of a process tree (PostgreSQL: its postmaster). */
export interface Sampled {
  name: string;
  pid: number;
}

export interface BenchStack {
  kind: StackKind;
  apiUrl: string;
  temporalAddress: string;
  /** Vigil's database, as a role that may read every statistics view. */
  databaseUrl: string;
  /** The Temporal server's Prometheus endpoint, where it has one. */
  temporalMetricsUrl?: string;
  /** The worker's own metrics (the dev stack's one worker; the production-like workers share an environment). */
  workerMetricsUrl?: string;
  processes(): Sampled[];
  /** Vigil's worker processes. */
  workers(): Sampled[];
  /** Log files of Vigil's workers, scanned for errors. */
  workerLogs(): string[];
  startSeconds: number;
  /** Sends SIGKILL to one of the stack's processes, by name (the production-like stack; bench/failover.ts). */
  kill(name: string): void;
  stop(): Promise<void>;
  /** After stop(), starts the stack again on the same data and ports (the production-like stack). */
  start(): Promise<void>;
}

export interface StackOptions {
  kind: StackKind;
  dataDir: string;
  adminKey: string;
  /** Variables for Vigil's processes on top of the benchmark's own (probe mode, writer knobs...). */
  env: Record<string, string>;
  log(line: string): void;
}

const ROOT = path.resolve(__dirname, '..');
const vigilCommand = (role: 'api' | 'worker') => ({ command: process.execPath, args: [path.join(ROOT, 'dist', 'src', role, 'main.js')] });

/** Compiles Vigil (`dist/`) as `npm run up` and the image do, so that its processes run as they are deployed. */
function compileVigil(log: (line: string) => void): void {
  log('compiling Vigil');
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
}

const postmasterPid = (pgDataDir: string): number => Number(fs.readFileSync(path.join(pgDataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

/** What every benchmark run gives Vigil: loopback targets allowed, short intervals, the admin key, quiet logs. */
function benchEnv(opts: StackOptions): Record<string, string> {
  return {
    VIGIL_PROBE_ALLOW_CIDRS: '127.0.0.0/8',
    VIGIL_MIN_INTERVAL_SECONDS: '1',
    VIGIL_BOOTSTRAP_ADMIN_KEY: opts.adminKey,
    VIGIL_PUBLIC_RATE_LIMIT: '0',
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
}

export function startBenchStack(opts: StackOptions): Promise<BenchStack> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  compileVigil(opts.log);
  return opts.kind === 'dev' ? startDev(opts) : startProductionLike(opts);
}

async function startDev(opts: StackOptions): Promise<BenchStack> {
  const began = Date.now();
  const config = loadConfig();
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch((err) => opts.log(`while stopping: ${String(err)}`));
  };
  try {
    const pgDir = path.join(opts.dataDir, 'postgres');
    const pg = await startLocalPostgres({ dataDir: pgDir, port: await freePort(), database: 'vigil', log: opts.log });
    stops.push(pg.stop);
    const pool = createPool(pg.url, { max: 1, applicationName: 'vigil-bench' });
    await migrate(pool);
    await pool.end();

    const cli = await resolveTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, log: opts.log });
    const server = await startDevServer({
      cli,
      dataDir: path.join(opts.dataDir, 'temporal'),
      port: await freePort(),
      uiPort: await freePort(),
      logFile: path.join(opts.dataDir, 'temporal.log'),
    });
    stops.push(server.stop);

    const [apiPort, metricsPort] = [await freePort(), await freePort()];
    const env = {
      ...process.env,
      // Encrypted as `npm run up` runs (the API and workers refuse to run without keys unless told VIGIL_CODEC_KEYS=none).
      ...(config.codec.keys || config.codec.plaintext ? {} : ensureStoredCodecKeys(path.join(opts.dataDir, 'codec-keys.json'))),
      ...benchEnv(opts),
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: server.address,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      VIGIL_WORKER_METRICS_PORT: String(metricsPort),
    };
    const launch = (name: string, role: 'api' | 'worker'): ManagedProcess => {
      const { command, args } = vigilCommand(role);
      const proc = startProcess({ name, command, args, env, cwd: ROOT, logFile: path.join(opts.dataDir, `${name}.log`) });
      stops.push(() => proc.stop());
      return proc;
    };
    const worker = launch('vigil-worker', 'worker');
    const api = launch('vigil-api', 'api');
    // The worker logs at warn: it is ready once its metrics port answers (after its Temporal worker is created).
    await Promise.all([
      waitForPort('127.0.0.1', metricsPort, 180_000, worker.running).catch((err: Error) => {
        throw new Error(`${err.message}\n${logTail(worker.logFile)}`);
      }),
      waitForPort('127.0.0.1', apiPort, 120_000, api.running).catch((err: Error) => {
        throw new Error(`${err.message}\n${logTail(api.logFile)}`);
      }),
    ]);
    return {
      kind: 'dev',
      apiUrl: `http://127.0.0.1:${apiPort}`,
      temporalAddress: server.address,
      databaseUrl: pg.url,
      workerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      processes: () => [
        { name: 'postgres', pid: postmasterPid(pgDir) },
        { name: 'temporal', pid: server.process.pid ?? 0 },
        { name: 'vigil-api', pid: api.pid },
        { name: 'vigil-worker', pid: worker.pid },
      ],
      workers: () => [{ name: 'vigil-worker', pid: worker.pid }],
      workerLogs: () => [worker.logFile],
      startSeconds: (Date.now() - began) / 1000,
      kill: () => {
        throw new Error('failover runs on the production-like stack only');
      },
      stop,
      start: () => Promise.reject(new Error('failover runs on the production-like stack only')),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function startProductionLike(opts: StackOptions): Promise<BenchStack> {
  const began = Date.now();
  const config = loadConfig();
  const ports = await freeStackPorts();
  const dataDir = path.join(opts.dataDir, 'production-like');
  const options: ProductionLikeOptions = {
    dataDir,
    cacheDir: config.cacheDir,
    cliPath: config.temporal.cliPath,
    ports,
    historyShards: config.temporal.historyShards,
    namespace: 'default',
    logLevel: 'warn',
    vigilCommand,
    vigilEnv: { ...process.env, ...benchEnv(opts) },
    log: opts.log,
    onExit: (name, how, logFile) => opts.log(`${name} exited (${how}); see ${logFile}`),
  };
  let stack = await startProductionLikeStack(options);
  const secrets = JSON.parse(fs.readFileSync(stack.secretsFile, 'utf8')) as { postgres: string };
  const pgDir = path.join(dataDir, 'postgres');
  return {
    kind: 'production-like',
    apiUrl: stack.urls.api,
    temporalAddress: stack.urls.temporal,
    databaseUrl: `postgresql://postgres:${encodeURIComponent(secrets.postgres)}@127.0.0.1:${ports.postgres}/vigil`,
    temporalMetricsUrl: stack.urls.metrics,
    processes: () => [{ name: 'postgres', pid: postmasterPid(pgDir) }, ...[...stack.processes()].map(([name, proc]) => ({ name, pid: proc.pid }))],
    workers: () => [...stack.processes()].filter(([name]) => name.startsWith('vigil-worker')).map(([name, p]) => ({ name, pid: p.pid })),
    workerLogs: () => [...stack.processes()].filter(([name]) => name.startsWith('vigil-worker')).map(([, p]) => p.logFile),
    startSeconds: (Date.now() - began) / 1000,
    kill: (name) => {
      const proc = stack.processes().get(name);
      if (!proc) throw new Error(`no process ${name} in the stack`);
      proc.kill('SIGKILL');
    },
    stop: () => stack.stop(),
    start: async () => {
      stack = await startProductionLikeStack(options);
    },
  };
}
