import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTargetWorkflow } from '../../src/api/targets/workflow';
import { registerProbeWindows } from '../../src/db/probe-windows';
import { acquireLease } from '../../src/db/worker-leases';
import { TargetSpecSchema } from '../../src/domain/target';
import { WorkerLease } from '../../src/worker/leases';
import { newId, targetWorkflowId } from '../../src/ids';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { eventually } from '../support/eventually';
import { startFakeTarget, type FakeTarget } from '../support/fake-target';
import { startLocalTemporal } from '../support/temporal';
import { startWorker, type RunningWorker } from '../support/worker';

/** Leases much shorter than production's, so that a test sees several renewals a second. */
const LEASE = { renewEveryMs: 300, ttlMs: 1_000 };

describe('worker leases: failing a dead worker’s probe windows over', () => {
  let db: TestDatabase;
  let temporal: TestWorkflowEnvironment;
  let site: FakeTarget;
  let live: RunningWorker;

  beforeAll(async () => {
    [db, temporal, site] = await Promise.all([createTestDatabase(), startLocalTemporal(), startFakeTarget()]);
    live = await startWorker(temporal, db.pool, { lease: LEASE });
  });
  afterAll(async () => {
    await live?.stop();
    await temporal?.teardown();
    await site?.close();
    await db?.drop();
  });

  const windowsOfTarget = async (targetId: string) =>
    (await db.pool.query<{ task_token: Buffer; worker_id: string }>('SELECT task_token, worker_id FROM probe_windows WHERE target_id = $1', [targetId])).rows;
  const leaseOf = async (workerId: string) =>
    (await db.pool.query('SELECT worker_id, reaped_by FROM worker_leases WHERE worker_id = $1', [workerId])).rows;

  /** A target probed every second, once up: a window of 60 slots runs, with nothing to end it early. */
  async function targetWithWindow() {
    const targetId = newId('tgt');
    await startTargetWorkflow(temporal.client, targetId, TargetSpecSchema.parse({ name: targetId, intervalSeconds: 1, probe: { kind: 'http', url: site.url } }));
    await eventually(async () => {
      const { rows } = await db.pool.query("SELECT state FROM target_status WHERE target_id = $1", [targetId]);
      expect(rows[0]?.state).toBe('up');
    });
    // The window that ended at the flip is forgotten within a few renewals; the one left is the long window.
    await new Promise((r) => setTimeout(r, 5 * LEASE.renewEveryMs));
    const [window] = await eventually(async () => {
      const rows = await windowsOfTarget(targetId);
      expect(rows).toHaveLength(1);
      return rows;
    });
    return { targetId, token: window!.task_token };
  }

  /** A worker that died holding this window: its lease expired, and the window is registered under it. */
  async function deadWorkerHolding(targetId: string, token: Buffer) {
    const dead = `dead-${newId('tgt')}`;
    await acquireLease(db.pool, dead, -1_000);
    await db.pool.query('DELETE FROM probe_windows WHERE task_token = $1', [token]);
    await registerProbeWindows(db.pool, dead, [{ taskToken: token, targetId }]);
    return dead;
  }

  it('fails each window of a worker whose lease expired, so Temporal retries it at once on a live worker', async () => {
    const { targetId, token } = await targetWithWindow();
    const dead = await deadWorkerHolding(targetId, token);

    const pending = await eventually(async () => {
      const { raw } = await temporal.client.workflow.getHandle(targetWorkflowId(targetId)).describe();
      const activity = raw.pendingActivities?.[0];
      expect(activity?.attempt).toBe(2);
      return activity!;
    }, 10_000);
    expect(pending.lastFailure?.message).toBe('its worker stopped renewing its lease');
    // The retry is a window of the live worker's; the dead worker's lease and rows are gone.
    await eventually(async () => expect((await windowsOfTarget(targetId)).map((w) => w.worker_id)).toEqual([live.lease.id]), 10_000);
    expect((await windowsOfTarget(targetId))[0]!.task_token.equals(token)).toBe(false);
    expect(await leaseOf(dead)).toEqual([]);
  });

  it('takes a window Temporal no longer knows (its attempt already over) for failed over, and clears it', async () => {
    const { targetId, token } = await targetWithWindow();
    const first = await deadWorkerHolding(targetId, token);
    await eventually(async () => expect(await leaseOf(first)).toEqual([]), 10_000);
    // The same token again: its attempt was failed over already, so Temporal answers NotFound.
    const second = await deadWorkerHolding(targetId, token);
    await eventually(async () => expect(await leaseOf(second)).toEqual([]), 10_000);
    expect((await windowsOfTarget(targetId)).filter((w) => w.task_token.equals(token))).toEqual([]);
  });

  it('never reaps a live worker: both keep their leases and windows through many renewals', async () => {
    // One worker per task queue in a process: the other live worker here is the lease keeping (and reaping) alone.
    const other = new WorkerLease(db.pool, temporal.client, LEASE);
    await other.start();
    try {
      const targets = await Promise.all([targetWithWindow(), targetWithWindow(), targetWithWindow()]);
      await new Promise((r) => setTimeout(r, 10 * LEASE.renewEveryMs));
      for (const id of [live.lease.id, other.id]) expect(await leaseOf(id)).toEqual([{ worker_id: id, reaped_by: null }]);
      // Each target's window is the one it had, still registered under the worker running it.
      for (const { targetId, token } of targets) {
        const windows = await windowsOfTarget(targetId);
        expect(windows.map((w) => w.task_token.equals(token) && w.worker_id === live.lease.id)).toEqual([true]);
      }
    } finally {
      await other.stop();
    }
    expect(await leaseOf(other.id)).toEqual([]);
  });

  it('gives its lease and window rows up on shutdown, its windows handed back to Temporal', async () => {
    const id = live.lease.id;
    expect(await leaseOf(id)).toHaveLength(1);
    expect((await db.pool.query('SELECT 1 FROM probe_windows WHERE worker_id = $1', [id])).rows.length).toBeGreaterThan(0);
    await live.stop();
    expect(await leaseOf(id)).toEqual([]);
    expect((await db.pool.query('SELECT 1 FROM probe_windows WHERE worker_id = $1', [id])).rows).toEqual([]);
  });
});
