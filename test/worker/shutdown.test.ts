import { startTargetWorkflow } from '../../src/api/targets/workflow';
import { TargetSpecSchema } from '../../src/domain/target';
import { eventually } from '../support/eventually';
import { slotGridViolations } from '../support/faults';
import { useStack } from '../support/stack';

describe('the worker process on SIGTERM', () => {
  const stack = useStack({ temporal: 'local', db: true, site: true });

  const resultCount = async (targetId: string) =>
    Number((await stack.db.pool.query('SELECT count(*) FROM check_results WHERE target_id = $1', [targetId])).rows[0].count);

  it('drains within seconds, mid-window, and another worker carries on with one row per slot', async () => {
    const worker = await stack.startWorkerProcess({ LOG_LEVEL: 'info' });
    const targetId = 'tgt_SHUTDOWN000000000000000000';
    const spec = TargetSpecSchema.parse({ name: 'shutdown', intervalSeconds: 1, probe: { kind: 'http', url: stack.site.url } });
    await startTargetWorkflow(stack.temporal.client, targetId, spec);
    // Up after the first probe (at once), then a window of 60 one-second slots is in flight on this worker.
    await eventually(async () => expect(await resultCount(targetId)).toBeGreaterThanOrEqual(3));

    const { code, afterMs } = await worker.stop('SIGTERM');
    expect(code).toBe(0);
    expect(afterMs).toBeLessThan(15_000);
    expect(worker.output()).toMatch(/worker stopped/);

    const before = await resultCount(targetId);
    const next = await stack.startWorker();
    try {
      await eventually(async () => expect(await resultCount(targetId)).toBeGreaterThanOrEqual(before + 3));
    } finally {
      await next.stop();
    }
    expect(await slotGridViolations(stack.db.pool, [targetId], 1000)).toEqual([]);
  });
});
