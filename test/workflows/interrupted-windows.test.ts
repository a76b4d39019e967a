import type { WorkflowHandle } from '@temporalio/client';
import { startTargetWorkflow } from '../../src/api/targets/workflow';
import { TargetSpecSchema, type TargetSpec } from '../../src/domain/target';
import { targetWorkflowId } from '../../src/ids';
import { checkNowUpdate, deleteTargetUpdate, pauseUpdate, resumeUpdate, updateTargetUpdate } from '../../src/contracts/target';
import type { targetWorkflow } from '../../src/workflows/target';
import { targetIdWithFirstWindowOf } from '../support/target-ids';
import { eventually } from '../support/eventually';
import { duplicateViolations, slotGridViolations } from '../support/faults';
import { useStack } from '../support/stack';

const LEASE = { renewEveryMs: 300, ttlMs: 1_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An operator's command interrupts the target's probe window: the workflow goes on at once, and the window, which
 * hears nothing from Temporal without heartbeats, stops by itself. It stops at its next write when the command moved
 * the configuration version on or deleted the target (the write is fenced: nothing stale is stored), or, when the
 * command changed nothing (a resume of a running target), once the window that replaces it registers. Either way the
 * target is probed once per slot, never by both.
 */
describe('a probe window interrupted by an operator command', () => {
  const stack = useStack({ temporal: 'local', worker: { lease: LEASE }, site: true });

  /** A target probed every second on a path of its own, up, with a window of at least 40 slots running. */
  async function runningTarget() {
    const targetId = targetIdWithFirstWindowOf(1, 40_000);
    const spec = TargetSpecSchema.parse({ name: targetId, intervalSeconds: 1, probe: { kind: 'http', url: `${stack.site.url}/${targetId}/v1` } });
    await startTargetWorkflow(stack.temporal.client, targetId, spec);
    await eventually(async () => {
      const { rows } = await stack.db.pool.query('SELECT state FROM target_status WHERE target_id = $1', [targetId]);
      expect(rows[0]?.state).toBe('up');
    });
    await sleep(5 * LEASE.renewEveryMs);
    const windows = await stack.db.pool.query('SELECT 1 FROM probe_windows WHERE target_id = $1', [targetId]);
    expect(windows.rows).toHaveLength(1);
    return { targetId, spec, handle: stack.temporal.client.workflow.getHandle<typeof targetWorkflow>(targetWorkflowId(targetId)) };
  }

  /** Probes of the target from `since` on, by path. */
  const hitsOf = (targetId: string, since: number) => stack.site.hits.filter((h) => h.path.startsWith(`/${targetId}/`) && h.at >= since);

  /** Once the orphan had time to stop, each slot of the next three seconds is probed at most once. */
  async function probesPerSlotAfter(targetId: string, commandDone: number) {
    const from = commandDone + 2_000;
    await sleep(from + 3_000 - Date.now());
    return hitsOf(targetId, from).filter((h) => h.at < from + 3_000);
  }

  const commands: [string, (h: WorkflowHandle<typeof targetWorkflow>, spec: TargetSpec) => Promise<unknown>, { probing: boolean }][] = [
    [
      'update',
      (h, spec) =>
        h.executeUpdate(updateTargetUpdate, {
          args: [{ spec: { ...spec, probe: { ...spec.probe, url: spec.probe.kind === 'http' ? spec.probe.url.replace('/v1', '/v2') : '' } } as TargetSpec }],
        }),
      { probing: true },
    ],
    ['checkNow', (h) => h.executeUpdate(checkNowUpdate), { probing: true }],
    ['resume of a running target (a command that changes nothing)', (h) => h.executeUpdate(resumeUpdate), { probing: true }],
    ['pause', (h) => h.executeUpdate(pauseUpdate), { probing: false }],
    ['delete', (h) => h.executeUpdate(deleteTargetUpdate), { probing: false }],
  ];

  it.each(commands)('%s: the orphaned window stops by itself and the target is probed once per slot', async (_, command, { probing }) => {
    const { targetId, spec, handle } = await runningTarget();
    await command(handle, spec);
    const done = Date.now();
    const probes = await probesPerSlotAfter(targetId, done);
    if (probing) {
      expect(probes.length).toBeGreaterThanOrEqual(2);
      expect(probes.length).toBeLessThanOrEqual(4);
      // An update's new URL is the only one probed: the old window stopped.
      expect(probes.every((h) => h.path.endsWith(command === commands[0]![1] ? '/v2' : '/v1'))).toBe(true);
    } else {
      expect(probes).toEqual([]);
    }
    expect(await slotGridViolations(stack.db.pool, [targetId], 1_000)).toEqual([]);
    expect(await duplicateViolations(stack.db.pool)).toEqual([]);
    // Nothing is left registered for the target once its window ended.
    await eventually(async () => {
      const windows = await stack.db.pool.query('SELECT 1 FROM probe_windows WHERE target_id = $1', [targetId]);
      expect(windows.rows.length).toBe(probing ? 1 : 0);
    }, 5_000);
  });
});
