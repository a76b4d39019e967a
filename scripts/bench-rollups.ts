/**
 * What the rollups cost the write path: one group-commit batch of 500 results, timed with and without the hourly and
 * daily rollup upserts in its statement. Runs against a PostgreSQL of its own (durable settings, as in production)
 * under a temporary folder, or against DATABASE_URL's server if set (it creates and drops a database there).
 *
 *   npx tsx scripts/bench-rollups.ts [batches per case, default 60]
 *
 * Cases: 500 targets with one result each (the steady state: every target probes once per batch), and 50 targets
 * with 10 results each (a backlog). Rollup rows for the hour already exist, as they do after a target's first probe of
 * the hour, so the rollups cost an update each. The two variants alternate, batch by batch, so that drift (table
 * growth, checkpoints) falls on both alike.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { insertCheckResults, type CheckResultRow } from '../src/db/check-results';
import { migrate } from '../src/db/migrate';
import { ensureCheckResultPartitions } from '../src/db/partitions';
import { upsertTarget } from '../src/db/targets';
import { ensureDatabase, startLocalPostgres } from '../src/stack/postgres';
import { TargetSpecSchema } from '../src/domain/target';

const BATCH = 500;
const batches = Number(process.argv[2] ?? 60);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
  fs.chmodSync(dir, 0o755); // as root, PostgreSQL runs as a user of its own, which must reach its data folder
  const local = process.env.DATABASE_URL
    ? undefined
    : await startLocalPostgres({ dataDir: path.join(dir, 'postgres'), port: 55_000 + (process.pid % 1000), database: 'postgres' });
  const adminUrl = process.env.DATABASE_URL ?? local!.url;
  const database = `vigil_bench_${process.pid}`;
  await ensureDatabase(adminUrl, database);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const pool = new Pool({ connectionString: url.toString(), max: 2 });
  try {
    await migrate(pool);
    await ensureCheckResultPartitions(pool);
    const spec = TargetSpecSchema.parse({ name: 'bench', intervalSeconds: 20, probe: { kind: 'http', url: 'https://example.com' } });
    const targets = Array.from({ length: BATCH }, (_, i) => `tgt_BENCH${String(i).padStart(5, '0')}`);
    for (const targetId of targets) await upsertTarget(pool, { targetId, spec, version: 1, paused: false });

    // Slots 1 ms apart from the start of the current hour: every batch appends new rows to today's partition and
    // meets its targets' existing rollup rows.
    let slot = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const batchOf = (targetCount: number): CheckResultRow[] =>
      Array.from({ length: BATCH }, (_, i) => {
        slot += 1;
        const latencyMs = 20 + ((i * 37) % 400);
        return {
          targetId: targets[i % targetCount]!,
          scheduledAt: slot,
          startedAt: slot,
          outcome: i % 50 === 0 ? 'down' : 'up',
          latencyMs,
          statusCode: 200,
          error: null,
          manual: false,
          maintenance: false,
          configVersion: 1,
          consecutiveFailures: 0,
          consecutiveSuccesses: 1,
        };
      });
    const time = async (rows: CheckResultRow[], rollups: boolean) => {
      const started = process.hrtime.bigint();
      await insertCheckResults(pool, rows, { rollups });
      return Number(process.hrtime.bigint() - started) / 1e6;
    };

    console.log(`PostgreSQL: ${(await pool.query('SHOW server_version')).rows[0].server_version}; ${batches} batches of ${BATCH} per variant\n`);
    console.log('| case | without rollups: median / p95 | with rollups: median / p95 | added per batch (median) |');
    console.log('|---|---|---|---|');
    for (const targetCount of [500, 50]) {
      await time(batchOf(targetCount), true); // warm-up: creates the rollup rows and caches
      await time(batchOf(targetCount), false);
      const runs = { with: [] as number[], without: [] as number[] };
      for (let i = 0; i < batches; i++) {
        runs.without.push(await time(batchOf(targetCount), false));
        runs.with.push(await time(batchOf(targetCount), true));
      }
      const show = (ms: number[]) => `${quantile(ms, 0.5).toFixed(1)} ms / ${quantile(ms, 0.95).toFixed(1)} ms`;
      const added = quantile(runs.with, 0.5) - quantile(runs.without, 0.5);
      console.log(`| ${targetCount} targets × ${BATCH / targetCount} | ${show(runs.without)} | ${show(runs.with)} | ${added.toFixed(1)} ms |`);
    }
  } finally {
    await pool.end();
    const admin = new Pool({ connectionString: adminUrl, max: 1 });
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await local?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
