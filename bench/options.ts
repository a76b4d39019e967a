import path from 'node:path';
import { parseArgs } from 'node:util';
import type { StackKind } from './stack';

/** What a benchmark run is told to do: `npm run bench -- --help`. */

export interface BenchOptions {
  stack: StackKind;
  targets: number[];
  intervalSeconds: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** After the warm-up, at most this long to wait for steady state (see `settle`); 0 to measure at once. */
  settleMaxSeconds: number;
  env: Record<string, string>;
  farm: { servers: number; latencyMs: number; jitterMs: number; failureRate: number };
  /** POSTs in flight at once while creating: single creates, or batches with `createBatch`. */
  createConcurrency: number;
  /** Targets created a second at most; 0 for as fast as `createConcurrency` POSTs go. */
  createRate: number;
  /** Targets a POST carries: 1 for POST /v1/targets, more for POST /v1/targets/bulk (at most 100). */
  createBatch: number;
  historySamples: number;
  keepGoing: boolean;
  /** After the last step, kill a worker, then restart the whole stack (bench/failover.ts; production-like only). */
  failover: boolean;
  maxMinutes: number;
  label: string;
  out?: string;
  dataDir: string;
  keepData: boolean;
  log(line: string): void;
}

const USAGE = `usage: npm run bench -- --targets N[,N...] [--interval S] [--duration S] [--warmup S] [--settle-max S]
  [--stack dev|production-like] [--env KEY=VALUE]...
  [--latency MS] [--jitter MS] [--fail-rate F] [--farm-servers N] [--create-concurrency N] [--create-rate N]
  [--create-batch N] [--history-samples N] [--keep-going] [--failover] [--max-minutes M] [--label NAME] [--out FILE] [--keep-data]`;

export function parseBenchArgs(argv: string[], log: (line: string) => void = console.log): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: 'string', default: 'dev' },
      targets: { type: 'string' },
      interval: { type: 'string', default: '60' },
      duration: { type: 'string', default: '120' },
      warmup: { type: 'string', default: '30' },
      'settle-max': { type: 'string', default: '0' },
      env: { type: 'string', multiple: true, default: [] },
      latency: { type: 'string', default: '20' },
      jitter: { type: 'string', default: '10' },
      'fail-rate': { type: 'string', default: '0' },
      'farm-servers': { type: 'string', default: '4' },
      'create-concurrency': { type: 'string', default: '16' },
      'create-rate': { type: 'string', default: '0' },
      'create-batch': { type: 'string', default: '1' },
      'history-samples': { type: 'string', default: '20' },
      'keep-going': { type: 'boolean', default: false },
      failover: { type: 'boolean', default: false },
      'max-minutes': { type: 'string' },
      label: { type: 'string' },
      out: { type: 'string' },
      'keep-data': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.targets) throw new Error(USAGE);
  const num = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, not ${v}\n${USAGE}`);
    return n;
  };
  const stack = values.stack as StackKind;
  if (stack !== 'dev' && stack !== 'production-like') throw new Error(`--stack must be dev or production-like\n${USAGE}`);
  if (values.failover && stack !== 'production-like') throw new Error(`--failover needs two workers: --stack production-like\n${USAGE}`);
  const targets = values.targets.split(',').map((t) => num('targets', t, 1));
  const env = Object.fromEntries(
    values.env.map((kv) => {
      const i = kv.indexOf('=');
      if (i < 1) throw new Error(`--env wants KEY=VALUE, not ${kv}`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
  const createBatch = (v: string) => {
    const n = num('create-batch', v, 1);
    if (!Number.isInteger(n) || n > 100)
      throw new Error(`--create-batch must be a whole number from 1 to 100 (what POST /v1/targets/bulk takes), not ${v}\n${USAGE}`);
    return n;
  };
  const intervalSeconds = num('interval', values.interval, 1);
  const durationSeconds = num('duration', values.duration, 1);
  const warmupSeconds = num('warmup', values.warmup, 0);
  // Creation at a pessimistic 20 targets/s, plus each step's warm-up, measurement and settling, plus start-up and failover.
  const planned =
    (Math.max(...targets) / 20 + targets.length * (warmupSeconds + Number(values['settle-max']) + durationSeconds + 60) + 300 + (values.failover ? 480 : 0)) /
    60;
  const label = values.label ?? `${stack}-${targets.at(-1)}x${intervalSeconds}s`;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    stack,
    targets,
    intervalSeconds,
    durationSeconds,
    warmupSeconds,
    settleMaxSeconds: num('settle-max', values['settle-max'], 0),
    env,
    farm: {
      servers: num('farm-servers', values['farm-servers'], 1),
      latencyMs: num('latency', values.latency, 0),
      jitterMs: num('jitter', values.jitter, 0),
      failureRate: num('fail-rate', values['fail-rate'], 0),
    },
    createConcurrency: num('create-concurrency', values['create-concurrency'], 1),
    createRate: num('create-rate', values['create-rate'], 0),
    createBatch: createBatch(values['create-batch']),
    historySamples: num('history-samples', values['history-samples'], 0),
    keepGoing: values['keep-going'],
    failover: values.failover,
    maxMinutes: values['max-minutes'] ? num('max-minutes', values['max-minutes'], 1) : Math.ceil(planned),
    label,
    out: values.out ?? path.join(__dirname, 'results', `${label}-${stamp}.json`),
    dataDir: path.join(path.resolve(__dirname, '..'), '.data', 'bench', `run-${process.pid}-${Date.now()}`),
    keepData: values['keep-data'],
    log,
  };
}
