import { randomBytes } from 'node:crypto';
import { registerProbeWindows, takeSupersededWindows, windowsOf } from '../../src/db/probe-windows';
import { acquireLease, claimExpiredLeases, renewLease } from '../../src/db/worker-leases';
import { createTestDatabase, type TestDatabase } from '../support/db';

describe('worker leases and their probe windows', () => {
  let db: TestDatabase;
  let n = 0;
  const workerId = () => `worker-${++n}`;
  /** A lease that expired `agoMs` ago, as a killed worker leaves it. */
  const expired = async (agoMs = 1_000) => {
    const id = workerId();
    await acquireLease(db.pool, id, -agoMs);
    return id;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());
  beforeEach(() => db.pool.query('DELETE FROM worker_leases'));

  it('gives each expired lease to exactly one of many reapers racing for it', async () => {
    const dead = await Promise.all(Array.from({ length: 20 }, () => expired()));
    const reapers = Array.from({ length: 8 }, workerId);
    const claims = await Promise.all(reapers.map((r) => claimExpiredLeases(db.pool, r, 30_000)));
    expect(claims.flat().sort()).toEqual([...dead].sort());
    // And the lease stays claimed: a second round finds nothing left to claim.
    expect((await Promise.all(reapers.map((r) => claimExpiredLeases(db.pool, r, 30_000)))).flat()).toEqual([]);
  });

  it('never claims a live lease, and its worker keeps renewing it', async () => {
    const live = workerId();
    await acquireLease(db.pool, live, 30_000);
    const dead = await expired();
    expect(await claimExpiredLeases(db.pool, workerId(), 30_000)).toEqual([dead]);
    expect(await renewLease(db.pool, live, 30_000)).toBe(true);
  });

  it('lets a worker renew its expired lease until a reaper claims it, and then no more', async () => {
    const late = await expired();
    expect(await renewLease(db.pool, late, 30_000)).toBe(true);
    await db.pool.query(`UPDATE worker_leases SET expires_at = now() - interval '1 second' WHERE worker_id = $1`, [late]);
    expect(await claimExpiredLeases(db.pool, workerId(), 30_000)).toEqual([late]);
    expect(await renewLease(db.pool, late, 30_000)).toBe(false);
  });

  it('hands a claim whose reaper died to another reaper once the claim expires', async () => {
    const dead = await expired();
    const [first, second] = [workerId(), workerId()];
    expect(await claimExpiredLeases(db.pool, first, -1)).toEqual([dead]);
    expect(await claimExpiredLeases(db.pool, second, 30_000)).toEqual([dead]);
  });

  it('marks the older window of a target superseded when a newer one registers, for its own worker only to find', async () => {
    const [a, b] = [workerId(), workerId()];
    const [older, newer, other] = [randomBytes(16), randomBytes(16), randomBytes(16)];
    await registerProbeWindows(db.pool, a, [
      { taskToken: older, targetId: 'tgt_SUPERSEDED' },
      { taskToken: other, targetId: 'tgt_OTHER' },
    ]);
    await registerProbeWindows(db.pool, b, [{ taskToken: newer, targetId: 'tgt_SUPERSEDED' }]);
    expect(await takeSupersededWindows(db.pool, b)).toEqual([]);
    expect(await takeSupersededWindows(db.pool, a)).toEqual([older]);
    expect(await windowsOf(db.pool, a)).toEqual([other]);
    expect(await windowsOf(db.pool, b)).toEqual([newer]);
  });
});
