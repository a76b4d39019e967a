import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CheckedSlot, RunChecksInput, RunChecksResult } from '../contracts/probes';
import {
  checkNowUpdate,
  deleteTargetUpdate,
  pauseUpdate,
  pingSignal,
  resumeUpdate,
  statusQuery,
  updateTargetUpdate,
  type TargetView,
  type TargetWorkflowInput,
} from '../contracts/target';
import { unstorableRefusal } from '../contracts/failures';
import { initialFlapState } from '../domain/flapping';
import { initialJudgement } from '../domain/judge';
import type { ActiveProbe } from '../domain/probe';
import { PROBE_WINDOW_MS } from '../domain/schedule';
import type { ShownState } from '../domain/shown-state';
import type { TargetSpec } from '../domain/target';
import {
  afterResult,
  afterResume,
  atTurn,
  firstDue,
  gridOf,
  inMaintenance,
  nextAfterFirstProbe,
  nextAfterUpdate,
  nextAfterWindow,
  planProbes,
  thresholdsOf,
  type Show,
} from '../domain/target-machine';
import { targetRunPatches } from './target-patches';

/**
 * The configuration's schema, loaded when an update needs it and not before: a workflow's modules are evaluated afresh
 * for every workflow a worker caches or replays, and zod is by far the largest of them (docs/benchmarks.md).
 */
const targetSpecSchema = () => (require('../domain/target') as typeof import('../domain/target')).TargetSpecSchema;

/** Longest probe a target may configure, plus room for the write that follows it. */
const PROBE_ALLOWANCE_MS = 90_000;
// The retry policies are for Vigil's own failures (a worker lost, Postgres unreachable): the target's failures are
// results and never reach them.
const probeRetry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' } as const;

/** A single slot, run when its timer fires (or at once, for "check now"). */
const { runChecks: probeSlot } = proxyActivities<Activities>({
  startToCloseTimeout: PROBE_ALLOWANCE_MS,
  scheduleToCloseTimeout: 3 * PROBE_ALLOWANCE_MS,
  retry: probeRetry,
});

/** A single slot as a local activity: a new target's first probe. */
const { runChecks: probeSlotLocally } = proxyLocalActivities<Activities>({
  startToCloseTimeout: PROBE_ALLOWANCE_MS,
  scheduleToCloseTimeout: 3 * PROBE_ALLOWANCE_MS,
  retry: probeRetry,
});

/**
 * A window of slots, run by a worker outside the SDK and completed by its task token (src/worker/leases.ts). It sends
 * Temporal no heartbeats: a stopped or lost worker's windows are carried on by the live workers, from worker leases in
 * Postgres. The timeouts are the last resort, should every worker's lease keeping fail.
 */
const { runChecks: probeWindow } = proxyActivities<Activities>({
  startToCloseTimeout: PROBE_WINDOW_MS + PROBE_ALLOWANCE_MS,
  scheduleToCloseTimeout: 2 * PROBE_WINDOW_MS + PROBE_ALLOWANCE_MS,
  retry: probeRetry,
});

/** Opening, reopening and clearing the target's incident: retried until they succeed, so no outage goes unpaged. */
const { reportTargetDown, reportTargetCleared } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

// Projection writes: idempotent, so they retry until Postgres takes them (or it refuses them for good).
const projectionWrites = { startToCloseTimeout: '30s', retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } } as const;
const { checkHeartbeat } = proxyActivities<Activities>(projectionWrites);
const projections = proxyActivities<Activities>(projectionWrites);
/**
 * The same writes run inside the workflow task that decides them (local activities): a new target's first task
 * saves its row and schedules its first window in one round trip, and a flip costs no task of its own. Each is one
 * short statement, so nothing is gained from a separate activity task, and every one costs Temporal a task dispatch.
 */
const localProjections = proxyLocalActivities<Activities>(projectionWrites);

/**
 * A run continues as new after this many events, its state carried intact. Short runs keep replay cheap: workers
 * cache few workflows (memory), so most workflow tasks replay their run's history from its start.
 */
export const HISTORY_EVENTS_PER_RUN = 250;
/** The length runs had before the short-runs patch, kept so that longer runs recorded before it replay unchanged. */
const LEGACY_HISTORY_EVENTS_PER_RUN = 2_000;

type Command =
  | { kind: 'update'; spec: TargetSpec; expectedVersion?: number }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'checkNow' }
  | { kind: 'delete' };

interface Pending {
  command: Command;
  result?: TargetView | CheckedSlot;
  /** Set instead of a result when the command can no longer be applied. */
  refusal?: ApplicationFailure;
  done: boolean;
}

/**
 * One long-running workflow per target: probes it on its slot grid, judges each result, and records every change of
 * the state it shows. It owns the target's orchestration state (configuration version, judgement, schedule, pause,
 * flapping); Postgres holds projections of it. What follows from each event is decided by the pure state machine in
 * src/domain/target-machine.ts; this function carries it out with timers, updates and activities. Operator commands
 * arrive as updates and are applied by the main loop alone, one at a time, so that no two paths ever change the state
 * at once.
 */
export async function targetWorkflow(input: TargetWorkflowInput): Promise<void> {
  const { targetId } = input;
  const patches = targetRunPatches(!input.carried);
  /** Where a projection write runs: a local activity, except when replaying a history from before that patch. */
  const projection = () => (patches.localProjections ? localProjections : projections);
  let spec = input.spec;
  let version = input.version;
  let paused = input.carried?.paused ?? false;
  let judgement = input.carried?.judgement ?? initialJudgement(Date.now());
  let flap = input.carried?.flap ?? initialFlapState();
  let incidentSequence = input.carried?.incidentSequence ?? 0;
  let shown: ShownState = input.carried?.shown ?? 'unknown';
  let next = input.carried?.nextSlot ?? firstDue(targetId, spec, Date.now());
  let window: CancellationScope | undefined;
  let pinged = false;
  const pending: Pending[] = [];

  const view = (): TargetView => ({ targetId, version, spec, shown, paused, flapping: flap.flapping, judgement, nextSlot: next });

  /** Queues a command for the main loop, interrupts the probe window in flight, and waits until it is applied. */
  const submit = async (command: Command) => {
    const p: Pending = { command, done: false };
    pending.push(p);
    window?.cancel();
    await condition(() => p.done);
    if (p.refusal) throw p.refusal;
    return p.result;
  };

  /** An update made against a version the target has moved on from would undo the change made since. */
  const versionConflict = (expectedVersion: number | undefined) =>
    expectedVersion !== undefined && expectedVersion !== version
      ? ApplicationFailure.nonRetryable(`the target is at version ${version}, not ${expectedVersion}`, 'VersionConflict', version)
      : undefined;

  setHandler(statusQuery, view);
  setHandler(
    updateTargetUpdate,
    async ({ spec: requested, expectedVersion }) =>
      (await submit({ kind: 'update', spec: targetSpecSchema().parse(requested), expectedVersion })) as TargetView,
    {
      validator: ({ spec: requested, expectedVersion }) => {
        const parsed = targetSpecSchema().safeParse(requested);
        if (!parsed.success) throw ApplicationFailure.nonRetryable('invalid target configuration', 'InvalidTargetSpec', parsed.error.issues);
        const conflict = versionConflict(expectedVersion);
        if (conflict) throw conflict;
      },
    },
  );
  setHandler(pauseUpdate, async () => (await submit({ kind: 'pause' })) as TargetView);
  setHandler(resumeUpdate, async () => (await submit({ kind: 'resume' })) as TargetView);
  setHandler(checkNowUpdate, async () => (await submit({ kind: 'checkNow' })) as CheckedSlot, {
    validator: () => {
      if (paused) throw ApplicationFailure.nonRetryable('the target is paused: resume it first', 'TargetPaused');
    },
  });
  setHandler(deleteTargetUpdate, async () => void (await submit({ kind: 'delete' })));
  setHandler(pingSignal, () => {
    pinged = true;
  });

  /** Records a change of the state the target shows (and nothing when it shows the same). */
  const show = async ({ to, at, reason }: Show) => {
    if (to === shown) return;
    await projection().recordFlip({ targetId, flip: { from: shown, to, at, reason } });
    if (to === 'down') {
      const { escalationPolicyId, autoResolve, reopenWindowSeconds } = spec;
      const report = {
        targetId,
        targetName: spec.name,
        sequence: incidentSequence,
        at,
        reason,
        flapping: flap.flapping,
        escalationPolicyId,
        autoResolve,
        reopenWindowSeconds,
      };
      incidentSequence = (await reportTargetDown(report)).sequence;
    } else if (shown === 'down') {
      await reportTargetCleared({ targetId, sequence: incidentSequence, to, at, reason });
    }
    shown = to;
  };

  /** Judges a heartbeat target from the pings it received up to now, and records the verdict as a result. */
  const checkPings = async (manual: boolean): Promise<CheckedSlot | undefined> => {
    if (spec.probe.kind !== 'heartbeat') return undefined;
    const at = Date.now();
    const verdict = await checkHeartbeat({
      targetId,
      version,
      at,
      periodMs: spec.intervalSeconds * 1000,
      graceMs: spec.probe.graceSeconds * 1000,
      ...(judgement.state === 'unknown' ? { watchingSince: judgement.since } : {}),
      manual,
      maintenance: inMaintenance(spec, Date.now()),
      judgement,
      thresholds: thresholdsOf(spec),
    });
    if (verdict.fenced) return undefined;
    const checked: CheckedSlot = { scheduledAt: at, outcome: verdict.outcome, latencyMs: verdict.latencyMs, error: verdict.error };
    await judgeResult(checked);
    next = verdict.nextCheckAt;
    return checked;
  };

  /** Applies one probe result to the judgement, and what follows from it: flips and flapping. */
  const judgeResult = async (c: CheckedSlot) => {
    const after = afterResult({ judgement, flap, paused }, spec, c, Date.now());
    judgement = after.judgement;
    flap = after.flap;
    if (after.flappingChanged) await projection().recordFlapping({ targetId, flapping: flap.flapping });
    if (after.show) await show(after.show);
  };

  /** One slot probed now, off the grid: an operator's check now (`manual`), or a new target's first probe. */
  const probeNow = (probe: ActiveProbe, at: number, manual: boolean): RunChecksInput => ({
    targetId,
    version,
    probe,
    intervalMs: gridOf(targetId, spec).intervalMs,
    slots: [at],
    firstSlotIsDue: true,
    manual,
    maintenance: inMaintenance(spec, at),
    judgement,
    thresholds: thresholdsOf(spec),
  });

  /** Saves the configuration as it now stands; a new version also fences off the window that was interrupted. */
  const save = async () => {
    version++;
    await projection().saveTarget({ targetId, spec, version, paused });
  };

  const apply = async ({ command }: Pending): Promise<TargetView | CheckedSlot | undefined> => {
    switch (command.kind) {
      case 'update': {
        const previous = spec;
        spec = command.spec;
        try {
          await save();
        } catch (err) {
          const refusal = unstorableRefusal(err);
          if (!refusal) throw err;
          // Postgres refuses this configuration for good: the update is refused, and the one in force stays.
          spec = previous;
          version--;
          throw ApplicationFailure.nonRetryable(`the configuration cannot be stored: ${refusal.message}`, 'TargetUnstorable');
        }
        next = nextAfterUpdate(targetId, previous, spec, next, Date.now());
        return view();
      }
      case 'pause':
        if (paused) return view();
        paused = true;
        await save();
        await show({ to: 'paused', at: Date.now(), reason: 'paused by an operator' });
        return view();
      case 'resume': {
        if (!paused) return view();
        paused = false;
        await save();
        const resumed = afterResume(targetId, spec, Date.now());
        judgement = resumed.judgement;
        next = resumed.next;
        await show(resumed.show);
        return view();
      }
      case 'checkNow': {
        await save();
        const { probe } = spec;
        if (probe.kind === 'heartbeat') return (await checkPings(true)) ?? { scheduledAt: Date.now(), outcome: 'missed' };
        const at = Date.now();
        try {
          const { checked } = await probeSlot(probeNow(probe, at, true));
          for (const c of checked) await judgeResult(c);
          return checked[0];
        } catch (err) {
          if (!(err instanceof ActivityFailure)) throw err;
          return { scheduledAt: at, outcome: 'missed', error: `could not probe: ${err.cause?.message ?? err.message}` };
        }
      }
      case 'delete':
        await reportTargetCleared({ targetId, sequence: incidentSequence, to: 'deleted', at: Date.now(), reason: 'deleted by an operator' });
        await projection().deleteTarget({ targetId });
        return undefined;
    }
  };

  /**
   * Probes a new target at once, off its grid, as a local activity of the task that started it: its state shows within
   * a probe's time of its creation, and its first window runs whole instead of ending at unknown → up. A new target
   * thus costs Temporal one workflow task and one activity task before its steady state.
   */
  const probeAtOnce = async () => {
    const { probe } = spec;
    if (probe.kind === 'heartbeat') return;
    const at = Date.now();
    let checked: CheckedSlot[];
    try {
      ({ checked } = await probeSlotLocally(probeNow(probe, at, false)));
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // Vigil could not probe (Postgres unreachable for minutes): the grid's first slot will.
      log.warn('first probe failed', { targetId, error: err.cause?.message ?? err.message });
      return;
    }
    for (const c of checked) await judgeResult(c);
    next = nextAfterFirstProbe(targetId, spec, next, at, patches.gridAfterFirstProbe);
  };

  if (!input.carried) {
    await projection().saveTarget({ targetId, spec, version, paused });
    if (patches.firstProbeAtOnce) await probeAtOnce();
  }

  for (;;) {
    while (pending.length > 0) {
      const p = pending.shift()!;
      // Checked again when applied: two updates of one version may both pass the validator before either is applied.
      p.refusal = p.command.kind === 'update' ? versionConflict(p.command.expectedVersion) : undefined;
      if (!p.refusal) {
        try {
          p.result = await apply(p);
        } catch (err) {
          if (!(err instanceof ApplicationFailure)) throw err;
          p.refusal = err;
        }
      }
      p.done = true;
      if (p.command.kind === 'delete') {
        for (const q of pending.splice(0)) {
          q.refusal = ApplicationFailure.nonRetryable('the target was deleted', 'TargetDeleted');
          q.done = true;
        }
        await condition(allHandlersFinished);
        return;
      }
    }

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > (patches.shortRuns ? HISTORY_EVENTS_PER_RUN : LEGACY_HISTORY_EVENTS_PER_RUN)) {
      // Handlers in flight wait on this loop, so a command that arrives now is applied first.
      await condition(() => allHandlersFinished() || pending.length > 0);
      if (pending.length > 0) continue;
      await continueAsNew<typeof targetWorkflow>({ targetId, spec, version, carried: { judgement, nextSlot: next, paused, shown, flap, incidentSequence } });
    }

    if (paused) {
      await condition(() => pending.length > 0 || workflowInfo().continueAsNewSuggested);
      continue;
    }

    const now = Date.now();
    const turn = atTurn({ judgement, flap, paused }, spec, now);
    const { maintenance } = turn;
    await show(turn.show);
    if (turn.flappingChanged) await projection().recordFlapping({ targetId, flapping: turn.flap.flapping });
    flap = turn.flap;

    const { probe } = spec;
    if (probe.kind === 'heartbeat') {
      // Wake at the deadline, at a maintenance boundary, or when a ping may end or start an outage.
      const wakeAt = Math.min(next, maintenance.nextChange ?? Infinity);
      if (wakeAt > now && (await condition(() => pending.length > 0 || pinged, wakeAt - now))) {
        if (pending.length > 0) continue;
      } else if (wakeAt < next) {
        continue;
      }
      pinged = false;
      await checkPings(false);
      continue;
    }

    const plan = planProbes(targetId, spec, { next, flap }, maintenance.nextChange, now, patches.windowing);
    next = plan.next;
    const { slots, wakeAt } = plan;
    // A window of one slot waits here, on a timer in the history; a longer window waits inside the activity.
    const single = wakeAt !== undefined;
    if (single) {
      if (wakeAt > now && (await condition(() => pending.length > 0, wakeAt - now))) continue;
      if (wakeAt < slots[0]!) continue;
    }

    const { intervalMs } = gridOf(targetId, spec);
    let result: RunChecksResult | undefined;
    try {
      window = new CancellationScope();
      const run = single ? probeSlot : probeWindow;
      const request = {
        targetId,
        version,
        probe,
        intervalMs,
        slots,
        firstSlotIsDue: single,
        manual: false,
        maintenance: maintenance.inside,
        judgement,
        thresholds: thresholdsOf(spec),
      };
      result = await window.run(() => run(request));
    } catch (err) {
      // Interrupted by an operator command: the loop applies it and plans afresh from the same slot.
      if (isCancellation(err)) continue;
      if (!(err instanceof ActivityFailure)) throw err;
      // Vigil itself failed and its retries ran out. Keep the schedule: after a pause of one interval, the next
      // window starts from the same slots and records the ones that passed as missed.
      log.warn('probe window failed', { targetId, error: err.cause?.message ?? err.message });
      await condition(() => pending.length > 0, intervalMs);
      continue;
    } finally {
      window = undefined;
    }
    for (const c of result.checked) await judgeResult(c);
    next = nextAfterWindow(next, result.checked, spec);
  }
}
