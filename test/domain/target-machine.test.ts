import { initialFlapState, type FlapState } from '../../src/domain/flapping';
import { initialJudgement, type Judgement } from '../../src/domain/judge';
import { FIRST_PROBE_WINDOW_MS, PROBE_WINDOW_MS, TEN_MINUTE_WINDOW_MS, phaseMs, windowEnd } from '../../src/domain/schedule';
import { TargetSpecSchema, type TargetSpec } from '../../src/domain/target';
import {
  afterResult,
  afterResume,
  atTurn,
  firstDue,
  nextAfterFirstProbe,
  nextAfterUpdate,
  nextAfterWindow,
  planProbes,
  thresholdsOf,
} from '../../src/domain/target-machine';

/** The target workflow's decisions, without Temporal: each event in, what follows out. */
const ID = 'tgt_01MACHINE0000000000000000';
const T0 = Date.parse('2026-03-01T10:00:00Z');
const S = 1000;
const http = (fields: Record<string, unknown> = {}): TargetSpec =>
  TargetSpecSchema.parse({ name: 'site', intervalSeconds: 20, probe: { kind: 'http', url: 'https://example.com' }, ...fields });
const heartbeat = (): TargetSpec => TargetSpecSchema.parse({ name: 'cron', intervalSeconds: 300, probe: { kind: 'heartbeat', graceSeconds: 60 } });
const phase = phaseMs(ID, 20 * S);
/** The first slot of the 20 s grid at or after T0. */
const SLOT = Math.ceil((T0 - phase) / (20 * S)) * 20 * S + phase;
const up = (since = T0): Judgement => ({ state: 'up', since, consecutiveFailures: 0, consecutiveSuccesses: 3 });
const fresh = { judgement: up(), flap: initialFlapState(), paused: false };

describe('when a target is due', () => {
  it('probes a new target at its next slot of the grid its id gives it', () => {
    const due = firstDue(ID, http(), T0);
    expect(due).toBeGreaterThan(T0);
    expect(due - T0).toBeLessThanOrEqual(20 * S);
    expect((due - phase) % (20 * S)).toBe(0);
  });

  it('judges a new heartbeat target at the end of its first period and grace', () => {
    expect(firstDue(ID, heartbeat(), T0)).toBe(T0 + 360 * S);
  });

  it('takes one missed heartbeat deadline as an outage and one ping as its end', () => {
    expect(thresholdsOf(heartbeat())).toEqual({ downAfter: 1, upAfter: 1 });
    expect(thresholdsOf(http({ thresholds: { downAfter: 3, upAfter: 2 } }))).toEqual({ downAfter: 3, upAfter: 2 });
  });
});

describe('what a result changes', () => {
  it('changes nothing for a missed slot', () => {
    expect(afterResult(fresh, http(), { outcome: 'missed', scheduledAt: SLOT }, SLOT)).toEqual({
      judgement: fresh.judgement,
      flap: fresh.flap,
      flappingChanged: false,
    });
  });

  it('counts a failure below the threshold without showing anything new', () => {
    const after = afterResult(fresh, http(), { outcome: 'down', scheduledAt: SLOT }, SLOT);
    expect(after.judgement).toMatchObject({ state: 'up', consecutiveFailures: 1 });
    expect(after.show).toBeUndefined();
    expect(after.flap).toBe(fresh.flap);
  });

  it('shows down at the slot of the failure that reaches the threshold, and notes the change for flapping', () => {
    const once = afterResult(fresh, http(), { outcome: 'down', scheduledAt: SLOT }, SLOT);
    const twice = afterResult({ ...fresh, judgement: once.judgement }, http(), { outcome: 'down', scheduledAt: SLOT + 20 * S }, SLOT + 20 * S);
    expect(twice.show).toEqual({ to: 'down', at: SLOT + 20 * S, reason: expect.any(String) });
    expect(twice.flap.changes).toEqual([SLOT + 20 * S]);
    expect(twice.flappingChanged).toBe(false);
  });

  it('says flapping started on the change that reaches the policy', () => {
    const flap: FlapState = { changes: [SLOT - 80 * S, SLOT - 60 * S, SLOT - 40 * S, SLOT - 20 * S], flapping: false };
    const after = afterResult({ ...fresh, flap }, http({ thresholds: { downAfter: 1, upAfter: 1 } }), { outcome: 'down', scheduledAt: SLOT }, SLOT);
    expect([after.flap.flapping, after.flappingChanged]).toEqual([true, true]);
  });

  it('shows maintenance, not down, for a change inside a maintenance window', () => {
    const spec = http({ thresholds: { downAfter: 1, upAfter: 1 }, maintenance: [{ start: '2026-03-01T09:00:00Z', end: '2026-03-01T11:00:00Z' }] });
    expect(afterResult(fresh, spec, { outcome: 'down', scheduledAt: SLOT }, SLOT).show?.to).toBe('maintenance');
  });
});

describe('each turn of the loop', () => {
  const windowed = http({ maintenance: [{ start: '2026-03-01T10:05:00Z', end: '2026-03-01T10:15:00Z' }] });

  it('shows maintenance once a window opens, and the health again once it closes', () => {
    expect(atTurn(fresh, windowed, Date.parse('2026-03-01T10:06:00Z')).show).toMatchObject({ to: 'maintenance', reason: 'maintenance window started' });
    expect(atTurn(fresh, windowed, Date.parse('2026-03-01T10:16:00Z')).show).toMatchObject({ to: 'up', reason: 'maintenance window ended' });
  });

  it('shows paused while paused, whatever the maintenance', () => {
    expect(atTurn({ ...fresh, paused: true }, windowed, Date.parse('2026-03-01T10:06:00Z')).show.to).toBe('paused');
  });

  it('ends flapping once a whole flapping window passed without a change', () => {
    const flap: FlapState = { changes: [T0], flapping: true };
    const spec = http({ flapping: { changes: 5, windowSeconds: 600 } });
    expect(atTurn({ ...fresh, flap }, spec, T0 + 599 * S).flappingChanged).toBe(false);
    expect(atTurn({ ...fresh, flap }, spec, T0 + 600 * S)).toMatchObject({ flappingChanged: true, flap: { flapping: false } });
  });
});

describe('planning the next probes', () => {
  it("plans twenty minutes of slots for one activity, from one of the target's window boundaries to another", () => {
    const start = windowEnd(ID, SLOT, 20 * S, phase, 60);
    const plan = planProbes(ID, http(), { next: start, flap: initialFlapState() }, undefined, start);
    expect(plan.slots).toHaveLength(PROBE_WINDOW_MS / (20 * S));
    expect(plan.slots[1]! - plan.slots[0]!).toBe(20 * S);
    expect(plan.wakeAt).toBeUndefined();
    expect(windowEnd(ID, start, 20 * S, phase, 60)).toBe(start + PROBE_WINDOW_MS);
  });

  it("ends a window started off its boundaries (a new target's first) on one, at least half a window on; whole ones after it", () => {
    for (let k = 0; k < 60; k++) {
      const from = SLOT + k * 20 * S;
      const first = planProbes(ID, http(), { next: from, flap: initialFlapState() }, undefined, from);
      expect(first.slots.length).toBeGreaterThanOrEqual(31);
      const end = first.slots.at(-1)! + 20 * S;
      expect(planProbes(ID, http(), { next: end, flap: initialFlapState() }, undefined, end).slots).toHaveLength(60);
    }
  });

  it('spreads the window turnovers of targets created together evenly, however fast they were imported', () => {
    const ends = Array.from({ length: 2_000 }, (_, i) => {
      const id = `tgt_01IMPORT${String(i).padStart(18, '0')}`;
      const next = firstDue(id, http(), T0);
      return planProbes(id, http(), { next, flap: initialFlapState() }, undefined, T0).slots.at(-1)! + 20 * S;
    });
    // None during the import; then spread over the second half of the window, not all at its end.
    expect(Math.min(...ends)).toBeGreaterThan(T0 + PROBE_WINDOW_MS / 2);
    expect(Math.max(...ends)).toBeLessThanOrEqual(T0 + PROBE_WINDOW_MS + 20 * S);
    const eighth = PROBE_WINDOW_MS / 8;
    for (let q = 0; q < 4; q++) {
      const from = T0 + PROBE_WINDOW_MS / 2 + q * eighth;
      expect(ends.filter((e) => e > from && e <= from + eighth).length / ends.length).toBeGreaterThan(0.18);
    }
  });

  it('keeps the windows of runs recorded before the patches: two and ten minutes long, and whole from wherever they start', () => {
    const old = (ms: number) => planProbes(ID, http(), { next: SLOT, flap: initialFlapState() }, undefined, T0, { ms, onBoundaries: false }).slots;
    expect(old(FIRST_PROBE_WINDOW_MS)).toHaveLength(FIRST_PROBE_WINDOW_MS / (20 * S));
    expect(old(TEN_MINUTE_WINDOW_MS)).toHaveLength(TEN_MINUTE_WINDOW_MS / (20 * S));
    expect(old(PROBE_WINDOW_MS)).toHaveLength(PROBE_WINDOW_MS / (20 * S));
  });

  it('ends a window before a maintenance boundary, and before flapping would settle', () => {
    const boundary = SLOT + 100 * S;
    expect(planProbes(ID, http(), { next: SLOT, flap: initialFlapState() }, boundary, T0).slots.at(-1)).toBeLessThan(boundary);
    const flap: FlapState = { changes: [SLOT - 1700 * S], flapping: true };
    const settles = SLOT - 1700 * S + 1800 * S;
    expect(planProbes(ID, http(), { next: SLOT, flap }, undefined, T0).slots.at(-1)).toBeLessThan(settles);
  });

  it('gives up slots more than a window behind instead of probing them in a burst', () => {
    const now = SLOT + 3_600 * S;
    const plan = planProbes(ID, http(), { next: SLOT, flap: initialFlapState() }, undefined, now);
    expect(plan.next).toBeGreaterThan(now - PROBE_WINDOW_MS);
    expect(plan.next).toBeLessThanOrEqual(now - PROBE_WINDOW_MS + 20 * S);
    expect(plan.slots[0]).toBe(plan.next);
  });

  it('waits for a lone slot on a timer, or for a maintenance boundary that comes first', () => {
    const hourly = http({ intervalSeconds: 3_600 });
    const next = firstDue(ID, hourly, T0);
    expect(planProbes(ID, hourly, { next, flap: initialFlapState() }, undefined, T0)).toEqual({ next, slots: [next], wakeAt: next });
    expect(planProbes(ID, hourly, { next, flap: initialFlapState() }, next - 60 * S, T0).wakeAt).toBe(next - 60 * S);
  });
});

describe('where the schedule goes on', () => {
  it('goes on one interval after the last result of a window, or from the same slot when it had none', () => {
    expect(nextAfterWindow(SLOT, [{ scheduledAt: SLOT }, { scheduledAt: SLOT + 20 * S }], http())).toBe(SLOT + 40 * S);
    expect(nextAfterWindow(SLOT, [], http())).toBe(SLOT);
  });

  it('starts the grid at least half an interval after a new target’s first probe, off the grid', () => {
    expect(nextAfterFirstProbe(ID, http(), SLOT, SLOT + 5 * S, true)).toBe(SLOT + 20 * S);
    expect(nextAfterFirstProbe(ID, http(), SLOT, SLOT - 11 * S, true)).toBe(SLOT);
    // The next slot would come 1 s after the probe: before the first window's activity could reach a worker.
    expect(nextAfterFirstProbe(ID, http(), SLOT, SLOT - 1 * S, true)).toBe(SLOT + 20 * S);
    expect(nextAfterFirstProbe(ID, http(), SLOT, SLOT - 10 * S, true)).toBe(SLOT + 20 * S);
  });

  it('starts the grid at the next slot after the first probe in runs recorded before the grid was spaced from it', () => {
    expect(nextAfterFirstProbe(ID, http(), SLOT, SLOT + 5 * S, false)).toBe(SLOT + 20 * S);
    expect(nextAfterFirstProbe(ID, http(), SLOT, SLOT - 1 * S, false)).toBe(SLOT);
  });

  it('keeps the schedule through a change of name, starts a new grid for a new interval, and judges a heartbeat target at once', () => {
    expect(nextAfterUpdate(ID, http(), http({ name: 'renamed' }), SLOT, T0)).toBe(SLOT);
    expect(nextAfterUpdate(ID, http(), http({ intervalSeconds: 60 }), SLOT, T0)).toBe(firstDue(ID, http({ intervalSeconds: 60 }), T0));
    expect(nextAfterUpdate(ID, heartbeat(), heartbeat(), T0 + 100 * S, T0)).toBe(T0);
  });

  it('starts a resumed target afresh: unknown, on its next slot', () => {
    expect(afterResume(ID, http(), T0)).toEqual({
      judgement: initialJudgement(T0),
      next: firstDue(ID, http(), T0),
      show: { to: 'unknown', at: T0, reason: 'resumed by an operator' },
    });
  });
});
