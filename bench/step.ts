import fs from 'node:fs';
import type { Pool } from 'pg';
import type { BenchOptions } from './options';
import type { Farm } from './farm';
import {
  counterRates,
  histogramQuantile,
  pgCounters,
  pgRates,
  historyBetween,
  lagBetween,
  markHistories,
  ProjectionLagSampler,
  quantiles,
  resetStatementStats,
  statementCosts,
  scrapeByLabel,
  slotReport,
  workerHistogram,
  type BenchTarget,
  type Quantiles,
} from './measure';
import { round, sample, usageBetween } from './procfs';
import type { StepReport } from './report';
import type { BenchStack } from './stack';
import { createTargets, type CreatedTarget } from './targets';

/** What every step of a run shares: the stack, its database, the farm, and where the run's logs were read up to. */
export interface StepContext {
  opts: BenchOptions;
  stack: BenchStack;
  pool: Pool;
  farm: Farm;
  adminKey: string;
  /** When the whole run must end (epoch ms). */
  deadline: number;
  logOffsets: Map<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One step of the ramp: creates the targets missing to reach `goal` through the API (adding them to `targets`), waits
 * until they have all been probed, the warm-up, and steady state if asked, then measures for the run's duration and
 * says what broke, if anything.
 */
export async function runStep(ctx: StepContext, goal: number, targets: BenchTarget[]): Promise<StepReport> {
  const { opts, stack, pool, farm, adminKey, deadline, logOffsets } = ctx;
  const roots = () => [...stack.processes(), { name: 'bench', pid: process.pid }];
  /** The Temporal frontend's requests by operation, as clients made them (none on the dev stack). */
  const frontendRequests = async () =>
    (await scrapeByLabel(stack.temporalMetricsUrl, ['service_requests'], 'operation', 'service_name="frontend"')).service_requests ?? {};
  const bodies = Array.from({ length: Math.max(0, goal - targets.length) }, (_, i) => {
    const n = targets.length + i;
    return { name: `bench-${n}`, url: farm.urlOf(n), intervalSeconds: opts.intervalSeconds };
  });
  opts.log(`step ${goal}: creating ${bodies.length} targets`);
  const persistence = () => scrapeByLabel(stack.temporalMetricsUrl, ['persistence_requests'], 'operation');
  const creationStatements = await resetStatementStats(pool);
  const [c0, cf0, cp0] = [sample(roots()), await frontendRequests(), await persistence()];
  const created = await createTargets(
    { apiUrl: stack.apiUrl, adminKey, concurrency: opts.createConcurrency, deadline, ratePerSecond: opts.createRate, batch: opts.createBatch },
    bodies,
  );
  const [c1, cf1, cp1] = [sample(roots()), await frontendRequests(), await persistence()];
  const creationStatementCosts = creationStatements ? await statementCosts(pool, 15) : undefined;
  const creationUsage = usageBetween(c0, c1);
  const creationSeconds = (c1.at - c0.at) / 1000;
  const creationFrontend = stack.temporalMetricsUrl ? counterRates(cf0, cf1, creationSeconds) : undefined;
  const creationPersistence = stack.temporalMetricsUrl
    ? counterRates(cp0.persistence_requests ?? {}, cp1.persistence_requests ?? {}, creationSeconds)
    : undefined;
  targets.push(...created.targets.map(({ id, intervalSeconds, url }) => ({ id, intervalSeconds, url })));
  // The API answers once a workflow is started; its worker takes the first workflow task later. Measuring starts
  // once every target has been probed, plus the warm-up, so the tail of creation does not count as steady state.
  // Bounded: a design that cannot keep up never gets there, and is measured anyway (that is the finding).
  const probing = await allProbed(pool, targets, Math.min(deadline - (opts.warmupSeconds + opts.durationSeconds + 120) * 1000, Date.now() + 180_000));
  const allProbingSeconds = round((probing - created.startedAt) / 1000, 1);
  const first = await firstProbes(pool, created.targets);
  const lagWhileCreating = await lagBetween(pool, targets, c0.at, c1.at);
  opts.log(
    `step ${goal}: created ${created.report.created} in ${created.report.seconds} s (${created.report.perSecond}/s, ${created.report.deferred} deferred ${JSON.stringify(created.report.deferredBy)}, ${created.report.apiErrors} API errors; CPU % of a core ${JSON.stringify(Object.fromEntries(Object.entries(creationUsage.trees).map(([n, t]) => [n, t.cpuPercent])))}), first probe ${first.seconds.p50} / ${first.seconds.max} s after the 201 (p50 / max; ${first.late} later than two intervals), p99 schedule lag meanwhile ${lagWhileCreating.slots.p99} ms (first probes ${lagWhileCreating.firstProbes.p99} ms, first grid slots ${lagWhileCreating.firstGridSlots.p99} ms), all probed after ${allProbingSeconds} s; warming up ${opts.warmupSeconds} s`,
  );
  await sleep(opts.warmupSeconds * 1000);
  const steady =
    opts.settleMaxSeconds > 0
      ? await settle(pool, targets, opts, Math.min(deadline - (opts.durationSeconds + 120) * 1000, Date.now() + opts.settleMaxSeconds * 1000))
      : undefined;
  const steadySeconds = steady === undefined ? undefined : steady && round((steady - created.startedAt) / 1000, 1);
  if (steady !== undefined) opts.log(`step ${goal}: ${steadySeconds === null ? 'not steady by the end of --settle-max' : `steady after ${steadySeconds} s`}`);

  const marks0 = await markHistories(stack.temporalAddress, targets, opts.historySamples).catch(() => new Map() as Awaited<ReturnType<typeof markHistories>>);
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
  const marks1 = await markHistories(stack.temporalAddress, targets, opts.historySamples).catch(() => new Map() as Awaited<ReturnType<typeof markHistories>>);
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
      lagWhileCreatingMs: lagWhileCreating.slots,
      firstProbeLagMs: lagWhileCreating.firstProbes,
      firstGridSlotLagMs: lagWhileCreating.firstGridSlots,
      ...(steadySeconds !== undefined ? { steadySeconds } : {}),
      usage: creationUsage,
      ...(creationFrontend ? { temporalFrontendPerSecond: creationFrontend } : {}),
      ...(creationPersistence ? { temporalPersistencePerSecond: creationPersistence } : {}),
      ...(creationStatementCosts ? { statements: creationStatementCosts } : {}),
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
  return step;
}

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

/** Lines a worker wrote at warn or above since `offsets`, which move on. */
export function scanLogs(files: string[], offsets: Map<string, number>): { errors: number; warnings: number; first: string[] } {
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
