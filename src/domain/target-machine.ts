import { noteChange, settle, settlesAt, type FlapState } from './flapping';
import { initialJudgement, judge, type Judgement, type Thresholds } from './judge';
import { maintenanceAt } from './maintenance';
import type { Outcome } from './probe';
import { FIRST_PROBE_WINDOW_MS, PROBE_WINDOW_MS, nextSlot, phaseMs, slotsPerWindow, windowEnd, windowFrom } from './schedule';
import { shownState, type ShownState } from './shown-state';
import type { TargetSpec } from './target';

/**
 * The target's state machine, pure: what follows from each event the target workflow (src/workflows/target.ts) meets.
 * The workflow holds the state, asks these functions, and carries out their answers with timers and activities: a
 * state to show (a flip), flapping to record, when to wake, which slots to probe. Free of zod, like every module
 * workflows load (test/workflows/workflow-modules.test.ts).
 */

/** What the workflow knows about its target between events (carried across continue-as-new). */
export interface TargetMachineState {
  judgement: Judgement;
  flap: FlapState;
  paused: boolean;
  /** The next slot to probe (epoch ms); for a heartbeat target, its next deadline. */
  next: number;
}

/** A change of the state the target shows, for the workflow to record (it records nothing when the state is the same). */
export interface Show {
  to: ShownState;
  at: number;
  reason: string;
}

/** A heartbeat deadline already includes its grace: one missed deadline is an outage, one ping ends it. */
export const thresholdsOf = (spec: TargetSpec): Thresholds => (spec.probe.kind === 'heartbeat' ? { downAfter: 1, upAfter: 1 } : spec.thresholds);

/** The target's slot grid: its interval, and the phase its id gives it. */
export function gridOf(targetId: string, spec: TargetSpec): { intervalMs: number; phase: number } {
  const intervalMs = spec.intervalSeconds * 1000;
  return { intervalMs, phase: phaseMs(targetId, intervalMs) };
}

/** When a target is first due: its next slot, or for a heartbeat target the end of its first period and grace. */
export function firstDue(targetId: string, spec: TargetSpec, now: number): number {
  if (spec.probe.kind === 'heartbeat') return now + spec.intervalSeconds * 1000 + spec.probe.graceSeconds * 1000;
  const { intervalMs, phase } = gridOf(targetId, spec);
  return nextSlot(now, intervalMs, phase);
}

export const inMaintenance = (spec: TargetSpec, now: number): boolean => maintenanceAt(spec.maintenance, now).inside;

/**
 * What one result changes: the judgement always; on a change of state, the flapping record (`flappingChanged` when it
 * starts) and the state to show. A missed slot changes nothing.
 */
export function afterResult(
  s: Pick<TargetMachineState, 'judgement' | 'flap' | 'paused'>,
  spec: TargetSpec,
  result: { outcome: Outcome | 'missed'; scheduledAt: number },
  now: number,
): { judgement: Judgement; flap: FlapState; flappingChanged: boolean; show?: Show } {
  if (result.outcome === 'missed') return { judgement: s.judgement, flap: s.flap, flappingChanged: false };
  const judged = judge(s.judgement, result.outcome, result.scheduledAt, thresholdsOf(spec));
  if (!judged.flip) return { judgement: judged.next, flap: s.flap, flappingChanged: false };
  const flap = noteChange(s.flap, result.scheduledAt, spec.flapping);
  const to = shownState(judged.next.state, { paused: s.paused, inMaintenance: inMaintenance(spec, now) });
  return { judgement: judged.next, flap, flappingChanged: flap.flapping !== s.flap.flapping, show: { to, at: result.scheduledAt, reason: judged.flip.reason } };
}

/**
 * At each turn of the workflow's loop (an unpaused target): the state to show now, since a maintenance window may have
 * opened or closed, and whether flapping has settled.
 */
export function atTurn(s: Pick<TargetMachineState, 'judgement' | 'flap' | 'paused'>, spec: TargetSpec, now: number) {
  const maintenance = maintenanceAt(spec.maintenance, now);
  const show: Show = {
    to: shownState(s.judgement.state, { paused: s.paused, inMaintenance: maintenance.inside }),
    at: now,
    reason: maintenance.inside ? 'maintenance window started' : 'maintenance window ended',
  };
  const flap = settle(s.flap, now, spec.flapping);
  return { maintenance, show, flap, flappingChanged: flap.flapping !== s.flap.flapping };
}

/**
 * The next probes of an active target: a window of slots, waited for inside one activity, or a single slot, waited
 * for on a workflow timer until `wakeAt` (earlier than the slot when a maintenance boundary or the end of flapping
 * comes first: the workflow then wakes, shows it, and plans again). Slots more than one window behind (every worker
 * was down) are given up rather than probed in a burst: `next` is where the plan starts.
 * A window ends on one of the target's window boundaries (`windowEnd`), so only a window started off them (the first,
 * or one after a flip or an operator's command) is shorter than a whole one, and never by more than half. `windowing`: as today, or as runs recorded before the
 * patches replay (shorter windows; before the ten-minute window patch they did not end where flapping would settle either, and
 * before the windows-on-boundaries patch they ran whole from wherever they started).
 */
export function planProbes(
  targetId: string,
  spec: TargetSpec,
  s: Pick<TargetMachineState, 'next' | 'flap'>,
  maintenanceEndsAt: number | undefined,
  now: number,
  windowing: ProbeWindowing = { ms: PROBE_WINDOW_MS, onBoundaries: true },
): { next: number; slots: number[]; wakeAt?: number } {
  const { intervalMs, phase } = gridOf(targetId, spec);
  const next = s.next < now - windowing.ms ? nextSlot(now - windowing.ms, intervalMs, phase) : s.next;
  const settling = windowing.ms > FIRST_PROBE_WINDOW_MS ? settlesAt(s.flap, spec.flapping) : undefined;
  const boundary = windowing.onBoundaries ? windowEnd(targetId, next, intervalMs, phase, slotsPerWindow(intervalMs, windowing.ms)) : undefined;
  const endsBy = Math.min(maintenanceEndsAt ?? Infinity, settling ?? Infinity, boundary ?? Infinity);
  const slots = windowFrom(next, intervalMs, windowing.ms, endsBy);
  return slots.length === 1 ? { next, slots, wakeAt: Math.min(slots[0]!, endsBy) } : { next, slots };
}

/** How long a window is, and whether it ends on the target's window boundaries: as the workflow run was recorded. */
export interface ProbeWindowing {
  ms: number;
  onBoundaries: boolean;
}

/** The slot after a window: one interval after its last result, or the same slot when it recorded none. */
export const nextAfterWindow = (next: number, checked: { scheduledAt: number }[], spec: TargetSpec): number => {
  const last = checked.at(-1)?.scheduledAt;
  return last === undefined ? next : last + spec.intervalSeconds * 1000;
};

/**
 * A new target's first probe is off the grid: the grid starts after it (its first slot may have passed meanwhile), and
 * with `spaced` at least half an interval after it. The first window's activity is scheduled by the task that made
 * the first probe, once that task completes, and reaches a worker some time later, the longer the busier Temporal is
 * (an import keeps a backlog of new targets' tasks): a grid slot due sooner than that would be probed late. Runs
 * recorded before that patch (src/workflows/target-patches.ts) start the grid at the next slot.
 */
export const nextAfterFirstProbe = (targetId: string, spec: TargetSpec, next: number, probedAt: number, spaced: boolean): number => {
  const { intervalMs, phase } = gridOf(targetId, spec);
  return Math.max(next, nextSlot(spaced ? probedAt + intervalMs / 2 : probedAt, intervalMs, phase));
};

/**
 * Where the schedule goes on after a configuration change: a heartbeat target is judged afresh, under its new settings,
 * at once; a new interval or probe kind starts a new grid; anything else keeps the schedule.
 */
export function nextAfterUpdate(targetId: string, previous: TargetSpec, spec: TargetSpec, next: number, now: number): number {
  if (spec.probe.kind === 'heartbeat') return now;
  const regrid = spec.intervalSeconds !== previous.intervalSeconds || spec.probe.kind !== previous.probe.kind;
  return regrid ? firstDue(targetId, spec, now) : next;
}

/** A resumed target starts afresh: what was judged before the pause may no longer hold. */
export function afterResume(targetId: string, spec: TargetSpec, now: number): { judgement: Judgement; next: number; show: Show } {
  const judgement = initialJudgement(now);
  const to = shownState(judgement.state, { paused: false, inMaintenance: inMaintenance(spec, now) });
  return { judgement, next: firstDue(targetId, spec, now), show: { to, at: now, reason: 'resumed by an operator' } };
}
