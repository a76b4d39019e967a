import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { upsertTarget } from '../../src/db/targets';
import { PROBE_MODES } from '../../src/domain/schedule';
import { TargetSpecSchema } from '../../src/domain/target';
import { TASK_QUEUE, targetWorkflowId } from '../../src/ids';
import { targetWorkflow } from '../../src/workflows/target';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually } from '../support/eventually';
import { startFakeTarget, type FakeTarget } from '../support/fake-target';
import { startLocalTemporal } from '../support/temporal';
import { startWorker, type RunningWorker } from '../support/worker';

/** The three ways probes can run (the default and the two it is measured against), each on a real dev server. */
describe('probe modes', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let site: FakeTarget;
  let worker: RunningWorker;

  beforeAll(async () => {
    [env, db, site] = await Promise.all([startLocalTemporal(), createTestDatabase(), startFakeTarget()]);
    worker = await startWorker(env, db.pool);
  });
  afterAll(async () => {
    await worker?.stop();
    await env?.teardown();
    await site?.close();
    await db?.drop();
  });

  const slots = async (targetId: string) =>
    (
      await db.pool.query<{ ms: string }>(
        'SELECT (extract(epoch FROM scheduled_at) * 1000)::bigint AS ms FROM check_results WHERE target_id = $1 ORDER BY 1',
        [targetId],
      )
    ).rows.map((r) => Number(r.ms));

  it.each(PROBE_MODES)('%s: one result per slot, with the Temporal work its design promises', async (probeMode) => {
    const targetId = `tgt_MODE${probeMode.toUpperCase().padEnd(22, '0')}`;
    const spec = TargetSpecSchema.parse({ name: probeMode, intervalSeconds: 1, probe: { kind: 'http', url: site.url } });
    await upsertTarget(db.pool, { targetId, spec, version: 1, paused: false });
    const handle = await env.client.workflow.start(targetWorkflow, {
      workflowId: targetWorkflowId(targetId),
      taskQueue: TASK_QUEUE,
      args: [{ targetId, spec, version: 1, probeMode }],
    });
    await eventually(async () => expect((await slots(targetId)).length).toBeGreaterThanOrEqual(6), 20_000);
    const { events } = await handle.fetchHistory();
    await handle.terminate('test done');

    const all = await slots(targetId);
    // In window mode a new target's first probe runs at once, off the grid; every other result is on it.
    const got = probeMode === 'window' ? all.slice(1) : all;
    expect(got.slice(1).map((s, i) => s - got[i]!)).toEqual(new Array(got.length - 1).fill(1000));
    const probeActivities = events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runChecks').length;
    const markers = events!.filter((e) => e.markerRecordedEventAttributes).length;
    if (probeMode === 'window') expect(probeActivities).toBe(1); // the first probe ran inside the first workflow task
    if (probeMode === 'slot') expect(probeActivities).toBeGreaterThanOrEqual(got.length - 1);
    if (probeMode === 'local') expect([probeActivities, markers >= got.length - 1]).toEqual([0, true]);
  });
});
