import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { TEMPORAL_CLI_VERSION, TEMPORAL_SERVER_VERSION } from '../src/stack/tools';
import { killOneWorker, restartStack } from './failover';
import { startFarm, type Farm } from './farm';
import type { BenchTarget } from './measure';
import { parseBenchArgs, type BenchOptions } from './options';
import { round } from './procfs';
import { failoverTable, markdownTable, type BenchReport } from './report';
import { startBenchStack, type BenchStack } from './stack';
import { runStep, scanLogs } from './step';

/**
 * `npm run bench -- --targets 100,1000,5000 --interval 60 --duration 180 [--stack dev|production-like]
 *   [--env KEY=VALUE ...]`
 *
 * Starts a stack in a throwaway folder, a farm of fake targets on loopback, then ramps: for each number of targets it
 * creates the missing ones through the API, lets them settle, measures for `duration` seconds, and reports. The ramp
 * stops at the first step that breaks (p99 schedule lag over 1 s, or slots missed, or worker errors) unless told to
 * go on. Everything is bounded: a watchdog ends the run after `--max-minutes`, and every process it started stops.
 */

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: __dirname }).trim();
    return head;
  } catch {
    return 'unknown';
  }
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
    const logOffsets = new Map<string, number>();
    scanLogs(stack.workerLogs(), logOffsets);

    const targets: BenchTarget[] = [];
    for (const goal of opts.targets) {
      const step = await runStep({ opts, stack, pool, farm, adminKey, deadline, logOffsets }, goal, targets);
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
