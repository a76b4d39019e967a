import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startFarm, type Farm } from './farm';
import { startBenchStack, type BenchStack, type StackKind } from './stack';

/**
 * `npx tsx bench/config-apply.ts [--targets 5000] [--stack dev|production-like] [--max-minutes 8]`
 *
 * Configuration as code at scale (issue 20): a file of `--targets` HTTP targets (a day's interval, so their probes do
 * not load the machine; URLs on a local farm) is applied with `vigil apply` to an empty server, then planned again
 * unchanged with `vigil plan`, then applied again (nothing to do). Each step is the `vigil` bin as users run it, in a
 * process of its own, timed from start to exit. Prints one Markdown row per step and writes the JSON report.
 */

interface Step {
  step: string;
  seconds: number;
  exitCode: number;
  /** The last line it printed (its summary). */
  said: string;
}

const BIN = path.join(__dirname, '..', 'bin', 'vigil.js');

function run(argv: string[], env: Record<string, string>): Promise<{ seconds: number; exitCode: number; stdout: string; stderr: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...argv], { env: { ...process.env, ...env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ seconds, exitCode: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      targets: { type: 'string', default: '5000' },
      stack: { type: 'string', default: 'dev' },
      'max-minutes': { type: 'string', default: '8' },
      out: { type: 'string' },
    },
  });
  const targets = Number(values.targets);
  const stackKind = values.stack as StackKind;
  const log = (line: string) => console.log(`[bench:config ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const dataDir = path.join(path.resolve(__dirname, '..'), '.data', 'bench', `config-${process.pid}-${Date.now()}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-config-bench-'));
  const adminKey = `bench_${randomBytes(24).toString('base64url')}`;
  let stack: BenchStack | undefined;
  let farm: Farm | undefined;
  const cleanup = async () => {
    await stack?.stop().catch(() => undefined);
    await farm?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  };
  const watchdog = setTimeout(() => {
    log('watchdog: time is up, stopping');
    void cleanup().then(() => process.exit(2));
  }, Number(values['max-minutes']) * 60_000);
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    farm = await startFarm({ servers: 1, latencyMs: 5, jitterMs: 0, failureRate: 0 });
    stack = await startBenchStack({ kind: stackKind, dataDir, adminKey, env: {}, log });
    const file = path.join(work, 'vigil.yaml');
    const lines = ['targets:'];
    for (let n = 0; n < targets; n++)
      lines.push(`  - key: t-${n}`, `    name: Target ${n}`, `    url: ${farm.urlOf(n)}`, '    intervalSeconds: 86400', `    tags: [shard-${n % 8}]`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const env = { VIGIL_URL: stack.apiUrl, VIGIL_KEY: adminKey };
    const steps: Step[] = [];
    for (const [step, argv] of [
      [`apply ${targets} targets to an empty server`, ['apply', '-f', file]],
      [`plan ${targets} unchanged targets`, ['plan', '-f', file]],
      [`apply the same file again (nothing to do)`, ['apply', '-f', file]],
    ] as const) {
      log(`${step}…`);
      const result = await run([...argv], env);
      const said = `${result.stdout}${result.stderr}`.trim().split('\n').pop() ?? '';
      steps.push({ step, seconds: Number(result.seconds.toFixed(2)), exitCode: result.exitCode, said });
      log(`${step}: ${result.seconds.toFixed(2)} s, exit ${result.exitCode}: ${said}`);
      if (result.exitCode !== 0) throw new Error(`${step} failed:\n${result.stderr.slice(-2000)}`);
    }
    const report = {
      startedAt: new Date().toISOString(),
      command: `npx tsx bench/config-apply.ts --targets ${targets} --stack ${stackKind}`,
      machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version },
      stack: stackKind,
      targets,
      steps,
    };
    const out = values.out ?? path.join(__dirname, 'results', `config-${stackKind}-${targets}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    log(`report: ${out}`);
    console.log('\n| step | seconds | targets/s |\n|---|---|---|');
    for (const s of steps) console.log(`| ${s.step} | ${s.seconds} | ${(targets / s.seconds).toFixed(0)} |`);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
