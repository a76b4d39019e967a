import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TargetSpecSchema, type TargetSpec } from '../../src/domain/target';
import { TASK_QUEUE, targetWorkflowId } from '../../src/ids';
import { statusQuery, targetWorkflow } from '../../src/workflows/target';
import { upsertTarget } from '../../src/db/targets';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startFakeTarget, type FakeTarget } from '../support/fake-target';
import { startTimeSkippingTemporal } from '../support/temporal';
import { startWorker, type RunningWorker } from '../support/worker';

/** The target workflow under the time-skipping server: hours of schedule in seconds, probes and writes for real. */
describe('targetWorkflow', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let site: FakeTarget;
  let worker: RunningWorker;

  beforeAll(async () => {
    [env, db, site] = await Promise.all([startTimeSkippingTemporal(), createTestDatabase(), startFakeTarget()]);
    worker = await startWorker(env, db.pool);
  });
  afterAll(async () => {
    await worker?.stop();
    await env?.teardown();
    await site?.close();
    await db?.drop();
  });

  async function start(targetId: string, spec: TargetSpec) {
    await upsertTarget(db.pool, targetId, spec, 1);
    return env.client.workflow.start(targetWorkflow, {
      workflowId: targetWorkflowId(targetId),
      taskQueue: TASK_QUEUE,
      args: [{ targetId, spec, version: 1 }],
    });
  }

  const slotsOf = async (targetId: string) =>
    (
      await db.pool.query<{ ms: string; outcome: string }>(
        `SELECT (extract(epoch FROM scheduled_at) * 1000)::bigint AS ms, outcome FROM check_results
         WHERE target_id = $1 ORDER BY scheduled_at`,
        [targetId],
      )
    ).rows.map((r) => ({ at: Number(r.ms), outcome: r.outcome }));

  it('probes every 10 minutes for six hours of workflow time, one result row per slot', async () => {
    const spec = TargetSpecSchema.parse({ name: 'six hours', intervalSeconds: 600, probe: { kind: 'http', url: site.url } });
    const targetId = 'tgt_SIXHOURS00000000000000000';
    const handle = await start(targetId, spec);
    const startedAt = await env.currentTimeMs();
    await env.sleep('6h');
    const view = await handle.query(statusQuery);
    await handle.terminate('test done');

    const slots = await slotsOf(targetId);
    // Six hours hold 36 slots of the grid; the first falls within one interval of the start.
    expect(slots.length).toBeGreaterThanOrEqual(35);
    expect(slots.length).toBeLessThanOrEqual(36);
    expect(slots[0]!.at - startedAt).toBeLessThanOrEqual(600_000);
    expect(slots.slice(1).map((s, i) => s.at - slots[i]!.at)).toEqual(new Array(slots.length - 1).fill(600_000));
    expect(slots.every((s) => s.outcome === 'up')).toBe(true);
    expect(view.judgement.state).toBe('up');
  });
});
