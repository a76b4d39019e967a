import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { upsertTarget } from '../../src/db/targets';
import { TargetSpecSchema } from '../../src/domain/target';
import { TASK_QUEUE, targetWorkflowId } from '../../src/ids';
import { checkNowUpdate, deleteTargetUpdate, pauseUpdate, resumeUpdate, statusQuery, updateTargetUpdate } from '../../src/contracts/target';
import { HISTORY_EVENTS_PER_RUN, targetWorkflow } from '../../src/workflows/target';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';
import { testSecrets } from '../support/codec';

const HOUR = 3_600_000;

/** The target workflow under the time-skipping server: hours of schedule in seconds, probes and writes for real. */
describe('targetWorkflow', () => {
  const stack = useStack({ temporal: 'time-skipping', worker: true, site: true });
  let n = 0;

  beforeEach(() => stack.site.behave({ status: 200, cycle: undefined }));
  // A test that fails half-way must not leave its target probing the shared site during the next test.
  const running: { terminate(reason: string): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const handle of running.splice(0)) await handle.terminate('test over').catch(() => undefined);
  });

  /** Starts a target on the fake stack.site, 10-minute interval unless told otherwise, as the API does. */
  async function start(fields: Record<string, unknown> = {}) {
    const targetId = `tgt_WF${String(++n).padStart(24, '0')}`;
    const spec = TargetSpecSchema.parse({ name: targetId, intervalSeconds: 600, probe: { kind: 'http', url: stack.site.url }, ...fields });
    await upsertTarget(stack.db.pool, testSecrets, { targetId, spec, version: 1, paused: false });
    const handle = await stack.temporal.client.workflow.start(targetWorkflow, {
      workflowId: targetWorkflowId(targetId),
      taskQueue: TASK_QUEUE,
      args: [{ targetId, spec, version: 1 }],
    });
    running.push(handle);
    // Until the workflow waits on its first slot's timer, skipping time would leave it behind.
    await eventually(async () => {
      const { events } = await handle.fetchHistory();
      expect(events!.some((e) => e.timerStartedEventAttributes)).toBe(true);
    }, 30_000);
    return { targetId, handle, startedAt: await stack.temporal.currentTimeMs() };
  }

  const results = async (targetId: string) =>
    (
      await stack.db.pool.query<{ ms: string; outcome: string; manual: boolean; maintenance: boolean }>(
        `SELECT (extract(epoch FROM scheduled_at) * 1000)::bigint AS ms, outcome, manual, maintenance FROM check_results
         WHERE target_id = $1 ORDER BY scheduled_at`,
        [targetId],
      )
    ).rows.map((r) => ({ at: Number(r.ms), outcome: r.outcome, manual: r.manual, maintenance: r.maintenance }));

  const flips = async (targetId: string) =>
    (await stack.db.pool.query('SELECT from_state, to_state, reason FROM flips WHERE target_id = $1 ORDER BY at', [targetId])).rows.map(
      (r) => `${r.from_state}->${r.to_state}`,
    );

  const status = async (targetId: string) => (await stack.db.pool.query('SELECT state, flapping FROM target_status WHERE target_id = $1', [targetId])).rows[0];

  const gaps = (slots: { at: number }[]) => slots.slice(1).map((s, i) => s.at - slots[i]!.at);

  it('probes a new target at once, then every 10 minutes on its grid for six hours of workflow time, one result row per slot', async () => {
    const { targetId, handle, startedAt } = await start();
    await stack.temporal.sleep('6h');
    const endedAt = await stack.temporal.currentTimeMs();
    const view = await handle.query(statusQuery);
    await handle.terminate('test done');

    const [first, ...slots] = await results(targetId);
    // The first probe at once; the grid starts half an interval to an interval and a half after it.
    expect(first!.at - startedAt).toBeLessThan(5_000);
    expect(slots[0]!.at - first!.at).toBeGreaterThanOrEqual(300_000);
    expect(slots[0]!.at - first!.at).toBeLessThanOrEqual(900_000);
    // Then every slot of the grid between then and now, each once: six hours hold 35 or 36.
    expect(slots.length).toBeGreaterThanOrEqual(35);
    expect(endedAt - slots.at(-1)!.at).toBeLessThan(600_000);
    expect(gaps(slots)).toEqual(new Array(slots.length - 1).fill(600_000));
    expect(slots.every((s) => s.outcome === 'up')).toBe(true);
    expect(view.judgement.state).toBe('up');
  });

  it('opens no gap and repeats no slot across continue-as-new, and carries its state over exactly', async () => {
    // Six-minute slots on timers (too long for a probe window) cost about 11 history events each: a run continues as
    // new within ~23 probes, so 20 hours span several runs.
    const { targetId, handle } = await start({ intervalSeconds: 360, thresholds: { downAfter: 3, upAfter: 2 } });
    const firstRun = (await handle.describe()).runId;
    await stack.temporal.sleep(20 * HOUR);
    stack.site.behave({ status: 500 });
    // Just past the second failing slot: two failures, not yet down.
    const { nextSlot } = await handle.query(statusQuery);
    await stack.temporal.sleep(nextSlot + 360_000 + 1_000 - (await stack.temporal.currentTimeMs()));
    const before = await handle.query(statusQuery);
    expect(before.judgement).toMatchObject({ state: 'up', consecutiveFailures: 2 });
    await stack.temporal.sleep(2 * HOUR);
    const after = await handle.query(statusQuery);
    await handle.terminate('test done');

    expect((await handle.describe()).runId).not.toBe(firstRun);
    expect(after.judgement.state).toBe('down');
    expect(await flips(targetId)).toEqual(['unknown->up', 'up->down']);
    // After the first probe, at once and off the grid.
    const slots = (await results(targetId)).slice(1);
    expect(slots.length).toBeGreaterThan(HISTORY_EVENTS_PER_RUN / 11);
    expect(gaps(slots)).toEqual(new Array(slots.length - 1).fill(360_000));
  });

  it('stops probing while paused, shows paused, and starts afresh on resume', async () => {
    const { targetId, handle } = await start();
    await stack.temporal.sleep('1h');
    const paused = await handle.executeUpdate(pauseUpdate);
    expect(paused).toMatchObject({ paused: true, shown: 'paused' });
    expect(await handle.executeUpdate(pauseUpdate)).toMatchObject({ paused: true, version: paused.version });
    const before = (await results(targetId)).length;
    await stack.temporal.sleep('3h');
    expect((await results(targetId)).length).toBe(before);
    expect((await status(targetId)).state).toBe('paused');
    await expect(handle.executeUpdate(checkNowUpdate)).rejects.toThrow(WorkflowUpdateFailedError);

    const resumed = await handle.executeUpdate(resumeUpdate);
    expect(resumed).toMatchObject({ paused: false, shown: 'unknown', judgement: { state: 'unknown' } });
    await stack.temporal.sleep('1h');
    await handle.terminate('test done');
    expect((await results(targetId)).length).toBeGreaterThan(before);
    expect(await flips(targetId)).toEqual(['unknown->up', 'up->paused', 'paused->unknown', 'unknown->up']);
  });

  it('refuses an invalid configuration and keeps the old one; applies a valid one, on its new grid', async () => {
    const { targetId, handle } = await start();
    await stack.temporal.sleep('1h');
    const current = await handle.query(statusQuery);
    const invalid = { ...current.spec, intervalSeconds: -5 };
    await expect(handle.executeUpdate(updateTargetUpdate, { args: [{ spec: invalid }] })).rejects.toMatchObject({
      cause: { type: 'InvalidTargetSpec' },
    });
    await expect(handle.executeUpdate(updateTargetUpdate, { args: [{ spec: current.spec, expectedVersion: current.version - 1 }] })).rejects.toMatchObject({
      cause: { type: 'VersionConflict' },
    });
    expect((await handle.query(statusQuery)).spec).toEqual(current.spec);

    const updated = await handle.executeUpdate(updateTargetUpdate, {
      args: [{ spec: { ...current.spec, intervalSeconds: 900 }, expectedVersion: current.version }],
    });
    expect(updated.version).toBe(current.version + 1);
    const changedAt = await stack.temporal.currentTimeMs();
    await stack.temporal.sleep('3h');
    await handle.terminate('test done');
    const after = (await results(targetId)).filter((s) => s.at > changedAt);
    expect(after.length).toBeGreaterThanOrEqual(11);
    expect(gaps(after)).toEqual(new Array(after.length - 1).fill(900_000));
    const row = await stack.db.pool.query('SELECT config_version, interval_seconds FROM targets WHERE id = $1', [targetId]);
    expect(row.rows[0]).toEqual({ config_version: current.version + 1, interval_seconds: 900 });
  });

  it('of two updates made against the same version, applies one and refuses the other, even when both were accepted before either was applied', async () => {
    const { handle } = await start();
    // Holds the workflow in the middle of applying a pause (its saveTarget waits on this lock), so the two updates
    // below are both accepted, at the version the pause made, while it is busy.
    const lock = new PgClient({ connectionString: stack.db.url });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE targets IN SHARE ROW EXCLUSIVE MODE');
    const pausing = handle.executeUpdate(pauseUpdate);
    const version = await eventually(async () => {
      const view = await handle.query(statusQuery);
      expect(view.paused).toBe(true);
      return view.version;
    }, 30_000);
    const current = await handle.query(statusQuery);
    const rename = (name: string) =>
      handle.executeUpdate(updateTargetUpdate, { args: [{ spec: { ...current.spec, name }, expectedVersion: version }] }).then(
        (view) => view.spec.name,
        (err: WorkflowUpdateFailedError) => String((err.cause as { type?: string }).type),
      );
    const renames = [rename('renamed once'), rename('renamed twice')];
    await eventually(async () => {
      const { events } = await handle.fetchHistory();
      expect(events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(3);
    }, 30_000);
    await lock.query('ROLLBACK');
    await lock.end();

    await pausing;
    const outcomes = await Promise.all(renames);
    const winner = outcomes.find((o) => /^renamed (once|twice)$/.test(o));
    expect(outcomes.filter((o) => o !== winner)).toEqual(['VersionConflict']);
    expect(await handle.query(statusQuery)).toMatchObject({ version: version + 1, spec: { name: winner } });
  });

  it('checks now on request, off the grid, and the result counts toward the state', async () => {
    const { targetId, handle } = await start({ thresholds: { downAfter: 1, upAfter: 1 } });
    stack.site.behave({ status: 500 });
    await stack.temporal.sleep('30m');
    expect((await handle.query(statusQuery)).shown).toBe('down');
    stack.site.behave({ status: 200 });
    const checked = await handle.executeUpdate(checkNowUpdate);
    expect(checked).toMatchObject({ outcome: 'up' });
    expect((await handle.query(statusQuery)).shown).toBe('up');
    await handle.terminate('test done');
    const manual = (await results(targetId)).filter((r) => r.manual);
    expect(manual).toEqual([{ at: checked.scheduledAt, outcome: 'up', manual: true, maintenance: false }]);
  });

  it('marks a target flapping when it keeps changing, and clears the mark once it settles', async () => {
    const { targetId, handle } = await start({ thresholds: { downAfter: 1, upAfter: 1 }, flapping: { changes: 4, windowSeconds: 3600 } });
    stack.site.behave({ cycle: [200, 500] });
    await stack.temporal.sleep('1h');
    expect((await handle.query(statusQuery)).flapping).toBe(true);
    expect((await status(targetId)).flapping).toBe(true);
    stack.site.behave({ cycle: undefined, status: 200 });
    await stack.temporal.sleep('2h');
    expect((await handle.query(statusQuery)).flapping).toBe(false);
    expect((await status(targetId)).flapping).toBe(false);
    await handle.terminate('test done');
  });

  it('shows maintenance during a window: results are recorded, the state shown is maintenance', async () => {
    const now = await stack.temporal.currentTimeMs();
    const start_ = new Date(now + HOUR).toISOString();
    const end = new Date(now + 3 * HOUR).toISOString();
    const { targetId, handle } = await start({ thresholds: { downAfter: 1, upAfter: 1 }, maintenance: [{ start: start_, end }] });
    await stack.temporal.sleep('90m');
    expect((await status(targetId)).state).toBe('maintenance');
    stack.site.behave({ status: 500 });
    await stack.temporal.sleep('1h');
    expect((await status(targetId)).state).toBe('maintenance');
    await stack.temporal.sleep('1h');
    await handle.terminate('test done');
    const during = (await results(targetId)).filter((r) => r.at >= Date.parse(start_) && r.at < Date.parse(end));
    expect(during.length).toBeGreaterThanOrEqual(11);
    expect(during.some((r) => r.outcome === 'down')).toBe(true);
    // Flagged, so uptime counts them neither way; the slots around the window are not.
    expect(during.every((r) => r.maintenance)).toBe(true);
    const outside = (await results(targetId)).filter((r) => r.at < Date.parse(start_) || r.at >= Date.parse(end));
    expect(outside.length).toBeGreaterThan(0);
    expect(outside.some((r) => r.maintenance)).toBe(false);
    expect(await flips(targetId)).toEqual(['unknown->up', 'up->maintenance', 'maintenance->down']);
  });

  it('on delete, stops probing, removes the projections and ends', async () => {
    const { targetId, handle } = await start();
    await stack.temporal.sleep('1h');
    await handle.executeUpdate(deleteTargetUpdate);
    await handle.result();
    const before = (await results(targetId)).length;
    await stack.temporal.sleep('1h');
    expect((await results(targetId)).length).toBe(before);
    expect((await stack.db.pool.query('SELECT count(*)::int AS n FROM targets WHERE id = $1', [targetId])).rows[0].n).toBe(0);
  });
});
