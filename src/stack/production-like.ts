import { Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureStoredCodecKeys } from '../codec/keys';
import { TASK_QUEUE } from '../ids';
import { ensureDatabase, ensureRole, startLocalPostgres } from './postgres';
import { finished, logTail, ProcessError, startProcess, type ManagedProcess, type ProcessSpec } from './processes';
import { SEARCH_ATTRIBUTES, waitForPort } from './temporal-dev-server';
import { resolveTemporalCli, resolveTemporalServer, resolveTemporalUi } from './tools';
import { POSTGRES_ROLES, productionTopology, temporalPorts, type StackPorts, type StackService } from './topology';

/**
 * `npm run up -- --production-like`: the topology of docker-compose.yml on one host without Docker. PostgreSQL with
 * a password for every role, the Temporal server on PostgreSQL persistence with its Web UI, and Vigil's API and two
 * workers, each a process of its own with its log under the data folder. Everything it keeps (databases, passwords,
 * the shard count) stays in that folder, so a re-run goes on with every workflow, target and result.
 */

export type VigilRole = 'api' | 'worker';

export interface ProductionLikeOptions {
  /** This stack's own folder, e.g. `.data/production-like`. */
  dataDir: string;
  cacheDir: string;
  cliPath?: string;
  ports: StackPorts;
  historyShards: number;
  namespace: string;
  logLevel: string;
  /** How to run one of Vigil's processes (`node dist/src/<role>/main.js` from a build). */
  vigilCommand(role: VigilRole): { command: string; args: string[] };
  /** What Vigil's processes get besides the topology's variables: the operator's environment. */
  vigilEnv: NodeJS.ProcessEnv;
  log(line: string): void;
  /** Aborting it during start-up stops what has started, and the start rejects. */
  signal?: AbortSignal;
  /** Told when a process of the stack exits while the stack runs; the rest carry on, as they would in production. */
  onExit?(name: string, how: string, logFile: string): void;
}

export interface ProductionLikeStack {
  urls: { api: string; temporalUi: string; temporal: string; metrics: string; database: string };
  historyShards: number;
  /** Where each process writes its log, and where the passwords are kept. */
  logs: string;
  secretsFile: string;
  /** The running processes by service name (the workers are `vigil-worker-1`, `vigil-worker-2`). */
  processes(): Map<string, ManagedProcess>;
  /** Stops the Temporal server and starts it again on the same database, as an operator's restart would. */
  restartTemporal(): Promise<void>;
  /** Stops everything, in the reverse order of starting: workers drain while Temporal still answers. */
  stop(): Promise<void>;
}

const REPO_ROOT = findRepoRoot(__dirname);
const SETUP_SCRIPT = path.join(REPO_ROOT, 'deploy', 'temporal-setup.sh');
const DYNAMIC_CONFIG = path.join(REPO_ROOT, 'deploy', 'temporal-dynamicconfig.yaml');

function findRepoRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'deploy', 'temporal-setup.sh'))) return dir;
  }
  throw new Error(`deploy/temporal-setup.sh not found above ${from}`);
}

interface Secrets {
  postgres: string;
  vigil: string;
  temporal: string;
}

/** Passwords are made once per data folder and kept beside it, readable by its owner only. */
const SECRETS = (dataDir: string) => path.join(dataDir, 'secrets.json');

function loadSecrets(dataDir: string): Secrets {
  const file = SECRETS(dataDir);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Secrets;
  const make = () => randomBytes(18).toString('base64url');
  const secrets = { postgres: make(), vigil: make(), temporal: make() };
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * Temporal fixes the number of history shards when its database is created and ignores a different number later
 * (with only a warning in its log), so the first one is recorded here and a different request is answered plainly.
 */
function historyShards(dataDir: string, requested: number, log: (line: string) => void): number {
  const file = path.join(dataDir, 'history-shards');
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, `${requested}\n`);
    return requested;
  }
  const recorded = Number(fs.readFileSync(file, 'utf8').trim());
  if (recorded !== requested) {
    log(`this data folder's Temporal has ${recorded} history shards, fixed when it was created; ignoring ${requested} (remove ${dataDir} to start afresh)`);
  }
  return recorded;
}

/** Tools' config folders (`<root>/config/docker.yaml`), rendered by each server from its environment. */
function configRoot(dir: string, template: string, extra: Record<string, string> = {}): string {
  fs.mkdirSync(path.join(dir, 'config'), { recursive: true });
  fs.copyFileSync(template, path.join(dir, 'config', 'docker.yaml'));
  for (const [name, content] of Object.entries(extra)) fs.writeFileSync(path.join(dir, 'config', name), content);
  return dir;
}

/**
 * Waits until the frontend serves the namespace with Vigil's search attributes. Temporal's frontends learn of a new
 * namespace or search attribute from a cache refreshed every few seconds, so "created" is not yet "usable".
 */
async function waitUntilServing(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const query = SEARCH_ATTRIBUTES.map((sa) => `${sa.split('=')[0]} = 'ready'`).join(' AND ');
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.listWorkflowExecutions({ namespace, query, pageSize: 1 });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) {
        throw new ProcessError(`Temporal at ${address} does not serve namespace ${namespace} after ${timeoutMs} ms: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** A worker is ready once Temporal has seen it poll Vigil's task queue (its identity is `<pid>@<host>`). */
async function waitUntilPolling(address: string, namespace: string, worker: ManagedProcess, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect({ address });
  const identity = `${worker.pid}@${os.hostname()}`;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const { pollers } = await connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: TASK_QUEUE },
        taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
      });
      if (pollers?.some((p) => p.identity === identity)) return;
      if (!worker.running()) throw new ProcessError(`${worker.name} exited before it polled:\n${logTail(worker.logFile)}`);
      if (Date.now() > deadline) throw new ProcessError(`${worker.name} not polling after ${timeoutMs} ms:\n${logTail(worker.logFile)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await connection.close();
  }
}

/** Resolves when `ready` does; rejects if the process exits first. */
async function readyOrExited(proc: ManagedProcess, ready: Promise<void>): Promise<void> {
  await Promise.race([
    ready,
    proc.exited.then((how) => {
      throw new ProcessError(`${proc.name} exited (${how}) before it was ready:\n${logTail(proc.logFile)}`);
    }),
  ]);
}

export async function startProductionLikeStack(opts: ProductionLikeOptions): Promise<ProductionLikeStack> {
  const dataDir = path.resolve(opts.dataDir);
  const logs = path.join(dataDir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const passwords = loadSecrets(dataDir);
  const shards = historyShards(dataDir, opts.historyShards, opts.log);

  const [serverTools, uiTools, temporalCli] = await Promise.all([
    resolveTemporalServer({ cacheDir: opts.cacheDir, log: opts.log }),
    resolveTemporalUi({ cacheDir: opts.cacheDir, log: opts.log }),
    resolveTemporalCli({ cliPath: opts.cliPath, cacheDir: opts.cacheDir, log: opts.log }),
  ]);
  const topology = productionTopology({
    ports: opts.ports,
    historyShards: shards,
    passwords,
    namespace: opts.namespace,
    logLevel: opts.logLevel,
    dynamicConfigFile: DYNAMIC_CONFIG,
    tools: { sqlTool: serverTools.sqlTool, schemaDir: serverTools.schemaDir, temporalCli },
    // The operator's payload keys, else this folder's own, made once: histories stay readable across restarts.
    codecKeys: opts.vigilEnv.VIGIL_CODEC_KEYS
      ? { VIGIL_CODEC_KEYS: opts.vigilEnv.VIGIL_CODEC_KEYS, VIGIL_CODEC_ACTIVE_KEY: opts.vigilEnv.VIGIL_CODEC_ACTIVE_KEY ?? '' }
      : ensureStoredCodecKeys(path.join(dataDir, 'codec-keys.json')),
  });
  const temporalAddress = `127.0.0.1:${opts.ports.temporal}`;
  // Temporal's tools read only what the topology gives them: an operator's LOG_LEVEL or DB is not theirs.
  const toolEnv = (s: StackService) => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...s.env, ...s.hostEnv });
  const vigilEnv = (s: StackService) => ({ ...opts.vigilEnv, ...s.env, ...s.hostEnv });
  const spec = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): ProcessSpec => ({
    name,
    command,
    args,
    env,
    cwd,
    logFile: path.join(logs, `${name}.log`),
  });

  const running = new Map<string, ManagedProcess>();
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  let started = false;
  let stopping = false;
  let temporalSpec: ProcessSpec | undefined;

  const launch = (processSpec: ProcessSpec): ManagedProcess => {
    if (stopping) throw new ProcessError('stopped during start-up');
    const proc = startProcess(processSpec);
    running.set(processSpec.name, proc);
    void proc.exited.then((how) => {
      if (running.get(processSpec.name) !== proc) return; // replaced (a restart): not news
      running.delete(processSpec.name);
      if (started && !stopping) opts.onExit?.(processSpec.name, how, processSpec.logFile);
    });
    return proc;
  };
  const stopRunning = (name: string) => async () => {
    const proc = running.get(name);
    running.delete(name);
    await proc?.stop();
  };
  /** Starts a process of the stack, to be stopped with it (also if its start is cut short). */
  const start = (processSpec: ProcessSpec): ManagedProcess => {
    stops.push({ name: processSpec.name, stop: stopRunning(processSpec.name) });
    return launch(processSpec);
  };
  const setupJob = (s: StackService, step: 'schema' | 'namespace', timeoutMs: number) =>
    finished(start(spec(s.name, 'sh', [SETUP_SCRIPT, step], toolEnv(s))), timeoutMs);

  const startTemporal = async () => {
    const server = launch(temporalSpec!);
    await readyOrExited(server, waitForPort('127.0.0.1', opts.ports.temporal, 120_000, server.running));
    return server;
  };

  const starters: Record<StackService['name'], (s: StackService) => Promise<void>> = {
    postgres: async (s) => {
      const pg = await startLocalPostgres({
        dataDir: path.join(dataDir, 'postgres'),
        port: opts.ports.postgres,
        database: 'postgres',
        superuserPassword: s.env.POSTGRES_PASSWORD,
        // As a production database would be: statements' costs readable (docs/benchmarks.md reads them).
        statementStats: true,
        log: opts.log,
      });
      stops.push({ name: s.name, stop: pg.stop });
      for (const role of POSTGRES_ROLES) {
        await ensureRole(pg.url, { name: role.name, password: passwords[role.name], createdb: role.createdb });
        if (role.ownsDatabase) await ensureDatabase(pg.url, role.ownsDatabase, role.name);
      }
    },
    'temporal-schema': (s) => setupJob(s, 'schema', 300_000),
    temporal: async (s) => {
      const root = configRoot(path.join(dataDir, 'temporal'), serverTools.configTemplate);
      temporalSpec = spec(s.name, serverTools.server, ['--root', root, '--config', 'config', '--env', 'docker', '--allow-no-auth', 'start'], toolEnv(s), root);
      stops.push({ name: s.name, stop: stopRunning(s.name) });
      await startTemporal();
    },
    'temporal-namespace': async (s) => {
      await setupJob(s, 'namespace', 120_000);
      await waitUntilServing(temporalAddress, opts.namespace, 60_000);
    },
    'temporal-ui': async (s) => {
      // The UI server listens on every interface unless told otherwise; its template has no variable for that.
      const root = configRoot(path.join(dataDir, 'temporal-ui'), uiTools.configTemplate, { 'base.yaml': 'host: 127.0.0.1\n' });
      const ui = start(spec(s.name, uiTools.server, ['--root', root, '--config', 'config', '--env', 'docker', 'start'], toolEnv(s), root));
      await readyOrExited(ui, waitForPort('127.0.0.1', opts.ports.ui, 60_000, ui.running));
    },
    'vigil-api': async (s) => {
      const { command, args } = opts.vigilCommand('api');
      const api = start(spec(s.name, command, args, vigilEnv(s), REPO_ROOT));
      await readyOrExited(api, waitForPort('127.0.0.1', opts.ports.api, 120_000, api.running));
    },
    'vigil-worker': async (s) => {
      const { command, args } = opts.vigilCommand('worker');
      const workers = Array.from({ length: s.replicas }, (_, i) => start(spec(`${s.name}-${i + 1}`, command, args, vigilEnv(s), REPO_ROOT)));
      await Promise.all(workers.map((w) => readyOrExited(w, waitUntilPolling(temporalAddress, opts.namespace, w, 180_000))));
    },
  };

  // Each stop runs once; a second call (a stop during start-up, then the start's own clean-up) waits for the first.
  let stopped = Promise.resolve();
  const stop = () => {
    stopping = true;
    stopped = stopped.then(stopStarted);
    return stopped;
  };
  const stopStarted = async () => {
    const now = stops.splice(0);
    // Workers and the API first and together; then the UI, Temporal and PostgreSQL, one after the other.
    const vigil = now.filter((s) => s.name.startsWith('vigil-'));
    await Promise.all(vigil.map((s) => s.stop().catch((err) => opts.log(`while stopping ${s.name}: ${String(err)}`))));
    for (const s of now.filter((x) => !vigil.includes(x)).reverse()) {
      await s.stop().catch((err) => opts.log(`while stopping ${s.name}: ${String(err)}`));
    }
  };

  const onAbort = () => void stop();
  opts.signal?.addEventListener('abort', onAbort);
  try {
    for (const service of topology) {
      if (stopping) throw new ProcessError('stopped during start-up');
      opts.log(`starting ${service.name}${service.replicas > 1 ? ` ×${service.replicas}` : ''}`);
      await starters[service.name](service);
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  started = true;

  return {
    urls: {
      api: `http://127.0.0.1:${opts.ports.api}`,
      temporalUi: `http://127.0.0.1:${opts.ports.ui}`,
      temporal: temporalAddress,
      metrics: `http://127.0.0.1:${temporalPorts(opts.ports.temporal).METRICS_PORT}/metrics`,
      database: `postgresql://vigil@127.0.0.1:${opts.ports.postgres}/vigil`,
    },
    historyShards: shards,
    logs,
    secretsFile: SECRETS(dataDir),
    processes: () => new Map(running),
    restartTemporal: async () => {
      await stopRunning('temporal')();
      await startTemporal();
      await waitUntilServing(temporalAddress, opts.namespace, 60_000);
    },
    stop,
  };
}
