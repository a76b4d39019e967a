import type { Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import type { RunChecksInput } from '../../src/contracts/probes';
import type { SlotProber } from '../../src/activities/checks';
import { startTargetWorkflow } from '../../src/api/targets/workflow';
import { acquireLease, claimExpiredLeases } from '../../src/db/worker-leases';
import { TargetSpecSchema } from '../../src/domain/target';
import { WorkerLease } from '../../src/worker/leases';
import { newId, targetWorkflowId } from '../../src/ids';
import { targetIdWithFirstWindowOf } from '../support/target-ids';
import { eventually } from '../support/eventually';
import { slotGridViolations } from '../support/faults';
import { useStack } from '../support/stack';
import { testSecrets } from '../support/codec';

/** Leases much shorter than production's, so that a test sees several renewals a second. */
const LEASE = { renewEveryMs: 300, ttlMs: 1_000 };

describe('worker leases: probe windows run by the worker, carried on by another when it stops', () => {
  const stack = useStack({ temporal: 'local', worker: { lease: LEASE }, site: true });

  const windowsOfTarget = async (targetId: string) =>
    (await stack.db.pool.query<{ task_token: Buffer; worker_id: string }>('SELECT task_token, worker_id FROM probe_windows WHERE target_id = $1', [targetId]))
      .rows;
  const leaseOf = async (workerId: string) =>
    (await stack.db.pool.query('SELECT worker_id, reaped_by FROM worker_leases WHERE worker_id = $1', [workerId])).rows;
  const pendingWindow = async (targetId: string) => {
    const { raw } = await stack.temporal.client.workflow.getHandle(targetWorkflowId(targetId)).describe();
    return raw.pendingActivities?.[0];
  };
  const hitsOf = (targetId: string) => stack.site.hits.filter((h) => h.path.startsWith(`/${targetId}`));

  /** A target probed every second, once up: a window of at least 40 slots runs, with nothing to end it early. */
  async function targetWithWindow() {
    const targetId = targetIdWithFirstWindowOf(1, 40_000);
    const spec = TargetSpecSchema.parse({ name: targetId, intervalSeconds: 1, probe: { kind: 'http', url: `${stack.site.url}/${targetId}` } });
    await startTargetWorkflow(stack.temporal.client, targetId, spec);
    await eventually(async () => {
      const { rows } = await stack.db.pool.query('SELECT state FROM target_status WHERE target_id = $1', [targetId]);
      expect(rows[0]?.state).toBe('up');
    });
    // The window that ended at the flip is forgotten within a few renewals; the one left is the long window.
    await new Promise((r) => setTimeout(r, 5 * LEASE.renewEveryMs));
    const [window] = await eventually(async () => {
      const rows = await windowsOfTarget(targetId);
      expect(rows).toHaveLength(1);
      return rows;
    });
    return { targetId, token: window!.task_token, workerId: window!.worker_id };
  }

  it('completes a window by its task token when it ends: its workflow hears the flip and goes on', async () => {
    const { targetId, token } = await targetWithWindow();
    expect(stack.worker.lease.windowCount).toBeGreaterThan(0);
    stack.site.behave({ status: 500 });
    try {
      await eventually(async () => {
        const { rows } = await stack.db.pool.query('SELECT state FROM target_status WHERE target_id = $1', [targetId]);
        expect(rows[0]?.state).toBe('down');
      }, 15_000);
      // The next window is a new activity, registered anew; the one that ended is forgotten.
      await eventually(async () => {
        const rows = await windowsOfTarget(targetId);
        expect(rows).toHaveLength(1);
        expect(rows[0]!.task_token.equals(token)).toBe(false);
      }, 10_000);
    } finally {
      stack.site.behave({ status: 200 });
    }
  });

  it('hands its windows over on shutdown: its lease released, a live worker carries them on under the same task token', async () => {
    // A second worker, in a process of its own (one process runs one worker per task queue).
    const leaving = await stack.startWorkerProcess();
    try {
      let held: Awaited<ReturnType<typeof targetWithWindow>> | undefined;
      for (let i = 0; i < 10 && !held; i++) {
        const t = await targetWithWindow();
        if (t.workerId !== stack.worker.lease.id) held = t;
      }
      if (!held) throw new Error('no window landed on the second worker in 10 targets');
      const { code } = await leaving.stop('SIGTERM');
      expect(code).toBe(0);
      await eventually(async () => expect((await windowsOfTarget(held!.targetId)).map((w) => w.worker_id)).toEqual([stack.worker.lease.id]), 5_000);
      expect((await windowsOfTarget(held.targetId))[0]!.task_token.equals(held.token)).toBe(true);
      expect(await leaseOf(held.workerId)).toEqual([]);
      const since = Date.now();
      await eventually(async () => expect(hitsOf(held!.targetId).filter((h) => h.at > since).length).toBeGreaterThanOrEqual(3), 10_000);
      // Carried on, not retried: the window's activity is still in its first attempt.
      expect((await pendingWindow(held.targetId))?.attempt).toBe(1);
      expect(await slotGridViolations(stack.db.pool, [held.targetId], 1000)).toEqual([]);
    } finally {
      if (leaving.child.exitCode === null) await leaving.stop('SIGTERM');
    }
  });

  it('fails a window registered without its input (by a worker from before takeover) through Temporal, which retries it', async () => {
    const { targetId, token } = await targetWithWindow();
    const dead = `dead-${newId('tgt')}`;
    await acquireLease(stack.db.pool, dead, -1_000);
    await stack.db.pool.query('UPDATE probe_windows SET worker_id = $1, input = NULL WHERE task_token = $2', [dead, token]);
    const pending = await eventually(async () => {
      const activity = await pendingWindow(targetId);
      expect(activity?.attempt).toBe(2);
      return activity!;
    }, 10_000);
    expect(pending.lastFailure?.message).toBe('its worker stopped renewing its lease');
    // Dropped once its windows are dealt with: just after Temporal heard of the failure.
    await eventually(async () => expect(await leaseOf(dead)).toEqual([]), 5_000);
  });

  it('never reaps a live worker: both keep their leases and windows through many renewals', async () => {
    // A second lease keeping in this process, running no windows of its own.
    const other = new WorkerLease(stack.db.pool, stack.temporal.client, () => Promise.reject(new Error('runs no windows')), testSecrets, LEASE);
    await other.start();
    try {
      const targets = await Promise.all([targetWithWindow(), targetWithWindow(), targetWithWindow()]);
      await new Promise((r) => setTimeout(r, 10 * LEASE.renewEveryMs));
      for (const id of [stack.worker.lease.id, other.id]) expect(await leaseOf(id)).toEqual([{ worker_id: id, reaped_by: null }]);
      // Each target's window is the one it had, still registered under the worker running it.
      for (const { targetId, token } of targets) {
        const windows = await windowsOfTarget(targetId);
        expect(windows.map((w) => w.task_token.equals(token) && w.worker_id === stack.worker.lease.id)).toEqual([true]);
      }
    } finally {
      await other.stop();
    }
  });
});

describe('a worker taken for dead while alive', () => {
  const stack = useStack({ db: true });

  it('stops its windows where they are, without ending them: the worker that claimed its lease runs them now', async () => {
    const reports: string[] = [];
    // Temporal's side is not under test here: only whether the lease keeping tells it anything.
    const temporal = { activity: { complete: async () => void reports.push('complete'), fail: async () => void reports.push('fail') } } as unknown as Client;
    let stopped: unknown;
    const prober: SlotProber = (_input, { signal }) =>
      new Promise((resolve) =>
        signal.addEventListener('abort', () => {
          stopped = signal.reason;
          resolve({ checked: [], fenced: true });
        }),
      );
    const zombie = new WorkerLease(stack.db.pool, temporal, prober, testSecrets, { renewEveryMs: 60_000, ttlMs: 30_000 });
    await zombie.start();
    const input = { targetId: 'tgt_ZOMBIE', slots: [Date.now() + 60_000, Date.now() + 120_000] } as RunChecksInput;
    await zombie.runWindow(randomBytes(16), input);
    const zombieId = zombie.id;
    // Its lease lapses (a long pause) and a reaper claims it.
    await stack.db.pool.query(`UPDATE worker_leases SET expires_at = now() - interval '1 second' WHERE worker_id = $1`, [zombieId]);
    expect(await claimExpiredLeases(stack.db.pool, 'reaper', 30_000, 1)).toEqual([zombieId]);
    await zombie.tick();
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe('lost');
    expect(zombie.windowCount).toBe(0);
    expect(reports).toEqual([]);
    // The window's row is left for the reaper to take; the zombie carries on under a new lease.
    expect((await stack.db.pool.query('SELECT worker_id FROM probe_windows WHERE target_id = $1', ['tgt_ZOMBIE'])).rows).toEqual([{ worker_id: zombieId }]);
    expect(zombie.id).not.toBe(zombieId);
    await zombie.stop();
  });
});
