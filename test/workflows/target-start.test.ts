import { TargetSpecSchema } from '../../src/domain/target';
import { newId, TASK_QUEUE, targetWorkflowId } from '../../src/ids';
import { statusQuery } from '../../src/contracts/target';
import { targetWorkflow } from '../../src/workflows/target';
import { Worker } from '@temporalio/worker';
import { testDataConverter } from '../support/codec';
import { readTestEnv } from '../support/env';
import { targetIdWithFirstWindowOf } from '../support/target-ids';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';

/**
 * What a new target costs Temporal before it is in its steady state (its second probe window running): each
 * workflow task and each activity task is a round trip through the server, the scarce thing when thousands of
 * targets are imported at once. Real dev server, real probes of a local site every second.
 */
describe('a new target', () => {
  const stack = useStack({ temporal: 'local', worker: true, site: true });

  it('is probed at once, in its first workflow task, and then runs whole probe windows: one workflow task and one activity task in all', async () => {
    stack.site.behave({ status: 200 });
    // As in production, the worker is already polling when the target comes (a task that arrives while it starts up
    // is completed in two).
    await eventually(async () => {
      const { pollers } = await stack.temporal.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: TASK_QUEUE } });
      expect(pollers.length).toBeGreaterThan(0);
    });
    // Its first window outlasts the test: a window that ended would be a second activity task.
    const targetId = targetIdWithFirstWindowOf(1, 30_000);
    const spec = TargetSpecSchema.parse({
      name: 'start cost',
      intervalSeconds: 1,
      probe: { kind: 'http', url: stack.site.url },
      thresholds: { downAfter: 2, upAfter: 1 },
    });
    const handle = await stack.temporal.client.workflow.start(targetWorkflow, {
      workflowId: targetWorkflowId(targetId),
      taskQueue: TASK_QUEUE,
      args: [{ targetId, spec, version: 1 }],
    });
    await eventually(async () => expect((await handle.query(statusQuery)).shown).toBe('up'), 30_000);
    // Three more slots probed by the first window: it did not hand back at unknown -> up.
    await eventually(async () => {
      const { rows } = await stack.db.pool.query('SELECT 1 FROM check_results WHERE target_id = $1', [targetId]);
      expect(rows.length).toBeGreaterThanOrEqual(4);
    }, 30_000);
    const { events } = await handle.fetchHistory();
    await handle.terminate('measured');

    const count = (kind: 'workflowTaskCompletedEventAttributes' | 'activityTaskScheduledEventAttributes') => events!.filter((e) => e[kind]).length;
    // Before local projections: 4 workflow tasks and 4 activity tasks (saveTarget, a window, recordFlip, a window);
    // before the first probe at once: 2 and 2 (the first window ended at unknown -> up).
    expect(count('activityTaskScheduledEventAttributes')).toBe(1);
    // 1 workflow task on a quiet machine; on a busy one the SDK may complete the first task with its local
    // activities' results and carry on in a second.
    expect(count('workflowTaskCompletedEventAttributes')).toBeLessThanOrEqual(2);
    // The projection writes ran all the same, inside that task.
    const row = await stack.db.pool.query('SELECT config_version FROM targets WHERE id = $1', [targetId]);
    expect(row.rows).toEqual([{ config_version: 1 }]);
    const flips = await stack.db.pool.query('SELECT from_state, to_state FROM flips WHERE target_id = $1', [targetId]);
    expect(flips.rows).toEqual([{ from_state: 'unknown', to_state: 'up' }]);
  });

  it('starts its grid at least half an interval after its first probe, so that its first window reaches a worker in time', async () => {
    stack.site.behave({ status: 200 });
    // Each target's grid has its own phase: without the spacing, each next slot would come 0-2 s after the first
    // probe, and ten targets would all be spaced by chance once in a thousand runs.
    const spec = TargetSpecSchema.parse({ name: 'spaced', intervalSeconds: 2, probe: { kind: 'http', url: stack.site.url } });
    const targetIds = Array.from({ length: 10 }, () => newId('tgt'));
    const handles = await Promise.all(
      targetIds.map((targetId) =>
        stack.temporal.client.workflow.start(targetWorkflow, {
          workflowId: targetWorkflowId(targetId),
          taskQueue: TASK_QUEUE,
          args: [{ targetId, spec, version: 1 }],
        }),
      ),
    );
    const firstTwo = async () => {
      const { rows } = await stack.db.pool.query<{ target_id: string; slots: Date[] }>(
        'SELECT target_id, (array_agg(scheduled_at ORDER BY scheduled_at))[1:2] AS slots FROM check_results WHERE target_id = ANY($1) GROUP BY target_id',
        [targetIds],
      );
      return rows;
    };
    await eventually(async () => {
      const rows = await firstTwo();
      expect(rows.filter((r) => r.slots.length === 2)).toHaveLength(targetIds.length);
    }, 30_000);
    await Promise.all(handles.map((h) => h.terminate('measured')));
    for (const { slots } of await firstTwo()) {
      const gap = slots[1]!.getTime() - slots[0]!.getTime();
      expect(gap).toBeGreaterThanOrEqual(1_000);
      expect(gap).toBeLessThanOrEqual(3_000);
    }
  });

  it('replays a first workflow task that a query split in two, while its first probe ran', async () => {
    // A query (or an update) that comes while a local activity runs makes the SDK complete the task with the results
    // so far and go on in a second one. Replay resolves the local activity inside the first task: a patch checked
    // after it must give the same answer there, or the worker that replays the run (after a restart) is stuck.
    // Whether a query lands inside the probe is a matter of timing: five targets, each queried every 100 ms.
    stack.site.behave({ status: 200, delayMs: 2_000 });
    const spec = TargetSpecSchema.parse({ name: 'split', intervalSeconds: 30, probe: { kind: 'http', url: stack.site.url } });
    const histories = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const targetId = newId('tgt');
        const handle = await stack.temporal.client.workflow.start(targetWorkflow, {
          workflowId: targetWorkflowId(targetId),
          taskQueue: TASK_QUEUE,
          args: [{ targetId, spec, version: 1 }],
        });
        await eventually(async () => expect((await handle.query(statusQuery)).shown).toBe('up'), 30_000);
        const history = await handle.fetchHistory();
        await handle.terminate('replayed');
        return { targetId, history };
      }),
    );
    const tasksBeforeFirstWindow = ({ events }: (typeof histories)[number]['history']) =>
      events!
        .slice(
          0,
          events!.findIndex((e) => e.activityTaskScheduledEventAttributes),
        )
        .filter((e) => e.workflowTaskCompletedEventAttributes).length;
    expect(Math.max(...histories.map(({ history }) => tasksBeforeFirstWindow(history)))).toBeGreaterThanOrEqual(2);
    for (const { targetId, history } of histories) {
      await Worker.runReplayHistory({ workflowBundle: { codePath: readTestEnv().bundlePath }, dataConverter: testDataConverter }, history, targetId);
    }
  });
});
