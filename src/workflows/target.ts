import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  log,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CheckedSlot } from '../activities/checks';
import { initialJudgement, judge, type Judgement } from '../domain/judge';
import { PROBE_WINDOW_MS, nextSlot, phaseMs, windowFrom } from '../domain/schedule';
import type { TargetSpec } from '../domain/target';

export interface TargetWorkflowInput {
  targetId: string;
  spec: TargetSpec;
  /** Version of `spec`; grows with every accepted change. */
  version: number;
  /** What a previous run handed over at continue-as-new; absent on the first run. */
  carried?: CarriedState;
}

export interface CarriedState {
  judgement: Judgement;
  /** The next slot to probe (epoch ms). */
  nextSlot: number;
}

export interface TargetView {
  targetId: string;
  version: number;
  judgement: Judgement;
  nextSlot: number;
}

export const statusQuery = defineQuery<TargetView>('status');

/** Longest probe a target may configure, plus room for the write that follows it. */
const PROBE_ALLOWANCE_MS = 90_000;
// The retry policies are for Vigil's own failures (a worker lost, Postgres unreachable): the target's failures are
// results and never reach them.
const probeRetry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' } as const;

/** A single slot, run when its timer fires. */
const { runChecks: probeSlot } = proxyActivities<Activities>({
  startToCloseTimeout: PROBE_ALLOWANCE_MS,
  scheduleToCloseTimeout: 3 * PROBE_ALLOWANCE_MS,
  retry: probeRetry,
});

/**
 * A window of slots, waited for inside the activity. It heartbeats so that a lost worker's window moves to another
 * worker within the heartbeat timeout instead of at the end of the window.
 */
const { runChecks: probeWindow } = proxyActivities<Activities>({
  startToCloseTimeout: PROBE_WINDOW_MS + PROBE_ALLOWANCE_MS,
  scheduleToCloseTimeout: 2 * PROBE_WINDOW_MS + PROBE_ALLOWANCE_MS,
  heartbeatTimeout: PROBE_ALLOWANCE_MS + 30_000,
  retry: probeRetry,
});

const { saveTarget, recordFlip } = proxyActivities<Activities>({
  // Projection writes: idempotent, so they retry until Postgres takes them.
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Keeps each run's history far below Temporal's 10,240-event warning; state moves on intact via continue-as-new. */
export const HISTORY_EVENTS_PER_RUN = 2_000;

/**
 * One long-running workflow per target: probes it on its slot grid, judges each result, and records every state
 * change. It owns the target's orchestration state (the judgement and the schedule); Postgres holds projections.
 */
export async function targetWorkflow(input: TargetWorkflowInput): Promise<void> {
  const { targetId, spec, version } = input;
  const intervalMs = spec.intervalSeconds * 1000;
  const phase = phaseMs(targetId, intervalMs);
  let judgement = input.carried?.judgement ?? initialJudgement(Date.now());
  let next = input.carried?.nextSlot ?? nextSlot(Date.now(), intervalMs, phase);

  setHandler(statusQuery, () => ({ targetId, version, judgement, nextSlot: next }));

  if (!input.carried) await saveTarget({ targetId, spec, version });

  for (;;) {
    // Slots more than one window behind (every worker was down) are given up rather than replayed in a burst.
    const oldestWorthRecording = Date.now() - PROBE_WINDOW_MS;
    if (next < oldestWorthRecording) next = nextSlot(oldestWorthRecording, intervalMs, phase);
    const slots = windowFrom(next, intervalMs);
    // A window of one slot waits here, on a timer in the history; a longer window waits inside the activity.
    const single = slots.length === 1;
    if (single && slots[0]! > Date.now()) await sleep(slots[0]! - Date.now());

    let checked: CheckedSlot[] = [];
    try {
      const run = single ? probeSlot : probeWindow;
      ({ checked } = await run({
        targetId,
        probe: spec.probe,
        intervalMs,
        slots,
        firstSlotIsDue: single,
        judgement,
        thresholds: spec.thresholds,
      }));
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // Vigil itself failed and its retries ran out. Keep the schedule: after a pause of one interval, the next
      // window starts from the same slots and records the ones that passed as missed.
      log.warn('probe window failed', { targetId, error: err.cause?.message ?? err.message });
      await sleep(intervalMs);
    }

    for (const c of checked) {
      if (c.outcome === 'missed') continue;
      const judged = judge(judgement, c.outcome, c.scheduledAt, spec.thresholds);
      judgement = judged.next;
      if (judged.flip) await recordFlip({ targetId, flip: judged.flip });
    }
    const last = checked.at(-1)?.scheduledAt;
    if (last !== undefined) next = last + intervalMs;

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > HISTORY_EVENTS_PER_RUN) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof targetWorkflow>({ targetId, spec, version, carried: { judgement, nextSlot: next } });
    }
  }
}
