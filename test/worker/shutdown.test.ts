import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTargetWorkflow } from '../../src/api/targets/workflow';
import { TargetSpecSchema } from '../../src/domain/target';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually } from '../support/eventually';
import { startFakeTarget, type FakeTarget } from '../support/fake-target';
import { slotGridViolations } from '../support/faults';
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
    // Up after the first probe (at once), then a window of 60 one-second slots is in flight on this worker.
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
    expect(await slotGridViolations(db.pool, [targetId], 1000)).toEqual([]);
  });
});
