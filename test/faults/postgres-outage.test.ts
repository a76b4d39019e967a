import type { TestWorkflowEnvironment } from '@temporalio/testing';
import path from 'node:path';
import { Pool } from 'pg';
import { targetWorkflowId } from '../../src/ids';
import { postgresStop, startLocalPostgres, type LocalPostgres } from '../../src/stack/postgres';
import { readTestEnv } from '../support/env';
import { eventually } from '../support/eventually';
import { startFakeTarget, type FakeTarget } from '../support/fake-target';
import { call, duplicateViolations, projectionViolations, slotGridViolations, slotRows } from '../support/faults';
import { freePort } from '../../src/stack/ports';
import { startVigilProcess, type VigilProcess } from '../support/process';
import { startLocalTemporal } from '../support/temporal';

/**
 * PostgreSQL stopped for 30 s under load (20 targets probed every second, and API traffic throughout), on a cluster
 * of this test's own. Meanwhile the API answers 503 (problem+json, within seconds, never a 500, never a hang) and
 * creates nothing; the probe windows fail their writes and Temporal retries them with capped exponential backoff.
 * Once Postgres is back, nothing is lost: every slot of every target has exactly one row (those probed while nothing
 * could be written are recorded once, as missed), rollups and status rows catch up and agree with the results, and
 * the API recovers by itself.
 */
const TARGETS = 20;
const INTERVAL_MS = 1_000;
const OUTAGE_MS = 30_000;
const ADMIN_KEY = 'postgres-outage-admin-key-0123456789abcdefgh';

/** A protobuf Duration's whole seconds (a Long or a number). */
const seconds = (d: { seconds?: unknown } | null | undefined): number => (d?.seconds == null ? 0 : Number(String(d.seconds)));

interface Answer {
  at: number;
  what: string;
  status: number;
  type?: string;
  ms: number;
}

describe('PostgreSQL down for 30 s under load', () => {
  let pg: LocalPostgres;
  let pgOptions: Parameters<typeof startLocalPostgres>[0];
  let pool: Pool;
  let temporal: TestWorkflowEnvironment;
  let site: FakeTarget;
  let api: VigilProcess;
  let worker: VigilProcess;
  let apiUrl: string;
  const targets: string[] = [];

  beforeAll(async () => {
    pgOptions = { dataDir: path.join(readTestEnv().runDir, `postgres-outage-${process.pid}`), port: await freePort(), database: 'vigil' };
    [pg, temporal, site] = await Promise.all([startLocalPostgres(pgOptions), startLocalTemporal(), startFakeTarget()]);
    pool = new Pool({ connectionString: pg.url, max: 3, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined); // its idle clients lose their server on purpose
    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const env = {
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      VIGIL_PROBE_ALLOW_CIDRS: '127.0.0.0/8',
      VIGIL_MIN_INTERVAL_SECONDS: '1',
      VIGIL_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      API_PORT: String(apiPort),
    };
    // The API first: it applies the migrations the worker then finds done.
    api = startVigilProcess('api', env);
    await api.waitFor(/api listening/, 120_000);
    worker = startVigilProcess('worker', env);
    await worker.waitFor(/worker started/, 120_000);
  }, 300_000);
  afterAll(async () => {
    await api?.stop('SIGTERM');
    await worker?.stop('SIGTERM');
    await pool?.end();
    await temporal?.teardown();
    await site?.close();
    await pg?.stop();
  }, 120_000);

  it('answers 503 meanwhile, then recovers by itself with nothing lost and every projection caught up', async () => {
    for (let i = 0; i < TARGETS; i++) {
      const res = await call(`${apiUrl}/v1/targets`, {
        method: 'POST',
        key: ADMIN_KEY,
        body: { name: `load-${i}`, url: `${site.url}/${i}`, intervalSeconds: 1 },
      });
      expect(res.status).toBe(201);
      targets.push(String(res.body!.id));
    }
    await eventually(
      async () => {
        for (const id of targets) expect((await slotRows(pool, id)).length).toBeGreaterThanOrEqual(3);
      },
      120_000,
      500,
    );

    // API traffic all along: reads, a create, readiness. Bounded: it stops with the test's phases.
    const answers: Answer[] = [];
    let traffic = true;
    const load = (async () => {
      for (let n = 0; traffic; n++) {
        const probes: [string, () => ReturnType<typeof call>][] = [
          ['read', () => call(`${apiUrl}/v1/targets/${targets[n % TARGETS]}`, { key: ADMIN_KEY, timeoutMs: 15_000 })],
          ['list', () => call(`${apiUrl}/v1/targets?limit=5`, { key: ADMIN_KEY, timeoutMs: 15_000 })],
          [
            `create ${n}`,
            () =>
              call(`${apiUrl}/v1/targets`, {
                method: 'POST',
                key: ADMIN_KEY,
                headers: { 'Idempotency-Key': `outage-${n}` },
                body: { name: `during-${n}`, url: site.url, intervalSeconds: 1 },
                timeoutMs: 15_000,
              }),
          ],
          ['readyz', () => call(`${apiUrl}/readyz`, { timeoutMs: 15_000 })],
        ];
        const [what, send] = probes[n % probes.length]!;
        const at = Date.now();
        const res = await send().catch((err: Error) => ({ status: 0, body: { type: err.name }, ms: Date.now() - at }));
        answers.push({ at, what, status: res.status, type: res.body?.type as string | undefined, ms: res.ms });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const stoppedAt = Date.now();
    await postgresStop(pgOptions.dataDir);
    // Halfway through, the probe windows are failing and being retried by Temporal.
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    const retrying = await Promise.all(
      targets.map(async (id) => (await temporal.client.workflow.getHandle(targetWorkflowId(id)).describe()).raw.pendingActivities?.[0]),
    );
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + OUTAGE_MS - Date.now())));
    const duringOutage = answers.filter((a) => a.at > stoppedAt + 1_000);
    pg = await startLocalPostgres(pgOptions);
    const restartedAt = Date.now();

    // The API recovers by itself.
    await eventually(
      async () => {
        expect((await call(`${apiUrl}/v1/targets?limit=1`, { key: ADMIN_KEY })).status).toBe(200);
        expect((await call(`${apiUrl}/readyz`)).status).toBe(200);
      },
      60_000,
      250,
    );
    const apiRecoveredMs = Date.now() - restartedAt;
    // Every target is probed and recorded again, and its status row has caught up.
    await eventually(
      async () => {
        for (const id of targets)
          expect(`${id} ${(await slotRows(pool, id)).some((r) => r.outcome === 'up' && r.ms > restartedAt + INTERVAL_MS)}`).toBe(`${id} true`);
        const { rows } = await pool.query<{ behind: number }>(
          `SELECT extract(epoch FROM now() - min(last_scheduled_at))::float8 AS behind FROM target_status WHERE target_id = ANY($1)`,
          [targets],
        );
        expect(rows[0]!.behind).toBeLessThan(10);
      },
      120_000,
      1_000,
    );
    const caughtUpMs = Date.now() - restartedAt;
    traffic = false;
    await load;

    // Meanwhile: 503 problems, quickly; never a 500, never a hang, nothing created.
    expect(duringOutage.length).toBeGreaterThan(20);
    const wrong = duringOutage.filter((a) => a.status !== 503 || !/database-unavailable|not-ready/.test(a.type ?? '') || a.ms > 5_000);
    expect(wrong).toEqual([]);
    expect(answers.filter((a) => a.status === 500 || a.status === 0)).toEqual([]);
    const { rows: created } = await pool.query<{ name: string }>(`SELECT name FROM targets WHERE name LIKE 'during-%'`);
    const refused = duringOutage.filter((a) => a.what.startsWith('create')).map((a) => `during-${a.what.split(' ')[1]}`);
    expect(refused.length).toBeGreaterThan(0);
    expect(created.map((r) => r.name).filter((name) => refused.includes(name))).toEqual([]);

    // The writes were retried by Temporal with exponential backoff, capped (20 s for probe windows).
    const attempts = retrying.filter((a) => (a?.attempt ?? 0) > 1);
    expect(attempts.length).toBeGreaterThan(0);
    for (const a of attempts) expect(seconds(a!.currentRetryInterval)).toBeLessThanOrEqual(20);

    // Nothing lost, nothing doubled, projections agree with the results.
    expect(await slotGridViolations(pool, targets, INTERVAL_MS)).toEqual([]);
    expect(await projectionViolations(pool, targets)).toEqual([]);
    expect(await duplicateViolations(pool)).toEqual([]);
    const missed = (await Promise.all(targets.map((id) => slotRows(pool, id)))).flat().filter((r) => r.outcome === 'missed');
    // For docs/reliability.md: what this run saw.
    console.log(
      JSON.stringify({
        outageMs: restartedAt - stoppedAt,
        apiAnswersDuringOutage: duringOutage.length,
        slowestOutageAnswerMs: Math.max(...duringOutage.map((a) => a.ms)),
        apiRecoveredMs,
        caughtUpMs,
        missedSlots: missed.length,
        retryAttempts: attempts.map((a) => ({ attempt: a!.attempt, intervalS: seconds(a!.currentRetryInterval) })),
      }),
    );
  }, 600_000);
});
