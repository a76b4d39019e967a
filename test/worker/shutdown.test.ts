import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTargetWorkflow } from '../../src/api/targets/workflow';
import { TargetSpecSchema } from '../../src/domain/target';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually } from '../support/eventually';
import { startFakeTarget, type FakeTarget } from '../support/fake-target';
import { startVigilProcess } from '../support/process';
import { startLocalTemporal } from '../support/temporal';
import { startWorker } from '../support/worker';

describe('the worker process on SIGTERM', () => {
  let db: TestDatabase;
  let temporal: TestWorkflowEnvironment;
  let site: FakeTarget;

  beforeAll(async () => {
    [db, temporal, site] = await Promise.all([createTestDatabase(), startLocalTemporal(), startFakeTarget()]);
  });
  afterAll(async () => {
    await temporal?.teardown();
    await site?.close();
    await db?.drop();
  });

  const resultCount = async (targetId: string) =>
    Number((await db.pool.query('SELECT count(*) FROM check_results WHERE target_id = $1', [targetId])).rows[0].count);

  it('drains within seconds, mid-window, and another worker carries on with one row per slot', async () => {
    const worker = startVigilProcess('worker', {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: temporal.address,
      VIGIL_PROBE_ALLOW_CIDRS: '127.0.0.0/8',
      LOG_LEVEL: 'info',
    });
    await worker.waitFor(/worker started/);
    const targetId = 'tgt_SHUTDOWN000000000000000000';
    const spec = TargetSpecSchema.parse({ name: 'shutdown', intervalSeconds: 1, probe: { kind: 'http', url: site.url } });
    await startTargetWorkflow(temporal.client, targetId, spec);
    // Up after the first probe, then a window of 60 one-second slots is in flight on this worker.
    await eventually(async () => expect(await resultCount(targetId)).toBeGreaterThanOrEqual(3));

    const { code, afterMs } = await worker.stop('SIGTERM');
    expect(code).toBe(0);
    expect(afterMs).toBeLessThan(15_000);
    expect(worker.output()).toMatch(/worker stopped/);

    const before = await resultCount(targetId);
    const next = await startWorker(temporal, db.pool);
    try {
      await eventually(async () => expect(await resultCount(targetId)).toBeGreaterThanOrEqual(before + 3));
    } finally {
      await next.stop();
    }
    const { rows } = await db.pool.query<{ ms: string }>(
      'SELECT (extract(epoch FROM scheduled_at) * 1000)::bigint AS ms FROM check_results WHERE target_id = $1 ORDER BY 1',
      [targetId],
    );
    const slots = rows.map((r) => Number(r.ms));
    expect(slots.slice(1).map((s, i) => s - slots[i]!)).toEqual(new Array(slots.length - 1).fill(1000));
  });
});
