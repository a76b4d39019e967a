import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { TEMPORAL_CLI_VERSION, TEMPORAL_SERVER_VERSION } from '../src/stack/tools';
import { killOneWorker, restartStack, type FailoverReport } from './failover';
import { startFarm, type Farm } from './farm';
import {
  counterRates,
  histogramQuantile,
  pgCounters,
  pgRates,
  historyBetween,
  markHistories,
  ProjectionLagSampler,
  quantiles,
  resetStatementStats,
  statementCosts,
  scrapeByLabel,
  slotReport,
  workerHistogram,
  type BenchTarget,
  type HistorySample,
  type Quantiles,
  type SlotReport,
  type StatementCost,
} from './measure';
import { round, sample, usageBetween, type Usage } from './procfs';
import { failoverTable, markdownTable } from './report';
import { startBenchStack, type BenchStack, type StackKind } from './stack';
import { createTargets, type CreatedTarget, type CreationReport } from './targets';

/**
 * `npm run bench -- --targets 100,1000,5000 --interval 60 --duration 180 [--stack dev|production-like]
 *   [--env KEY=VALUE ...]`
 *
 * Starts a stack in a throwaway folder, a farm of fake targets on loopback, then ramps: for each number of targets it
 * creates the missing ones through the API, lets them settle, measures for `duration` seconds, and reports. The ramp
 * stops at the first step that breaks (p99 schedule lag over 1 s, or slots missed, or worker errors) unless told to
 * go on. Everything is bounded: a watchdog ends the run after `--max-minutes`, and every process it started stops.
 */

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

export interface StepReport {
  targets: number;
  intervalSeconds: number;
  /**
   * `allProbingSeconds`: from the first POST until every target had a result. `steadySeconds`: from the first POST
   * until one whole interval ran on time (see `settle`); null when it never did within --settle-max, absent when not
   * waited for. `firstProbeSeconds`: from each target's 201 to its first result; `lateFirstProbes`: targets whose first
   * result came more than two intervals after their 201, or never.
   */
  creation: CreationReport & {
    allProbingSeconds: number;
    steadySeconds?: number | null;
    firstProbeSeconds: Quantiles;
    lateFirstProbes: number;
    /** While the targets were created: each component's CPU, and the Temporal frontend's requests by operation. */
    usage: Usage;
    temporalFrontendPerSecond?: Record<string, number>;
  };
  window: { from: string; to: string; seconds: number };
  slots: SlotReport;
  projectionLagMs: Quantiles;
  /** The worker's own histogram (dev stack): bucket upper bounds, seconds. */
  workerLag?: { p50: number | null; p99: number | null; writeBatchP50: number | null; writeBatchP99: number | null };
  history: HistorySample | null;
  usage: Usage;
  /** CPU time of Vigil's stack (every sampled process but the benchmark itself) per probed slot. */
  cpuMsPerProbe: number | null;
  postgres: ReturnType<typeof pgRates> & { statements?: StatementCost[] };
  /**
   * The Temporal server's requests by operation: `requestsPerSecond` as every service counts them (a request the
   * frontend passes to the history service is counted by both), `frontendRequestsPerSecond` as clients made them.
   */
  temporal?: {
    requestsPerSecond: Record<string, number>;
    frontendRequestsPerSecond?: Record<string, number>;
    persistenceRequestsPerSecond: Record<string, number>;
  };
  errors: { apiErrors: number; workerLogErrors: number; workerLogWarnings: number; missedRows: number; absentSlots: number; firstWorkerErrors: string[] };
  broken: string[];
}

export interface BenchReport {
  label: string;
  startedAt: string;
  command: string;
  machine: { cpu: string; cores: number; memoryGb: number; kernel: string; node: string; postgres: string; temporal: string };
  commit: string;
  stack: StackKind;
  env: Record<string, string>;
  farm: BenchOptions['farm'];
  stackStartSeconds: number;
  steps: StepReport[];
  /** The first step that broke, and what broke. */
  knee: { targets: number; why: string[] } | null;
  failover?: FailoverReport;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Seconds from each target's 201 to its first result, and how many came later than two intervals after it (or never). */
async function firstProbes(pool: Pool, targets: CreatedTarget[]): Promise<{ seconds: Quantiles; late: number }> {
  const { rows } = await pool.query<{ target_id: string; first: Date }>(
    'SELECT target_id, min(started_at) AS first FROM check_results WHERE target_id = ANY($1) GROUP BY target_id',
    [targets.map((t) => t.id)],
  );
  const first = new Map(rows.map((r) => [r.target_id, r.first.getTime()]));
  const delays = targets.flatMap((t) => (first.has(t.id) ? [(first.get(t.id)! - t.acceptedAt) / 1000] : []));
  const late = targets.filter((t) => !first.has(t.id) || first.get(t.id)! - t.acceptedAt > 2 * t.intervalSeconds * 1000).length;
  return { seconds: quantiles(delays.map((d) => round(d, 1))), late };
}

/** Waits until every target has a status row with a probed slot; returns when (epoch ms), or the deadline. */
async function allProbed(pool: Pool, targets: BenchTarget[], deadline: number): Promise<number> {
  for (;;) {
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM target_status WHERE target_id = ANY($1) AND last_scheduled_at IS NOT NULL', [
      targets.map((t) => t.id),
    ]);
    if (Number(rows[0]?.n ?? 0) >= targets.length || Date.now() > deadline) return Date.now();
    await sleep(1_000);
  }
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: __dirname }).trim();
    return head;
  } catch {
    return 'unknown';
  }
}

/** Lines a worker wrote at warn or above since `offsets`, which move on. */
function scanLogs(files: string[], offsets: Map<string, number>): { errors: number; warnings: number; first: string[] } {
  let errors = 0;
  let warnings = 0;
  const first: string[] = [];
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file);
    const from = offsets.get(file) ?? 0;
    offsets.set(file, text.length);
    for (const line of text.subarray(from).toString().split('\n')) {
      const error = /"level":(50|60)|\b(ERROR|FATAL)\b/.test(line);
      const warning = /"level":40|\bWARN\b/.test(line);
      if (error) errors++;
      else if (warning) warnings++;
      if ((error || warning) && first.length < 3) first.push(line.slice(0, 400));
    }
  }
  return { errors, warnings, first };
}

export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const adminKey = `bench_${randomBytes(24).toString('base64url')}`;
  const env: Record<string, string> = { ...opts.env };
  const report: BenchReport = {
    label: opts.label,
    startedAt: new Date().toISOString(),
    command: process.argv.slice(2).join(' '),
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGb: round(os.totalmem() / 2 ** 30, 1),
      kernel: os.release(),
      node: process.version,
      postgres: '',
      temporal: opts.stack === 'dev' ? `dev server (CLI ${TEMPORAL_CLI_VERSION}, SQLite)` : `server ${TEMPORAL_SERVER_VERSION} on PostgreSQL`,
    },
    commit: gitCommit(),
    stack: opts.stack,
    env,
    farm: opts.farm,
    stackStartSeconds: 0,
    steps: [],
    knee: null,
  };
  const save = () => {
    if (!opts.out) return;
    fs.mkdirSync(path.dirname(opts.out), { recursive: true });
    fs.writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  };

  let farm: Farm | undefined;
  let stack: BenchStack | undefined;
  let pool: Pool | undefined;
  // One clean-up however many ways the run ends (finished, failed, signalled, out of time): each waits for it.
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await stack?.stop().catch((err) => opts.log(`stopping the stack: ${String(err)}`));
      await pool?.end().catch(() => undefined);
      await farm?.close();
      if (!opts.keepData) fs.rmSync(opts.dataDir, { recursive: true, force: true });
    })());
  const deadline = Date.now() + opts.maxMinutes * 60_000;
  const watchdog = setTimeout(() => {
    opts.log(`watchdog: ${opts.maxMinutes} minutes passed, stopping`);
    void cleanup().then(() => process.exit(2));
  }, opts.maxMinutes * 60_000);
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    farm = await startFarm(opts.farm);
    opts.log(`starting the ${opts.stack} stack in ${opts.dataDir}`);
    stack = await startBenchStack({ kind: opts.stack, dataDir: opts.dataDir, adminKey, env, log: opts.log });
    report.stackStartSeconds = round(stack.startSeconds, 1);
    opts.log(`stack ready in ${report.stackStartSeconds} s; API ${stack.apiUrl}`);
    pool = new Pool({ connectionString: stack.databaseUrl, max: 3, application_name: 'vigil-bench' });
    pool.on('error', () => undefined);
    report.machine.postgres = (await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '';
    const roots = () => [...stack!.processes(), { name: 'bench', pid: process.pid }];
    /** The Temporal frontend's requests by operation, as clients made them (none on the dev stack). */
    const frontendRequests = async () =>
      (await scrapeByLabel(stack!.temporalMetricsUrl, ['service_requests'], 'operation', 'service_name="frontend"')).service_requests ?? {};
    const logOffsets = new Map<string, number>();
    scanLogs(stack.workerLogs(), logOffsets);

    const targets: BenchTarget[] = [];
    for (const goal of opts.targets) {
      const bodies = Array.from({ length: Math.max(0, goal - targets.length) }, (_, i) => {
        const n = targets.length + i;
        return { name: `bench-${n}`, url: farm!.urlOf(n), intervalSeconds: opts.intervalSeconds };
      });
      opts.log(`step ${goal}: creating ${bodies.length} targets`);
      const [c0, cf0] = [sample(roots()), await frontendRequests()];
      const created = await createTargets(
        { apiUrl: stack.apiUrl, adminKey, concurrency: opts.createConcurrency, deadline, ratePerSecond: opts.createRate, batch: opts.createBatch },
        bodies,
      );
      const [c1, cf1] = [sample(roots()), await frontendRequests()];
      const creationUsage = usageBetween(c0, c1);
      const creationFrontend = stack.temporalMetricsUrl ? counterRates(cf0, cf1, (c1.at - c0.at) / 1000) : undefined;
      targets.push(...created.targets.map(({ id, intervalSeconds, url }) => ({ id, intervalSeconds, url })));
      // The API answers once a workflow is started; its worker takes the first workflow task later. Measuring starts
      // once every target has been probed, plus the warm-up, so the tail of creation does not count as steady state.
      // Bounded: a design that cannot keep up never gets there, and is measured anyway (that is the finding).
      const probing = await allProbed(pool, targets, Math.min(deadline - (opts.warmupSeconds + opts.durationSeconds + 120) * 1000, Date.now() + 180_000));
      const allProbingSeconds = round((probing - created.startedAt) / 1000, 1);
      const first = await firstProbes(pool, created.targets);
      opts.log(
        `step ${goal}: created ${created.report.created} in ${created.report.seconds} s (${created.report.perSecond}/s, ${created.report.deferred} deferred ${JSON.stringify(created.report.deferredBy)}, ${created.report.apiErrors} API errors; CPU % of a core ${JSON.stringify(Object.fromEntries(Object.entries(creationUsage.trees).map(([n, t]) => [n, t.cpuPercent])))}), first probe ${first.seconds.p50} / ${first.seconds.max} s after the 201 (p50 / max; ${first.late} later than two intervals), all probed after ${allProbingSeconds} s; warming up ${opts.warmupSeconds} s`,
      );
      await sleep(opts.warmupSeconds * 1000);
      const steady =
        opts.settleMaxSeconds > 0
          ? await settle(pool, targets, opts, Math.min(deadline - (opts.durationSeconds + 120) * 1000, Date.now() + opts.settleMaxSeconds * 1000))
          : undefined;
      const steadySeconds = steady === undefined ? undefined : steady && round((steady - created.startedAt) / 1000, 1);
      if (steady !== undefined)
        opts.log(`step ${goal}: ${steadySeconds === null ? 'not steady by the end of --settle-max' : `steady after ${steadySeconds} s`}`);

      const marks0 = await markHistories(stack.temporalAddress, targets, opts.historySamples).catch(
        () => new Map() as Awaited<ReturnType<typeof markHistories>>,
      );
      const sampler = new ProjectionLagSampler(pool);
      await sampler.start(5_000);
      const temporalMetrics = ['service_requests', 'persistence_requests'];
      const [p0, pg0, t0m, wl0, wb0] = [
        sample(roots()),
        await pgCounters(pool),
        await scrapeByLabel(stack.temporalMetricsUrl, temporalMetrics, 'operation'),
        await workerHistogram(stack.workerMetricsUrl, 'vigil_worker_schedule_lag_seconds'),
        await workerHistogram(stack.workerMetricsUrl, 'vigil_worker_write_batch_size'),
      ];
      const f0 = await frontendRequests();
      const statementStats = await resetStatementStats(pool);
      scanLogs(stack.workerLogs(), logOffsets);
      const from = p0.at;
      opts.log(`step ${goal}: measuring ${opts.durationSeconds} s`);
      await sleep(opts.durationSeconds * 1000);
      const p1 = sample(roots());
      const to = p1.at;
      const seconds = (to - from) / 1000;
      const f1 = await frontendRequests();
      const statements = statementStats ? await statementCosts(pool) : undefined;
      const [pg1, t1m, wl1, wb1] = [
        await pgCounters(pool),
        await scrapeByLabel(stack.temporalMetricsUrl, temporalMetrics, 'operation'),
        await workerHistogram(stack.workerMetricsUrl, 'vigil_worker_schedule_lag_seconds'),
        await workerHistogram(stack.workerMetricsUrl, 'vigil_worker_write_batch_size'),
      ];
      const projectionLagMs = await sampler.stop();
      const marks1 = await markHistories(stack.temporalAddress, targets, opts.historySamples).catch(
        () => new Map() as Awaited<ReturnType<typeof markHistories>>,
      );
      const logs = scanLogs(stack.workerLogs(), logOffsets);
      // Slots up to the end of the interval get a few seconds to be written before they are counted.
      await sleep(Math.min(15_000, 5_000 + opts.intervalSeconds * 1000));
      const slots = await slotReport(pool, targets, from, to);
      const history = marks1.size > 0 ? await historyBetween(pool, marks0, marks1, from, to) : null;
      const usage = usageBetween(p0, p1);
      const stackCpu = Object.entries(usage.trees)
        .filter(([name]) => name !== 'bench')
        .reduce((a, [, t]) => a + t.cpuSeconds, 0);
      const step: StepReport = {
        targets: targets.length,
        intervalSeconds: opts.intervalSeconds,
        creation: {
          ...created.report,
          allProbingSeconds,
          firstProbeSeconds: first.seconds,
          lateFirstProbes: first.late,
          ...(steadySeconds !== undefined ? { steadySeconds } : {}),
          usage: creationUsage,
          ...(creationFrontend ? { temporalFrontendPerSecond: creationFrontend } : {}),
        },
        window: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), seconds: round(seconds, 1) },
        slots,
        projectionLagMs,
        workerLag: stack.workerMetricsUrl
          ? {
              p50: histogramQuantile(wl0, wl1, 0.5),
              p99: histogramQuantile(wl0, wl1, 0.99),
              writeBatchP50: histogramQuantile(wb0, wb1, 0.5),
              writeBatchP99: histogramQuantile(wb0, wb1, 0.99),
            }
          : undefined,
        history,
        usage,
        cpuMsPerProbe: slots.probed > 0 ? round((1000 * stackCpu) / slots.probed, 2) : null,
        postgres: { ...pgRates(pg0, pg1, seconds), ...(statements ? { statements } : {}) },
        temporal: stack.temporalMetricsUrl
          ? {
              requestsPerSecond: counterRates(t0m.service_requests ?? {}, t1m.service_requests ?? {}, seconds),
              frontendRequestsPerSecond: counterRates(f0, f1, seconds),
              persistenceRequestsPerSecond: counterRates(t0m.persistence_requests ?? {}, t1m.persistence_requests ?? {}, seconds),
            }
          : undefined,
        errors: {
          apiErrors: created.report.apiErrors,
          workerLogErrors: logs.errors,
          workerLogWarnings: logs.warnings,
          missedRows: slots.missedRows,
          absentSlots: slots.absent,
          firstWorkerErrors: logs.first,
        },
        broken: [],
      };
      const lost = slots.missedRows + slots.absent;
      if ((slots.scheduleLagMs.p99 ?? 0) > 1000) step.broken.push(`p99 schedule lag ${slots.scheduleLagMs.p99} ms > 1 s`);
      if (lost > 0.001 * slots.expectedSlots) step.broken.push(`${lost} of ${slots.expectedSlots} slots missed or absent`);
      if (logs.errors > 0) step.broken.push(`${logs.errors} worker errors`);
      if (created.report.apiErrors > 0) step.broken.push(`${created.report.apiErrors} API errors creating targets`);
      if (first.late > 0) step.broken.push(`${first.late} targets first probed later than two intervals after their 201`);
      report.steps.push(step);
      save();
      opts.log(`step ${goal}:\n${markdownTable([report])}`);
      if (step.broken.length > 0) {
        report.knee ??= { targets: targets.length, why: step.broken };
        save();
        if (!opts.keepGoing) {
          opts.log(`step ${goal} broke (${step.broken.join('; ')}): the ramp stops here`);
          break;
        }
      }
    }
    if (opts.failover) {
      const workerKill = await killOneWorker(stack, pool, farm, targets, opts.log);
      opts.log(`failover: ${JSON.stringify(workerKill)}`);
      const restart = await restartStack(stack, pool, farm, targets, opts.log);
      opts.log(`failover: ${JSON.stringify(restart)}`);
      report.failover = { targets: targets.length, intervalSeconds: opts.intervalSeconds, workerKill, restart };
      save();
    }
    return report;
  } finally {
    clearTimeout(watchdog);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

const USAGE = `usage: npm run bench -- --targets N[,N...] [--interval S] [--duration S] [--warmup S] [--settle-max S]
  [--stack dev|production-like] [--env KEY=VALUE]...
  [--latency MS] [--jitter MS] [--fail-rate F] [--farm-servers N] [--create-concurrency N] [--create-rate N]
  [--create-batch N] [--history-samples N] [--keep-going] [--failover] [--max-minutes M] [--label NAME] [--out FILE] [--keep-data]`;

/**
 * Waits until one whole interval of slots ran on time: at least 99 % of its slots probed and their p99 schedule lag
 * under a second. A bulk import leaves a backlog of first workflow tasks and windows behind it; this is how long it
 * takes to drain, and measuring before that would report the import, not the steady state. Returns when it was
 * steady, or null at `until`.
 */
async function settle(pool: Pool, targets: BenchTarget[], opts: BenchOptions, until: number): Promise<number | null> {
  const intervalMs = opts.intervalSeconds * 1000;
  while (Date.now() + intervalMs < until) {
    const from = Date.now();
    await sleep(intervalMs + 5_000);
    const part = await slotReport(pool, targets, from, from + intervalMs, 1);
    const onTime = part.probed >= 0.99 * part.expectedSlots && (part.scheduleLagMs.p99 ?? Infinity) < 1_000;
    opts.log(`  settling: ${part.probed} of ${part.expectedSlots} slots probed, p99 lag ${part.scheduleLagMs.p99} ms`);
    if (onTime) return from + intervalMs;
  }
  return null;
}

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

if (require.main === module) {
  const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(process.argv.slice(2), log);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(64);
  }
  runBench(opts).then(
    (report) => {
      log(`report written to ${opts.out}`);
      console.log(markdownTable([report]));
      if (report.failover) console.log(failoverTable([report]));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
