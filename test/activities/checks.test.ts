import { CompleteAsyncError } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomBytes } from 'node:crypto';
import type { RunChecksInput, RunChecksResult } from '../../src/contracts/probes';
import { createCheckActivities, createSlotProber, type ProbeWindowRunner, type SlotRun } from '../../src/activities/checks';
import { AddressGuard } from '../../src/activities/probes/address-guard';
import { CheckResultWriter } from '../../src/db/check-results';
import { upsertTarget } from '../../src/db/targets';
import { DEFAULT_THRESHOLDS, initialJudgement } from '../../src/domain/judge';
import type { ActiveProbe } from '../../src/domain/probe';
import { TargetSpecSchema } from '../../src/domain/target';
import { startFakeTarget } from '../support/fake-target';
import { useStack } from '../support/stack';
import { testSecrets } from '../support/codec';

describe('runChecks (the probe activity) and the slot prober it shares with probe windows', () => {
  const stack = useStack({ db: true, site: true });
  let runChecks: ReturnType<typeof createCheckActivities>['runChecks'];
  let probeSlots: ReturnType<typeof createSlotProber>;
  /** The windows handed over to the worker's runner (src/worker/leases.ts runs them; its own tests are there). */
  const handedOver: { taskToken: Uint8Array; input: RunChecksInput }[] = [];
  const windows: ProbeWindowRunner = { runWindow: async (taskToken, input) => void handedOver.push({ taskToken, input }) };
  let n = 0;

  beforeAll(async () => {
    const deps = { writer: new CheckResultWriter(stack.db.pool), guard: new AddressGuard(['127.0.0.0/8']) };
    ({ runChecks } = createCheckActivities({ ...deps, windows }));
    probeSlots = createSlotProber(deps);
  });
  beforeEach(() => stack.site.behave({ status: 200, body: 'ok', delayMs: 0 }));

  /** A target row of its own per test, and the input for one slot that is due now. */
  async function input(probe: Record<string, unknown> = {}, slots = [Date.now()]): Promise<RunChecksInput> {
    const targetId = `tgt_TEST${String(++n).padStart(22, '0')}`;
    const spec = TargetSpecSchema.parse({ name: targetId, intervalSeconds: 60, probe: { kind: 'http', url: stack.site.url, ...probe } });
    await upsertTarget(stack.db.pool, testSecrets, { targetId: targetId, spec, version: 1, paused: false });
    return {
      targetId,
      version: 1,
      probe: spec.probe as ActiveProbe,
      intervalMs: 60_000,
      slots,
      firstSlotIsDue: false,
      manual: false,
      maintenance: false,
      judgement: initialJudgement(0),
      thresholds: DEFAULT_THRESHOLDS,
    };
  }

  /** Runs the activity as a worker would, with an activity context (a task token of its own), outside any workflow. */
  const check = (i: RunChecksInput, activities = { runChecks }, taskToken = randomBytes(16)): Promise<RunChecksResult> =>
    new MockActivityEnvironment({ taskToken }).run(activities.runChecks, i) as Promise<RunChecksResult>;

  const rows = async (targetId: string) =>
    (await stack.db.pool.query('SELECT outcome, status_code, error FROM check_results WHERE target_id = $1 ORDER BY scheduled_at', [targetId])).rows;

  it('records up when the target answers 200', async () => {
    const i = await input();
    const { checked } = await check(i);
    expect(checked).toEqual([expect.objectContaining({ scheduledAt: i.slots[0], outcome: 'up' })]);
    expect(await rows(i.targetId)).toEqual([{ outcome: 'up', status_code: 200, error: null }]);
    const status = await stack.db.pool.query('SELECT last_outcome, consecutive_successes FROM target_status WHERE target_id = $1', [i.targetId]);
    expect(status.rows[0]).toEqual({ last_outcome: 'up', consecutive_successes: 1 });
  });

  it('records down with the status code when the target answers 500', async () => {
    stack.site.behave({ status: 500 });
    const i = await input();
    const { checked } = await check(i);
    expect(checked[0]?.outcome).toBe('down');
    expect(await rows(i.targetId)).toEqual([{ outcome: 'down', status_code: 500, error: 'status 500, expected 200-299' }]);
  });

  it('records down when the target answers slower than the timeout', async () => {
    stack.site.behave({ delayMs: 1_000 });
    const i = await input({ timeoutMs: 200 });
    const { checked } = await check(i);
    expect(checked[0]).toMatchObject({ outcome: 'down', error: 'timed out after 200 ms' });
    expect(checked[0]?.latencyMs).toBeGreaterThanOrEqual(200);
    expect(checked[0]?.latencyMs).toBeLessThan(1_000);
  });

  it('records down when nothing listens on the port', async () => {
    const closed = await startFakeTarget();
    const url = closed.url;
    await closed.close();
    const i = await input({ url });
    const { checked } = await check(i);
    expect(checked[0]).toMatchObject({ outcome: 'down', error: 'connection refused' });
  });

  it('refuses a loopback target unless loopback is allow-listed', async () => {
    const strict = createCheckActivities({ writer: new CheckResultWriter(stack.db.pool), guard: new AddressGuard([]), windows });
    const before = stack.site.hits.length;
    const i = await input();
    const { checked } = await check(i, strict);
    expect(checked[0]).toMatchObject({ outcome: 'down', error: expect.stringContaining('refused to probe 127.0.0.1: loopback') });
    expect(stack.site.hits.length).toBe(before);
  });

  it('writes one row per slot however often the activity runs for it', async () => {
    const i = await input();
    await check(i);
    await check(i);
    expect(await rows(i.targetId)).toHaveLength(1);
  });

  it('reports the result already stored for a slot, not its own, when another run got there first', async () => {
    const i = await input();
    await check(i);
    stack.site.behave({ status: 500 });
    const { checked } = await check(i);
    expect(checked[0]).toMatchObject({ outcome: 'up' });
    expect(await rows(i.targetId)).toEqual([{ outcome: 'up', status_code: 200, error: null }]);
  });

  /** Runs a window's slots as the worker's runner does, outside any activity. */
  const probe = (i: RunChecksInput, run: Partial<SlotRun> = {}) => probeSlots(i, { signal: new AbortController().signal, ...run });

  it("hands a window of several slots to the worker's runner, to be completed later by its task token", async () => {
    const now = Date.now();
    const i = await input({}, [now + 60_000, now + 120_000]);
    const taskToken = randomBytes(16);
    const before = stack.site.hits.length;
    await expect(check(i, { runChecks }, taskToken)).rejects.toBeInstanceOf(CompleteAsyncError);
    expect(handedOver.at(-1)).toEqual({ taskToken, input: i });
    expect(stack.site.hits.length).toBe(before);
  });

  it('writes nothing once the target has a newer configuration (or is paused or deleted), and stops', async () => {
    const now = Date.now();
    const i = await input({}, [now, now + 200]);
    i.judgement = { state: 'up', since: 0, consecutiveFailures: 0, consecutiveSuccesses: 5 };
    const spec = TargetSpecSchema.parse({ name: i.targetId, intervalSeconds: 60, probe: i.probe });
    await upsertTarget(stack.db.pool, testSecrets, { targetId: i.targetId, spec, version: 2, paused: false });
    const result = await probe(i);
    expect(result).toEqual({ checked: [], fenced: true });
    expect(await rows(i.targetId)).toEqual([]);
  });

  it('records a slot whose successor is already due as missed instead of probing it late', async () => {
    const now = Date.now();
    const i = await input({}, [now - 120_000, now - 60_000 + 1_000]);
    const before = stack.site.hits.length;
    const { checked } = await probe(i);
    expect(checked.map((c) => c.outcome)).toEqual(['missed', 'up']);
    expect(stack.site.hits.length).toBe(before + 1);
    expect((await rows(i.targetId)).map((r) => r.outcome)).toEqual(['missed', 'up']);
  });

  it('hands back as soon as a result changes the state, leaving later slots unprobed', async () => {
    const now = Date.now();
    const i = await input({}, [now, now + 100, now + 200]);
    // unknown -> up on the first success: the window ends there.
    const { checked } = await probe(i);
    expect(checked).toHaveLength(1);
    expect(await rows(i.targetId)).toHaveLength(1);
  });

  it('probes every slot of a window at its time while the state holds', async () => {
    const now = Date.now();
    const i = await input({}, [now, now + 300, now + 600]);
    i.judgement = { state: 'up', since: 0, consecutiveFailures: 0, consecutiveSuccesses: 5 };
    const start = stack.site.hits.length;
    const { checked } = await probe(i);
    expect(checked.map((c) => c.outcome)).toEqual(['up', 'up', 'up']);
    const times = stack.site.hits.slice(start).map((h) => h.at);
    expect(times[1]! - now).toBeGreaterThanOrEqual(290);
    expect(times[2]! - now).toBeGreaterThanOrEqual(590);
  });

  it('stops where it is, writing nothing more, once its signal aborts', async () => {
    const now = Date.now();
    const i = await input({}, [now, now + 60_000, now + 120_000]);
    i.judgement = { state: 'up', since: 0, consecutiveFailures: 0, consecutiveSuccesses: 5 };
    const stop = new AbortController();
    const running = probe(i, { signal: stop.signal });
    await new Promise((r) => setTimeout(r, 300));
    const stoppedAt = Date.now();
    stop.abort();
    expect(await running).toEqual({ checked: [expect.objectContaining({ outcome: 'up' })], fenced: true });
    expect(Date.now() - stoppedAt).toBeLessThan(500);
    expect(await rows(i.targetId)).toHaveLength(1);
  });

  it('reports the results its stopped predecessor recorded, probing only the slots it did not', async () => {
    const now = Date.now();
    const i = await input({}, [now - 1_000, now + 100]);
    i.judgement = { state: 'up', since: 0, consecutiveFailures: 0, consecutiveSuccesses: 5 };
    const recorded = new Map([[i.slots[0]!, { outcome: 'up' as const, latencyMs: 7, error: null }]]);
    const before = stack.site.hits.length;
    const { checked } = await probe(i, { recorded });
    expect(checked).toEqual([{ scheduledAt: i.slots[0], outcome: 'up', latencyMs: 7 }, expect.objectContaining({ scheduledAt: i.slots[1], outcome: 'up' })]);
    expect(stack.site.hits.length).toBe(before + 1);
  });

  it('hands a window scheduled with a heartbeat timeout (before worker leases) back at once, unprobed', async () => {
    const now = Date.now();
    const i = await input({}, [now, now + 300]);
    const start = stack.site.hits.length;
    const result = await new MockActivityEnvironment({ taskToken: randomBytes(16), heartbeatTimeoutMs: 120_000 }).run(runChecks, i);
    expect(result).toEqual({ checked: [], fenced: false });
    expect(stack.site.hits.length).toBe(start);
    expect(await rows(i.targetId)).toEqual([]);
  });
});
