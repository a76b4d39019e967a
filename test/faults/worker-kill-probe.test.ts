import { startTargetWorkflow } from '../../src/api/targets/workflow';
import { TargetSpecSchema } from '../../src/domain/target';
import { targetIdWithFirstWindowOf } from '../support/target-ids';
import { eventually } from '../support/eventually';
import { duplicateViolations, projectionViolations, slotGridViolations, slotRows } from '../support/faults';
import { useStack } from '../support/stack';

/**
 * kill -9 of one of two worker processes while a probe is in flight (the target answers slowly, so a request is open
 * at the moment of the kill). Nothing the dead worker held is handed back by it: once its lease expires (30 s), the
 * other worker claims it and carries its probe windows on itself, under their own task tokens, with no Temporal retry
 * (src/worker/leases.ts). Afterwards every target still has exactly one result per slot of its grid: the slots
 * nobody probed in time are recorded once, as missed, none is lost or doubled, and the rollups and status rows agree
 * with the results.
 */
const INTERVAL_MS = 2_000;
/** The goal: every window the dead worker held probes again within 2 minutes (the lease makes it 20-40 s). */
const TAKEOVER_MS = 120_000;

describe('kill -9 of the worker in the middle of a probe', () => {
  // Each probe takes 1.5 s of a 2 s interval: most of the time one is open.
  const stack = useStack({ temporal: 'local', db: true, site: { delayMs: 1_500 } });

  it(
    'moves the dead worker’s windows to the other within 2 minutes, leaving exactly one result per slot',
    async () => {
      const victim = await stack.startWorkerProcess();
      const [victimLease] = (await stack.db.pool.query<{ worker_id: string }>('SELECT worker_id FROM worker_leases')).rows;
      // Windows that outlast the test: the victim's are still running when it dies, and still carried on after.
      const targets = [0, 1, 2].map(() => targetIdWithFirstWindowOf(INTERVAL_MS / 1000, 100_000));
      for (const [i, id] of targets.entries()) {
        const spec = TargetSpecSchema.parse({
          name: `slow ${i}`,
          intervalSeconds: INTERVAL_MS / 1000,
          probe: { kind: 'http', url: `${stack.site.url}/${i}`, timeoutMs: 5_000 },
        });
        await startTargetWorkflow(stack.temporal.client, id, spec);
      }
      await eventually(
        async () => {
          for (const id of targets) expect((await slotRows(stack.db.pool, id)).filter((r) => r.outcome === 'up').length).toBeGreaterThanOrEqual(3);
        },
        120_000,
        250,
      );
      await stack.startWorkerProcess();

      // Kill while a request is open: the site received it within the last half second and answers after 1.5 s.
      const inFlight = await eventually(
        () => {
          const last = stack.site.hits.at(-1)!;
          expect(Date.now() - last.at).toBeLessThan(500);
          return last;
        },
        30_000,
        20,
      );
      const heldRows = (
        await stack.db.pool.query<{ target_id: string; task_token: Buffer }>('SELECT target_id, task_token FROM probe_windows WHERE worker_id = $1', [
          victimLease!.worker_id,
        ])
      ).rows;
      const held = heldRows.map((r) => r.target_id);
      await victim.kill();
      const killedAt = Date.now();
      expect(Date.now() - inFlight.at).toBeLessThan(1_500);
      // The survivor started after these windows did: the victim holds some of them (their first windows last over 100 s).
      expect(held.length).toBeGreaterThan(0);

      // Every window the victim held probes again on the survivor: its first slot probed after the kill, per target.
      const takeovers = await eventually(
        async () => {
          const firstUp = await Promise.all(held.map(async (id) => (await slotRows(stack.db.pool, id)).find((r) => r.outcome === 'up' && r.ms > killedAt)?.ms));
          expect(firstUp.every((ms) => ms !== undefined)).toBe(true);
          return firstUp.map((ms) => ms! - killedAt);
        },
        TAKEOVER_MS,
        1_000,
      );
      const tookOverMs = Math.max(...takeovers);
      expect(tookOverMs).toBeLessThan(TAKEOVER_MS);
      // Carried on by the survivor under their own task tokens (their first windows last over 100 s: these have not ended yet).
      const carried = await stack.db.pool.query<{ worker_id: string }>('SELECT worker_id FROM probe_windows WHERE task_token = ANY($1::bytea[])', [
        heldRows.map((r) => r.task_token),
      ]);
      expect(carried.rows.length).toBeGreaterThan(0);
      expect(carried.rows.filter((r) => r.worker_id === victimLease!.worker_id)).toEqual([]);
      // A slot or two of the survivor's own windows, after the last takeover, so that the grid checks see it settled.
      await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));

      expect(await slotGridViolations(stack.db.pool, targets, INTERVAL_MS)).toEqual([]);
      expect(await projectionViolations(stack.db.pool, targets)).toEqual([]);
      expect(await duplicateViolations(stack.db.pool)).toEqual([]);
      // The slot whose probe was open at the kill has one row, and the slots nobody probed in time say so.
      for (const id of targets) {
        const rows = await slotRows(stack.db.pool, id);
        expect(rows.filter((r) => Math.abs(r.ms - inFlight.at) < INTERVAL_MS).length).toBeGreaterThanOrEqual(1);
      }
      const missed = (await Promise.all(targets.map((id) => slotRows(stack.db.pool, id))))
        .flat()
        .filter((r) => r.outcome === 'missed' && r.ms > killedAt - INTERVAL_MS);
      expect(missed.length).toBeGreaterThan(0);
      // For docs/reliability.md: what this run saw.
      const rows = (await Promise.all(targets.map((id) => slotRows(stack.db.pool, id)))).flat();
      console.log(
        JSON.stringify({
          windowsHeld: held.length,
          takeoversMs: takeovers,
          tookOverMs,
          rows: rows.length,
          up: rows.filter((r) => r.outcome === 'up').length,
          missedAfterKill: missed.length,
        }),
      );
    },
    TAKEOVER_MS + 360_000,
  );
});
