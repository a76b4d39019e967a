import { randomBytes } from 'node:crypto';
import { adoptWindowsOf, registerProbeWindows, takeSupersededWindows } from '../../src/db/probe-windows';
import { acquireLease, claimExpiredLeases, releaseLease, renewLease } from '../../src/db/worker-leases';
import { useStack } from '../support/stack';

describe('worker leases and their probe windows', () => {
  const stack = useStack({ db: true });
  let n = 0;
  const workerId = () => `worker-${++n}`;
  /** A lease that expired `agoMs` ago, as a killed worker leaves it. */
  const expired = async (agoMs = 1_000) => {
    const id = workerId();
    await acquireLease(stack.db.pool, id, -agoMs);
    return id;
  };

  beforeEach(() => stack.db.pool.query('DELETE FROM worker_leases'));

  it('gives each expired lease to exactly one of many reapers racing for it', async () => {
    const dead = await Promise.all(Array.from({ length: 20 }, () => expired()));
    const reapers = Array.from({ length: 8 }, workerId);
    const claims = await Promise.all(reapers.map((r) => claimExpiredLeases(stack.db.pool, r, 30_000, 100)));
    expect(claims.flat().sort()).toEqual([...dead].sort());
    // And the lease stays claimed: a second round finds nothing left to claim.
    expect((await Promise.all(reapers.map((r) => claimExpiredLeases(stack.db.pool, r, 30_000, 100)))).flat()).toEqual([]);
  });

  it('gives reapers that claim one lease at a time one lease each, the longest expired first', async () => {
    const older = await expired(5_000);
    const newer = await expired(1_000);
    const [a, b] = [workerId(), workerId()];
    const claims = await Promise.all([claimExpiredLeases(stack.db.pool, a, 30_000, 1), claimExpiredLeases(stack.db.pool, b, 30_000, 1)]);
    expect(claims.map((c) => c.length)).toEqual([1, 1]);
    expect(claims.flat().sort()).toEqual([older, newer].sort());
    expect(await claimExpiredLeases(stack.db.pool, workerId(), 30_000, 1)).toEqual([]);
    await stack.db.pool.query('DELETE FROM worker_leases');
    const [first, second] = [await expired(5_000), await expired(1_000)];
    expect(await claimExpiredLeases(stack.db.pool, a, 30_000, 1)).toEqual([first]);
    expect(await claimExpiredLeases(stack.db.pool, a, 30_000, 1)).toEqual([second]);
  });

  it('never claims a live lease, and its worker keeps renewing it', async () => {
    const live = workerId();
    await acquireLease(stack.db.pool, live, 30_000);
    const dead = await expired();
    expect(await claimExpiredLeases(stack.db.pool, workerId(), 30_000, 100)).toEqual([dead]);
    expect(await renewLease(stack.db.pool, live, 30_000)).toBe(true);
  });

  it('lets a worker renew its expired lease until a reaper claims it, and then no more', async () => {
    const late = await expired();
    expect(await renewLease(stack.db.pool, late, 30_000)).toBe(true);
    await stack.db.pool.query(`UPDATE worker_leases SET expires_at = now() - interval '1 second' WHERE worker_id = $1`, [late]);
    expect(await claimExpiredLeases(stack.db.pool, workerId(), 30_000, 100)).toEqual([late]);
    expect(await renewLease(stack.db.pool, late, 30_000)).toBe(false);
  });

  it('hands a claim whose reaper died to another reaper once the claim expires', async () => {
    const dead = await expired();
    const [first, second] = [workerId(), workerId()];
    expect(await claimExpiredLeases(stack.db.pool, first, -1, 100)).toEqual([dead]);
    expect(await claimExpiredLeases(stack.db.pool, second, 30_000, 100)).toEqual([dead]);
  });

  it('marks the older window of a target superseded when a newer one registers, for its own worker only to find', async () => {
    const [a, b] = [workerId(), workerId()];
    const [older, newer, other] = [randomBytes(16), randomBytes(16), randomBytes(16)];
    await registerProbeWindows(stack.db.pool, a, [
      { taskToken: older, targetId: 'tgt_SUPERSEDED', input: { slots: [1] } },
      { taskToken: other, targetId: 'tgt_OTHER', input: { slots: [2] } },
    ]);
    await registerProbeWindows(stack.db.pool, b, [{ taskToken: newer, targetId: 'tgt_SUPERSEDED', input: { slots: [3] } }]);
    expect(await takeSupersededWindows(stack.db.pool, b)).toEqual([]);
    expect(await takeSupersededWindows(stack.db.pool, a)).toEqual([older]);
    expect((await adoptWindowsOf(stack.db.pool, a, 'c')).map((w) => w.taskToken)).toEqual([other]);
    expect((await adoptWindowsOf(stack.db.pool, b, 'c')).map((w) => w.taskToken)).toEqual([newer]);
  });

  it('moves every window of a claimed lease to its reaper, with the input to carry each on', async () => {
    const dead = await expired();
    const [one, two] = [randomBytes(16), randomBytes(16)];
    await registerProbeWindows(stack.db.pool, dead, [
      { taskToken: one, targetId: 'tgt_ONE', input: { targetId: 'tgt_ONE', slots: [1, 2] } },
      { taskToken: two, targetId: 'tgt_TWO', input: { targetId: 'tgt_TWO', slots: [3, 4] } },
    ]);
    const reaper = workerId();
    expect(await claimExpiredLeases(stack.db.pool, reaper, 30_000, 100)).toEqual([dead]);
    const adopted = await adoptWindowsOf(stack.db.pool, dead, reaper);
    expect(adopted.sort((x, y) => x.targetId.localeCompare(y.targetId))).toEqual([
      { taskToken: one, targetId: 'tgt_ONE', superseded: false, input: { targetId: 'tgt_ONE', slots: [1, 2] } },
      { taskToken: two, targetId: 'tgt_TWO', superseded: false, input: { targetId: 'tgt_TWO', slots: [3, 4] } },
    ]);
    // They are the reaper's now: should it stop in turn, its own reaper finds them under it.
    expect(await adoptWindowsOf(stack.db.pool, dead, workerId())).toEqual([]);
    expect(await adoptWindowsOf(stack.db.pool, reaper, workerId())).toHaveLength(2);
  });

  it('lets a released lease be claimed at once, and never one a reaper already holds', async () => {
    const stopping = workerId();
    await acquireLease(stack.db.pool, stopping, 30_000);
    await releaseLease(stack.db.pool, stopping);
    const reaper = workerId();
    expect(await claimExpiredLeases(stack.db.pool, reaper, 30_000, 100)).toEqual([stopping]);
    await releaseLease(stack.db.pool, stopping);
    expect(await claimExpiredLeases(stack.db.pool, workerId(), 30_000, 100)).toEqual([]);
  });
});
