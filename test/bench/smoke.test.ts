import fs from 'node:fs';
import path from 'node:path';
import { parseBenchArgs } from '../../bench/options';
import { markdownTable, type BenchReport } from '../../bench/report';
import { runBench } from '../../bench/run';
import { readTestEnv } from '../support/env';

/**
 * The load benchmark (`npm run bench`), run small: 20 targets at a 2 s interval for 20 s on the dev stack. It checks
 * that the harness works end to end (stack, fake targets, creation through the API, measurement, report, clean-up)
 * and that every slot of every target's grid got its result row. Speed is not asserted here: docs/benchmarks.md is
 * where the numbers live.
 */
describe('the load benchmark harness', () => {
  let report: BenchReport;
  let out: string;
  let dataDir: string;

  beforeAll(async () => {
    process.env.TEMPORAL_CLI_PATH = readTestEnv().cli;
    out = path.join(readTestEnv().runDir, 'bench-smoke.json');
    const opts = parseBenchArgs(
      ['--targets', '20', '--interval', '2', '--duration', '20', '--warmup', '5', '--history-samples', '5', '--out', out],
      () => undefined,
    );
    dataDir = opts.dataDir;
    report = await runBench(opts);
  }, 300_000);

  it('gives every scheduled slot of every target a result row', () => {
    const [step] = report.steps;
    expect(step).toBeDefined();
    expect(step!.creation.created).toBe(20);
    expect(step!.slots.expectedSlots).toBeGreaterThanOrEqual(190); // 20 targets × 20 s / 2 s, give or take a slot each
    expect(step!.slots.absent).toBe(0);
    expect(step!.slots.probed + step!.slots.missedRows).toBe(step!.slots.expectedSlots);
    expect(step!.errors.apiErrors).toBe(0);
    expect(step!.errors.workerLogErrors).toBe(0);
  });

  it('reports lag, throughput, history, CPU and memory of each component, and writes JSON and Markdown', () => {
    const step = report.steps[0]!;
    expect(step.slots.scheduleLagMs.count).toBe(step.slots.probed);
    expect(step.slots.scheduleLagMs.p99).not.toBeNull();
    expect(step.projectionLagMs.count).toBeGreaterThan(0);
    expect(step.slots.achievedPerSecond).toBeGreaterThan(0);
    expect(step.history?.sampled).toBeGreaterThan(0);
    expect(Object.keys(step.usage.trees).sort()).toEqual(['bench', 'postgres', 'temporal', 'vigil-api', 'vigil-worker']);
    for (const tree of ['postgres', 'temporal', 'vigil-worker', 'vigil-api']) expect(step.usage.trees[tree]!.pssMb).toBeGreaterThan(0);
    expect(step.cpuMsPerProbe).toBeGreaterThan(0);
    expect(step.postgres.databases.vigil?.commitsPerSecond).toBeGreaterThan(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
    expect(markdownTable([report]).split('\n')).toHaveLength(3);
  });

  it('cleans up after itself', () => {
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
